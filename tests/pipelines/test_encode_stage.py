"""The encode stage on its own (no Ray): page files read back exactly, token files written per page."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from safetensors import safe_open

from glyphctx import compress
from glyphctx.encode import resolve_encoder
from glyphctx.encode.preprocess import grey
from glyphctx.io.images import write_pages
from glyphctx.io.output import read_manifest, write_result
from glyphctx.pipelines.encode_stage import EncodePages, read_pages
from glyphctx.pipelines.index import empty_row
from glyphctx.pipelines.settings import TOKENS_FILE, IngestSettings
from glyphctx.render.config import RenderConfig

DATA = Path(__file__).resolve().parents[1] / "data"


@pytest.mark.parametrize("image_format", ["png", "webp", "npz"])
def test_pages_read_back_exactly_in_every_format(tmp_path, image_format):
    rng = np.random.default_rng(0)
    pages = [rng.integers(0, 256, size=(40, 30), dtype=np.uint8), rng.integers(0, 256, size=(20, 50), dtype=np.uint8)]
    files = write_pages(tmp_path, pages, image_format)
    manifest = {"pages": [{"file": name} for name in files]}
    for original, read in zip(pages, read_pages(tmp_path, manifest)):
        # lossless WebP stores grey pages as RGB; the encoder reads either as grey
        np.testing.assert_array_equal(original, grey(read))


def test_encode_pages_writes_one_tensor_per_page_and_marks_failures(tmp_path, encoder_file):
    config = RenderConfig.load("default")
    result = compress(DATA / "pride-and-prejudice-ch1.txt", config=config)
    write_result(result, tmp_path / "chapter", "key-1", "png")
    source = resolve_encoder(encoder_file)
    settings = IngestSettings(output=str(tmp_path), config=config, profile="qwen2.5-vl", tokenizer=None,
                              tokenizer_name="tekken", encoder=source)
    good = empty_row(0, "chapter.txt", "chapter") | {"status": "ok", "job_key": "key-1"}
    missing = empty_row(1, "gone.txt", "gone") | {"status": "ok", "job_key": "key-2"}
    failed = empty_row(2, "bad.txt", "bad") | {"status": "failed", "code": "empty"}
    out = EncodePages(settings, threads=1)(pd.DataFrame([good, missing, failed])).set_index("name")
    assert out.at["chapter", "status"] == "ok"
    assert out.at["chapter", "encoded_tokens"] == result.budget.visual_tokens
    assert out.at["gone", "status"] == "failed" and out.at["gone", "code"] == "encode"
    assert out.at["bad", "status"] == "failed" and out.at["bad", "code"] == "empty"
    with safe_open(str(tmp_path / "chapter" / TOKENS_FILE), framework="pt") as handle:
        metadata = handle.metadata()
        assert metadata["job_key"] == "key-1" and metadata["encoder_key"] == source.identity
        assert metadata["encoder"] == str(encoder_file) and metadata["encoder_kind"] == "weights"
        assert metadata["render_config_hash"] == config.digest() and "reader_render_hash" not in metadata
        shapes = [tuple(handle.get_tensor(f"page_{i + 1:04d}").shape) for i in range(len(result.pages))]
    assert shapes == [(n, 64) for n in read_manifest(tmp_path / "chapter")["budget"]["page_visual_tokens"]]


def test_the_stage_refuses_to_run_without_weights(tmp_path):
    settings = IngestSettings(output=str(tmp_path), config=RenderConfig.load("default"), profile="qwen2.5-vl",
                              tokenizer=None, tokenizer_name="tekken")
    assert not settings.encode and settings.encoder_key == ""
    with pytest.raises(ValueError, match="needs encoder weights"):
        EncodePages(settings)
