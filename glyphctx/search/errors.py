"""Errors of the layout search, in the `GlyphctxError` family so the CLI reports them in one line."""

from __future__ import annotations

from glyphctx.errors import GlyphctxError


class OracleError(GlyphctxError):
    """A fidelity oracle cannot run: a missing binary, a missing model directory, bad settings."""


class SearchError(GlyphctxError):
    """Search settings or a search output folder that cannot be used (bad sizes, a foreign checkpoint)."""
