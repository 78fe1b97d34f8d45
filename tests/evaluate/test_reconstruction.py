"""Reconstruction: the scoring is exact on known texts, on a perfect reading and on one with known
errors; a random reader or VLM runs end to end and is scored on exactly what it read."""

import json

import numpy as np
import pytest

from glyphctx.common.corpus import load_corpus
from glyphctx.common.metrics import normalise_for_scoring
from glyphctx.errors import ConfigError
from glyphctx.evaluate.models import load_page_model
from glyphctx.evaluate.reconstruction import evaluate_reconstruction, held_out_lines, run_reconstruction, score_lines
from glyphctx.reader.task import ReaderTask
from glyphctx.tokens import load_tokenizer
from tests.evaluate.conftest import BOOK


def test_reading_the_text_itself_scores_perfectly():
    lines = ["It is a truth universally acknowledged,", "that a single man in possession", "of a good fortune."]
    scores = score_lines(lines, list(lines))
    assert scores.lines == 3
    assert scores.char_accuracy == scores.char_accuracy_joined == 1.0
    assert scores.edit_distance == scores.char_error_rate == 0.0
    assert (scores.precision, scores.recall, scores.f1) == (1.0, 1.0, 1.0)
    assert scores.reference_chars == sum(len(line) for line in lines)


def test_scores_count_edits_and_words():
    scores = score_lines(["abcd efgh", "ijkl"], ["abcd efgX", ""], worst=1)
    assert scores.char_accuracy == pytest.approx((8 / 9 + 0.0) / 2)
    assert scores.char_error_rate == pytest.approx((1 + 4) / 13)  # one substitution, four deletions
    assert scores.char_accuracy_joined == pytest.approx(1 - 6 / 14)  # "abcd efgh ijkl" vs "abcd efgX"
    assert scores.recall == pytest.approx((1 / 2 + 0) / 2) and scores.precision == pytest.approx((1 / 2 + 0) / 2)
    assert [w.reference for w in scores.worst] == ["ijkl"]
    with pytest.raises(ValueError, match="readings"):
        score_lines(["a"], [])


def test_lines_are_the_ones_training_scores(reader_dir):
    corpus = load_corpus([BOOK])
    lines = held_out_lines(corpus, reader_dir / "reader.json", 5)
    expected = ReaderTask(corpus, reader="tiny-reader", eval_lines=5).held_out_lines()
    assert [line.text for line in lines] == [line.text for line in expected] and len(lines) == 5
    assert all(line.image.shape == (12, 384) for line in lines)


def reading_back(monkeypatch, model, lines, misread=lambda text: text):
    """Make the reader read each line image as `misread(its text)`: exact by default."""
    texts = {line.image.tobytes(): line.text for line in lines}
    monkeypatch.setattr(model.reader, "transcribe",
                        lambda pages, max_new_tokens=None: [misread(texts[page.tobytes()]) for page in pages])


def test_a_perfect_transcript_scores_one_and_a_known_corruption_its_exact_accuracy(reader_dir, monkeypatch):
    model = load_page_model(reader_dir)
    lines = held_out_lines(load_corpus([BOOK]), reader_dir / "reader.json", 4)
    reading_back(monkeypatch, model, lines)
    s = run_reconstruction(model, lines).scores
    assert (s.lines, s.char_accuracy, s.char_accuracy_joined, s.edit_distance, s.char_error_rate) == (
        4, 1.0, 1.0, 0.0, 0.0
    )
    assert (s.precision, s.recall, s.f1) == (1.0, 1.0, 1.0) and all(w.char_accuracy == 1.0 for w in s.worst)

    # every "e" read as "x": each line loses one character per "e", and each word holding one is wrong
    reading_back(monkeypatch, model, lines, misread=lambda text: text.replace("e", "x"))
    s = run_reconstruction(model, lines, worst=1).scores
    references = [normalise_for_scoring(line.text) for line in lines]
    chars, wrong = [len(r) for r in references], [r.count("e") for r in references]
    assert wrong == [4, 11, 5, 2] and chars == [94, 94, 51, 33]  # the first four held-out lines
    assert s.char_accuracy == pytest.approx(sum(1 - k / n for k, n in zip(wrong, chars)) / 4, abs=1e-12)
    assert s.char_error_rate == pytest.approx(sum(wrong) / sum(chars), abs=1e-12)
    assert s.char_accuracy_joined == pytest.approx(1 - sum(wrong) / (sum(chars) + 3), abs=1e-12)
    kept = [sum("e" not in word for word in r.split()) / len(r.split()) for r in references]
    assert s.precision == s.recall == s.f1 == pytest.approx(sum(kept) / 4, abs=1e-12)
    assert [w.reference for w in s.worst] == [lines[1].text]  # 11 of 94 characters: the worst line
    assert s.worst[0].hypothesis == lines[1].text.replace("e", "x")


