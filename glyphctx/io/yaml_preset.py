"""Presets as YAML files in one of the package's configs/ folders: found by name, or given by path.

Model, reader and train presets share the lookup and its errors: an unknown name lists the presets
there are, and a file that cannot be read or parsed is named with the reason.
"""

from __future__ import annotations

import importlib.resources
from pathlib import Path
from typing import Any

import yaml

from glyphctx.errors import ConfigError


def presets_folder(package: str) -> Path:
    return Path(str(importlib.resources.files(package)))


def preset_names(package: str) -> list[str]:
    return sorted(p.stem for p in presets_folder(package).glob("*.yaml"))


def read_preset(package: str, name_or_path: str | Path, kind: str) -> tuple[Any, Path]:
    """(the parsed YAML, its file) of preset `name_or_path` of `package`, or of a YAML file by path."""
    text = str(name_or_path)
    candidate = presets_folder(package) / f"{text}.yaml"
    named = "/" not in text and not text.endswith((".yaml", ".yml")) and candidate.is_file()
    path = candidate if named else Path(text).expanduser()
    if not path.is_file():
        raise ConfigError(f"unknown {kind} preset {text!r}; presets: {', '.join(preset_names(package))} "
                          "(or a path to a YAML file)")
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8")), path
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path}: cannot read the {kind} preset ({exc})") from None
