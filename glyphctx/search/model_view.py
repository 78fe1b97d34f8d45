"""What a reader is shown: the page as the target VLM would see it, one text column at a time.

A VLM resizes pages before encoding them (Qwen2.5-VL shrinks a page above its pixel limit), so a
layout's token count and its legibility must be judged on the same resized image; otherwise a search
would pick huge pages whose detail the model never sees. Columns are cut apart because the renderer
knows exactly where they are, which a generic page segmenter must guess.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

from glyphctx.render.config import RenderConfig
from glyphctx.tokens import VisualProfile


def model_view(image: np.ndarray, profile: VisualProfile) -> tuple[np.ndarray, float]:
    """The page resized as `profile`'s processor resizes it, and the scale applied (1.0: as rendered).

    Profiles that tile pages instead of resizing them (DeepSeek-OCR, InternVL) show tiles at about
    the rendered resolution, so their pages are read as rendered.
    """
    resized_size = getattr(profile, "resized_size", None)
    height, width = image.shape[:2]
    if resized_size is None:
        return image, 1.0
    new_width, new_height = resized_size(width, height)
    if (new_width, new_height) == (width, height):
        return image, 1.0
    picture = Image.fromarray(image).resize((new_width, new_height), Image.Resampling.BICUBIC)
    return np.asarray(picture), new_width / width


def column_images(image: np.ndarray, config: RenderConfig, scale: float = 1.0) -> list[np.ndarray]:
    """The page's text columns, left to right (the page itself when it has one column)."""
    if config.columns == 1:
        return [image]
    width = image.shape[1]
    pixels = config.scale * scale
    half_gap = config.column_gap / 2
    columns = []
    for index in range(config.columns):
        left_pt = config.margin_left + index * (config.text_width_pt + config.column_gap)
        x0 = max(0, int((left_pt - half_gap) * pixels))
        x1 = min(width, int(np.ceil((left_pt + config.text_width_pt + half_gap) * pixels)))
        if x1 > x0:
            columns.append(image[:, x0:x1])
    return columns or [image]
