"""`RenderConfig`: every knob of the renderer, as one frozen, validated, YAML-round-trippable value.

Lengths are in typographic points (1/72 inch) as in Glyph's published configuration, so a config
means the same page at any dpi; `dpi` alone decides how many pixels (and so visual tokens) a page
costs. The config's hash keys resumable outputs: two configs that render the same pixels hash alike.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from glyphctx.errors import ConfigError

ALIGNMENTS = ("left", "right", "center", "justify")
_HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")


@dataclass(frozen=True)
class RenderConfig:
    """How text becomes page images. Field comments are the help text shown by `glyphctx configs`."""

    page_width: float = 595.0
    """Page width in points (A4 is 595 x 842)."""
    page_height: float = 842.0
    """Page height in points."""
    dpi: float = 72.0
    """Pixels per inch; 72 makes one point one pixel."""
    font: str = "dejavu-sans"
    """A shipped font family name (see `glyphctx configs --fonts`) or a path to a .ttf/.otf file."""
    font_size: float = 9.0
    """Font size in points."""
    line_height: float = 10.0
    """Baseline-to-baseline distance in points."""
    blank_line_height: float = 1.0
    """Height of an empty line (the gap between paragraphs) as a fraction of line_height."""
    margin_top: float = 10.0
    """Top margin in points."""
    margin_right: float = 10.0
    """Right margin in points."""
    margin_bottom: float = 10.0
    """Bottom margin in points."""
    margin_left: float = 10.0
    """Left margin in points."""
    columns: int = 1
    """Text columns per page."""
    column_gap: float = 10.0
    """Space between columns in points."""
    align: str = "left"
    """Line alignment: left, right, center or justify (last line of a paragraph stays left)."""
    foreground: str = "#000000"
    """Text colour as #rrggbb."""
    background: str = "#ffffff"
    """Page colour as #rrggbb."""
    horizontal_scale: float = 1.0
    """Glyph width factor: below 1 condenses the font, above 1 widens it."""
    tab_size: int = 4
    """Tab stops every this many space widths."""
    auto_crop_width: bool = False
    """Crop the page's right side to the widest line plus the right margin."""
    auto_crop_last_page: bool = False
    """Crop the last page's bottom to its last line plus the bottom margin."""
    reflow: bool = True
    """Join hard-wrapped paragraph lines before layout (keeps indented blocks as they are)."""
    fallback_fonts: tuple[str, ...] = ("dejavu-sans", "droid-sans-fallback")
    """Fonts tried, in order, for characters the main font lacks."""

    def __post_init__(self) -> None:
        if isinstance(self.fallback_fonts, list):
            object.__setattr__(self, "fallback_fonts", tuple(self.fallback_fonts))
        self._validate()

    # ----------------------------------------------------------------- validation
    def _validate(self) -> None:
        def positive(name: str, low: float = 0.0, high: float = float("inf")) -> None:
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ConfigError(f"{name} must be a number, got {value!r}")
            if not (low < value <= high):
                raise ConfigError(f"{name} must be in ({low}, {high}], got {value!r}")

        def non_negative(name: str) -> None:
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
                raise ConfigError(f"{name} must be a number >= 0, got {value!r}")

        positive("page_width", high=14400)
        positive("page_height", high=14400)
        positive("dpi", high=1200)
        positive("font_size", high=500)
        positive("line_height", high=1000)
        positive("horizontal_scale", 0.1, 4.0)
        non_negative("blank_line_height")
        if self.blank_line_height > 4:
            raise ConfigError(f"blank_line_height must be at most 4, got {self.blank_line_height!r}")
        for name in ("margin_top", "margin_right", "margin_bottom", "margin_left", "column_gap"):
            non_negative(name)
        if not isinstance(self.columns, int) or isinstance(self.columns, bool) or not 1 <= self.columns <= 16:
            raise ConfigError(f"columns must be an integer from 1 to 16, got {self.columns!r}")
        if not isinstance(self.tab_size, int) or isinstance(self.tab_size, bool) or not 1 <= self.tab_size <= 32:
            raise ConfigError(f"tab_size must be an integer from 1 to 32, got {self.tab_size!r}")
        if self.align not in ALIGNMENTS:
            raise ConfigError(f"align must be one of {', '.join(ALIGNMENTS)}, got {self.align!r}")
        for name in ("foreground", "background"):
            value = getattr(self, name)
            if not isinstance(value, str) or not _HEX_COLOUR.match(value):
                raise ConfigError(f"{name} must be a colour like '#1a2b3c', got {value!r}")
        for name in ("auto_crop_width", "auto_crop_last_page", "reflow"):
            if not isinstance(getattr(self, name), bool):
                raise ConfigError(f"{name} must be true or false, got {getattr(self, name)!r}")
        if not isinstance(self.font, str) or not self.font:
            raise ConfigError(f"font must be a font name or path, got {self.font!r}")
        if not all(isinstance(f, str) and f for f in self.fallback_fonts):
            raise ConfigError(f"fallback_fonts must be font names or paths, got {self.fallback_fonts!r}")
        if self.text_width_pt <= 0:
            raise ConfigError("margins and column gaps leave no room for text on the page")
        if self.margin_top + self.margin_bottom + self.line_height > self.page_height:
            raise ConfigError("page_height leaves no room for one line between the top and bottom margins")

    # ----------------------------------------------------------------- derived sizes
    @property
    def scale(self) -> float:
        """Pixels per point."""
        return self.dpi / 72.0

    def px(self, points: float) -> int:
        """A length in points as whole pixels (rounded, as the page grid is in whole pixels)."""
        return int(round(points * self.scale))

    @property
    def text_width_pt(self) -> float:
        """Width of one text column in points."""
        inner = self.page_width - self.margin_left - self.margin_right
        return (inner - self.column_gap * (self.columns - 1)) / self.columns

    @property
    def page_size_px(self) -> tuple[int, int]:
        """(width, height) of a full page in pixels."""
        return self.px(self.page_width), self.px(self.page_height)

    # ----------------------------------------------------------------- (de)serialisation
    def to_dict(self) -> dict[str, Any]:
        out = dataclasses.asdict(self)
        out["fallback_fonts"] = list(self.fallback_fonts)
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any], *, origin: str = "config") -> RenderConfig:
        from glyphctx.io.presets import dataclass_from_dict

        return dataclass_from_dict(cls, data, origin=origin, what="render")

    def to_yaml(self) -> str:
        return yaml.safe_dump(self.to_dict(), sort_keys=False)

    @classmethod
    def from_yaml(cls, text: str, *, origin: str = "config") -> RenderConfig:
        from glyphctx.io.presets import parse_yaml

        return cls.from_dict(parse_yaml(text, origin) or {}, origin=origin)

    def save(self, path: str | Path) -> None:
        from glyphctx.io.atomic import atomic_write_text

        atomic_write_text(Path(path), self.to_yaml())

    @classmethod
    def load(cls, name_or_path: str | Path) -> RenderConfig:
        """A preset by name (`glyph-like`) or a YAML file by path."""
        from glyphctx.render.presets import load_preset

        return load_preset(str(name_or_path))

    def replace(self, **changes: Any) -> RenderConfig:
        try:
            return dataclasses.replace(self, **changes)
        except TypeError as exc:
            raise ConfigError(str(exc)) from None

    def digest(self) -> str:
        """A stable hash of every setting: the resume key for outputs rendered with this config."""
        blob = json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(blob.encode()).hexdigest()[:16]


def field_help() -> dict[str, str]:
    """Each field's help text, read from the attribute docstrings in this file's source."""
    import ast
    import inspect

    tree = ast.parse(inspect.getsource(RenderConfig))
    body = tree.body[0].body  # type: ignore[attr-defined]
    help_text: dict[str, str] = {}
    for node, nxt in zip(body, body[1:]):
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            if isinstance(nxt, ast.Expr) and isinstance(getattr(nxt, "value", None), ast.Constant):
                help_text[node.target.id] = str(nxt.value.value)
    return help_text
