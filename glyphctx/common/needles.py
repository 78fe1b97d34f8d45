"""The needle task: short facts hidden at chosen depths of a document, then looked for in what was read.

A needle counts as found when its answer (a number) appears in the reader's output as a whole word
and the sentence around it is recognisably there (rapidfuzz partial ratio >= `min_similarity`), both
after `normalise_for_scoring`. Answered from the plain text, every needle is found: that is the
baseline, 100%.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz

from glyphctx.common.metrics import normalise_for_scoring

DEFAULT_DEPTHS = (0.0, 0.25, 0.5, 0.75, 1.0)

NEEDLE_SUBJECTS = ("brass lantern", "river gate", "north tower", "blue ledger", "old mill", "glass key",
             "silver barge", "east orchard", "copper bell", "stone bridge", "grey harbour", "iron clock")


@dataclass(frozen=True)
class Needle:
    """One planted fact: the sentence, its answer, and where in the document it sits."""

    sentence: str
    answer: str
    depth: float
    offset: int  # character offset of the sentence in the document it was planted in


@dataclass(frozen=True)
class NeedleResult:
    needle: Needle
    found: bool
    similarity: float


def make_needles(count: int, seed: int) -> list[tuple[str, str]]:
    """`count` distinct (sentence, answer) facts, the same for the same seed."""
    rng = random.Random(seed)
    subjects = rng.sample(NEEDLE_SUBJECTS, k=min(count, len(NEEDLE_SUBJECTS)))
    while len(subjects) < count:
        subjects.append(f"{rng.choice(NEEDLE_SUBJECTS)} {len(subjects)}")
    facts = []
    for subject in subjects:
        answer = str(rng.randrange(1000, 10000))
        facts.append((f"The secret number of the {subject} is {answer}.", answer))
    return facts


def plant_needles(text: str, depths: Sequence[float] = DEFAULT_DEPTHS, *, seed: int = 0) -> tuple[str, list[Needle]]:
    """`text` with one fact inserted as its own paragraph at each depth (0 = the start, 1 = the end).

    Each insertion point is moved to the nearest paragraph break at or before the depth, so needles
    never split a word or a sentence.
    """
    if not text.strip():
        raise ValueError("plant_needles needs a non-empty text")
    for depth in depths:
        if not 0.0 <= depth <= 1.0:
            raise ValueError(f"needle depths must lie in [0, 1], got {depth!r}")
    facts = make_needles(len(depths), seed)
    cuts = [_paragraph_break_before(text, int(round(depth * len(text)))) for depth in depths]
    order = sorted(range(len(depths)), key=lambda i: (cuts[i], i))
    pieces, needles, cursor, length = [], [None] * len(depths), 0, 0
    for i in order:
        pieces.append(text[cursor:cuts[i]])
        length += cuts[i] - cursor
        cursor = cuts[i]
        sentence, answer = facts[i]
        prefix = "" if length == 0 or pieces[-1].endswith("\n\n") else "\n\n"
        block = f"{prefix}{sentence}\n\n"
        needles[i] = Needle(sentence, answer, float(depths[i]), length + len(prefix))
        pieces.append(block)
        length += len(block)
    pieces.append(text[cursor:])
    return "".join(pieces), needles  # type: ignore[return-value]


def _paragraph_break_before(text: str, position: int) -> int:
    if position >= len(text):
        return len(text)
    found = text.rfind("\n\n", 0, position + 1)
    return 0 if found < 0 else found + 2


def find_needles(output: str, needles: Sequence[Needle], *, min_similarity: float = 0.9) -> list[NeedleResult]:
    """Which needles a reader's output contains (see the module docstring for what counts)."""
    read = normalise_for_scoring(output)
    words = set(re.findall(r"\w+", read))
    results = []
    for needle in needles:
        similarity = fuzz.partial_ratio(normalise_for_scoring(needle.sentence), read) / 100.0
        found = needle.answer in words and similarity >= min_similarity
        results.append(NeedleResult(needle, found, similarity))
    return results


def recall(results: Sequence[NeedleResult]) -> float:
    """Fraction of needles found (1.0 for no needles: nothing was missed)."""
    return sum(r.found for r in results) / len(results) if results else 1.0


_SENTENCE = re.compile(r"The secret number of the (.+) is (\d+)\.")


def question_for(needle: Needle) -> str:
    match = _SENTENCE.fullmatch(needle.sentence)
    if match is None:
        raise ValueError(f"not a needle sentence: {needle.sentence!r}")
    return f"What is the secret number of the {match.group(1)}?"


def answer_found(output: str, answer: str) -> bool:
    """The answer appears as a whole number (so 4821 is not found in 14821)."""
    return answer in re.findall(r"\d+", output)


def haystack(text: str, length: int, trial: int = 0, trials: int = 1) -> tuple[str, bool]:
    """About `length` characters of `text` cut at word boundaries; each later trial starts further in.

    Text shorter than `length` is repeated (paragraph after paragraph) and the second value says so.
    """
    if length < 1:
        raise ValueError(f"haystack length must be positive, got {length}")
    text = text.strip()
    if not text:
        raise ValueError("haystack needs a non-empty text")
    repeated = len(text) < length
    if repeated:
        text = "\n\n".join([text] * (length // len(text) + 1))
    start = round(trial / max(1, trials) * (len(text) - length))
    if start:
        space = text.find(" ", start)
        start = space + 1 if 0 <= space < start + 40 else start
    piece = text[start:start + length]
    cut = piece.rfind(" ")
    if start + length < len(text) and cut > length // 2:
        piece = piece[:cut]
    return piece.strip(), repeated
