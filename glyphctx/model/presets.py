"""Named GlyphLM presets: YAML files in the package's configs/model/ folder.

A preset is the keyword arguments of `GlyphLMConfig` as YAML, with leading comment lines that say
what it is for. `load_config("glyphlm-tiny")` takes a name or a path to such a file.
"""

from __future__ import annotations

from glyphctx.io.presets import dataclass_from_dict, read_preset
from glyphctx.io.presets import preset_names as yaml_preset_names

from .configuration import GlyphLMConfig

PACKAGE = "glyphctx.configs.model"


def preset_names() -> list[str]:
    return yaml_preset_names(PACKAGE)


def load_config(name_or_path: str, **overrides) -> GlyphLMConfig:
    """A GlyphLMConfig from a preset name or a YAML path; `overrides` replace fields of the file."""
    fields, path = read_preset(PACKAGE, name_or_path, "model preset")
    if isinstance(fields, dict):
        fields = {**fields, **overrides}
    return dataclass_from_dict(GlyphLMConfig, fields, origin=str(path), what="model")
