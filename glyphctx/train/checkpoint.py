"""Resumable checkpoints: output/checkpoints/step-XXXXXXXX/ with weights, optimiser state and step state.

A checkpoint folder is written under a temporary name and renamed into place only when every file
in it is flushed, so a run killed mid-write leaves a `.tmp-*` folder that resuming ignores (and
removes), never a half-written `step-*` folder that would be taken as complete.
"""

from __future__ import annotations

import base64
import json
import os
import random
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from safetensors.torch import load_model, save_model

from glyphctx.train.errors import TrainError

STEP_FOLDER = re.compile(r"^step-(\d{8})$")
MODEL_FILE = "model.safetensors"
OPTIMIZER_FILE = "optimizer.pt"
STATE_FILE = "state.json"
REQUIRED = (MODEL_FILE, OPTIMIZER_FILE, STATE_FILE)


@dataclass(frozen=True)
class CheckpointInfo:
    step: int
    path: Path


def checkpoints_dir(output: Path) -> Path:
    return Path(output) / "checkpoints"


def list_checkpoints(output: Path) -> list[CheckpointInfo]:
    """Complete checkpoints, oldest first; temporary and incomplete folders are not listed."""
    root = checkpoints_dir(output)
    if not root.is_dir():
        return []
    found = []
    for entry in root.iterdir():
        match = STEP_FOLDER.match(entry.name)
        if match and entry.is_dir() and all((entry / name).is_file() for name in REQUIRED):
            found.append(CheckpointInfo(int(match.group(1)), entry))
    return sorted(found, key=lambda c: c.step)


def latest_checkpoint(output: Path) -> CheckpointInfo | None:
    found = list_checkpoints(output)
    return found[-1] if found else None


def remove_temporary(output: Path) -> None:
    """Delete `.tmp-*` folders a killed run left behind."""
    root = checkpoints_dir(output)
    if root.is_dir():
        for entry in root.iterdir():
            if entry.name.startswith(".tmp-") and entry.is_dir():
                shutil.rmtree(entry, ignore_errors=True)


def rng_state() -> dict[str, Any]:
    """Every random generator's state as JSON-able data (torch states as base64 bytes)."""
    state: dict[str, Any] = {
        "python": _jsonable(random.getstate()),
        "torch": base64.b64encode(torch.get_rng_state().numpy().tobytes()).decode("ascii"),
    }
    kind, keys, pos, has_gauss, cached = np.random.get_state()
    state["numpy"] = [kind, keys.tolist(), int(pos), int(has_gauss), float(cached)]
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        state["cuda"] = [base64.b64encode(s.numpy().tobytes()).decode("ascii") for s in torch.cuda.get_rng_state_all()]
    return state


def set_rng_state(state: dict[str, Any]) -> None:
    random.setstate(_tupled(state["python"]))
    torch.set_rng_state(torch.frombuffer(bytearray(base64.b64decode(state["torch"])), dtype=torch.uint8))
    kind, keys, pos, has_gauss, cached = state["numpy"]
    np.random.set_state((kind, np.asarray(keys, dtype=np.uint32), pos, has_gauss, cached))
    if "cuda" in state and torch.cuda.is_available():
        states = [torch.frombuffer(bytearray(base64.b64decode(s)), dtype=torch.uint8) for s in state["cuda"]]
        if len(states) == torch.cuda.device_count():
            torch.cuda.set_rng_state_all(states)


def _jsonable(value):
    return [_jsonable(v) for v in value] if isinstance(value, (tuple, list)) else value


def _tupled(value):
    return tuple(_tupled(v) for v in value) if isinstance(value, list) else value


def _fsync_file(path: Path) -> None:
    with open(path, "rb") as stream:
        os.fsync(stream.fileno())


def write_checkpoint(output: Path, step: int, model: torch.nn.Module, optimizer: torch.optim.Optimizer,
                     scheduler: Any, state: dict[str, Any], keep: int) -> Path:
    """Write step-XXXXXXXX/ atomically, then delete all but the newest `keep` checkpoints."""
    root = checkpoints_dir(output)
    final = root / f"step-{step:08d}"
    try:
        root.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".tmp-step-{step:08d}-", dir=root))
        save_model(model, str(tmp / MODEL_FILE))
        torch.save({"optimizer": optimizer.state_dict(), "scheduler": scheduler.state_dict()}, tmp / OPTIMIZER_FILE)
        (tmp / STATE_FILE).write_text(json.dumps({**state, "step": step, "rng": rng_state()}), encoding="utf-8")
        for name in REQUIRED:
            _fsync_file(tmp / name)
        if final.exists():  # a rerun past a step it already saved: the newer write wins
            shutil.rmtree(final)
        os.replace(tmp, final)
    except OSError as exc:
        raise TrainError(f"{final}: cannot write checkpoint ({exc.strerror or exc})") from None
    for old in list_checkpoints(output)[:-keep]:
        shutil.rmtree(old.path, ignore_errors=True)
    return final


def read_state(checkpoint: CheckpointInfo) -> dict[str, Any]:
    try:
        return json.loads((checkpoint.path / STATE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise TrainError(f"{checkpoint.path / STATE_FILE}: unreadable checkpoint state ({exc})") from None


def load_checkpoint(checkpoint: CheckpointInfo, model: torch.nn.Module, optimizer: torch.optim.Optimizer,
                    scheduler: Any) -> dict[str, Any]:
    """Restore weights, optimiser and scheduler in place; returns state.json (step, rng, settings)."""
    state = read_state(checkpoint)
    try:
        missing, unexpected = load_model(model, str(checkpoint.path / MODEL_FILE), strict=False)
    except Exception as exc:  # safetensors raises its own errors for truncated or foreign files
        raise TrainError(f"{checkpoint.path / MODEL_FILE}: cannot load weights ({exc})") from None
    if missing or unexpected:
        raise TrainError(f"{checkpoint.path / MODEL_FILE}: weights do not fit this task's model "
                         f"(missing {sorted(missing)[:3]}, unexpected {sorted(unexpected)[:3]})")
    try:
        blob = torch.load(checkpoint.path / OPTIMIZER_FILE, map_location="cpu", weights_only=True)
        optimizer.load_state_dict(blob["optimizer"])
        scheduler.load_state_dict(blob["scheduler"])
    except Exception as exc:
        raise TrainError(f"{checkpoint.path / OPTIMIZER_FILE}: cannot load optimiser state ({exc})") from None
    return state
