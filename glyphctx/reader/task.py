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

from glyphctx.errors import ConfigError
from glyphctx.reader.config import load_reader_config
from glyphctx.reader.lines import Line, page_capacity, passage, render_lines, sample_config
from glyphctx.reader.model import GlyphReader
from glyphctx.reader.positions import PositionLayout
from glyphctx.reader.tokenizer import ReaderTokenizer
from glyphctx.common.metrics import char_accuracy, normalise_for_scoring
from glyphctx.reader.config import DEFAULT_READER

IGNORE = -100


class ReaderTask:
    def __init__(self, corpus, reader: str = DEFAULT_READER, batch_size: int = 32, passages: int = 4,
                 continue_share: float = 0.125, eval_lines: int = 96, input_noise: float = 0.0):
        if not 0 <= input_noise < 1:
            raise ConfigError(f"input_noise must lie in [0, 1), got {input_noise!r}")
        self.input_noise = input_noise
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
        rng = random.Random(f"reader:{seed}:{step}:{micro}")
        per_passage = -(-self.batch_size // self.passages)
        samples: list[tuple[Line, str, int]] = []
        layouts: list[PositionLayout] = []
        while len(samples) < self.batch_size:
            config = sample_config(self.config.render, rng)
            text = passage(self.corpus.train, rng, chars=page_capacity(config) * (per_passage + 1))
            lines = render_lines(text, config)[:per_passage + 1]
            for here, after in zip(lines, lines[1:]):
                if rng.random() < self.continue_share:
                    samples.append((here, after.text, ReaderTokenizer.continue_))
                else:
                    samples.append((here, here.text, ReaderTokenizer.transcribe))
                layouts.append(self._layout(config))
        batch = collate(samples[:self.batch_size])
        if self.input_noise:
            corrupt(batch, rng, self.input_noise)
        if self.config.positions == "aligned":
            tokens = self.config.encoder.token_size
            page_tokens = batch["pixels"].shape[-1] // tokens[1] * (batch["pixels"].shape[-2] // tokens[0])
            length = batch["input_ids"].shape[1]
            batch["positions"] = torch.tensor(
                [layout.positions([page_tokens], length, transcript=task == ReaderTokenizer.transcribe, ids=row)
                 for layout, (_, _, task), row in zip(layouts, samples, batch["input_ids"].tolist())],
                dtype=torch.long)
            batch["characters"] = torch.tensor(
                [layout.token_characters(line.text, page_tokens) for layout, (line, _, _) in zip(layouts, samples)],
                dtype=torch.long)
        return batch

    def _layout(self, render) -> PositionLayout:
        layout = self._layouts.get(render)
        if layout is None:
            layout = self._layouts[render] = PositionLayout.for_reader(
                self.config.positions == "aligned", render, self.config.encoder)
        return layout

    def loss(self, model: GlyphReader, batch: dict[str, Any]) -> tuple[torch.Tensor, dict[str, float]]:
        device = model.device
        optional = {key: batch[key].to(device) for key in ("positions", "characters") if key in batch}
        out = model(batch["pixels"].to(device), batch["input_ids"].to(device), labels=batch["labels"].to(device),
                    **optional)
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


def corrupt(batch: dict[str, Any], rng: random.Random, share: float) -> None:
    """Replace a share of the transcriptions' ASCII input bytes with random printable ones (targets unchanged).

    With its own previous bytes sometimes wrong, the model cannot transcribe by guessing the next word
    from the last ones: it has to read the page, which is what greedy reading at test time needs. Bytes of
    multi-byte characters are left alone, so the inputs still say where each character starts.
    """
    ids, labels = batch["input_ids"], batch["labels"]
    for row in range(ids.shape[0]):
        if int(ids[row, 0]) != ReaderTokenizer.transcribe:
            continue
        for column in range(1, ids.shape[1]):
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
