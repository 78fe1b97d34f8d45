"""A model served over an OpenAI-compatible API (vLLM, SGLang, `transformers serve`) as the reader.

The same client as the answering backend (`glyphctx.common.openai_client`): each page image goes as one
base64 PNG `image_url` part with the transcription prompt, decoded greedily (temperature 0), so a run
is repeatable wherever the server is. Pages arrive here already as the target VLM sees them (the search
resizes each page by its profile's rule before reading it), so they are sent as they are.

A server that is down, slow or serves another model is the reader's fault, not the layout's: those
raise `OracleError` and stop the search instead of scoring every candidate zero. A page the server
refuses as too long stays a `ContextTooLongError`, which the search records against that candidate.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from glyphctx.common.openai_client import DEFAULT_MAX_RETRIES, DEFAULT_TIMEOUT, ChatClient, ServerSettings
from glyphctx.common.openai_request import chat_body, page_parts
from glyphctx.common.prompts import TRANSCRIBE_PROMPT
from glyphctx.errors import ConfigError, ServerError
from glyphctx.search.errors import OracleError
from glyphctx.search.oracles.base import Oracle


class OpenAIOracle(Oracle):
    name = "openai"

    def __init__(self, base_url: str, model: str, *, api_key_env: str | None = None, timeout: float = DEFAULT_TIMEOUT,
                 max_retries: int = DEFAULT_MAX_RETRIES, prompt: str = TRANSCRIBE_PROMPT,
                 max_new_tokens: int = 2048) -> None:
        if isinstance(max_new_tokens, bool) or not isinstance(max_new_tokens, int) or max_new_tokens < 1:
            raise OracleError(f"openai: max_new_tokens must be >= 1, got {max_new_tokens!r}")
        try:
            self.client = ChatClient(ServerSettings(base_url, model, api_key_env, timeout, max_retries))
            self.client.check_model()  # a server that is down or serves another model fails before any work
        except (ConfigError, ServerError) as exc:
            raise OracleError(f"openai: {exc}") from None
        self.model = model
        self.prompt = prompt
        self.max_new_tokens = int(max_new_tokens)

    def read(self, images: Sequence[np.ndarray], *, text_height_px: float | None = None) -> list[str]:
        texts = []
        for image in images:
            body = chat_body(self.model, page_parts([image]), self.prompt, self.max_new_tokens)
            try:
                texts.append(self.client.complete(body).text)
            except ServerError as exc:
                raise OracleError(f"openai: {exc}") from None
        return texts

    def describe(self) -> str:
        return f"openai ({self.model} at {self.client.settings.base_url}, greedy, {self.max_new_tokens} new tokens max)"
