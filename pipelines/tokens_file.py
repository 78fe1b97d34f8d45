"""`visual_tokens.safetensors`: a document's visual tokens, one [tokens, dim] tensor per page, and who made them.

Written by the ingest job's encode stage, read by `ask_many`. The metadata says which pages the
tokens are of (the document's job key and render config hash) and which encoder made them (its
identity: config digest + weights hash, and for a reader's encoder the render config the reader
reads), so a reader can tell tokens it may use from tokens it must make again.
"""

from __future__ import annotations

import json
import os
import struct
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from glyphctx.pipelines.settings import TOKENS_FILE

__all__ = ["TOKENS_FILE", "page_key", "read_tokens", "tokens_metadata", "write_tokens"]


def page_key(index: int) -> str:
    """The tensor name of page `index` (0-based): page_0001, page_0002, ..."""
    return f"page_{index + 1:04d}"


def tokens_metadata(path: Path) -> dict[str, str]:
    """A token file's metadata, read from its header alone; ValueError when the file is cut short."""
    with open(path, "rb") as stream:
        (size,) = struct.unpack("<Q", stream.read(8))
        if size > 100_000_000:
            raise ValueError("header too large")
        header = json.loads(stream.read(size))
    end = max((t["data_offsets"][1] for k, t in header.items() if k != "__metadata__"), default=0)
    if os.path.getsize(path) < 8 + size + end:
        raise ValueError("truncated")
    return header.get("__metadata__") or {}


def write_tokens(folder: Path, tensors: Sequence[Any], metadata: dict[str, str]) -> int:
    """Write the pages' tokens atomically, with `metadata` plus the per-page counts; the total count back."""
    from safetensors.torch import save

    from glyphctx.io.atomic import atomic_write_bytes

    state = {page_key(i): tensor.contiguous() for i, tensor in enumerate(tensors)}
    counts = [int(t.shape[0]) for t in tensors]
    metadata = {**metadata, "page_tokens": json.dumps(counts), "tokens": str(sum(counts))}
    atomic_write_bytes(folder / TOKENS_FILE, save(state, metadata=metadata))
    return sum(counts)


def read_tokens(path: Path, pages: int) -> list[Any]:
    """The tensors of pages 1..`pages`, in page order (float32, on the CPU)."""
    from safetensors import safe_open

    with safe_open(str(path), framework="pt", device="cpu") as handle:
        return [handle.get_tensor(page_key(i)) for i in range(pages)]
