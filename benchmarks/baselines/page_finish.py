"""Glyph's post-processing of rasterised pages: horizontal scaling, then optional trimming.

Glyph applies `horizontal_scale` by resizing each finished page image (not the font). It trims the
right side of every page to the last inked column plus the right margin, and the bottom of the
last page to the last inked row plus the bottom margin. Ink is any pixel whose grey level differs
from the page's top-left corner by more than a small tolerance.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

from glyphctx.render.config import RenderConfig

_TOLERANCE = 5
_LUMA = np.array([0.299, 0.587, 0.114], dtype=np.float32)


def finish_pages(pages: list[np.ndarray], config: RenderConfig) -> list[np.ndarray]:
    """Scale and crop pages as the config asks; pages pass through when there is nothing to do."""
    if config.horizontal_scale != 1.0:
        pages = [_stretch(page, config.horizontal_scale) for page in pages]
    if not (config.auto_crop_width or config.auto_crop_last_page):
        return pages
    last = len(pages) - 1
    return [_crop(page, config, is_last=index == last) for index, page in enumerate(pages)]


def _stretch(page: np.ndarray, factor: float) -> np.ndarray:
    image = Image.fromarray(page)
    return np.asarray(image.resize((max(1, int(image.width * factor)), image.height)))


def _ink_mask(page: np.ndarray) -> np.ndarray:
    if page.ndim == 2:  # integer arithmetic: a page is scanned once per crop, keep it cheap
        grey = page.astype(np.int16)
        return np.abs(grey - int(np.median(grey[:2, :2]))) > _TOLERANCE
    grey = page.astype(np.float32) @ _LUMA
    return np.abs(grey - np.median(grey[:2, :2])) > _TOLERANCE


def _crop(page: np.ndarray, config: RenderConfig, *, is_last: bool) -> np.ndarray:
    crop_bottom = config.auto_crop_last_page and is_last
    if not (config.auto_crop_width or crop_bottom):
        return page
    mask = _ink_mask(page)
    if config.auto_crop_width:
        cols = np.flatnonzero(mask.any(axis=0))
        if cols.size:
            page = page[:, : min(page.shape[1], cols[-1] + 1 + config.px(config.margin_right))]
    if crop_bottom:
        rows = np.flatnonzero(mask.any(axis=1))
        if rows.size:
            page = page[: min(page.shape[0], rows[-1] + 1 + config.px(config.margin_bottom))]
    return page