def test_random_reader_end_to_end(reader_dir, tmp_path):
    model = load_page_model(reader_dir)
    lines = held_out_lines(load_corpus([BOOK]), reader_dir / "reader.json", 4)
    report = run_reconstruction(model, lines, max_new_tokens=6, worst=2)
    s = report.scores
    readings = model.reader.transcribe([line.image for line in lines], max_new_tokens=6)  # greedy: the same again
    assert s == score_lines([line.text for line in lines], readings, worst=2)
    assert s.lines == 4 and len(s.worst) == 2 and all(len(r) <= 6 for r in readings)
    assert s.char_accuracy < 0.5  # random weights do not read, and six bytes cover under a fifth of a line
    assert report.visual_tokens == 4 * model.reader.encoder.tokens_for(384, 12) == 4 * 8
    tekken = load_tokenizer(None)
    assert report.text_tokens == sum(tekken.count(line.text) for line in lines)
    assert report.ratio == report.text_tokens / report.visual_tokens
    json_path, md_path = report.write(tmp_path)
    data = json.loads(json_path.read_text(encoding="utf-8"))
    assert data["lines"] == 4 and data["kind"] == "reader" and data["tokenizer"] == "tekken"
    assert data["char_accuracy"] == s.char_accuracy and data["visual_tokens"] == 32
    assert "## Worst lines" in md_path.read_text(encoding="utf-8")


def test_vlm_reads_the_same_line_images(vlm_dir):
    report = evaluate_reconstruction(vlm_dir, [BOOK], lines=2, reader_config="tiny-reader", max_new_tokens=4)
    assert report.kind == "vlm" and report.scores.lines == 2
    lines = held_out_lines(load_corpus([BOOK]), "tiny-reader", 2)
    assert sorted(w.reference for w in report.scores.worst) == sorted(line.text for line in lines)
    assert all(len(w.hypothesis) <= 4 for w in report.scores.worst)  # one character per token
    # what the VLM's own processor makes of the two line images: its patch grid, merged 2 x 2
    from transformers import AutoProcessor

    images = [np.repeat(line.image[..., None], 3, axis=2) for line in lines]
    grids = AutoProcessor.from_pretrained(vlm_dir).image_processor(images=images, return_tensors="np")["image_grid_thw"]
    assert report.visual_tokens == int(grids.prod(axis=1).sum()) // 4 == 2 * 12
    assert report.scores == score_lines([w.reference for w in report.scores.worst],
                                        [w.hypothesis for w in report.scores.worst])


def test_missing_or_foreign_checkpoint_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="no such checkpoint") as missing:
        evaluate_reconstruction(tmp_path / "nowhere", [BOOK])
    assert str(tmp_path / "nowhere") in str(missing.value)
    (tmp_path / "empty").mkdir()
    with pytest.raises(ConfigError, match="neither a reader checkpoint"):
        load_page_model(tmp_path / "empty")
