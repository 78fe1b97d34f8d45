"""The error raised for bad arguments to the linear-attention functions.

It derives from `GlyphctxError` (so batch code catches it with everything else glyphctx raises) and
from `ValueError` (so plain PyTorch code that already catches argument errors keeps working).
"""

from __future__ import annotations

from glyphctx.errors import GlyphctxError


class LinearAttentionError(GlyphctxError, ValueError):
    """An argument to a linear-attention function has the wrong shape, dtype, device or value.

    `argument` names the offending parameter; the message says what was expected and what came.
    """

    def __init__(self, argument: str, reason: str):
        self.argument = argument
        self.reason = reason
        super().__init__(f"{argument}: {reason}")
