"""Launchers for the Triton block kernels: strides, grids and the float32 precision choice.

Imported lazily (only when the Triton backend is picked) because Triton decides at import time
whether it interprets or compiles, and importing this module imports the kernels.
"""

from __future__ import annotations

import torch
import triton

from .checks import AttentionInputError
from .triton_block_kernels import (
    LOG2E,
    attention_bwd_dkdv_kernel,
    attention_bwd_dq_kernel,
    attention_fwd_kernel,
)


def _block_d(head_dim: int) -> int:
    """Head dims that are not a power of two (60, 96, ...) are padded to one and masked."""
    return max(16, triton.next_power_of_2(head_dim))


def _precision(dtype: torch.dtype) -> str | None:
    """Exact float32 products for float32 inputs (tf32 would cost ~1e-3 relative error); half
    precision inputs keep the backend's default."""
    return "ieee" if dtype == torch.float32 else None


def _unit_last(t: torch.Tensor) -> torch.Tensor:
    return t if t.stride(-1) == 1 else t.contiguous()


def _check_unit_last(*named: tuple[str, torch.Tensor]) -> None:
    """Buffers are written in place, so they cannot be copied to fix their strides."""
    for name, t in named:
        if t.stride(-1) != 1:
            raise AttentionInputError(name, "the Triton kernels need a unit stride on the last dim")


def triton_block_forward(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, out: torch.Tensor,
                         lse: torch.Tensor, *, scale: float, causal: bool, causal_offset: int) -> None:
    """Flash-attention forward of one block into `out` and `lse` (float32, natural log)."""
    q, k, v = _unit_last(q), _unit_last(k), _unit_last(v)
    _check_unit_last(("out", out), ("lse", lse))
    batch, q_heads, q_len, head_dim = q.shape
    k_len = k.shape[2]
    group = q_heads // k.shape[1]

    if q_len == 0 or batch == 0:
        return

    def grid(meta):
        return (triton.cdiv(q_len, meta["BLOCK_M"]), batch * q_heads)

    attention_fwd_kernel[grid](
        q, k, v, out, lse,
        q.stride(0), q.stride(1), q.stride(2),
        k.stride(0), k.stride(1), k.stride(2),
        v.stride(0), v.stride(1), v.stride(2),
        out.stride(0), out.stride(1), out.stride(2),
        lse.stride(0), lse.stride(1),
        q_heads, group, q_len, k_len, head_dim, int(causal_offset), scale * LOG2E,
        IS_CAUSAL=bool(causal), PRECISION=_precision(q.dtype), BLOCK_D=_block_d(head_dim),
    )


def triton_block_backward(dout: torch.Tensor, q: torch.Tensor, k: torch.Tensor, v: torch.Tensor,
                          lse: torch.Tensor, delta: torch.Tensor, dq: torch.Tensor, dk: torch.Tensor,
                          dv: torch.Tensor, *, scale: float, causal: bool, causal_offset: int,
                          accumulate: bool) -> None:
    """dQ kernel then dK/dV kernel (two passes, no atomics); each writes or adds its gradients."""
    q, k, v, dout = _unit_last(q), _unit_last(k), _unit_last(v), _unit_last(dout)
    _check_unit_last(("dq", dq), ("dk", dk), ("dv", dv), ("lse", lse), ("delta", delta))
    batch, q_heads, q_len, head_dim = q.shape
    if batch == 0:
        return
    kv_heads, k_len = k.shape[1], k.shape[2]
    group = q_heads // kv_heads
    common = dict(IS_CAUSAL=bool(causal), ACCUMULATE=bool(accumulate), PRECISION=_precision(q.dtype),
                  BLOCK_D=_block_d(head_dim))
    scalars = (group, q_len, k_len, head_dim, int(causal_offset), scale * LOG2E, scale)

    def dq_grid(meta):
        return (triton.cdiv(q_len, meta["BLOCK_M"]), batch * q_heads)

    if q_len > 0:
        attention_bwd_dq_kernel[dq_grid](
            q, k, v, dout, lse, delta, dq,
            q.stride(0), q.stride(1), q.stride(2),
            k.stride(0), k.stride(1), k.stride(2),
            v.stride(0), v.stride(1), v.stride(2),
            dout.stride(0), dout.stride(1), dout.stride(2),
            dq.stride(0), dq.stride(1), dq.stride(2),
            lse.stride(0), lse.stride(1), delta.stride(0), delta.stride(1),
            q_heads, *scalars, **common,
        )

    def dkdv_grid(meta):
        return (triton.cdiv(k_len, meta["BLOCK_N"]), batch * kv_heads)

    if k_len > 0:
        attention_bwd_dkdv_kernel[dkdv_grid](
            q, k, v, dout, lse, delta, dk, dv,
            q.stride(0), q.stride(1), q.stride(2),
            k.stride(0), k.stride(1), k.stride(2),
            v.stride(0), v.stride(1), v.stride(2),
            dout.stride(0), dout.stride(1), dout.stride(2),
            dk.stride(0), dk.stride(1), dk.stride(2),
            dv.stride(0), dv.stride(1), dv.stride(2),
            lse.stride(0), lse.stride(1), delta.stride(0), delta.stride(1),
            kv_heads, *scalars, **common,
        )
