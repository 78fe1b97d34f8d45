"""Named GlyphLM presets: YAML files in the package's configs/model/ folder.

A preset is the keyword arguments of `GlyphLMConfig` as YAML, with leading comment lines that say
what it is for. `load_config("glyphlm-tiny")` takes a name or a path to such a file.
"""

from __future__ import annotations

from glyphctx.errors import ConfigError
from glyphctx.io.yaml_preset import preset_names as yaml_preset_names
from glyphctx.io.yaml_preset import read_preset

from .configuration import GlyphLMConfig

PACKAGE = "glyphctx.configs.model"


def preset_names() -> list[str]:
    return yaml_preset_names(PACKAGE)


def load_config(name_or_path: str, **overrides) -> GlyphLMConfig:
    """A GlyphLMConfig from a preset name or a YAML path; `overrides` replace fields of the file."""
    fields, path = read_preset(PACKAGE, name_or_path, "model")
    origin = str(path)
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
