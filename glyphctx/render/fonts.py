"""Fonts: the shipped families, and a `Face` that renders each glyph once per size.

Speed and layout fidelity both live here. Advances come from the font's own `hmtx` table (unhinted,
fractional, no kerning: the metrics reportlab uses, so a page holds what Glyph's pages hold), while
bitmaps come from FreeType through Pillow once per (glyph, subpixel phase) and are reused for every
occurrence. Nothing here is called per character per page.
"""

from __future__ import annotations

import functools
import importlib.resources
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageFont

from glyphctx.errors import FontError

#: family name -> file in the package's fonts/ folder (see fonts/README.md for licences)
FAMILIES: dict[str, str] = {
    "dejavu-sans": "DejaVuSans.ttf",
    "dejavu-sans-condensed": "DejaVuSansCondensed.ttf",
    "dejavu-serif": "DejaVuSerif.ttf",
    "dejavu-sans-mono": "DejaVuSansMono.ttf",
    "liberation-sans": "LiberationSans-Regular.ttf",
    "liberation-sans-narrow": "LiberationSansNarrow-Regular.ttf",
    "liberation-serif": "LiberationSerif-Regular.ttf",
    "liberation-mono": "LiberationMono-Regular.ttf",
    "droid-sans-fallback": "DroidSansFallbackFull.ttf",
}

#: subpixel pen positions each glyph is pre-rendered at; a glyph is drawn at the nearest one
SUBPIXEL_PHASES = 4
#: glyphs are drawn this many times larger and averaged down (must be a multiple of SUBPIXEL_PHASES)
OVERSAMPLE = 4

_FONT_SUFFIXES = (".ttf", ".otf", ".ttc")


def fonts_dir() -> Path:
    return Path(str(importlib.resources.files("glyphctx.fonts")))


def font_path(name_or_path: str) -> Path:
    """The file behind a family name, or a user's own font file given by path."""
    if name_or_path in FAMILIES:
        return fonts_dir() / FAMILIES[name_or_path]
    path = Path(name_or_path).expanduser()
    if path.suffix.lower() in _FONT_SUFFIXES:
        if not path.is_file():
            raise FontError(f"{path}: font file not found")
        return path
    raise FontError(
        f"unknown font {name_or_path!r}: use a shipped family ({', '.join(FAMILIES)}) or a path to a .ttf/.otf file"
    )


@dataclass(frozen=True)
class Glyph:
    """A rendered glyph: coverage bitmap and its offset from the pen position on the baseline."""

    bitmap: np.ndarray  # uint8, (h, w); empty for blank glyphs
    dx: int
    dy: int  # negative: above the baseline


@functools.lru_cache(maxsize=32)
def _font_tables(path: str) -> tuple[dict[int, int], list[int], int, float, float, float, float]:
    """cmap (code point -> glyph id), advance widths by glyph id, units per em, ascender, descender, lowest
    and highest ink of a font file.

    Glyphs are numbered, not named: left to itself fontTools first derives a name for every glyph (some
    50k in the CJK fallback font), which took most of a process's font loading time.
    """
    from fontTools.ttLib import TTFont, TTLibError

    try:
        tt = TTFont(path, lazy=True, fontNumber=0)
        names = [f"g{index}" for index in range(tt["maxp"].numGlyphs)]
        tt.setGlyphOrder(names)
        ids = {name: index for index, name in enumerate(names)}
        cmap = {code: ids.get(name, 0) for code, name in (tt.getBestCmap() or {}).items()}
        metrics = tt["hmtx"].metrics
        advances = [metrics[name][0] for name in names]
        upem = tt["head"].unitsPerEm
        ascent, descent = tt["hhea"].ascent, tt["hhea"].descent
        y_min, y_max = tt["head"].yMin, tt["head"].yMax
    except (OSError, TTLibError, KeyError, AssertionError) as exc:
        raise FontError(f"{path}: not a usable TrueType/OpenType font ({exc})") from None
    return cmap, advances, upem, float(ascent), float(descent), float(y_min), float(y_max)


