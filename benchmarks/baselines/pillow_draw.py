"""The plain Pillow route: greedy word wrap measured with FreeType, one `ImageDraw.text` per line.

This is what a renderer written directly on Pillow does before any optimisation: break each
source line into display lines by adding words while `ImageFont.getlength` says they fit, then
draw every display line with its own `draw.text` call on pages of the config's size. Line
positions follow reportlab's paragraph model (first baseline one font size below the top margin,
then one `line_height` per line, as many lines as fit between the margins), so a page holds as
many lines as the reportlab route's. Lines hold slightly less text: at small pixel sizes FreeType
advances are hinted to whole pixels (DejaVu Sans at 9 px measures about 7% wider than its design
widths), so this route makes a few percent more pages than the reportlab one.

Left, right and centre alignment are honoured; justified text is drawn left-aligned, since one
`draw.text` call per line cannot stretch the spaces (line breaks, and so page counts, are the
same either way). Characters the font lacks are drawn as the font's missing-glyph box: no
fallback fonts.
"""

from __future__ import annotations

import math
from functools import lru_cache
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from glyphctx.errors import FontError
from glyphctx.render.config import RenderConfig

from .font_file import resolve_font_path
from .page_colours import is_greyscale, pixel_value
from .page_finish import finish_pages


def render_pillow_lines(text: str, config: RenderConfig) -> list[np.ndarray]:
    """Render `text` into page images with Pillow, one draw call per wrapped line."""
    font = _load_font(resolve_font_path(config), config.font_size * config.scale)
    width_px = config.text_width_pt * config.scale
    lines = [
        line
        for source_line in text.expandtabs(config.tab_size).split("\n")
        for line in wrap_line(source_line, font, width_px)
    ]
    return finish_pages(_draw_pages(lines, font, config), config)


def wrap_line(line: str, font: ImageFont.FreeTypeFont, width: float) -> list[str]:
    """Greedy word wrap of one source line to `width` pixels; runs of spaces are kept as they are.

    Word widths are measured once per distinct word and summed with the space width, so a line is
    not re-measured from scratch for every word it grows by.
    """
    if not line:
        return [""]
    space = font.getlength(" ")
    measure = _word_widths(font)
    lines: list[str] = []
    current: list[str] = []
    current_width = 0.0
    for word in line.split(" "):
        word_width = measure(word)
        if current and current_width + space + word_width > width:
            lines.append(" ".join(current))
            current, current_width = [], 0.0
        if not current and word_width > width:
            pieces = _split_long_word(word, font, width)
            lines.extend(pieces[:-1])
            word = pieces[-1]
            word_width = font.getlength(word)
        current_width = current_width + space + word_width if current else word_width
        current.append(word)
    lines.append(" ".join(current))
    return lines


def _split_long_word(word: str, font: ImageFont.FreeTypeFont, width: float) -> list[str]:
    """Cut a word wider than the line into the longest prefixes that fit (at least one character)."""
    pieces = []
    while font.getlength(word) > width and len(word) > 1:
        low, high = 1, len(word) - 1  # the longest prefix that fits, found by bisection
        while low < high:
            middle = (low + high + 1) // 2
            if font.getlength(word[:middle]) <= width:
                low = middle
            else:
                high = middle - 1
        pieces.append(word[:low])
        word = word[low:]
    pieces.append(word)
    return pieces


def _draw_pages(lines: list[str], font: ImageFont.FreeTypeFont, config: RenderConfig) -> list[np.ndarray]:
    greyscale = is_greyscale(config)
    mode = "L" if greyscale else "RGB"
    ink = pixel_value(config.foreground, greyscale)
    paper = pixel_value(config.background, greyscale)
    usable_height = config.page_height - config.margin_top - config.margin_bottom
    lines_per_column = max(1, math.floor(usable_height / config.line_height + 1e-9))
    lines_per_page = lines_per_column * config.columns
    width_px = config.text_width_pt * config.scale
    pages = []
    for first in range(0, len(lines), lines_per_page):
        image = Image.new(mode, config.page_size_px, paper)
        draw = ImageDraw.Draw(image)
        for offset, line in enumerate(lines[first : first + lines_per_page]):
            if not line.strip():
                continue
            column, row = divmod(offset, lines_per_column)
            left = config.margin_left + column * (config.text_width_pt + config.column_gap)
            baseline = config.margin_top + config.font_size + row * config.line_height
            x = left * config.scale + _align_offset(line, font, width_px, config.align)
            draw.text((round(x), round(baseline * config.scale)), line, font=font, fill=ink, anchor="ls")
        pages.append(np.asarray(image))
    return pages


def _align_offset(line: str, font: ImageFont.FreeTypeFont, width: float, align: str) -> float:
    if align in ("left", "justify"):
        return 0.0
    slack = max(0.0, width - font.getlength(line))
    return slack if align == "right" else slack / 2


@lru_cache(maxsize=16)
def _load_font(path: Path, size_px: float) -> ImageFont.FreeTypeFont:
    """FreeType font at a pixel size, BASIC layout (no raqm: it is slower and fails on control chars)."""
    try:
        return ImageFont.truetype(str(path), size=size_px, layout_engine=ImageFont.Layout.BASIC)
    except OSError as exc:
        raise FontError(f"font {str(path)!r}: Pillow cannot load it ({exc})") from None


@lru_cache(maxsize=16)
def _word_widths(font: ImageFont.FreeTypeFont):
    """A memoised width function for this font (distinct words in a book number in the thousands)."""
    return lru_cache(maxsize=None)(font.getlength)
