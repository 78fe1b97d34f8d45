"""`ReaderConfig`: what a page reader is made of (its render config, encoder and language model).

One value names all three because they only work together: the reader reads pages drawn the way it
was trained on, through the encoder it was trained with. Presets are YAML files in configs/reader/;
a saved reader keeps its config as `reader.json`, so a checkpoint folder is self-describing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from glyphctx.encode.config import EncoderConfig
from glyphctx.errors import ConfigError
from glyphctx.io.presets import check_keys, preset_names, read_preset
from glyphctx.model.configuration import GlyphLMConfig
from glyphctx.render.config import RenderConfig

#: the reader preset used when none is named: the one a 2-core CPU trains
DEFAULT_READER = "tiny-reader"
SECTIONS = ("render", "encoder", "model")
POSITIONS = ("sequential", "aligned")


@dataclass(frozen=True)
class ReaderConfig:
    name: str
    render: RenderConfig
    encoder: EncoderConfig
    model: dict[str, Any]  # GlyphLMConfig keyword arguments (kept as data: the config object is mutable)
    positions: str = "sequential"
    """sequential: visual tokens, then text, one position each. aligned: a page's visual tokens sit at the
    positions of the characters they show (token j at (j + 1/2) x characters per token) and its
    transcription runs over the same positions, so rotary attention finds the token holding the next
    character at a fixed relative offset (a strong prior for one-line pages; pages after it and any
    other text follow sequentially)."""

    def __post_init__(self) -> None:
        if self.positions not in POSITIONS:
            raise ConfigError(f"reader {self.name!r}: positions must be one of {', '.join(POSITIONS)}, "
                              f"got {self.positions!r}")
        model = self.model_config()
        if model.vision_hidden_size != self.encoder.out_dim:
            raise ConfigError(f"reader {self.name!r}: model vision_hidden_size {model.vision_hidden_size} must equal "
                              f"the encoder's out_dim {self.encoder.out_dim}")
        from glyphctx.reader.tokenizer import ReaderTokenizer

        if model.vocab_size < ReaderTokenizer.vocab_size:
            raise ConfigError(f"reader {self.name!r}: model vocab_size {model.vocab_size} is smaller than the "
                              f"byte tokenizer's {ReaderTokenizer.vocab_size}")

    def model_config(self) -> GlyphLMConfig:
        try:
            return GlyphLMConfig(**self.model)
        except (ConfigError, TypeError) as exc:
            raise ConfigError(f"reader {self.name!r}: model: {exc}") from None

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "render": self.render.to_dict(), "encoder": self.encoder.to_dict(),
                "model": dict(self.model), "positions": self.positions}

    @classmethod
    def from_dict(cls, data: Any, *, origin: str) -> ReaderConfig:
        if not isinstance(data, dict):
            raise ConfigError(f"{origin}: expected a mapping with {', '.join(SECTIONS)}, got {type(data).__name__}")
        check_keys(data, {"name", "positions", *SECTIONS}, origin, "reader")
        missing = [s for s in SECTIONS if not isinstance(data.get(s), dict)]
        if missing:
            raise ConfigError(f"{origin}: missing or not a mapping: {', '.join(missing)}")
        name = str(data.get("name") or Path(origin).stem)
        try:
            return cls(name, RenderConfig.from_dict(data["render"], origin=f"{origin}: render"),
                       EncoderConfig.from_dict(data["encoder"], origin=f"{origin}: encoder"), dict(data["model"]),
                       data.get("positions", "sequential"))
        except ConfigError as exc:
            raise ConfigError(f"{origin}: {exc}") if not str(exc).startswith(origin) else exc from None

    def save_json(self, path: Path) -> None:
        from glyphctx.io.atomic import atomic_write_text

        atomic_write_text(path, json.dumps(self.to_dict(), indent=2, sort_keys=True) + "\n")

    @classmethod
    def load_json(cls, path: Path) -> ReaderConfig:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ConfigError(f"{path}: cannot read the reader config ({exc})") from None
        return cls.from_dict(data, origin=str(path))


PACKAGE = "glyphctx.configs.reader"


def reader_names() -> list[str]:
    return preset_names(PACKAGE)


def load_reader_config(name_or_path: str | Path) -> ReaderConfig:
    """A reader preset by name (`tiny-reader`) or a YAML file by path."""
    data, path = read_preset(PACKAGE, name_or_path, "reader preset")
    if isinstance(data, dict):
        data.setdefault("name", path.stem)
    return ReaderConfig.from_dict(data, origin=str(path))
