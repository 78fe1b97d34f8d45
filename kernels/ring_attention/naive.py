"""Reference attention: the whole score matrix in float32, written for reading, not for speed.

Every faster path in this package (the PyTorch block loop, the Triton kernel, the ring) is tested
against this function, so it does the textbook computation and nothing clever.
"""

from __future__ import annotations

import torch

from .checks import check_qkv, resolve_scale


def visible_keys(q_len: int, k_len: int, causal: bool, causal_offset: int,
                 device: torch.device | str = "cpu") -> torch.Tensor:
    """Boolean [q_len, k_len] mask: key j is visible to query i iff j <= i + causal_offset (if causal).

    `causal_offset` is the global position of the first query minus that of the first key, so one
    rule covers the diagonal block (0), key blocks that lie before the queries (> 0), and after (< 0).
    """
    if not causal:
        return torch.ones(q_len, k_len, dtype=torch.bool, device=device)
    i = torch.arange(q_len, device=device)[:, None]
    j = torch.arange(k_len, device=device)[None, :]
    return j <= i + causal_offset


def naive_attention(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, *, causal: bool = False,
                    causal_offset: int = 0, scale: float | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """softmax(q k^T * scale) v in float32, with grouped-query attention.

    q [B, Hq, Tq, D]; k, v [B, Hkv, Tk, D]; query head h reads key/value head h // (Hq // Hkv).
    Returns (out [B, Hq, Tq, D] float32, lse [B, Hq, Tq] float32), lse being the natural-log
    log-sum-exp of the scaled scores of each query row. A row that sees no key gets out 0 and
    lse -inf. Differentiable through autograd, which is what the gradient tests rely on.
    """
    check_qkv(q, k, v)
    scale = resolve_scale(scale, q.shape[-1])
    group = q.shape[1] // k.shape[1]
    kf = k.float().repeat_interleave(group, dim=1)
    vf = v.float().repeat_interleave(group, dim=1)
    scores = torch.matmul(q.float(), kf.transpose(-1, -2)) * scale
    mask = visible_keys(q.shape[2], k.shape[2], causal, causal_offset, q.device)
    scores = scores.masked_fill(~mask, float("-inf"))
    # Shift by the row max (detached: the softmax does not depend on it) so that a row with no
    # visible key gives exp(-inf) = 0 everywhere instead of nan, in the values and in autograd.
    row_max = scores.detach().amax(dim=-1, keepdim=True)
    row_max = torch.where(torch.isfinite(row_max), row_max, torch.zeros_like(row_max))
    weights = torch.exp(scores - row_max)
    total = weights.sum(dim=-1, keepdim=True)
    probs = weights / torch.where(total > 0, total, torch.ones_like(total))
    out = torch.matmul(probs, vf)
    lse = (torch.log(total) + row_max).squeeze(-1)
    return out, lse
