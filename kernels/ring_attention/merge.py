"""Combining partial attention results through their log-sum-exp, in float32.

Attention over the union of two key sets is the lse-weighted mix of the attentions over each set:
    lse = logaddexp(lse_a, lse_b),  out = out_a * exp(lse_a - lse) + out_b * exp(lse_b - lse).
This is what lets the ring see one key/value block at a time and still produce exact softmax.
"""

from __future__ import annotations

import torch


def merge_partial_(out: torch.Tensor, lse: torch.Tensor, block_out: torch.Tensor, block_lse: torch.Tensor) -> None:
    """Fold (block_out, block_lse) into the running (out, lse), in place; `block_out` is consumed.

    out, block_out: float32 [..., T, D]; lse, block_lse: float32 [..., T]. Views are fine (the
    ring merges into one half of its accumulators). Rows whose two lse are both -inf stay 0 / -inf.
    """
    new_lse = torch.logaddexp(lse, block_lse)
    shift = torch.where(torch.isinf(new_lse), torch.zeros_like(new_lse), new_lse)
    out.mul_(torch.exp(lse - shift).unsqueeze(-1))
    out.add_(block_out.mul_(torch.exp(block_lse - shift).unsqueeze(-1)))
    lse.copy_(new_lse)


def row_dot(a: torch.Tensor, b: torch.Tensor, rows_per_chunk: int = 2048) -> torch.Tensor:
    """rowsum(a * b) over the last dim in float32, a few rows at a time.

    The backward's delta; done in chunks so that it never allocates a full-size float32 product.
    """
    out = torch.empty(a.shape[:-1], dtype=torch.float32, device=a.device)
    seq = a.shape[-2]
    for start in range(0, seq, rows_per_chunk):
        end = min(start + rows_per_chunk, seq)
        out[..., start:end] = (a[..., start:end, :].float() * b[..., start:end, :].float()).sum(-1)
    return out
