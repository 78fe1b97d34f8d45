"""`glyphctx.compress`: one document in, rendered pages and their token budget out, in-process."""

from __future__ import annotations

import os
import time
from pathlib import Path

from glyphctx.normalise import normalise_document
from glyphctx.render import render_text
from glyphctx.render.config import RenderConfig
from glyphctx.render.presets import resolve_config
from glyphctx.result import CompressResult
from glyphctx.sources import load_document, load_text
from glyphctx.sources.document import Document
from glyphctx.tokens import DEFAULT_PROFILE, TextTokenizer, VisualProfile, count_budget, get_profile, load_tokenizer


def _as_document(source: str | os.PathLike | Document, pages: str | None, password: str | None) -> Document:
    """A path (Path, or a str naming an existing file, or "-") is read; any other str is the text itself."""
    if isinstance(source, Document):
        return source
    if isinstance(source, os.PathLike) or source == "-":
        return load_document(source, pages=pages, password=password)
    if isinstance(source, str):
        looks_like_path = "\n" not in source and len(source) < 4096 and source.strip() == source
        if looks_like_path and source and Path(source).expanduser().exists():
            return load_document(Path(source).expanduser(), pages=pages, password=password)
        return load_text(source)
    raise TypeError(f"compress() takes text, a path or a Document, not {type(source).__name__}")


def compress(
    source: str | os.PathLike | Document,
    *,
    config: RenderConfig | str | os.PathLike | None = None,
    profile: str | VisualProfile = DEFAULT_PROFILE,
    tokenizer: str | TextTokenizer | None = None,
    pages: str | None = None,
    password: str | None = None,
    reflow: bool | None = None,
    progress=None,
) -> CompressResult:
    """Render a document into page images and count what it costs as text and as images.

    `source` is text, a path (.txt, .md, .pdf; "-" for stdin) or a loaded `Document`; a `str` that names
    an existing file is read as that file. `config` is a `RenderConfig`, a preset name or a YAML path
    (default: the `default` preset); `reflow` overrides the config's reflow setting. `progress(done, total)`
    is called as pages are drawn.
    """
    config = resolve_config(config)
    if reflow is not None:
        config = config.replace(reflow=bool(reflow))
    visual = profile if isinstance(profile, VisualProfile) else get_profile(profile)
    text_tokenizer = tokenizer if isinstance(tokenizer, TextTokenizer) else load_tokenizer(tokenizer)
    timings: dict[str, float] = {}

    started = time.perf_counter()
    document = _as_document(source, pages, password)
    timings["extract"] = time.perf_counter() - started

    started = time.perf_counter()
    text, source_pages = normalise_document(document, reflow=config.reflow)
    timings["normalise"] = time.perf_counter() - started

    started = time.perf_counter()
    rendered = render_text(text, config, progress=progress)
    timings["render"] = time.perf_counter() - started

    started = time.perf_counter()
    budget = count_budget(text, rendered.page_sizes, tokenizer=text_tokenizer, profile=visual)
    timings["tokens"] = time.perf_counter() - started

    return CompressResult(
        document=document,
        text=text,
        config=config,
        pages=rendered.pages,
        budget=budget,
        timings=timings,
        source_pages=source_pages,
        missing_chars=rendered.missing_chars,
        fallback_chars=rendered.fallback_chars,
    )
