"""The page-reading model an evaluation scores: a GlyphLM reader checkpoint or a local transformers VLM.

Both come through the pipeline's adapters (`ReaderModel`, `VLMModel`), so an evaluation counts
positions, visual tokens and windows exactly as `glyphctx ask` does for the same folder, and a
number in an evaluation report means the same thing as one in an answer.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from glyphctx.answering.backend import AnswerModel
from glyphctx.answering.config import DEFAULT_PROMPT
from glyphctx.errors import ConfigError

#: what a VLM is asked of each line image in a reconstruction (the hf oracle's own words)
TRANSCRIBE_PROMPT = "Transcribe all the text in this image exactly, in reading order. Output only the text."
#: the longest transcription asked of a VLM for one line image
VLM_LINE_TOKENS = 256


def load_page_model(path: str | Path, *, prompt: str = DEFAULT_PROMPT, device: str | None = None) -> AnswerModel:
    """The model in `path`: a reader checkpoint (reader.json, or final/ of a training run) or a VLM folder.

    `prompt` is how a VLM is asked (`{question}` is replaced); a reader takes its question bare.
    """
    from glyphctx.answering.reader_model import ReaderModel, reader_checkpoint
    from glyphctx.answering.vlm import VLMModel, is_vlm_folder

    folder = Path(path).expanduser()
    if not folder.exists():
        raise ConfigError(f"{folder}: no such checkpoint (give a reader checkpoint folder, a `glyphctx train` "
                          "run folder, or a local transformers VLM folder)")
    checkpoint = reader_checkpoint(folder)
    if checkpoint is not None:
        return ReaderModel(checkpoint, device=device)
    if is_vlm_folder(folder):
        return VLMModel(folder, prompt=prompt, device=device)
    raise ConfigError(f"{folder}: neither a reader checkpoint (no reader.json here or in final/) nor a "
                      "transformers VLM folder (no config.json with a vision config)")


def transcribe(model: AnswerModel, images: Sequence[np.ndarray], max_new_tokens: int | None = None) -> list[str]:
    """Each image's text as the model reads it back: the reader's own task, a VLM asked page by page."""
    if model.kind == "reader":
        return model.reader.transcribe(list(images), max_new_tokens=max_new_tokens)
    limit = max_new_tokens or VLM_LINE_TOKENS
    return [model.answer([image], "", limit).text for image in images]


def visual_tokens(model: AnswerModel, images: Sequence[np.ndarray]) -> int:
    """Visual tokens the images cost this model, by its own rule (encoder geometry or processor)."""
    return sum(model.profile.tokens_for(int(image.shape[1]), int(image.shape[0])) for image in images)
