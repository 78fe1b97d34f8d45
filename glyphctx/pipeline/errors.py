"""Errors of the document -> answer pipeline, in the `GlyphctxError` family so the CLI prints one line."""

from __future__ import annotations

from glyphctx.errors import GlyphctxError


class PipelineError(GlyphctxError):
    """A pipeline file or preset that cannot be used: unknown keys or parts, a model folder that is missing."""

    code = "pipeline"


class ModelError(PipelineError):
    """A model folder that is neither a GlyphLM reader checkpoint nor a transformers VLM, or fails to load."""

    code = "model"


class ContextTooLongError(PipelineError):
    """A document (with its prompt) needs more positions than the model takes.

    Raised before the model runs, so a long input never ends as an out-of-memory crash; the message
    carries the numbers and the ways out (a denser render config, ring attention over N processes).
    """

    code = "too-long"

    def __init__(self, message: str, *, needed: int, window: int, processes: int,
                 alternative: str | None = None, alternative_tokens: int | None = None):
        self.needed = needed
        self.window = window
        self.processes = processes
        self.alternative = alternative
        self.alternative_tokens = alternative_tokens
        super().__init__(message)
