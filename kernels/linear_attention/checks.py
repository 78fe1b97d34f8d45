"""Argument checks shared by every linear-attention path, and the error they raise.

Every public entry point runs these checks before any kernel and raises `LinearAttentionError`
naming the argument (see `glyphctx.kernels.checks`).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from ..checks import KernelArgumentError
from ..checks import resolve_scale as _resolve_scale

#: dtypes the linear-attention paths accept for q, k and v
SUPPORTED_DTYPES = (torch.float32, torch.float16, torch.bfloat16, torch.float64)

#: largest head dim the Triton kernels cover in one tile (q k^T and the state load it whole)
TRITON_MAX_HEAD_DIM = 256

#: tokens per chunk in the Triton kernels by default
TRITON_CHUNK_SIZE = 64


class LinearAttentionError(KernelArgumentError):
    """An argument to a linear-attention function has the wrong shape, dtype, device or value."""


@dataclass(frozen=True)
class Dims:
    """Sizes read off q [B, T, H, Dk], k [B, T, H, Dk] and v [B, T, H, Dv]."""

    batch: int
    length: int
    heads: int
    key_dim: int
    value_dim: int


def check_qkv(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor) -> Dims:
    """Check q, k, v against the [B, T, H, D] layout and return their sizes."""
    for name, x in (("q", q), ("k", k), ("v", v)):
        if not isinstance(x, torch.Tensor):
            raise LinearAttentionError(name, f"expected a torch.Tensor, got {type(x).__name__}")
        if x.dim() != 4:
            raise LinearAttentionError(
                name, f"expected 4 dimensions [batch, length, heads, dim], got shape {tuple(x.shape)}"
            )
        if x.dtype not in SUPPORTED_DTYPES:
            raise LinearAttentionError(name, f"unsupported dtype {x.dtype}; use float32, float16 or bfloat16")
    if k.shape != q.shape:
        raise LinearAttentionError("k", f"shape {tuple(k.shape)} differs from q's {tuple(q.shape)}")
    if v.shape[:3] != q.shape[:3]:
        raise LinearAttentionError(
            "v", f"batch, length and heads {tuple(v.shape[:3])} differ from q's {tuple(q.shape[:3])}"
        )
    if k.device != q.device or v.device != q.device:
        raise LinearAttentionError("k/v", f"devices differ: q {q.device}, k {k.device}, v {v.device}")
    if k.dtype != q.dtype or v.dtype != q.dtype:
        raise LinearAttentionError("k/v", f"dtypes differ: q {q.dtype}, k {k.dtype}, v {v.dtype}")
    batch, length, heads, key_dim = q.shape
    if batch == 0 or length == 0 or heads == 0 or key_dim == 0 or v.shape[-1] == 0:
        raise LinearAttentionError("q/v", f"empty dimension in q {tuple(q.shape)} or v {tuple(v.shape)}")
    return Dims(batch, length, heads, key_dim, v.shape[-1])


def decay_rates(
    decay: None | float | torch.Tensor, heads: int, device: torch.device
) -> torch.Tensor:
    """Per-head decay rates lambda_h >= 0 as a float32 tensor [H] (zeros: no decay).

    The state decays by exp(-lambda_h) per token. Rates, not factors, are what the caller passes:
    they keep every exponent the kernels evaluate non-positive, so nothing overflows.
    The rates are constants (Lightning Attention's fixed slopes); no gradient flows to them.
    """
    if decay is None:
        return torch.zeros(heads, dtype=torch.float32, device=device)
    if isinstance(decay, bool) or not isinstance(decay, (int, float, torch.Tensor)):
        raise LinearAttentionError("decay", f"expected a float or a tensor [heads], got {type(decay).__name__}")
    if isinstance(decay, torch.Tensor):
        if decay.requires_grad:
            raise LinearAttentionError(
                "decay", "requires grad, but decay rates are constants here; pass decay.detach()"
            )
        if decay.dim() == 0:
            rates = decay.reshape(1).expand(heads)
        elif decay.dim() == 1 and decay.shape[0] == heads:
            rates = decay
        else:
            raise LinearAttentionError(
                "decay", f"expected shape [{heads}] (one rate per head), got {tuple(decay.shape)}"
            )
        if not (rates.is_floating_point() or rates.dtype in (torch.int32, torch.int64)):
            raise LinearAttentionError("decay", f"expected a real dtype, got {rates.dtype}")
        rates = rates.to(device=device, dtype=torch.float32).contiguous()
    else:
        rates = torch.full((heads,), float(decay), dtype=torch.float32, device=device)
    if not bool(torch.isfinite(rates).all()):
        raise LinearAttentionError("decay", "contains inf or NaN")
    if bool((rates < 0).any()):
        raise LinearAttentionError(
            "decay", "rates must be >= 0 (the state is multiplied by exp(-rate) per token)"
        )
    return rates


def check_initial_state(initial_state: torch.Tensor | None, dims: Dims, device: torch.device) -> None:
    """Check that a carried state is [B, H, Dk, Dv], floating point and on q's device."""
    if initial_state is None:
        return
    if not isinstance(initial_state, torch.Tensor):
        raise LinearAttentionError(
            "initial_state", f"expected a torch.Tensor, got {type(initial_state).__name__}"
        )
    expected = (dims.batch, dims.heads, dims.key_dim, dims.value_dim)
    if tuple(initial_state.shape) != expected:
        raise LinearAttentionError(
            "initial_state",
            f"expected shape {expected} [batch, heads, key_dim, value_dim], got {tuple(initial_state.shape)}",
        )
    if initial_state.dtype not in SUPPORTED_DTYPES:
        raise LinearAttentionError("initial_state", f"unsupported dtype {initial_state.dtype}")
    if initial_state.device != device:
        raise LinearAttentionError("initial_state", f"is on {initial_state.device}, q is on {device}")


def resolve_scale(scale: float | None, key_dim: int) -> float:
    """The query scale: 1/sqrt(Dk) unless given."""
    return _resolve_scale(LinearAttentionError, scale, key_dim)


def check_chunk_size(chunk_size: int, power_of_two: bool = False) -> int:
    """A chunk size must be a positive int; the Triton kernels also need a power of two >= 16."""
    if isinstance(chunk_size, bool) or not isinstance(chunk_size, int) or chunk_size <= 0:
        raise LinearAttentionError("chunk_size", f"expected a positive int, got {chunk_size!r}")
    if power_of_two and (chunk_size < 16 or chunk_size & (chunk_size - 1)):
        raise LinearAttentionError(
            "chunk_size", f"the Triton kernels need a power of two >= 16, got {chunk_size}"
        )
    return chunk_size
