"""A chat-completions request over page images, as an OpenAI-compatible server takes it.

One builder for every route that speaks to a served model (the answering backend, the openai oracle,
and the request file `glyphctx compress --to openai-jsonl` writes), so a request sent live and one
exported for a batch runner are the same bytes. Pages go first, in page order, each as a base64 PNG
`image_url` part (a data URL), then the prompt as one text part, as Glyph's own inference script does.

Each page is resized first to what the VLM profile's rule feeds the model (smart resize for the
Qwen2-VL family), so the server's processor receives a page it keeps as it is: what glyphctx counts
is what the server encodes, and no bytes travel that the model would throw away. Profiles that tile
a page instead of resizing it (DeepSeek-OCR, InternVL) get the page as rendered.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Sequence
from typing import Any

import numpy as np
from PIL import Image

from glyphctx.tokens import VisualProfile


def fed_image(image: np.ndarray, profile: VisualProfile | None) -> np.ndarray:
    """`image` at the size `profile`'s processor would resize it to (unchanged without a resize rule)."""
    resized_size = getattr(profile, "resized_size", None)
    if resized_size is None:
        return image
    height, width = image.shape[:2]
    new_width, new_height = resized_size(width, height)
    if (new_width, new_height) == (width, height):
        return image
    picture = Image.fromarray(np.asarray(image, dtype=np.uint8)).resize((new_width, new_height),
                                                                          Image.Resampling.BICUBIC)
    return np.asarray(picture)


def png_data_url(image: np.ndarray) -> str:
    """The page as a `data:image/png;base64,...` URL: lossless, so thin strokes of small print survive."""
    buffer = io.BytesIO()
    Image.fromarray(np.asarray(image, dtype=np.uint8)).save(buffer, format="PNG", optimize=False, compress_level=6)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def page_parts(images: Sequence[np.ndarray], profile: VisualProfile | None = None) -> list[dict[str, Any]]:
    """One `image_url` content part per page, in order, each resized by `profile`'s rule."""
    return [{"type": "image_url", "image_url": {"url": png_data_url(fed_image(image, profile))}} for image in images]


def chat_body(model: str, parts: Sequence[dict[str, Any]], text: str, max_tokens: int) -> dict[str, Any]:
    """The request body: one user turn holding `parts` (pages) and then `text`; greedy decoding.

    Temperature 0 makes answers repeatable run to run, which comparisons of render configs rely on.
    """
    content = [*parts, {"type": "text", "text": text}]
    return {"model": model, "messages": [{"role": "user", "content": content}], "max_tokens": int(max_tokens),
            "temperature": 0.0}


def image_count(body: dict[str, Any]) -> int:
    """How many pages a request body carries (what a server will encode as images)."""
    return sum(1 for message in body.get("messages", []) if isinstance(message.get("content"), list)
               for part in message["content"] if part.get("type") == "image_url")
