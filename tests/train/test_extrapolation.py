"""The extrapolation table: five RoPE scalings rebuilt on a checkpoint, scored on held-out text."""

import json
import math

import pytest
import torch

from glyphctx.errors import ConfigError
from glyphctx.evaluate.extrapolation import (
    METHODS,
    CheckpointReader,
    evaluate_extrapolation,
    parse_methods,
    parse_multiples,
    write_result,
)
from glyphctx.model import rope_frequencies
from glyphctx.train import TrainSettings, train
from tests.train.helpers import CORPUS, tiny_lm_task

CONTEXT = 16


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    torch.set_num_threads(1)
    folder = tmp_path_factory.mktemp("run")
    settings = TrainSettings(steps=3, lr=0.003, warmup_steps=1, checkpoint_every=3, eval_every=3)
    return train(tiny_lm_task(context=CONTEXT), settings, folder).final


def test_table_has_finite_perplexities_and_1x_is_the_unscaled_model(checkpoint, tmp_path):
    result = evaluate_extrapolation(checkpoint, CORPUS, multiples=[1, 2, 4])
    assert result.context == CONTEXT and result.lengths() == [16, 32, 64] and result.methods == list(METHODS)
    for method in METHODS:
        assert all(math.isfinite(v) and v > 1 for v in result.perplexity[method].values()), method
        assert result.perplexity[method]["16"] == pytest.approx(result.perplexity["none"]["16"], rel=1e-5)
    assert result.perplexity["none"]["16"] == pytest.approx(result.as_saved, rel=1e-6)
    assert result.perplexity["linear"]["64"] != pytest.approx(result.perplexity["none"]["64"], rel=1e-6)
    json_path, md_path = write_result(result, tmp_path)
    saved = json.loads(json_path.read_text())
    assert saved["perplexity"]["yarn"]["64"] == result.perplexity["yarn"]["64"] and saved["lengths"] == [16, 32, 64]
    table = md_path.read_text()
    assert "| method | 16 (1x) | 32 (2x) | 64 (4x) |" in table
    assert sum(line.startswith(f"| {m} |") for line in table.splitlines() for m in METHODS) == 5


def test_each_method_rebuilds_the_rope_of_the_loaded_model(checkpoint):
    reader = CheckpointReader(checkpoint)
    head_dim = reader.config.head_dim
    expect = {
        "none": ({"rope_type": "default", "rope_theta": 10000.0}, 64),
        "linear": ({"rope_type": "linear", "rope_theta": 10000.0, "factor": 4.0}, 64),
        "ntk": ({"rope_type": "ntk", "rope_theta": 10000.0, "factor": 4.0}, 64),
        "yarn": ({"rope_type": "yarn", "rope_theta": 10000.0, "factor": 4.0,
                  "original_max_position_embeddings": CONTEXT}, 64),
    }
    for method, (params, max_pos) in expect.items():
        model = reader.load(method, 4.0)
        rotary = model.model.rotary_emb
        inv_freq, scaling = rope_frequencies(params, head_dim, max_pos)
        torch.testing.assert_close(rotary.inv_freq, inv_freq)
        assert rotary.attention_scaling == pytest.approx(scaling)
    dynamic = reader.load("dynamic", 4.0).model.rotary_emb
    assert dynamic.max_position_embeddings == CONTEXT and dynamic.length_dependent


def test_a_transformers_folder_is_read_with_its_own_tokenizer(tmp_path):
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    from glyphctx.common.corpus import load_corpus

    text = load_corpus(CORPUS).train_text()
    tok = Tokenizer(models.BPE(unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.train_from_iterator([text], trainers.BpeTrainer(vocab_size=300, special_tokens=["<unk>"],
                                                        initial_alphabet=pre_tokenizers.ByteLevel.alphabet()))
    PreTrainedTokenizerFast(tokenizer_object=tok, unk_token="<unk>").save_pretrained(tmp_path)
    torch.manual_seed(0)
    config = LlamaConfig(vocab_size=300, hidden_size=32, intermediate_size=64, num_hidden_layers=1,
                         num_attention_heads=2, num_key_value_heads=2, max_position_embeddings=CONTEXT)
    LlamaForCausalLM(config).save_pretrained(tmp_path)
    result = evaluate_extrapolation(tmp_path, CORPUS, multiples=[1, 4])
    assert result.context == CONTEXT and result.tokenizer == str(tmp_path)
    assert all(math.isfinite(v) for row in result.perplexity.values() for v in row.values())
    assert result.perplexity["ntk"]["16"] == pytest.approx(result.perplexity["none"]["16"], rel=1e-5)
    # static NTK as a default RoPE with the NTK base: the same frequencies as GlyphLM's "ntk" type
    llama = CheckpointReader(tmp_path).load("ntk", 4.0)
    expect, _ = rope_frequencies({"rope_type": "ntk", "rope_theta": 10000.0, "factor": 4.0}, 16, 64)
    torch.testing.assert_close(llama.model.rotary_emb.inv_freq, expect)


def test_bad_arguments_are_config_errors(checkpoint, tmp_path):
    with pytest.raises(ConfigError, match="multiples must be >= 1"):
        parse_multiples("0.5,2")
    with pytest.raises(ConfigError, match="'x'"):
        parse_multiples("1,x")
    with pytest.raises(ConfigError, match="rope-ish"):
        parse_methods("none,rope-ish")
    with pytest.raises(ConfigError, match="config.json"):
        evaluate_extrapolation(tmp_path, CORPUS)
    with pytest.raises(ConfigError, match="fewer than one window"):
        evaluate_extrapolation(checkpoint, CORPUS, multiples=[1, 1000])
