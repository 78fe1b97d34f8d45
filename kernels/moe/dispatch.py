"""`grouped_mm`: one entry point over the grouped-matmul backends.

`backend=` takes the values of every kernel family (`glyphctx.kernels.backend`): "auto" (the
default) picks Triton for CUDA tensors and PyTorch elsewhere; "triton" forces the kernels (tests
force it under TRITON_INTERPRET=1) and raises where they cannot run instead of silently falling
back; "torch" forces PyTorch. PyTorch means `torch._grouped_mm` where it can take the shapes and
the per-expert fp32 loop otherwise. Triton is imported only when its backend runs.
"""

from __future__ import annotations

import torch

from ..backend import choose_backend, triton_unavailable_reason
from .checks import TRITON_MAX_EXPERTS, MoEInputError, check_grouped_mm_args
from .naive import grouped_mm_loop
from .torch_grouped_mm import torch_grouped_mm, torch_grouped_mm_unsupported_reason


def _too_many_experts(w: torch.Tensor) -> str | None:
    if w.shape[0] > TRITON_MAX_EXPERTS:
        return f"the Triton kernels handle at most {TRITON_MAX_EXPERTS} experts, got {w.shape[0]}"
    return None


def triton_unsupported_reason(x: torch.Tensor, w: torch.Tensor) -> str | None:
    """Why the Triton kernels cannot take `x` and `w` in this process, or None when they can."""
    return _too_many_experts(w) or triton_unavailable_reason(x.device, x.dtype)


def select_backend(x: torch.Tensor, w: torch.Tensor) -> str:
    """The backend "auto" runs for these operands: "triton" or "torch"."""
    return choose_backend("auto", x.device, x.dtype, MoEInputError, _too_many_experts(w))


def grouped_mm(
    x: torch.Tensor,
    w: torch.Tensor,
    offs: torch.Tensor,
    *,
    backend: str = "auto",
    validate: bool = True,
) -> torch.Tensor:
    """Grouped matmul for MoE dispatch: `y[offs[e-1]:offs[e]] = x[offs[e-1]:offs[e]] @ w[e]`.

    x: `[N, K]`, rows sorted by expert; w: `[E, K, M]` (a transposed view of `[E, M, K]` weights works);
    offs: int32 `[E]` cumulative row ends, `offs[-1] == N`, as `torch._grouped_mm` takes them.
    Returns `[N, M]` in x's dtype, differentiable in x and w with every backend.
    `validate=False` skips the check of offs' values (one host synchronisation on a GPU).
    """
    check_grouped_mm_args(x, w, offs, check_values=validate)
    if choose_backend(backend, x.device, x.dtype, MoEInputError, _too_many_experts(w)) == "triton":
        from .autograd import triton_grouped_mm_autograd

        return triton_grouped_mm_autograd(x, w, offs)
    if torch_grouped_mm_unsupported_reason(x, w) is None:
        return torch_grouped_mm(x, w, offs)
    return grouped_mm_loop(x, w, offs)
