"""`Pipeline`: a document in, an answer out, through named parts (render config, profile, encoder, model).

    pipeline = Pipeline.from_preset("tiny")          # or Pipeline.from_yaml("my-pipeline.yaml")
    pipeline.compress("book.txt")                    # pages and token budget, no model needed
    answer = pipeline.ask("book.txt", "Who moved into Netherfield?")
    answer.text, answer.budget, answer.timings

The model loads on first use and stays loaded, so asking many questions pays for it once. Every
prompt is counted before the model runs; one that would not fit the window raises
`ContextTooLongError` with the numbers and the ways out, instead of running out of memory.
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from glyphctx.answering.answer import Answer
from glyphctx.answering.backend import AnswerModel
from glyphctx.answering.config import PipelineConfig
from glyphctx.answering.fit import check_text, check_visual


@dataclass
class Encoded:
    """A document's pages and the visual tokens the pipeline's encoder made of them."""

    result: Any  # CompressResult
    tokens: list  # one [tokens, dim] tensor per page
    timings: dict[str, float]

    @property
    def visual_tokens(self) -> int:
        return sum(int(t.shape[0]) for t in self.tokens)


class Pipeline:
    """Named parts put together once, so every question about every document is read the same way."""

    def __init__(self, config: PipelineConfig):
        if config.served is None:  # a folder is fixed now: workers may start elsewhere
            config = config.replace(model=str(config.model_path))
        self.config = config
        self._model: AnswerModel | None = None
        self._encoder = None

    @classmethod
    def from_preset(cls, name: str) -> Pipeline:
        return cls(PipelineConfig.from_preset(name))

    @classmethod
    def from_yaml(cls, path: str | os.PathLike) -> Pipeline:
        return cls(PipelineConfig.from_yaml(path))

    @classmethod
    def load(cls, name_or_path: str | os.PathLike) -> Pipeline:
        """A preset name or a pipeline YAML path."""
        return cls(PipelineConfig.load(name_or_path))

    def __repr__(self) -> str:
        served = self.config.served
        model = served.describe() if served is not None else repr(self.config.model)
        return f"Pipeline({self.config.name!r}, model={model})"

    # ------------------------------------------------------------------ parts
    @property
    def model(self) -> AnswerModel:
        if self._model is None:
            from glyphctx.answering.reader_model import load_answer_model

            self._model = load_answer_model(self.config)
        return self._model

    def _reader_parts(self):
        """(render config, profile) of a reader checkpoint, read from reader.json; None for a VLM."""
        from glyphctx.answering.reader_model import reader_checkpoint, reader_parts

        if self._model is not None:
            return (self._model.render_config, self._model.profile) if self._model.kind == "reader" else None
        if self.config.served is not None:  # a served model reads the pipeline's pages
            return None
        if not self.config.model_path.exists():  # which render config applies depends on the model's kind
            self.model  # raises, saying which command makes the folder
        checkpoint = reader_checkpoint(self.config.model_path)
        return reader_parts(checkpoint) if checkpoint is not None else None

    @property
    def render_config(self):
        """What pages are rendered with: a reader's own config, else the pipeline's."""
        parts = self._reader_parts()
        return parts[0] if parts else self.config.render_config()

    def _render_label(self) -> str:
        if self._reader_parts():
            return "the reader's own render config"
        render = self.config.render
        return f"render config {render}" if isinstance(render, str) else "the pipeline's inline render config"

    # ------------------------------------------------------------------ stages
    def compress(self, source, **options):
        """Pages and token budget under the pipeline's accounting (a reader's own encoder rule)."""
        from glyphctx.api import compress

        parts = self._reader_parts()
        config, profile = parts if parts else (self.config.render_config(), self.config.profile)
        return compress(source, config=config, profile=profile, tokenizer=self.config.tokenizer, **options)

    def encode(self, source, **options) -> Encoded:
        """Pages, then visual tokens: a reader's own encoder, else the pipeline's encoder preset."""
        result = self.compress(source, **options)
        started = time.perf_counter()
        if self._reader_parts():
            tokens = self.model.encode([p.image for p in result.pages])
        else:
            if self._encoder is None:
                from glyphctx.encode import load_encoder

                self._encoder = load_encoder(self.config.encoder, weights=self.config.encoder_weights,
                                             device=self.config.device)
            tokens = self._encoder.encode([p.image for p in result.pages])
        timings = {**result.timings, "encode": time.perf_counter() - started}
        return Encoded(result, tokens, timings)

    def prepare(self, source, **options):
        """The pages the model will read, counted as the model counts (its tokenizer, its image rule).

        Answers report, and the window check compares, these counts rather than the pipeline's
        accounting profile, which only approximates what a particular checkpoint's processor does.
        """
        from glyphctx.api import compress

        model = self.model
        config = model.render_config or self.config.render_config()
        return compress(source, config=config, profile=model.profile, tokenizer=model.text_tokenizer(), **options)

    def ask(self, source, question: str, *, max_new_tokens: int | None = None, **options) -> Answer:
        """Answer `question` from the document's pages (text, a path or a Document, as `glyphctx.compress`)."""
        result = self.prepare(source, **options)
        return self.answer_pages([p.image for p in result.pages], question, document=result.document,
                                 config=result.config, budget=result.budget, timings=result.timings,
                                 max_new_tokens=max_new_tokens, warnings=result.warnings(), label=_label(result))

    def answer_pages(self, images: Sequence, question: str, *, document, config, budget, timings: dict[str, float],
                     max_new_tokens: int | None = None, warnings: Sequence[str] = (), label: str = "the document",
                     config_label: str | None = None) -> Answer:
        """Answer from pages already drawn (with `config`, from `document`), counted by the model's own rule.

        The window is checked first; the denser configs it offers are priced on `document`.
        """
        limit = max_new_tokens or self.config.max_new_tokens
        model = self.model
        check_visual(source=label, document=document, config=config, config_label=config_label or self._render_label(),
                     model=model, visual_tokens=budget.visual_tokens, pages=len(images), question=question,
                     max_new_tokens=limit, searched=self.config.searched)
        generated = model.answer(images, question, limit)
        warnings = list(warnings)
        if generated.visual_tokens != budget.visual_tokens:  # the model's rule and its actual input disagree
            warnings.append(f"the model took {generated.visual_tokens} visual tokens; its rule counted "
                            f"{budget.visual_tokens}")
        return Answer(generated.text, question, budget, {**timings, **generated.timings}, generated.input_tokens,
                      model.window, len(images), model.name, "visual", tuple(warnings), generated.server_prompt_tokens)

    def ask_text(self, source, question: str, *, max_new_tokens: int | None = None, **options) -> Answer:
        """The same question from the plain text with the same model: the baseline the pages are measured by."""
        limit = max_new_tokens or self.config.max_new_tokens
        model = self.model
        result = self.prepare(source, **options)
        check_text(source=_label(result), model=model, max_new_tokens=limit,
                   text_prompt_tokens=model.text_prompt_tokens(result.text, question))
        generated = model.answer_text(result.text, question, limit)
        timings = {"extract": result.timings.get("extract", 0.0), "normalise": result.timings.get("normalise", 0.0),
                   **generated.timings}
        return Answer(generated.text, question, result.budget, timings, generated.input_tokens, model.window,
                      len(result.pages), model.name, "text", tuple(result.warnings()), generated.server_prompt_tokens)


def _label(result) -> str:
    source = result.document.source
    return source if source and source != "<text>" else "the document"

