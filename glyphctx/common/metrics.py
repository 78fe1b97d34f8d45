"""Fidelity metrics: how much of a text survives being rendered and read back.

Both sides go through the same `normalise_for_scoring` first, so a metric measures reading errors
and not typography the reader cannot see (curly versus straight quotes, line breaks, ligatures).
Character accuracy is 1 - normalised Levenshtein distance; word precision, recall and F1 count
words matched as a multiset, as the Fox OCR benchmark does.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass

from rapidfuzz.distance import Levenshtein

# typographic variants a page image cannot tell apart from their plain forms
_FOLD = str.maketrans({
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2015": "-", "\u2212": "-",
    "\u00ad": None, "\u200b": None, "\u200c": None, "\u200d": None, "\ufeff": None,
})


def normalise_for_scoring(text: str) -> str:
    """NFKC, typographic quotes and dashes folded to ASCII, every whitespace run as one space."""
    return " ".join(unicodedata.normalize("NFKC", text).translate(_FOLD).split())


def char_accuracy(reference: str, hypothesis: str) -> float:
    """1 - Levenshtein distance / length of the longer text, after normalisation (1.0 for two empty texts)."""
    ref, hyp = normalise_for_scoring(reference), normalise_for_scoring(hypothesis)
    if not ref and not hyp:
        return 1.0
    return 1.0 - Levenshtein.normalized_distance(ref, hyp)


@dataclass(frozen=True)
class WordScores:
    precision: float
    recall: float
    f1: float


def word_scores(reference: str, hypothesis: str) -> WordScores:
    """Fox-style word precision / recall / F1: words matched as a multiset, after normalisation."""
    ref = Counter(normalise_for_scoring(reference).split())
    hyp = Counter(normalise_for_scoring(hypothesis).split())
    n_ref, n_hyp = sum(ref.values()), sum(hyp.values())
    if n_ref == 0 and n_hyp == 0:
        return WordScores(1.0, 1.0, 1.0)
    matched = sum((ref & hyp).values())
    precision = matched / n_hyp if n_hyp else 0.0
    recall = matched / n_ref if n_ref else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return WordScores(precision, recall, f1)


@dataclass(frozen=True)
class TranscriptionScore:
    """One transcription scored against its reference; `relative` divides by the plain-text baseline."""

    char_accuracy: float
    precision: float
    recall: float
    f1: float
    reference_chars: int

    def to_dict(self) -> dict:
        return asdict(self)


def score_transcription(reference: str, hypothesis: str) -> TranscriptionScore:
    words = word_scores(reference, hypothesis)
    return TranscriptionScore(
        char_accuracy=char_accuracy(reference, hypothesis),
        precision=words.precision,
        recall=words.recall,
        f1=words.f1,
        reference_chars=len(normalise_for_scoring(reference)),
    )


def mean_score(scores: Sequence[TranscriptionScore]) -> TranscriptionScore:
    """The per-page average (each page counts once, as in Fox's page-level benchmark)."""
    if not scores:
        raise ValueError("mean_score needs at least one page score")
    n = len(scores)
    return TranscriptionScore(
        char_accuracy=sum(s.char_accuracy for s in scores) / n,
        precision=sum(s.precision for s in scores) / n,
        recall=sum(s.recall for s in scores) / n,
        f1=sum(s.f1 for s in scores) / n,
        reference_chars=sum(s.reference_chars for s in scores),
    )


def plain_text_baseline(reference: str) -> TranscriptionScore:
    """Transcription answered from the source text itself: the ceiling every rendering is measured against."""
    return score_transcription(reference, reference)


def relative(score: float, baseline: float) -> float:
    """A fidelity as a fraction of the plain-text baseline's (0.0 when the baseline itself is 0)."""
    return score / baseline if baseline else 0.0
