"""Feature maps phi applied to queries and keys before the kernels.

Linear attention replaces softmax(q k^T) by phi(q) phi(k)^T. The map is applied with ordinary
PyTorch ops outside the kernels, so autograd differentiates through it and the kernels stay
map-agnostic. "elu+1" and "relu" keep phi(q) phi(k)^T non-negative, as the linear transformer
(Katharopoulos et al., 2020) needs; "identity" is what Lightning Attention uses with its decay.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F

from .checks import LinearAttentionError

FeatureMap = Callable[[torch.Tensor], torch.Tensor]


def _identity(x: torch.Tensor) -> torch.Tensor:
    return x


def _elu_plus_one(x: torch.Tensor) -> torch.Tensor:
    return F.elu(x) + 1.0


def _relu(x: torch.Tensor) -> torch.Tensor:
    return F.relu(x)


def _silu(x: torch.Tensor) -> torch.Tensor:
    return F.silu(x)


def _softmax(x: torch.Tensor) -> torch.Tensor:
    return torch.softmax(x, dim=-1)


FEATURE_MAPS: dict[str, FeatureMap] = {
    "identity": _identity,
    "elu+1": _elu_plus_one,
    "relu": _relu,
    "silu": _silu,
    "softmax": _softmax,
}


def resolve_feature_map(feature_map: str | FeatureMap | None) -> FeatureMap:
    """Turn a feature-map name (or a callable, or None for identity) into a callable."""
    if feature_map is None:
        return _identity
    if callable(feature_map):
        return feature_map
    if isinstance(feature_map, str):
        try:
            return FEATURE_MAPS[feature_map]
        except KeyError:
            names = ", ".join(sorted(FEATURE_MAPS))
            raise LinearAttentionError(
                "feature_map", f"unknown feature map {feature_map!r}; known: {names}, or pass a callable"
            ) from None
    raise LinearAttentionError(
        "feature_map", f"expected a name or a callable, got {type(feature_map).__name__}"
    )
