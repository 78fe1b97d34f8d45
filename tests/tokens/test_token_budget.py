"""`count_budget` and `TokenBudget`: text tokens against per-page visual tokens."""

from __future__ import annotations

import json
import pickle

import pytest

from glyphctx.errors import ProfileError, TokenizerError
from glyphctx.tokens import TokenBudget, count_budget, get_profile, load_tokenizer

TEXT = "The quick brown fox jumps over the lazy dog."  # 10 Tekken tokens


def test_budget_counts_text_and_each_page():
    tokenizer, profile = load_tokenizer(), get_profile("qwen2.5-vl")
    budget = count_budget(TEXT * 100, [(595, 842), (1240, 1754)], tokenizer=tokenizer, profile=profile)
    assert budget.text_tokens == tokenizer.count(TEXT * 100)
    assert budget.page_visual_tokens == (630, 1260)
    assert budget.visual_tokens == 1890
    assert budget.tokenizer == "tekken" and budget.profile == "qwen2.5-vl"
    assert budget.ratio == pytest.approx(budget.text_tokens / 1890)


def test_budget_to_dict_is_json_ready():
    budget = count_budget(TEXT, [(448, 448)], tokenizer=load_tokenizer(), profile=get_profile("internvl"))
    data = json.loads(json.dumps(budget.to_dict()))
    assert data == {
        "text_tokens": 10,
        "visual_tokens": 256,
        "ratio": 10 / 256,
        "tokenizer": "tekken",
        "profile": "internvl",
        "page_visual_tokens": [256],
    }


def test_no_pages_gives_a_zero_ratio():
    budget = count_budget(TEXT, [], tokenizer=load_tokenizer(), profile=get_profile("deepseek-ocr-base"))
    assert budget.visual_tokens == 0 and budget.page_visual_tokens == ()
    assert budget.ratio == 0.0
    json.dumps(budget.to_dict(), allow_nan=False)


def test_budget_is_frozen_consistent_and_picklable():
    budget = TokenBudget(text_tokens=5, visual_tokens=3, tokenizer="t", profile="p", page_visual_tokens=[1, 2])
    assert budget.page_visual_tokens == (1, 2)
    assert pickle.loads(pickle.dumps(budget)) == budget
    with pytest.raises(AttributeError):
        budget.text_tokens = 6
    with pytest.raises(ValueError, match="not the sum"):
        TokenBudget(text_tokens=5, visual_tokens=4, tokenizer="t", profile="p", page_visual_tokens=(1, 2))
    with pytest.raises(ValueError, match="non-negative"):
        TokenBudget(text_tokens=-1, visual_tokens=0, tokenizer="t", profile="p", page_visual_tokens=())


def test_bad_pages_name_the_page():
    tokenizer, profile = load_tokenizer(), get_profile("glm-4.1v")
    with pytest.raises(ProfileError, match=r"page_sizes\[1\]: glm-4.1v: image size 0x842"):
        count_budget(TEXT, [(595, 842), (0, 842)], tokenizer=tokenizer, profile=profile)
    with pytest.raises(ProfileError, match=r"page_sizes\[0\]: expected a \(width, height\) pair"):
        count_budget(TEXT, [(595, 842, 3)], tokenizer=tokenizer, profile=profile)
    with pytest.raises(ProfileError, match=r"page_sizes\[0\]"):
        count_budget(TEXT, [(595.5, 842)], tokenizer=tokenizer, profile=profile)


def test_non_text_is_refused():
    with pytest.raises(TokenizerError, match="text: expected str"):
        count_budget(None, [(10, 10)], tokenizer=load_tokenizer(), profile=get_profile("internvl"))
