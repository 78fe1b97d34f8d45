"""Genome <-> RenderConfig: each searched setting as one number in [0, 1].

Numeric settings map linearly onto a range and are rounded to a step; choices (font, alignment,
page size, booleans) take the bin their number falls in. Every grid contains the shipped presets'
values, so `encode(preset)` decodes back to exactly that preset and the search can start from them.
Settings not searched (colours, tab size, fallback fonts) come from a base config.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from glyphctx.errors import GlyphctxError
from glyphctx.render.config import ALIGNMENTS, RenderConfig
from glyphctx.render.fonts import FAMILIES
from glyphctx.search.errors import SearchError

#: fonts a page is set in (the CJK fallback face is for missing characters, not body text)
FONTS: tuple[str, ...] = tuple(name for name in FAMILIES if name != "droid-sans-fallback")
#: (width, height) in points: A4, a Qwen2.5-VL 21x30-patch page, US Letter, A5, A4 landscape, a square
PAGE_SIZES: tuple[tuple[float, float], ...] = (
    (595.0, 842.0), (588.0, 840.0), (612.0, 792.0), (420.0, 595.0), (842.0, 595.0), (840.0, 840.0),
)


@dataclass(frozen=True)
class Range:
    low: float
    high: float
    step: float
    integer: bool = False

    def decode(self, x: float) -> float | int:
        value = self.low + min(max(x, 0.0), 1.0) * (self.high - self.low)
        value = self.low + round((value - self.low) / self.step) * self.step
        value = round(min(max(value, self.low), self.high), 6)
        return int(round(value)) if self.integer else value

    def encode(self, value: float) -> float:
        if not self.low <= value <= self.high:
            raise SearchError(f"value {value!r} is outside the searched range [{self.low}, {self.high}]")
        return (value - self.low) / (self.high - self.low)


@dataclass(frozen=True)
class Choice:
    options: tuple[Any, ...]

    def decode(self, x: float) -> Any:
        return self.options[min(int(min(max(x, 0.0), 1.0) * len(self.options)), len(self.options) - 1)]

    def encode(self, value: Any) -> float:
        if value not in self.options:
            raise SearchError(f"value {value!r} is not one of the searched options {self.options}")
        return (self.options.index(value) + 0.5) / len(self.options)


#: the searched settings, in genome order
GENES: dict[str, Range | Choice] = {
    "font": Choice(FONTS),
    "font_size": Range(5.0, 12.0, 0.5),
    "leading": Range(0.0, 4.0, 0.25),  # line_height - font_size, in points
    "dpi": Range(48, 144, 1, integer=True),
    "margin": Range(0.0, 40.0, 1.0),  # all four margins
    "columns": Choice((1, 2, 3)),
    "column_gap": Range(0.0, 30.0, 1.0),
    "horizontal_scale": Range(0.6, 1.3, 0.05),
    "blank_line_height": Range(0.0, 1.0, 0.05),
    "align": Choice(ALIGNMENTS),
    "reflow": Choice((False, True)),
    "page_size": Choice(PAGE_SIZES),
    "auto_crop_width": Choice((False, True)),
    "auto_crop_last_page": Choice((False, True)),
}
GENOME_LENGTH = len(GENES)


def decode(genome: Sequence[float], base: RenderConfig | None = None) -> RenderConfig:
    """The config a genome stands for (may raise ConfigError for a layout the renderer refuses)."""
    if len(genome) != GENOME_LENGTH:
        raise SearchError(f"a genome has {GENOME_LENGTH} genes, got {len(genome)}")
    v = {name: gene.decode(float(x)) for (name, gene), x in zip(GENES.items(), genome)}
    width, height = v["page_size"]
    return (base or RenderConfig()).replace(
        font=v["font"], font_size=v["font_size"], line_height=v["font_size"] + v["leading"], dpi=v["dpi"],
        margin_top=v["margin"], margin_right=v["margin"], margin_bottom=v["margin"], margin_left=v["margin"],
        columns=v["columns"], column_gap=v["column_gap"], horizontal_scale=v["horizontal_scale"],
        blank_line_height=v["blank_line_height"], align=v["align"], reflow=v["reflow"],
        page_width=width, page_height=height, auto_crop_width=v["auto_crop_width"],
        auto_crop_last_page=v["auto_crop_last_page"],
    )


def encode(config: RenderConfig) -> list[float]:
    """A genome that decodes to `config`; SearchError when a setting lies outside the searched space."""
    margins = {config.margin_top, config.margin_right, config.margin_bottom, config.margin_left}
    if len(margins) != 1:
        raise SearchError("the search uses one margin for all four sides; this config's margins differ")
    values = {
        "font": config.font, "font_size": config.font_size, "leading": config.line_height - config.font_size,
        "dpi": config.dpi, "margin": config.margin_top, "columns": config.columns, "column_gap": config.column_gap,
        "horizontal_scale": config.horizontal_scale, "blank_line_height": config.blank_line_height,
        "align": config.align, "reflow": config.reflow,
        "page_size": (float(config.page_width), float(config.page_height)),
        "auto_crop_width": config.auto_crop_width, "auto_crop_last_page": config.auto_crop_last_page,
    }
    return [gene.encode(values[name]) for name, gene in GENES.items()]


def genome_key(genome: Sequence[float], base: RenderConfig | None = None) -> str:
    """Genomes that decode to the same config share a key (and so one evaluation)."""
    try:
        return decode(genome, base).digest()
    except GlyphctxError:  # a layout the renderer refuses: key by its decoded values instead
        return "invalid:" + ",".join(f"{GENES[n].decode(float(x))}" for n, x in zip(GENES, genome))
