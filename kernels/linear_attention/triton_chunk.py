"""Chunked causal linear attention in Triton: forward and backward.

Same maths as `torch_chunk.py` (read that first). The sequence is cut into chunks of BT tokens; the
work splits into a short sequential scan over chunks and a fully parallel per-chunk step, so
the GPU stays busy even with few heads:

forward
  1. `_states_fwd_kernel`   scan over chunks: the [Dk, Dv] state entering every chunk
                            (and the final state). Grid: key blocks x value blocks x (B*H).
  2. `_output_fwd_kernel`   per chunk: o = scale * [(q k^T * D) v + (gamma^(i+1) q) S_in].
                            Grid: value blocks x chunks x (B*H).
backward (the entering states are recomputed by kernel 1, not stored by the forward)
  3. `_dstates_bwd_kernel`  reverse scan: G_n, the gradient reaching chunk n's state from
                            later tokens and from the final-state output; G before chunk 0 is
                            the initial state's gradient.
  4. `_dq_dk_bwd_kernel`    per chunk, dq and dk. Grid: key blocks x chunks x (B*H).
  5. `_dv_bwd_kernel`       per chunk, dv. Grid: value blocks x chunks x (B*H).

With A = scale * (dO v^T * D) and M = scale * (q k^T * D), both [chunk, chunk]:
  dq = A k + scale * gamma^(i+1) dO S_in^T
  dk = A^T q + gamma^(L-1-j) v G^T
  dv = M^T dO + gamma^(L-1-j) k G
  G_(n-1) = gamma^L G_n + (scale * gamma^(i+1) q)^T dO

Layout: q, k [B, T, H, Dk], v, o [B, T, H, Dv], all contiguous; states [B, H, Dk, Dv] float32.
Head dims that are not powers of two and lengths that are not multiples of the chunk are
handled by masked loads (zeros) and masked stores. Decay exponents are always <= 0, and the
one that would be positive (on padding rows) is masked out before use.
"""

from __future__ import annotations

import torch
import triton
import triton.language as tl

from ..backend import interpreting
from .checks import TRITON_CHUNK_SIZE, TRITON_MAX_HEAD_DIM, LinearAttentionError

#: the interpreter runs programs one after another on the CPU: one config, few programs
INTERPRETED = interpreting()


def _autotune_configs() -> list:
    if INTERPRETED:
        return [triton.Config({}, num_warps=4, num_stages=1)]
    return [triton.Config({}, num_warps=w, num_stages=s) for w in (2, 4, 8) for s in (1, 2, 3)]


@triton.jit
def _intra_decay(offs_t, lam):
    """D[i, j] = exp(-lam * (i - j)) for j <= i, else 0."""
    gap = offs_t[:, None] - offs_t[None, :]
    return tl.where(gap >= 0, tl.exp(-lam * tl.maximum(gap, 0)), 0.0)


@triton.jit
def _key_decay(offs_t, n_valid, lam):
    """exp(-lam * (L - 1 - j)) for the L valid rows of a chunk, 0 for padding rows."""
    return tl.where(offs_t < n_valid, tl.exp(-lam * tl.maximum(n_valid - 1 - offs_t, 0)), 0.0)


