"""Training and held-out text from books, split by chapter.

The held-out chapter of each book is its LAST chapter: a fixed choice, so every run and every
model scores on the same text, and the end of a novel shares no paragraphs with the chapters the
model trained on. A book with a single chapter (a short excerpt) holds out its last tenth instead,
cut at a paragraph break. Both sides are normalised with reflow, as the renderer would see them, so
a language model learns prose rather than Project Gutenberg's 70-column line breaks.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from glyphctx.errors import ConfigError, GlyphctxError
from glyphctx.normalise import normalise_text
from glyphctx.search.corpus import Chapter, load_chapters

#: share of a single-chapter book held out (from its end)
SINGLE_CHAPTER_HELD_OUT = 0.1


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
        raise ConfigError(f"corpus: {exc}") from None
    books: dict[str, list[Chapter]] = {}
    for chapter in chapters:
        books.setdefault(chapter.book, []).append(chapter)
    train, held_out = [], []
    for book, parts in books.items():
        texts, held = split_book(parts)
        train.extend(t for t in (normalise_text(t) for t in texts) if t)
        held = normalise_text(held)
        if not held:
            raise ConfigError(f"corpus: book {book!r} has no text left to hold out")
        held_out.append(held)
    if not train:
        raise ConfigError(f"corpus {', '.join(map(str, paths))}: no training text")
    return Corpus(train=train, held_out=held_out)
