"""The search corpus: books split into chapters, chapters split into a training and a held-out set.

A layout is tuned on training chapters and judged on held-out ones, so the front reported is not
one fitted to the very pages it was scored on. Splitting by chapter (not by page) keeps the two sets
from sharing paragraphs.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from glyphctx.search.errors import SearchError
from glyphctx.sources import discover, load_document

# "Chapter 1", "CHAPTER XII.", "Letter 4", "[Illustration: Chapter I.]"-style remnants; short lines only
_HEADING = re.compile(r"^[ \t\[]*(?:chapter|letter)\s+(?:[0-9]+|[ivxlcdm]+)\b[^\n]{0,20}$", re.IGNORECASE | re.MULTILINE)
_GUTENBERG_START = re.compile(r"^\s*\*\*\* ?START OF (?:THE|THIS) PROJECT GUTENBERG[^\n]*$", re.MULTILINE)
_GUTENBERG_END = re.compile(r"^\s*\*\*\* ?END OF (?:THE|THIS) PROJECT GUTENBERG[^\n]*$", re.MULTILINE)
#: headings closer than this are a table of contents, not chapters
MIN_CHAPTER_CHARS = 1000
#: a book without chapter headings is cut into sections of about this size
SECTION_CHARS = 20000


@dataclass(frozen=True)
class Chapter:
    book: str
    index: int  # 0-based, in book order
    text: str  # as read from the source (not normalised: reflow is a searched setting)


def gutenberg_body(text: str) -> str:
    """The book between Project Gutenberg's START and END lines (the whole text when they are absent)."""
    start, end = _GUTENBERG_START.search(text), _GUTENBERG_END.search(text)
    return text[start.end() if start else 0:end.start() if end and (not start or end.start() > start.end()) else len(text)]


def split_chapters(text: str, book: str = "book") -> list[Chapter]:
    """Chapters from headings; a text without them is cut at paragraph breaks into ~SECTION_CHARS sections."""
    body = gutenberg_body(text)
    starts = [m.start() for m in _HEADING.finditer(body)]
    pieces = []
    for begin, end in zip(starts, starts[1:] + [len(body)]):
        piece = body[begin:end].strip("\n")
        if len(piece) >= MIN_CHAPTER_CHARS:
            pieces.append(piece)
    if not pieces:
        pieces = _sections(body.strip("\n"))
    return [Chapter(book, i, piece) for i, piece in enumerate(pieces)]


def _sections(text: str) -> list[str]:
    sections, cursor = [], 0
    while cursor < len(text):
        cut = text.find("\n\n", cursor + SECTION_CHARS)
        cut = len(text) if cut < 0 else cut
        sections.append(text[cursor:cut].strip("\n"))
        cursor = cut
    return [s for s in sections if s.strip()]


def load_chapters(inputs: Sequence[str | Path]) -> list[Chapter]:
    """Every chapter of every text file or PDF found under `inputs` (files or folders)."""
    chapters: list[Chapter] = []
    for source in discover(list(inputs)):
        document = load_document(source)
        chapters.extend(split_chapters(document.text, book=Path(str(source)).stem))
    if not chapters:
        raise SearchError(f"corpus {', '.join(map(str, inputs))}: no text found")
    return chapters


def split_train_held_out(chapters: Sequence[Chapter], held_out_every: int = 4) -> tuple[list[Chapter], list[Chapter]]:
    """Every `held_out_every`-th chapter of each book is held out; the rest train."""
    if held_out_every < 2:
        raise SearchError(f"held_out_every must be >= 2, got {held_out_every!r}")
    train = [c for c in chapters if c.index % held_out_every != held_out_every - 1]
    held = [c for c in chapters if c.index % held_out_every == held_out_every - 1]
    if not train or not held:
        raise SearchError(
            f"the corpus has {len(chapters)} chapter(s): too few to hold out every {held_out_every}th and still train"
        )
    return train, held


def sample_text(chapters: Sequence[Chapter], max_chars: int, seed: int) -> str:
    """Chapters in a seeded order, joined until `max_chars`, cut at a paragraph break."""
    if max_chars < 1:
        raise SearchError(f"sample size must be >= 1 character, got {max_chars!r}")
    order = list(chapters)
    random.Random(seed).shuffle(order)
    text = ""
    for chapter in order:
        text = f"{text}\n\n{chapter.text}" if text else chapter.text
        if len(text) >= max_chars:
            break
    if len(text) > max_chars:
        cut = text.rfind("\n\n", 0, max_chars)
        text = text[:cut] if cut > 0 else text[:max_chars]
    return text
