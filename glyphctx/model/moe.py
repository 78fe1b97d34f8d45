"""Mixture-of-experts feed-forward: a router, experts run as one grouped matmul, an optional shared expert.

Weights are laid out as transformers' Qwen3-MoE lays them out (`gate.weight [E, C]`,
`experts.gate_up_proj [E, 2I, C]`, `experts.down_proj [E, C, I]`, and Qwen2-MoE's
`shared_expert.*` / `shared_expert_gate.weight`), so checkpoints load unchanged. Dispatch sorts the
(token, expert) pairs by expert and runs each projection as one grouped matmul
(glyphctx.kernels.moe: Triton on GPU, `torch._grouped_mm` or a per-expert loop on CPU).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn
from transformers.activations import ACT2FN

from glyphctx.kernels.moe import grouped_mm, permute, sort_by_expert, unpermute

from .norm import GatedMLP


class TopKRouter(nn.Module):
    """Softmax over experts in float32, top-k, optional renormalisation of the k weights (Qwen3-MoE's router)."""

    def __init__(self, config):
        super().__init__()
        self.top_k = config.num_experts_per_tok
        self.num_experts = config.num_experts
        self.norm_topk_prob = config.norm_topk_prob
        self.jitter_noise = config.router_jitter_noise
        self.weight = nn.Parameter(torch.zeros(config.num_experts, config.hidden_size))

    def logits(self, x: torch.Tensor) -> torch.Tensor:
        """x [T, C] -> router logits [T, E]; while training, the input is jittered by U(1 - eps, 1 + eps)."""
        if self.training and self.jitter_noise > 0:
            x = x * torch.empty_like(x).uniform_(1.0 - self.jitter_noise, 1.0 + self.jitter_noise)
        return F.linear(x, self.weight)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """x [T, C] -> (logits [T, E], weights [T, k] in x's dtype, expert ids [T, k])."""
        logits = self.logits(x)
        probs = F.softmax(logits, dim=-1, dtype=torch.float)
        weights, ids = torch.topk(probs, self.top_k, dim=-1)
        if self.norm_topk_prob:
            weights = weights / weights.sum(dim=-1, keepdim=True)
        return logits, weights.to(logits.dtype), ids


class Experts(nn.Module):
    """E gated MLPs stored as 3-D tensors; tokens reach them sorted by expert."""

    def __init__(self, config):
        super().__init__()
        self.num_experts = config.num_experts
        inter, hidden = config.moe_intermediate_size, config.hidden_size
        self.gate_up_proj = nn.Parameter(torch.empty(self.num_experts, 2 * inter, hidden))
        self.down_proj = nn.Parameter(torch.empty(self.num_experts, hidden, inter))
        self.act_fn = ACT2FN[config.hidden_act]

    def _ffn(self, rows: torch.Tensor, offs: torch.Tensor) -> torch.Tensor:
        # rows [N, C] sorted by expert, offs int32 [E] cumulative row ends
        gate, up = grouped_mm(rows, self.gate_up_proj.transpose(1, 2), offs).chunk(2, dim=-1)
        return grouped_mm(self.act_fn(gate) * up, self.down_proj.transpose(1, 2), offs)

    def forward(self, x: torch.Tensor, expert_ids: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
        """Token choice: x [T, C], expert_ids / weights [T, k] -> [T, C], each token's k outputs weighted and summed."""
        dispatch = sort_by_expert(expert_ids, self.num_experts)
        out = self._ffn(permute(x, dispatch), dispatch.offs)
        return unpermute(out, dispatch, weights).to(x.dtype)

    def forward_expert_choice(self, x: torch.Tensor, token_ids: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
        """Expert choice: token_ids / weights [E, capacity] (each expert's chosen tokens) -> [T, C]."""
        capacity = token_ids.shape[1]
        offs = torch.arange(1, self.num_experts + 1, device=x.device, dtype=torch.int32) * capacity
        out = self._ffn(x.index_select(0, token_ids.reshape(-1)), offs)
        out = out.float() * weights.reshape(-1, 1).float()
        return torch.zeros(x.shape, dtype=torch.float32, device=x.device).index_add_(
            0, token_ids.reshape(-1), out).to(x.dtype)


class SparseMoeBlock(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.router_type = config.router_type
        self.top_k = config.num_experts_per_tok
        self.capacity_factor = config.expert_capacity_factor
        self.gate = TopKRouter(config)
        self.experts = Experts(config)
        self.shared_expert = None
        self.shared_expert_gate = None
        if config.shared_expert_intermediate_size:
            self.shared_expert = GatedMLP(config.hidden_size, config.shared_expert_intermediate_size,
                                          config.hidden_act)
            self.shared_expert_gate = nn.Linear(config.hidden_size, 1, bias=False)

    def forward(self, hidden: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """hidden [B, T, C] -> (output [B, T, C], router logits [B * T, E])."""
        shape = hidden.shape
        x = hidden.reshape(-1, shape[-1])
        if self.router_type == "expert_choice":
            logits = self.gate.logits(x)
            out = self.experts.forward_expert_choice(x, *self._expert_choice(logits))
        else:
            logits, weights, ids = self.gate(x)
            out = self.experts(x, ids, weights)
        if self.shared_expert is not None:
            out = out + torch.sigmoid(self.shared_expert_gate(x)) * self.shared_expert(x)
        return out.reshape(shape), logits

    def _expert_choice(self, logits: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Each expert takes its `capacity` highest-affinity tokens (Zhou et al., 2022): balanced by construction."""
        tokens, experts = logits.shape
        capacity = min(tokens, max(1, math.ceil(tokens * self.top_k / experts * self.capacity_factor)))
        probs = F.softmax(logits, dim=-1, dtype=torch.float)  # token-to-expert affinity
        weights, token_ids = torch.topk(probs.t(), capacity, dim=-1)  # [E, capacity]
        return token_ids, weights.to(logits.dtype)
