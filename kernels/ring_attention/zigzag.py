"""Zigzag sharding of a sequence over the ranks of a causal ring.

With a causal mask, a plain split gives the last rank W times the work of the first. Cutting the
sequence into 2W chunks and giving rank r chunks r and 2W-1-r pairs a cheap early chunk with an
expensive late one, so every rank does the same work at every ring step.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

from .checks import AttentionInputError


def _check_split(seq_len: int, rank: int, world_size: int) -> None:
    if not isinstance(world_size, int) or world_size < 1:
        raise AttentionInputError("world_size", f"expected a positive int, got {world_size!r}")
    if not isinstance(rank, int) or not 0 <= rank < world_size:
        raise AttentionInputError("rank", f"expected 0 <= rank < {world_size}, got {rank!r}")
    if seq_len % (2 * world_size) != 0:
        raise AttentionInputError(
            "seq_len", f"{seq_len} must be a multiple of 2 * world_size = {2 * world_size} for zigzag sharding")


def zigzag_indices(seq_len: int, rank: int, world_size: int, device: torch.device | str | None = None) -> torch.Tensor:
    """Global positions of the tokens rank `rank` holds, in its local order (e.g. for RoPE)."""
    _check_split(seq_len, rank, world_size)
    chunk = seq_len // (2 * world_size)
    first = torch.arange(rank * chunk, (rank + 1) * chunk, device=device)
    last_start = (2 * world_size - 1 - rank) * chunk
    second = torch.arange(last_start, last_start + chunk, device=device)
    return torch.cat([first, second])


def zigzag_shard(x: torch.Tensor, rank: int, world_size: int, dim: int = 2) -> torch.Tensor:
    """Rank `rank`'s shard of the full sequence `x` along `dim`: chunks rank and 2W-1-rank."""
    if not isinstance(x, torch.Tensor):
        raise AttentionInputError("x", f"expected a torch.Tensor, got {type(x).__name__}")
    dim = dim % x.dim()
    _check_split(x.shape[dim], rank, world_size)
    chunks = x.chunk(2 * world_size, dim=dim)
    return torch.cat([chunks[rank], chunks[2 * world_size - 1 - rank]], dim=dim)


def zigzag_unshard(shards: Sequence[torch.Tensor], dim: int = 2) -> torch.Tensor:
    """The full sequence from every rank's shard, given in rank order."""
    world_size = len(shards)
    if world_size == 0:
        raise AttentionInputError("shards", "expected one tensor per rank, got none")
    dim = dim % shards[0].dim()
    for rank, shard in enumerate(shards):
        if shard.shape != shards[0].shape:
            raise AttentionInputError(
                f"shards[{rank}]", f"shape {tuple(shard.shape)} differs from shards[0] {tuple(shards[0].shape)}")
    if shards[0].shape[dim] % 2 != 0:
        raise AttentionInputError("shards", f"length {shards[0].shape[dim]} along dim {dim} is odd, not two chunks")
    halves = [shard.chunk(2, dim=dim) for shard in shards]
    ordered = [halves[r][0] for r in range(world_size)] + [halves[r][1] for r in reversed(range(world_size))]
    return torch.cat(ordered, dim=dim)
