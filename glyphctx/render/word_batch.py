"""Many new words measured and drawn in one vectorised pass, instead of one word at a time.

A novel brings about 15k distinct words. Drawn one by one (a Python loop over characters and a NumPy
call per glyph) they cost three times the rest of its rendering. Here all of them are measured with one
row-wise cumulative sum, and drawn into one buffer that holds every cell whole (row-major, one after
another), so each glyph touches a few hundred neighbouring bytes; one compiled call pastes every glyph's
ink rows (`native.blit.paste_blocks`), or, without it, one `np.maximum.at` per chunk of glyphs. Every
word's cell is then a place in that buffer, as compact to copy from as a cell drawn on its own.

The arithmetic is the per-word path's (advances summed left to right from zero, pens rounded to the
same subpixel phase), so both paths give the same pixels; words whose ink leaves their cell are not
drawn here and go the per-word way.
"""

from __future__ import annotations

import functools
import itertools
from typing import TYPE_CHECKING

import numpy as np

from glyphctx.render import native
from glyphctx.render.fonts import SUBPIXEL_PHASES
from glyphctx.render.words import Cell

if TYPE_CHECKING:
    from glyphctx.render.words import WordCache

#: glyph placements merged per `np.maximum.at` call (bounds the index arrays to a few tens of MB)
CHUNK = 8192


def draw_words(cache: WordCache, words: list[str], lead: int) -> tuple[list[float], dict[str, Cell]]:
    """(each word's width in whole pixels, cells of the words whose ink fits their cell).

    A cell is the word's ink `lead` pixels after the cell's start, padded to its width plus one space,
    exactly as `WordCache` builds cells one at a time.
    """
    chars = "".join(words)
    char_ids = cache.char_ids(chars)
    lengths = np.fromiter(map(len, words), np.intp, len(words))
    count = len(words)
    row = np.repeat(np.arange(count), lengths)
    col = np.arange(len(chars)) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    advances = np.zeros((count, int(lengths.max()) + 1))
    advances[row, col + 1] = cache.advance_table()[char_ids]
    pens = np.cumsum(advances, axis=1)  # left to right from zero, row by row: the per-word sums exactly
    widths = np.maximum(np.rint(pens[np.arange(count), lengths]), 0.0)
    pen = pens[row, col]
    whole, phase = np.divmod(np.rint(pen * SUBPIXEL_PHASES).astype(np.intp), SUBPIXEL_PHASES)

    keys, glyph = _dense_unique(char_ids * SUBPIXEL_PHASES + phase)
    atlas, dx, ink_width = _atlas(cache, keys)
    inked = ink_width[glyph] > 0
    row, whole, glyph = row[inked], whole[inked], glyph[inked]
    x = lead + whole + dx[glyph]
    columns = (widths + cache.width(" ")).astype(np.intp)
    outside = (x < 0) | (x + ink_width[glyph] > columns[row])
    fits = np.bincount(row[outside], minlength=count) == 0
    keep = fits[row]
    row, x, glyph = row[keep], x[keep], glyph[keep]

    band = cache.band
    sizes = band * columns * fits  # each fitting cell stored whole, row-major, one after another
    offsets = np.cumsum(sizes) - sizes
    flat = np.zeros(int(sizes.sum()) + band * atlas.shape[2], np.uint8)  # + room for `_merge_glyphs`' padding
    base = offsets[row] + x
    glyph_top, glyph_bottom = _glyph_rows(atlas)
    if native.blit is not None:  # each glyph's ink rows only
        widest = atlas.shape[2]
        top, strides = glyph_top[glyph], columns[row]
        native.blit.paste_blocks(flat, atlas, base + top * strides, strides, glyph * (band * widest) + top * widest,
                                 np.full_like(glyph, widest), ink_width[glyph], glyph_bottom[glyph] - top)
    else:
        _merge_glyphs(flat, atlas, base, columns[row], glyph, ink_width)
    tops, bottoms = _word_rows(glyph_top, glyph_bottom, row, glyph, count, band)
    drawn = np.flatnonzero(fits)
    fields = zip(itertools.repeat(flat), offsets[drawn].tolist(), columns[drawn].tolist(), itertools.repeat(band),
                 tops[drawn].tolist(), bottoms[drawn].tolist())
    # tuple.__new__ builds the named tuples in C; Cell(...) would run Python code for each of some 15k words
    cells = dict(zip(itertools.compress(words, fits.tolist()), map(functools.partial(tuple.__new__, Cell), fields)))
    return widths.tolist(), cells


