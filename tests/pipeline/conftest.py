"""Tiny model folders built once per session (random weights from configs), and one local Ray."""

from __future__ import annotations

import os

import pytest

from tests.pipeline.tiny_models import build_tiny_reader, build_tiny_vlm

CHAPTER = "tests/data/pride-and-prejudice-ch1.txt"


@pytest.fixture(scope="session", autouse=True)
def _one_thread():
    import torch

    torch.set_num_threads(1)


@pytest.fixture(scope="session")
def tiny_vlm(tmp_path_factory):
    return build_tiny_vlm(tmp_path_factory.mktemp("tiny-vlm"))


@pytest.fixture(scope="session")
def tiny_reader(tmp_path_factory):
    return build_tiny_reader(tmp_path_factory.mktemp("runs") / "tiny-reader")


@pytest.fixture(scope="session")
def chapter():
    from pathlib import Path

    return (Path(__file__).resolve().parents[2] / CHAPTER).read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def local_ray():
    os.environ.setdefault("RAY_AUTH_MODE", "disabled")
    import ray

    if ray.is_initialized():  # started by another suite in this session: share it, leave it running
        yield ray
        return
    ray.init(num_cpus=2, object_store_memory=120 * 1024 * 1024, include_dashboard=False, logging_level="WARNING")
    yield ray
    ray.shutdown()
