"""The encode stage: a callable class that Ray Data runs in an actor pool (one model per actor).

Each actor loads the encoder once, from trained weights (a reader run's encoder or a weights file:
the job runs this stage only when it has some); for every document whose pages are written it reads
the page files back, encodes them, and writes `visual_tokens.safetensors` (one [tokens, dim] tensor
per page, `page_0001`, ...) atomically, tagged with the document's job key, the pages' render config
and the encoder's identity, so a rerun knows whether it is still current and a reader knows whether
the tokens are its own.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from glyphctx.errors import UnreadablePathError
from glyphctx.pipelines.settings import IngestSettings


def read_pages(folder: Path, manifest: dict[str, Any]) -> list[np.ndarray]:
    """The page images a manifest lists, as uint8 arrays, in page order; a page that cannot be read is named."""
    from PIL import Image, UnidentifiedImageError

    files = [page["file"] for page in manifest.get("pages", [])]
    path = folder / (files[0] if files else "")
    try:
        if files and files[0] == "pages.npz":
            with np.load(path) as archive:
                return [archive[f"page_{i + 1:04d}"] for i in range(len(files))]
        pages = []
        for name in files:
            path = folder / name
            with Image.open(path) as image:
                pages.append(np.asarray(image))
        return pages
    except (OSError, KeyError, ValueError, UnidentifiedImageError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
        raise UnreadablePathError(folder, f"{path.name}: the ingested page cannot be read back ({reason})") from None


class EncodePages:
    """Ray Data callable class: rows in, the same rows out with `encoded_tokens` and `encode_s` filled."""

    def __init__(self, settings: IngestSettings, threads: int | None = None):
        import torch

        if threads and not torch.cuda.is_available():
            torch.set_num_threads(threads)
        if settings.encoder is None:
            raise ValueError("the encode stage needs encoder weights (IngestSettings.encoder)")
        self.settings = settings
        self.encoder = settings.encoder.load()

    def __call__(self, batch: pd.DataFrame) -> pd.DataFrame:
        batch = batch.copy()
        for index in batch.index:
            if batch.at[index, "status"] != "ok":
                continue
            started = time.perf_counter()
            try:
                count = self.encode_document(Path(self.settings.output) / batch.at[index, "name"],
                                             batch.at[index, "job_key"])
                batch.at[index, "encoded_tokens"] = count
            except Exception as exc:  # this document's pages could not be encoded; the others go on
                batch.at[index, "status"] = "failed"
                batch.at[index, "code"] = "encode"
                batch.at[index, "reason"] = f"encoding failed ({type(exc).__name__}: {exc})"
            elapsed = time.perf_counter() - started
            batch.at[index, "encode_s"] = elapsed
            batch.at[index, "seconds"] = batch.at[index, "seconds"] + elapsed
        return batch

    def encode_document(self, folder: Path, key: str) -> int:
        from glyphctx.io.output import read_manifest
        from glyphctx.pipelines.tokens_file import write_tokens

        manifest = read_manifest(folder)
        if manifest is None:
            raise FileNotFoundError(f"{folder}: no manifest to encode from")
        tensors = self.encoder.encode(read_pages(folder, manifest))
        metadata = {
            **self.settings.encoder.metadata(),
            "job_key": key,
            "render_config_hash": manifest.get("config_hash", ""),
            "profile": self.encoder.config.profile or self.encoder.profile.name,
        }
        return write_tokens(folder, tensors, metadata)
