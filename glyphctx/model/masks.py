"""The attention mask of a forward: causal, with the cached prefix and any padding of the batch."""

from __future__ import annotations

import torch


def padding_attention_mask(padding: torch.Tensor | None, q_len: int, past_len: int) -> torch.Tensor | None:
    """bool [B, 1, q_len, past_len + q_len] (True = may attend), or None when plain causal suffices.

    `padding` [B, past_len + q_len] is 1 for real tokens, 0 for padding. Every query may always see
    itself, so a padded query row is never empty (SDPA would return NaN for it).
    """
    if padding is None or bool(padding.all()):
        return None
    kv_len = past_len + q_len
    device = padding.device
    rows = torch.arange(q_len, device=device)[:, None] + past_len
    cols = torch.arange(kv_len, device=device)[None, :]
    causal = cols <= rows
    mask = causal[None] & padding[:, None, :].bool()
    mask = mask | (cols == rows)[None]
    return mask[:, None]
