"""`EncoderConfig`: the shape of a vision encoder, as one frozen, validated, YAML-round-trippable value.

A config fixes the architecture (so a weights file can be checked against it) and the preprocessing
rule that decides how many visual tokens a page costs (so that count can be held equal to a VLM
profile's published rule).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, fields
from typing import Any

import yaml

from glyphctx.errors import ConfigError

#: compressor name -> how many times it shrinks each side of the patch grid
COMPRESSORS = {"merge2x2-mlp": 2, "conv-s2x2": 4}
RESIZE_MODES = ("smart", "square")


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
    depth: int = 2
    """ViT blocks."""
    num_heads: int = 2
    """Attention heads per block (must divide embed_dim)."""
    mlp_ratio: float = 4.0
    """Hidden width of each block's MLP, as a multiple of embed_dim."""
    img_size: int = 224
    """Side of the image the learned position embedding is laid out for; other sizes resample it."""
    compressor: str = "merge2x2-mlp"
    """merge2x2-mlp (2x2 patches -> one token, 4x fewer) or conv-s2x2 (two stride-2 convs, 16x fewer)."""
    out_dim: int = 64
    """Width of each visual token."""
    resize: str = "smart"
    """smart: keep the aspect ratio, round sides to the token grid, clamp pixels (Qwen2-VL's rule);
    square: fit the page into one square view of `side` pixels, padded with white (DeepSeek-OCR's)."""
    min_pixels: int = 56 * 56
    """smart resize: fewest pixels a page is scaled up to."""
    max_pixels: int = 28 * 28 * 1280
    """smart resize: most pixels a page is scaled down to."""
    side: int = 1024
    """square resize: the view's side in pixels."""
    profile: str | None = "qwen2.5-vl"
    """The accounting profile (glyphctx.tokens) whose token rule this encoder reproduces, if any."""
    max_batch_pixels: int = 8_000_000
    """Most input pixels encoded in one forward pass; larger buckets are split."""

    def __post_init__(self) -> None:
        def whole(name: str, low: int = 1) -> None:
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < low:
                raise ConfigError(f"encoder {self.name!r}: {name} must be an integer >= {low}, got {value!r}")

        for name in ("patch_size", "embed_dim", "depth", "num_heads", "img_size", "out_dim", "min_pixels",
                     "max_pixels", "side", "max_batch_pixels"):
            whole(name)
        if self.in_chans not in (1, 3):
            raise ConfigError(f"encoder {self.name!r}: in_chans must be 1 or 3, got {self.in_chans!r}")
        if self.embed_dim % self.num_heads:
            raise ConfigError(f"encoder {self.name!r}: num_heads {self.num_heads} does not divide embed_dim "
                              f"{self.embed_dim}")
        if not isinstance(self.mlp_ratio, (int, float)) or self.mlp_ratio <= 0:
            raise ConfigError(f"encoder {self.name!r}: mlp_ratio must be a positive number, got {self.mlp_ratio!r}")
        if self.compressor not in COMPRESSORS:
            raise ConfigError(f"encoder {self.name!r}: compressor must be one of {', '.join(COMPRESSORS)}, "
                              f"got {self.compressor!r}")
        if self.resize not in RESIZE_MODES:
            raise ConfigError(f"encoder {self.name!r}: resize must be one of {', '.join(RESIZE_MODES)}, "
                              f"got {self.resize!r}")
        if self.min_pixels > self.max_pixels:
            raise ConfigError(f"encoder {self.name!r}: min_pixels {self.min_pixels} exceeds max_pixels "
                              f"{self.max_pixels}")
        if self.resize == "square" and self.side % self.token_pixels:
            raise ConfigError(f"encoder {self.name!r}: side {self.side} must be a multiple of patch_size x "
                              f"the compressor's reduction ({self.token_pixels})")
        if self.profile is not None and not isinstance(self.profile, str):
            raise ConfigError(f"encoder {self.name!r}: profile must be a profile name or null, got {self.profile!r}")

    @property
    def reduction(self) -> int:
        """How many patches along each side become one token."""
        return COMPRESSORS[self.compressor]

    @property
    def token_pixels(self) -> int:
        """Pixels along each side of the page that one visual token covers."""
        return self.patch_size * self.reduction

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Any, *, origin: str = "encoder config") -> "EncoderConfig":
        if not isinstance(data, dict):
            raise ConfigError(f"{origin}: expected a mapping of encoder settings, got {type(data).__name__}")
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ConfigError(f"{origin}: unknown setting(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")
        try:
            return cls(**data)
        except ConfigError as exc:
            raise ConfigError(f"{origin}: {exc}") from None
        except TypeError as exc:
            raise ConfigError(f"{origin}: {exc}") from None

    def to_yaml(self) -> str:
        return yaml.safe_dump(self.to_dict(), sort_keys=False)

    @classmethod
    def from_yaml(cls, text: str, *, origin: str = "encoder config") -> "EncoderConfig":
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise ConfigError(f"{origin}: not valid YAML ({exc.__class__.__name__}: {exc})") from None
        return cls.from_dict(data, origin=origin)

    def digest(self) -> str:
        """Hash of everything that changes the tokens (batching limits excluded)."""
        data = self.to_dict()
        data.pop("max_batch_pixels")
        return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:16]
