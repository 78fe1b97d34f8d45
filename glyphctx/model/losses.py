"""Router losses of a mixture-of-experts model.

- load balancing (Switch Transformer, eq. 4-6; the form Mixtral uses): E * sum_e f_e * P_e, where f_e
  is the share of top-k assignments that went to expert e and P_e the mean router probability of e,
  both over all layers' tokens (padding excluded when a mask is given). 1.0 when perfectly balanced.
- router z-loss (ST-MoE): mean over tokens of logsumexp(logits)^2, which keeps router logits small
  and the softmax numerically tame.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F


def _flat_mask(attention_mask: torch.Tensor | None, device) -> torch.Tensor | None:
    return None if attention_mask is None else attention_mask.reshape(-1).to(device=device, dtype=torch.float32)


def load_balancing_loss(router_logits: Sequence[torch.Tensor], num_experts: int, top_k: int,
                        attention_mask: torch.Tensor | None = None) -> torch.Tensor:
    """router_logits: one [B * T, E] tensor per MoE layer; attention_mask [B, T] (1 = real token)."""
    device = router_logits[0].device
    mask = _flat_mask(attention_mask, device)
    assigned = torch.zeros(num_experts, dtype=torch.float32, device=device)
    prob_sum = torch.zeros(num_experts, dtype=torch.float32, device=device)
    rows = torch.zeros((), dtype=torch.float32, device=device)
    for logits in router_logits:
        probs = F.softmax(logits.to(device).float(), dim=-1)
        chosen = torch.topk(probs, top_k, dim=-1).indices
        one_hot = F.one_hot(chosen, num_experts).float().sum(dim=1)  # [rows, E]
        if mask is None:
            assigned = assigned + one_hot.sum(dim=0)
            prob_sum = prob_sum + probs.sum(dim=0)
            rows = rows + probs.shape[0]
        else:
            assigned = assigned + (one_hot * mask[:, None]).sum(dim=0)
            prob_sum = prob_sum + (probs * mask[:, None]).sum(dim=0)
            rows = rows + mask.sum()
    return num_experts * torch.sum((assigned / rows) * (prob_sum / rows))


def router_z_loss(router_logits: Sequence[torch.Tensor], attention_mask: torch.Tensor | None = None) -> torch.Tensor:
    """Mean of logsumexp(logits)^2 over the (unmasked) tokens of every MoE layer."""
    device = router_logits[0].device
    mask = _flat_mask(attention_mask, device)
    total = torch.zeros((), dtype=torch.float32, device=device)
    count = torch.zeros((), dtype=torch.float32, device=device)
    for logits in router_logits:
        z = torch.logsumexp(logits.to(device).float(), dim=-1).pow(2)
        if mask is None:
            total, count = total + z.sum(), count + z.numel()
        else:
            total, count = total + (z * mask).sum(), count + mask.sum()
    return total / count
