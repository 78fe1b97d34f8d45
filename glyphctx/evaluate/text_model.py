"""A local transformers causal LM as the plain-text baseline of the needle task.

The baseline answers from text tokens in the model's own tokenizer, so its window and its counts
are that tokenizer's, not the page reader's. It offers the two text-side calls of the pipeline's
`AnswerModel` (`text_prompt_tokens`, `answer_text`), so the needle task treats it and a page model's
own text path alike. Loading is `local_files_only`: nothing is fetched.
"""

from __future__ import annotations

import time
from pathlib import Path

from glyphctx.answering.backend import Generated
from glyphctx.answering.config import DEFAULT_PROMPT
from glyphctx.errors import ConfigError


class TextModel:
    kind = "text"

    def __init__(self, path: str | Path, *, prompt: str = DEFAULT_PROMPT, device: str | None = None) -> None:
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        self.path = Path(path).expanduser()
        if not (self.path / "config.json").is_file():
            raise ConfigError(f"{self.path}: not a transformers model folder (no config.json); --text-model takes "
                              "a local causal LM folder with its tokenizer")
        self.prompt = prompt
        self.device = device or ("cuda" if torch.cuda.is_available() else "cpu")
        try:
            self.tokenizer = AutoTokenizer.from_pretrained(self.path, local_files_only=True)
            self.model = AutoModelForCausalLM.from_pretrained(self.path, local_files_only=True)
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ConfigError(f"{self.path}: cannot load a causal LM and its tokenizer ({exc})") from None
        self.model.to(self.device).eval()
        self.name = self.path.name
        config = self.model.config
        text_config = getattr(config, "text_config", None) or config
        self.window = int(getattr(text_config, "max_position_embeddings", 0) or 0)
        if self.window < 1:
            raise ConfigError(f"{self.path}: config.json gives no max_position_embeddings to bound the input")

    def _ids(self, document: str, question: str) -> list[int]:
        request = f"{document}\n\n{self.prompt.replace('{question}', question)}"
        if getattr(self.tokenizer, "chat_template", None):
            rendered = self.tokenizer.apply_chat_template([{"role": "user", "content": request}],
                                                          add_generation_prompt=True, tokenize=False)
            return list(self.tokenizer(rendered, add_special_tokens=False)["input_ids"])
        return list(self.tokenizer(f"{request}\nAnswer:", add_special_tokens=True)["input_ids"])

    def text_prompt_tokens(self, document: str, question: str) -> int:
        return len(self._ids(document, question))

    def answer_text(self, document: str, question: str, max_new_tokens: int) -> Generated:
        import torch

        started = time.perf_counter()
        ids = torch.tensor([self._ids(document, question)], device=self.device)
        pad = self.tokenizer.pad_token_id if self.tokenizer.pad_token_id is not None else self.tokenizer.eos_token_id
        with torch.inference_mode():
            generated = self.model.generate(ids, attention_mask=torch.ones_like(ids), max_new_tokens=max_new_tokens,
                                            do_sample=False, pad_token_id=pad)
        text = self.tokenizer.decode(generated[0, ids.shape[1]:], skip_special_tokens=True)
        return Generated(text.strip(), int(ids.shape[1]), 0, {"generate": time.perf_counter() - started})
