"""Rotary position embeddings and the ways of stretching them past the training length.

Each scaling returns the inverse frequencies and a factor on cos/sin ("attention scaling": YaRN's
0.1 ln s + 1, LongRoPE's sqrt(1 + ln s / ln L)). The formulas are written out here rather than
borrowed, and the tests hold them equal to transformers' rope initialisation functions:

- default: theta^(-2i/d)
- linear (position interpolation): frequencies / factor
- ntk (NTK-aware, static): base theta * factor^(d/(d-2))
- dynamic (dynamic NTK): the NTK base for the current length once it passes max_position_embeddings
- yarn: interpolate low frequencies, keep high ones, ramp between beta_fast and beta_slow rotations
- longrope: per-dimension short or long factors, picked by the current length
"""

from __future__ import annotations

import math
from typing import Any

import torch
from torch import nn

from glyphctx.errors import ConfigError

ROPE_TYPES = ("default", "linear", "ntk", "dynamic", "yarn", "longrope")
_NEEDS_FACTOR = ("linear", "ntk", "dynamic")


def check_rope_parameters(params: dict | None, head_dim: int) -> None:
    """Raise ConfigError naming the rope_parameters key that is missing or wrong."""
    if not isinstance(params, dict):
        raise ConfigError(f"rope_parameters: expected a dict, got {type(params).__name__}")
    kind = params.get("rope_type", "default")
    if kind not in ROPE_TYPES:
        raise ConfigError(f"rope_parameters.rope_type: expected one of {', '.join(ROPE_TYPES)}, got {kind!r}")
    theta = params.get("rope_theta")
    if not isinstance(theta, (int, float)) or theta <= 1:
        raise ConfigError(f"rope_parameters.rope_theta: expected a number > 1, got {theta!r}")
    if kind in _NEEDS_FACTOR:
        factor = params.get("factor")
        if not isinstance(factor, (int, float)) or factor < 1:
            raise ConfigError(f"rope_parameters.factor: {kind} scaling needs a number >= 1, got {factor!r}")
    if kind in ("yarn", "longrope"):
        original = params.get("original_max_position_embeddings")
        if not isinstance(original, int) or original < 1:
            raise ConfigError(
                f"rope_parameters.original_max_position_embeddings: {kind} needs a positive integer, got {original!r}")
    if kind == "longrope":
        for key in ("short_factor", "long_factor"):
            values = params.get(key)
            if not isinstance(values, (list, tuple)) or len(values) != head_dim // 2:
                raise ConfigError(
                    f"rope_parameters.{key}: longrope needs a list of head_dim / 2 = {head_dim // 2} numbers, "
                    f"got {values!r}")


def _base_inv_freq(base: float, dim: int, device=None) -> torch.Tensor:
    exponents = torch.arange(0, dim, 2, dtype=torch.int64).to(device=device, dtype=torch.float) / dim
    return 1.0 / (base ** exponents)


