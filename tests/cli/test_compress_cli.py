"""`glyphctx compress`: the table, the summary line, exit codes and per-document failures."""

import json
import re
import subprocess
import sys
from pathlib import Path

import pymupdf
import pytest
from typer.testing import CliRunner

import glyphctx
from glyphctx.cli.main import app
from glyphctx.io.output import is_complete
from glyphctx.render.presets import load_preset
from tests.pdf_builders import image_only_pdf, three_page_pdf

NOVEL = Path(__file__).resolve().parents[1] / "data" / "pride-and-prejudice-ch1.txt"
PASSWORD = "s3cret"
SUMMARY = re.compile(
    r"^(\d+) documents?, (\d+) compressed, (\d+) skipped, (\d+) failed; (\d+) pages; "
    r"([\d,]+) text tokens -> ([\d,]+) visual tokens \((\d+\.\d\d)x\) in \d+\.\d s$",
    re.MULTILINE,
)


def _invoke(*args, input=None):
    return CliRunner().invoke(app, [str(a) for a in args], input=input)


def _summary(stdout: str) -> tuple:
    match = SUMMARY.search(stdout)
    assert match, stdout
    counts = tuple(int(g.replace(",", "")) for g in match.groups()[:7])
    return (*counts, float(match.group(8)))


def _row(stdout: str, name: str) -> list[str]:
    """The table cells of one document: name, status, pages, text tokens, visual tokens, ratio, seconds."""
    for line in stdout.splitlines():
        cells = [cell.strip() for cell in line.split("│")[1:-1]]
        if cells and cells[0] == name:
            return cells
    raise AssertionError(f"no table row for {name!r} in:\n{stdout}")


def _manifest(folder: Path) -> dict:
    return json.loads((folder / "manifest.json").read_text(encoding="utf-8"))


@pytest.fixture
def mixed(tmp_path):
    """A folder with two good documents and one of each kind of bad one."""
    folder = tmp_path / "mixed"
    folder.mkdir()
    (folder / "novel.txt").write_bytes(NOVEL.read_bytes())
    good = three_page_pdf(folder / "paper.pdf")
    three_page_pdf(folder / "locked.pdf", encryption=pymupdf.PDF_ENCRYPT_AES_256, owner_pw="o", user_pw=PASSWORD)
    (folder / "corrupt.pdf").write_bytes(good.read_bytes()[:300])
    image_only_pdf(folder / "scan.pdf")
    (folder / "empty.txt").write_bytes(b"")
    (folder / "blob.txt").write_bytes(b"\x00\x01\x02\x03binary\xff\xfe\x00" * 16)
    return folder


BAD = {"blob": "binary", "corrupt": "corrupt", "empty": "empty", "locked": "encrypted", "scan": "no-text"}


# ------------------------------------------------------------------ one document


def test_one_file_prints_its_row_and_the_summary_and_exits_0(tmp_path):
    out = tmp_path / "out"
    run = _invoke("compress", NOVEL, "-o", out)
    assert run.exit_code == 0, run.stderr
    expected = glyphctx.compress(NOVEL)
    budget = expected.budget

    for column in ("document", "status", "pages", "text tokens", "visual tokens", "ratio", "seconds"):
        assert column in run.stdout
    name, status, pages, text_tokens, visual_tokens, ratio, seconds = _row(run.stdout, NOVEL.stem)
    assert status == "ok"
    assert int(pages) == len(expected.pages)
    assert text_tokens == f"{budget.text_tokens:,}"
    assert visual_tokens == f"{budget.visual_tokens:,}"
    assert ratio == f"{expected.ratio:.2f}x"
    assert float(seconds) >= 0
    assert _summary(run.stdout) == (
        1, 1, 0, 0, len(expected.pages), budget.text_tokens, budget.visual_tokens, round(expected.ratio, 2)
    )
    assert "Traceback" not in run.stdout + run.stderr

    folder = out / NOVEL.stem
    manifest = _manifest(folder)
    assert is_complete(folder, manifest["job_key"])
    assert manifest["budget"] == budget.to_dict()
    assert (folder / "text.txt").read_text(encoding="utf-8") == expected.text


