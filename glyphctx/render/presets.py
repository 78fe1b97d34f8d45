"""Named render presets: YAML files in the package's configs/render/ folder."""

from __future__ import annotations

import importlib.resources
from pathlib import Path

from glyphctx.errors import ConfigError
from glyphctx.render.config import RenderConfig

DEFAULT_PRESET = "default"


def presets_dir() -> Path:
    return Path(str(importlib.resources.files("glyphctx.configs.render")))


def preset_names() -> list[str]:
    return sorted(p.stem for p in presets_dir().glob("*.yaml"))


def preset_description(name: str) -> str:
    """The preset file's leading comment lines: what it is for."""
    lines = []
    for line in (presets_dir() / f"{name}.yaml").read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        lines.append(line.lstrip("# ").rstrip())
    return " ".join(l for l in lines if l)


def load_preset(name_or_path: str) -> RenderConfig:
    """A preset by name, or a YAML file by path (a pipeline file with a `render:` section works too)."""
    candidate = presets_dir() / f"{name_or_path}.yaml"
    if "/" not in name_or_path and candidate.is_file():
        return RenderConfig.from_yaml(candidate.read_text(encoding="utf-8"), origin=f"preset {name_or_path}")
    path = Path(name_or_path).expanduser()
    if path.suffix.lower() in (".yaml", ".yml") or path.exists():
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{path}: cannot read config ({getattr(exc, 'strerror', None) or exc})") from None
        return RenderConfig.from_yaml(text, origin=str(path))
    raise ConfigError(f"unknown preset {name_or_path!r}; presets: {', '.join(preset_names())} (or a path to a YAML file)")