@triton.autotune(configs=_autotune_configs(), key=["DK", "DV", "BT", "BK", "BV"])
@triton.jit
def _states_fwd_kernel(
    k, v, rates, h0, states, final,
    T, NT,
    s_kb, s_kt, s_kh,
    s_vb, s_vt, s_vh,
    H: tl.constexpr, DK: tl.constexpr, DV: tl.constexpr,
    BT: tl.constexpr, BK: tl.constexpr, BV: tl.constexpr,
    HAS_H0: tl.constexpr, STORE_FINAL: tl.constexpr, PREC: tl.constexpr,
):
    i_k = tl.program_id(0)
    i_v = tl.program_id(1)
    i_bh = tl.program_id(2)
    i_b = i_bh // H
    i_h = i_bh % H
    offs_t = tl.arange(0, BT)
    offs_k = i_k * BK + tl.arange(0, BK)
    offs_v = i_v * BV + tl.arange(0, BV)
    mask_k = offs_k < DK
    mask_v = offs_v < DV
    mask_s = mask_k[:, None] & mask_v[None, :]
    s_offs = offs_k[:, None] * DV + offs_v[None, :]
    lam = tl.load(rates + i_h)

    bh = i_bh.to(tl.int64)
    k_base = k + i_b.to(tl.int64) * s_kb + i_h * s_kh
    v_base = v + i_b.to(tl.int64) * s_vb + i_h * s_vh
    states_base = states + bh * NT * DK * DV

    if HAS_H0:
        b_s = tl.load(h0 + bh * DK * DV + s_offs, mask=mask_s, other=0.0).to(tl.float32)
    else:
        b_s = tl.zeros([BK, BV], dtype=tl.float32)

    for i_t in range(0, NT):
        tl.store(states_base + i_t * DK * DV + s_offs, b_s, mask=mask_s)
        rows = (i_t * BT + offs_t).to(tl.int64)
        mask_t = rows < T
        b_k = tl.load(k_base + rows[:, None] * s_kt + offs_k[None, :],
                      mask=mask_t[:, None] & mask_k[None, :], other=0.0)
        b_v = tl.load(v_base + rows[:, None] * s_vt + offs_v[None, :],
                      mask=mask_t[:, None] & mask_v[None, :], other=0.0)
        n_valid = tl.minimum(T - i_t * BT, BT)
        b_kd = (b_k * _key_decay(offs_t, n_valid, lam)[:, None]).to(b_k.dtype)
        b_s = b_s * tl.exp(-lam * n_valid) + tl.dot(tl.trans(b_kd), b_v, input_precision=PREC)

    if STORE_FINAL:
        tl.store(final + bh * DK * DV + s_offs, b_s, mask=mask_s)


@triton.autotune(configs=_autotune_configs(), key=["DK", "DV", "BT", "BK", "BV"])
@triton.jit
def _output_fwd_kernel(
    q, k, v, rates, states, o, scale,
    T, NT,
    s_kb, s_kt, s_kh,
    s_vb, s_vt, s_vh,
    H: tl.constexpr, DK: tl.constexpr, DV: tl.constexpr,
    BT: tl.constexpr, BK: tl.constexpr, BV: tl.constexpr, PREC: tl.constexpr,
):
    i_v = tl.program_id(0)
    i_t = tl.program_id(1)
    i_bh = tl.program_id(2)
    i_b = i_bh // H
    i_h = i_bh % H
    offs_t = tl.arange(0, BT)
    offs_k = tl.arange(0, BK)
    offs_v = i_v * BV + tl.arange(0, BV)
    mask_k = offs_k < DK
    mask_v = offs_v < DV
    rows = (i_t * BT + offs_t).to(tl.int64)
    mask_t = rows < T
    lam = tl.load(rates + i_h)

    k_offs = i_b.to(tl.int64) * s_kb + i_h * s_kh + rows[:, None] * s_kt + offs_k[None, :]
    v_offs = i_b.to(tl.int64) * s_vb + i_h * s_vh + rows[:, None] * s_vt + offs_v[None, :]
    mask_tk = mask_t[:, None] & mask_k[None, :]
    mask_tv = mask_t[:, None] & mask_v[None, :]
    b_q = tl.load(q + k_offs, mask=mask_tk, other=0.0)
    b_k = tl.load(k + k_offs, mask=mask_tk, other=0.0)
    b_v = tl.load(v + v_offs, mask=mask_tv, other=0.0)
    s_ptr = states + (i_bh.to(tl.int64) * NT + i_t) * DK * DV + offs_k[:, None] * DV + offs_v[None, :]
    b_s = tl.load(s_ptr, mask=mask_k[:, None] & mask_v[None, :], other=0.0)

    scores = tl.dot(b_q, tl.trans(b_k), input_precision=PREC) * _intra_decay(offs_t, lam)
    b_o = tl.dot(scores.to(b_v.dtype), b_v, input_precision=PREC)
    q_decay = tl.exp(-lam * (offs_t + 1))
    b_o += tl.dot(b_q, b_s.to(b_q.dtype), input_precision=PREC) * q_decay[:, None]
    tl.store(o + v_offs, (b_o * scale).to(o.dtype.element_ty), mask=mask_tv)