def test_a_rerun_skips_and_force_redoes(tmp_path):
    source = tmp_path / "note.txt"
    source.write_text("A note that is compressed three times. " * 30, encoding="utf-8")
    out = tmp_path / "out"
    assert _invoke("compress", source, "-o", out).exit_code == 0

    again = _invoke("compress", source, "-o", out)
    assert again.exit_code == 0
    assert _row(again.stdout, "note")[1] == "skipped"
    assert _summary(again.stdout)[:4] == (1, 0, 1, 0)
    skipped_pages = int(_row(again.stdout, "note")[2])
    assert skipped_pages == len(_manifest(out / "note")["pages"])

    forced = _invoke("compress", source, "-o", out, "--force")
    assert forced.exit_code == 0
    assert _row(forced.stdout, "note")[1] == "ok"
    assert _summary(forced.stdout)[:4] == (1, 1, 0, 0)


def test_quiet_prints_only_the_summary_line(tmp_path):
    run = _invoke("compress", NOVEL, "-o", tmp_path / "out", "--quiet")
    assert run.exit_code == 0
    assert run.stdout.strip().count("\n") == 0
    assert SUMMARY.search(run.stdout)


# ------------------------------------------------------------------ a folder with good and bad documents


def test_a_folder_compresses_every_good_file_and_lists_every_bad_one(mixed, tmp_path):
    out = tmp_path / "out"
    run = _invoke("compress", mixed, "-o", out)

    assert run.exit_code == 1
    assert "Traceback" not in run.stdout + run.stderr
    for good in ("novel", "paper"):
        assert _row(run.stdout, good)[1] == "ok"
        assert is_complete(out / good, _manifest(out / good)["job_key"])
    for bad, code in BAD.items():
        assert _row(run.stdout, bad)[1] == "failed"
        assert f"{mixed / bad}" in run.stderr
        assert re.search(rf"{re.escape(str(mixed / bad))}\.(txt|pdf): \[{code}\] \S", run.stderr), run.stderr
        assert not (out / bad).exists()
    assert "failed documents:" in run.stderr
    locked_line = next(line for line in run.stderr.splitlines() if "locked.pdf" in line)
    assert "--password" in locked_line
    documents, ok, skipped, failed, *_ = _summary(run.stdout)
    assert (documents, ok, skipped, failed) == (7, 2, 0, 5)


def test_the_password_opens_the_encrypted_file_on_a_rerun(mixed, tmp_path):
    out = tmp_path / "out"
    _invoke("compress", mixed, "-o", out)
    run = _invoke("compress", mixed, "-o", out, "--password", PASSWORD)
    assert run.exit_code == 1  # the other bad files are still bad
    assert _row(run.stdout, "locked")[1] == "ok"
    assert _row(run.stdout, "novel")[1] == "skipped"
    assert "locked.pdf" not in run.stderr
    assert (out / "locked" / "text.txt").read_text(encoding="utf-8").startswith("Page 1 begins here.")
    assert _summary(run.stdout)[:4] == (7, 1, 2, 4)

    alone = _invoke("compress", mixed / "locked.pdf", "-o", tmp_path / "alone", "--password", PASSWORD)
    assert alone.exit_code == 0


def test_a_nonexistent_input_is_a_failed_document_not_an_abort(tmp_path):
    missing = tmp_path / "nowhere" / "book.txt"
    run = _invoke("compress", missing, NOVEL, "-o", tmp_path / "out")
    assert run.exit_code == 1
    assert _row(run.stdout, "book")[1] == "failed"
    assert _row(run.stdout, NOVEL.stem)[1] == "ok"
    assert f"{missing}: [unreadable] does not exist" in run.stderr
    assert "Traceback" not in run.stdout + run.stderr


def test_an_unwritable_output_fails_the_documents_without_a_traceback(tmp_path):
    blocker = tmp_path / "out"
    blocker.write_text("")
    run = _invoke("compress", NOVEL, "-o", blocker)
    assert run.exit_code == 1
    assert "[output]" in run.stderr and "cannot write outputs" in run.stderr
    assert "Traceback" not in run.stdout + run.stderr
    assert blocker.read_text() == ""


