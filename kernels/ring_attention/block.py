"""One attention block, forward and backward, on the backend that suits the tensors.

Triton on CUDA tensors, the chunked PyTorch loop elsewhere; `backend="triton"` forces the kernels
onto CPU tensors when TRITON_INTERPRET=1 (how the kernels are tested without a GPU), and
`backend="torch"` forces the PyTorch loop anywhere. Output buffers can be passed in, which is how
the ring writes into halves of its accumulators and how tests catch elements a kernel never wrote.
"""

from __future__ import annotations

import importlib
import os

import torch

from .checks import AttentionInputError, check_like, check_qkv, resolve_scale
from .torch_block import torch_block_backward, torch_block_forward

BACKENDS = ("triton", "torch")


def _triton_launchers():
    """Import the kernels on first use: Triton fixes interpret-or-compile when they are imported."""
    try:
        return importlib.import_module(f"{__package__}.triton_block")
    except ImportError as exc:  # triton missing (non-Linux) or broken
        raise AttentionInputError(f"backend='triton': triton cannot be imported ({exc})") from exc


def resolve_backend(backend: str | None, device: torch.device, dtype: torch.dtype) -> str:
    """The backend name to use for tensors on `device`; checks a forced choice can run there."""
    if backend is None:
        return "triton" if device.type == "cuda" else "torch"
    if backend not in BACKENDS:
        raise AttentionInputError(f"backend: expected one of {BACKENDS} or None, got {backend!r}")
    if backend == "triton" and device.type != "cuda":
        interpreting = os.environ.get("TRITON_INTERPRET", "0") == "1"
        if interpreting:
            interpreting = _triton_launchers().kernels_interpreted()
        if not interpreting:
            raise AttentionInputError(
                f"backend='triton': tensors are on {device}; the kernels need CUDA tensors, or "
                "TRITON_INTERPRET=1 set before triton is first imported")
        if dtype == torch.bfloat16:
            raise AttentionInputError("backend='triton': bfloat16 runs on a GPU only, not under the interpreter")
    return backend


def attention_block_forward(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, *, scale: float | None = None,
                            causal: bool = False, causal_offset: int = 0, out: torch.Tensor | None = None,
                            lse: torch.Tensor | None = None, out_dtype: torch.dtype | None = None,
                            backend: str | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """Attention of q [B, Hq, Tq, D] over k, v [B, Hkv, Tk, D]: returns (out, lse).

    A key j is visible to query i iff not causal or j <= i + causal_offset. `out` defaults to a new
    tensor of `out_dtype` (q's dtype unless given); `lse` is float32 [B, Hq, Tq], natural log,
    -inf for a query that sees no key (whose output is 0).
    """
    check_qkv(q, k, v)
    scale = resolve_scale(scale, q.shape[-1])
    name = resolve_backend(backend, q.device, q.dtype)
    if out is None:
        out = torch.empty(q.shape, dtype=out_dtype or q.dtype, device=q.device)
    else:
        check_like("out", out, tuple(q.shape), None, q.device)
    if lse is None:
        lse = torch.empty(q.shape[:3], dtype=torch.float32, device=q.device)
    else:
        check_like("lse", lse, tuple(q.shape[:3]), torch.float32, q.device)
    if name == "triton":
        _triton_launchers().triton_block_forward(q, k, v, out, lse, scale=scale, causal=causal,
                                                 causal_offset=causal_offset)
    else:
        torch_block_forward(q, k, v, out, lse, scale=scale, causal=causal, causal_offset=causal_offset)
    return out, lse


def attention_block_backward(dout: torch.Tensor, q: torch.Tensor, k: torch.Tensor, v: torch.Tensor,
                             lse: torch.Tensor, delta: torch.Tensor, *, dq: torch.Tensor | None = None,
                             dk: torch.Tensor | None = None, dv: torch.Tensor | None = None,
                             scale: float | None = None, causal: bool = False, causal_offset: int = 0,
                             accumulate: bool = False, grad_dtype: torch.dtype | None = None,
                             backend: str | None = None) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Gradients (dq, dk, dv) of one block given dout, the lse and delta = rowsum(dout * out).

    For exact ring gradients, `lse` and `delta` must be those of the *merged* output, not of this
    block's partial one. With `accumulate` the gradients are added to the given buffers; otherwise
    they overwrite them (or new ones of `grad_dtype`, default q's dtype).
    """
    check_qkv(q, k, v)
    scale = resolve_scale(scale, q.shape[-1])
    name = resolve_backend(backend, q.device, q.dtype)
    rows = tuple(q.shape[:3])
    check_like("dout", dout, tuple(q.shape), None, q.device)
    check_like("lse", lse, rows, torch.float32, q.device)
    check_like("delta", delta, rows, torch.float32, q.device)
    grads = []
    for gname, buf, like in (("dq", dq, q), ("dk", dk, k), ("dv", dv, v)):
        if buf is None:
            if accumulate:
                raise AttentionInputError(f"{gname}: accumulate=True needs a buffer to add to")
            buf = torch.empty(like.shape, dtype=grad_dtype or like.dtype, device=like.device)
        else:
            check_like(gname, buf, tuple(like.shape), None, like.device)
        grads.append(buf)
    dq, dk, dv = grads
    if name == "triton":
        _triton_launchers().triton_block_backward(dout, q, k, v, lse, delta, dq, dk, dv, scale=scale,
                                                  causal=causal, causal_offset=causal_offset,
                                                  accumulate=accumulate)
    else:
        torch_block_backward(dout, q, k, v, lse, delta, dq, dk, dv, scale=scale, causal=causal,
                             causal_offset=causal_offset, accumulate=accumulate)
    return dq, dk, dv
