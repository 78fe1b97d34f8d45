"""Errors of the document -> answer pipeline, in the `GlyphctxError` family so the CLI prints one line."""

from __future__ import annotations

from glyphctx.errors import GlyphctxError


class PipelineError(GlyphctxError, code="pipeline"):
    """A pipeline file or preset that cannot be used: unknown keys or parts, a model folder that is missing."""
