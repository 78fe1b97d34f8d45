"""A model behind an OpenAI-compatible server (vLLM, SGLang, `transformers serve`) as the answering model.

The weights, the tokenizer and the chat template live on the server, so two counts are reported side
by side and neither is dressed up as the other: glyphctx's own (the pipeline's text tokenizer, and the
pipeline's VLM profile for the pages, which are resized by that profile's rule before they are sent,
so the server encodes exactly the pages counted) and the server's `usage.prompt_tokens`, its own count
of the whole prompt with its template and image tokens.

The window is the pipeline's `max_context`, else what the server lists (vLLM's and SGLang's
`max_model_len`), else unknown: then nothing is checked before sending and a server that refuses the
prompt as too long raises the same `ContextTooLongError` a local check would.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

import numpy as np

from glyphctx.answering.backend import AnswerModel, Generated
from glyphctx.answering.config import ServedModel
from glyphctx.common.openai_client import ChatClient
from glyphctx.common.openai_request import chat_body, page_parts
from glyphctx.tokens import TextTokenizer, get_profile, load_tokenizer


class OpenAIModel(AnswerModel):
    kind = "openai"

    def __init__(self, served: ServedModel, *, prompt: str, profile: str, tokenizer: str | None = None) -> None:
        self.served = served
        self.prompt = prompt  # the question goes in at {question}
        self.client = ChatClient(served.settings())
        self.name = served.model
        self.profile = get_profile(profile)
        self._tokenizer = load_tokenizer(tokenizer)
        self.tokenizer_name = self._tokenizer.name
        listed = self.client.check_model()  # an unknown name or a server that is down fails here, before rendering
        self.window = served.max_context or listed

    def text_ids(self, text: str) -> list[int]:
        return self._tokenizer.encode(text)

    def text_tokenizer(self) -> TextTokenizer:
        """The pipeline's tokenizer itself: it is named and travels to workers, unlike a loaded model's."""
        return self._tokenizer

    def _question(self, question: str) -> str:
        return self.prompt.replace("{question}", question)

    def visual_prompt_tokens(self, pages: int, question: str) -> int:
        """The prompt's own tokens; the server's chat template adds a few more, which its usage shows."""
        return self.count_text(self._question(question))

    def text_prompt_tokens(self, document: str, question: str) -> int:
        return self.count_text(self._text_prompt(document, question))

    def _text_prompt(self, document: str, question: str) -> str:
        return document + "\n\n" + self._question(question)

    def answer(self, pages: Sequence[np.ndarray], question: str, max_new_tokens: int) -> Generated:
        started = time.perf_counter()
        parts = page_parts(pages, self.profile)
        body = chat_body(self.name, parts, self._question(question), max_new_tokens)
        encode = time.perf_counter() - started  # resizing and PNG encoding: the client side of "encode"
        visual = sum(self.profile.tokens_for(int(p.shape[1]), int(p.shape[0])) for p in pages)
        counted = visual + self.visual_prompt_tokens(len(pages), question)
        completion = self.client.complete(body, counted_tokens=counted + max_new_tokens)
        return Generated(completion.text, counted, visual, {"encode": encode, "generate": completion.seconds},
                         completion.prompt_tokens)

    def answer_text(self, document: str, question: str, max_new_tokens: int) -> Generated:
        text = self._text_prompt(document, question)
        counted = self.count_text(text)
        completion = self.client.complete(chat_body(self.name, [], text, max_new_tokens),
                                          counted_tokens=counted + max_new_tokens)
        return Generated(completion.text, counted, 0, {"generate": completion.seconds}, completion.prompt_tokens)
