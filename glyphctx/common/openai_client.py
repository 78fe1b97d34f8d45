"""Talking to an OpenAI-compatible server (vLLM, SGLang, `transformers serve`) through the `openai` client.

The answering backend and the openai oracle both send chat-completions requests here, so both retry,
time out and fail the same way:

- Timeouts: `timeout` seconds for each attempt (connect, send and wait for the whole answer).
- Retries: the openai client's own loop, `max_retries` more attempts after the first, on connection
  errors, timeouts, 408, 409, 429 and 5xx answers, waiting 0.5 s, 1 s, 2 s, ... (doubling, at most 8 s,
  less up to 25 % jitter) or what the server's Retry-After header asks, up to 60 s. Other answers
  (400, 401, 404, 422) are the request's fault and are not retried.
- Errors: every failure becomes a typed error naming the URL and, where the server said something, its
  words: `ServerUnreachableError` (refused connection, unknown host), `ServerTimeoutError`,
  `UnknownServedModelError` (the server lists what it does serve), `ContextTooLongError` when the
  server says the prompt is past its window (vLLM, SGLang and OpenAI wordings, numbers parsed), and
  `ServerError` for anything else the server refuses.
"""

from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass
from typing import Any

from glyphctx.errors import (
    ConfigError,
    ContextTooLongError,
    ServerError,
    ServerTimeoutError,
    ServerUnreachableError,
    UnknownServedModelError,
)

#: what a server without API keys is sent (vLLM's and SGLang's documented placeholder); never a real key
NO_KEY = "EMPTY"
DEFAULT_TIMEOUT = 120.0
DEFAULT_MAX_RETRIES = 2

# how servers say a prompt is past the window: vLLM ("This model's maximum context length is 4096 tokens.
# However, you requested 5000 tokens ..."), OpenAI ("... your messages resulted in ..."), SGLang ("The input
# (5000 tokens) is longer than the model's context length (4096 tokens)."), and error codes
_TOO_LONG = re.compile(r"maximum context length|context length|context_length_exceeded|too long|exceeds? (the )?"
                       r"(model'?s? )?(max(imum)?|context)", re.IGNORECASE)
_WINDOW = (re.compile(r"maximum context length is (\d+)", re.IGNORECASE),
           re.compile(r"context length \((\d+) tokens?\)", re.IGNORECASE),
           re.compile(r"exceeds? (?:the )?(?:limit|maximum)[^\d]{0,20}(\d+)", re.IGNORECASE))
_NEEDED = (re.compile(r"you requested (\d+) tokens", re.IGNORECASE),
           re.compile(r"resulted in (\d+) tokens", re.IGNORECASE),
           re.compile(r"request has (\d+) input tokens", re.IGNORECASE),
           re.compile(r"input \((\d+) tokens?\)", re.IGNORECASE),
           re.compile(r"prompt \((\d+) tokens?\)", re.IGNORECASE))


@dataclass(frozen=True)
class ServerSettings:
    """Where a served model is and how long to wait for it.

    base_url: the server's OpenAI API root, e.g. http://host:8000/v1.
    model: the served model's name, as the server's /v1/models lists it.
    api_key_env: the environment variable holding the API key; none: the server takes no key.
    timeout: seconds one attempt may take, the whole answer included.
    max_retries: further attempts after a connection error, a timeout, a 429 or a 5xx answer.
    """

    base_url: str
    model: str
    api_key_env: str | None = None
    timeout: float = DEFAULT_TIMEOUT
    max_retries: int = DEFAULT_MAX_RETRIES

    def __post_init__(self) -> None:
        if not isinstance(self.base_url, str) or not re.match(r"^https?://[^/\s]+", self.base_url):
            raise ConfigError(
                f"base_url must be an http(s) URL such as http://127.0.0.1:8000/v1, got {self.base_url!r}"
            )
        object.__setattr__(self, "base_url", self.base_url.rstrip("/"))
        if not isinstance(self.model, str) or not self.model.strip():
            raise ConfigError(f"model must name the model the server at {self.base_url} serves, got {self.model!r}")
        if self.api_key_env is not None and (not isinstance(self.api_key_env, str) or not self.api_key_env):
            raise ConfigError(f"api_key_env must name an environment variable, got {self.api_key_env!r}")
        if isinstance(self.timeout, bool) or not isinstance(self.timeout, (int, float)) or not self.timeout > 0:
            raise ConfigError(f"timeout must be a positive number of seconds, got {self.timeout!r}")
        object.__setattr__(self, "timeout", float(self.timeout))
        if isinstance(self.max_retries, bool) or not isinstance(self.max_retries, int) or self.max_retries < 0:
            raise ConfigError(f"max_retries must be a whole number >= 0, got {self.max_retries!r}")

    def api_key(self) -> str:
        """The key from `api_key_env`, read when a client is made so it never sits in a config or a log."""
        if self.api_key_env is None:
            return NO_KEY
        key = os.environ.get(self.api_key_env)
        if not key:
            raise ConfigError(f"{self.base_url}: the API key variable {self.api_key_env} (api_key_env) is not set")
        return key


@dataclass(frozen=True)
class Completion:
    """One answer: its text and what the server says the request cost."""

    text: str
    prompt_tokens: int | None  # the server's usage.prompt_tokens: its own count, images included
    completion_tokens: int | None
    finish_reason: str | None
    seconds: float


