"""The vision encoder: output shapes, token counts against the accounting profiles, mixed page sizes,
weights round trip, and typed errors for bad presets and weights."""

from __future__ import annotations

import random

import numpy as np
import pytest
import torch

from glyphctx.encode import (
    EncoderConfig,
    EncoderProfile,
    encoder_names,
    load_encoder,
    load_encoder_config,
    save_weights,
    weights_config,
)
from glyphctx.encode.preprocess import buckets
from glyphctx.errors import ConfigError, ProfileError
from glyphctx.render import render_text
from glyphctx.render.config import RenderConfig
from glyphctx.tokens import get_profile

PAGE_SIZES = [(588, 840), (200, 300), (1000, 60), (30, 30), (29, 1500), (1240, 1754), (57, 57), (840, 588)]


@pytest.fixture(scope="module")
def tiny():
    return load_encoder("encoder-tiny", device="cpu")


@pytest.fixture(scope="module")
def tiny_conv():
    return load_encoder("encoder-tiny-conv", device="cpu")


def _page(width: int, height: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, size=(height, width), dtype=np.uint8)


def test_every_preset_names_a_profile_whose_rule_it_reproduces():
    rng = random.Random(7)
    sizes = [(rng.randint(1, 4000), rng.randint(1, 4000)) for _ in range(3000)] + PAGE_SIZES
    assert {"encoder-tiny", "encoder-tiny-conv"} <= set(encoder_names())
    for name in encoder_names():
        config = load_encoder_config(name)
        assert config.profile is not None, name
        profile = get_profile(config.profile)
        encoder_rule = EncoderProfile(name, config)  # what VisionEncoder(config).tokens_for uses
        for width, height in sizes:
            try:
                expected = profile.tokens_for(width, height)
            except ProfileError:  # both refuse the same sizes (e.g. aspect ratios over 200)
                with pytest.raises(ProfileError):
                    encoder_rule.tokens_for(width, height)
                continue
            assert encoder_rule.tokens_for(width, height) == expected, (name, width, height)


@pytest.mark.parametrize("fixture", ["tiny", "tiny_conv"])
def test_emitted_tokens_per_page_equal_the_count_for_mixed_sizes(fixture, request):
    encoder = request.getfixturevalue(fixture)
    profile = get_profile(encoder.config.profile)
    pages = [_page(w, h, seed=i) for i, (w, h) in enumerate(PAGE_SIZES)]
    tokens = encoder.encode(pages)
    assert len(tokens) == len(pages)
    for (width, height), out in zip(PAGE_SIZES, tokens):
        assert out.dtype == torch.float32 and out.device.type == "cpu"
        assert tuple(out.shape) == (profile.tokens_for(width, height), encoder.config.out_dim), (width, height)
        assert encoder.tokens_for(width, height) == out.shape[0]
        assert torch.isfinite(out).all()


def test_a_page_encodes_the_same_alone_as_in_a_mixed_batch(tiny):
    pages = [_page(w, h, seed=i) for i, (w, h) in enumerate(PAGE_SIZES[:4])] + [_page(588, 840, seed=0)]
    together = tiny.encode(pages)
    for page, batched in zip(pages, together):
        (alone,) = tiny.encode([page])
        torch.testing.assert_close(alone, batched, rtol=1e-4, atol=1e-4)
    torch.testing.assert_close(together[0], together[-1], rtol=1e-4, atol=1e-4)  # same pixels, same tokens


def test_rendered_pages_in_grey_and_rgb_encode_alike(tiny):
    result = render_text("Visual tokens stand for several text tokens each. " * 40, RenderConfig.load("default"))
    grey = result.pages[0].image
    rgb = np.repeat(grey[..., None], 3, axis=2)
    a, b = tiny.encode([grey, rgb])
    torch.testing.assert_close(a, b)
    width, height = result.pages[0].size
    assert a.shape[0] == get_profile("qwen2.5-vl").tokens_for(width, height)


