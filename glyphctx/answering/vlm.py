"""A local transformers VLM as the answering model: page images in, through its own processor.

Loading is `glyphctx.common.hf_vlm`'s (Auto classes, `local_files_only`), the hf oracle's too, so both
read a model folder the same way. Visual tokens are counted by the model's processor itself, per page
size, before anything runs: a processor's resizing rule (min/max pixels, merge size) is part of the
checkpoint, and a published profile for the family would be wrong for a folder whose processor was
configured differently.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np
from PIL import Image

from glyphctx.answering.backend import AnswerModel, Generated
from glyphctx.errors import ModelError, ProfileError
from glyphctx.tokens import VisualProfile


def is_vlm_folder(path: Path) -> bool:
    """A transformers VLM folder: config.json with a vision config (vision_config, or one in a sub-config)."""
    try:
        config = json.loads((path / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(config, dict) and any(
        "vision" in key and isinstance(value, dict) for key, value in config.items()
    )


class ProcessorProfile(VisualProfile):
    """Visual tokens per page as the model's processor expands them (cached per page size)."""

    def __init__(self, name: str, processor, image_token_id: int):
        self.name = name
        self._processor = processor
        self._image_token_id = image_token_id
        self._count = lru_cache(maxsize=4096)(self._measure)

    def _tokens(self, width: int, height: int) -> int:
        return self._count(width, height)

    def _measure(self, width: int, height: int) -> int:
        rule = getattr(self._processor, "_get_num_multimodal_tokens", None)
        if rule is not None:  # the processor's own arithmetic, no pixels touched (Qwen2-VL family and others)
            return int(rule(image_sizes=[[height, width]])["num_image_tokens"][0])
        blank = Image.new("RGB", (width, height), "white")  # any other processor: expand one image and count
        image_token = getattr(self._processor, "image_token", None)
        if image_token is None:
            raise ProfileError(f"{self.name}: the processor names no image token; cannot count visual tokens")
        ids = self._processor(images=[blank], text=[image_token], return_tensors="np")["input_ids"][0]
        return int((ids == self._image_token_id).sum())

    def describe(self) -> str:
        return f"{self.name}: visual tokens per page as the model folder's own processor expands them"


class VLMModel(AnswerModel):
    kind = "vlm"

    def __init__(self, path: str | Path, *, prompt: str, device: str | None = None, dtype: str | None = None) -> None:
        from glyphctx.common.hf_vlm import load_vlm

        self.path = Path(path)
        self.prompt = prompt  # the question goes in at {question}
        loaded = load_vlm(self.path, device=device, dtype=dtype)
        self.processor, self.model, self.device = loaded.processor, loaded.model, loaded.device
        self.tokenizer = getattr(self.processor, "tokenizer", None)
        if self.tokenizer is None:
            raise ModelError(f"{self.path}: the processor has no tokenizer")
        self.name = self.path.name
        self.tokenizer_name = f"{self.path.name} tokenizer"
        config = self.model.config
        text_config = getattr(config, "text_config", None) or config
        self.window = int(getattr(text_config, "max_position_embeddings", 0) or
                          getattr(config, "max_position_embeddings", 0) or 0)
        if self.window < 1:
            raise ModelError(f"{self.path}: config.json gives no max_position_embeddings to bound the input")
        image_token_id = getattr(self.processor, "image_token_id", None)
        if image_token_id is None:
            image_token_id = getattr(config, "image_token_id", None)
        if image_token_id is None:
            raise ModelError(f"{self.path}: neither the processor nor config.json names an image token id")
        self.image_token_id = int(image_token_id)
        self.profile = ProcessorProfile(f"{self.path.name} processor", self.processor, self.image_token_id)

    def text_ids(self, text: str) -> list[int]:
        return list(self.tokenizer(text, add_special_tokens=False)["input_ids"])

    def _messages(self, pages: Sequence[np.ndarray] | int, text: str) -> list[dict]:
        if isinstance(pages, int):  # counting only: the template needs no pixels
            images = [{"type": "image"} for _ in range(pages)]
        else:
            images = [{"type": "image", "image": Image.fromarray(np.asarray(p, dtype=np.uint8)).convert("RGB")}
                      for p in pages]
        return [{"role": "user", "content": [*images, {"type": "text", "text": text}]}]

    def _template_ids(self, messages: list[dict]) -> list[int]:
        try:
            rendered = self.processor.apply_chat_template(messages, add_generation_prompt=True, tokenize=False)
        except ValueError as exc:  # no chat template
            raise ModelError(f"{self.path}: the processor cannot build a prompt ({exc})") from None
        return self.tokenizer(rendered, add_special_tokens=False)["input_ids"]

    def visual_prompt_tokens(self, pages: int, question: str) -> int:
        ids = self._template_ids(self._messages(pages, self.prompt.replace("{question}", question)))
        return len(ids) - sum(1 for i in ids if i == self.image_token_id)  # one placeholder per page, expanded later

    def text_prompt_tokens(self, document: str, question: str) -> int:
        return len(self._template_ids(self._text_messages(document, question)))

    def _text_messages(self, document: str, question: str) -> list[dict]:
        return self._messages(0, document + "\n\n" + self.prompt.replace("{question}", question))

    def answer(self, pages: Sequence[np.ndarray], question: str, max_new_tokens: int) -> Generated:
        prompt = self.prompt.replace("{question}", question)
        started = time.perf_counter()
        try:
            inputs = self.processor.apply_chat_template(
                self._messages(pages, prompt), add_generation_prompt=True, tokenize=True, return_dict=True,
                return_tensors="pt")
        except ValueError as exc:
            raise ModelError(f"{self.path}: the processor cannot build an image prompt ({exc})") from None
        inputs = inputs.to(self.device)
        encode = time.perf_counter() - started
        visual = int((inputs["input_ids"] == self.image_token_id).sum())
        text, generate = self._generate(inputs, max_new_tokens)
        # the vision tower runs inside generate(); "encode" is the processor's resize, patching and prompt
        return Generated(text, int(inputs["input_ids"].shape[1]), visual, {"encode": encode, "generate": generate})

    def answer_text(self, document: str, question: str, max_new_tokens: int) -> Generated:
        started = time.perf_counter()
        ids = self._template_ids(self._text_messages(document, question))
        import torch

        inputs = {"input_ids": torch.tensor([ids], device=self.device),
                  "attention_mask": torch.ones(1, len(ids), dtype=torch.long, device=self.device)}
        encode = time.perf_counter() - started
        text, generate = self._generate(inputs, max_new_tokens)
        return Generated(text, len(ids), 0, {"encode": encode, "generate": generate})

    def _generate(self, inputs, max_new_tokens: int) -> tuple[str, float]:
        import torch

        started = time.perf_counter()
        with torch.inference_mode():
            generated = self.model.generate(**inputs, max_new_tokens=max_new_tokens, do_sample=False)
        new_tokens = generated[:, inputs["input_ids"].shape[1]:]
        text = self.processor.batch_decode(new_tokens, skip_special_tokens=True)[0]
        return text.strip(), time.perf_counter() - started