class ChatClient:
    """One served model behind an `openai.OpenAI` client, with glyphctx's errors instead of the client's."""

    def __init__(self, settings: ServerSettings):
        import openai

        self.settings = settings
        self._client = openai.OpenAI(base_url=settings.base_url, api_key=settings.api_key(),
                                     timeout=settings.timeout, max_retries=settings.max_retries)

    @property
    def chat_url(self) -> str:
        return f"{self.settings.base_url}/chat/completions"

    @property
    def models_url(self) -> str:
        return f"{self.settings.base_url}/models"

    def served_models(self) -> dict[str, dict[str, Any]]:
        """{name: the server's entry} from /v1/models; empty when the server has no such listing."""
        import openai

        try:
            return {entry.id: entry.model_dump() for entry in self._client.models.list()}
        except openai.NotFoundError:
            return {}
        except openai.APIError as exc:
            raise self._translate(exc, self.models_url) from None

    def check_model(self) -> int | None:
        """Fail now, naming what is served, when the server does not serve this model; its window if it says.

        vLLM and SGLang list `max_model_len` with each model; `transformers serve` and others give no window.
        """
        served = self.served_models()
        if served and self.settings.model not in served:
            raise UnknownServedModelError(self.models_url, f"the server serves no model {self.settings.model!r}; "
                                                           f"it serves: {', '.join(sorted(served))}")
        window = served.get(self.settings.model, {}).get("max_model_len")
        return int(window) if isinstance(window, int) and window > 0 else None

    def complete(self, body: dict[str, Any], *, counted_tokens: int | None = None) -> Completion:
        """Send one chat-completions request body (see `openai_request.chat_body`) and return the answer.

        `counted_tokens`, glyphctx's own count of the prompt, fills in a too-long error when the server's
        words carry no numbers.
        """
        import openai

        started = time.perf_counter()
        try:
            response = self._client.chat.completions.create(**body)
        except openai.APIError as exc:
            raise self._translate(exc, self.chat_url, counted_tokens) from None
        seconds = time.perf_counter() - started
        if not response.choices:
            raise ServerError(self.chat_url, "the server answered with no choices")
        choice = response.choices[0]
        usage = response.usage
        return Completion((choice.message.content or "").strip(), getattr(usage, "prompt_tokens", None),
                          getattr(usage, "completion_tokens", None), choice.finish_reason, seconds)

    # ------------------------------------------------------------------ errors
    def _translate(self, exc: Exception, url: str, counted_tokens: int | None = None) -> Exception:
        import openai

        attempts = self.settings.max_retries + 1
        tries = f"{attempts} attempt{'' if attempts == 1 else 's'}"
        if isinstance(exc, openai.APITimeoutError):
            return ServerTimeoutError(url, f"no answer within {self.settings.timeout:g} s on any of {tries} "
                                           "(a longer timeout, or fewer pages, may help)")
        if isinstance(exc, openai.APIConnectionError):
            cause = exc.__cause__ or exc.__context__
            return ServerUnreachableError(url, f"cannot connect ({_cause_text(cause) or exc}) on any of {tries}; "
                                               f"is the server running at {self.settings.base_url}?")
        if not isinstance(exc, openai.APIStatusError):
            return ServerError(url, f"the server's answer cannot be read ({type(exc).__name__}: {exc})")
        status = exc.status_code
        message = server_message(exc)
        if _TOO_LONG.search(message):
            window, needed = _first_number(_WINDOW, message), _first_number(_NEEDED, message)
            return ContextTooLongError(
                f"{url}: the server refuses the prompt as longer than its context ({message})",
                needed=needed or counted_tokens or 0, window=window or 0)
        if (status in (400, 404, 422) and self.settings.model in message) or (status == 404 and "model" in message):
            served = self._served_quietly()
            if served is not None and self.settings.model not in served:
                listing = f"; it serves: {', '.join(sorted(served))}" if served else ""
                return UnknownServedModelError(url, f"the server serves no model {self.settings.model!r}"
                                                    f"{listing} ({status}: {message})")
        if status in (401, 403):
            how = (f"check {self.settings.api_key_env}" if self.settings.api_key_env else
                   "give the key's environment variable with --api-key-env (api_key_env in a pipeline)")
            return ServerError(url, f"the server refused the request's credentials ({status}: {message}); {how}")
        retried = f" after {tries}" if status in (408, 409, 429) or status >= 500 else ""
        return ServerError(url, f"the server answered {status}{retried}: {message}")

    def _served_quietly(self) -> dict[str, dict[str, Any]] | None:
        """The served models, or None when even the listing fails (the original error is then reported)."""
        try:
            return self.served_models()
        except ServerError:
            return None


def server_message(exc: Any) -> str:
    """The server's own words from an error answer: OpenAI's and vLLM's `message`, FastAPI's `detail`."""
    body = getattr(exc, "body", None)
    if isinstance(body, dict):
        for key in ("message", "detail", "error"):
            value = body.get(key)
            if isinstance(value, dict):
                value = value.get("message") or value
            if value:
                return str(value)
    if isinstance(body, str) and body.strip():
        return body.strip()
    response = getattr(exc, "response", None)
    text = getattr(response, "text", "") if response is not None else ""
    return text.strip()[:500] or str(exc)


def _first_number(patterns: tuple[re.Pattern, ...], text: str) -> int | None:
    for pattern in patterns:
        found = pattern.search(text)
        if found:
            return int(found.group(1))
    return None


def _cause_text(cause: BaseException | None) -> str:
    """The innermost reason of a failed connection ("[Errno 111] Connection refused"), not the wrappers."""
    while cause is not None and (cause.__cause__ or cause.__context__) is not None:
        cause = cause.__cause__ or cause.__context__
    return str(cause) if cause is not None else ""