# ------------------------------------------------------------------ options


def test_pages_selects_pdf_pages(tmp_path):
    pdf = three_page_pdf(tmp_path / "paper.pdf")
    run = _invoke("compress", pdf, "-o", tmp_path / "out", "--pages", "2-3")
    assert run.exit_code == 0, run.stderr
    manifest = _manifest(tmp_path / "out" / "paper")
    assert [span[0] for span in manifest["source_page_spans"]] == [2, 3]
    assert manifest["pages"][0]["source_pages"] == [2, 3]
    text = (tmp_path / "out" / "paper" / "text.txt").read_text(encoding="utf-8")
    assert text.startswith("Page 2 begins here.") and "page 1" not in text

    out_of_range = _invoke("compress", pdf, "-o", tmp_path / "out2", "--pages", "4")
    assert out_of_range.exit_code == 1
    assert "[page-range] page 4 is out of range: the document has 3 pages" in out_of_range.stderr


def test_a_page_range_on_plain_text_is_a_warning(tmp_path):
    run = _invoke("compress", NOVEL, "-o", tmp_path / "out", "--pages", "1")
    assert run.exit_code == 0
    assert f"warning: {NOVEL.stem}: page range '1' ignored: plain text has no pages" in run.stderr


def test_format_npz_writes_one_archive(tmp_path):
    run = _invoke("compress", NOVEL, "-o", tmp_path / "out", "--format", "npz")
    assert run.exit_code == 0, run.stderr
    folder = tmp_path / "out" / NOVEL.stem
    assert {p.name for p in folder.iterdir()} == {"pages.npz", "text.txt", "manifest.json"}
    manifest = _manifest(folder)
    with np_load(folder / "pages.npz") as archive:
        assert len(archive.files) == len(manifest["pages"]) == int(_row(run.stdout, NOVEL.stem)[2])
        first = archive["page_0001"]
    assert (first.shape[1], first.shape[0]) == (manifest["pages"][0]["width"], manifest["pages"][0]["height"])


def np_load(path):
    import numpy as np

    return np.load(path)


def test_no_reflow_keeps_the_source_lines(tmp_path):
    run = _invoke("compress", NOVEL, "-o", tmp_path / "out", "--no-reflow")
    assert run.exit_code == 0
    folder = tmp_path / "out" / NOVEL.stem
    assert _manifest(folder)["config"]["reflow"] is False
    text = (folder / "text.txt").read_text(encoding="utf-8")
    source = NOVEL.read_text(encoding="utf-8")
    assert [line for line in text.splitlines() if line] == [
        line.rstrip() for line in source.splitlines() if line.strip()
    ]
    assert int(_row(run.stdout, NOVEL.stem)[2]) == len(glyphctx.compress(NOVEL, reflow=False).pages)


def test_profile_and_config_options_reach_the_manifest(tmp_path):
    run = _invoke("compress", NOVEL, "-o", tmp_path / "out", "--profile", "deepseek-ocr-base", "--config", "glyph-like")
    assert run.exit_code == 0, run.stderr
    manifest = _manifest(tmp_path / "out" / NOVEL.stem)
    assert manifest["config"] == load_preset("glyph-like").to_dict()
    assert manifest["budget"]["profile"] == "deepseek-ocr-base"
    assert [p["visual_tokens"] for p in manifest["pages"]] == [256] * len(manifest["pages"])
    assert _row(run.stdout, NOVEL.stem)[4] == f"{256 * len(manifest['pages']):,}"


def test_a_yaml_config_file_is_used(tmp_path):
    config = glyphctx.RenderConfig(page_width=300, page_height=200, font_size=7, line_height=8)
    config.save(tmp_path / "mine.yaml")
    run = _invoke("compress", NOVEL, "-o", tmp_path / "out", "-c", tmp_path / "mine.yaml")
    assert run.exit_code == 0, run.stderr
    manifest = _manifest(tmp_path / "out" / NOVEL.stem)
    assert manifest["config_hash"] == config.digest()
    assert {(p["width"], p["height"]) for p in manifest["pages"]} == {(300, 200)}


