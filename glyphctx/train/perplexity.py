"""Held-out perplexity over non-overlapping windows, for any causal LM that returns `.logits`.

Each window of `length` tokens is read on its own, so every position of a window is scored with
exactly the context the window gives it: the score at length L measures how well the model uses
(or survives) positions up to L - 1, which is what a length-extrapolation table compares.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
import torch.nn.functional as F

from glyphctx.errors import ConfigError


@torch.no_grad()
def window_nll(model: torch.nn.Module, ids: Sequence[int] | torch.Tensor, length: int, *, batch_size: int = 8,
               device: torch.device | str | None = None) -> tuple[float, int]:
    """(summed negative log-likelihood in nats, tokens predicted) over whole windows of `length` tokens.

    The tail shorter than a window is dropped, so every length is scored on windows of the same size.
    """
    if length < 2:
        raise ConfigError(f"perplexity window: length must be >= 2, got {length}")
    tokens = torch.as_tensor(ids, dtype=torch.long)
    count = tokens.numel() // length
    if count == 0:
        raise ConfigError(f"perplexity window: {tokens.numel()} held-out tokens, fewer than one window of {length}")
    if device is None:
        device = next(model.parameters()).device
    windows = tokens[: count * length].view(count, length)
    total, predicted = 0.0, 0
    for begin in range(0, count, batch_size):
        chunk = windows[begin:begin + batch_size].to(device)
        logits = model(input_ids=chunk, use_cache=False).logits
        nll = F.cross_entropy(logits[:, :-1].float().reshape(-1, logits.shape[-1]), chunk[:, 1:].reshape(-1),
                              reduction="sum")
        total += float(nll)
        predicted += chunk[:, 1:].numel()
    return total, predicted


def perplexity(model: torch.nn.Module, ids: Sequence[int] | torch.Tensor, length: int, *, batch_size: int = 8,
               device: torch.device | str | None = None) -> float:
    total, predicted = window_nll(model, ids, length, batch_size=batch_size, device=device)
    mean = total / predicted
    return math.exp(mean) if mean < 700 else math.inf
