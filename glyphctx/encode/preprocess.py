"""Page arrays -> the normalised pixel tensors the backbone takes, and buckets of equal size.

Pages of one rendering share a size, so bucketing by input size batches almost everything with no
padding at all; a bucket larger than the pixel budget is split.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

import numpy as np
import torch
from PIL import Image

from glyphctx.encode.geometry import EncoderProfile
from glyphctx.errors import ConfigError


def grey(image: np.ndarray, index: int = 0) -> np.ndarray:
    """A page as a 2-D uint8 array (RGB pages converted with the ITU-R 601 luma weights)."""
    array = np.asarray(image)
    if array.dtype != np.uint8 or array.ndim not in (2, 3) or (array.ndim == 3 and array.shape[2] not in (1, 3, 4)):
        raise ConfigError(f"page {index}: expected a uint8 HxW or HxWx3 array, got {array.dtype} {array.shape}")
    if array.ndim == 3:
        array = np.asarray(Image.fromarray(array[..., :3] if array.shape[2] >= 3 else array[..., 0]).convert("L"))
    if array.shape[0] == 0 or array.shape[1] == 0:
        raise ConfigError(f"page {index}: empty image {array.shape}")
    return array


def fit(page: np.ndarray, profile: EncoderProfile) -> np.ndarray:
    """The page resized (and for square views, padded with white) to the encoder's input size."""
    height, width = page.shape
    in_width, in_height = profile.input_size(width, height)
    if profile.config.resize == "square":
        scale = min(in_width / width, in_height / height)
        width_s, height_s = max(1, round(width * scale)), max(1, round(height * scale))
        canvas = np.full((in_height, in_width), 255, dtype=np.uint8)
        resized = page if (width_s, height_s) == (width, height) else np.asarray(
            Image.fromarray(page).resize((width_s, height_s), Image.BICUBIC))
        top, left = (in_height - height_s) // 2, (in_width - width_s) // 2
        canvas[top:top + height_s, left:left + width_s] = resized
        return canvas
    if (in_width, in_height) == (width, height):
        return page
    if profile.config.resize == "pad":
        canvas = np.full((in_height, in_width), 255, dtype=np.uint8)
        canvas[:height, :width] = page
        return canvas
    return np.asarray(Image.fromarray(page).resize((in_width, in_height), Image.BICUBIC))


def to_tensor(pages: Sequence[np.ndarray], in_chans: int) -> torch.Tensor:
    """uint8 pages of one size -> float [B, C, H, W] in [-1, 1]."""
    x = torch.from_numpy(np.stack(pages)).unsqueeze(1).float().div_(127.5).sub_(1.0)
    return x.expand(-1, in_chans, -1, -1).contiguous() if in_chans > 1 else x


def buckets(sizes: Sequence[tuple[int, int]], max_pixels: int) -> list[list[int]]:
    """Indices grouped by input size (w, h), each group split to stay within `max_pixels` per batch."""
    groups: dict[tuple[int, int], list[int]] = defaultdict(list)
    for index, size in enumerate(sizes):
        groups[size].append(index)
    batches = []
    for (width, height), indices in groups.items():
        per_batch = max(1, max_pixels // (width * height))
        batches.extend(indices[i:i + per_batch] for i in range(0, len(indices), per_batch))
    return batches
