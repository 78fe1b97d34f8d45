"""Generated facts for the reader's question-answering objective: numbers, names and places.

The novels hold few digits and no fact a question could be asked about, so the facts are made up:
a subject (an adjective and a noun), a relation, and a value drawn at random (a number of one to six
digits, an invented person's name, an invented place). The value cannot be guessed from the
question or the surrounding prose; it can only be read off the page. Names and places are built
from syllables, so rare spellings are copied letter by letter rather than recalled.

The subjects the needle evaluation asks about (`glyphctx.common.needles`) are left out of training,
so its questions name subjects the reader has never seen as a pair.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from glyphctx.common.needles import NEEDLE_SUBJECTS

ADJECTIVES = ("brass", "river", "north", "blue", "old", "glass", "silver", "east", "copper", "stone", "grey",
              "iron", "red", "south", "west", "green", "black", "white", "golden", "oak", "little", "high",
              "low", "broken", "painted", "hidden", "winter", "summer", "upper", "lower", "tall", "narrow")
NOUNS = ("lantern", "gate", "tower", "ledger", "mill", "key", "barge", "orchard", "bell", "bridge", "harbour",
         "clock", "chest", "door", "well", "cart", "ship", "lamp", "garden", "chapel", "wagon", "box", "mirror",
         "anchor", "cellar", "window", "staircase", "cottage", "fountain", "compass", "kettle", "saddle")
_HELD_OUT = frozenset(NEEDLE_SUBJECTS)
_ONSETS = ("b", "br", "c", "d", "dr", "f", "g", "h", "k", "l", "m", "n", "p", "r", "s", "st", "t", "th", "v",
           "w", "z", "")
_VOWELS = ("a", "e", "i", "o", "u", "ae", "ia", "ou", "y")
_CODAS = ("", "n", "r", "l", "s", "th", "m", "nd", "x", "k")
_PLACE_ENDS = ("ford", "ton", "mere", "wick", "by", "holm", "stead", "haven", "dale", "port")

#: relation -> (sentence, question, value kind); {s} is the subject, {v} the value
RELATIONS = {
    "number": ("The secret number of the {s} is {v}.", "What is the secret number of the {s}?", "number"),
    "count": ("There are {v} marks on the {s}.", "How many marks are on the {s}?", "number"),
    "year": ("The {s} was made in the year {v}.", "In what year was the {s} made?", "number"),
    "owner": ("The {s} belongs to {v}.", "Who does the {s} belong to?", "name"),
    "maker": ("The {s} was built by {v}.", "Who built the {s}?", "name"),
    "place": ("The {s} is kept in {v}.", "Where is the {s} kept?", "place"),
    "origin": ("The {s} came from {v}.", "Where did the {s} come from?", "place"),
}


@dataclass(frozen=True)
class Fact:
    subject: str
    relation: str
    value: str

    @property
    def sentence(self) -> str:
        return RELATIONS[self.relation][0].format(s=self.subject, v=self.value)

    @property
    def question(self) -> str:
        return RELATIONS[self.relation][1].format(s=self.subject)


def subject(rng: random.Random) -> str:
    while True:
        name = f"{rng.choice(ADJECTIVES)} {rng.choice(NOUNS)}"
        if name not in _HELD_OUT:
            return name


#: longest value in bytes: an answer fits in the needle evaluation's 16 new tokens with its end mark
MAX_VALUE = 14


def value(kind: str, rng: random.Random) -> str:
    while len(drawn := _value(kind, rng)) > MAX_VALUE:
        pass
    return drawn


def _value(kind: str, rng: random.Random) -> str:
    if kind == "number":
        digits = rng.choice((1, 2, 3, 4, 4, 4, 5, 6))
        return str(rng.randrange(10 ** (digits - 1) if digits > 1 else 0, 10 ** digits))
    if kind == "name":
        return f"{_word(rng, 1, 2).capitalize()} {_word(rng, 1, 2).capitalize()}"
    return (_word(rng, 1, 2) + rng.choice(_PLACE_ENDS)).capitalize()


def _word(rng: random.Random, low: int, high: int) -> str:
    return "".join(rng.choice(_ONSETS) + rng.choice(_VOWELS) + rng.choice(_CODAS)
                   for _ in range(rng.randint(low, high)))


def make_facts(count: int, rng: random.Random) -> list[Fact]:
    """`count` facts about distinct subjects; several may share a relation, so the subject decides."""
    subjects: list[str] = []
    while len(subjects) < count:
        name = subject(rng)
        if name not in subjects:
            subjects.append(name)
    facts = []
    for name in subjects:
        relation = rng.choice(tuple(RELATIONS))
        facts.append(Fact(name, relation, value(RELATIONS[relation][2], rng)))
    return facts
