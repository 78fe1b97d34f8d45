"""generate() with the cache (keys/values for softmax layers, recurrent state for linear ones)
against step-by-step argmax over full forwards without any cache."""

from __future__ import annotations

import pytest
import torch
from transformers import DynamicCache

from glyphctx.model import GlyphLMConfig, GlyphLMForCausalLM, ModelInputError

HYBRID = ["linear", "linear", "linear", "full"]


def _model(build, layer_types=None, **overrides) -> GlyphLMForCausalLM:
    kwargs = build.tiny_kwargs(num_hidden_layers=4, layer_types=layer_types, rope_parameters=build.YARN,
                               vision_hidden_size=24, shared_expert_intermediate_size=32, **overrides)
    return build.randomise_(GlyphLMForCausalLM(GlyphLMConfig(**kwargs)), std=0.2).eval()


def _greedy_by_full_forwards(model, ids, steps, mask=None, visual=None):
    with torch.no_grad():
        for _ in range(steps):
            logits = model(ids, attention_mask=mask, visual_tokens=visual, use_cache=False).logits
            nxt = logits[:, -1].argmax(-1, keepdim=True)
            ids = torch.cat([ids, nxt], dim=1)
            if mask is not None:
                mask = torch.cat([mask, torch.ones_like(nxt)], dim=1)
    return ids


@pytest.mark.parametrize("layer_types", [None, HYBRID], ids=["softmax", "hybrid"])
def test_greedy_generate_equals_argmax_of_full_forwards(build, layer_types):
    model = _model(build, layer_types)
    ids = torch.randint(0, 128, (2, 9))
    with torch.no_grad():
        got = model.generate(ids, max_new_tokens=8, do_sample=False)
    assert torch.equal(got, _greedy_by_full_forwards(model, ids, 8))


@pytest.mark.parametrize("layer_types", [None, HYBRID], ids=["softmax", "hybrid"])
def test_greedy_generate_with_left_padding_and_visual_prefix(build, layer_types):
    model = _model(build, layer_types)
    ids = torch.randint(1, 128, (2, 7))
    mask = torch.ones_like(ids)
    mask[0, :3] = 0
    ids[0, :3] = 0
    visual = torch.randn(2, 5, 24)
    with torch.no_grad():
        got = model.generate(ids, attention_mask=mask, visual_tokens=visual, max_new_tokens=6, do_sample=False)
    assert torch.equal(got, _greedy_by_full_forwards(model, ids, 6, mask=mask, visual=visual))


def test_cached_steps_give_full_forward_logits(build):
    model = _model(build, HYBRID)
    ids = torch.randint(0, 128, (1, 20))
    with torch.no_grad():
        full = model(ids, use_cache=False).logits
        cache = DynamicCache(config=model.config)
        first = model(ids[:, :12], past_key_values=cache, use_cache=True).logits
        steps = [model(ids[:, t:t + 1], past_key_values=cache, use_cache=True).logits for t in range(12, 16)]
        chunk = model(ids[:, 16:], past_key_values=cache, use_cache=True).logits
    stitched = torch.cat([first, *steps, chunk], dim=1)
    torch.testing.assert_close(stitched, full, atol=1e-4, rtol=1e-4)
    assert cache.get_seq_length() == 20
    assert cache.get_recurrent_state(0).shape == (1, 4, 16, 16)


def test_linear_layers_need_a_cache_with_recurrent_state(build):
    model = _model(build, HYBRID)
    with pytest.raises(ModelInputError, match="past_key_values"):
        model(torch.randint(0, 128, (1, 4)), past_key_values=DynamicCache(), use_cache=True)
