"""Trained encoder weights, wherever they live: a reader run, a weights file, or a named architecture plus a file.

Visual tokens are worth storing only when they come from weights a model was trained with: a randomly
initialised encoder writes tokens nothing can read. `resolve_encoder` therefore takes what a user
names (`runs/tiny-reader`, its `final/`, `encoder.safetensors`, `encoder-base` + a weights file) and
returns an `EncoderSource`: the architecture, the file holding the tensors, and an identity (config
digest + weights hash) that token files carry, so a reader can tell tokens of its own encoder from
tokens of any other. A preset name alone is an architecture, not weights, and is refused.

A reader checkpoint is read here from its files (reader.json, model.safetensors, the `encoder.`
tensors) rather than through `glyphctx.reader`: the encoder stage sits below the apps that train
readers, and needs only the encoder's part of the checkpoint.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from glyphctx.encode.config import EncoderConfig
from glyphctx.encode.model import VisionEncoder
from glyphctx.encode.weights import CONFIG_KEY, weights_config
from glyphctx.errors import ConfigError
from glyphctx.io.digest import file_sha256
from glyphctx.render.config import RenderConfig

#: a reader checkpoint folder: its config (render, encoder, model sections) and its weights
READER_CONFIG = "reader.json"
READER_WEIGHTS = "model.safetensors"
#: where a `glyphctx train` run keeps the checkpoint to read with
RUN_CHECKPOINT = "final"
#: the encoder's tensors inside a reader's weights
READER_PREFIX = "encoder."
#: torch checkpoint files (a timm or plain PyTorch state dict), read with weights_only=True
TORCH_SUFFIXES = (".pth", ".pt", ".bin")
WEIGHT_SUFFIXES = (".safetensors", *TORCH_SUFFIXES)


def encoder_identity(config: EncoderConfig, weights_sha256: str) -> str:
    """`<config digest>-<weights hash>`: equal for two encoders exactly when they make the same tokens."""
    return f"{config.digest()}-{weights_sha256[:16]}"


def reader_folder(path: Path) -> Path | None:
    """The folder of a reader checkpoint: `path` itself, or the `final/` of a training run."""
    for folder in (path, path / RUN_CHECKPOINT):
        if (folder / READER_CONFIG).is_file():
            return folder
    return None


@dataclass(frozen=True)
class EncoderSource:
    """An encoder with trained weights: what a worker needs to load it, and what its tokens are labelled with."""

    label: str  # what the user named, for messages and the index
    kind: str  # "reader" (a reader checkpoint's encoder) or "weights" (an encoder weights file)
    config: EncoderConfig
    weights: str  # the file holding the tensors
    weights_sha256: str
    prefix: str = ""  # the tensors' key prefix in that file ("encoder." in a reader's weights)
    render: RenderConfig | None = None  # a reader's render config: the only pages its encoder was trained on

    @property
    def identity(self) -> str:
        return encoder_identity(self.config, self.weights_sha256)

    def metadata(self) -> dict[str, str]:
        """What a token file records about the encoder that made it (safetensors metadata: strings only)."""
        data = {"encoder": self.label, "encoder_kind": self.kind, "encoder_key": self.identity,
                "encoder_config": json.dumps(self.config.to_dict(), sort_keys=True),
                "encoder_config_digest": self.config.digest(), "encoder_weights_sha256": self.weights_sha256}
        if self.render is not None:
            data["reader_render_config"] = json.dumps(self.render.to_dict(), sort_keys=True)
            data["reader_render_hash"] = self.render.digest()
        return data

    def load(self, device: str | None = None) -> VisionEncoder:
        """The encoder, weights filled, in eval mode on `device` (default: CUDA when present)."""
        import torch

        encoder = VisionEncoder(self.config)
        fill(encoder, read_state(Path(self.weights), self.prefix), Path(self.weights))
        return encoder.to(device or ("cuda" if torch.cuda.is_available() else "cpu")).eval()


def resolve_encoder(spec: str | os.PathLike | None, weights: str | os.PathLike | None = None) -> EncoderSource:
    """The encoder `spec` names, with weights; raises ConfigError naming the path and what is missing.

    `spec` is a reader run or checkpoint folder, a weights file (.safetensors written by glyphctx with its
    config inside; a .pth/.pt/.bin or bare .safetensors state dict needs the architecture named as well),
    or a preset name / YAML file naming the architecture of the file given as `weights`.
    """
    if spec is None and weights is None:
        raise ConfigError("no encoder weights given: name a reader run (runs/tiny-reader), a weights file, or "
                          "an encoder preset together with a weights file")
    if spec is None or (weights is None and _is_weights_file(spec)):
        return _weights_file(Path(weights if spec is None else spec).expanduser(), None)
    path = Path(spec).expanduser()
    if path.is_dir():
        if weights is not None:
            raise ConfigError(f"{path}: a reader checkpoint carries its own encoder weights; drop the weights "
                              f"file {weights}")
        return _reader(path)
    from glyphctx.encode.presets import load_encoder_config

    config = load_encoder_config(spec)  # unknown names and bad YAML fail here, named
    if weights is None:
        raise ConfigError(f"encoder {spec}: a preset names an architecture, not trained weights; give its weights "
                          "file as well (--encoder-weights), or a reader run (runs/tiny-reader)")
    return _weights_file(Path(weights).expanduser(), config)


def _is_weights_file(spec: str | os.PathLike) -> bool:
    return str(spec).lower().endswith(WEIGHT_SUFFIXES)


def _sha256(path: Path) -> str:
    if not path.is_file():
        raise ConfigError(f"{path}: encoder weights file not found")
    return file_sha256(path)


def _reader(path: Path) -> EncoderSource:
    folder = reader_folder(path)
    if folder is None:
        raise ConfigError(f"{path}: not a reader checkpoint or training run (no {READER_CONFIG} here or in "
                          f"{RUN_CHECKPOINT}/); `glyphctx train --preset tiny-reader -o {path}` writes one")
    config_file = folder / READER_CONFIG
    try:
        data = json.loads(config_file.read_text(encoding="utf-8"))
        encoder, render = data["encoder"], data["render"]
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise ConfigError(f"{config_file}: cannot read the reader config ({exc})") from None
    except (KeyError, TypeError):
        raise ConfigError(f"{config_file}: no 'encoder' and 'render' sections; not a reader config") from None
    weights = folder / READER_WEIGHTS
    source = EncoderSource(
        label=str(path), kind="reader", config=EncoderConfig.from_dict(encoder, origin=f"{config_file}: encoder"),
        weights=str(weights.absolute()), weights_sha256=_sha256(weights), prefix=READER_PREFIX,
        render=RenderConfig.from_dict(render, origin=f"{config_file}: render"))
    _check(source)
    return source


def _check(source: EncoderSource) -> None:
    """Every tensor present and of its shape, checked where the user named the file, not later in a worker."""
    fill(VisionEncoder(source.config), read_state(Path(source.weights), source.prefix), Path(source.weights))


def _weights_file(path: Path, config: EncoderConfig | None) -> EncoderSource:
    sha = _sha256(path)
    stored = _stored_config(path)
    if config is None:
        if stored is None:
            raise ConfigError(f"{path}: holds no glyphctx encoder config; name its architecture too "
                              "(--encoder PRESET --encoder-weights FILE)")
        config = stored
    elif stored is not None:
        from glyphctx.encode.weights import ARCHITECTURE

        differing = [k for k in ARCHITECTURE if getattr(stored, k) != getattr(config, k)]
        if differing:
            raise ConfigError(f"{path}: weights are for a different encoder (differs in {', '.join(differing)})")
    source = EncoderSource(label=str(path), kind="weights", config=config, weights=str(path.absolute()),
                           weights_sha256=sha)
    _check(source)
    return source


def _stored_config(path: Path) -> EncoderConfig | None:
    """The config a glyphctx weights file carries, or None for a bare state dict."""
    if not path.name.lower().endswith(".safetensors"):
        return None
    from safetensors import SafetensorError, safe_open

    try:
        with safe_open(str(path), framework="pt") as handle:
            metadata = handle.metadata() or {}
    except (OSError, SafetensorError, ValueError) as exc:
        raise ConfigError(f"{path}: not a readable safetensors file ({exc})") from None
    return weights_config(path) if CONFIG_KEY in metadata else None


def read_state(path: Path, prefix: str) -> dict[str, Any]:
    """The tensors under `prefix` in a weights file, prefix removed; a timm ViT state dict is the backbone's."""
    import pickle

    from safetensors import SafetensorError, safe_open

    try:
        if path.name.lower().endswith(".safetensors"):
            with safe_open(str(path), framework="pt", device="cpu") as handle:
                state = {key[len(prefix):]: handle.get_tensor(key) for key in handle.keys() if key.startswith(prefix)}
        else:
            import torch

            loaded = torch.load(path, map_location="cpu", weights_only=True)
            for key in ("state_dict", "model"):  # training scripts wrap the state dict
                if isinstance(loaded, dict) and isinstance(loaded.get(key), dict):
                    loaded = loaded[key]
            if not isinstance(loaded, dict):
                raise ValueError(f"holds a {type(loaded).__name__}, not a state dict")
            state = {k[len(prefix):]: v for k, v in loaded.items() if k.startswith(prefix)}
    except (OSError, RuntimeError, ValueError, EOFError, SafetensorError, pickle.UnpicklingError) as exc:
        raise ConfigError(f"{path}: cannot read encoder weights ({exc})") from None
    if state and not any(key.startswith(("backbone.", "compressor.")) for key in state):
        state = {f"backbone.{key}": value for key, value in state.items()}  # timm's own key layout
    return state


def fill(encoder: VisionEncoder, state: dict[str, Any], path: Path) -> VisionEncoder:
    """Load `state` into `encoder`: every tensor present, none left over, every shape equal."""
    ours = encoder.state_dict()
    missing = sorted(set(ours) - set(state))
    unexpected = sorted(set(state) - set(ours))
    if missing or unexpected:
        backbone_only = missing and all(key.startswith("compressor.") for key in missing)
        why = (" (a backbone without the token compressor: its tokens would come from random weights)"
               if backbone_only else "")
        raise ConfigError(f"{path}: weights do not fit encoder {encoder.config.name!r}{why} (missing: "
                          f"{', '.join(missing[:3]) or 'none'}; unexpected: {', '.join(unexpected[:3]) or 'none'})")
    wrong = [key for key, value in state.items() if tuple(value.shape) != tuple(ours[key].shape)]
    if wrong:
        raise ConfigError(f"{path}: weights do not fit encoder {encoder.config.name!r} ({wrong[0]} is "
                          f"{tuple(state[wrong[0]].shape)}, the encoder's is {tuple(ours[wrong[0]].shape)})")
    encoder.load_state_dict(state, strict=True)
    return encoder