@pytest.mark.parametrize(
    "option, message",
    [
        (["--config", "no-such-preset"], "unknown render preset 'no-such-preset'"),
        (["--profile", "gpt-vision"], "unknown VLM profile 'gpt-vision'"),
        (["--tokenizer", "/no/such/tokenizer.json"], "tokenizer '/no/such/tokenizer.json': not found"),
        (["--format", "gif"], "unknown image format 'gif'"),
    ],
    ids=["config", "profile", "tokenizer", "format"],
)
def test_bad_settings_exit_2_with_a_message_and_no_traceback(tmp_path, option, message):
    run = _invoke("compress", NOVEL, "-o", tmp_path / "out", *option)
    assert run.exit_code == 2
    assert run.stderr.startswith("error: ")
    assert message in " ".join(run.stderr.split())
    assert "Traceback" not in run.stdout + run.stderr
    assert run.stdout == ""
    assert not (tmp_path / "out").exists()


def test_names_with_brackets_are_printed_as_they_are(tmp_path):
    # square brackets are console markup: names and messages must come out verbatim, never crash the printer
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "[bold]notes.txt").write_text("Bracketed names are still names.", encoding="utf-8")
    (folder / "[red]empty.txt").write_bytes(b"")
    out = tmp_path / "out[/y]"
    run = _invoke("compress", folder, "-o", out)
    assert run.exit_code == 1
    assert run.exception is None or isinstance(run.exception, SystemExit)
    assert "out[/y]" in run.stdout  # the table title names the output folder
    assert _row(run.stdout, "[bold]notes")[1] == "ok"
    assert _row(run.stdout, "[red]empty")[1] == "failed"
    assert f"{folder / '[red]empty.txt'}: [empty] is empty" in run.stderr
    assert (out / "[bold]notes" / "manifest.json").is_file()

    bad = _invoke("compress", folder, "-o", out, "--config", "[/red]")
    assert bad.exit_code == 2
    assert bad.stderr.startswith("error: [/red]")  # a name with a slash is read as a path, still verbatim


def test_a_bad_yaml_config_exits_2_naming_the_file(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("dpi: 0\n")
    run = _invoke("compress", NOVEL, "-o", tmp_path / "out", "--config", bad)
    assert run.exit_code == 2
    assert str(bad) in run.stderr and "dpi" in run.stderr


def test_stdin_is_read_with_a_dash(tmp_path):
    text = "Text piped into the command.\nIt is the whole document."
    run = _invoke("compress", "-", "-o", tmp_path / "out", input=text)
    assert run.exit_code == 0, run.stderr
    assert _row(run.stdout, "stdin")[1] == "ok"
    folder = tmp_path / "out" / "stdin"
    assert (folder / "text.txt").read_text(encoding="utf-8") == text
    manifest = _manifest(folder)
    assert manifest["source"] == "<stdin>"
    assert manifest["budget"]["text_tokens"] == glyphctx.compress(text).budget.text_tokens


def test_missing_output_option_is_a_usage_error(tmp_path):
    run = _invoke("compress", NOVEL)
    assert run.exit_code == 2
    assert "--output" in run.stderr


def test_python_dash_m_runs_end_to_end(tmp_path):
    out = tmp_path / "out"
    completed = subprocess.run(
        [sys.executable, "-m", "glyphctx", "compress", str(NOVEL), "-o", str(out), "--config", "glyph-like"],
        capture_output=True, text=True, timeout=120,
    )
    assert completed.returncode == 0, completed.stderr
    documents, ok, *_ = _summary(completed.stdout)
    assert (documents, ok) == (1, 1)
    manifest = _manifest(out / NOVEL.stem)
    assert manifest["config_hash"] == load_preset("glyph-like").digest()
    assert all((out / NOVEL.stem / page["file"]).is_file() for page in manifest["pages"])
