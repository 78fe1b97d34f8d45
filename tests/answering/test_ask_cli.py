"""`glyphctx ask`: the answer, budget and timings lines, the side-by-side baseline, exit status 2 on errors."""

import re

import pytest
from typer.testing import CliRunner

from glyphctx.cli.main import app
from tests.tiny_models import save_tiny_vlm

BUDGET = re.compile(r"^budget: ([\d,]+) text tokens -> ([\d,]+) visual tokens \((\d+\.\d\d)x\) on (\d+) pages?; "
                    r"([\d,]+) of ([\d,]+) positions$", re.MULTILINE)
TIMINGS = re.compile(r"^timings: extract [\d.]+ s, normalise [\d.]+ s, render [\d.]+ s, tokens [\d.]+ s, "
                     r"encode [\d.]+ s, generate [\d.]+ s; total [\d.]+ s$", re.MULTILINE)


def invoke(*args, input=None):
    return CliRunner().invoke(app, ["ask", *[str(a) for a in args]], input=input)


@pytest.fixture(scope="module")
def pipeline_file(tiny_vlm, tmp_path_factory):
    path = tmp_path_factory.mktemp("pipelines") / "tiny-vlm.yaml"
    path.write_text(f"name: tiny-vlm\nmodel: {tiny_vlm}\nmax_new_tokens: 6\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def document(chapter, tmp_path_factory):
    path = tmp_path_factory.mktemp("docs") / "chapter.txt"
    path.write_text(chapter[:300], encoding="utf-8")
    return path


def test_ask_prints_answer_budget_and_timings(pipeline_file, document):
    result = invoke(document, "Who?", "--pipeline", pipeline_file)
    assert result.exit_code == 0, result.output
    assert re.search(r"^answer: .{0,6}$", result.output, re.MULTILINE), result.output
    budget = BUDGET.search(result.output)
    assert budget, result.output
    text, visual, ratio = int(budget[1].replace(",", "")), int(budget[2].replace(",", "")), float(budget[3])
    assert ratio == pytest.approx(text / visual, abs=0.006)
    assert TIMINGS.search(result.output), result.output


def test_text_baseline_prints_both_answers_and_both_counts(pipeline_file, document):
    result = invoke(document, "Who?", "--pipeline", pipeline_file, "--text-baseline", "--max-new-tokens", "3")
    assert result.exit_code == 0, result.output
    for part in ("pages (visual tokens)", "plain text (text tokens)", "answer", " visual", " text", "positions"):
        assert part in result.output, result.output
    assert BUDGET.search(result.output) and TIMINGS.search(result.output)


def test_text_baseline_that_does_not_fit_is_reported_not_fatal(pipeline_file, chapter, tmp_path):
    long_text = tmp_path / "long.txt"
    long_text.write_text(chapter, encoding="utf-8")  # 9,000 characters: past the 512-token window as text
    result = invoke(long_text, "Who?", "--pipeline", pipeline_file, "--text-baseline")
    assert result.exit_code == 0, result.output
    assert re.search(r"does not fit: [\d,]+ positions > window 512", result.output), result.output


def test_typed_errors_exit_2_with_one_line(pipeline_file, tmp_path, chapter, monkeypatch):
    missing = invoke(tmp_path / "missing.txt", "Who?", "--pipeline", pipeline_file)
    assert missing.exit_code == 2 and "error:" in missing.output
    monkeypatch.chdir(tmp_path)
    (tmp_path / "doc.txt").write_text("Some text.", encoding="utf-8")
    no_model = invoke("doc.txt", "Who?")  # the tiny preset, without runs/tiny-qa here
    assert no_model.exit_code == 2
    assert "glyphctx train --preset tiny-qa" in " ".join(no_model.output.split())
    unknown = invoke("doc.txt", "Who?", "--pipeline", "no-such-pipeline")
    assert unknown.exit_code == 2 and "unknown pipeline preset" in unknown.output
    short = save_tiny_vlm(tmp_path / "short-vlm", window=40)
    (tmp_path / "short.yaml").write_text(f"model: {short}\n", encoding="utf-8")
    (tmp_path / "long.txt").write_text(chapter, encoding="utf-8")
    too_long = invoke("long.txt", "Who?", "--pipeline", tmp_path / "short.yaml")
    assert too_long.exit_code == 2
    flat = " ".join(too_long.output.split())
    assert "more than the 40 that short-vlm takes" in flat and "ring attention across" in flat, flat
    assert "Traceback" not in too_long.output


def test_stdin_is_read_once_for_both_paths(pipeline_file):
    result = invoke("-", "Who?", "--pipeline", pipeline_file, "--text-baseline", input="Mr. Bingley has come.\n")
    assert result.exit_code == 0, result.output
    assert "plain text (text tokens)" in result.output and "does not fit" not in result.output
