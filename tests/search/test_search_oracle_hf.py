"""The hf oracle's plumbing, with a tiny Qwen2-VL built from a config (random weights, no downloads)."""

import string

import numpy as np
import pytest

from glyphctx.search.errors import OracleError
from glyphctx.search.oracles import make_oracle

SPECIALS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>", "<|vision_start|>", "<|vision_end|>", "<|image_pad|>",
            "<|video_pad|>"]
TEMPLATE = (
    "{% for m in messages %}<|im_start|>{{ m['role'] }}\n{% for c in m['content'] %}"
    "{% if c['type'] == 'image' %}<|vision_start|><|image_pad|><|vision_end|>{% else %}{{ c['text'] }}{% endif %}"
    "{% endfor %}<|im_end|>\n{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)


@pytest.fixture(scope="module")
def tiny_vlm(tmp_path_factory):
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast, Qwen2VLConfig, Qwen2VLForConditionalGeneration, Qwen2VLProcessor
    from transformers.models.qwen2_vl.image_processing_pil_qwen2_vl import Qwen2VLImageProcessorPil
    from transformers.models.qwen2_vl.video_processing_qwen2_vl import Qwen2VLVideoProcessor

    folder = tmp_path_factory.mktemp("tiny-vlm")
    vocab = {token: i for i, token in enumerate(SPECIALS + ["[UNK]"] + list(string.printable))}
    tokenizer = Tokenizer(models.WordLevel(vocab, unk_token="[UNK]"))
    tokenizer.pre_tokenizer = pre_tokenizers.Split("", "isolated")  # one token per character
    tokenizer.decoder = decoders.Fuse()
    fast = PreTrainedTokenizerFast(tokenizer_object=tokenizer, unk_token="[UNK]", eos_token="<|im_end|>",
                                   pad_token="<|endoftext|>", additional_special_tokens=SPECIALS)
    processor = Qwen2VLProcessor(image_processor=Qwen2VLImageProcessorPil(min_pixels=56 * 56, max_pixels=28 * 28 * 16),
                                 tokenizer=fast, video_processor=Qwen2VLVideoProcessor(), chat_template=TEMPLATE)
    config = Qwen2VLConfig(
        text_config=dict(vocab_size=len(vocab), hidden_size=32, intermediate_size=64, num_hidden_layers=1,
                         num_attention_heads=2, num_key_value_heads=1, max_position_embeddings=512,
                         bos_token_id=None, eos_token_id=vocab["<|im_end|>"], pad_token_id=0,
                         rope_parameters={"rope_type": "default", "rope_theta": 10000.0, "mrope_section": [2, 2, 4]}),
        vision_config=dict(depth=1, embed_dim=32, hidden_size=32, num_heads=2, mlp_ratio=2, patch_size=14,
                           spatial_merge_size=2, temporal_patch_size=2, in_channels=3),
        image_token_id=vocab["<|image_pad|>"], video_token_id=vocab["<|video_pad|>"],
        vision_start_token_id=vocab["<|vision_start|>"], eos_token_id=vocab["<|im_end|>"], pad_token_id=0,
    )
    Qwen2VLForConditionalGeneration(config).save_pretrained(folder)
    processor.save_pretrained(folder)
    return folder


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
