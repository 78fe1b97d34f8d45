"""Ingest with a trained reader's encoder: its render config, its tokens, its identity on every token file."""

from __future__ import annotations

import json

import pytest
import torch
from safetensors import safe_open

from glyphctx.api import compress
from glyphctx.encode import resolve_encoder
from glyphctx.errors import ConfigError
from glyphctx.io.output import read_manifest
from glyphctx.pipelines import ingest
from glyphctx.pipelines.encode_stage import read_pages
from glyphctx.pipelines.index import read_index
from glyphctx.pipelines.settings import INDEX_FILE, TOKENS_FILE
from glyphctx.reader import GlyphReader
from tests.pipelines.conftest import PASSAGES


def test_tokens_are_what_the_readers_own_encoder_makes_of_the_same_pages(reader_collection, tiny_reader, chapter):
    output, report = reader_collection
    reader = GlyphReader.from_pretrained(tiny_reader, device="cpu")
    assert report.encoder and report.pages_only == ""
    for name, (start, end) in PASSAGES.items():
        folder = output / name
        manifest = read_manifest(folder)
        assert manifest["config_hash"] == reader.render_config.digest()  # drawn the reader's way
        pages = [page.image for page in compress(chapter[start:end], config=reader.render_config).pages]
        for read_back, drawn in zip(read_pages(folder, manifest), pages, strict=True):
            assert (read_back == drawn).all()
        expected = reader.visual_tokens(pages)
        with safe_open(str(folder / TOKENS_FILE), framework="pt") as handle:
            stored = [handle.get_tensor(f"page_{i + 1:04d}") for i in range(len(pages))]
            assert len(list(handle.keys())) == len(pages)
        for ours, theirs in zip(stored, expected, strict=True):
            torch.testing.assert_close(ours, theirs)


def test_token_files_and_the_index_name_the_encoder(reader_collection, reader_run, tiny_reader):
    output, report = reader_collection
    source = resolve_encoder(reader_run)
    rows = {row["name"]: row for row in read_index(output / INDEX_FILE)}
    for name in PASSAGES:
        with safe_open(str(output / name / TOKENS_FILE), framework="pt") as handle:
            metadata = handle.metadata()
        manifest = read_manifest(output / name)
        assert metadata["encoder_key"] == source.identity == rows[name]["encoder_key"]
        assert metadata["encoder"] == str(reader_run) == rows[name]["encoder"]
        assert metadata["encoder_kind"] == "reader"
        assert metadata["encoder_config_digest"] == source.config.digest()
        assert metadata["encoder_weights_sha256"] == source.weights_sha256
        assert metadata["job_key"] == manifest["job_key"] == rows[name]["job_key"]
        assert metadata["render_config_hash"] == metadata["reader_render_hash"] == manifest["config_hash"]
        assert json.loads(metadata["reader_render_config"]) == GlyphReader.from_pretrained(
            tiny_reader, device="cpu").render_config.to_dict()
        assert int(metadata["tokens"]) == rows[name]["encoded_tokens"] > 0


def test_a_render_config_the_reader_was_not_trained_on_is_refused(reader_run, tmp_path):
    with pytest.raises(ConfigError, match="is not the one the reader .* was trained on"):
        ingest([tmp_path], tmp_path / "out", encoder=reader_run, config="default")
    assert not (tmp_path / "out").exists()
