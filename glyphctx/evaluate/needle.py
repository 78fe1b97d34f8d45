"""Needle in a haystack: a planted fact asked back from plain text, from page images, and from a transcription.

Each document is `length` characters of held-out text with one fact planted at one depth
(`glyphctx.common.needles.plant_needles`), so a cell (length, depth) of the result is the share of its
documents whose fact came back. The question names the fact's subject; an answer counts as found
when the fact's number appears in it as a whole number. Three routes read each document:

- text: the plain text as tokens (the page model's own text path, or a separate causal LM): the
  baseline the pages are measured against;
- visual: the page images as visual tokens, the question answered from them;
- transcription (readers only): every page read back, and the fact looked for in what was read
  (`find_needles`), which tells reading errors apart from answering errors.

A document whose prompt is longer than a route's window is counted as such for that cell and not
run, so a long length shows where plain text stops fitting while pages still do.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from glyphctx.common.needles import (
    DEFAULT_DEPTHS,
    answer_found,
    find_needles,
    haystack,
    plant_needles,
    question_for,
)
from glyphctx.errors import ConfigError, ContextTooLongError

ROUTES = ("text", "visual", "transcription")
DEFAULT_LENGTHS = (1000, 2000, 4000)


@dataclass
class Cell:
    """One route at one (length, depth): documents asked, facts found, documents past the window."""

    asked: int = 0
    found: int = 0
    too_long: int = 0
    needed: int = 0  # the most positions one of its prompts took (or would have taken); 0 for transcription

    @property
    def accuracy(self) -> float | None:
        return self.found / self.asked if self.asked else None

    def label(self) -> str:
        if not self.asked:
            return "too long" if self.too_long else "-"
        text = f"{self.accuracy:.2f}"
        return f"{text} ({self.too_long} too long)" if self.too_long else text

    def to_dict(self) -> dict[str, Any]:
        return {"asked": self.asked, "found": self.found, "too_long": self.too_long, "needed": self.needed,
                "accuracy": self.accuracy}


@dataclass
class NeedleReport:
    model: str
    kind: str
    routes: list[str]
    depths: list[float]
    lengths: list[int]
    trials: int
    windows: dict[str, int]  # route -> the window of the model that takes it
    text_model: str  # the model of the text route
    tokenizer: str
    cells: dict[str, dict[int, dict[float, Cell]]] = field(default_factory=dict)
    tokens: dict[int, dict[str, int]] = field(default_factory=dict)  # length -> documents, pages, text/visual tokens
    documents: list[dict[str, Any]] = field(default_factory=list)
    repeated: bool = False  # the held-out text was shorter than a length and was repeated

    def ratio(self, length: int) -> float:
        counts = self.tokens.get(length, {})
        return counts["text_tokens"] / counts["visual_tokens"] if counts.get("visual_tokens") else 0.0

    def accuracy(self, route: str, length: int | None = None) -> float | None:
        """Share found over every cell of a route (or of one length), past-window documents left out."""
        cells = [c for n, row in self.cells[route].items() if length in (None, n) for c in row.values()]
        asked = sum(c.asked for c in cells)
        return sum(c.found for c in cells) / asked if asked else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "model": self.model, "kind": self.kind, "routes": self.routes, "depths": self.depths,
            "lengths": self.lengths, "trials": self.trials, "windows": self.windows, "text_model": self.text_model,
            "tokenizer": self.tokenizer, "haystack_repeated": self.repeated,
            "tokens": {str(n): {**c, "ratio": self.ratio(n)} for n, c in self.tokens.items()},
            "accuracy": {route: {str(n): {f"{d:g}": cell.to_dict() for d, cell in row.items()}
                                 for n, row in self.cells[route].items()} for route in self.routes},
            "documents": self.documents,
        }


def run_needle(model, text: str, *, depths: Sequence[float] = DEFAULT_DEPTHS,
               lengths: Sequence[int] = DEFAULT_LENGTHS, trials: int = 1, routes: Sequence[str] | None = None,
               text_model=None, render=None, tokenizer=None, max_new_tokens: int | None = None,
               line_tokens: int | None = None, seed: int = 0,
               on_document: Callable[[int, int], None] | None = None) -> NeedleReport:
    """Every (length, depth, trial) document read by every route of `model` (a pipeline AnswerModel).

    `text_model` answers the text route instead of the page model's own text path; `render` draws
    the pages of a model without a render config of its own (a reader always uses its own);
    `line_tokens` bounds each page's transcription (default: the longest line the reader can hold);
    `max_new_tokens` each answer (default: the model's own, a line for a reader).
    """
    from glyphctx.evaluate.models import transcribe, visual_tokens
    from glyphctx.reader.lines import render_lines
    from glyphctx.render.presets import resolve_config
    from glyphctx.tokens import load_tokenizer

    routes = list(routes or [r for r in ROUTES if r != "transcription" or model.kind == "reader"])
    max_new_tokens = max_new_tokens or model.default_answer_tokens
    _check(model, routes, depths, lengths, trials, max_new_tokens)
    texter = text_model or model
    counter = tokenizer or load_tokenizer(None)
    config = model.render_config or render or resolve_config(None)
    report = NeedleReport(model=model.name, kind=model.kind, routes=routes, depths=[float(d) for d in depths],
                          lengths=[int(n) for n in lengths], trials=trials, text_model=texter.name,
                          windows={r: (texter.window if r == "text" else model.window) for r in routes},
                          tokenizer=counter.name)
    report.cells = {r: {n: {d: Cell() for d in report.depths} for n in report.lengths} for r in routes}
    total, done = len(report.lengths) * len(report.depths) * trials, 0
    for length in report.lengths:
        counts = report.tokens.setdefault(length, {"documents": 0, "pages": 0, "text_tokens": 0, "visual_tokens": 0})
        for trial in range(trials):
            hay, repeated = haystack(text, length, trial, trials)
            report.repeated |= repeated
            for index, depth in enumerate(report.depths):
                document, (needle,) = plant_needles(hay, [depth], seed=_seed(seed, length, trial, index))
                question = question_for(needle)
                images = [line.image for line in render_lines(document, config)]
                visual = visual_tokens(model, images)
                counts["documents"] += 1
                counts["pages"] += len(images)
                counts["text_tokens"] += counter.count(document)
                counts["visual_tokens"] += visual
                record: dict[str, Any] = {"length": length, "depth": depth, "trial": trial, "answer": needle.answer,
                                          "question": question, "pages": len(images), "visual_tokens": visual,
                                          # planted at the paragraph break at or before the depth asked for
                                          "planted_at": round(needle.offset / len(document), 4)}
                for route in routes:
                    cell = report.cells[route][length][depth]
                    record[route] = _read(route, model, texter, document, images, visual, needle, question, cell,
                                          max_new_tokens, line_tokens, transcribe)
                report.documents.append(record)
                done += 1
                if on_document is not None:
                    on_document(done, total)
    return report


def _read(route, model, texter, document, images, visual, needle, question, cell: Cell, max_new_tokens, line_tokens,
          transcribe):
    """One route over one document, counted into `cell`; what it read, for the report's document list."""
    if route == "transcription":
        read = " ".join(transcribe(model, images, max_new_tokens=line_tokens))
        result = find_needles(read, [needle])[0]
        cell.asked += 1
        cell.found += result.found
        return {"found": result.found, "similarity": round(result.similarity, 4)}
    if route == "text":
        needed, window = texter.text_prompt_tokens(document, question) + max_new_tokens, texter.window
    else:
        needed = visual + model.visual_prompt_tokens(len(images), question) + max_new_tokens
        window = model.window
    cell.needed = max(cell.needed, needed)
    if needed > window:
        cell.too_long += 1
        return {"status": "too long", "needed": needed, "window": window}
    try:
        output = (texter.answer_text(document, question, max_new_tokens) if route == "text"
                  else model.answer(images, question, max_new_tokens)).text
    except ContextTooLongError as exc:  # a model-side window check that counts differently than ours
        cell.too_long += 1
        return {"status": "too long", "needed": exc.needed, "window": window}
    found = answer_found(output, needle.answer)
    cell.asked += 1
    cell.found += found
    return {"status": "ok", "needed": needed, "output": output, "found": found}


def _seed(seed: int, length: int, trial: int, index: int) -> int:
    """A different fact for every document, the same ones for the same settings."""
    return ((seed * 1_000_003 + length) * 1009 + trial) * 101 + index


def _check(model, routes, depths, lengths, trials, max_new_tokens) -> None:
    unknown = [r for r in routes if r not in ROUTES]
    if unknown:
        raise ConfigError(f"unknown route(s) {', '.join(unknown)}; routes: {', '.join(ROUTES)}")
    if "transcription" in routes and model.kind != "reader":
        raise ConfigError(f"{model.name}: the transcription route needs a reader checkpoint, not a {model.kind}")
    if not depths or any(not 0.0 <= d <= 1.0 for d in depths) or len(set(depths)) < len(depths):
        raise ConfigError(f"--depths must be distinct fractions in [0, 1], got {list(depths)}")
    if not lengths or any(int(n) < 1 for n in lengths) or len(set(lengths)) < len(lengths):
        raise ConfigError(f"--lengths must be distinct positive character counts, got {list(lengths)}")
    if trials < 1 or max_new_tokens < 1:
        raise ConfigError(f"--trials and --max-new-tokens must be at least 1, got {trials} and {max_new_tokens}")


def evaluate_needle(checkpoint: str | Path, corpus: Sequence[str | Path], *, text_model: str | Path | None = None,
                    render: str | None = None, device: str | None = None, **settings) -> NeedleReport:
    """`glyphctx eval needle`: load the models and the corpus, plant and ask every needle (see `run_needle`)."""
    from glyphctx.common.corpus import load_corpus
    from glyphctx.evaluate.models import load_page_model
    from glyphctx.evaluate.text_model import TextModel

    model = load_page_model(checkpoint, device=device)
    baseline = TextModel(text_model, device=device) if text_model is not None else None
    config = None
    if render is not None:
        from glyphctx.render.presets import resolve_config

        config = resolve_config(render)
    text = load_corpus(corpus).held_out_text()
    return run_needle(model, text, text_model=baseline, render=config, **settings)
