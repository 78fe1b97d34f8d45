"""The needle task: documents, questions and scoring, then every route with a tiny reader and tiny
transformers models, including documents past a window and the heat map."""

import json

import pytest

from glyphctx.errors import ConfigError
from glyphctx.evaluate.heatmap import draw_heatmap
from glyphctx.evaluate.models import load_page_model
from glyphctx.evaluate.needle import answer_found, haystack, question_for, run_needle
from glyphctx.evaluate.needle_report import comparison_table, to_markdown, write_needle
from glyphctx.evaluate.text_model import TextModel
from glyphctx.search.needle import plant_needles
from glyphctx.train.corpus import load_corpus
from tests.evaluate.conftest import BOOK
from tests.tiny_models import WINDOW

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def held_out():
    return load_corpus([BOOK]).held_out_text()


def test_haystack_cuts_words_and_moves_with_the_trial(held_out):
    first, repeated = haystack(held_out, 300, 0, 2)
    second, _ = haystack(held_out, 300, 1, 2)
    assert not repeated and 150 < len(first) <= 300 and first != second
    assert held_out.startswith(first) and second in held_out
    assert second.split()[0] in held_out.split() and first.split()[-1] in held_out.split()
    long, repeated = haystack(held_out, 2 * len(held_out) + 10)
    assert repeated and len(long) > 2 * len(held_out)


def test_question_and_answer_matching(held_out):
    document, (needle,) = plant_needles(held_out[:400], [0.5], seed=3)
    question = question_for(needle)
    subject = needle.sentence.removeprefix("The secret number of the ").split(" is ")[0]
    assert question == f"What is the secret number of the {subject}?"
    assert needle.sentence in document
    assert answer_found(f"It is {needle.answer}.", needle.answer)
    assert not answer_found(f"It is 1{needle.answer}.", needle.answer)
    assert not answer_found("no idea", needle.answer)


def test_reader_routes_and_a_document_past_the_text_window(reader_dir, held_out, tmp_path):
    model = load_page_model(reader_dir)
    # 4,200 characters repeat the held-out text and take more than the reader's 4,096 byte positions as text
    report = run_needle(model, held_out, depths=[0.0, 1.0], lengths=[200, 4200], max_new_tokens=3, line_tokens=2)
    assert report.routes == ["text", "visual", "transcription"] and report.repeated
    assert len(report.documents) == 4 and report.windows["text"] == model.window == 4096
    long_text = report.cells["text"][4200]
    assert all(c.too_long == 1 and c.asked == 0 and c.label() == "too long" for c in long_text.values())
    assert all(c.needed > 4096 for c in long_text.values())
    for route in ("visual", "transcription"):  # pages fit where the plain text does not
        assert all(c.asked == 1 and c.too_long == 0 for row in report.cells[route].values() for c in row.values())
    assert all(c.asked == 1 for c in report.cells["text"][200].values())
    assert report.accuracy("text", 4200) is None and 0.0 <= report.accuracy("visual") <= 1.0
    counts = report.tokens[4200]
    assert counts["documents"] == 2 and counts["visual_tokens"] > 0 and report.ratio(4200) > 0
    header, rows = comparison_table(report)
    assert header[-3:] == ["text (baseline)", "visual", "transcription"] and len(rows) == 2 * 3
    assert "too long" in to_markdown(report)
    paths = write_needle(report, tmp_path)
    assert [p.name for p in paths] == ["needle.json", "needle.md", "needle_heatmap.png"]
    assert paths[2].read_bytes().startswith(PNG)
    data = json.loads(paths[0].read_text(encoding="utf-8"))
    assert data["accuracy"]["text"]["4200"]["0"]["too_long"] == 1 and data["haystack_repeated"]


def test_vlm_pages_and_a_causal_lm_baseline(vlm_dir, text_lm_dir, held_out, tmp_path):
    model, baseline = load_page_model(vlm_dir), TextModel(text_lm_dir)
    assert baseline.window == WINDOW
    report = run_needle(model, held_out, depths=[0.5], lengths=[100, WINDOW + 100], text_model=baseline,
                        max_new_tokens=4)
    assert report.routes == ["text", "visual"] and report.text_model == text_lm_dir.name
    assert report.cells["text"][100][0.5].asked == 1  # short enough for the text model
    assert report.cells["text"][WINDOW + 100][0.5].too_long == 1  # one token per character: past its window
    assert report.cells["visual"][WINDOW + 100][0.5].asked == 1  # a few pages take few visual tokens
    for record in report.documents:
        assert record["visual"]["status"] == "ok" and len(record["visual"]["output"]) <= 4
    path = draw_heatmap(report, tmp_path / "map.png")
    assert path.read_bytes().startswith(PNG)
    with pytest.raises(ConfigError, match="transcription route needs a reader"):
        run_needle(model, held_out, depths=[0.5], lengths=[100], routes=["transcription"])


def test_bad_settings_are_config_errors(reader_dir, held_out):
    model = load_page_model(reader_dir)
    with pytest.raises(ConfigError, match="depths"):
        run_needle(model, held_out, depths=[1.5], lengths=[100])
    with pytest.raises(ConfigError, match="unknown route"):
        run_needle(model, held_out, lengths=[100], routes=["smell"])
    with pytest.raises(ConfigError, match="not a transformers model folder"):
        TextModel(reader_dir)
