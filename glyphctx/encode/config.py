"""`EncoderConfig`: the shape of a vision encoder, as one frozen, validated, YAML-round-trippable value.

A config fixes the architecture (so a weights file can be checked against it) and the preprocessing
rule that decides how many visual tokens a page costs (so that count can be held equal to a VLM
profile's published rule).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from typing import Any

import yaml

from glyphctx.errors import ConfigError
from glyphctx.io.presets import dataclass_from_dict, parse_yaml
from glyphctx.tokens.profiles import DEFAULT_PROFILE

#: the encoder preset used when none is named
DEFAULT_ENCODER = "encoder-tiny"

#: compressor name -> how many patches (rows, columns) become one token
COMPRESSORS = {"merge2x2-mlp": (2, 2), "merge1x3-mlp": (1, 3), "merge1x4-mlp": (1, 4), "conv-s2x2": (4, 4)}
RESIZE_MODES = ("smart", "square", "pad")
STEMS = ("linear", "conv")


@dataclass(frozen=True)
class EncoderConfig:
    """A timm ViT backbone plus a token compressor. Field comments are the help text."""

    name: str = "encoder"
    """Preset name; recorded in token files so a rerun can tell encoders apart."""
    patch_size: int = 14
    """ViT patch side in pixels."""
    in_chans: int = 1
    """1 reads pages as grey levels; 3 feeds the grey page to all three channels (RGB backbones)."""
    embed_dim: int = 64
    """ViT width."""
    stem: str = "linear"
    """Patch embedding: linear (one matrix per patch, as pretrained ViTs have) or conv (three small
    convolutions first: faster to train from scratch on text; patch_size must be even)."""
    depth: int = 2
    """ViT blocks."""
    num_heads: int = 2
    """Attention heads per block (must divide embed_dim)."""
    mlp_ratio: float = 4.0
    """Hidden width of each block's MLP, as a multiple of embed_dim."""
    img_size: int | tuple[int, int] = 224
    """Side (or [height, width]) of the image the learned position embedding is laid out for; other sizes
    resample it."""
    compressor: str = "merge2x2-mlp"
    """merge2x2-mlp (2x2 patches -> one token, 4x fewer), merge1x3-mlp / merge1x4-mlp (three or four patches of a
    row -> one token: line-shaped tokens for one-line pages) or conv-s2x2 (two stride-2 convs, 16x fewer)."""
    out_dim: int = 64
    """Width of each visual token."""
    resize: str = "smart"
    """smart: keep the aspect ratio, round sides to the token grid, clamp pixels (Qwen2-VL's rule);
    square: fit the page into one square view of `side` pixels, padded with white (DeepSeek-OCR's);
    pad: no scaling, white padding right and below to whole tokens (pages rendered for this encoder)."""
    min_pixels: int = 56 * 56
    """smart resize: fewest pixels a page is scaled up to."""
    max_pixels: int = 28 * 28 * 1280
    """smart resize: most pixels a page is scaled down to."""
    side: int = 1024
    """square resize: the view's side in pixels."""
    profile: str | None = DEFAULT_PROFILE
    """The accounting profile (glyphctx.tokens) whose token rule this encoder reproduces, if any."""
    max_batch_pixels: int = 8_000_000
    """Most input pixels encoded in one forward pass; larger buckets are split."""

    def __post_init__(self) -> None:
        def whole(name: str, low: int = 1) -> None:
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < low:
                raise ConfigError(f"encoder {self.name!r}: {name} must be an integer >= {low}, got {value!r}")

        for name in ("patch_size", "embed_dim", "depth", "num_heads", "out_dim", "min_pixels",
                     "max_pixels", "side", "max_batch_pixels"):
            whole(name)
        if isinstance(self.img_size, list):
            object.__setattr__(self, "img_size", tuple(self.img_size))  # YAML and JSON give lists
        sides = self.img_size if isinstance(self.img_size, tuple) else (self.img_size,)
        if len(sides) not in (1, 2) or any(isinstance(v, bool) or not isinstance(v, int) or v < self.patch_size
                                           for v in sides):
            raise ConfigError(f"encoder {self.name!r}: img_size must be a side or [height, width] of at least "
                              f"patch_size pixels, got {self.img_size!r}")
        if self.in_chans not in (1, 3):
            raise ConfigError(f"encoder {self.name!r}: in_chans must be 1 or 3, got {self.in_chans!r}")
        if self.embed_dim % self.num_heads:
            raise ConfigError(f"encoder {self.name!r}: num_heads {self.num_heads} does not divide embed_dim "
                              f"{self.embed_dim}")
        if not isinstance(self.mlp_ratio, (int, float)) or self.mlp_ratio <= 0:
            raise ConfigError(f"encoder {self.name!r}: mlp_ratio must be a positive number, got {self.mlp_ratio!r}")
        if self.stem not in STEMS or (self.stem == "conv" and self.patch_size % 2):
            raise ConfigError(f"encoder {self.name!r}: stem must be one of {', '.join(STEMS)} (conv needs an even "
                              f"patch_size), got {self.stem!r} with patch_size {self.patch_size}")
        if self.compressor not in COMPRESSORS:
            raise ConfigError(f"encoder {self.name!r}: compressor must be one of {', '.join(COMPRESSORS)}, "
                              f"got {self.compressor!r}")
        if self.resize not in RESIZE_MODES:
            raise ConfigError(f"encoder {self.name!r}: resize must be one of {', '.join(RESIZE_MODES)}, "
                              f"got {self.resize!r}")
        if self.min_pixels > self.max_pixels:
            raise ConfigError(f"encoder {self.name!r}: min_pixels {self.min_pixels} exceeds max_pixels "
                              f"{self.max_pixels}")
        rows, cols = self.reduction
        if self.resize == "smart" and rows != cols:
            raise ConfigError(f"encoder {self.name!r}: smart resize needs a square token ({self.compressor} is "
                              f"{rows}x{cols} patches); use resize: pad")
        if self.resize == "square" and self.side % (self.patch_size * max(rows, cols)):
            raise ConfigError(f"encoder {self.name!r}: side {self.side} must be a multiple of patch_size x "
                              f"the compressor's reduction ({self.patch_size * max(rows, cols)})")
        if self.profile is not None and not isinstance(self.profile, str):
            raise ConfigError(f"encoder {self.name!r}: profile must be a profile name or null, got {self.profile!r}")

    @property
    def reduction(self) -> tuple[int, int]:
        """How many patches (rows, columns) become one token."""
        return COMPRESSORS[self.compressor]

    @property
    def token_size(self) -> tuple[int, int]:
        """(height, width) in input pixels that one visual token covers."""
        rows, cols = self.reduction
        return self.patch_size * rows, self.patch_size * cols

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Any, *, origin: str = "encoder config") -> EncoderConfig:
        return dataclass_from_dict(cls, data, origin=origin, what="encoder")

    def to_yaml(self) -> str:
        return yaml.safe_dump(self.to_dict(), sort_keys=False)

    @classmethod
    def from_yaml(cls, text: str, *, origin: str = "encoder config") -> EncoderConfig:
        return cls.from_dict(parse_yaml(text, origin), origin=origin)

    def digest(self) -> str:
        """Hash of everything that changes the tokens (batching limits excluded)."""
        data = self.to_dict()
        data.pop("max_batch_pixels")
        return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:16]