@triton.autotune(configs=_autotune_configs(), key=["DK", "DV", "BT", "BK", "BV"])
@triton.jit
def _dstates_bwd_kernel(
    q, do, rates, dfinal, dstates, dh0, scale,
    T, NT,
    s_kb, s_kt, s_kh,
    s_vb, s_vt, s_vh,
    H: tl.constexpr, DK: tl.constexpr, DV: tl.constexpr,
    BT: tl.constexpr, BK: tl.constexpr, BV: tl.constexpr,
    HAS_DFINAL: tl.constexpr, STORE_DH0: tl.constexpr, PREC: tl.constexpr,
):
    i_k = tl.program_id(0)
    i_v = tl.program_id(1)
    i_bh = tl.program_id(2)
    i_b = i_bh // H
    i_h = i_bh % H
    offs_t = tl.arange(0, BT)
    offs_k = i_k * BK + tl.arange(0, BK)
    offs_v = i_v * BV + tl.arange(0, BV)
    mask_k = offs_k < DK
    mask_v = offs_v < DV
    mask_s = mask_k[:, None] & mask_v[None, :]
    s_offs = offs_k[:, None] * DV + offs_v[None, :]
    lam = tl.load(rates + i_h)
    q_decay = tl.exp(-lam * (offs_t + 1)) * scale

    bh = i_bh.to(tl.int64)
    q_base = q + i_b.to(tl.int64) * s_kb + i_h * s_kh
    do_base = do + i_b.to(tl.int64) * s_vb + i_h * s_vh
    dstates_base = dstates + bh * NT * DK * DV

    if HAS_DFINAL:
        b_g = tl.load(dfinal + bh * DK * DV + s_offs, mask=mask_s, other=0.0).to(tl.float32)
    else:
        b_g = tl.zeros([BK, BV], dtype=tl.float32)

    for i_rev in range(0, NT):
        i_t = NT - 1 - i_rev
        tl.store(dstates_base + i_t * DK * DV + s_offs, b_g, mask=mask_s)
        rows = (i_t * BT + offs_t).to(tl.int64)
        mask_t = rows < T
        b_q = tl.load(q_base + rows[:, None] * s_kt + offs_k[None, :],
                      mask=mask_t[:, None] & mask_k[None, :], other=0.0)
        b_do = tl.load(do_base + rows[:, None] * s_vt + offs_v[None, :],
                       mask=mask_t[:, None] & mask_v[None, :], other=0.0)
        n_valid = tl.minimum(T - i_t * BT, BT)
        b_qd = (b_q * q_decay[:, None]).to(b_q.dtype)
        b_g = b_g * tl.exp(-lam * n_valid) + tl.dot(tl.trans(b_qd), b_do, input_precision=PREC)

    if STORE_DH0:
        tl.store(dh0 + bh * DK * DV + s_offs, b_g, mask=mask_s)


