"""Rotary positions for a reader's inputs: sequential, or aligned with the characters on the page.

Aligned positions measure a one-line page in characters: visual token j sits at the position of the
character in its middle, and a transcription's inputs run over the positions of the characters they
predict, so the token that holds the next character is always a few positions back, at an offset
rotary attention can learn once instead of searching the line for it. A character is one cell on the
page however many UTF-8 bytes it takes, so a transcription's position moves on only at the first byte
of each character. Everything after a page (its continuation, a question, the next page) follows
sequentially, one position per byte.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
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
    def for_reader(cls, aligned: bool, render: RenderConfig, encoder: EncoderConfig) -> PositionLayout:
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

    def cell(self, character: int, tokens: int) -> int:
        """Where the `character`-th character of a line is in its page's readout: token x READOUT_SLOTS + slot,
        or -1 past the page's `tokens` tokens (or its slots). The same rule as `token_characters`.

        A read-back input sits at the position of the character it predicts; the reader gives it what
        the readout sees in that cell (its glimpse), because rotary attention can bring the nearby
        token's content but not say which of the token's characters is wanted.
        """
        token = int((self.first_char + character + 0.5) // self.chars_per_token)
        first = math.ceil(token * self.chars_per_token - self.first_char - 0.5)
        slot = character - max(first, 0)
        return token * READOUT_SLOTS + slot if 0 <= token < tokens and slot < READOUT_SLOTS else -1

    def cells(self, positions: Sequence[int], start: int, tokens: int, first_token: int = 0) -> list[int]:
        """`cell` of read-back inputs at these positions, for a page of `tokens` tokens whose first character
        sits at `start` and whose first token is the prefix's `first_token`-th, as indices into the readout
        of every page of the prefix."""
        out = []
        for p in positions:
            cell = self.cell(p - start, tokens) if p >= start else -1
            out.append(cell + first_token * READOUT_SLOTS if cell >= 0 else -1)
        return out

    def transcript_start(self) -> int:
        """Position of the first input of a one-page transcription (it predicts the first character)."""
        return _nearest(self.first_char + 0.5) if self.aligned else -1

    def positions(self, pages: list[int], text_length: int, transcript: bool,
                  ids: Sequence[int] | None = None) -> list[int]:
        """Prefix and text positions; a transcription of one aligned page runs over its characters.

        `ids`, the transcription's inputs (task token first), let a multi-byte character's bytes share
        its position; without them every input is taken for a one-byte character.
        """
        prefix = self.prefix(pages)
        if transcript and self.aligned and len(pages) == 1:
            start = self.transcript_start()
            steps = character_steps(ids[:text_length]) if ids is not None else [1] * text_length
            text, position = [], start - 1
            for step in steps:
                position += step
                text.append(position)
            return prefix + text + list(range(position + 1, position + 1 + text_length - len(text)))
        return prefix + list(range(prefix[-1] + 1, prefix[-1] + 1 + text_length))

    def read_back(self, pages: list[int], page: int, after: int, ids: Sequence[int]) -> list[int]:
        """Positions of inputs that read page `page` of a prefix of these pages back (first input: the task token).

        Aligned: over that page's characters, as a one-page transcription runs over its page's, so reading
        an answer's page back is the same local lookup wherever the page sits. Sequential: on from `after`.
        """
        if not self.aligned:
            return list(range(after, after + len(ids)))
        offset = 1 + sum(self.page_span(t) for t in pages[:page])
        position, out = offset - 2 + self.transcript_start(), []
        for step in character_steps(ids):
            position += step
            out.append(position)
        return out

    def page_start(self, pages: list[int], page: int) -> int:
        """Position of the first read-back input of page `page` (see `read_back`)."""
        return self.read_back(pages, page, 0, [0])[0]

    def batch(self, tokens: int, input_ids: torch.Tensor, transcribe: int) -> torch.Tensor | None:
        """[B, prefix + T] positions for one-page rows, each by its task token and bytes (None: sequential)."""
        if not self.aligned:
            return None
        length = input_ids.shape[1]
        rows = [self.positions([tokens], length, row[0] == transcribe, row) for row in input_ids.tolist()]
        return torch.tensor(rows, dtype=torch.long, device=input_ids.device)


def pending_bytes(pending: int, token: int) -> int:
    """UTF-8 continuation bytes still owed after `token`, given `pending` owed before it (0 for non-bytes)."""
    if 0x80 <= token < 0xC0:
        return max(pending - 1, 0)
    if 0xC0 <= token < 0xE0:
        return 1
    if 0xE0 <= token < 0xF0:
        return 2
    if 0xF0 <= token < 0xF8:
        return 3
    return 0


def character_steps(ids: Sequence[int]) -> list[int]:
    """How far each input's position moves on from the one before (the first input's step is 1).

    Input k predicts byte k of the text; that byte starts a new character, and so a new position, unless
    the bytes read so far (inputs 1..k) leave a character unfinished. Decoding applies the same rule to the
    bytes it has produced, so training and reading agree.
    """
    steps, pending = [], 0
    for k, token in enumerate(ids):
        if k:
            pending = pending_bytes(pending, int(token))
        steps.append(0 if pending else 1)
    return steps


def _nearest(value: float) -> int:
    """Rounded half up, so tokens a whole number of characters wide all sit at the same offset."""
    return math.floor(value + 0.5)