def _yarn(params: dict, dim: int, max_position_embeddings: int, device=None) -> tuple[torch.Tensor, float]:
    base = params["rope_theta"]
    original = params["original_max_position_embeddings"]
    factor = params.get("factor") or max_position_embeddings / original

    def mscale_of(scale: float, mscale: float = 1.0) -> float:
        return 1.0 if scale <= 1 else 0.1 * mscale * math.log(scale) + 1.0

    attention_factor = params.get("attention_factor")
    if attention_factor is None:
        mscale, mscale_all_dim = params.get("mscale"), params.get("mscale_all_dim")
        if mscale and mscale_all_dim:
            attention_factor = float(mscale_of(factor, mscale) / mscale_of(factor, mscale_all_dim))
        else:
            attention_factor = mscale_of(factor)
    beta_fast = params.get("beta_fast") or 32
    beta_slow = params.get("beta_slow") or 1

    def correction_dim(rotations: float) -> float:
        # the dimension whose wavelength fits `rotations` times into the original context
        return (dim * math.log(original / (rotations * 2 * math.pi))) / (2 * math.log(base))

    low, high = correction_dim(beta_fast), correction_dim(beta_slow)
    if params.get("truncate", True):
        low, high = math.floor(low), math.ceil(high)
    low, high = max(low, 0), min(high, dim - 1)
    if low == high:
        high += 0.001
    ramp = torch.clamp((torch.arange(dim // 2, dtype=torch.float32) - low) / (high - low), 0, 1).to(device)

    pos_freqs = base ** (torch.arange(0, dim, 2).to(device=device, dtype=torch.float) / dim)
    extrapolation = 1.0 / pos_freqs
    interpolation = 1.0 / (factor * pos_freqs)
    keep = 1 - ramp  # 1 for high frequencies (kept), 0 for low ones (interpolated)
    return interpolation * (1 - keep) + extrapolation * keep, float(attention_factor)


def _longrope(params: dict, dim: int, max_position_embeddings: int, seq_len: int | None,
              device=None) -> tuple[torch.Tensor, float]:
    base = params["rope_theta"]
    original = params["original_max_position_embeddings"]
    factor = params.get("factor") or max_position_embeddings / original
    attention_factor = params.get("attention_factor")
    if attention_factor is None:
        attention_factor = 1.0 if factor <= 1.0 else math.sqrt(1 + math.log(factor) / math.log(original))
    key = "long_factor" if seq_len and seq_len > original else "short_factor"
    ext = torch.tensor(params[key], dtype=torch.float32, device=device)
    shape = torch.arange(0, dim, 2, dtype=torch.int64, device=device).float() / dim
    return 1.0 / (ext * base ** shape), float(attention_factor)


def rope_frequencies(params: dict[str, Any], head_dim: int, max_position_embeddings: int,
                     seq_len: int | None = None, device=None) -> tuple[torch.Tensor, float]:
    """Inverse frequencies [head_dim / 2] (float32) and the cos/sin scaling for a sequence of `seq_len`.

    `seq_len` matters only to dynamic NTK and LongRoPE (None: the configured length / the short factors).
    """
    kind = params.get("rope_type", "default")
    base, dim = params["rope_theta"], head_dim
    if kind == "default":
        return _base_inv_freq(base, dim, device), 1.0
    if kind == "linear":
        return _base_inv_freq(base, dim, device) / params["factor"], 1.0
    if kind == "ntk":
        return _base_inv_freq(base * params["factor"] ** (dim / (dim - 2)), dim, device), 1.0
    if kind == "dynamic":
        factor = params["factor"]
        length = max(seq_len or max_position_embeddings, max_position_embeddings)
        scaled = base * ((factor * length / max_position_embeddings) - (factor - 1)) ** (dim / (dim - 2))
        return _base_inv_freq(scaled, dim, device), 1.0
    if kind == "yarn":
        return _yarn(params, dim, max_position_embeddings, device)
    if kind == "longrope":
        return _longrope(params, dim, max_position_embeddings, seq_len, device)
    raise ConfigError(f"rope_parameters.rope_type: unknown {kind!r}")


class RotaryEmbedding(nn.Module):
    """cos/sin tables for the given positions; recomputes frequencies when the scaling depends on length."""

    def __init__(self, params: dict[str, Any], head_dim: int, max_position_embeddings: int):
        super().__init__()
        self.params = dict(params)
        self.head_dim = head_dim
        self.max_position_embeddings = max_position_embeddings
        self.length_dependent = self.params.get("rope_type", "default") in ("dynamic", "longrope")
        inv_freq, scaling = rope_frequencies(self.params, head_dim, max_position_embeddings)
        self.register_buffer("inv_freq", inv_freq, persistent=False)
        self.attention_scaling = scaling

    def initial_inv_freq(self) -> torch.Tensor:
        return rope_frequencies(self.params, self.head_dim, self.max_position_embeddings)[0]

    @torch.no_grad()
    def forward(self, position_ids: torch.Tensor, dtype: torch.dtype,
                seq_len: int | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """position_ids [B, T] -> cos, sin [B, T, head_dim] in `dtype`.

        `seq_len` is the length the frequencies are chosen for (dynamic NTK, LongRoPE); it defaults
        to the largest position + 1. Context-parallel ranks pass the global length so all agree.
        """
        inv_freq, scaling = self.inv_freq, self.attention_scaling
        if inv_freq.dtype != torch.float32:  # model.to(bfloat16) casts buffers too; frequencies stay float32
            inv_freq = self.initial_inv_freq()
        if self.length_dependent:
            length = int(seq_len if seq_len is not None else position_ids.max().item() + 1)
            inv_freq, scaling = rope_frequencies(self.params, self.head_dim, self.max_position_embeddings,
                                                 seq_len=length, device=position_ids.device)
        freqs = position_ids[..., None].float() * inv_freq.to(position_ids.device, torch.float)
        emb = torch.cat((freqs, freqs), dim=-1)
        return (emb.cos() * scaling).to(dtype), (emb.sin() * scaling).to(dtype)


def rotate_half(x: torch.Tensor) -> torch.Tensor:
    half = x.shape[-1] // 2
    return torch.cat((-x[..., half:], x[..., :half]), dim=-1)


def apply_rotary(q: torch.Tensor, k: torch.Tensor, cos: torch.Tensor,
                 sin: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """q, k [B, H, T, D]; cos, sin [B, T, D]."""
    cos, sin = cos.unsqueeze(1), sin.unsqueeze(1)
    return q * cos + rotate_half(q) * sin, k * cos + rotate_half(k) * sin
