"""Tiny model folders built once per session (random weights from configs)."""

from __future__ import annotations

import pytest

from tests.tiny_models import save_tiny_reader, save_tiny_vlm

CHAPTER = "tests/data/pride-and-prejudice-ch1.txt"


@pytest.fixture(scope="session", autouse=True)
def _one_thread():
    import torch

    torch.set_num_threads(1)


@pytest.fixture(scope="session")
def tiny_vlm(tmp_path_factory):
    return save_tiny_vlm(tmp_path_factory.mktemp("tiny-vlm"))


@pytest.fixture(scope="session")
def tiny_reader(tmp_path_factory):
    return save_tiny_reader(tmp_path_factory.mktemp("runs") / "tiny-reader")


@pytest.fixture(scope="session")
def chapter():
    from pathlib import Path

    return (Path(__file__).resolve().parents[2] / CHAPTER).read_text(encoding="utf-8")
