"""Encoder weights as one local safetensors file that carries its own config.

Nothing is fetched: a file is read from a path or not at all. The config travels in the file's
metadata, so `load_weights(path)` rebuilds the exact architecture, and a preset given weights of
another shape is refused with the file and the mismatch named.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from safetensors import SafetensorError
from safetensors.torch import load_file, safe_open, save

from glyphctx.encode.config import EncoderConfig
from glyphctx.encode.model import VisionEncoder
from glyphctx.errors import ConfigError
from glyphctx.io.atomic import atomic_write_bytes
from glyphctx.io.digest import file_sha256

CONFIG_KEY = "glyphctx_encoder_config"
#: the settings that decide the tensors' shapes; the resize rule and batching may differ freely
ARCHITECTURE = ("patch_size", "in_chans", "embed_dim", "stem", "depth", "num_heads", "mlp_ratio", "img_size",
                "compressor", "out_dim")


def save_weights(encoder: VisionEncoder, path: str | os.PathLike) -> None:
    """Write the encoder's weights and config to `path` (atomically)."""
    state = {name: tensor.detach().cpu().contiguous() for name, tensor in encoder.state_dict().items()}
    metadata = {CONFIG_KEY: json.dumps(encoder.config.to_dict(), sort_keys=True)}
    atomic_write_bytes(path, save(state, metadata=metadata))


def weights_config(path: str | os.PathLike) -> EncoderConfig:
    """The config stored in a weights file."""
    path = Path(path).expanduser()
    try:
        with safe_open(str(path), framework="pt") as handle:
            metadata = handle.metadata() or {}
    except FileNotFoundError:
        raise ConfigError(f"{path}: encoder weights file not found") from None
    except (OSError, SafetensorError, ValueError) as exc:
        raise ConfigError(f"{path}: not a readable safetensors file ({exc})") from None
    if CONFIG_KEY not in metadata:
        raise ConfigError(f"{path}: safetensors file has no {CONFIG_KEY!r} metadata; it was not saved by glyphctx")
    try:
        data = json.loads(metadata[CONFIG_KEY])
    except ValueError as exc:
        raise ConfigError(f"{path}: {CONFIG_KEY} metadata is not JSON ({exc})") from None
    return EncoderConfig.from_dict(data, origin=str(path))


def load_weights(encoder: VisionEncoder, path: str | os.PathLike) -> VisionEncoder:
    """Fill `encoder` with the weights in `path`; every tensor must be present and of the same shape."""
    path = Path(path).expanduser()
    stored = weights_config(path)
    ours = encoder.config.to_dict()
    differing = [k for k in ARCHITECTURE if getattr(stored, k) != ours[k]]
    if differing:
        raise ConfigError(f"{path}: weights are for a different encoder (differs in {', '.join(differing)})")
    try:
        state = load_file(str(path), device="cpu")
    except (OSError, SafetensorError, ValueError) as exc:
        raise ConfigError(f"{path}: cannot read encoder weights ({exc})") from None
    missing, unexpected = encoder.load_state_dict(state, strict=False)
    if missing or unexpected:
        raise ConfigError(f"{path}: weights do not fit the encoder "
                          f"(missing {missing[:5]}, unexpected {unexpected[:5]})")
    return encoder


def weights_digest(path: str | os.PathLike) -> str:
    """A short hash of a weights file's bytes, for telling outputs of different weights apart."""
    return file_sha256(Path(path).expanduser())[:16]
