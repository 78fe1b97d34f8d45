"""Grouped matrix multiply for mixture-of-experts dispatch, and the routing around it.

A MoE layer sorts its (token, expert choice) pairs by expert, multiplies each expert's rows by that
expert's weight in one grouped matmul, and sums every token's expert outputs back:

    dispatch = sort_by_expert(expert_ids, num_experts)     # expert_ids [T, k]
    h = grouped_mm(permute(x, dispatch), w, dispatch.offs) # w [E, K, M]
    out = unpermute(h, dispatch, routing_weights)          # [T, M]

`grouped_mm` runs Triton on CUDA, and elsewhere `torch._grouped_mm` or a per-expert loop (see README.md).
Importing this package does not import Triton.
"""

from ..backend import BACKENDS
from .checks import MoEInputError, check_grouped_mm_args
from .dispatch import grouped_mm, select_backend, triton_unsupported_reason
from .naive import grouped_mm_loop, moe_dense_reference
from .routing import ExpertDispatch, permute, sort_by_expert, unpermute
from .torch_grouped_mm import torch_grouped_mm, torch_grouped_mm_unsupported_reason

__all__ = [
    "BACKENDS",
    "ExpertDispatch",
    "MoEInputError",
    "check_grouped_mm_args",
    "grouped_mm",
    "grouped_mm_loop",
    "moe_dense_reference",
    "permute",
    "select_backend",
    "sort_by_expert",
    "torch_grouped_mm",
    "torch_grouped_mm_unsupported_reason",
    "triton_unsupported_reason",
    "unpermute",
]
