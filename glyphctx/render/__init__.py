"""Rendering: text -> dense page images, each page knowing exactly which text it holds."""

from __future__ import annotations

import operator
import time
from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from glyphctx.render.characters import distinct_characters
from glyphctx.render.config import RenderConfig
from glyphctx.render.fonts import FAMILIES, Face, font_path, load_face
from glyphctx.render.gc_pause import gc_paused
from glyphctx.render.layout import layout_pages
from glyphctx.render.raster import colour_table, compose, page_height_px, page_width_px
from glyphctx.render.words import WordCache, is_rtl

__all__ = [
    "RenderConfig", "RenderedPage", "RenderResult", "render_text", "font_path", "FAMILIES", "word_cache",
    "forget_words",
]


@dataclass(frozen=True)
class RenderedPage:
    """A page image and the exact span of the rendered text it holds."""

    index: int  # 0-based
    image: np.ndarray  # uint8, (h, w) for grey pages or (h, w, 3)
    span: tuple[int, int]  # text[span[0]:span[1]] is what this page shows
    line_spans: tuple[tuple[int, int], ...]
    unshaped_words: int = 0  # right-to-left words drawn character by character (`WordCache.unshaped`)

    @property
    def size(self) -> tuple[int, int]:
        """(width, height) in pixels."""
        return int(self.image.shape[1]), int(self.image.shape[0])


@dataclass
class RenderResult:
    text: str
    config: RenderConfig
    pages: list[RenderedPage]
    missing_chars: Counter = field(default_factory=Counter)  # characters no shipped font has
    fallback_chars: Counter = field(default_factory=Counter)  # characters drawn by a fallback font
    seconds: float = 0.0

    @property
    def page_sizes(self) -> list[tuple[int, int]]:
        return [p.size for p in self.pages]

    @property
    def unshaped_words(self) -> int:
        """Right-to-left words drawn unjoined and mirrored (no shaping for them), on all pages."""
        return sum(p.unshaped_words for p in self.pages)


_CACHES: dict[tuple, WordCache] = {}


def word_cache(config: RenderConfig) -> WordCache:
    """The shared word cache for a config's font stack, so repeated documents reuse drawn words."""
    size_px = config.font_size * config.scale
    key = (config.font, tuple(config.fallback_fonts), size_px, config.horizontal_scale)
    cache = _CACHES.get(key)
    if cache is None:
        faces: list[Face] = []
        for name in (config.font, *config.fallback_fonts):
            face = load_face(name, size_px, config.horizontal_scale)
            if all(f.path != face.path for f in faces):
                faces.append(face)
        if len(_CACHES) > 16:
            _CACHES.clear()
        cache = _CACHES[key] = WordCache(faces)
    return cache


def forget_words() -> None:
    """Drop every measured and drawn word, keeping fonts and glyph bitmaps loaded.

    For timing a document from cold, or freeing the memory of words no later document will use.
    """
    for key, cache in _CACHES.items():
        _CACHES[key] = WordCache(cache.faces)


def render_text(text: str, config: RenderConfig | None = None, progress=None) -> RenderResult:
    """Lay out and rasterise `text` (already normalised: reflow is the caller's choice) into pages.

    `progress(done, total)`, if given, is called after each page is drawn.
    """
    config = config or RenderConfig()
    started = time.perf_counter()
    with gc_paused():
        pages, missing, fallback = _render(text, config, progress)
    return RenderResult(text, config, pages, missing, fallback, time.perf_counter() - started)


def _render(text: str, config: RenderConfig, progress) -> tuple[list[RenderedPage], Counter, Counter]:
    words = word_cache(config)
    tokens = text.replace("\n", " ").split(" ")
    words.prepare(tokens)
    primary = words.primary
    layouts = layout_pages(text, config, words, primary.ascent, primary.descent, tokens)
    width = page_width_px(config, layouts)
    table = colour_table(config)
    black_on_white = table.ndim == 1 and table[0] == 255 and table[255] == 0
    line_spans = operator.attrgetter("start", "end")
    rtl = any(map(is_rtl, distinct_characters(text)))
    pages = []
    for index, layout in enumerate(layouts):
        height = page_height_px(config, layout, primary.descent, last=index == len(layouts) - 1)
        coverage = np.zeros((height, width), np.uint8)
        compose(layout, words, coverage)
        image = np.subtract(255, coverage, out=coverage) if black_on_white else table[coverage]
        spans = tuple(map(line_spans, layout.lines))
        unshaped = sum(words.unshaped(box) for line in layout.lines for box in line.boxes) if rtl else 0
        pages.append(RenderedPage(index, image, (layout.start, layout.end), spans, unshaped))
        if progress is not None:
            progress(index + 1, len(layouts))
    missing, fallback = words.coverage(text)
    return pages, missing, fallback
