"""Recurrent causal linear attention in Triton, for decoding a few tokens against a carried state.

Each program keeps a [Dk, BV] slice of the state in registers and walks the new tokens one by
one, exactly as `naive.py` does:

    S = exp(-lambda_h) * S + k_t^T v_t
    o_t = scale * q_t S

One launch costs the same whether it carries one token or a handful, and nothing is recomputed
from the start of the sequence: that is what decoding needs. Forward only (decoding runs without
gradients); training uses the chunk kernels.

Layout: q, k [B, T, H, Dk], v [B, T, H, Dv] contiguous; state [B, H, Dk, Dv] float32 in and out.
"""

from __future__ import annotations

import torch
import triton
import triton.language as tl

from .triton_chunk import _autotune_configs, _check_head_dims, _check_out, _full_block, _split_block


@triton.autotune(configs=_autotune_configs(), key=["DK", "DV", "BK", "BV"])
@triton.jit
def _recurrent_fwd_kernel(
    q, k, v, rates, h0, o, final, scale,
    T,
    s_kb, s_kt, s_kh,
    s_vb, s_vt, s_vh,
    H: tl.constexpr, DK: tl.constexpr, DV: tl.constexpr,
    BK: tl.constexpr, BV: tl.constexpr, HAS_H0: tl.constexpr,
):
    i_v = tl.program_id(0)
    i_bh = tl.program_id(1)
    i_b = i_bh // H
    i_h = i_bh % H
    offs_k = tl.arange(0, BK)
    offs_v = i_v * BV + tl.arange(0, BV)
    mask_k = offs_k < DK
    mask_v = offs_v < DV
    mask_s = mask_k[:, None] & mask_v[None, :]
    s_offs = i_bh.to(tl.int64) * DK * DV + offs_k[:, None] * DV + offs_v[None, :]
    gamma = tl.exp(-tl.load(rates + i_h))

    k_base = i_b.to(tl.int64) * s_kb + i_h * s_kh + offs_k
    v_base = i_b.to(tl.int64) * s_vb + i_h * s_vh + offs_v
    if HAS_H0:
        b_s = tl.load(h0 + s_offs, mask=mask_s, other=0.0).to(tl.float32)
    else:
        b_s = tl.zeros([BK, BV], dtype=tl.float32)

    for t in range(0, T):
        b_q = tl.load(q + k_base + t * s_kt, mask=mask_k, other=0.0).to(tl.float32)
        b_k = tl.load(k + k_base + t * s_kt, mask=mask_k, other=0.0).to(tl.float32)
        b_v = tl.load(v + v_base + t * s_vt, mask=mask_v, other=0.0).to(tl.float32)
        b_s = b_s * gamma + b_k[:, None] * b_v[None, :]
        b_o = tl.sum(b_s * b_q[:, None], axis=0) * scale
        tl.store(o + v_base + t * s_vt, b_o.to(o.dtype.element_ty), mask=mask_v)

    tl.store(final + s_offs, b_s, mask=mask_s)


def recurrent_linear_attention_fwd(
    q: torch.Tensor,
    k: torch.Tensor,
    v: torch.Tensor,
    rates: torch.Tensor,
    scale: float,
    initial_state: torch.Tensor | None = None,
    block_v: int | None = None,
    out: torch.Tensor | None = None,
    final_state_out: torch.Tensor | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Run the recurrence over all T tokens of contiguous q, k, v; return (o, final state float32)."""
    B, T, H, DK = q.shape
    DV = v.shape[-1]
    _check_head_dims(DK, DV)
    BV = _split_block(DV, block_v)
    o = _check_out("out", out, (B, T, H, DV), v.dtype, v.device)
    final = _check_out("final_state_out", final_state_out, (B, H, DK, DV), torch.float32, v.device)
    h0 = initial_state.contiguous() if initial_state is not None else None
    _recurrent_fwd_kernel[(triton.cdiv(DV, BV), B * H)](
        q, k, v, rates, h0, o, final, scale,
        T,
        q.stride(0), q.stride(1), q.stride(2),
        v.stride(0), v.stride(1), v.stride(2),
        H=H, DK=DK, DV=DV, BK=_full_block(DK), BV=BV, HAS_H0=h0 is not None,
    )
    return o, final
