"""Per-generation checkpoints: a search killed at any point restarts from its last finished generation.

The checkpoint holds the population (genomes, fitnesses, crowding distances) and the state of the
random generator that drives selection and variation, so the resumed run draws exactly the numbers
the uninterrupted one would have drawn. It is written atomically: a kill mid-write leaves the
previous generation's checkpoint intact.
"""

from __future__ import annotations

import pickle
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from glyphctx.io.atomic import atomic_write_bytes
from glyphctx.search.errors import SearchError

CHECKPOINT_NAME = "checkpoint.pkl"
FORMAT = 1


@dataclass
class Checkpoint:
    generation: int  # the last finished generation (0: the initial population)
    population: list
    rng_state: Any
    settings: dict  # what the search was started with; a resume must match
    history: list  # one progress row per finished generation


def save_checkpoint(folder: Path, checkpoint: Checkpoint) -> None:
    atomic_write_bytes(folder / CHECKPOINT_NAME, pickle.dumps({"format": FORMAT, "checkpoint": checkpoint}))


def load_checkpoint(folder: Path, settings: dict) -> Checkpoint | None:
    """The folder's checkpoint, None when there is none; SearchError when it belongs to other settings."""
    path = folder / CHECKPOINT_NAME
    if not path.is_file():
        return None
    try:
        payload = pickle.loads(path.read_bytes())
        checkpoint = payload["checkpoint"]
        if payload.get("format") != FORMAT or not isinstance(checkpoint, Checkpoint):
            raise ValueError("unknown checkpoint format")
    except (pickle.UnpicklingError, EOFError, KeyError, TypeError, ValueError, AttributeError) as exc:
        raise SearchError(
            f"{path}: not a checkpoint this version can resume ({exc}); use an empty output folder"
        ) from None
    differing = sorted(
        k for k in set(settings) | set(checkpoint.settings) if settings.get(k) != checkpoint.settings.get(k)
    )
    if differing:
        raise SearchError(
            f"{folder}: holds a search started with other settings ({', '.join(differing)}); "
            "rerun with the same settings to resume, or use another output folder"
        )
    return checkpoint
