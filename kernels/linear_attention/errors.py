"""The error raised for bad arguments to the linear-attention functions.

It derives from `KernelInputError`, a `GlyphctxError` (so batch code catches it with everything else
glyphctx raises) and a `ValueError` (so PyTorch code that catches argument errors keeps working).
"""

from __future__ import annotations

from glyphctx.errors import KernelInputError


class LinearAttentionError(KernelInputError):
    """An argument to a linear-attention function has the wrong shape, dtype, device or value.

    `argument` names the offending parameter; the message says what was expected and what came.
    """

    def __init__(self, argument: str, reason: str):
        self.argument = argument
        self.reason = reason
        super().__init__(f"{argument}: {reason}")
