"""A GlyphLM page reader checkpoint (glyphctx.reader) as the answering model.

The reader reads pages drawn with the render config it was trained on, through its own encoder, so
those two come from the checkpoint, not from the pipeline. Its prompts are byte tokens: the visual
prefix (page tokens between two boundary tokens), then `<question> ... <answer>`.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from glyphctx.answering.backend import AnswerModel, Generated
from glyphctx.errors import ContextTooLongError, GlyphctxError, ModelError

#: a training run's folder keeps the inference checkpoint in final/
TRAINED_SUBFOLDER = "final"


def reader_checkpoint(path: Path) -> Path | None:
    """The folder holding reader.json: `path` itself, or the `final/` of a `glyphctx train` output."""
    from glyphctx.reader import CONFIG_FILE

    for folder in (path, path / TRAINED_SUBFOLDER):
        if (folder / CONFIG_FILE).is_file():
            return folder
    return None


def reader_parts(path: Path):
    """(render config, encoder profile) from reader.json alone: what `compress` needs, without the weights."""
    from glyphctx.encode.geometry import EncoderProfile
    from glyphctx.reader import CONFIG_FILE, ReaderConfig

    config = ReaderConfig.load_json(path / CONFIG_FILE)
    return config.render, EncoderProfile(f"encoder:{config.encoder.name}", config.encoder)


class ReaderModel(AnswerModel):
    kind = "reader"
    tokenizer_name = "reader-bytes"

    def __init__(self, path: str | Path, *, device: str | None = None) -> None:
        from glyphctx.reader import GlyphReader

        self.path = Path(path)
        try:
            self.reader = GlyphReader.from_pretrained(self.path, device=device)
        except GlyphctxError as exc:
            raise ModelError(str(exc)) from None
        self.tokenizer = self.reader.tokenizer
        self.name = self.path.parent.name if self.path.name == TRAINED_SUBFOLDER else self.path.name
        self.window = self.reader.window
        self.profile = self.reader.encoder.profile

    @property
    def render_config(self):
        return self.reader.render_config

    @property
    def default_answer_tokens(self) -> int:
        return self.reader.line_bytes()

    def text_ids(self, text: str) -> list[int]:
        return self.tokenizer.encode(text)

    def _question_ids(self, question: str) -> list[int]:
        return [self.tokenizer.question, *self.tokenizer.encode(question), self.tokenizer.answer]

    def visual_prompt_tokens(self, pages: int, question: str) -> int:
        """Positions beyond the visual tokens: two boundaries, the question, and (aligned readers) the
        positions a page's tokens are spread over past their count."""
        width, height = self.reader.render_config.page_size_px
        tokens = self.reader.encoder.tokens_for(width, height)
        spread = pages * (self.reader.layout.page_span(tokens) - tokens) if self.reader.layout.aligned else 0
        return 2 + len(self._question_ids(question)) + spread

    def text_prompt_tokens(self, document: str, question: str) -> int:
        return 1 + len(self.tokenizer.encode(document)) + len(self._question_ids(question))

    def answer(self, pages: Sequence[np.ndarray], question: str, max_new_tokens: int) -> Generated:
        started = time.perf_counter()
        tokens = self.reader.visual_tokens(pages)
        encode = time.perf_counter() - started
        generated = self.answer_tokens(tokens, question, max_new_tokens)
        generated.timings = {"encode": encode, **generated.timings}
        return generated

    def answer_tokens(self, tokens, question: str, max_new_tokens: int) -> Generated:
        """Answer from visual tokens of the reader's own encoder (one [n, dim] tensor per page)."""
        started = time.perf_counter()
        try:
            text = self.reader.answer_tokens(tokens, question, max_new_tokens)
        except ContextTooLongError:
            raise
        except GlyphctxError as exc:
            raise ModelError(str(exc)) from None
        generate = time.perf_counter() - started
        count = sum(int(t.shape[0]) for t in tokens)
        # positions, not tokens: an aligned reader spreads a page's tokens over its characters' positions
        positions = self.reader.layout.positions([int(t.shape[0]) for t in tokens], len(self._question_ids(question)),
                                                 transcript=False)
        return Generated(text.strip(), positions[-1] + 1, count, {"generate": generate})

    def answer_text(self, document: str, question: str, max_new_tokens: int) -> Generated:
        started = time.perf_counter()
        text = self.reader.answer_text(document, question, max_new_tokens=max_new_tokens)
        return Generated(text.strip(), self.text_prompt_tokens(document, question), 0,
                         {"generate": time.perf_counter() - started})

    def encode(self, pages: Sequence[np.ndarray]):
        return self.reader.visual_tokens(pages)

    def encoder_identity(self) -> str:
        """The reader's encoder config digest and its weights file's hash, as stored tokens carry them."""
        if getattr(self, "_encoder_identity", None) is None:  # hashed once: the file can be large
            from glyphctx.encode import encoder_identity
            from glyphctx.io.digest import file_sha256
            from glyphctx.reader.model import WEIGHTS_FILE

            self._encoder_identity = encoder_identity(self.reader.config.encoder, file_sha256(self.path / WEIGHTS_FILE))
        return self._encoder_identity


def load_answer_model(config) -> AnswerModel:
    """The model a `PipelineConfig` names: a reader checkpoint, a transformers VLM folder or a served model."""
    from glyphctx.answering.vlm import VLMModel, is_vlm_folder

    if config.served is not None:
        from glyphctx.answering.openai_model import OpenAIModel

        return OpenAIModel(config.served, prompt=config.prompt, profile=config.profile, tokenizer=config.tokenizer)
    path = config.model_path
    if not path.exists():
        how = f"; `{config.made_by}` makes it" if config.made_by else ""
        raise ModelError(f"{config.origin}: model folder {path} does not exist{how}")
    checkpoint = reader_checkpoint(path)
    if checkpoint is not None:
        return ReaderModel(checkpoint, device=config.device)
    if is_vlm_folder(path):
        return VLMModel(path, prompt=config.prompt, device=config.device, dtype=config.dtype)
    raise ModelError(f"{config.origin}: model {path} is neither a GlyphLM reader checkpoint (reader.json, or "
                     "final/reader.json of a training run) nor a transformers VLM folder (config.json with a "
                     "vision config)")
