"""Encoding page arrays into image files, each written atomically."""

from __future__ import annotations

import io
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
from PIL import Image

from glyphctx.errors import OutputError
from glyphctx.io.atomic import atomic_open

IMAGE_FORMATS = ("png", "webp", "npz")


def page_file_name(index: int, image_format: str) -> str:
    return f"page-{index + 1:04d}.{image_format}"


def _encode(array: np.ndarray, image_format: str) -> bytes:
    buffer = io.BytesIO()
    image = Image.fromarray(array)
    if image_format == "png":
        # level 1: text pages compress almost as well as at level 6, several times faster
        image.save(buffer, format="PNG", compress_level=1)
    else:
        image.save(buffer, format="WEBP", lossless=True, method=0)
    return buffer.getvalue()


def _write_one(path: Path, array: np.ndarray, image_format: str) -> None:
    with atomic_open(path) as stream:
        stream.write(_encode(array, image_format))


def write_pages(folder: Path, images: Sequence[np.ndarray], image_format: str = "png", threads: int = 2) -> list[str]:
    """Write the page images into `folder`; returns the file names, in page order.

    PNG and WebP write one file per page (encoders release the GIL, so pages encode in parallel threads);
    `npz` writes every page into one NumPy archive, `pages.npz`, with arrays `page_0001`, ...
    """
    if image_format not in IMAGE_FORMATS:
        raise OutputError(f"unknown image format {image_format!r}; choose one of {', '.join(IMAGE_FORMATS)}")
    if image_format == "npz":
        arrays = {f"page_{i + 1:04d}": image for i, image in enumerate(images)}
        with atomic_open(folder / "pages.npz") as stream:
            np.savez_compressed(stream, **arrays)
        return ["pages.npz"] * len(images)
    names = [page_file_name(i, image_format) for i in range(len(images))]
    if threads > 1 and len(images) > 1:
        with ThreadPoolExecutor(max_workers=threads) as pool:
            list(pool.map(lambda pair: _write_one(folder / pair[0], pair[1], image_format), zip(names, images)))
    else:
        for name, image in zip(names, images):
            _write_one(folder / name, image, image_format)
    return names
