"""Text -> one-line pages for the reader, and the render configs sampled around its preset.

Training draws each passage at a slightly different font size (as Glyph samples render settings for
pre-training), so the reader learns the glyphs rather than one pixel pattern; the horizontal scale
compensates, so every character keeps the preset's advance and the page's geometry (characters per
visual token) holds. Held-out pages use the preset exactly, as the pipeline renders them. Sizes come
from a short list rather than a range so the renderer's word caches stay warm.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import numpy as np

from glyphctx.render import render_text
from glyphctx.render.config import RenderConfig

FONT_SIZE_STEPS = (-0.5, 0.0, 0.5)


@dataclass(frozen=True)
class Line:
    image: np.ndarray
    text: str  # what the line shows from its left margin: indentation kept, the break after it dropped


def render_lines(text: str, config: RenderConfig) -> list[Line]:
    """Every non-empty line of `text` (already normalised) as its own page.

    A line keeps its leading spaces (an indented letter or verse): they are cells of the page like any
    character, and a reader whose positions follow the characters must count them to stay aligned.
    """
    result = render_text(text, config)
    lines = (Line(page.image, result.text[page.span[0]:page.span[1]].rstrip()) for page in result.pages)
    return [line for line in lines if line.text.strip()]


def sample_config(base: RenderConfig, rng: random.Random) -> RenderConfig:
    size = base.font_size + rng.choice(FONT_SIZE_STEPS)
    return base.replace(font_size=size, horizontal_scale=base.horizontal_scale * base.font_size / size)


def page_capacity(config: RenderConfig) -> int:
    """About how many characters fill one page (a generous guess: half an em per character)."""
    lines = max(1, int((config.page_height - config.margin_top - config.margin_bottom) // config.line_height))
    per_line = config.text_width_pt * config.columns / (0.5 * config.font_size * config.horizontal_scale)
    return int(lines * per_line)


def passage(texts: list[str], rng: random.Random, chars: int) -> str:
    """About `chars` characters from a random place in `texts` (chosen by length), starting at a word."""
    text = rng.choices(texts, weights=[len(t) for t in texts])[0]
    start = rng.randrange(max(1, len(text) - chars))
    if start:
        space = text.find(" ", start)
        start = space + 1 if 0 <= space < start + 40 else start
    return text[start:start + chars]
