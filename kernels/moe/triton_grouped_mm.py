"""Triton kernels for the grouped matmul of MoE dispatch: rows sorted by expert, one weight per expert.

Two kernels cover forward and backward:
- `_grouped_rows_kernel`: `C[rows of e] = A[rows of e] @ B[e]`. The forward (A = x, B = w) and the
  input gradient (A = dy, B = w transposed through its strides) are both this kernel.
- `_grouped_weight_grad_kernel`: `dW[e] = x[rows of e]^T @ dy[rows of e]`, one program per
  (expert, tile of dW[e]); an expert with no rows gets zeros.

Row tiles never straddle two experts. Each program finds its expert from `offs` on the device (a
cumulative sum of tiles per expert over one vector of all experts), so a launch needs no host copy
of the offsets and no synchronisation: the grid is sized for the worst case, ceil(N / BLOCK_N) + E
row tiles, and programs past the last real tile return at once.

Under TRITON_INTERPRET=1 (read when this module is imported, as `triton.jit` does) each kernel has
a single large-block config, so tests run few program instances and nothing is autotuned.
"""

from __future__ import annotations

import torch
import triton
import triton.language as tl

from ..backend import interpreting
from .checks import MoEInputError

#: whether the kernels below run in Triton's CPU interpreter (fixed when this module is imported)
INTERPRETED = interpreting()


def _rows_configs() -> list[triton.Config]:
    if INTERPRETED:
        return [triton.Config({"BLOCK_N": 32, "BLOCK_M": 32, "BLOCK_K": 32}, num_warps=4, num_stages=1)]
    shapes = [
        (128, 128, 64, 8, 3),
        (128, 128, 32, 4, 4),
        (64, 128, 64, 4, 4),
        (128, 64, 64, 4, 4),
        (64, 64, 64, 4, 4),
        (64, 256, 32, 8, 3),
        (128, 256, 64, 8, 3),
    ]
    return [
        triton.Config({"BLOCK_N": n, "BLOCK_M": m, "BLOCK_K": k}, num_warps=warps, num_stages=stages)
        for n, m, k, warps, stages in shapes
    ]


def _weight_grad_configs() -> list[triton.Config]:
    if INTERPRETED:
        return [triton.Config({"BLOCK_K": 32, "BLOCK_M": 32, "BLOCK_N": 32}, num_warps=4, num_stages=1)]
    shapes = [
        (128, 128, 32, 8, 3),
        (128, 128, 64, 8, 3),
        (64, 128, 64, 4, 4),
        (128, 64, 64, 4, 4),
        (64, 64, 64, 4, 4),
    ]
    return [
        triton.Config({"BLOCK_K": k, "BLOCK_M": m, "BLOCK_N": n}, num_warps=warps, num_stages=stages)
        for k, m, n, warps, stages in shapes
    ]


@triton.autotune(configs=_rows_configs(), key=["K", "M"])
@triton.jit
def _grouped_rows_kernel(
    a_ptr,
    b_ptr,
    c_ptr,
    offs_ptr,
    K,
    M,
    E,
    stride_an,
    stride_ak,
    stride_be,
    stride_bk,
    stride_bm,
    stride_cn,
    stride_cm,
    INPUT_PRECISION: tl.constexpr,
    BLOCK_E: tl.constexpr,
    BLOCK_N: tl.constexpr,
    BLOCK_M: tl.constexpr,
    BLOCK_K: tl.constexpr,
):
    tile = tl.program_id(0)
    pid_m = tl.program_id(1)

    # per-expert row ranges and row-tile counts, for all experts at once
    experts = tl.arange(0, BLOCK_E)
    ends = tl.load(offs_ptr + experts, mask=experts < E, other=0)
    starts = tl.load(offs_ptr + experts - 1, mask=(experts > 0) & (experts < E), other=0)
    tiles = (ends - starts + BLOCK_N - 1) // BLOCK_N
    tiles_end = tl.cumsum(tiles, axis=0)
    if tile >= tl.sum(tiles, axis=0):
        return
    expert = tl.sum((tiles_end <= tile).to(tl.int32), axis=0)
    mine = experts == expert
    first_tile = tl.sum(tl.where(mine, tiles_end - tiles, 0), axis=0)
    row_start = tl.sum(tl.where(mine, starts, 0), axis=0)
    row_end = tl.sum(tl.where(mine, ends, 0), axis=0)

    rows = row_start + (tile - first_tile) * BLOCK_N + tl.arange(0, BLOCK_N)
    row_ok = rows < row_end
    rows64 = rows.to(tl.int64)
    cols = pid_m * BLOCK_M + tl.arange(0, BLOCK_M)
    col_ok = cols < M
    ks = tl.arange(0, BLOCK_K)

    a_ptrs = a_ptr + rows64[:, None] * stride_an + ks[None, :] * stride_ak
    b_ptrs = b_ptr + expert.to(tl.int64) * stride_be + ks[:, None] * stride_bk + cols[None, :] * stride_bm
    acc = tl.zeros((BLOCK_N, BLOCK_M), dtype=tl.float32)
    for k0 in range(0, K, BLOCK_K):
        k_ok = ks < K - k0
        a = tl.load(a_ptrs, mask=row_ok[:, None] & k_ok[None, :], other=0.0)
        b = tl.load(b_ptrs, mask=k_ok[:, None] & col_ok[None, :], other=0.0)
        acc = tl.dot(a, b, acc, input_precision=INPUT_PRECISION)
        a_ptrs += BLOCK_K * stride_ak
        b_ptrs += BLOCK_K * stride_bk

    c_ptrs = c_ptr + rows64[:, None] * stride_cn + cols[None, :] * stride_cm
    tl.store(c_ptrs, acc.to(c_ptr.dtype.element_ty), mask=row_ok[:, None] & col_ok[None, :])


