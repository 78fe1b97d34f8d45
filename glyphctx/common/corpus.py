"""Books split into chapters, and chapters into a training and a held-out set, by one of two policies.

Splitting by chapter (not by page) keeps the two sets from sharing paragraphs. The policies:

- `split_train_held_out` (the layout search): every Nth chapter of each book is held out, so a layout
  is tuned on some chapters and judged on others spread through the book, and the front reported is
  not one fitted to the very pages it was scored on.
- `load_corpus` (training and evaluation of models): the LAST chapter of each book is held out, a fixed
  choice, so every run and every model scores on the same text and the end of a novel shares no
  paragraphs with the chapters the model trained on. A book with a single chapter (a short excerpt)
  holds out its last tenth instead, cut at a paragraph break. Both sides are normalised with reflow,
  as the renderer would see them, so a model learns prose rather than Project Gutenberg's 70-column
  line breaks.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from glyphctx.errors import CorpusError, GlyphctxError
from glyphctx.normalise import normalise_text
from glyphctx.sources import discover, load_document

# "Chapter 1", "CHAPTER XII.", "Letter 4", "[Illustration: Chapter I.]"-style remnants; short lines only
_HEADING = re.compile(
    r"^[ \t\[]*(?:chapter|letter)\s+(?:[0-9]+|[ivxlcdm]+)\b[^\n]{0,20}$", re.IGNORECASE | re.MULTILINE
)
_GUTENBERG_START = re.compile(r"^\s*\*\*\* ?START OF (?:THE|THIS) PROJECT GUTENBERG[^\n]*$", re.MULTILINE)
_GUTENBERG_END = re.compile(r"^\s*\*\*\* ?END OF (?:THE|THIS) PROJECT GUTENBERG[^\n]*$", re.MULTILINE)
#: headings closer than this are a table of contents, not chapters
MIN_CHAPTER_CHARS = 1000
#: a book without chapter headings is cut into sections of about this size
SECTION_CHARS = 20000
#: share of a single-chapter book held out (from its end) by `load_corpus`
SINGLE_CHAPTER_HELD_OUT = 0.1


@dataclass(frozen=True)
class Chapter:
    book: str
    index: int  # 0-based, in book order
    text: str  # as read from the source (not normalised: reflow is a searched setting)


def gutenberg_body(text: str) -> str:
    """The book between Project Gutenberg's START and END lines (the whole text when they are absent)."""
    start, end = _GUTENBERG_START.search(text), _GUTENBERG_END.search(text)
    return text[start.end() if start else 0:
                end.start() if end and (not start or end.start() > start.end()) else len(text)]


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
        raise CorpusError(f"corpus {', '.join(map(str, inputs))}: no text found")
    return chapters


def split_train_held_out(chapters: Sequence[Chapter], held_out_every: int = 4) -> tuple[list[Chapter], list[Chapter]]:
    """Every `held_out_every`-th chapter of each book is held out; the rest train."""
    if held_out_every < 2:
        raise CorpusError(f"held_out_every must be >= 2, got {held_out_every!r}")
    train = [c for c in chapters if c.index % held_out_every != held_out_every - 1]
    held = [c for c in chapters if c.index % held_out_every == held_out_every - 1]
    if not train or not held:
        raise CorpusError(
            f"the corpus has {len(chapters)} chapter(s): too few to hold out every {held_out_every}th and still train"
        )
    return train, held


def sample_text(chapters: Sequence[Chapter], max_chars: int, seed: int) -> str:
    """Chapters in a seeded order, joined until `max_chars`, cut at a paragraph break."""
    if max_chars < 1:
        raise CorpusError(f"sample size must be >= 1 character, got {max_chars!r}")
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


@dataclass(frozen=True)
class Corpus:
    train: list[str]  # one normalised text per training chapter, in book order
    held_out: list[str]  # one normalised text per book: its last chapter

    def train_text(self) -> str:
        return "\n\n".join(self.train)

    def held_out_text(self) -> str:
        return "\n\n".join(self.held_out)


def split_book(chapters: Sequence[Chapter]) -> tuple[list[str], str]:
    """(training chapters, held-out text) of one book's chapters, raw (not yet normalised)."""
    if len(chapters) >= 2:
        return [c.text for c in chapters[:-1]], chapters[-1].text
    text = chapters[0].text
    target = int(len(text) * (1 - SINGLE_CHAPTER_HELD_OUT))
    cut = text.rfind("\n\n", 0, target)
    if cut <= 0:
        cut = target
    return [text[:cut]], text[cut:]


def load_corpus(paths: Sequence[str | Path]) -> Corpus:
    """Chapters of every book under `paths`, the last one of each held out; raises ConfigError on no text."""
    try:
        chapters = load_chapters(list(paths))
    except GlyphctxError as exc:
        raise CorpusError(f"corpus: {exc}") from None
    books: dict[str, list[Chapter]] = {}
    for chapter in chapters:
        books.setdefault(chapter.book, []).append(chapter)
    train, held_out = [], []
    for book, parts in books.items():
        texts, held = split_book(parts)
        train.extend(t for t in (normalise_text(t) for t in texts) if t)
        held = normalise_text(held)
        if not held:
            raise CorpusError(f"corpus: book {book!r} has no text left to hold out")
        held_out.append(held)
    if not train:
        raise CorpusError(f"corpus {', '.join(map(str, paths))}: no training text")
    return Corpus(train=train, held_out=held_out)
