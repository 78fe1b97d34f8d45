"""Shared builders for the model tests: tiny configs and randomised weights."""

from __future__ import annotations

import copy

import pytest
import torch

TINY = dict(vocab_size=128, hidden_size=64, intermediate_size=96, moe_intermediate_size=32, num_hidden_layers=2,
            num_attention_heads=4, num_key_value_heads=2, head_dim=16, num_experts=8, num_experts_per_tok=2,
            norm_topk_prob=True, max_position_embeddings=512)
YARN = {"rope_type": "yarn", "rope_theta": 10000.0, "factor": 4.0, "original_max_position_embeddings": 128}


def tiny_kwargs(**overrides) -> dict:
    kwargs = copy.deepcopy(TINY)
    kwargs.update(copy.deepcopy(overrides))
    return kwargs


def randomise_(model: torch.nn.Module, seed: int = 0, std: float = 0.15) -> torch.nn.Module:
    """Weights far from their init (norm weights around 1, the rest N(0, std)) so mismatches show."""
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            noise = torch.randn(p.shape, generator=gen) * std
            p.copy_(1.0 + noise if name.endswith("norm.weight") else noise)
    return model


@pytest.fixture(autouse=True)
def _deterministic():
    torch.manual_seed(0)
    yield


class _Builders:
    """What the tests import from here, handed over as a fixture (tests are not importable modules)."""

    TINY = TINY
    YARN = YARN
    tiny_kwargs = staticmethod(tiny_kwargs)
    randomise_ = staticmethod(randomise_)


@pytest.fixture
def build():
    return _Builders
