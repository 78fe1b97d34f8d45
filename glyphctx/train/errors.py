"""Errors of training runs, in the `GlyphctxError` family so the CLI reports them in one line."""

from __future__ import annotations

from glyphctx.errors import GlyphctxError


class TrainError(GlyphctxError):
    """A run that cannot start or resume: an unusable output folder or checkpoint, a task that misbehaves."""
