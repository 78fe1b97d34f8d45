"""Rasterisation: paste cached word cells and strips onto a coverage canvas, then colour it.

Colours are applied once per page through a 256-entry lookup table.
"""

from __future__ import annotations

import math

import numpy as np

from glyphctx.render import native
from glyphctx.render.config import RenderConfig
from glyphctx.render.layout import Line, PageLayout
from glyphctx.render.words import CELL_LEAD, WordCache


def _rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def colour_table(config: RenderConfig) -> np.ndarray:
    """Coverage 0..255 -> pixel value: shape (256,) for grey pages, (256, 3) for coloured ones."""
    fg = np.array(_rgb(config.foreground), np.float64)
    bg = np.array(_rgb(config.background), np.float64)
    alpha = np.arange(256, dtype=np.float64)[:, None] / 255.0
    table = np.rint(bg + (fg - bg) * alpha).astype(np.uint8)
    if fg[0] == fg[1] == fg[2] and bg[0] == bg[1] == bg[2]:
        return np.ascontiguousarray(table[:, 0])
    return table


def page_width_px(config: RenderConfig, pages: list[PageLayout]) -> int:
    """The common page width: the full page, or cropped to the widest line plus the right margin.

    One width for the whole document keeps every page at the same visual-token cost.
    """
    full = config.page_size_px[0]
    if not config.auto_crop_width:
        return full
    widest = max((line.right for page in pages for line in page.lines), default=0.0)
    if widest <= 0:
        return full
    return max(1, min(full, int(math.ceil(widest + config.margin_right * config.scale))))


def page_height_px(config: RenderConfig, page: PageLayout, descent: float, last: bool) -> int:
    full = config.page_size_px[1]
    if not (last and config.auto_crop_last_page) or not page.lines:
        return full
    bottom = max(line.baseline for line in page.lines) + descent + config.margin_bottom * config.scale
    return max(1, min(full, int(math.ceil(bottom))))


def compose(page: PageLayout, words: WordCache, canvas: np.ndarray) -> None:
    """Draw the page's coverage (uint8, 255 = full ink) into `canvas`, a zeroed C-contiguous (height, width) array.

    A regular line (words one space apart on the pixel grid) is its words' cached cells laid side by
    side. Other lines, and lines with a word whose ink overhangs its cell, paste each word's strip at
    its own x. Pastes merge with max (overlapping ink, as of a negative side bearing, adds up right)
    and clip to the page. The compiled pastes (`native.blit`) and the NumPy ones below give the same pixels.
    """
    blit = native.blit
    if blit is not None:
        others = blit.paste_lines(canvas, page.lines, words.cells, words.top, CELL_LEAD)
    else:
        others = _paste_lines(canvas, page.lines, words, CELL_LEAD)
    paste_at = blit.paste_at if blit is not None else _paste_at
    strip_of = words.strips()
    for line in others:
        xs, bitmaps = [], []
        for x, box in zip(line.xs, line.boxes):
            bitmap, dx, w = strip_of(box)
            if w:
                xs.append(math.floor(line.offset + x + 0.5) + dx)
                bitmaps.append(bitmap)
        paste_at(canvas, math.floor(line.baseline + 0.5) + words.top, xs, bitmaps)


def _paste_lines(canvas: np.ndarray, lines: list[Line], words: WordCache, lead: int) -> list[Line]:
    """`_blit.paste_lines` in NumPy: paste the regular lines, return the lines with words left to draw."""
    others = []
    for line in lines:
        if not line.boxes:
            continue
        if not line.regular or None in map(words.cells.__getitem__, line.boxes):
            others.append(line)
            continue
        bitmaps = list(map(words.bitmaps.__getitem__, line.boxes))
        x0 = math.floor(line.offset + line.xs[0] + 0.5) - lead
        _merge(canvas, np.concatenate(bitmaps, axis=1) if len(bitmaps) > 1 else bitmaps[0], x0,
               math.floor(line.baseline + 0.5) + words.top)
    return others


def _paste_at(canvas: np.ndarray, y0: int, xs: list[int], bitmaps: list[np.ndarray]) -> None:
    for x0, bitmap in zip(xs, bitmaps):
        _merge(canvas, bitmap, x0, y0)


def _merge(canvas: np.ndarray, bitmap: np.ndarray, x0: int, y0: int) -> None:
    """canvas = max(canvas, bitmap placed at (x0, y0)), clipped to the page."""
    height, width = canvas.shape
    h, w = bitmap.shape
    cx0, cy0 = max(x0, 0), max(y0, 0)
    cx1, cy1 = min(x0 + w, width), min(y0 + h, height)
    if cx0 >= cx1 or cy0 >= cy1:
        return
    view = canvas[cy0:cy1, cx0:cx1]
    np.maximum(view, bitmap[cy0 - y0 : cy1 - y0, cx0 - x0 : cx1 - x0], out=view)
