"""The needle task: documents, questions and scoring; every route with a reader that reads exactly (each
needle found, planted where its depth says) or misreads digits (none found from the pages); then a tiny
random reader and tiny transformers models, including documents past a window and the heat map."""

import json
import re

import pytest

from glyphctx.answering.backend import Generated
from glyphctx.common.corpus import load_corpus
from glyphctx.common.needles import answer_found, haystack, plant_needles, question_for
from glyphctx.errors import ConfigError
from glyphctx.evaluate.heatmap import draw_heatmap
from glyphctx.evaluate.models import load_page_model
from glyphctx.evaluate.needle import run_needle
from glyphctx.evaluate.needle_report import comparison_table, to_markdown, write_needle
from glyphctx.evaluate.text_model import TextModel
from glyphctx.reader.lines import render_lines
from glyphctx.tokens import load_tokenizer
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


def read_exactly(monkeypatch, model, misread: bool = False) -> list[str]:
    """Make `model` read exactly: each line image `run_needle` draws is recorded with its text, and reading
    an image gives that text back; an answer is the number of the needle that names the question's subject.

    With `misread`, the pages are read with every digit off by one (so the visual answer and the
    transcription name another number) while the plain text stays exact. Returns the documents the text
    route was given, in order.
    """
    import glyphctx.reader.lines as lines

    shown, documents = {}, []
    draw = lines.render_lines

    def recording(text, config):
        drawn = draw(text, config)
        shown.update((line.image.tobytes(), line.text) for line in drawn)
        return drawn

    def read(pages):
        texts = [shown[page.tobytes()] for page in pages]  # a KeyError: a page this document never drew
        return [re.sub(r"\d", lambda d: str((int(d.group()) + 1) % 10), t) for t in texts] if misread else texts

    def answer(text, question):
        subject = question.removeprefix("What is the secret number of the ").removesuffix("?")
        number = re.search(rf"The secret number of the {re.escape(subject)} is (\d+)\.", " ".join(text.split()))
        return Generated(number.group(1) if number else "no idea", 0)

    monkeypatch.setattr(lines, "render_lines", recording)
    monkeypatch.setattr(model, "answer_text", lambda document, question, _: documents.append(document)
                        or answer(document, question))
    monkeypatch.setattr(model, "answer", lambda pages, question, _: answer(" ".join(read(pages)), question))
    monkeypatch.setattr(model.reader, "transcribe", lambda pages, max_new_tokens=None: read(pages))
    return documents


def test_an_exact_reader_finds_every_needle_where_it_was_planted(reader_dir, held_out, monkeypatch):
    model = load_page_model(reader_dir)
    documents = read_exactly(monkeypatch, model)
    report = run_needle(model, held_out, depths=[0.0, 0.75, 1.0], lengths=[300, 700], trials=2)
    assert len(report.documents) == len(documents) == 2 * 3 * 2
    for route in report.routes:
        assert report.accuracy(route) == 1.0
        assert all((c.asked, c.found, c.too_long) == (2, 2, 0) for row in report.cells[route].values()
                   for c in row.values())
    for record, document in zip(report.documents, documents):
        subject = record["question"].removeprefix("What is the secret number of the ").removesuffix("?")
        sentence = f"The secret number of the {subject} is {record['answer']}."
        offset = document.index(sentence)
        assert record["planted_at"] == round(offset / len(document), 4)
        assert record["transcription"] == {"found": True, "similarity": 1.0}
        assert record["text"]["output"] == record["visual"]["output"] == record["answer"]
        # the needle is its own paragraph at the haystack's last paragraph break at or before the depth
        hay, _ = haystack(held_out, record["length"], record["trial"], 2)
        at = round(record["depth"] * len(hay))
        paragraph_break = hay.rfind("\n\n", 0, at + 1)
        cut = len(hay) if at == len(hay) else 0 if paragraph_break < 0 else paragraph_break + 2
        planted = f"\n\n{sentence}\n\n" if cut == len(hay) else f"{sentence}\n\n"
        assert document == hay[:cut] + planted + hay[cut:]
    # depth 0.75 of the first 300 characters comes before their first paragraph break: planted at the start
    assert [r["planted_at"] for r in report.documents] == [0.0, 0.0, 0.8625, 0.0, 0.5773, 0.8667,
                                                           0.0, 0.5766, 0.9369, 0.0, 0.6689, 0.9391]
    tekken = load_tokenizer(None)
    for length, texts in ((300, documents[:6]), (700, documents[6:])):
        counts = report.tokens[length]
        assert counts["pages"] == sum(len(render_lines(text, model.render_config)) for text in texts)
        assert counts["visual_tokens"] == 8 * counts["pages"]  # the tiny reader's 8 tokens a line
        assert counts["text_tokens"] == sum(map(tekken.count, texts))
        assert report.ratio(length) == counts["text_tokens"] / counts["visual_tokens"]


def test_pages_read_with_wrong_digits_find_no_needle_while_the_text_does(reader_dir, held_out, monkeypatch):
    model = load_page_model(reader_dir)
    read_exactly(monkeypatch, model, misread=True)
    report = run_needle(model, held_out, depths=[0.25, 0.75], lengths=[500])
    assert (report.accuracy("text"), report.accuracy("visual"), report.accuracy("transcription")) == (1.0, 0.0, 0.0)
    for record in report.documents:
        assert record["visual"]["output"] != record["answer"] and not record["transcription"]["found"]
        assert record["transcription"]["similarity"] < 1.0  # the sentence is there, its number is not


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
    # a random reader's answers are at most 3 bytes and its line readings 2: no 4-digit number fits in either
    assert report.accuracy("text", 4200) is None and report.accuracy("text") == 0.0
    assert report.accuracy("visual") == report.accuracy("transcription") == 0.0
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
