"""Named encoder presets (configs/encoder/*.yaml) and building an encoder from a name, a YAML file or weights."""

from __future__ import annotations

import importlib.resources
import os
from pathlib import Path

import torch

from glyphctx.encode.config import EncoderConfig
from glyphctx.encode.model import VisionEncoder
from glyphctx.encode.weights import load_weights, weights_config
from glyphctx.errors import ConfigError

DEFAULT_ENCODER = "encoder-tiny"


def presets_dir() -> Path:
    return Path(str(importlib.resources.files("glyphctx.configs.encoder")))


def encoder_names() -> list[str]:
    return sorted(p.stem for p in presets_dir().glob("*.yaml"))


def load_encoder_config(name_or_path: str | os.PathLike) -> EncoderConfig:
    """A preset by name, a YAML file by path, or the config stored in a .safetensors weights file."""
    text = str(name_or_path)
    candidate = presets_dir() / f"{text}.yaml"
    if "/" not in text and candidate.is_file():
        return EncoderConfig.from_yaml(candidate.read_text(encoding="utf-8"), origin=f"encoder preset {text}")
    path = Path(text).expanduser()
    if path.suffix.lower() == ".safetensors":
        return weights_config(path)
    if path.suffix.lower() in (".yaml", ".yml") or path.exists():
        try:
            return EncoderConfig.from_yaml(path.read_text(encoding="utf-8"), origin=str(path))
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{path}: cannot read encoder config ({getattr(exc, 'strerror', None) or exc})") from None
    raise ConfigError(f"unknown encoder {text!r}; presets: {', '.join(encoder_names())} "
                      "(or a path to a YAML config or a .safetensors weights file)")


def load_encoder(
    name_or_path: str | os.PathLike | EncoderConfig = DEFAULT_ENCODER,
    *,
    weights: str | os.PathLike | None = None,
    device: str | torch.device | None = None,
    seed: int = 0,
) -> VisionEncoder:
    """An encoder in eval mode on `device` (default: CUDA when present, else CPU).

    Weights come from `weights`, or from `name_or_path` itself when that is a .safetensors file; with
    neither, the weights are a seeded random initialisation (enough to measure and to test shapes).
    """
    config = name_or_path if isinstance(name_or_path, EncoderConfig) else load_encoder_config(name_or_path)
    if weights is None and not isinstance(name_or_path, EncoderConfig) and str(name_or_path).endswith(".safetensors"):
        weights = name_or_path
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        encoder = VisionEncoder(config)
    if weights is not None:
        load_weights(encoder, weights)
    if device is None:
        device = "cuda" if torch.cuda.is_available() else "cpu"
    return encoder.to(device).eval()
