"""Every RoPE scaling against transformers' rope initialisation functions and rotary module."""

from __future__ import annotations

import pytest
import torch
from transformers import Qwen3MoeConfig
from transformers.modeling_rope_utils import ROPE_INIT_FUNCTIONS
from transformers.models.qwen3_moe.modeling_qwen3_moe import Qwen3MoeRotaryEmbedding

from glyphctx.errors import ConfigError
from glyphctx.model import GlyphLMConfig, RotaryEmbedding, rope_frequencies

HEAD_DIM = 16
MAX_POS = 512
LONGROPE = {"rope_type": "longrope", "rope_theta": 10000.0, "original_max_position_embeddings": 128,
            "short_factor": [1.0 + 0.1 * i for i in range(HEAD_DIM // 2)],
            "long_factor": [1.0 + 0.7 * i for i in range(HEAD_DIM // 2)]}
CASES = {
    "linear": {"rope_type": "linear", "rope_theta": 10000.0, "factor": 4.0},
    "dynamic": {"rope_type": "dynamic", "rope_theta": 10000.0, "factor": 2.0},
    "yarn": {"rope_type": "yarn", "rope_theta": 10000.0, "factor": 4.0, "original_max_position_embeddings": 128},
    "yarn-betas": {"rope_type": "yarn", "rope_theta": 500000.0, "factor": 8.0, "original_max_position_embeddings": 64,
                   "beta_fast": 16, "beta_slow": 2},
    "yarn-attention-factor": {"rope_type": "yarn", "rope_theta": 10000.0, "factor": 4.0,
                              "original_max_position_embeddings": 128, "attention_factor": 1.3},
    "yarn-mscale": {"rope_type": "yarn", "rope_theta": 10000.0, "factor": 4.0,
                    "original_max_position_embeddings": 128, "mscale": 1.0, "mscale_all_dim": 0.7},
    "longrope": LONGROPE,
    "longrope-factor": dict(LONGROPE, factor=8.0),
}


def _config(params: dict) -> GlyphLMConfig:
    return GlyphLMConfig(hidden_size=64, num_attention_heads=4, num_key_value_heads=2, head_dim=HEAD_DIM,
                         num_hidden_layers=1, vocab_size=32, max_position_embeddings=MAX_POS,
                         rope_parameters=dict(params))


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("seq_len", [None, 100, 2048])
def test_frequencies_equal_transformers(name, seq_len):
    params = CASES[name]
    config = _config(params)
    want, want_scale = ROPE_INIT_FUNCTIONS[params["rope_type"]](config, None, seq_len=seq_len)
    got, got_scale = rope_frequencies(config.rope_parameters, HEAD_DIM, MAX_POS, seq_len=seq_len)
    torch.testing.assert_close(got, want, atol=0, rtol=1e-6)
    assert got_scale == pytest.approx(want_scale, rel=1e-12)


def test_yarn_attention_factor_is_0_1_ln_s_plus_1():
    _, scale = rope_frequencies(CASES["yarn"], HEAD_DIM, MAX_POS)
    assert scale == pytest.approx(0.1 * torch.log(torch.tensor(4.0)).item() + 1.0)


def test_default_frequencies():
    got, scale = rope_frequencies({"rope_type": "default", "rope_theta": 10000.0}, HEAD_DIM, MAX_POS)
    want = 1.0 / 10000.0 ** (torch.arange(0, HEAD_DIM, 2).float() / HEAD_DIM)
    torch.testing.assert_close(got, want)
    assert scale == 1.0


def test_static_ntk_is_dynamic_ntk_at_the_matching_length():
    # dynamic NTK's base grows as (f * L' / L - (f - 1)); at L' = L (2f - 1) / f it equals static NTK's f
    factor = 4.0
    config = _config({"rope_type": "dynamic", "rope_theta": 10000.0, "factor": factor})
    want, _ = ROPE_INIT_FUNCTIONS["dynamic"](config, None, seq_len=int(MAX_POS * (2 * factor - 1) / factor))
    got, scale = rope_frequencies({"rope_type": "ntk", "rope_theta": 10000.0, "factor": factor}, HEAD_DIM, MAX_POS)
    torch.testing.assert_close(got, want, atol=0, rtol=1e-6)
    assert scale == 1.0
    _config({"rope_type": "ntk", "rope_theta": 10000.0, "factor": factor})  # accepted by the config


@pytest.mark.parametrize("name", ["dynamic", "longrope", "yarn"])
@pytest.mark.parametrize("length", [64, 1500])
def test_rotary_module_equals_transformers(name, length):
    params = CASES[name]
    reference = Qwen3MoeRotaryEmbedding(Qwen3MoeConfig(
        hidden_size=64, num_attention_heads=4, num_key_value_heads=2, head_dim=HEAD_DIM, num_hidden_layers=1,
        vocab_size=32, max_position_embeddings=MAX_POS, rope_parameters=dict(params)))
    ours = RotaryEmbedding(params, HEAD_DIM, MAX_POS)
    positions = torch.arange(length)[None]
    want_cos, want_sin = reference(torch.zeros(1, dtype=torch.float32), positions)
    got_cos, got_sin = ours(positions, torch.float32)
    torch.testing.assert_close(got_cos, want_cos, atol=1e-6, rtol=0)
    torch.testing.assert_close(got_sin, want_sin, atol=1e-6, rtol=0)


@pytest.mark.parametrize("params, field", [
    ({"rope_type": "spiral", "rope_theta": 10000.0}, "rope_type"),
    ({"rope_type": "linear", "rope_theta": 10000.0}, "factor"),
    ({"rope_type": "yarn", "rope_theta": 10000.0, "factor": 4.0, "original_max_position_embeddings": 0},
     "original_max_position_embeddings"),
    ({"rope_type": "default", "rope_theta": -1.0}, "rope_theta"),
    (dict(LONGROPE, short_factor=[1.0, 2.0]), "short_factor"),
])
def test_bad_rope_parameters_name_the_field(params, field):
    with pytest.raises(ConfigError, match=field):
        _config(params)
