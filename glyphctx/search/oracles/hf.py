"""Any local transformers vision-language model as a reader, through the Auto classes.

For people with real weights (and usually a GPU): the directory must hold the model, its processor
and a chat template. Nothing is downloaded: loading is `local_files_only`. Each page is asked the
same transcription prompt and decoded greedily, so a run is repeatable.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from PIL import Image

from glyphctx.common.hf_vlm import load_vlm
from glyphctx.common.prompts import TRANSCRIBE_PROMPT
from glyphctx.errors import GlyphctxError
from glyphctx.search.errors import OracleError
from glyphctx.search.oracles.base import Oracle

DEFAULT_PROMPT = TRANSCRIBE_PROMPT


class HFOracle(Oracle):
    name = "hf"

    def __init__(self, path: str | Path, *, prompt: str = DEFAULT_PROMPT, max_new_tokens: int = 2048,
                 device: str | None = None, dtype: str | None = None) -> None:
        if max_new_tokens < 1:
            raise OracleError(f"hf: max_new_tokens must be >= 1, got {max_new_tokens!r}")
        try:
            loaded = load_vlm(path, device=device, dtype=dtype)
        except GlyphctxError as exc:
            raise OracleError(f"hf: {exc}") from None
        self.path, self.processor, self.model, self.device = loaded.path, loaded.processor, loaded.model, loaded.device
        self.prompt = prompt
        self.max_new_tokens = int(max_new_tokens)

    def read(self, images: Sequence[np.ndarray], *, text_height_px: float | None = None) -> list[str]:
        import torch

        texts = []
        for image in images:
            picture = Image.fromarray(np.asarray(image, dtype=np.uint8)).convert("RGB")
            messages = [{"role": "user", "content": [{"type": "image", "image": picture},
                                                     {"type": "text", "text": self.prompt}]}]
            try:
                inputs = self.processor.apply_chat_template(
                    messages, add_generation_prompt=True, tokenize=True, return_dict=True, return_tensors="pt")
            except ValueError as exc:  # no chat template, or one that takes no images
                raise OracleError(f"hf: {self.path}: the processor cannot build an image prompt ({exc})") from None
            inputs = inputs.to(self.device)
            with torch.inference_mode():
                generated = self.model.generate(**inputs, max_new_tokens=self.max_new_tokens, do_sample=False)
            new_tokens = generated[:, inputs["input_ids"].shape[1]:]
            texts.append(self.processor.batch_decode(new_tokens, skip_special_tokens=True)[0])
        return texts

    def describe(self) -> str:
        return f"hf ({self.path.name}, greedy, {self.max_new_tokens} new tokens max)"
