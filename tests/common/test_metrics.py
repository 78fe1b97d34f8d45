import pytest

from glyphctx.common.metrics import (
    char_accuracy,
    mean_score,
    normalise_for_scoring,
    plain_text_baseline,
    relative,
    score_transcription,
    word_scores,
)


def test_char_accuracy_is_one_minus_normalised_levenshtein():
    # kitten -> sitting: 3 edits, the longer text has 7 characters
    assert char_accuracy("kitten", "sitting") == pytest.approx(1 - 3 / 7)
    assert char_accuracy("abc", "abc") == 1.0
    assert char_accuracy("abcd", "") == 0.0
    assert char_accuracy("", "") == 1.0


def test_normalisation_is_applied_to_both_sides():
    assert (
        normalise_for_scoring("\u201cWell,\u201d  she said\u2014\n\nno\u00adthing \ufb01ne")
        == '"Well," she said- nothing fine'
    )
    assert char_accuracy("It\u2019s a  line\nbreak", "It's a line break") == 1.0


def test_word_scores_match_a_multiset_by_hand():
    # reference words: the x2, cat, sat; hypothesis: the x1, cat, sat, mat, on -> 3 matched
    scores = word_scores("the cat sat the", "the cat sat on mat")
    assert scores.precision == pytest.approx(3 / 5)
    assert scores.recall == pytest.approx(3 / 4)
    assert scores.f1 == pytest.approx(2 * (3 / 5) * (3 / 4) / (3 / 5 + 3 / 4))


def test_word_scores_edge_cases():
    assert word_scores("", "") == word_scores("a", "a")
    assert word_scores("a b", "").precision == 0.0 and word_scores("a b", "").recall == 0.0
    assert word_scores("a b", "").f1 == 0.0


def test_plain_text_baseline_is_the_ceiling_and_relative_divides_by_it():
    base = plain_text_baseline("Some text, as given.")
    assert (base.char_accuracy, base.precision, base.recall, base.f1) == (1.0, 1.0, 1.0, 1.0)
    assert relative(0.9, base.char_accuracy) == pytest.approx(0.9)
    assert relative(0.5, 0.0) == 0.0


def test_mean_score_averages_pages_equally():
    a = score_transcription("abcd", "abcd")
    b = score_transcription("abcd", "abcx")
    mean = mean_score([a, b])
    assert mean.char_accuracy == pytest.approx((1.0 + 0.75) / 2)
    assert mean.reference_chars == 8
    with pytest.raises(ValueError):
        mean_score([])
