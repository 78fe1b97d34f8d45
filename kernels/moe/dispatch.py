"""`grouped_mm`: one entry point over the three grouped-matmul backends.

`auto` picks Triton for CUDA tensors, `torch._grouped_mm` elsewhere when it can take the shapes,
and the per-expert loop otherwise. Naming a backend forces it (tests force "triton" under
TRITON_INTERPRET=1); a forced backend that cannot run raises instead of silently falling back.
Triton is imported only when its backend is asked about, so this module loads without it.
"""

from __future__ import annotations

import importlib.util

import torch

from .naive import grouped_mm_loop
from .torch_grouped_mm import torch_grouped_mm, torch_grouped_mm_unsupported_reason
from .validation import MoEInputError, check_grouped_mm_args

#: accepted values of `backend=`
BACKENDS = ("auto", "triton", "torch_grouped_mm", "loop")


def triton_unsupported_reason(x: torch.Tensor, w: torch.Tensor) -> str | None:
    """Why the Triton kernels cannot take `x` and `w` in this process, or None when they can."""
    if importlib.util.find_spec("triton") is None:
        return "triton is not installed"
    from . import grouped_gemm_triton as kernels

    if not kernels.INTERPRETED and not x.is_cuda:
        return f"Triton kernels need CUDA tensors (got {x.device}) unless TRITON_INTERPRET=1 was set before import"
    if x.dtype not in kernels.SUPPORTED_DTYPES:
        where = "under TRITON_INTERPRET=1" if kernels.INTERPRETED else "on this device"
        names = ", ".join(str(d).removeprefix("torch.") for d in kernels.SUPPORTED_DTYPES)
        return f"Triton kernels take {names} {where}, not {x.dtype}"
    if w.shape[0] > kernels.MAX_EXPERTS:
        return f"Triton kernels handle at most {kernels.MAX_EXPERTS} experts, got {w.shape[0]}"
    return None


def select_backend(x: torch.Tensor, w: torch.Tensor) -> str:
    """The backend `auto` uses for these operands."""
    if x.is_cuda and triton_unsupported_reason(x, w) is None:
        return "triton"
    if torch_grouped_mm_unsupported_reason(x, w) is None:
        return "torch_grouped_mm"
    return "loop"


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
    if backend not in BACKENDS:
        raise MoEInputError("backend", f"unknown backend {backend!r}; expected one of {', '.join(BACKENDS)}")
    check_grouped_mm_args(x, w, offs, check_values=validate)
    name = select_backend(x, w) if backend == "auto" else backend
    if name == "triton":
        reason = triton_unsupported_reason(x, w)
        if reason is not None:
            raise MoEInputError("backend", reason)
        from .grouped_gemm_autograd import triton_grouped_mm_autograd

        return triton_grouped_mm_autograd(x, w, offs)
    if name == "torch_grouped_mm":
        reason = torch_grouped_mm_unsupported_reason(x, w)
        if reason is not None:
            raise MoEInputError("backend", reason)
        return torch_grouped_mm(x, w, offs)
    return grouped_mm_loop(x, w, offs)
