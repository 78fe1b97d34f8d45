"""A seeded, untrained tiny reader saved as a checkpoint, for plumbing tests elsewhere.

Sequential positions and a 4,096-position window by default, so a prompt's positions are its token
count and documents past the window are cheap to build.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import torch


def save_tiny_reader(folder: Path, *, positions: str = "sequential", window: int = 4096) -> Path:
    from glyphctx.reader import GlyphReader, load_reader_config

    base = load_reader_config("tiny-reader")
    config = dataclasses.replace(base, positions=positions,
                                 model={**base.model, "max_position_embeddings": window})
    torch.manual_seed(0)
    GlyphReader(config).eval().save_pretrained(folder)
    return Path(folder)
