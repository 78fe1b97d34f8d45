"""The oracle interface: page images in, the text a reader sees in them out."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence

import numpy as np


class Oracle(ABC):
    """A reader whose transcription of rendered pages measures how legible a rendering is.

    `text_height_px`, when the caller knows it, is the font size in pixels of the images as given:
    readers that rescale small print (Tesseract) use it, others may ignore it.
    """

    name: str

    @abstractmethod
    def read(self, images: Sequence[np.ndarray], *, text_height_px: float | None = None) -> list[str]:
        """One transcription per image (uint8, HxW grey or HxWx3 RGB), in order."""

    def describe(self) -> str:
        """The reader and the settings that change what it reads, for logs and outputs."""
        return self.name
