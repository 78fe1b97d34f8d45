"""Reconstruction: the scoring is exact on known texts, and a random reader or VLM runs end to end."""

import json

import pytest

from glyphctx.errors import ConfigError
from glyphctx.evaluate.models import load_page_model
from glyphctx.evaluate.reconstruction import (evaluate_reconstruction, held_out_lines, run_reconstruction,
                                              score_lines)
from glyphctx.reader.task import ReaderTask
from glyphctx.train.corpus import load_corpus
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


def test_random_reader_end_to_end(reader_dir, tmp_path):
    model = load_page_model(reader_dir)
    lines = held_out_lines(load_corpus([BOOK]), reader_dir / "reader.json", 4)
    report = run_reconstruction(model, lines, max_new_tokens=6, worst=2)
    s = report.scores
    assert s.lines == 4 and len(s.worst) == 2
    for value in (s.char_accuracy, s.char_accuracy_joined, s.edit_distance, s.precision, s.recall, s.f1):
        assert 0.0 <= value <= 1.0
    assert s.char_accuracy < 0.5  # random weights do not read
    assert report.visual_tokens == 4 * model.reader.encoder.tokens_for(384, 12)
    assert report.text_tokens > 0 and report.ratio == report.text_tokens / report.visual_tokens
    json_path, md_path = report.write(tmp_path)
    data = json.loads(json_path.read_text(encoding="utf-8"))
    assert data["lines"] == 4 and data["kind"] == "reader" and data["tokenizer"] == "tekken"
    assert "## Worst lines" in md_path.read_text(encoding="utf-8")


def test_vlm_reads_the_same_line_images(vlm_dir):
    report = evaluate_reconstruction(vlm_dir, [BOOK], lines=2, reader_config="tiny-reader", max_new_tokens=4)
    assert report.kind == "vlm" and report.scores.lines == 2
    assert all(len(w.hypothesis) <= 4 for w in report.scores.worst)  # one character per token
    assert report.visual_tokens > 0 and 0.0 <= report.scores.char_accuracy <= 1.0


def test_missing_or_foreign_checkpoint_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="no such checkpoint") as missing:
        evaluate_reconstruction(tmp_path / "nowhere", [BOOK])
    assert str(tmp_path / "nowhere") in str(missing.value)
    (tmp_path / "empty").mkdir()
    with pytest.raises(ConfigError, match="neither a reader checkpoint"):
        load_page_model(tmp_path / "empty")
