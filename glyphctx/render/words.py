"""Words as the unit of reuse: measured and drawn once each, placed as many times as they occur.

Prose repeats itself (a novel has ~125k words but ~15k distinct ones), so composing a word's bitmap
from cached glyph bitmaps once and stamping that strip onto pages beats stamping glyphs one by one.
Every strip spans the same rows around the baseline (the font stack's ink band), so a whole line can
be assembled with one `np.concatenate`. Each character is drawn by the first face that has it (the main
font, then the fallbacks); characters no face has are drawn as the main font's missing-glyph box and
reported, never dropped.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from typing import NamedTuple

import numpy as np

from glyphctx.render.characters import code_points, distinct_characters, distinct_codes
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


class Cell(NamedTuple):
    """A word's strip on a canvas as wide as its advance plus one space, its ink only in rows [top, bottom).

    Lines of words one space apart are these bitmaps side by side. The bitmap lies row-major in a flat
    buffer that many cells share (a batch of words is drawn into one), so a cell costs no array object
    of its own; the ink rows let a paste skip the band's empty rows, more than half of it for most words.
    """

    store: np.ndarray  # 1-D uint8
    offset: int  # the bitmap's first byte in `store`
    columns: int
    rows: int
    top: int
    bottom: int

    @property
    def bitmap(self) -> np.ndarray:
        return self.store[self.offset : self.offset + self.rows * self.columns].reshape(self.rows, self.columns)


#: words longer than this are drawn one at a time (they are rare, and would widen the batch's arrays)
BATCH_WORD_CHARS = 48
#: fewer new words than this are not worth a vectorised pass; more are drawn this many at a time
BATCH_MIN_WORDS = 64
BATCH_WORDS = 16384

#: a word's cell starts this many pixels before its pen position (room for a leading overhang, as of
#: "T", "j" or "_"), and ends as many pixels before the next word's
CELL_LEAD = 1


class _Memo(dict):
    """A bounded dict that builds missing entries itself.

    Lookups of known words stay in C (`map(memo.__getitem__, words)`), which is what keeps the hot
    loops of layout and rasterisation cheap; past `limit` entries it starts afresh.
    """

    def __init__(self, make, limit: int):
        super().__init__()
        self._make = make
        self._limit = limit

    def __missing__(self, word: str):
        value = self._make(word)
        if len(self) >= self._limit:
            self.clear()
        self[word] = value
        return value


class WordCache:
    """Measures and draws words for one font stack (main face first, then fallbacks)."""

    def __init__(self, faces: list[Face], max_words: int = 200_000):
        self.faces = faces
        self.primary = faces[0]
        #: rows of every strip: from `top` (negative, above the baseline) for `band` rows
        self.top = min(f.ink_top for f in faces)
        self.band = max(f.ink_bottom for f in faces) - self.top
        self.empty = Strip(np.zeros((self.band, 0), np.uint8), 0, 0)
        self._face_of: dict[str, Face | None] = {}
        self._glyphs: dict[tuple[str, int], tuple[int, np.ndarray] | None] = {}
        self._widths = _Memo(self._measure, max_words)
        self._strips = _Memo(self._draw, max_words)
        #: right-to-left word -> (its shaped strip, advance), None where it is drawn character by character
        self._shaped = _Memo(self._shape_whole, max_words)
        #: word -> its Cell (built on first lookup), for lines whose words sit one space apart; None for a
        #: word whose ink overhangs its cell (such a word is drawn from its strip)
        self.cells = _Memo(self._cell, max_words)
        #: word -> its cell's bitmap as an array of its own, for the NumPy pastes (built on first lookup)
        self.bitmaps = _Memo(lambda word: self.cells[word].bitmap, max_words)
        self._max_words = max_words
        self._char_index: dict[str, int] = {}  # character -> id, for the vectorised word pass
        self._chars: list[str] = []
        self._advance_table = np.zeros(0)

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
        for char in distinct_characters(text):
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

    def char_ids(self, chars: str) -> np.ndarray:
        """Each character's id (ids index `advance_table()`), new characters numbered on first sight.

        Looked up per distinct character, then spread by code point: a batch has some hundred thousand
        characters but a few hundred distinct ones.
        """
        codes = code_points(chars)
        if not len(codes):
            return np.zeros(0, np.intp)
        ids = np.zeros(int(codes.max()) + 1, np.intp)
        for code in distinct_codes(codes).tolist():
            char = chr(code)
            if char not in self._char_index:
                self._char_index[char] = len(self._chars)
                self._chars.append(char)
            ids[code] = self._char_index[char]
        return ids[codes]

    def advance_table(self) -> np.ndarray:
        """Advance in pixels of every character with an id (0 for invisible ones)."""
        if len(self._advance_table) < len(self._chars):
            self._advance_table = np.array(self.char_widths("".join(self._chars)))
        return self._advance_table

    def banded_glyph(self, char_id: int, phase: int) -> tuple[int, np.ndarray] | None:
        """`_banded` for a character id: (x offset, band-tall bitmap), None when it draws nothing."""
        char = self._chars[char_id]
        face = self.face_of(char)
        return None if face is None else self._banded(face, char, phase)

    def prepare(self, tokens: list[str]) -> None:
        """Measure and draw the words among `tokens` not cached yet, many at a time (word_batch).

        `tokens` are a text's runs between spaces and newlines (`text.replace("\\n", " ").split(" ")`): the
        words of the layout's fast path. Words it cannot take (right-to-left ones, which are shaped; very long
        ones; ones with tabs or other spaces) are left to the per-word path, as are any the layout forms otherwise.
        """
        from glyphctx.render.word_batch import draw_words

        unseen = set(tokens)
        unseen.difference_update(self.cells)
        new = [w for w in unseen if 0 < len(w) <= BATCH_WORD_CHARS and w.isprintable()]
        if can_shape():
            rtl = "".join(filter(is_rtl, distinct_characters("".join(new))))
            if rtl:
                new = [w for w in new if not any(c in rtl for c in w)]
        if len(new) < BATCH_MIN_WORDS:
            return
        new = new[:self._max_words]
        if len(self.cells) + len(new) > self._max_words:
            self.cells.clear()
            self.bitmaps.clear()
            self._widths.clear()
        for lo in range(0, len(new), BATCH_WORDS):  # bounded arrays, whatever the document
            part = new[lo:lo + BATCH_WORDS]
            widths, cells = draw_words(self, part, CELL_LEAD)
            self._widths.update(zip(part, widths))
            self.cells.update(cells)

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
        return list(map(self._widths.__getitem__, words))

    def width_array(self, words: list[str]) -> np.ndarray:
        return np.fromiter(map(self._widths.__getitem__, words), np.float64, len(words))

    def width(self, word: str) -> float:
        """The word's advance in whole pixels (a space at least one pixel)."""
        return self._widths[word]

    def strip(self, word: str) -> Strip:
        return self._strips[word]

    def strips(self):
        """The lookup for hot loops: `lookup(word)` -> Strip."""
        return self._strips.__getitem__

    def _measure(self, word: str) -> float:
        shaped = self._shape(word)
        if shaped:
            exact = shaped[1]
        else:  # summed left to right from zero, as `_compose` moves its pen and as word_batch sums
            exact = 0.0
            for width in self.char_widths(word):
                exact += width
        return float(max(round(exact), 1 if word.isspace() else 0))

    def _draw(self, word: str) -> Strip:
        shaped = self._shape(word)
        return shaped[0] if shaped else self._compose(word)

    def _cell(self, word: str) -> Cell | None:
        bitmap, dx, w = self.strip(word)
        columns = int(self.width(word) + self.width(" "))
        left = dx + CELL_LEAD
        if left < 0 or left + w > columns:
            return None
        cell = np.zeros((self.band, columns), np.uint8)
        cell[:, left : left + w] = bitmap
        inked = np.flatnonzero(cell.any(axis=1))
        top, bottom = (int(inked[0]), int(inked[-1]) + 1) if len(inked) else (0, 0)
        return Cell(cell.ravel(), 0, columns, self.band, top, bottom)

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

    def unshaped(self, word: str) -> bool:
        """Whether `word` has right-to-left letters yet is drawn character by character, as left-to-right
        words are: unjoined and in logical order from the left, so it reads mirrored. That happens where
        Pillow has no libraqm, where no one face has all of the word's characters, or where shaping fails;
        the render result counts such words so that a page never shows one unannounced."""
        return any(map(is_rtl, word)) and (not can_shape() or self._shaped[word] is None)

    def _shape(self, word: str) -> tuple[Strip, float] | None:
        """Right-to-left words are shaped whole (Arabic joining forms) when one face covers them; shaped
        once, for both measuring and drawing."""
        if not can_shape() or not any(is_rtl(c) for c in word):
            return None
        return self._shaped[word]

    def _shape_whole(self, word: str) -> tuple[Strip, float] | None:
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
