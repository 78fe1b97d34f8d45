"""Argument checks shared by the attention entry points, and the error they raise.

Shape mistakes in attention otherwise surface as a broadcasting error deep inside a matmul, a Triton
out-of-bounds read, or a ring that hangs because two ranks disagree on a buffer size. Checking up
front turns them into one `AttentionInputError` that names the argument and says what was expected.
"""

from __future__ import annotations

import torch

from ..checks import KernelArgumentError
from ..checks import resolve_scale as _resolve_scale

SUPPORTED_DTYPES = (torch.float32, torch.float16, torch.bfloat16)


class AttentionInputError(KernelArgumentError):
    """A tensor or option passed to an attention kernel is unusable (shape, dtype, device, backend)."""


def check_qkv(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor) -> None:
    """q [B, Hq, Tq, D]; k, v [B, Hkv, Tk, D] with Hq a multiple of Hkv; one dtype, one device."""
    for name, t in (("q", q), ("k", k), ("v", v)):
        if not isinstance(t, torch.Tensor):
            raise AttentionInputError(name, f"expected a torch.Tensor, got {type(t).__name__}")
        if t.dim() != 4:
            raise AttentionInputError(
                name, f"expected 4 dims [batch, heads, seq, head_dim], got shape {tuple(t.shape)}")
        if t.dtype not in SUPPORTED_DTYPES:
            raise AttentionInputError(name, f"dtype {t.dtype} not supported (float32, float16, bfloat16)")
    if k.shape != v.shape:
        raise AttentionInputError("k and v", f"shapes differ, {tuple(k.shape)} vs {tuple(v.shape)}")
    if q.shape[0] != k.shape[0]:
        raise AttentionInputError("q and k", f"batch sizes differ, {q.shape[0]} vs {k.shape[0]}")
    if q.shape[3] != k.shape[3]:
        raise AttentionInputError("q and k", f"head dims differ, {q.shape[3]} vs {k.shape[3]}")
    if q.shape[1] == 0 or q.shape[3] == 0:
        raise AttentionInputError("q", f"needs at least one head and a head dim above 0, got shape {tuple(q.shape)}")
    if k.shape[1] == 0 or q.shape[1] % k.shape[1] != 0:
        raise AttentionInputError(
            "q and k", f"query heads ({q.shape[1]}) must be a multiple of key/value heads ({k.shape[1]})")
    if not (q.dtype == k.dtype == v.dtype):
        raise AttentionInputError("q, k, v", f"dtypes differ ({q.dtype}, {k.dtype}, {v.dtype})")
    if not (q.device == k.device == v.device):
        raise AttentionInputError("q, k, v", f"devices differ ({q.device}, {k.device}, {v.device})")


def check_like(name: str, t: torch.Tensor, shape: tuple[int, ...], dtype: torch.dtype | None,
               device: torch.device) -> None:
    """A caller-supplied buffer or gradient must match the shape (and dtype, if given) it stands for."""
    if not isinstance(t, torch.Tensor):
        raise AttentionInputError(name, f"expected a torch.Tensor, got {type(t).__name__}")
    if tuple(t.shape) != tuple(shape):
        raise AttentionInputError(name, f"expected shape {tuple(shape)}, got {tuple(t.shape)}")
    if dtype is not None and t.dtype != dtype:
        raise AttentionInputError(name, f"expected dtype {dtype}, got {t.dtype}")
    if t.device != device:
        raise AttentionInputError(name, f"expected device {device}, got {t.device}")


def resolve_scale(scale: float | None, head_dim: int) -> float:
    """Softmax scale; 1/sqrt(head_dim) unless given."""
    return _resolve_scale(AttentionInputError, scale, head_dim)
