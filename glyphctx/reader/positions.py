"""Rotary positions for a reader's inputs: sequential, or aligned with the characters on the page.

Aligned positions measure a one-line page in characters: visual token j sits at the position of the
character in its middle, and a transcription's inputs run over the positions of the characters they
predict, so the token that holds the next character is always a few positions back, at an offset
rotary attention can learn once instead of searching the line for it. Everything after a page (its
continuation, a question, the next page) follows sequentially.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from glyphctx.encode.config import EncoderConfig
from glyphctx.render import word_cache
from glyphctx.render.config import RenderConfig

#: most characters one visual token can show in the readout's targets (more fall out of the loss)
READOUT_SLOTS = 16
#: characters whose mean advance stands for "a character" of a proportional font (exact for monospace)
SAMPLE = "the quick brown fox jumps over the lazy dog"


def character_width_px(render: RenderConfig) -> float:
    face = word_cache(render).primary
    return sum(face.advance(c) for c in SAMPLE) / len(SAMPLE)


@dataclass(frozen=True)
class PositionLayout:
    aligned: bool
    chars_per_token: float = 1.0  # aligned only: a token's width in characters
    first_char: float = 0.0  # aligned only: the left margin in characters

    @classmethod
    def for_reader(cls, aligned: bool, render: RenderConfig, encoder: EncoderConfig) -> "PositionLayout":
        if not aligned:
            return cls(False)
        char_px = character_width_px(render)
        return cls(True, encoder.token_size[1] / char_px, render.margin_left * render.scale / char_px)

    def page_span(self, tokens: int) -> int:
        """Positions a page of `tokens` visual tokens takes."""
        return _nearest(tokens * self.chars_per_token) + 1 if self.aligned else tokens

    def prefix(self, pages: list[int]) -> list[int]:
        """Positions of [begin, every page's tokens, end] for pages of these token counts."""
        out, offset = [0], 1
        for tokens in pages:
            if self.aligned:
                out.extend(offset + _nearest((j + 0.5) * self.chars_per_token) for j in range(tokens))
            else:
                out.extend(range(offset, offset + tokens))
            offset += self.page_span(tokens)
        out.append(offset)
        return out

    def token_characters(self, text: str, tokens: int) -> list[list[int]]:
        """[tokens][READOUT_SLOTS] byte classes of the characters each token shows (-100: none), for a
        one-line page whose text starts at the left margin: the targets of the reader's readout."""
        out = [[-100] * READOUT_SLOTS for _ in range(tokens)]
        filled = [0] * tokens
        for k, char in enumerate(text):
            token = int((self.first_char + k + 0.5) // self.chars_per_token)
            if token >= tokens:
                break
            if filled[token] < READOUT_SLOTS:
                out[token][filled[token]] = min(ord(char), 255)
                filled[token] += 1
        return out

    def transcript_start(self) -> int:
        """Position of the first input of a one-page transcription (it predicts the first character)."""
        return _nearest(self.first_char + 0.5) if self.aligned else -1

    def positions(self, pages: list[int], text_length: int, transcript: bool) -> list[int]:
        """Prefix and text positions; a transcription of one aligned page runs over its characters."""
        prefix = self.prefix(pages)
        start = self.transcript_start() if transcript and self.aligned and len(pages) == 1 else prefix[-1] + 1
        return prefix + list(range(start, start + text_length))

    def batch(self, tokens: int, transcript: torch.Tensor, text_length: int) -> torch.Tensor | None:
        """[B, prefix + text] positions for one-page rows whose transcript flags differ (None: sequential)."""
        if not self.aligned:
            return None
        rows = {flag: self.positions([tokens], text_length, flag) for flag in (True, False)}
        return torch.tensor([rows[bool(flag)] for flag in transcript.tolist()], dtype=torch.long,
                            device=transcript.device)


def _nearest(value: float) -> int:
    """Rounded half up, so tokens a whole number of characters wide all sit at the same offset."""
    return math.floor(value + 0.5)
