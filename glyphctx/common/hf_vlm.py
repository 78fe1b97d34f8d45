"""A local transformers vision-language model folder, loaded through the Auto classes, offline.

The hf search oracle and the pipeline's VLM backend read a model folder the same way: processor and
model from `local_files_only` (nothing is downloaded), on CUDA when present, in eval mode.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from glyphctx.errors import ModelError


@dataclass
class LoadedVLM:
    path: Path
    processor: Any
    model: Any
    device: str


def torch_dtype(name: str | None):
    """The torch dtype called `name` (bfloat16, float16, float32), or None for the checkpoint's own."""
    import torch

    if name is None:
        return None
    dtype = getattr(torch, name, None)
    if not isinstance(dtype, torch.dtype):
        raise ModelError(f"unknown dtype {name!r} (e.g. bfloat16, float16, float32)")
    return dtype


def load_vlm(path: str | Path, *, device: str | None = None, dtype: str | None = None) -> LoadedVLM:
    """Processor and model of the folder `path`; a `ModelError` naming the folder when either cannot load."""
    import torch
    from transformers import AutoModelForImageTextToText, AutoProcessor

    path = Path(path).expanduser()
    if not path.is_dir():
        raise ModelError(f"{path}: not a model directory (give a local transformers VLM folder)")
    kwargs: dict[str, Any] = {"local_files_only": True}
    if dtype is not None:
        kwargs["dtype"] = torch_dtype(dtype)
    try:
        processor = AutoProcessor.from_pretrained(path, local_files_only=True)
        model = AutoModelForImageTextToText.from_pretrained(path, **kwargs)
    except (OSError, ValueError, KeyError) as exc:
        raise ModelError(f"{path}: cannot load a vision-language model and processor ({exc})") from None
    device = device or ("cuda" if torch.cuda.is_available() else "cpu")
    model.to(device).eval()
    return LoadedVLM(path, processor, model, device)