def _glyph_rows(atlas: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each atlas glyph's ink rows [top, bottom); (0, 0) for a glyph without ink."""
    inked = atlas.any(axis=2)
    has_ink = inked.any(axis=1)
    top = np.where(has_ink, np.argmax(inked, axis=1), 0)
    bottom = np.where(has_ink, inked.shape[1] - np.argmax(inked[:, ::-1], axis=1), 0)
    return top, bottom


def _word_rows(glyph_top: np.ndarray, glyph_bottom: np.ndarray, row: np.ndarray, glyph: np.ndarray, count: int,
               band: int) -> tuple[np.ndarray, np.ndarray]:
    """Each word's ink rows [top, bottom) (0, 0 for a word without ink), from its glyphs'."""
    inked = glyph_bottom[glyph] > glyph_top[glyph]
    row, glyph = row[inked], glyph[inked]
    tops = np.full(count, band)
    bottoms = np.zeros(count, np.intp)
    np.minimum.at(tops, row, glyph_top[glyph])
    np.maximum.at(bottoms, row, glyph_bottom[glyph])
    empty = tops >= bottoms
    tops[empty] = bottoms[empty] = 0
    return tops, bottoms


def _merge_glyphs(flat: np.ndarray, atlas: np.ndarray, base: np.ndarray, strides: np.ndarray, glyph: np.ndarray,
                  ink_width: np.ndarray) -> None:
    """`paste_blocks` in NumPy: glyphs grouped by width, each group merged with `np.maximum.at`."""
    band = atlas.shape[1]
    rows = np.arange(band)
    ink = ink_width[glyph]
    narrower = 0
    for columns_wide in _width_classes(atlas.shape[2]):  # narrow glyphs copy narrow runs, not the widest's
        chosen = np.flatnonzero((ink > narrower) & (ink <= columns_wide))
        narrower = columns_wide
        if not len(chosen):
            continue
        shapes = np.ascontiguousarray(atlas[:, :, :columns_wide]).reshape(len(atlas), -1)
        run = np.arange(columns_wide)
        for lo in range(0, len(chosen), CHUNK):
            part = chosen[lo:lo + CHUNK]
            # a glyph's zero padding past its cell's width lands on the next row: max with 0 changes nothing
            index = base[part, None, None] + rows[None, :, None] * strides[part, None, None] + run
            np.maximum.at(flat, index.ravel(), shapes[glyph[part]].ravel())


def _width_classes(widest: int) -> list[int]:
    """Glyph widths the placements are grouped by: powers of two up to the widest glyph."""
    classes, width = [], 4
    while width < widest:
        classes.append(width)
        width *= 2
    return classes + [widest]


def _dense_unique(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """`np.unique(values, return_inverse=True)` for small non-negative integers, without sorting."""
    present = np.zeros(int(values.max()) + 1, bool)
    present[values] = True
    keys = np.flatnonzero(present)
    rank = np.cumsum(present) - 1
    return keys, rank[values]


def _atlas(cache: WordCache, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For each (character id, phase) key: its banded glyph zero-padded to the widest, its x offset from
    the pen's whole pixel, and its width (0: no ink)."""
    glyphs = [cache.banded_glyph(int(key) // SUBPIXEL_PHASES, int(key) % SUBPIXEL_PHASES) for key in keys]
    widest = max((bitmap.shape[1] for _, bitmap in filter(None, glyphs)), default=1)
    atlas = np.zeros((len(keys), cache.band, widest), np.uint8)
    dx = np.zeros(len(keys), np.intp)
    ink_width = np.zeros(len(keys), np.intp)
    for index, banded in enumerate(glyphs):
        if banded is not None:
            dx[index], bitmap = banded
            ink_width[index] = bitmap.shape[1]
            atlas[index, :, :bitmap.shape[1]] = bitmap
    return atlas, dx, ink_width
