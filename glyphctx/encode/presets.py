"""Named encoder presets (configs/encoder/*.yaml) and building an encoder from a name, a YAML file or weights."""

from __future__ import annotations

import os
from pathlib import Path

import torch

from glyphctx.encode.config import DEFAULT_ENCODER, EncoderConfig
from glyphctx.encode.model import VisionEncoder
from glyphctx.encode.weights import load_weights, weights_config
from glyphctx.errors import ConfigError
from glyphctx.io import presets

PACKAGE = "glyphctx.configs.encoder"


def encoder_names() -> list[str]:
    return presets.preset_names(PACKAGE)


def load_encoder_config(name_or_path: str | os.PathLike) -> EncoderConfig:
    """A preset by name, a YAML file by path, or the config stored in a .safetensors weights file."""
    if str(name_or_path).lower().endswith(".safetensors") and not presets.is_preset_name(PACKAGE, name_or_path):
        return weights_config(Path(name_or_path).expanduser())
    try:
        data, path = presets.read_preset(PACKAGE, name_or_path, "encoder")
    except ConfigError as exc:
        if str(exc).startswith("unknown encoder"):
            raise ConfigError(f"{exc} or a .safetensors weights file") from None
        raise
    origin = f"encoder preset {name_or_path}" if presets.is_preset_name(PACKAGE, name_or_path) else str(path)
    return EncoderConfig.from_dict(data, origin=origin)


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