class Face:
    """One font file at one pixel size and horizontal scale.

    Glyph bitmaps are rendered lazily and cached; a novel uses about a hundred distinct characters,
    so FreeType runs a few hundred times per document whatever its length.
    """

    def __init__(self, path: Path, size_px: float, horizontal_scale: float = 1.0):
        self.path = Path(path)
        self.size_px = float(size_px)
        self.horizontal_scale = float(horizontal_scale)
        self._cmap, self._advance_units, upem, ascent, descent, y_min, y_max = _font_tables(str(self.path))
        self._units = self.size_px / upem
        self.ascent = ascent * self._units
        self.descent = -descent * self._units  # positive: below the baseline
        # every glyph's ink lies within these rows around the baseline (font bounding box, plus the
        # pixel that antialiasing and subpixel rounding may add)
        self.ink_top = int(np.floor(-y_max * self._units)) - 1
        self.ink_bottom = int(np.ceil(-y_min * self._units)) + 1
        try:
            self._big = ImageFont.truetype(
                str(self.path), self.size_px * OVERSAMPLE, layout_engine=ImageFont.Layout.BASIC
            )
        except OSError as exc:
            raise FontError(f"{self.path}: FreeType cannot load it ({exc})") from None
        self._raqm: ImageFont.FreeTypeFont | None = None
        self._advances: dict[str, float] = {}
        self._glyphs: dict[tuple[str, int], Glyph] = {}
        self._big_glyphs: dict[str, tuple[np.ndarray | None, int, int]] = {}

    @property
    def name(self) -> str:
        for family, filename in FAMILIES.items():
            if self.path.name == filename:
                return family
        return self.path.name

    def has(self, char: str) -> bool:
        return ord(char) in self._cmap

    def advance(self, char: str) -> float:
        """Unhinted advance width in pixels, horizontal scale applied."""
        adv = self._advances.get(char)
        if adv is None:
            glyph = self._cmap.get(ord(char), 0)  # 0: .notdef, drawn for characters the font lacks
            adv = self._advance_units[glyph] * self._units * self.horizontal_scale
            self._advances[char] = adv
        return adv

    def glyph(self, char: str, phase: int) -> Glyph:
        """The glyph's bitmap for a pen `phase / SUBPIXEL_PHASES` pixels right of a whole pixel."""
        key = (char, phase)
        glyph = self._glyphs.get(key)
        if glyph is None:
            glyph = self._render(char, phase)
            self._glyphs[key] = glyph
        return glyph

    def _render(self, char: str, phase: int) -> Glyph:
        """Render at OVERSAMPLE times the size and average down.

        Pillow always hints, and hinted shapes drawn at unhinted pen positions look unevenly spaced at
        small sizes; an oversampled glyph is effectively unhinted, and shifting it by whole oversampled
        pixels gives the subpixel phase for free.
        """
        big, dx, dy = self._oversampled(char)
        if big is None:
            return Glyph(np.zeros((0, 0), np.uint8), 0, 0)
        k = OVERSAMPLE
        x0 = dx + phase * k // SUBPIXEL_PHASES
        pad_left, pad_top = x0 % k, dy % k
        h, w = big.shape
        padded = np.zeros((-(-(pad_top + h) // k) * k, -(-(pad_left + w) // k) * k), np.float32)
        padded[pad_top:pad_top + h, pad_left:pad_left + w] = big
        small = padded.reshape(padded.shape[0] // k, k, padded.shape[1] // k, k).sum(axis=(1, 3))
        bitmap = np.clip(np.rint(small * (1.0 / (k * k))), 0, 255).astype(np.uint8)
        return Glyph(bitmap, (x0 - pad_left) // k, (dy - pad_top) // k)

    def _oversampled(self, char: str) -> tuple[np.ndarray | None, int, int]:
        """The glyph drawn at OVERSAMPLE times the size (float32, horizontal scale applied) and its offset:
        drawn once, shifted for every phase."""
        cached = self._big_glyphs.get(char)
        if cached is None:
            core, (dx, dy) = self._big.getmask2(char, mode="L", anchor="ls")
            width, height = core.size
            if width == 0 or height == 0:
                cached = (None, 0, 0)
            else:
                big = np.asarray(Image.Image()._new(core), dtype=np.float32)
                if self.horizontal_scale != 1.0:
                    new_width = max(1, int(round(width * self.horizontal_scale)))
                    big = np.asarray(
                        Image.fromarray(big, mode="F").resize((new_width, height), Image.Resampling.BILINEAR),
                        np.float32)
                    dx = int(round(dx * self.horizontal_scale))
                cached = (big, dx, dy)
            self._big_glyphs[char] = cached
        return cached

    def _to_glyph(self, core, dx: int, dy: int) -> Glyph:
        width, height = core.size
        if width == 0 or height == 0:
            return Glyph(np.zeros((0, 0), np.uint8), 0, 0)
        image = Image.Image()._new(core)
        if self.horizontal_scale != 1.0:
            new_width = max(1, int(round(width * self.horizontal_scale)))
            image = image.resize((new_width, height), Image.Resampling.BILINEAR)
            dx = int(round(dx * self.horizontal_scale))
        return Glyph(np.asarray(image, dtype=np.uint8), dx, dy)

    # --- right-to-left words: shaped as a whole through HarfBuzz (raqm), when Pillow has it
    def shaped(self, word: str, direction: str) -> tuple[Glyph, float]:
        """A whole word shaped in `direction` (contextual Arabic forms), and its advance width."""
        font = self._raqm_font()
        if font is None:
            raise FontError("complex-script shaping needs Pillow built with libraqm")
        width = font.getlength(word, direction=direction) * self.horizontal_scale
        core, (dx, dy) = font.getmask2(word, mode="L", anchor="ls", direction=direction)
        return self._to_glyph(core, dx, dy), width

    def _raqm_font(self) -> ImageFont.FreeTypeFont | None:
        if self._raqm is None and can_shape():
            self._raqm = ImageFont.truetype(str(self.path), self.size_px, layout_engine=ImageFont.Layout.RAQM)
        return self._raqm


@functools.lru_cache(maxsize=1)
def can_shape() -> bool:
    from PIL import features

    return bool(features.check("raqm"))


@functools.lru_cache(maxsize=64)
def load_face(name_or_path: str, size_px: float, horizontal_scale: float = 1.0) -> Face:
    """A cached `Face`: documents rendered with the same config share glyph caches."""
    return Face(font_path(name_or_path), size_px, horizontal_scale)
