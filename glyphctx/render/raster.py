"""Rasterisation: stamp cached word strips onto a coverage canvas, then colour it.

Each placement is one slice and one in-place `np.maximum` on a few hundred pixels; colours are applied
once per page through a 256-entry lookup table.
"""

from __future__ import annotations

import math

import numpy as np

from glyphctx.render.config import RenderConfig
from glyphctx.render.layout import PageLayout
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


def compose(page: PageLayout, words: WordCache, width: int, height: int) -> np.ndarray:
    """The page's coverage canvas (uint8, 255 = full ink).

    A regular line (words one space apart on the pixel grid) is the concatenation of its words' cached
    cells: one C-level lookup per word and one `np.concatenate`. Other lines lay strips side by side with
    zero-filled gaps; a strip that overlaps its left neighbour (a negative side bearing, a combining
    mark) is merged on its own. Each line then enters the page with one `np.maximum`. The canvas has a
    band-wide border, so lines never need clipping; the page is cut out of it at the end.
    """
    border = words.band + 2
    canvas = np.zeros((height + 2 * border, width + 2 * border), np.uint8)
    top = words.top + border
    lead = border - CELL_LEAD
    cell_of = words.cells.__getitem__
    unfit = words.unfit
    strip_of = words.strips()
    gap = np.zeros((words.band, width + 1), np.uint8)
    limit = canvas.shape[1]  # only a line longer than the border allows (never, in practice) is clipped
    for line in page.lines:
        if not line.boxes:
            continue
        y0 = math.floor(line.baseline + 0.5) + top
        if line.regular:
            cells = list(map(cell_of, line.boxes))
            if unfit.isdisjoint(line.boxes):
                image = np.concatenate(cells, axis=1) if len(cells) > 1 else cells[0]
                x0 = math.floor(line.offset + line.xs[0] + 0.5) + lead
                h, w = image.shape
                if 0 <= x0 and x0 + w <= limit:
                    view = canvas[y0 : y0 + h, x0 : x0 + w]
                    np.maximum(view, image, out=view)
                else:
                    _merge(canvas, image, x0, y0)
                continue
        _compose_line(canvas, line, strip_of, gap, y0, border)
    return canvas[border : border + height, border : border + width]


def _compose_line(canvas: np.ndarray, line, strip_of, gap: np.ndarray, y0: int, border: int) -> None:
    pieces: list[np.ndarray] = []
    left = cursor = 0
    offset = line.offset + border
    placed = sorted(zip(line.xs, line.boxes)) if line.rtl else zip(line.xs, line.boxes)
    for x, box in placed:
        bitmap, dx, w = strip_of(box)
        if not w:
            continue
        x0 = math.floor(offset + x + 0.5) + dx
        if not pieces:
            left = cursor = x0
        elif x0 < cursor:
            _merge(canvas, bitmap, x0, y0)
            continue
        elif x0 > cursor:
            pieces.append(gap[:, : min(x0 - cursor, gap.shape[1])])
        pieces.append(bitmap)
        cursor = x0 + w
    if pieces:
        _merge(canvas, np.concatenate(pieces, axis=1) if len(pieces) > 1 else pieces[0], left, y0)


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
