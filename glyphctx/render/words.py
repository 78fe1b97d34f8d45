"""Words as the unit of reuse: measured and drawn once each, placed as many times as they occur.

Prose repeats itself (a novel has ~125k words but ~15k distinct ones), so composing a word's bitmap
from cached glyph bitmaps once and stamping that strip onto pages beats stamping glyphs one by one.
Every strip spans the same rows around the baseline (the font stack's ink band), so a whole line can
be assembled with one `np.concatenate`. Each character is drawn by the first face that has it (the main
font, then the fallbacks); characters no face has are drawn as the main font's missing-glyph box and
reported, never dropped.
"""

from __future__ import annotations

import math
import unicodedata
from collections import Counter
from typing import NamedTuple

import numpy as np

from glyphctx.render.fonts import SUBPIXEL_PHASES, Face, FontError, Glyph, can_shape

_RTL_CLASSES = {"R", "AL"}


def is_invisible(char: str) -> bool:
    """Format and control characters (soft hyphen, zero-width joiners, bidi marks) take no space."""
    return unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp")


def is_rtl(char: str) -> bool:
    return unicodedata.bidirectional(char) in _RTL_CLASSES


class Strip(NamedTuple):
    """A word's coverage bitmap, `band` rows tall, starting `dx` pixels right of the word's pen origin."""

    bitmap: np.ndarray
    dx: int
    width: int  # bitmap columns


#: a word's cell starts this many pixels before its pen position (room for a leading overhang, as of
#: "T", "j" or "_"), and ends as many pixels before the next word's
CELL_LEAD = 1


class _Cells(dict):
    """A dict that builds missing entries: lookups of known words stay in C (`map(cells.__getitem__, ...)`)."""

    def __init__(self, make):
        super().__init__()
        self._make = make

    def __missing__(self, word: str) -> np.ndarray:
        return self._make(word)


