"""The answering tests run their tiny models on one thread: two cores are shared with Ray and tesseract."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session", autouse=True)
def _one_thread():
    import torch

    torch.set_num_threads(1)
