"""Ring attention: each rank keeps its queries and passes key/value blocks around the ring.

Over W ranks, step s gives rank r the key/value block of rank (r - s) mod W. The next block is
posted (isend/irecv) before the current one is computed and waited for after it, so transfer and
compute overlap. Partial outputs merge through their log-sum-exp in float32.

Causal rings use the zigzag layout (see zigzag.py): rank r holds chunks r and 2W-1-r of the
sequence, halves of c tokens. Then step 0 is the local causal block, and afterwards, for the block
of rank src: src < r means both local halves see the first half of the block, in full; src > r
means only the second local half sees the block, in full. Each step is c x 2c work on every rank.

Backward: dq accumulates locally; dk and dv accumulators travel with their block and, after one
more hop at the end, arrive back at the owner of the block. To keep memory at two key/value blocks
in flight, a gradient transfer is waited for before the next key/value transfer is posted.
"""

from __future__ import annotations

import torch
import torch.distributed as dist

from .checks import AttentionInputError
from .dispatch import attention_block_backward, attention_block_forward
from .merge import merge_partial_, row_dot
from .ring_comm import RingExchange

KV_TAG = 0
GRAD_TAG = 2

ALL = slice(None)


def ring_of(group: dist.ProcessGroup | None) -> RingExchange | None:
    """The ring over `group`, or None for single-device attention (no group, or a group of one)."""
    if group is None:
        return None
    if not dist.is_available() or not dist.is_initialized():
        raise AttentionInputError("group", "a process group was given but torch.distributed is not initialised")
    if dist.get_world_size(group) == 1:
        return None
    return RingExchange(group)


def check_ring_lengths(q: torch.Tensor, k: torch.Tensor, causal: bool) -> None:
    """A causal ring needs zigzag shards: equal, even query and key lengths on every rank."""
    if causal and (q.shape[2] != k.shape[2] or q.shape[2] % 2 != 0):
        raise AttentionInputError(
            "q and k", f"a causal ring needs equal, even local lengths (two zigzag chunks), got {q.shape[2]} and "
            f"{k.shape[2]}")


def step_slices(step: int, src: int, rank: int, causal: bool, half: int) -> tuple[slice, slice]:
    """(query rows, key rows) of this rank's shard that take part at a ring step (zigzag layout)."""
    if not causal or step == 0:
        return ALL, ALL
    if src < rank:
        return ALL, slice(0, half)
    return slice(half, None), ALL


def _rows(t: torch.Tensor, rows: slice) -> torch.Tensor:
    return t[:, :, rows]


def ring_attention_forward(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, *, scale: float, causal: bool,
                           ring: RingExchange | None, backend: str) -> tuple[torch.Tensor, torch.Tensor]:
    """(out in q's dtype, lse float32) of the local queries over the whole ring's keys."""
    if ring is None:
        return attention_block_forward(q, k, v, scale=scale, causal=causal, backend=backend)
    half = q.shape[2] // 2
    out = torch.empty(q.shape, dtype=torch.float32, device=q.device)
    lse = torch.empty(q.shape[:3], dtype=torch.float32, device=q.device)
    kv = (k, v)
    for step in range(ring.world_size):
        pending = ring.post(kv, KV_TAG) if step + 1 < ring.world_size else None
        if step == 0:
            attention_block_forward(q, *kv, scale=scale, causal=causal, out=out, lse=lse, backend=backend)
        else:
            src = (ring.rank - step) % ring.world_size
            q_rows, k_rows = step_slices(step, src, ring.rank, causal, half)
            block_out, block_lse = attention_block_forward(
                _rows(q, q_rows), _rows(kv[0], k_rows), _rows(kv[1], k_rows), scale=scale,
                out_dtype=torch.float32, backend=backend)
            merge_partial_(_rows(out, q_rows), _rows(lse, q_rows), block_out, block_lse)
            del block_out, block_lse
        if pending is not None:
            kv = tuple(pending.wait())
    del kv
    return out.to(q.dtype), lse


def ring_attention_backward(dout: torch.Tensor, q: torch.Tensor, k: torch.Tensor, v: torch.Tensor,
                            out: torch.Tensor, lse: torch.Tensor, *, scale: float, causal: bool,
                            ring: RingExchange | None, backend: str) -> tuple[torch.Tensor, ...]:
    """(dq, dk, dv) of the local shard, in the input dtypes."""
    delta = row_dot(dout, out)
    if ring is None:
        # Triton writes each gradient once; the PyTorch loop adds chunk by chunk, so in float32.
        grad_dtype = q.dtype if backend == "triton" else torch.float32
        grads = attention_block_backward(dout, q, k, v, lse, delta, scale=scale, causal=causal,
                                         grad_dtype=grad_dtype, backend=backend)
        return tuple(g.to(t.dtype) for g, t in zip(grads, (q, k, v)))

    half = q.shape[2] // 2
    dq = torch.empty(q.shape, dtype=torch.float32, device=q.device)
    kv = (k, v)
    grad_transfer = None
    for step in range(ring.world_size):
        if grad_transfer is None:
            dk, dv = (torch.empty(t.shape, dtype=torch.float32, device=t.device) for t in kv)
        else:
            dk, dv = grad_transfer.wait()
        kv_transfer = ring.post(kv, KV_TAG) if step + 1 < ring.world_size else None
        src = (ring.rank - step) % ring.world_size
        q_rows, k_rows = step_slices(step, src, ring.rank, causal, half)
        attention_block_backward(
            _rows(dout, q_rows), _rows(q, q_rows), _rows(kv[0], k_rows), _rows(kv[1], k_rows),
            _rows(lse, q_rows), _rows(delta, q_rows), dq=_rows(dq, q_rows), dk=_rows(dk, k_rows),
            dv=_rows(dv, k_rows), scale=scale, causal=causal and step == 0, accumulate=step > 0,
            backend=backend)
        if kv_transfer is not None:
            kv = tuple(kv_transfer.wait())
        grad_transfer = ring.post((dk, dv), GRAD_TAG)
        del dk, dv
    del kv
    dk, dv = grad_transfer.wait()
    return dq.to(q.dtype), dk.to(k.dtype), dv.to(v.dtype)
