"""`PipelineConfig`: the named parts of a document -> answer pipeline, from a preset or a YAML file.

A pipeline is data, like a render preset: which model answers (a GlyphLM reader checkpoint or a local
transformers VLM folder), how pages are rendered and counted, which encoder makes visual tokens, and
how the question is put. Every name is checked when the config is built, so a typo fails at once and
names the file and the key, not halfway through a batch. The model folder itself is looked at only
when the model is first needed: `compress` on a VLM pipeline works without the weights at hand.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from glyphctx.errors import GlyphctxError
from glyphctx.answering.errors import PipelineError
from glyphctx.io import presets
from glyphctx.io.presets import check_keys
from glyphctx.tokens.profiles import DEFAULT_PROFILE
from glyphctx.encode.config import DEFAULT_ENCODER

PACKAGE = "glyphctx.configs.pipeline"
DEFAULT_PROMPT = "Answer the question about the document in one short phrase.\nQuestion: {question}"


@dataclass(frozen=True)
class PipelineConfig:
    """The parts of a pipeline; each field's comment is its help text in pipeline YAML files.

    model: a GlyphLM reader checkpoint folder (with reader.json) or a local transformers VLM folder
        (config.json with a vision config). Relative paths are taken from the current directory.
    render: render preset name, YAML path, or an inline mapping; a reader uses its own and ignores this.
    profile: VLM profile for `compress` accounting when the model's own rule is not loaded.
    encoder / encoder_weights: the glyphctx vision encoder `encode` uses (a reader uses its own).
    tokenizer: text tokenizer for `compress`; None: Tekken. Answers count with the model's tokenizer.
    prompt: the question as put to the model; `{question}` is replaced.
    max_new_tokens: the longest answer generated.
    searched: render YAML files (e.g. a search's best.yaml) offered beside the shipped presets when
        a document is too long for the model.
    device / dtype: where and in which precision the model runs (default: CUDA when present).
    made_by: the command that makes the model folder, quoted when the folder is missing.
    """

    model: str
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
    def model_path(self) -> Path:
        return Path(self.model).expanduser().absolute()

    @classmethod
    def from_dict(cls, data: Any, *, origin: str = "pipeline") -> "PipelineConfig":
        if not isinstance(data, dict):
            raise PipelineError(f"{origin}: expected a mapping of pipeline settings, got {type(data).__name__}")
        try:
            check_keys(data, {f.name for f in dataclasses.fields(cls)} - {"origin"}, origin, "pipeline")
        except GlyphctxError as exc:
            raise PipelineError(str(exc)) from None
        if not data.get("model") or not isinstance(data["model"], (str, os.PathLike)):
            raise PipelineError(f"{origin}: 'model' must name a reader checkpoint or a transformers VLM folder")
        values = dict(data)
        values["model"] = str(values["model"])
        searched = values.get("searched") or ()
        if isinstance(searched, str) or not all(isinstance(s, (str, os.PathLike)) for s in searched):
            raise PipelineError(f"{origin}: 'searched' must be a list of render YAML paths")
        values["searched"] = tuple(str(s) for s in searched)
        return cls(**values, origin=origin)

    @classmethod
    def load(cls, name_or_path: str | os.PathLike) -> "PipelineConfig":
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
        if not isinstance(self.model, (str, os.PathLike)) or not str(self.model):
            raise PipelineError(f"{self.origin}: 'model' must name a reader checkpoint or a transformers VLM folder")
        object.__setattr__(self, "model", str(self.model))
        object.__setattr__(self, "searched", tuple(str(s) for s in self.searched))
        self.check()

    def replace(self, **changes: Any) -> "PipelineConfig":
        return dataclasses.replace(self, **changes)

    def check(self) -> None:
        """Resolve every named part once, so an unknown name fails here, naming this config's origin."""
        from glyphctx.render.presets import resolve_config
        from glyphctx.encode import load_encoder_config
        from glyphctx.render.config import RenderConfig
        from glyphctx.tokens import get_profile

        if isinstance(self.max_new_tokens, bool) or not isinstance(self.max_new_tokens, int) or self.max_new_tokens < 1:
            raise PipelineError(f"{self.origin}: max_new_tokens must be a positive integer, got {self.max_new_tokens!r}")
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
        from glyphctx.render.presets import resolve_config
        from glyphctx.render.config import RenderConfig

        if isinstance(self.render, dict):
            return RenderConfig.from_dict(self.render, origin=f"{self.origin}: render")
        return resolve_config(self.render)


def preset_names() -> list[str]:
    return presets.preset_names(PACKAGE)