@triton.autotune(configs=_autotune_configs(), key=["DK", "DV", "BT", "BK", "BV"])
@triton.jit
def _dq_dk_bwd_kernel(
    q, k, v, do, rates, states, dstates, dq, dk, scale,
    T, NT,
    s_kb, s_kt, s_kh,
    s_vb, s_vt, s_vh,
    H: tl.constexpr, DK: tl.constexpr, DV: tl.constexpr,
    BT: tl.constexpr, BK: tl.constexpr, BV: tl.constexpr, PREC: tl.constexpr,
):
    i_k = tl.program_id(0)
    i_t = tl.program_id(1)
    i_bh = tl.program_id(2)
    i_b = i_bh // H
    i_h = i_bh % H
    offs_t = tl.arange(0, BT)
    offs_k = i_k * BK + tl.arange(0, BK)
    offs_v = tl.arange(0, BV)
    mask_k = offs_k < DK
    mask_v = offs_v < DV
    rows = (i_t * BT + offs_t).to(tl.int64)
    mask_t = rows < T
    lam = tl.load(rates + i_h)
    n_valid = tl.minimum(T - i_t * BT, BT)

    k_offs = i_b.to(tl.int64) * s_kb + i_h * s_kh + rows[:, None] * s_kt + offs_k[None, :]
    v_offs = i_b.to(tl.int64) * s_vb + i_h * s_vh + rows[:, None] * s_vt + offs_v[None, :]
    mask_tk = mask_t[:, None] & mask_k[None, :]
    mask_tv = mask_t[:, None] & mask_v[None, :]
    b_q = tl.load(q + k_offs, mask=mask_tk, other=0.0)
    b_k = tl.load(k + k_offs, mask=mask_tk, other=0.0)
    b_v = tl.load(v + v_offs, mask=mask_tv, other=0.0)
    b_do = tl.load(do + v_offs, mask=mask_tv, other=0.0)
    s_offs = (i_bh.to(tl.int64) * NT + i_t) * DK * DV + offs_k[:, None] * DV + offs_v[None, :]
    mask_s = mask_k[:, None] & mask_v[None, :]
    b_s = tl.load(states + s_offs, mask=mask_s, other=0.0)
    b_g = tl.load(dstates + s_offs, mask=mask_s, other=0.0)

    b_a = tl.dot(b_do, tl.trans(b_v), input_precision=PREC) * _intra_decay(offs_t, lam) * scale
    q_decay = tl.exp(-lam * (offs_t + 1)) * scale
    b_dq = tl.dot(b_a.to(b_k.dtype), b_k, input_precision=PREC)
    b_dq += tl.dot(b_do, tl.trans(b_s).to(b_do.dtype), input_precision=PREC) * q_decay[:, None]
    b_dk = tl.dot(tl.trans(b_a).to(b_q.dtype), b_q, input_precision=PREC)
    k_decay = _key_decay(offs_t, n_valid, lam)
    b_dk += tl.dot(b_v, tl.trans(b_g).to(b_v.dtype), input_precision=PREC) * k_decay[:, None]
    tl.store(dq + k_offs, b_dq.to(dq.dtype.element_ty), mask=mask_tk)
    tl.store(dk + k_offs, b_dk.to(dk.dtype.element_ty), mask=mask_tk)


@triton.autotune(configs=_autotune_configs(), key=["DK", "DV", "BT", "BK", "BV"])
@triton.jit
def _dv_bwd_kernel(
    q, k, do, rates, dstates, dv, scale,
    T, NT,
    s_kb, s_kt, s_kh,
    s_vb, s_vt, s_vh,
    H: tl.constexpr, DK: tl.constexpr, DV: tl.constexpr,
    BT: tl.constexpr, BK: tl.constexpr, BV: tl.constexpr, PREC: tl.constexpr,
):
    i_v = tl.program_id(0)
    i_t = tl.program_id(1)
    i_bh = tl.program_id(2)
    i_b = i_bh // H
    i_h = i_bh % H
    offs_t = tl.arange(0, BT)
    offs_k = tl.arange(0, BK)
    offs_v = i_v * BV + tl.arange(0, BV)
    mask_k = offs_k < DK
    mask_v = offs_v < DV
    rows = (i_t * BT + offs_t).to(tl.int64)
    mask_t = rows < T
    lam = tl.load(rates + i_h)
    n_valid = tl.minimum(T - i_t * BT, BT)

    k_offs = i_b.to(tl.int64) * s_kb + i_h * s_kh + rows[:, None] * s_kt + offs_k[None, :]
    v_offs = i_b.to(tl.int64) * s_vb + i_h * s_vh + rows[:, None] * s_vt + offs_v[None, :]
    mask_tk = mask_t[:, None] & mask_k[None, :]
    mask_tv = mask_t[:, None] & mask_v[None, :]
    b_q = tl.load(q + k_offs, mask=mask_tk, other=0.0)
    b_k = tl.load(k + k_offs, mask=mask_tk, other=0.0)
    b_do = tl.load(do + v_offs, mask=mask_tv, other=0.0)
    g_ptr = dstates + (i_bh.to(tl.int64) * NT + i_t) * DK * DV + offs_k[:, None] * DV + offs_v[None, :]
    b_g = tl.load(g_ptr, mask=mask_k[:, None] & mask_v[None, :], other=0.0)

    b_m = tl.dot(b_q, tl.trans(b_k), input_precision=PREC) * _intra_decay(offs_t, lam) * scale
    b_dv = tl.dot(tl.trans(b_m).to(b_do.dtype), b_do, input_precision=PREC)
    k_decay = _key_decay(offs_t, n_valid, lam)
    b_dv += tl.dot(b_k, b_g.to(b_k.dtype), input_precision=PREC) * k_decay[:, None]
    tl.store(dv + v_offs, b_dv.to(dv.dtype.element_ty), mask=mask_tv)