class WordCache:
    """Measures and draws words for one font stack (main face first, then fallbacks)."""

    def __init__(self, faces: list[Face], max_words: int = 200_000):
        self.faces = faces
        self.primary = faces[0]
        self.max_words = max_words
        #: rows of every strip: from `top` (negative, above the baseline) for `band` rows
        self.top = min(f.ink_top for f in faces)
        self.band = max(f.ink_bottom for f in faces) - self.top
        self.empty = Strip(np.zeros((self.band, 0), np.uint8), 0, 0)
        self._face_of: dict[str, Face | None] = {}
        self._glyphs: dict[tuple[str, int], tuple[int, np.ndarray] | None] = {}
        self._widths: dict[str, float] = {}
        self._strips: dict[str, Strip] = {}
        #: word -> its strip padded to its advance plus one space (built on first lookup), for lines whose
        #: words sit one space apart; words whose ink overhangs that cell are added to `unfit`
        self.cells = _Cells(self._cell)
        self.unfit: set[str] = set()  # words whose ink overhangs their cell

    # ------------------------------------------------------------ characters
    def face_of(self, char: str) -> Face | None:
        """The face that draws `char`; None for invisible characters; the main face for missing ones."""
        try:
            return self._face_of[char]
        except KeyError:
            pass
        if is_invisible(char):
            face = None
        else:
            face = next((f for f in self.faces if f.has(char)), self.primary)
        self._face_of[char] = face
        return face

    def coverage(self, text: str) -> tuple[Counter, Counter]:
        """(characters no font has, characters drawn by a fallback font): occurrence counts."""
        missing: Counter = Counter()
        fallback: Counter = Counter()
        for char in set(text):
            if char.isspace() or is_invisible(char):
                continue
            face = self.face_of(char)
            if face is self.primary and not face.has(char):
                missing[char] = text.count(char)
            elif face is not self.primary:
                fallback[char] = text.count(char)
        return missing, fallback

    def char_widths(self, word: str) -> list[float]:
        widths = []
        for char in word:
            face = self.face_of(char)
            widths.append(0.0 if face is None else face.advance(char))
        return widths

    def _banded(self, face: Face, char: str, phase: int) -> tuple[int, np.ndarray] | None:
        """A glyph padded to the band's rows: (x offset from the pen's whole pixel, bitmap)."""
        key = (char, phase)
        try:
            return self._glyphs[key]
        except KeyError:
            pass
        glyph = face.glyph(char, phase)
        banded = (glyph.dx, self._to_band(glyph)) if glyph.bitmap.size else None
        self._glyphs[key] = banded
        return banded

    def _to_band(self, glyph: Glyph) -> np.ndarray:
        h, w = glyph.bitmap.shape
        row = glyph.dy - self.top
        lo, hi = max(row, 0), min(row + h, self.band)
        bitmap = np.zeros((self.band, w), np.uint8)
        if lo < hi:
            bitmap[lo:hi] = glyph.bitmap[lo - row : hi - row]
        return bitmap

    # ------------------------------------------------------------ words
    def widths(self, words: list[str]) -> list[float]:
        """Widths of many words; the common case (all seen before) stays in C."""
        out = list(map(self._widths.get, words))
        if None in out:
            out = [self.width(w) for w in words]
        return out

    def strips(self):
        """A fast lookup for hot loops: `lookup(word)` -> Strip."""
        get = self._strips.get
        strip = self.strip

        def lookup(word: str) -> Strip:
            found = get(word)
            return found if found is not None else strip(word)

        return lookup

    def width(self, word: str) -> float:
        """The word's advance in whole pixels (a space at least one pixel)."""
        width = self._widths.get(word)
        if width is None:
            shaped = self._shape(word)
            exact = shaped[1] if shaped else math.fsum(self.char_widths(word))
            width = float(max(round(exact), 1 if word.isspace() else 0))
            if len(self._widths) >= self.max_words:
                self._widths.clear()
            self._widths[word] = width
        return width

    def _cell(self, word: str) -> np.ndarray:
        bitmap, dx, w = self.strip(word)
        columns = int(self.width(word) + self.width(" "))
        cell = np.zeros((self.band, columns), np.uint8)
        left = dx + CELL_LEAD
        if left >= 0 and left + w <= columns:
            cell[:, left : left + w] = bitmap
        else:
            self.unfit.add(word)
        if len(self.cells) >= self.max_words:
            self.cells.clear()
        self.cells[word] = cell
        return cell

    def strip(self, word: str) -> Strip:
        strip = self._strips.get(word)
        if strip is None:
            shaped = self._shape(word)
            strip = shaped[0] if shaped else self._compose(word)
            if len(self._strips) >= self.max_words:
                self._strips.clear()
            self._strips[word] = strip
        return strip

    def _compose(self, word: str) -> Strip:
        placed = []
        pen = 0.0
        face_of = self.face_of
        for char in word:
            face = face_of(char)
            if face is None:
                continue
            whole, phase = divmod(int(round(pen * SUBPIXEL_PHASES)), SUBPIXEL_PHASES)
            banded = self._banded(face, char, phase)
            if banded is not None:
                placed.append((whole + banded[0], banded[1]))
            pen += face.advance(char)
        if not placed:
            return self.empty
        if len(placed) == 1:
            return Strip(placed[0][1], placed[0][0], placed[0][1].shape[1])
        left = min(x for x, _ in placed)
        right = max(x + b.shape[1] for x, b in placed)
        canvas = np.zeros((self.band, right - left), np.uint8)
        for x, bitmap in placed:
            view = canvas[:, x - left : x - left + bitmap.shape[1]]
            np.maximum(view, bitmap, out=view)
        return Strip(canvas, left, right - left)

    def _shape(self, word: str) -> tuple[Strip, float] | None:
        """Right-to-left words are shaped whole (Arabic joining forms) when one face covers them."""
        if not can_shape() or not any(is_rtl(c) for c in word):
            return None
        face = next((f for f in self.faces if all(f.has(c) or is_invisible(c) for c in word)), None)
        if face is None:
            return None
        try:
            glyph, width = face.shaped(word, "rtl")
        except (FontError, OSError, ValueError):
            return None
        if not glyph.bitmap.size:
            return self.empty, width
        bitmap = self._to_band(glyph)
        return Strip(bitmap, glyph.dx, bitmap.shape[1]), width
