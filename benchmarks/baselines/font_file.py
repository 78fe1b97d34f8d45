"""Which .ttf file a `RenderConfig.font` names, for renderers that load fonts by path."""

from __future__ import annotations

from pathlib import Path

from glyphctx.errors import FontError
from glyphctx.render.config import RenderConfig
from glyphctx.render.fonts import font_path


def resolve_font_path(config: RenderConfig) -> Path:
    """The font file glyphctx would use, so every renderer draws with the very same glyphs."""
    candidate = Path(config.font).expanduser()
    if candidate.suffix.lower() in (".ttf", ".otf", ".ttc"):
        if not candidate.is_file():
            raise FontError(f"font {config.font!r}: no such font file")
        return candidate
    return Path(font_path(config.font))