# ----------------------------------------------------------------------------------------------
# launchers


def _dot_precision(dtype: torch.dtype) -> str:
    # float32 inputs get exact float32 products (not TF32), so they match the float32 reference
    return "ieee" if dtype == torch.float32 else "tf32"


def _full_block(dim: int) -> int:
    return max(16, triton.next_power_of_2(dim))


def _split_block(dim: int, requested: int | None) -> int:
    """Tile width along a head dim that the grid splits over.

    Whole dim under the interpreter (fewer programs is what makes it fast); 64 on the GPU.
    """
    if requested is not None:
        if requested < 16 or requested & (requested - 1):
            raise LinearAttentionError("block_k/block_v", f"must be a power of two >= 16, got {requested}")
        return min(requested, _full_block(dim))
    return _full_block(dim) if INTERPRETED else min(64, _full_block(dim))


def _check_out(name: str, buf: torch.Tensor | None, shape: tuple, dtype: torch.dtype, device) -> torch.Tensor:
    if buf is None:
        return torch.empty(shape, dtype=dtype, device=device)
    if tuple(buf.shape) != tuple(shape) or buf.dtype != dtype or buf.device != device or not buf.is_contiguous():
        raise LinearAttentionError(
            name,
            f"expected a contiguous {dtype} buffer of shape {tuple(shape)} on {device}, "
            f"got {buf.dtype} {tuple(buf.shape)} on {buf.device}"
        )
    return buf


def _check_head_dims(key_dim: int, value_dim: int) -> None:
    if key_dim > TRITON_MAX_HEAD_DIM or value_dim > TRITON_MAX_HEAD_DIM:
        raise LinearAttentionError(
            "q/v", f"the Triton kernels take head dims up to {TRITON_MAX_HEAD_DIM}, got {key_dim} and {value_dim}"
        )


def chunk_states_fwd(
    k: torch.Tensor,
    v: torch.Tensor,
    rates: torch.Tensor,
    initial_state: torch.Tensor | None,
    chunk_size: int,
    output_final_state: bool,
    block_k: int | None = None,
    block_v: int | None = None,
    final_state_out: torch.Tensor | None = None,
) -> tuple[torch.Tensor, torch.Tensor | None]:
    """States entering each chunk [B, H, N, Dk, Dv] float32, and the final state (or None)."""
    B, T, H, DK = k.shape
    DV = v.shape[-1]
    _check_head_dims(DK, DV)
    NT = triton.cdiv(T, chunk_size)
    BK, BV = _split_block(DK, block_k), _split_block(DV, block_v)
    states = torch.empty(B, H, NT, DK, DV, dtype=torch.float32, device=k.device)
    final = None
    if output_final_state:
        final = _check_out("final_state_out", final_state_out, (B, H, DK, DV), torch.float32, k.device)
    h0 = initial_state.contiguous() if initial_state is not None else None
    grid = (triton.cdiv(DK, BK), triton.cdiv(DV, BV), B * H)
    _states_fwd_kernel[grid](
        k, v, rates, h0, states, final,
        T, NT,
        k.stride(0), k.stride(1), k.stride(2),
        v.stride(0), v.stride(1), v.stride(2),
        H=H, DK=DK, DV=DV, BT=chunk_size, BK=BK, BV=BV,
        HAS_H0=h0 is not None, STORE_FINAL=final is not None, PREC=_dot_precision(k.dtype),
    )
    return states, final


