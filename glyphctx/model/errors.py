"""Typed errors of the model package.

Bad model inputs (shapes, missing visual projector, wrong process group) raise `ModelInputError`, a
`GlyphctxError` and a `ValueError`, so callers catch it with the project's other errors and PyTorch
code that already catches argument errors keeps working. Bad configs raise `glyphctx.errors.ConfigError`.
"""

from __future__ import annotations

from glyphctx.errors import GlyphctxError


class ModelInputError(GlyphctxError, ValueError):
    """A model was called with an argument it cannot take; names the argument and the reason."""

    def __init__(self, argument: str, reason: str):
        self.argument = argument
        self.reason = reason
        super().__init__(f"{argument}: {reason}")
