"""Top-k routing to and from expert order: what a MoE layer wraps around the grouped matmul.

A router gives every token k expert choices. `sort_by_expert` lays the T * k (token, choice) pairs
out as rows sorted by expert (stable, so each expert sees its tokens in order) and returns the
int32 cumulative row ends the grouped matmul takes. `permute` gathers token rows into that order;
`unpermute` brings expert outputs back to their tokens and sums each token's k outputs, weighted by
the routing weights. Both are index operations, so autograd carries gradients through them (the
gather's backward adds the k copies of a token together). Nothing here synchronises a GPU unless
`validate=True` checks the expert ids.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from .checks import MoEInputError


@dataclass(frozen=True)
class ExpertDispatch:
    """Where each (token, choice) pair sits among the expert-sorted rows."""

    #: `[T * k]` int64: the token whose activations feed each sorted row
    token_index: torch.Tensor
    #: `[T, k]` int64: the sorted row holding token t's j-th choice
    row_of_choice: torch.Tensor
    #: `[E]` int32: cumulative row ends per expert (`offs[-1] == T * k`)
    offs: torch.Tensor

    @property
    def num_tokens(self) -> int:
        return self.row_of_choice.shape[0]

    @property
    def top_k(self) -> int:
        return self.row_of_choice.shape[1]

    @property
    def num_experts(self) -> int:
        return self.offs.shape[0]

    def tokens_per_expert(self) -> torch.Tensor:
        """`[E]` int64 row counts, e.g. for a load-balancing loss."""
        ends = self.offs.to(torch.int64)
        return torch.diff(ends, prepend=ends.new_zeros(1))


def sort_by_expert(expert_ids: torch.Tensor, num_experts: int, *, validate: bool = True) -> ExpertDispatch:
    """Sort the choices `expert_ids [T, k]` (or `[T]` for k = 1) into expert order.

    `validate` checks every id lies in `[0, num_experts)`: an id outside would otherwise be counted
    nowhere and leave the offsets short of T * k.
    """
    if not isinstance(expert_ids, torch.Tensor):
        raise MoEInputError("expert_ids", f"expected a torch.Tensor, got {type(expert_ids).__name__}")
    if isinstance(num_experts, bool) or not isinstance(num_experts, int) or num_experts < 1:
        raise MoEInputError("num_experts", f"expected a positive int, got {num_experts!r}")
    if expert_ids.dim() == 1:
        expert_ids = expert_ids.unsqueeze(1)
    if expert_ids.dim() != 2:
        raise MoEInputError("expert_ids", f"expected shape [tokens, k] or [tokens], got {tuple(expert_ids.shape)}")
    if expert_ids.dtype.is_floating_point or expert_ids.dtype.is_complex or expert_ids.dtype == torch.bool:
        raise MoEInputError("expert_ids", f"expected an integer tensor, got {expert_ids.dtype}")
    tokens, top_k = expert_ids.shape
    flat = expert_ids.reshape(-1).to(torch.int64)
    if validate and flat.numel() and bool((flat.min() < 0) | (flat.max() >= num_experts)):
        raise MoEInputError(
            "expert_ids",
            f"ids must lie in [0, {num_experts}), got min {int(flat.min())} and max {int(flat.max())}",
        )
    rows = torch.argsort(flat, stable=True)  # sorted row -> flat choice index t * k + j
    counts = torch.zeros(num_experts, dtype=torch.int64, device=flat.device)
    counts.index_add_(0, flat, torch.ones_like(flat))
    offs = torch.cumsum(counts, dim=0).to(torch.int32)
    row_of_choice = torch.empty_like(rows)
    row_of_choice[rows] = torch.arange(rows.numel(), device=rows.device)
    return ExpertDispatch(token_index=rows // top_k, row_of_choice=row_of_choice.view(tokens, top_k), offs=offs)


def permute(x: torch.Tensor, dispatch: ExpertDispatch) -> torch.Tensor:
    """Token rows `x [T, d]` -> expert-sorted rows `[T * k, d]` (each token once per choice)."""
    if not isinstance(x, torch.Tensor) or x.dim() != 2:
        raise MoEInputError(
            "x", f"expected a 2-D [tokens, features] tensor, got {getattr(x, 'shape', type(x).__name__)}"
        )
    if x.shape[0] != dispatch.num_tokens:
        raise MoEInputError("x", f"has {x.shape[0]} rows but the dispatch was built for {dispatch.num_tokens} tokens")
    return x.index_select(0, dispatch.token_index)


def unpermute(y: torch.Tensor, dispatch: ExpertDispatch, weights: torch.Tensor | None = None) -> torch.Tensor:
    """Expert-sorted rows `y [T * k, M]` -> `[T, M]`: each token's k outputs, weighted by `weights [T, k]`, summed.

    The weighted sum runs in fp32 and returns y's dtype; with `weights=None` the k outputs are plainly added.
    """
    tokens, top_k = dispatch.num_tokens, dispatch.top_k
    if not isinstance(y, torch.Tensor) or y.dim() != 2:
        raise MoEInputError("y", f"expected a 2-D [rows, features] tensor, got {getattr(y, 'shape', type(y).__name__)}")
    if y.shape[0] != tokens * top_k:
        raise MoEInputError("y", f"has {y.shape[0]} rows but the dispatch sorted {tokens * top_k} (tokens x k)")
    per_choice = y.index_select(0, dispatch.row_of_choice.reshape(-1)).view(tokens, top_k, y.shape[1]).float()
    if weights is not None:
        if not isinstance(weights, torch.Tensor) or tuple(weights.shape) not in ((tokens, top_k), (tokens * top_k,)):
            raise MoEInputError(
                "weights",
                f"expected shape ({tokens}, {top_k}), got {getattr(weights, 'shape', type(weights).__name__)}",
            )
        per_choice = per_choice * weights.reshape(tokens, top_k, 1).float()
    return per_choice.sum(dim=1).to(y.dtype)
