"""Exact attention over one query block and one key/value block in plain PyTorch, chunk by chunk.

This is the block computation of the ring on devices without Triton (the CPU, and any non-CUDA
device). It walks query chunks and key chunks with an online softmax in float32, so its scratch
memory is a few [chunk, chunk] score tiles per head and never the full [Tq, Tk] score matrix: a
single-process run is then a fair, memory-efficient baseline for the ring. The backward recomputes
the probabilities from the log-sum-exp it is given, which, in the ring, is the log-sum-exp of the
*merged* output, so the per-block gradients add up to the exact gradient.
"""

from __future__ import annotations

import torch

from .naive import visible_keys

DEFAULT_CHUNK = 128


def visible_key_end(q_start: int, q_end: int, k_len: int, causal: bool, causal_offset: int) -> int:
    """One past the last key that any query in [q_start, q_end) may see."""
    if not causal:
        return k_len
    return max(0, min(k_len, q_end + causal_offset))


def _mask_tile(scores: torch.Tensor, q_start: int, k_start: int, causal: bool, causal_offset: int) -> None:
    """Set the invisible part of one score tile to -inf, in place; a no-op below the diagonal."""
    q_len, k_len = scores.shape[-2], scores.shape[-1]
    if not causal or k_start + k_len - 1 <= q_start + causal_offset:
        return
    local_offset = causal_offset + q_start - k_start
    hidden = ~visible_keys(q_len, k_len, True, local_offset, scores.device)
    scores.masked_fill_(hidden, float("-inf"))


def torch_block_forward(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, out: torch.Tensor,
                        lse: torch.Tensor, *, scale: float, causal: bool, causal_offset: int,
                        chunk: int = DEFAULT_CHUNK) -> None:
    """Write softmax attention of q over (k, v) into `out` and its log-sum-exp into `lse`.

    Shapes as in `naive_attention`; `out` may have any float dtype, `lse` is float32 [B, Hq, Tq].
    Both may be strided views (the ring writes into halves of its accumulators).
    """
    batch, kv_heads, k_len = k.shape[0], k.shape[1], k.shape[2]
    group = q.shape[1] // kv_heads
    q_len, head_dim = q.shape[2], q.shape[3]
    q5, out5, lse5 = (t.unflatten(1, (kv_heads, group)) for t in (q, out, lse))
    for q_start in range(0, q_len, chunk):
        q_end = min(q_start + chunk, q_len)
        qc = q5[:, :, :, q_start:q_end].float()
        rows = (batch, kv_heads, group, q_end - q_start)
        row_max = torch.full(rows, float("-inf"), dtype=torch.float32, device=q.device)
        row_sum = torch.zeros(rows, dtype=torch.float32, device=q.device)
        acc = torch.zeros(rows + (head_dim,), dtype=torch.float32, device=q.device)
        k_end_all = visible_key_end(q_start, q_end, k_len, causal, causal_offset)
        for k_start in range(0, k_end_all, chunk):
            k_end = min(k_start + chunk, k_end_all)
            scores = torch.einsum("bhgqd,bhkd->bhgqk", qc, k[:, :, k_start:k_end].float()).mul_(scale)
            _mask_tile(scores, q_start, k_start, causal, causal_offset)
            new_max = torch.maximum(row_max, scores.amax(dim=-1))
            # A row whose keys are all hidden so far keeps max -inf; shift it by 0 so exp gives 0.
            shift = torch.where(torch.isinf(new_max), torch.zeros_like(new_max), new_max)
            probs = torch.exp(scores.sub_(shift.unsqueeze(-1)))
            rescale = torch.exp(row_max - shift)
            row_sum = row_sum.mul_(rescale).add_(probs.sum(dim=-1))
            acc = acc.mul_(rescale.unsqueeze(-1)).add_(
                torch.einsum("bhgqk,bhkd->bhgqd", probs, v[:, :, k_start:k_end].float()))
            row_max = new_max
        empty = row_sum == 0
        out5[:, :, :, q_start:q_end] = acc.div_(torch.where(empty, 1.0, row_sum).unsqueeze(-1))
        lse5[:, :, :, q_start:q_end] = torch.where(empty, float("-inf"), row_max + torch.log(row_sum))


def torch_block_backward(dout: torch.Tensor, q: torch.Tensor, k: torch.Tensor, v: torch.Tensor,
                         lse: torch.Tensor, delta: torch.Tensor, dq: torch.Tensor, dk: torch.Tensor,
                         dv: torch.Tensor, *, scale: float, causal: bool, causal_offset: int,
                         accumulate: bool, chunk: int = DEFAULT_CHUNK) -> None:
    """Gradients of one block, written into (or, with `accumulate`, added to) dq, dk, dv.

    `lse` and `delta` (rowsum(dout * out), float32 [B, Hq, Tq]) belong to the final output of
    which this block is a part; P = exp(S - lse) is then this block's share of the true softmax.
    """
    if not accumulate:
        dq.zero_()
        dk.zero_()
        dv.zero_()
    kv_heads, k_len = k.shape[1], k.shape[2]
    group = q.shape[1] // kv_heads
    q_len = q.shape[2]
    q5, do5, dq5 = (t.unflatten(1, (kv_heads, group)) for t in (q, dout, dq))
    lse5, delta5 = lse.unflatten(1, (kv_heads, group)), delta.unflatten(1, (kv_heads, group))
    for q_start in range(0, q_len, chunk):
        q_end = min(q_start + chunk, q_len)
        qc = q5[:, :, :, q_start:q_end].float()
        doc = do5[:, :, :, q_start:q_end].float()
        lse_c = lse5[:, :, :, q_start:q_end]
        # Rows with lse -inf see no key: every score is -inf and exp(-inf - 0) gives P = 0.
        lse_c = torch.where(torch.isinf(lse_c), torch.zeros_like(lse_c), lse_c).unsqueeze(-1)
        delta_c = delta5[:, :, :, q_start:q_end].unsqueeze(-1)
        dq_c = torch.zeros_like(qc)
        k_end_all = visible_key_end(q_start, q_end, k_len, causal, causal_offset)
        for k_start in range(0, k_end_all, chunk):
            k_end = min(k_start + chunk, k_end_all)
            kc, vc = k[:, :, k_start:k_end].float(), v[:, :, k_start:k_end].float()
            scores = torch.einsum("bhgqd,bhkd->bhgqk", qc, kc).mul_(scale)
            _mask_tile(scores, q_start, k_start, causal, causal_offset)
            probs = torch.exp(scores.sub_(lse_c))
            dv[:, :, k_start:k_end].add_(torch.einsum("bhgqk,bhgqd->bhkd", probs, doc))
            dprobs = torch.einsum("bhgqd,bhkd->bhgqk", doc, vc)
            dscores = probs.mul_(dprobs.sub_(delta_c))
            dq_c.add_(torch.einsum("bhgqk,bhkd->bhgqd", dscores, kc))
            dk[:, :, k_start:k_end].add_(torch.einsum("bhgqk,bhgqd->bhkd", dscores, qc).mul_(scale))
        dq5[:, :, :, q_start:q_end].add_(dq_c.mul_(scale))
