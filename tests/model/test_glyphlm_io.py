"""Config, presets, Auto classes and safetensors round trips."""

from __future__ import annotations

import pytest
import torch
from transformers import AutoConfig, AutoModelForCausalLM

from glyphctx.errors import ConfigError
from glyphctx.model import GlyphLMConfig, GlyphLMForCausalLM, ModelInputError, load_config, preset_names


def test_presets_load_and_tiny_builds():
    assert {"glyphlm-tiny", "glyphlm-1b-a200m"} <= set(preset_names())
    for name in preset_names():
        config = load_config(name)
        assert len(config.layer_types) == config.num_hidden_layers
    tiny = load_config("glyphlm-tiny")
    assert tiny.layer_types == ["linear_attention"] * 3 + ["full_attention"]
    model = GlyphLMForCausalLM(tiny).eval()
    out = model(torch.randint(0, tiny.vocab_size, (1, 8)), visual_tokens=torch.randn(1, 3, tiny.vision_hidden_size))
    assert out.logits.shape == (1, 13, tiny.vocab_size)


def test_load_config_from_path_and_errors(tmp_path):
    good = tmp_path / "small.yaml"
    good.write_text("hidden_size: 32\nnum_attention_heads: 2\nnum_key_value_heads: 1\nnum_hidden_layers: 2\n")
    assert load_config(str(good), vocab_size=64).vocab_size == 64
    bad = tmp_path / "bad.yaml"
    bad.write_text("hidden_size: 32\nwidth: 3\n")
    with pytest.raises(ConfigError, match="width"):
        load_config(str(bad))
    with pytest.raises(ConfigError, match="unknown model preset"):
        load_config("no-such-preset")


@pytest.mark.parametrize("kwargs, field", [
    (dict(num_attention_heads=4, num_key_value_heads=3), "num_key_value_heads"),
    (dict(layer_types=["full", "sideways"]), "layer_types"),
    (dict(layer_types=["linear", "linear"]), "layer_types"),
    (dict(layer_types=["full"]), "layer_types"),
    (dict(num_experts_per_tok=9), "num_experts_per_tok"),
    (dict(router_type="hash"), "router_type"),
    (dict(router_jitter_noise=1.5), "router_jitter_noise"),
    (dict(mlp_only_layers=[5]), "mlp_only_layers"),
])
def test_bad_configs_name_the_field(build, kwargs, field):
    with pytest.raises(ConfigError, match=field):
        GlyphLMConfig(**build.tiny_kwargs(**kwargs))


@pytest.mark.parametrize("tied", [False, True])
def test_save_and_load_round_trip_through_auto_classes(build, tmp_path, tied):
    config = GlyphLMConfig(**build.tiny_kwargs(
        num_hidden_layers=4, layer_types=["linear", "linear", "linear", "full"], shared_expert_intermediate_size=32,
        vision_hidden_size=24, rope_parameters=build.YARN, tie_word_embeddings=tied, router_type="top_k"))
    model = build.randomise_(GlyphLMForCausalLM(config)).eval()
    if tied:
        model.tie_weights()
    model.save_pretrained(tmp_path)
    assert (tmp_path / "model.safetensors").is_file()
    assert isinstance(AutoConfig.from_pretrained(tmp_path), GlyphLMConfig)
    loaded = AutoModelForCausalLM.from_pretrained(tmp_path).eval()
    assert isinstance(loaded, GlyphLMForCausalLM)
    assert loaded.config.layer_types == config.layer_types
    assert loaded.config.rope_parameters == config.rope_parameters
    ids = torch.randint(0, 128, (1, 10))
    visual = torch.randn(1, 4, 24)
    with torch.no_grad():
        # same weights; the loaded tensors' memory layout may change float rounding order only
        torch.testing.assert_close(loaded(ids, visual_tokens=visual).logits, model(ids, visual_tokens=visual).logits,
                                   atol=1e-5, rtol=1e-5)
    for name, tensor in model.state_dict().items():
        assert torch.equal(loaded.state_dict()[name], tensor), name


def test_input_errors_are_typed(build):
    model = GlyphLMForCausalLM(GlyphLMConfig(**build.tiny_kwargs()))
    with pytest.raises(ModelInputError, match="input_ids"):
        model()
    with pytest.raises(ModelInputError, match="input_ids"):
        model(torch.randint(0, 128, (8,)))
    with pytest.raises(ModelInputError, match="attention_mask"):
        model(torch.randint(0, 128, (1, 4)), attention_mask=torch.ones(1, 9))
    with pytest.raises(ModelInputError, match="labels"):
        model(torch.randint(0, 128, (1, 4)), labels=torch.zeros(1, 3, dtype=torch.long))


def test_auto_from_config_and_bfloat16(build):
    import copy

    config = GlyphLMConfig(**build.tiny_kwargs(layer_types=["linear", "full"], rope_parameters=build.YARN))
    model = AutoModelForCausalLM.from_config(copy.deepcopy(config), attn_implementation="sdpa").eval()
    assert isinstance(model, GlyphLMForCausalLM)
    ids = torch.randint(0, 128, (1, 12))
    with torch.no_grad():
        full = model(ids).logits
        half = model.to(torch.bfloat16)(ids).logits.float()
    assert model.model.rotary_emb.initial_inv_freq().dtype == torch.float32
    assert (full - half).abs().max() < 0.1 * full.abs().max() + 0.05
