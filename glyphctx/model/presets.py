"""Named GlyphLM presets: YAML files in the package's configs/model/ folder.

A preset is the keyword arguments of `GlyphLMConfig` as YAML, with leading comment lines that say
what it is for. `load_config("glyphlm-tiny")` takes a name or a path to such a file.
"""

from __future__ import annotations

import importlib.resources
from pathlib import Path

import yaml

from glyphctx.errors import ConfigError

from .configuration import GlyphLMConfig


def presets_dir() -> Path:
    return Path(str(importlib.resources.files("glyphctx.configs.model")))


def preset_names() -> list[str]:
    return sorted(p.stem for p in presets_dir().glob("*.yaml"))


def load_config(name_or_path: str, **overrides) -> GlyphLMConfig:
    """A GlyphLMConfig from a preset name or a YAML path; `overrides` replace fields of the file."""
    candidate = presets_dir() / f"{name_or_path}.yaml"
    if "/" not in name_or_path and candidate.is_file():
        path, origin = candidate, f"preset {name_or_path}"
    else:
        path = Path(name_or_path).expanduser()
        origin = str(path)
        if not path.is_file():
            raise ConfigError(f"unknown model preset {name_or_path!r}; presets: {', '.join(preset_names())} "
                              "(or a path to a YAML file)")
    try:
        fields = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ConfigError(f"{origin}: cannot read model config ({exc})") from None
    if not isinstance(fields, dict):
        raise ConfigError(f"{origin}: expected a mapping of GlyphLMConfig fields, got {type(fields).__name__}")
    known = set(GlyphLMConfig.__dataclass_fields__)
    unknown = sorted(set(fields) - known)
    if unknown:
        raise ConfigError(f"{origin}: unknown GlyphLMConfig fields {', '.join(unknown)}")
    fields.update(overrides)
    try:
        return GlyphLMConfig(**fields)
    except ConfigError as exc:
        raise ConfigError(f"{origin}: {exc}") from None
