"""One attention block, forward and backward, on the backend that suits the tensors.

`backend=` takes the values of every kernel family (`glyphctx.kernels.backend`): "auto" (the
default) runs Triton on CUDA tensors and the chunked PyTorch loop elsewhere; "triton" forces the
kernels, onto CPU tensors only under TRITON_INTERPRET=1 (how they are tested without a GPU);
"torch" forces the PyTorch loop anywhere. Output buffers can be passed in, which is how the ring
writes into halves of its accumulators and how tests catch elements a kernel never wrote.
"""

from __future__ import annotations

import torch

from ..backend import choose_backend
from .checks import AttentionInputError, check_like, check_qkv, resolve_scale
from .torch_block import torch_block_backward, torch_block_forward


def resolve_backend(backend: str, device: torch.device, dtype: torch.dtype) -> str:
    """The backend, "triton" or "torch", for tensors on `device`; checks a forced "triton" can run there."""
    return choose_backend(backend, device, dtype, AttentionInputError)


def _triton_launchers():
    """Imported on first use: the kernels are built interpreted or compiled when first imported."""
    from . import triton_block

    return triton_block


def attention_block_forward(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, *, scale: float | None = None,
                            causal: bool = False, causal_offset: int = 0, out: torch.Tensor | None = None,
                            lse: torch.Tensor | None = None, out_dtype: torch.dtype | None = None,
                            backend: str = "auto") -> tuple[torch.Tensor, torch.Tensor]:
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
                             backend: str = "auto") -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
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
                raise AttentionInputError(gname, "accumulate=True needs a buffer to add to")
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
