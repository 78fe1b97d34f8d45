"""Tiny models shared by the evaluation tests: built once per session, each in its own folder."""

from pathlib import Path

import pytest
import torch

from tests.tiny_models import save_tiny_causal_lm, save_tiny_reader, save_tiny_vlm

DATA = Path(__file__).resolve().parents[1] / "data"
BOOK = DATA / "pride-and-prejudice-ch1.txt"

torch.set_num_threads(1)


@pytest.fixture(scope="session")
def reader_dir(tmp_path_factory):
    return save_tiny_reader(tmp_path_factory.mktemp("eval") / "reader")


@pytest.fixture(scope="session")
def vlm_dir(tmp_path_factory):
    return save_tiny_vlm(tmp_path_factory.mktemp("eval") / "vlm")


@pytest.fixture(scope="session")
def text_lm_dir(tmp_path_factory):
    return save_tiny_causal_lm(tmp_path_factory.mktemp("eval") / "text-lm")
