"""The visual prefix: projector, boundary tokens, text attending to the image, errors."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from glyphctx.model import GlyphLMConfig, GlyphLMForCausalLM, ModelInputError


@pytest.fixture
def model(build):
    config = GlyphLMConfig(**build.tiny_kwargs(vision_hidden_size=24, num_hidden_layers=2,
                                               layer_types=["linear", "full"]))
    return build.randomise_(GlyphLMForCausalLM(config), std=0.2).eval()


def test_prefix_is_begin_projection_end_then_text(model):
    ids = torch.randint(0, 128, (2, 6))
    visual = torch.randn(2, 5, 24)
    proj = model.model.visual
    with torch.no_grad():
        projected = proj.linear_2(F.gelu(proj.linear_1(visual)))
        embeds = torch.cat([proj.image_begin.expand(2, 1, -1), projected, proj.image_end.expand(2, 1, -1),
                            model.model.embed_tokens(ids)], dim=1)
        want = model(inputs_embeds=embeds).logits
        got = model(ids, visual_tokens=visual).logits
    assert got.shape == (2, 5 + 2 + 6, 128)
    torch.testing.assert_close(got, want, atol=1e-5, rtol=1e-5)


def test_text_attends_to_the_prefix_and_the_prefix_not_to_the_text(model):
    ids = torch.randint(0, 128, (1, 6))
    visual = torch.randn(1, 5, 24)
    with torch.no_grad():
        a = model(ids, visual_tokens=visual).logits
        b = model(ids, visual_tokens=visual + torch.randn_like(visual)).logits
        other_text = torch.randint(0, 128, (1, 6))
        c = model(other_text, visual_tokens=visual).logits
    assert (a[:, 7:] - b[:, 7:]).abs().max() > 1e-3  # another image changes every text position
    torch.testing.assert_close(a[:, :7], c[:, :7])  # the prefix never sees the text (causal)


def test_loss_skips_the_prefix_and_end_of_image_predicts_the_first_token(model):
    ids = torch.randint(0, 128, (2, 6))
    visual = torch.randn(2, 5, 24)
    with torch.no_grad():
        out = model(ids, visual_tokens=visual, labels=ids)
    text_logits = out.logits[:, 6:-1]  # from the end-of-image position to the second-last text token
    want = F.cross_entropy(text_logits.reshape(-1, 128), ids.reshape(-1))
    coef = model.config.router_aux_loss_coef
    torch.testing.assert_close(out.loss, want + coef * out.aux_loss + model.config.router_z_loss_coef * out.z_loss)


def test_attention_mask_may_cover_only_the_text(model):
    ids = torch.randint(0, 128, (1, 6))
    visual = torch.randn(1, 5, 24)
    with torch.no_grad():
        a = model(ids, visual_tokens=visual).logits
        b = model(ids, visual_tokens=visual, attention_mask=torch.ones(1, 6, dtype=torch.long)).logits
    torch.testing.assert_close(a, b)


def test_visual_input_errors(build, model):
    ids = torch.randint(0, 128, (1, 4))
    with pytest.raises(ModelInputError, match="visual_tokens"):
        model(ids, visual_tokens=torch.randn(1, 5, 7))
    with pytest.raises(ModelInputError, match="visual_tokens"):
        model(ids, visual_tokens=torch.randn(5, 24))
    with pytest.raises(ModelInputError, match="visual_tokens"):
        model(ids, visual_tokens=torch.randn(2, 5, 24))
    with pytest.raises(ModelInputError, match="position_ids"):
        model(ids, visual_tokens=torch.randn(1, 5, 24), position_ids=torch.arange(4)[None])
    text_only = GlyphLMForCausalLM(GlyphLMConfig(**build.tiny_kwargs()))
    with pytest.raises(ModelInputError, match="no visual projector"):
        text_only(ids, visual_tokens=torch.randn(1, 5, 24))


def test_build_inputs_embeds_gives_the_same_sequence(model):
    ids = torch.randint(0, 128, (2, 6))
    visual = torch.randn(2, 5, 24)
    with torch.no_grad():
        embeds = model.model.build_inputs_embeds(ids, visual)
        torch.testing.assert_close(model(inputs_embeds=embeds).logits, model(ids, visual_tokens=visual).logits)
    assert embeds.shape == (2, 13, 64)
