"""The autograd Function of the ring, and the entry points that apply it.

`ring_attention` runs over a process group, `flash_attention` on one device; both pick the block
backend once (`dispatch.resolve_backend`) and hand the name to every block of the ring.
"""

from __future__ import annotations

import torch
import torch.distributed as dist

from .checks import check_qkv, resolve_scale
from .dispatch import resolve_backend
from .ring import check_ring_lengths, ring_attention_backward, ring_attention_forward, ring_of


class RingAttentionFunction(torch.autograd.Function):
    """Forward keeps (q, k, v, out, lse); backward runs the gradient ring with the merged lse."""

    @staticmethod
    def forward(ctx, q, k, v, causal, scale, group, backend):
        ring = ring_of(group)
        out, lse = ring_attention_forward(q, k, v, scale=scale, causal=causal, ring=ring, backend=backend)
        ctx.save_for_backward(q, k, v, out, lse)
        ctx.causal, ctx.scale, ctx.group, ctx.backend = causal, scale, group, backend
        ctx.mark_non_differentiable(lse)
        return out, lse

    @staticmethod
    def backward(ctx, dout, _dlse):
        q, k, v, out, lse = ctx.saved_tensors
        dq, dk, dv = ring_attention_backward(dout, q, k, v, out, lse, scale=ctx.scale, causal=ctx.causal,
                                             ring=ring_of(ctx.group), backend=ctx.backend)
        return dq, dk, dv, None, None, None, None


def ring_attention(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, *, causal: bool = False,
                   scale: float | None = None, group: dist.ProcessGroup | None = None,
                   backend: str = "auto", return_lse: bool = False):
    """Softmax attention of this rank's queries over the keys/values of every rank in `group`.

    q [B, Hq, T, D], k and v [B, Hkv, T, D] are this rank's shard (Hq a multiple of Hkv); with
    `causal`, shards must be in zigzag layout (`zigzag_shard`). Every rank must pass the same
    shapes. `group=None` (or a group of one) is plain flash attention on this device; to ring over
    all processes pass `dist.group.WORLD`. `backend`: "auto", "triton" or "torch" (see dispatch.py).
    Returns out [B, Hq, T, D] in q's dtype, and also the float32 lse [B, Hq, T] if `return_lse`.
    """
    check_qkv(q, k, v)
    scale = resolve_scale(scale, q.shape[-1])
    name = resolve_backend(backend, q.device, q.dtype)
    if ring_of(group) is not None:
        check_ring_lengths(q, k, causal)
    out, lse = RingAttentionFunction.apply(q, k, v, bool(causal), scale, group, name)
    return (out, lse) if return_lse else out


def flash_attention(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, *, causal: bool = False,
                    scale: float | None = None, backend: str = "auto", return_lse: bool = False):
    """Single-device attention with the block kernels: `ring_attention` without a group."""
    return ring_attention(q, k, v, causal=causal, scale=scale, group=None, backend=backend,
                          return_lse=return_lse)
