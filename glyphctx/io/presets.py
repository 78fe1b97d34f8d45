"""Presets: "a name or a path -> YAML -> a validated dataclass", written once for every kind of preset.

Render, encoder, model, reader, train and pipeline presets are YAML files in one of the package's
configs/ folders, found by name, or any YAML file given by path. A file may start from another with
`base: NAME-or-PATH` (a name of the same kind, or a path relative to the file) and change only what
differs: mappings merge key by key, anything else is replaced. Every error names the file and the
reason: an unknown name lists the presets there are, an unknown key lists the keys there are.
"""

from __future__ import annotations

import dataclasses
import importlib.resources
from pathlib import Path
from typing import Any

import yaml

from glyphctx.errors import ConfigError

BASE_KEY = "base"


def presets_folder(package: str) -> Path:
    return Path(str(importlib.resources.files(package)))


def preset_names(package: str) -> list[str]:
    return sorted(p.stem for p in presets_folder(package).glob("*.yaml"))


def is_preset_name(package: str, name_or_path: str | Path) -> bool:
    text = str(name_or_path)
    return ("/" not in text and not text.endswith((".yaml", ".yml"))
            and (presets_folder(package) / f"{text}.yaml").is_file())


def preset_file(package: str, name_or_path: str | Path, kind: str) -> Path:
    """The YAML file of preset `name_or_path` of `package`, or the file at that path."""
    text = str(name_or_path)
    if is_preset_name(package, text):
        return presets_folder(package) / f"{text}.yaml"
    path = Path(text).expanduser()
    if not path.is_file() and ("/" in text or text.endswith((".yaml", ".yml"))):
        raise ConfigError(f"{path}: cannot read the {kind} file (no such file)")
    if not path.is_file():
        raise ConfigError(f"unknown {kind} {text!r}; presets: {', '.join(preset_names(package))} "
                          "(or a path to a YAML file)")
    return path


def preset_description(package: str, name: str) -> str:
    """The preset file's leading comment lines: what it is for."""
    lines = []
    for line in (presets_folder(package) / f"{name}.yaml").read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        lines.append(line.lstrip("# ").rstrip())
    return " ".join(line for line in lines if line)


def parse_yaml(text: str, origin: str) -> Any:
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{origin}: not valid YAML ({exc.__class__.__name__}: {exc})") from None


def read_yaml(path: Path, kind: str) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read the {kind} ({getattr(exc, 'strerror', None) or exc})") from None
    return parse_yaml(text, str(path))


def read_preset(package: str, name_or_path: str | Path, kind: str) -> tuple[Any, Path]:
    """(the parsed YAML with its `base:` chain merged in, its file) of a preset name or a YAML path."""
    return _read(package, preset_file(package, name_or_path, kind), kind, ())


def _read(package: str, path: Path, kind: str, seen: tuple[Path, ...]) -> tuple[Any, Path]:
    if path.resolve() in seen:
        chain = " -> ".join(str(p) for p in (*seen, path.resolve()))
        raise ConfigError(f"{path}: {BASE_KEY}: the presets inherit from each other in a circle ({chain})")
    data = read_yaml(path, kind)
    if not isinstance(data, dict) or BASE_KEY not in data:
        return data, path
    data = dict(data)
    base = data.pop(BASE_KEY)
    if not isinstance(base, str) or not base:
        raise ConfigError(f"{path}: {BASE_KEY}: must name a {kind} or a YAML file, got {base!r}")
    relative = path.parent / base
    base_path = relative if not is_preset_name(package, base) and relative.is_file() else None
    try:
        base_path = base_path or preset_file(package, base, kind)
        parent, _ = _read(package, base_path, kind, (*seen, path.resolve()))
    except ConfigError as exc:
        raise ConfigError(f"{path}: {BASE_KEY}: {exc}") from None
    if not isinstance(parent, dict):
        raise ConfigError(f"{path}: {BASE_KEY}: {base_path} is not a mapping")
    return merge(parent, data), path


def merge(base: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """`base` with `changes` applied: mappings merge key by key, any other value replaces."""
    out = dict(base)
    for key, value in changes.items():
        out[key] = merge(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
    return out


def check_keys(data: dict[str, Any], known: set[str] | frozenset[str], origin: str, what: str) -> None:
    """Refuse a key that is not in `known`, naming the file, the key and the keys there are."""
    unknown = sorted(set(data) - set(known))
    if unknown:
        noun = "key" if len(unknown) == 1 else "keys"
        raise ConfigError(f"{origin}: unknown {noun} {', '.join(map(repr, unknown))}; "
                          f"{what} keys: {', '.join(sorted(known))}")


def dataclass_from_dict(cls: type, data: Any, *, origin: str, what: str, exclude: tuple[str, ...] = ()) -> Any:
    """`cls(**data)` for a mapping whose keys are all fields of `cls`; every error names `origin`."""
    if not isinstance(data, dict):
        raise ConfigError(f"{origin}: expected a mapping of {what} settings, got {type(data).__name__}")
    check_keys(data, {f.name for f in dataclasses.fields(cls)} - set(exclude), origin, what)
    try:
        return cls(**data)
    except (ConfigError, TypeError) as exc:  # TypeError: wrong value types the validators did not reach
        message = str(exc)
        raise ConfigError(message if message.startswith(origin) else f"{origin}: {message}") from None
