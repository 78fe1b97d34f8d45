"""Scoring one render configuration: compression ratio on a whole sample, fidelity on pages read back.

Everything a worker needs travels in an `EvalTask` (plain, picklable values); the expensive things
built from it (tokenizer, VLM profile, oracle) are made once per process and reused, so a Ray worker
pays for them once, not once per candidate.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from glyphctx.common.metrics import mean_score, score_transcription
from glyphctx.common.needles import DEFAULT_DEPTHS, find_needles, plant_needles, recall
from glyphctx.errors import GlyphctxError, ProfileError, TokenizerError
from glyphctx.normalise import normalise_text
from glyphctx.render import render_text
from glyphctx.render.config import RenderConfig
from glyphctx.search.errors import OracleError
from glyphctx.search.model_view import column_images, model_view
from glyphctx.search.oracles import Oracle, make_oracle
from glyphctx.tokens import count_budget, get_profile, load_tokenizer
from glyphctx.tokens.profiles import DEFAULT_PROFILE


@dataclass(frozen=True)
class ReaderSpec:
    """An oracle by name and options, so it can be rebuilt inside any worker process."""

    oracle: str = "tesseract"
    options: tuple[tuple[str, Any], ...] = ()

    def build(self) -> Oracle:
        return make_oracle(self.oracle, **dict(self.options))


@dataclass(frozen=True)
class EvalTask:
    """One sample of text and how to score a config on it."""

    text: str
    """The sample as read from the corpus (normalised per candidate: reflow is searched)."""
    profile: str = DEFAULT_PROFILE
    tokenizer: str | None = None
    reader: ReaderSpec = field(default_factory=ReaderSpec)
    pages_read: int = 2
    """Pages read back per candidate, spread evenly through the sample."""


@functools.lru_cache(maxsize=4)
def _profile(name: str):
    return get_profile(name)


@functools.lru_cache(maxsize=4)
def _tokenizer(spec: str | None):
    return load_tokenizer(spec)


@functools.lru_cache(maxsize=4)
def _oracle(reader: ReaderSpec) -> Oracle:
    return reader.build()


@functools.lru_cache(maxsize=8)
def _normalised(text: str, reflow: bool) -> str:
    return normalise_text(text, reflow=reflow)


def pages_to_read(page_count: int, wanted: int) -> list[int]:
    """`wanted` page indices spread evenly, leaving out a cropped last page when there is a choice."""
    full = page_count - 1 if page_count > 1 else page_count
    wanted = min(wanted, full)
    return sorted({int((i + 0.5) * full / wanted) for i in range(wanted)})


def read_pages(pages: Sequence, config: RenderConfig, profile, oracle: Oracle) -> list[str]:
    """The oracle's transcription of each page, seen as the VLM sees it, column by column."""
    texts = []
    for page in pages:
        view, scale = model_view(page.image, profile)
        columns = column_images(view, config, scale)
        text_height = config.font_size * config.scale * scale
        texts.append("\n".join(oracle.read(columns, text_height_px=text_height)))
    return texts


def evaluate_config(config: RenderConfig, task: EvalTask) -> dict:
    """Ratio, transcription fidelity and timings, JSON-ready.

    The ratio is the sample's text tokens (normalised with reflow: the text a language model would be
    given) over the visual tokens of every page it renders to; fidelity is the mean character
    accuracy of `task.pages_read` pages read back by the oracle as the VLM would see them. (No
    "plain-text" fidelity: scoring the text against itself is 1.0 by construction and measures nothing.)

    A config the renderer refuses scores zero on both objectives with its error kept, so the search
    treats it as infeasible instead of stopping.
    """
    started = time.perf_counter()
    try:
        profile, tokenizer, oracle = _profile(task.profile), _tokenizer(task.tokenizer), _oracle(task.reader)
        text = _normalised(task.text, config.reflow)
        rendered = render_text(text, config)
        # text tokens of one fixed text for every candidate: the ratio must not reward a layout for
        # tokens its own input adds (a hard-wrapped sample pays a newline token per line)
        budget = count_budget(_normalised(task.text, True), rendered.page_sizes, tokenizer=tokenizer, profile=profile)
        chosen = pages_to_read(len(rendered.pages), task.pages_read)
        pages = [rendered.pages[i] for i in chosen]
        read = read_pages(pages, config, profile, oracle)
    except GlyphctxError as exc:
        if isinstance(exc, (OracleError, TokenizerError, ProfileError)):
            raise  # the reader or the accounting is broken, not this candidate
        return {"ratio": 0.0, "fidelity": 0.0, "error": str(exc),
                "seconds": time.perf_counter() - started}
    references = [text[p.span[0]:p.span[1]] for p in pages]
    score = mean_score([score_transcription(ref, hyp) for ref, hyp in zip(references, read)])
    return {
        "ratio": budget.ratio,
        "fidelity": score.char_accuracy,
        **{f"word_{k}": getattr(score, k) for k in ("precision", "recall", "f1")},
        "text_tokens": budget.text_tokens,
        "visual_tokens": budget.visual_tokens,
        "pages": len(rendered.pages),
        "pages_read": chosen,
        "page_size": list(rendered.pages[0].size) if rendered.pages else None,
        "chars_read": score.reference_chars,
        "seconds": time.perf_counter() - started,
        "error": None,
    }


def evaluate_needles(config: RenderConfig, task: EvalTask, depths: Sequence[float] = DEFAULT_DEPTHS,
                     seed: int = 0) -> dict:
    """Plant facts at `depths` of the sample, render it, read the pages holding them, count those found."""
    profile, oracle = _profile(task.profile), _oracle(task.reader)
    text = _normalised(task.text, config.reflow)
    planted, needles = plant_needles(text, depths, seed=seed)
    rendered = render_text(planted, config)
    holding = sorted({i for n in needles for i, p in enumerate(rendered.pages)
                      if p.span[0] < n.offset + len(n.sentence) and n.offset < p.span[1]})
    read = "\n".join(read_pages([rendered.pages[i] for i in holding], config, profile, oracle))
    results = find_needles(read, needles)
    return {
        "needle_recall": recall(results),
        "needles": [{"depth": r.needle.depth, "answer": r.needle.answer, "found": r.found,
                     "similarity": round(r.similarity, 4)} for r in results],
    }

