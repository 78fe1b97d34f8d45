"""The hf oracle's plumbing, with a tiny Qwen2-VL built from a config (random weights, no downloads)."""

import numpy as np
import pytest

from glyphctx.search.errors import OracleError
from glyphctx.search.oracles import make_oracle
from tests.tiny_models import save_tiny_vlm


@pytest.fixture(scope="module")
def tiny_vlm(tmp_path_factory):
    return save_tiny_vlm(tmp_path_factory.mktemp("tiny-vlm"))


def test_hf_oracle_reads_each_page_through_the_auto_classes(tiny_vlm):
    oracle = make_oracle("hf", path=str(tiny_vlm), max_new_tokens=6)
    page = np.full((60, 120), 255, np.uint8)
    page[20:40, 10:110] = 0
    rgb = np.stack([page] * 3, axis=-1)
    texts = oracle.read([page, rgb, page])
    assert len(texts) == 3 and all(isinstance(t, str) for t in texts)
    assert all(len(t) <= 6 for t in texts)  # one character per token, special tokens dropped
    assert texts[0] == texts[1] == texts[2]  # greedy decoding; grey and RGB pages are the same image
    assert "hf (" in oracle.describe()


def test_hf_oracle_refuses_what_it_cannot_load(tmp_path):
    with pytest.raises(OracleError, match="path"):
        make_oracle("hf")
    with pytest.raises(OracleError, match="not a model directory"):
        make_oracle("hf", path=str(tmp_path / "missing"))
    with pytest.raises(OracleError, match="cannot load"):
        make_oracle("hf", path=str(tmp_path))
