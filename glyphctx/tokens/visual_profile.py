"""`VisualProfile`: one vision-language model's published rule for the visual tokens an image costs.

The rule is what a model's own preprocessing does to an image of a given size (resizing, tiling),
followed by how many encoder outputs reach the language model. Counts are the image's embedding
positions only; the few wrapper tokens some models add around an image (<img>, </img>,
<|vision_start|>, row separators) are text-side formatting and are not counted.
"""

from __future__ import annotations

import operator
from abc import ABC, abstractmethod

from glyphctx.errors import ProfileError


class VisualProfile(ABC):
    """A named rule mapping an image size in pixels to a number of visual tokens."""

    name: str

    def tokens_for(self, width: int, height: int) -> int:
        """Visual tokens one image of `width` x `height` pixels costs this model."""
        width, height = self._checked_size(width, height)
        return self._tokens(width, height)

    @abstractmethod
    def _tokens(self, width: int, height: int) -> int:
        """The rule itself, for a size already checked to be two positive ints."""

    @abstractmethod
    def describe(self) -> str:
        """The rule and where it comes from, in one line."""

    def _checked_size(self, width: object, height: object) -> tuple[int, int]:
        try:
            if isinstance(width, bool) or isinstance(height, bool):
                raise TypeError
            width, height = operator.index(width), operator.index(height)
        except TypeError:
            raise ProfileError(
                f"{self.name}: image size must be two ints, got width={width!r}, height={height!r}"
            ) from None
        if width <= 0 or height <= 0:
            raise ProfileError(f"{self.name}: image size {width}x{height}: width and height must be positive")
        return width, height
