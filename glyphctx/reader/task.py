"""The reader's training task for `glyphctx train`: transcribe rendered lines, or continue after them.

Each sample is one line page and a byte target: its own text after `<transcribe>` (optical
reconstruction), or the next line's text after `<continue>` (language modelling from a visual
prefix). Batches are a function of (seed, step, micro) alone, so a resumed run sees the very batches
an uninterrupted one would. Held-out accuracy is measured on the held-out chapters rendered with the
preset exactly, read back greedily.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import torch

from glyphctx.common.metrics import char_accuracy, normalise_for_scoring
from glyphctx.errors import ConfigError
from glyphctx.reader.config import DEFAULT_READER, load_reader_config
from glyphctx.reader.lines import Line, page_capacity, passage, render_lines, sample_config
from glyphctx.reader.model import GlyphReader
from glyphctx.reader.positions import PositionLayout
from glyphctx.reader.tokenizer import ReaderTokenizer

IGNORE = -100


class ReaderTask:
    def __init__(self, corpus, reader: str = DEFAULT_READER, batch_size: int = 32, passages: int = 4,
                 continue_share: float = 0.125, eval_lines: int = 96, input_noise: float = 0.0,
                 number_share: float = 0.0):
        if not 0 <= input_noise < 1:
            raise ConfigError(f"input_noise must lie in [0, 1), got {input_noise!r}")
        if not 0 <= number_share < 1:
            raise ConfigError(f"number_share must lie in [0, 1), got {number_share!r}")
        self.input_noise, self.number_share = input_noise, number_share
        if not 0 <= continue_share <= 1:
            raise ConfigError(f"continue_share must lie in [0, 1], got {continue_share!r}")
        if batch_size < passages:
            raise ConfigError(f"batch_size {batch_size} must be at least passages {passages}")
        self.corpus = corpus
        self.config = load_reader_config(reader)
        self.batch_size, self.passages = batch_size, passages
        self.continue_share, self.eval_lines = continue_share, eval_lines
        self._held_out: list[Line] | None = None
        self._layouts: dict = {}

    # ------------------------------------------------------------------ the trainer's protocol
    def build(self, seed: int) -> GlyphReader:
        torch.manual_seed(seed)
        return GlyphReader(self.config)

    def batch(self, step: int, micro: int, seed: int) -> dict[str, Any]:
        return self.line_batch(random.Random(f"reader:{seed}:{step}:{micro}"), self.batch_size)

    def line_batch(self, rng: random.Random, size: int) -> dict[str, Any]:
        """`size` one-line pages, each transcribed or continued, from passages of the training chapters."""
        per_passage = -(-size // self.passages)
        samples: list[tuple[Line, str, int]] = []
        layouts: list[PositionLayout] = []
        while len(samples) < size:
            config = sample_config(self.config.render, rng)
            text = passage(self.corpus.train, rng, chars=page_capacity(config) * (per_passage + 1))
            if self.number_share:
                text = with_numbers(text, rng, self.number_share)
            lines = render_lines(text, config)[:per_passage + 1]
            for here, after in zip(lines, lines[1:]):
                if rng.random() < self.continue_share:
                    samples.append((here, after.text, ReaderTokenizer.continue_))
                else:
                    samples.append((here, here.text, ReaderTokenizer.transcribe))
                layouts.append(self._layout(config))
        batch = collate(samples[:size])
        if self.input_noise:
            corrupt(batch, rng, self.input_noise)
        if self.config.positions == "aligned":
            page_tokens = self.page_tokens(batch["pixels"])
            length = batch["input_ids"].shape[1]
            rows = [layout.positions([page_tokens], length, transcript=task == ReaderTokenizer.transcribe, ids=row)
                    for layout, (_, _, task), row in zip(layouts, samples, batch["input_ids"].tolist())]
            batch["positions"] = torch.tensor(rows, dtype=torch.long)
            batch["cells"] = torch.tensor(
                [layout.cells(row[-length:], layout.transcript_start(), page_tokens)
                 if task == ReaderTokenizer.transcribe else [-1] * length
                 for layout, (_, _, task), row in zip(layouts, samples, rows)], dtype=torch.long)
            batch["characters"] = torch.tensor(
                [layout.token_characters(line.text, page_tokens) for layout, (line, _, _) in zip(layouts, samples)],
                dtype=torch.long)
        return batch

    def page_tokens(self, pixels: torch.Tensor) -> int:
        """Visual tokens of one page of these pixels ([..., H, W])."""
        rows, columns = self.config.encoder.token_size
        return pixels.shape[-1] // columns * (pixels.shape[-2] // rows)

    def _layout(self, render) -> PositionLayout:
        layout = self._layouts.get(render)
        if layout is None:
            layout = self._layouts[render] = PositionLayout.for_reader(
                self.config.positions == "aligned", render, self.config.encoder)
        return layout

    def loss(self, model: GlyphReader, batch: dict[str, Any]) -> tuple[torch.Tensor, dict[str, float]]:
        out = forward(model, batch)
        metrics = {"loss": float(out.loss.detach())}
        if getattr(out, "readout_loss", None) is not None:
            metrics["readout_loss"] = float(out.readout_loss.detach())
        return out.loss, metrics

    def evaluate(self, model: GlyphReader) -> dict[str, float]:
        lines = self.held_out_lines()
        was_training = model.training
        model.eval()
        try:
            read = model.transcribe([line.image for line in lines])
        finally:
            model.train(was_training)
        accuracy = sum(char_accuracy(normalise_for_scoring(line.text), normalise_for_scoring(text))
                       for line, text in zip(lines, read)) / len(lines)
        return {"char_accuracy": accuracy}

    def save(self, model: GlyphReader, folder: Path) -> None:
        model.save_pretrained(folder)

    # ------------------------------------------------------------------ held-out pages
    def held_out_lines(self) -> list[Line]:
        """The first `eval_lines` lines of each held-out chapter's middle, drawn with the preset exactly."""
        if self._held_out is None:
            per_book = -(-self.eval_lines // len(self.corpus.held_out))
            lines: list[Line] = []
            for text in self.corpus.held_out:
                middle = text[len(text) // 3:]
                lines.extend(render_lines(middle[middle.find("\n\n") + 2:], self.config.render)[:per_book])
            self._held_out = lines[:self.eval_lines]
        return self._held_out


def with_numbers(text: str, rng: random.Random, share: float) -> str:
    """`text` with a share of its words replaced by random numbers of one to six digits.

    Novels hold few digits, and at four pixels a glyph 3, 5, 8 and S, or 1 and l, differ by a pixel or
    two: a reader that is asked for numbers must have read many.
    """
    words = text.split(" ")
    for i in range(len(words)):
        if rng.random() < share:
            digits = rng.randint(1, 6)
            words[i] = str(rng.randrange(10 ** digits)).zfill(digits) + ("." if words[i].endswith(".") else "")
    return " ".join(words)


def forward(model: GlyphReader, batch: dict[str, Any]):
    """The model's output (with its loss) on one batch of the reader's rows, on the model's device."""
    device = next(model.parameters()).device
    pixels = batch.get("pixels")
    optional = {key: batch[key].to(device) for key in ("positions", "characters", "page", "answer_at", "cells")
                if key in batch}
    return model(None if pixels is None else pixels.to(device), batch["input_ids"].to(device),
                 labels=batch["labels"].to(device), **optional)


def corrupt(batch: dict[str, Any], rng: random.Random, share: float, starts: list[int | None] | None = None) -> None:
    """Replace a share of the transcriptions' ASCII input bytes with random printable ones (targets unchanged).

    With its own previous bytes sometimes wrong, the model cannot transcribe by guessing the next word
    from the last ones: it has to read the page, which is what greedy reading at test time needs. Bytes of
    multi-byte characters are left alone, so the inputs still say where each character starts. `starts`
    gives each row's first transcribed input (None: not a transcription); by default, rows whose task
    token is `<transcribe>` are transcriptions from their second input on.
    """
    ids, labels = batch["input_ids"], batch["labels"]
    if starts is None:
        starts = [1 if int(ids[row, 0]) == ReaderTokenizer.transcribe else None for row in range(ids.shape[0])]
    for row, start in enumerate(starts):
        if start is None:
            continue
        for column in range(start, ids.shape[1]):
            if int(labels[row, column]) != IGNORE and int(ids[row, column]) < 128 and rng.random() < share:
                ids[row, column] = rng.randrange(32, 127)


def collate(samples: list[tuple[Line, str, int]]) -> dict[str, Any]:
    """Line pages (one size) and byte targets -> pixels, input ids and labels, padded on the right."""
    from glyphctx.encode.preprocess import to_tensor

    rows = [[task, *ReaderTokenizer.encode(text), ReaderTokenizer.eos] for _, text, task in samples]
    width = max(map(len, rows))
    input_ids = torch.full((len(rows), width), ReaderTokenizer.pad, dtype=torch.long)
    labels = torch.full((len(rows), width), IGNORE, dtype=torch.long)
    for i, row in enumerate(rows):
        input_ids[i, :len(row)] = torch.tensor(row)
        labels[i, 1:len(row)] = torch.tensor(row[1:])  # the task token is given, not predicted
    pixels = to_tensor([line.image for line, _, _ in samples], 1)
    return {"pixels": pixels, "input_ids": input_ids, "labels": labels}
