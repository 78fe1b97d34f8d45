"""Ring attention: a Triton flash-attention block kernel and a torch.distributed ring around it.

Layout [batch, heads, seq, head_dim]; grouped-query attention when q has more heads than k/v.
See README.md in this folder for the algorithm and the files.
"""

from ..backend import BACKENDS
from .autograd import RingAttentionFunction, flash_attention, ring_attention
from .checks import AttentionInputError
from .dispatch import attention_block_backward, attention_block_forward, resolve_backend
from .merge import merge_partial_
from .naive import naive_attention
from .zigzag import zigzag_indices, zigzag_shard, zigzag_unshard

__all__ = [
    "BACKENDS",
    "AttentionInputError",
    "RingAttentionFunction",
    "attention_block_backward",
    "attention_block_forward",
    "flash_attention",
    "merge_partial_",
    "naive_attention",
    "resolve_backend",
    "ring_attention",
    "zigzag_indices",
    "zigzag_shard",
    "zigzag_unshard",
]