def chunk_linear_attention_fwd(
    q: torch.Tensor,
    k: torch.Tensor,
    v: torch.Tensor,
    rates: torch.Tensor,
    scale: float,
    initial_state: torch.Tensor | None = None,
    output_final_state: bool = False,
    chunk_size: int = TRITON_CHUNK_SIZE,
    block_k: int | None = None,
    block_v: int | None = None,
    out: torch.Tensor | None = None,
    final_state_out: torch.Tensor | None = None,
) -> tuple[torch.Tensor, torch.Tensor | None]:
    """Forward pass on contiguous q, k [B, T, H, Dk], v [B, T, H, Dv] and float32 rates [H].

    Returns (o in v's dtype, final state float32 or None). `out` / `final_state_out` let a caller
    supply the result buffers (tests fill them with NaN so an unwritten element shows).
    """
    B, T, H, DK = q.shape
    DV = v.shape[-1]
    states, final = chunk_states_fwd(
        k, v, rates, initial_state, chunk_size, output_final_state, block_k, block_v, final_state_out
    )
    o = _check_out("out", out, (B, T, H, DV), v.dtype, v.device)
    NT = states.shape[2]
    BV = _split_block(DV, block_v)
    grid = (triton.cdiv(DV, BV), NT, B * H)
    _output_fwd_kernel[grid](
        q, k, v, rates, states, o, scale,
        T, NT,
        q.stride(0), q.stride(1), q.stride(2),
        v.stride(0), v.stride(1), v.stride(2),
        H=H, DK=DK, DV=DV, BT=chunk_size, BK=_full_block(DK), BV=BV, PREC=_dot_precision(q.dtype),
    )
    return o, final


def chunk_linear_attention_bwd(
    q: torch.Tensor,
    k: torch.Tensor,
    v: torch.Tensor,
    rates: torch.Tensor,
    scale: float,
    do: torch.Tensor,
    initial_state: torch.Tensor | None = None,
    dfinal: torch.Tensor | None = None,
    need_dh0: bool = False,
    chunk_size: int = TRITON_CHUNK_SIZE,
    block_k: int | None = None,
    block_v: int | None = None,
    dq: torch.Tensor | None = None,
    dk: torch.Tensor | None = None,
    dv: torch.Tensor | None = None,
    dh0: torch.Tensor | None = None,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor | None]:
    """Backward pass: gradients of q, k, v and (if `need_dh0`) of the initial state.

    `do` is the gradient of o (contiguous, o's shape); `dfinal` the gradient reaching the final
    state output (None when it had none). dh0 is float32.
    """
    B, T, H, DK = q.shape
    DV = v.shape[-1]
    states, _ = chunk_states_fwd(k, v, rates, initial_state, chunk_size, False, block_k, block_v)
    NT = states.shape[2]
    BKs, BVs = _split_block(DK, block_k), _split_block(DV, block_v)
    BK, BV = _full_block(DK), _full_block(DV)
    prec = _dot_precision(q.dtype)
    strides = (q.stride(0), q.stride(1), q.stride(2), v.stride(0), v.stride(1), v.stride(2))

    dstates = torch.empty_like(states)
    dh0 = _check_out("dh0", dh0, (B, H, DK, DV), torch.float32, q.device) if need_dh0 else None
    dfinal = dfinal.contiguous() if dfinal is not None else None
    _dstates_bwd_kernel[(triton.cdiv(DK, BKs), triton.cdiv(DV, BVs), B * H)](
        q, do, rates, dfinal, dstates, dh0, scale,
        T, NT, *strides,
        H=H, DK=DK, DV=DV, BT=chunk_size, BK=BKs, BV=BVs,
        HAS_DFINAL=dfinal is not None, STORE_DH0=dh0 is not None, PREC=prec,
    )

    dq = _check_out("dq", dq, tuple(q.shape), q.dtype, q.device)
    dk = _check_out("dk", dk, tuple(k.shape), k.dtype, k.device)
    dv = _check_out("dv", dv, tuple(v.shape), v.dtype, v.device)
    _dq_dk_bwd_kernel[(triton.cdiv(DK, BKs), NT, B * H)](
        q, k, v, do, rates, states, dstates, dq, dk, scale,
        T, NT, *strides,
        H=H, DK=DK, DV=DV, BT=chunk_size, BK=BKs, BV=BV, PREC=prec,
    )
    _dv_bwd_kernel[(triton.cdiv(DV, BVs), NT, B * H)](
        q, k, do, rates, dstates, dv, scale,
        T, NT, *strides,
        H=H, DK=DK, DV=DV, BT=chunk_size, BK=BK, BV=BVs, PREC=prec,
    )
    return dq, dk, dv, dh0
