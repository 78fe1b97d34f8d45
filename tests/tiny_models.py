"""Tiny random models saved to folders, built from configs (nothing downloaded): a Qwen2-VL with its
processor and a Qwen2 causal LM, both with a one-token-per-character tokenizer, and a seeded,
untrained tiny page reader saved the way `glyphctx train` saves one."""

from __future__ import annotations

import dataclasses
import string
from pathlib import Path

SPECIALS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>", "<|vision_start|>", "<|vision_end|>", "<|image_pad|>",
            "<|video_pad|>"]
TEMPLATE = (
    "{% for m in messages %}<|im_start|>{{ m['role'] }}\n{% for c in m['content'] %}"
    "{% if c['type'] == 'image' %}<|vision_start|><|image_pad|><|vision_end|>{% else %}{{ c['text'] }}{% endif %}"
    "{% endfor %}<|im_end|>\n{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)
WINDOW = 512


def char_tokenizer():
    """One token per printable character, so a prompt's length in tokens is its length in characters."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    vocab = {token: i for i, token in enumerate(SPECIALS + ["[UNK]"] + list(string.printable))}
    tokenizer = Tokenizer(models.WordLevel(vocab, unk_token="[UNK]"))
    tokenizer.pre_tokenizer = pre_tokenizers.Split("", "isolated")
    tokenizer.decoder = decoders.Fuse()
    fast = PreTrainedTokenizerFast(tokenizer_object=tokenizer, unk_token="[UNK]", eos_token="<|im_end|>",
                                   pad_token="<|endoftext|>", additional_special_tokens=SPECIALS)
    return fast, vocab


def save_tiny_vlm(folder: Path, *, window: int = WINDOW, max_page_tokens: int = 16) -> Path:
    """A Qwen2-VL whose processor caps a page at `max_page_tokens` visual tokens."""
    import torch
    from transformers import Qwen2VLConfig, Qwen2VLForConditionalGeneration, Qwen2VLProcessor
    from transformers.models.qwen2_vl.image_processing_pil_qwen2_vl import Qwen2VLImageProcessorPil
    from transformers.models.qwen2_vl.video_processing_qwen2_vl import Qwen2VLVideoProcessor

    fast, vocab = char_tokenizer()
    image_processor = Qwen2VLImageProcessorPil(min_pixels=56 * 56, max_pixels=28 * 28 * max_page_tokens)
    processor = Qwen2VLProcessor(image_processor=image_processor, tokenizer=fast,
                                 video_processor=Qwen2VLVideoProcessor(), chat_template=TEMPLATE)
    config = Qwen2VLConfig(
        text_config=dict(vocab_size=len(vocab), hidden_size=32, intermediate_size=64, num_hidden_layers=1,
                         num_attention_heads=2, num_key_value_heads=1, max_position_embeddings=window,
                         bos_token_id=None, eos_token_id=vocab["<|im_end|>"], pad_token_id=0,
                         rope_parameters={"rope_type": "default", "rope_theta": 10000.0, "mrope_section": [2, 2, 4]}),
        vision_config=dict(depth=1, embed_dim=32, hidden_size=32, num_heads=2, mlp_ratio=2, patch_size=14,
                           spatial_merge_size=2, temporal_patch_size=2, in_channels=3),
        image_token_id=vocab["<|image_pad|>"], video_token_id=vocab["<|video_pad|>"],
        vision_start_token_id=vocab["<|vision_start|>"], eos_token_id=vocab["<|im_end|>"], pad_token_id=0,
    )
    torch.manual_seed(0)
    Qwen2VLForConditionalGeneration(config).save_pretrained(folder)
    processor.save_pretrained(folder)
    return Path(folder)


def save_tiny_causal_lm(folder: Path) -> Path:
    import torch
    from transformers import Qwen2Config, Qwen2ForCausalLM

    fast, vocab = char_tokenizer()
    config = Qwen2Config(vocab_size=len(vocab), hidden_size=32, intermediate_size=64, num_hidden_layers=1,
                         num_attention_heads=2, num_key_value_heads=1, max_position_embeddings=WINDOW,
                         bos_token_id=None, eos_token_id=vocab["<|im_end|>"], pad_token_id=0)
    torch.manual_seed(0)
    Qwen2ForCausalLM(config).save_pretrained(folder)
    fast.save_pretrained(folder)
    return Path(folder)


def save_tiny_reader(folder: Path, *, positions: str = "sequential", window: int = 4096) -> Path:
    """The tiny-reader preset, untrained. Sequential positions and a 4,096-position window by default, so
    a prompt's positions are its token count and documents past the window are cheap to build."""
    import torch

    from glyphctx.reader import GlyphReader, load_reader_config

    base = load_reader_config("tiny-reader")
    config = dataclasses.replace(base, positions=positions, model={**base.model, "max_position_embeddings": window})
    torch.manual_seed(0)
    GlyphReader(config).eval().save_pretrained(folder)
    return Path(folder)
