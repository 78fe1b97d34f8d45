"""Argument checks shared by every grouped-matmul backend.

Neither the Triton kernels nor `torch._grouped_mm` bound-check the offsets table: a bad one reads
past the end of a tensor or leaves rows unwritten instead of failing. Every backend therefore checks
its arguments here first and fails with the argument's name and a reason a caller can act on.
"""

from __future__ import annotations

import torch

from ..checks import KernelArgumentError

#: dtypes a grouped matmul accepts (the accumulation is always fp32)
FLOAT_DTYPES = (torch.float32, torch.float16, torch.bfloat16)

#: most experts one Triton launch handles (all their offsets are read as one vector)
TRITON_MAX_EXPERTS = 4096


class MoEInputError(KernelArgumentError):
    """A MoE kernel was called with an argument it cannot take (shape, dtype, device, offsets, backend)."""


def _require_tensor(name: str, value: object) -> torch.Tensor:
    if not isinstance(value, torch.Tensor):
        raise MoEInputError(name, f"expected a torch.Tensor, got {type(value).__name__}")
    return value


def check_grouped_mm_args(x: torch.Tensor, w: torch.Tensor, offs: torch.Tensor, *, check_values: bool = True) -> None:
    """Check `x [N, K] @ w[e] [K, M]` over the row groups that `offs` (int32 cumulative ends) delimits.

    `check_values` also checks the contents of `offs` (non-decreasing, first end >= 0, last end == N);
    on a GPU that costs one device-to-host copy, which callers building `offs` with `sort_by_expert`
    may skip.
    """
    _require_tensor("x", x)
    _require_tensor("w", w)
    _require_tensor("offs", offs)
    if x.dim() != 2:
        raise MoEInputError("x", f"expected a 2-D [tokens, K] tensor, got shape {tuple(x.shape)}")
    if w.dim() != 3:
        raise MoEInputError("w", f"expected a 3-D [experts, K, M] tensor, got shape {tuple(w.shape)}")
    if w.shape[0] < 1:
        raise MoEInputError("w", "holds no experts (shape[0] == 0)")
    if x.shape[1] != w.shape[1]:
        raise MoEInputError(
            "w",
            f"contraction size {w.shape[1]} does not match x's {x.shape[1]} (x {tuple(x.shape)}, w {tuple(w.shape)})",
        )
    if x.dtype not in FLOAT_DTYPES:
        raise MoEInputError("x", f"dtype {x.dtype} is not one of float32, float16, bfloat16")
    if w.dtype != x.dtype:
        raise MoEInputError("w", f"dtype {w.dtype} differs from x's {x.dtype}")
    if offs.dim() != 1 or offs.dtype != torch.int32:
        raise MoEInputError(
            "offs",
            f"expected a 1-D int32 tensor of cumulative row ends, got {offs.dtype} of shape {tuple(offs.shape)}",
        )
    if offs.shape[0] != w.shape[0]:
        raise MoEInputError("offs", f"has {offs.shape[0]} entries but w holds {w.shape[0]} experts")
    if x.device != w.device or x.device != offs.device:
        raise MoEInputError("offs", f"x, w and offs must share one device, got {x.device}, {w.device}, {offs.device}")
    if check_values:
        check_offsets_values(offs, x.shape[0])


def check_offsets_values(offs: torch.Tensor, num_rows: int) -> None:
    """Check that `offs` is a non-decreasing table of row ends starting at >= 0 and ending at `num_rows`."""
    ends = offs.to(torch.int64)
    bad = (ends[0] < 0) | (ends[-1] != num_rows)
    if ends.shape[0] > 1:
        bad = bad | (ends[1:] < ends[:-1]).any()
    if not bool(bad):
        return
    values = ends.tolist()
    if values[0] < 0:
        raise MoEInputError("offs", f"first end {values[0]} is negative")
    for e in range(1, len(values)):
        if values[e] < values[e - 1]:
            raise MoEInputError(
                "offs", f"decreases at expert {e} ({values[e - 1]} -> {values[e]}); ends must be cumulative"
            )
    raise MoEInputError("offs", f"last end {values[-1]} must equal the number of rows of x ({num_rows})")
