"""Named render presets (configs/render/*.yaml), and the one place a config argument becomes a RenderConfig."""

from __future__ import annotations

import os

from glyphctx.errors import ConfigError
from glyphctx.io import presets
from glyphctx.render.config import RenderConfig

PACKAGE = "glyphctx.configs.render"
DEFAULT_PRESET = "default"


def preset_names() -> list[str]:
    return presets.preset_names(PACKAGE)


def preset_description(name: str) -> str:
    return presets.preset_description(PACKAGE, name)


def load_preset(name_or_path: str | os.PathLike) -> RenderConfig:
    """A preset by name, or a YAML file by path (a pipeline file with a `render:` section works too)."""
    data, path = presets.read_preset(PACKAGE, name_or_path, "render preset")
    if isinstance(data, dict) and isinstance(data.get("render"), dict):
        data = data["render"]
    origin = f"preset {name_or_path}" if presets.is_preset_name(PACKAGE, name_or_path) else str(path)
    return RenderConfig.from_dict(data or {}, origin=origin)


def resolve_config(config: RenderConfig | str | os.PathLike | None) -> RenderConfig:
    """A RenderConfig from what callers accept: a config, a preset name, a YAML path, or None (the default)."""
    if config is None:
        return load_preset(DEFAULT_PRESET)
    if isinstance(config, RenderConfig):
        return config
    if isinstance(config, (str, os.PathLike)):
        return load_preset(config)
    raise ConfigError(f"config must be a RenderConfig, a preset name or a YAML path, got {type(config).__name__}")
