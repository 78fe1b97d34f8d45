"""`PipelineConfig`: the named parts of a document -> answer pipeline, from a preset or a YAML file.

A pipeline is data, like a render preset: which model answers (a GlyphLM reader checkpoint, a local
transformers VLM folder, or a model served over an OpenAI-compatible API), how pages are rendered and
counted, which encoder makes visual tokens, and how the question is put. Every name is checked when the
config is built, so a typo fails at once and names the file and the key, not halfway through a batch. The
model folder itself is looked at only when the model is first needed: `compress` on a VLM pipeline works
without the weights at hand.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from glyphctx.answering.errors import PipelineError
from glyphctx.common.openai_client import ServerSettings
from glyphctx.common.prompts import QUESTION_PROMPT
from glyphctx.encode.config import DEFAULT_ENCODER
from glyphctx.errors import GlyphctxError
from glyphctx.io import presets
from glyphctx.io.presets import check_keys
from glyphctx.tokens.profiles import DEFAULT_PROFILE

PACKAGE = "glyphctx.configs.pipeline"
DEFAULT_PROMPT = QUESTION_PROMPT
#: the model backends a `model:` mapping may name
SERVED_BACKENDS = ("openai",)


@dataclass(frozen=True)
class ServedModel(ServerSettings):
    """A model behind an OpenAI-compatible server: the `model:` mapping of a pipeline file.

    backend: openai (vLLM, SGLang, `transformers serve`, or any server speaking /v1/chat/completions).
    max_context: the served model's window in tokens, when known; the prompt is then checked against it
        before it is sent. Without it, the window the server lists (vLLM's and SGLang's max_model_len) is
        used, else none is checked here and the server's own refusal is reported.
    The other keys (base_url, model, api_key_env, timeout, max_retries) are `ServerSettings`'.
    """

    backend: str = "openai"
    max_context: int | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.backend not in SERVED_BACKENDS:
            raise PipelineError(f"unknown model backend {self.backend!r}; backends: {', '.join(SERVED_BACKENDS)}")
        if self.max_context is not None and (isinstance(self.max_context, bool) or not isinstance(self.max_context, int)
                                             or self.max_context < 1):
            raise PipelineError(f"max_context must be a positive number of tokens, got {self.max_context!r}")

    @classmethod
    def from_dict(cls, data: dict[str, Any], *, origin: str) -> ServedModel:
        """A `model:` mapping, every key checked; errors name the file and the key."""
        try:
            check_keys(data, {f.name for f in dataclasses.fields(cls)}, f"{origin}: model", "model")
            for key in ("backend", "base_url", "model"):
                if key not in data:
                    raise PipelineError(f"'{key}' is required in a served model mapping")
            return cls(**data)
        except GlyphctxError as exc:
            message = str(exc)
            raise PipelineError(message if message.startswith(origin) else f"{origin}: model: {message}") from None

    def settings(self) -> ServerSettings:
        """The connection part alone, for the client."""
        return ServerSettings(self.base_url, self.model, self.api_key_env, self.timeout, self.max_retries)

    def describe(self) -> str:
        return f"{self.model} at {self.base_url}"


@dataclass(frozen=True)
class PipelineConfig:
    """The parts of a pipeline; each field's comment is its help text in pipeline YAML files.

    model: a GlyphLM reader checkpoint folder (with reader.json) or a local transformers VLM folder
        (config.json with a vision config); relative paths are taken from the current directory. Or a
        served model, as a mapping: {backend: openai, base_url: http://host:8000/v1, model: NAME,
        api_key_env: VAR, max_context: TOKENS, timeout: SECONDS, max_retries: N} (see `ServedModel`).
    render: render preset name, YAML path, or an inline mapping; a reader uses its own and ignores this.
    profile: VLM profile for `compress` accounting when the model's own rule is not loaded; for a served
        model, the rule pages are resized by and counted with before they are sent.
    encoder / encoder_weights: the glyphctx vision encoder `encode` uses (a reader uses its own).
    tokenizer: text tokenizer for `compress`; None: Tekken. Answers count with the model's tokenizer
        (a served model's is on the server: this one counts for it, beside the server's own count).
    prompt: the question as put to the model; `{question}` is replaced.
    max_new_tokens: the longest answer generated.
    searched: render YAML files (e.g. a search's best.yaml) offered beside the shipped presets when
        a document is too long for the model.
    device / dtype: where and in which precision the model runs (default: CUDA when present).
    made_by: the command that makes the model folder, quoted when the folder is missing.
    """

    model: str | ServedModel
    name: str = "custom"
    description: str = ""
    render: str | dict[str, Any] = "default"
    profile: str = DEFAULT_PROFILE
    encoder: str = DEFAULT_ENCODER
    encoder_weights: str | None = None
    tokenizer: str | None = None
    prompt: str = DEFAULT_PROMPT
    max_new_tokens: int = 32
    searched: tuple[str, ...] = field(default_factory=tuple)
    device: str | None = None
    dtype: str | None = None
    made_by: str | None = None
    origin: str = "pipeline"  # where it came from, for error messages (not a YAML key)

    @property
    def served(self) -> ServedModel | None:
        """The served model, or None when the model is a local folder."""
        return self.model if isinstance(self.model, ServedModel) else None

    @property
    def model_path(self) -> Path:
        if self.served is not None:
            raise PipelineError(f"{self.origin}: the model is served by {self.served.describe()}; "
                                "it has no local folder")
        return Path(self.model).expanduser().absolute()

    @classmethod
    def from_dict(cls, data: Any, *, origin: str = "pipeline") -> PipelineConfig:
        if not isinstance(data, dict):
            raise PipelineError(f"{origin}: expected a mapping of pipeline settings, got {type(data).__name__}")
        try:
            check_keys(data, {f.name for f in dataclasses.fields(cls)} - {"origin"}, origin, "pipeline")
        except GlyphctxError as exc:
            raise PipelineError(str(exc)) from None
        values = dict(data)
        if isinstance(data.get("model"), dict):
            values["model"] = ServedModel.from_dict(data["model"], origin=origin)
        elif not data.get("model") or not isinstance(data["model"], (str, os.PathLike)):
            raise PipelineError(f"{origin}: 'model' must name a reader checkpoint or a transformers VLM folder, "
                                "or be a served model mapping (backend, base_url, model)")
        else:
            values["model"] = str(values["model"])
        searched = values.get("searched") or ()
        if isinstance(searched, str) or not all(isinstance(s, (str, os.PathLike)) for s in searched):
            raise PipelineError(f"{origin}: 'searched' must be a list of render YAML paths")
        values["searched"] = tuple(str(s) for s in searched)
        return cls(**values, origin=origin)

    @classmethod
    def load(cls, name_or_path: str | os.PathLike) -> PipelineConfig:
        """A preset by name, or a YAML file by path (what `--pipeline` takes); may start from a `base:`."""
        try:
            data, path = presets.read_preset(PACKAGE, name_or_path, "pipeline preset")
        except GlyphctxError as exc:
            raise PipelineError(str(exc)) from None
        named = presets.is_preset_name(PACKAGE, name_or_path)
        return cls.from_dict(data, origin=f"pipeline preset {name_or_path}" if named else str(path))

    from_yaml = load
    from_preset = load

    def __post_init__(self) -> None:
        if isinstance(self.model, dict):
            object.__setattr__(self, "model", ServedModel.from_dict(self.model, origin=self.origin))
        elif not isinstance(self.model, ServedModel):
            if not isinstance(self.model, (str, os.PathLike)) or not str(self.model):
                raise PipelineError(f"{self.origin}: 'model' must name a reader checkpoint or a transformers VLM "
                                    "folder, or be a served model mapping")
            object.__setattr__(self, "model", str(self.model))
        object.__setattr__(self, "searched", tuple(str(s) for s in self.searched))
        self.check()

    def replace(self, **changes: Any) -> PipelineConfig:
        return dataclasses.replace(self, **changes)

    def check(self) -> None:
        """Resolve every named part once, so an unknown name fails here, naming this config's origin."""
        from glyphctx.encode import load_encoder_config
        from glyphctx.render.config import RenderConfig
        from glyphctx.render.presets import resolve_config
        from glyphctx.tokens import get_profile

        if isinstance(self.max_new_tokens, bool) or not isinstance(self.max_new_tokens, int) or self.max_new_tokens < 1:
            raise PipelineError(
                f"{self.origin}: max_new_tokens must be a positive integer, got {self.max_new_tokens!r}"
            )
        if not isinstance(self.prompt, str) or "{question}" not in self.prompt:
            raise PipelineError(f"{self.origin}: prompt must be a string containing {{question}}")
        parts = [
            ("render", lambda: (RenderConfig.from_dict(self.render, origin=f"{self.origin}: render")
                                if isinstance(self.render, dict) else resolve_config(self.render))),
            ("profile", lambda: get_profile(self.profile)),
            ("encoder", lambda: load_encoder_config(self.encoder)),
            *[("searched", lambda s=s: resolve_config(s)) for s in self.searched],
        ]
        for key, resolve in parts:
            try:
                resolve()
            except PipelineError:
                raise
            except GlyphctxError as exc:
                raise PipelineError(f"{self.origin}: {key}: {exc}") from None

    def render_config(self):
        from glyphctx.render.config import RenderConfig
        from glyphctx.render.presets import resolve_config

        if isinstance(self.render, dict):
            return RenderConfig.from_dict(self.render, origin=f"{self.origin}: render")
        return resolve_config(self.render)


def preset_names() -> list[str]:
    return presets.preset_names(PACKAGE)
