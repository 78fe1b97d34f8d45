"""Weights the batch jobs encode with: an encoder weights file, and the tiny reader laid out as a training run."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def encoder_file(tmp_path_factory) -> Path:
    """encoder-tiny (seeded) saved as a glyphctx weights file: its tokens count what the qwen2.5-vl profile counts."""
    from glyphctx.encode import load_encoder, save_weights

    path = tmp_path_factory.mktemp("encoder") / "encoder-tiny.safetensors"
    save_weights(load_encoder("encoder-tiny", device="cpu"), path)
    return path


@pytest.fixture(scope="session")
def reader_run(tiny_reader, tmp_path_factory) -> Path:
    """A `glyphctx train -o runs/tiny-reader` folder: the checkpoint to read with in final/."""
    run = tmp_path_factory.mktemp("runs") / "tiny-reader"
    shutil.copytree(tiny_reader, run / "final")
    return run


#: three short passages of the test chapter: a few one-line pages each in the tiny reader's render config
PASSAGES = {"a": (0, 800), "b": (2000, 2600), "c": (4000, 4900)}


@pytest.fixture(scope="session")
def reader_corpus(tmp_path_factory, chapter) -> Path:
    corpus = tmp_path_factory.mktemp("reader-corpus")
    for name, (start, end) in PASSAGES.items():
        (corpus / f"{name}.txt").write_text(chapter[start:end], encoding="utf-8")
    return corpus


@pytest.fixture(scope="session")
def reader_collection(local_ray, reader_corpus, reader_run, tmp_path_factory):
    """The corpus ingested with the tiny reader's encoder: pages in its render config, and its tokens."""
    from glyphctx.pipelines import ingest

    output = tmp_path_factory.mktemp("ingested-for-reader")
    return output, ingest([reader_corpus], output, encoder=reader_run, workers=2)