@triton.autotune(configs=_weight_grad_configs(), key=["K", "M"])
@triton.jit
def _grouped_weight_grad_kernel(
    x_ptr,
    dy_ptr,
    dw_ptr,
    offs_ptr,
    K,
    M,
    stride_xn,
    stride_xk,
    stride_yn,
    stride_ym,
    stride_we,
    stride_wk,
    stride_wm,
    INPUT_PRECISION: tl.constexpr,
    BLOCK_K: tl.constexpr,
    BLOCK_M: tl.constexpr,
    BLOCK_N: tl.constexpr,
):
    pid = tl.program_id(0)
    expert = tl.program_id(1)
    tiles_m = tl.cdiv(M, BLOCK_M)
    pid_k = pid // tiles_m
    pid_m = pid % tiles_m

    row_start = tl.load(offs_ptr + expert - 1, mask=expert > 0, other=0)
    row_end = tl.load(offs_ptr + expert)

    ks = pid_k * BLOCK_K + tl.arange(0, BLOCK_K)
    k_ok = ks < K
    cols = pid_m * BLOCK_M + tl.arange(0, BLOCK_M)
    col_ok = cols < M
    lane = tl.arange(0, BLOCK_N)

    acc = tl.zeros((BLOCK_K, BLOCK_M), dtype=tl.float32)
    for n0 in range(row_start, row_end, BLOCK_N):
        rows = n0 + lane
        row_ok = rows < row_end
        rows64 = rows.to(tl.int64)
        xt = tl.load(
            x_ptr + ks[:, None] * stride_xk + rows64[None, :] * stride_xn,
            mask=k_ok[:, None] & row_ok[None, :],
            other=0.0,
        )
        g = tl.load(
            dy_ptr + rows64[:, None] * stride_yn + cols[None, :] * stride_ym,
            mask=row_ok[:, None] & col_ok[None, :],
            other=0.0,
        )
        acc = tl.dot(xt, g, acc, input_precision=INPUT_PRECISION)

    dw_ptrs = dw_ptr + expert.to(tl.int64) * stride_we + ks[:, None] * stride_wk + cols[None, :] * stride_wm
    tl.store(dw_ptrs, acc.to(dw_ptr.dtype.element_ty), mask=k_ok[:, None] & col_ok[None, :])


def _input_precision(dtype: torch.dtype) -> str:
    """tf32 for fp32 inputs only where torch itself allows it for matmuls; exact fp32 otherwise."""
    if dtype == torch.float32 and torch.get_float32_matmul_precision() != "highest":
        return "tf32"
    return "ieee"


def _output(out: torch.Tensor | None, shape: tuple[int, ...], like: torch.Tensor) -> torch.Tensor:
    if out is None:
        return torch.empty(shape, device=like.device, dtype=like.dtype)
    if tuple(out.shape) != shape or out.dtype != like.dtype or out.device != like.device:
        raise MoEInputError(
            "out",
            f"expected {like.dtype} of shape {shape} on {like.device}, "
            f"got {out.dtype} of shape {tuple(out.shape)} on {out.device}",
        )
    return out


def triton_grouped_mm(
    a: torch.Tensor, b: torch.Tensor, offs: torch.Tensor, *, out: torch.Tensor | None = None
) -> torch.Tensor:
    """`out[rows of e] = a[rows of e] @ b[e]` for `a [N, K]`, `b [E, K, M]` (any strides), int32 `offs [E]`.

    Every row of `out` is written when `offs[-1] == N`; arguments are assumed already checked.
    """
    n, k = a.shape
    e, _, m = b.shape
    out = _output(out, (n, m), a)
    if n == 0 or m == 0:
        return out

    def grid(meta):
        return (triton.cdiv(n, meta["BLOCK_N"]) + e, triton.cdiv(m, meta["BLOCK_M"]))

    _grouped_rows_kernel[grid](
        a,
        b,
        out,
        offs,
        k,
        m,
        e,
        a.stride(0),
        a.stride(1),
        b.stride(0),
        b.stride(1),
        b.stride(2),
        out.stride(0),
        out.stride(1),
        INPUT_PRECISION=_input_precision(a.dtype),
        BLOCK_E=max(16, triton.next_power_of_2(e)),
    )
    return out


def triton_grouped_mm_weight_grad(
    x: torch.Tensor, dy: torch.Tensor, offs: torch.Tensor, *, out: torch.Tensor | None = None
) -> torch.Tensor:
    """`out[e] = x[rows of e]^T @ dy[rows of e]` -> `[E, K, M]`; experts with no rows get zeros."""
    k = x.shape[1]
    m = dy.shape[1]
    e = offs.shape[0]
    out = _output(out, (e, k, m), x)
    if k == 0 or m == 0:
        return out

    def grid(meta):
        return (triton.cdiv(k, meta["BLOCK_K"]) * triton.cdiv(m, meta["BLOCK_M"]), e)

    _grouped_weight_grad_kernel[grid](
        x,
        dy,
        out,
        offs,
        k,
        m,
        x.stride(0),
        x.stride(1),
        dy.stride(0),
        dy.stride(1),
        out.stride(0),
        out.stride(1),
        out.stride(2),
        INPUT_PRECISION=_input_precision(x.dtype),
    )
    return out
