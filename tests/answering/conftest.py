"""The answering tests run their tiny models on one thread: two cores are shared with Ray and tesseract."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session", autouse=True)
def _one_thread():
    import torch

    torch.set_num_threads(1)


@pytest.fixture(scope="session")
def served_vlm(tiny_vlm, tmp_path_factory):
    """(base URL, model name) of `transformers serve` on the tiny random Qwen2-VL, started once, offline."""
    from tests.answering.served import start_transformers_serve, stop

    process, base_url = start_transformers_serve(tiny_vlm, tmp_path_factory.mktemp("serve") / "serve.log")
    yield base_url, str(tiny_vlm)
    stop(process)


@pytest.fixture
def proxy(served_vlm):
    """A recording proxy in front of the served model, fresh for each test."""
    from tests.answering.served import RecordingProxy

    with RecordingProxy(served_vlm[0]) as recording:
        yield recording
