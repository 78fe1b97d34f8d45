"""Which backend runs a kernel: one answer to "can Triton run here?" for every kernel family.

Every family's `backend=` takes the same values (`BACKENDS`):
- "auto", the default: the Triton kernels for CUDA tensors they can take, PyTorch otherwise;
- "triton": the Triton kernels, or an error saying why they cannot run on these tensors;
- "torch": the PyTorch implementation, on any device.

Triton makes a `@triton.jit` function interpreted (run on the CPU through NumPy) or compiled (a
GPU kernel) when the function is defined, i.e. when its module is first imported, from
TRITON_INTERPRET at that moment. The kernel modules read it with `interpreting()` at the same
moment, to size their blocks and autotune lists; set the variable before they are imported.
Nothing here imports triton until a Triton path is asked about.
"""

from __future__ import annotations

import functools
import importlib
import os

import torch

#: the values every family's `backend=` accepts
BACKENDS = ("auto", "triton", "torch")

#: what the Triton kernels of every family take (the interpreter: no bfloat16, NumPy has none)
TRITON_DTYPES = (torch.float32, torch.float16, torch.bfloat16)

#: the values of TRITON_INTERPRET that Triton takes for "on", compared lower-cased
_TRUE = ("1", "true", "on", "yes")


def interpreting() -> bool:
    """Whether TRITON_INTERPRET turns the interpreter on, read as Triton reads it."""
    return os.environ.get("TRITON_INTERPRET", "").lower() in _TRUE


@functools.cache
def _triton_import_error() -> str | None:
    try:
        importlib.import_module("triton")
    except Exception as exc:  # not installed (no wheels off Linux), or installed but broken
        return f"triton cannot be imported ({type(exc).__name__}: {exc})"
    return None


def triton_unavailable_reason(device: torch.device, dtype: torch.dtype) -> str | None:
    """Why Triton kernels cannot run on tensors of this device and dtype in this process, or None."""
    if dtype not in TRITON_DTYPES:
        return f"the Triton kernels take float32, float16 and bfloat16, not {dtype}"
    if interpreting():
        if dtype == torch.bfloat16:
            return "the Triton interpreter (TRITON_INTERPRET=1) takes float32 and float16, not bfloat16"
    elif device.type != "cuda":
        return (
            f"tensors are on {device}; compiled Triton kernels need CUDA tensors, and the CPU needs "
            "TRITON_INTERPRET=1 set before the kernels are first imported"
        )
    return _triton_import_error()


def choose_backend(
    backend: str,
    device: torch.device,
    dtype: torch.dtype,
    error: type[Exception],
    unsupported: str | None = None,
) -> str:
    """The backend, "triton" or "torch", that `backend=` means for tensors of this device and dtype.

    `unsupported` is a family's own reason its kernels cannot take these inputs (a head dim too
    large, too many experts), or None. "auto" never imports triton for tensors off CUDA. A bad
    value, or "triton" where it cannot run, raises `error("backend", reason)`.
    """
    if backend not in BACKENDS:
        raise error("backend", f"expected one of {', '.join(map(repr, BACKENDS))}, got {backend!r}")
    if backend == "torch" or (backend == "auto" and device.type != "cuda"):
        return "torch"
    reason = unsupported or triton_unavailable_reason(device, dtype)
    if reason is None:
        return "triton"
    if backend == "triton":
        raise error("backend", f"'triton' cannot run here: {reason}")
    return "torch"