def test_compressors_shrink_the_patch_grid_4x_and_16x():
    for name, factor in (("encoder-tiny", 4), ("encoder-tiny-conv", 16)):
        encoder = load_encoder(name, device="cpu")
        side = encoder.config.patch_size * 8
        pixels = torch.zeros(2, encoder.config.in_chans, side, side)
        patches = (side // encoder.config.patch_size) ** 2
        assert tuple(encoder(pixels).shape) == (2, patches // factor, encoder.config.out_dim)


def test_buckets_group_equal_sizes_and_respect_the_pixel_budget():
    sizes = [(10, 10), (20, 10), (10, 10), (10, 10), (20, 10)]
    groups = buckets(sizes, max_pixels=200)
    assert sorted(i for g in groups for i in g) == list(range(5))
    for group in groups:
        assert len({sizes[i] for i in group}) == 1
        assert sum(sizes[i][0] * sizes[i][1] for i in group) <= 200 or len(group) == 1
    assert [0, 2] in groups and [3] in groups and [1, 4] not in groups


def test_weights_round_trip_through_safetensors(tmp_path, tiny):
    path = tmp_path / "tiny.safetensors"
    save_weights(tiny, path)
    assert weights_config(path) == tiny.config
    reloaded = load_encoder(str(path), device="cpu")
    other_seed = load_encoder("encoder-tiny", device="cpu", seed=1)
    page = [_page(300, 200)]
    torch.testing.assert_close(reloaded.encode(page)[0], tiny.encode(page)[0], rtol=0, atol=0)
    assert not torch.allclose(other_seed.encode(page)[0], tiny.encode(page)[0])
    with_weights = load_encoder("encoder-tiny", weights=path, device="cpu", seed=1)
    torch.testing.assert_close(with_weights.encode(page)[0], tiny.encode(page)[0], rtol=0, atol=0)


def test_weights_of_another_architecture_are_refused_with_the_file_named(tmp_path, tiny):
    path = tmp_path / "tiny.safetensors"
    save_weights(tiny, path)
    with pytest.raises(ConfigError, match=r"tiny\.safetensors.*different encoder.*compressor"):
        load_encoder("encoder-tiny-conv", weights=path, device="cpu")
    junk = tmp_path / "junk.safetensors"
    junk.write_bytes(b"not a safetensors file")
    with pytest.raises(ConfigError, match="junk.safetensors"):
        load_encoder("encoder-tiny", weights=junk, device="cpu")
    with pytest.raises(ConfigError, match="not found"):
        load_encoder("encoder-tiny", weights=tmp_path / "missing.safetensors", device="cpu")


def test_bad_presets_and_settings_raise_config_errors(tmp_path):
    with pytest.raises(ConfigError, match="unknown encoder 'nope'"):
        load_encoder_config("nope")
    with pytest.raises(ConfigError, match="compressor must be one of"):
        EncoderConfig(compressor="pool")
    with pytest.raises(ConfigError, match="num_heads 3 does not divide"):
        EncoderConfig(num_heads=3)
    with pytest.raises(ConfigError, match="side 500 must be a multiple"):
        EncoderConfig(resize="square", side=500, compressor="conv-s2x2", patch_size=16)
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nwidth: 3\n")
    with pytest.raises(ConfigError, match="bad.yaml: unknown key"):
        load_encoder_config(str(bad))


def test_config_yaml_round_trip_and_digest_ignores_batching():
    config = load_encoder_config("encoder-tiny")
    assert EncoderConfig.from_yaml(config.to_yaml()) == config
    import dataclasses

    assert dataclasses.replace(config, max_batch_pixels=1).digest() == config.digest()
    assert dataclasses.replace(config, out_dim=32).digest() != config.digest()


def test_bad_page_arrays_are_refused(tiny):
    with pytest.raises(ConfigError, match="page 1: expected a uint8"):
        tiny.encode([_page(30, 30), np.zeros((30, 30), dtype=np.float32)])


def test_a_convolutional_stem_keeps_the_patch_grid_and_round_trips(tmp_path):
    from glyphctx.encode import load_weights
    from glyphctx.encode.model import VisionEncoder

    config = EncoderConfig(name="conv", patch_size=12, embed_dim=32, num_heads=2, stem="conv", img_size=[12, 96],
                           compressor="merge1x4-mlp", resize="pad", profile=None)
    torch.manual_seed(0)
    encoder = VisionEncoder(config).eval()
    pages = [_page(96, 12), _page(90, 12, seed=1)]
    tokens = encoder.encode(pages)
    assert [t.shape for t in tokens] == [(2, 64), (2, 64)] and encoder.tokens_for(90, 12) == 2
    save_weights(encoder, tmp_path / "conv.safetensors")
    again = load_weights(VisionEncoder(config), tmp_path / "conv.safetensors").eval()
    assert all(torch.equal(a, b) for a, b in zip(tokens, again.encode(pages)))
    with pytest.raises(ConfigError, match="stem"):
        EncoderConfig(stem="conv", patch_size=7)
