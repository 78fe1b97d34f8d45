"""Where ingest finds trained encoder weights: a reader run, a weights file, a named architecture plus a file.

No Ray here: `resolve_encoder` runs in the driver, before any document.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from safetensors.torch import save_file

from glyphctx.answering.reader_model import TRAINED_SUBFOLDER, ReaderModel
from glyphctx.encode import encoder_identity, load_encoder, resolve_encoder
from glyphctx.encode.checkpoints import READER_CONFIG, READER_PREFIX, READER_WEIGHTS, RUN_CHECKPOINT
from glyphctx.errors import ConfigError
from glyphctx.io.digest import file_sha256
from glyphctx.reader import CONFIG_FILE, GlyphReader
from glyphctx.reader.model import WEIGHTS_FILE


def _page() -> np.ndarray:
    page = np.full((12, 384), 255, dtype=np.uint8)
    page[3:9, 8:300:3] = 0
    return page


def test_the_reader_layout_named_here_is_the_readers_own():
    assert (READER_CONFIG, READER_WEIGHTS, RUN_CHECKPOINT) == (CONFIG_FILE, WEIGHTS_FILE, TRAINED_SUBFOLDER)
    reader = GlyphReader.from_preset().state_dict()
    assert all(READER_PREFIX + k in reader for k in GlyphReader.from_preset().encoder.state_dict())


@pytest.mark.parametrize("layout", ["run", "checkpoint"])
def test_a_reader_run_gives_the_readers_encoder_its_render_config_and_identity(layout, reader_run, tiny_reader):
    source = resolve_encoder(reader_run if layout == "run" else tiny_reader)
    reader = GlyphReader.from_pretrained(tiny_reader, device="cpu")
    assert source.kind == "reader" and source.config == reader.config.encoder
    assert source.render == reader.render_config
    assert source.identity == encoder_identity(reader.config.encoder, file_sha256(tiny_reader / WEIGHTS_FILE))
    assert source.identity == ReaderModel(tiny_reader, device="cpu").encoder_identity()
    torch.testing.assert_close(source.load("cpu").encode([_page()])[0], reader.visual_tokens([_page()])[0])
    metadata = source.metadata()
    assert (metadata["encoder_key"] == source.identity
            and metadata["reader_render_hash"] == reader.render_config.digest())


def test_weights_files_with_and_without_a_stored_config(tmp_path, encoder_file):
    tiny = load_encoder("encoder-tiny", device="cpu")
    source = resolve_encoder(encoder_file)
    assert source.kind == "weights" and source.render is None and source.config == tiny.config
    torch.testing.assert_close(source.load("cpu").encode([_page()])[0], tiny.encode([_page()])[0], rtol=0, atol=0)
    assert resolve_encoder(None, encoder_file).identity == source.identity

    bare = tmp_path / "bare.safetensors"  # a plain state dict: the architecture must be named
    save_file({k: v.contiguous() for k, v in tiny.state_dict().items()}, str(bare))
    with pytest.raises(ConfigError, match=r"bare\.safetensors: holds no glyphctx encoder config"):
        resolve_encoder(bare)
    assert resolve_encoder("encoder-tiny", bare).config == tiny.config
    checkpoint = tmp_path / "checkpoint.pth"  # as training scripts save one
    torch.save({"state_dict": tiny.state_dict()}, checkpoint)
    torch.testing.assert_close(resolve_encoder("encoder-tiny", checkpoint).load("cpu").encode([_page()])[0],
                               tiny.encode([_page()])[0], rtol=0, atol=0)


def test_no_weights_means_no_encoder(tmp_path, encoder_file, tiny_reader):
    with pytest.raises(ConfigError, match="a preset names an architecture, not trained weights"):
        resolve_encoder("encoder-tiny")
    with pytest.raises(ConfigError, match="unknown encoder 'nope'"):
        resolve_encoder("nope")
    with pytest.raises(ConfigError, match=f"{tmp_path}: not a reader checkpoint or training run"):
        resolve_encoder(tmp_path)
    with pytest.raises(ConfigError, match="gone.safetensors: encoder weights file not found"):
        resolve_encoder(tmp_path / "gone.safetensors")
    with pytest.raises(ConfigError, match="carries its own encoder weights"):
        resolve_encoder(tiny_reader, encoder_file)
    timm = tmp_path / "vit.pth"  # a timm backbone alone: the compressor would be random
    backbone = load_encoder("encoder-tiny", device="cpu").backbone.state_dict()
    torch.save(backbone, timm)
    with pytest.raises(ConfigError, match="a backbone without the token compressor"):
        resolve_encoder("encoder-tiny", timm)
    with pytest.raises(ConfigError, match=r"encoder-tiny\.safetensors: weights are for a different encoder"):
        resolve_encoder("encoder-tiny-conv", encoder_file)
