"""How every kernel family reports an argument it cannot take, and the checks they all make.

The kernels index raw memory, so a wrong shape reaching them is a silent wrong answer or an
illegal address, not an exception. Each family checks its arguments first and raises its own
subclass of `KernelArgumentError`, built here one way for all of them: the message reads
"argument: what was expected and what came", and `.argument` names the parameter.
"""

from __future__ import annotations

import math

from glyphctx.errors import KernelInputError


class KernelArgumentError(KernelInputError):
    """`KernelInputError` naming the offending argument (`.argument`); subclassed per family."""

    def __init__(self, argument: str, reason: str):
        self.argument = argument
        super().__init__(f"{argument}: {reason}")


def resolve_scale(error: type[KernelArgumentError], scale: float | None, head_dim: int) -> float:
    """The query scale: 1/sqrt(head_dim) unless given, else a finite positive number."""
    if scale is None:
        return 1.0 / math.sqrt(head_dim)
    if isinstance(scale, bool) or not isinstance(scale, (int, float)):
        raise error("scale", f"expected a number, got {type(scale).__name__}")
    scale = float(scale)
    if not math.isfinite(scale) or scale <= 0:
        raise error("scale", f"must be a finite positive number, got {scale}")
    return scale
