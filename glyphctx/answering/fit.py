"""The long-input check: does a prompt fit the model's window, and if not, what would.

Checked before the model runs, from counts alone, because an input past the window otherwise ends as
an out-of-memory crash or as positions the model never learned. A model whose window is unknown (a
served model the server and the pipeline say nothing about) is not checked here: its server decides,
and its refusal comes back as the same `ContextTooLongError`. The two ways out are priced with the
model's own accounting: the densest render config (shipped presets and searched configs) that would
fit, and the number of processes context-parallel ring attention would spread the sequence over.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from glyphctx.answering.backend import AnswerModel
from glyphctx.errors import ContextTooLongError
from glyphctx.render.config import RenderConfig
from glyphctx.sources.document import Document


def render_candidates(searched: Sequence[str] = ()) -> list[tuple[str, RenderConfig]]:
    """(label, config) of every shipped render preset, then each searched config file."""
    from glyphctx.render.presets import preset_names, resolve_config

    return [(name, resolve_config(name)) for name in preset_names()] + [
        (path, resolve_config(path)) for path in searched
    ]


def price(
    document: Document, config: RenderConfig, model: AnswerModel, question: str, max_new_tokens: int
) -> tuple[int, int]:
    """(visual tokens, positions in all) of `document` rendered with `config`, counted by `model`."""
    from glyphctx.api import compress

    result = compress(document, config=config, profile=model.profile, tokenizer=model.text_tokenizer())
    visual = result.budget.visual_tokens
    return visual, visual + model.visual_prompt_tokens(len(result.pages), question) + max_new_tokens


def check_visual(*, source: str, document: Document, config: RenderConfig, config_label: str, model: AnswerModel,
                 visual_tokens: int, pages: int, question: str, max_new_tokens: int,
                 searched: Sequence[str] = ()) -> int:
    """The positions the visual prompt needs; raises ContextTooLongError when that exceeds the window."""
    prompt_tokens = model.visual_prompt_tokens(pages, question)
    needed = visual_tokens + prompt_tokens + max_new_tokens
    if model.window is None or needed <= model.window:
        return needed
    processes = math.ceil(needed / model.window)
    best: tuple[int, int, str] | None = None  # (positions, visual tokens, label) of the densest candidate
    for label, candidate in render_candidates(searched):
        if candidate.digest() == config.digest():
            continue
        visual, total = price(document, candidate, model, question, max_new_tokens)
        if best is None or total < best[0]:
            best = (total, visual, label)
    head = (f"{source}: {visual_tokens:,} visual tokens ({pages} pages rendered with {config_label}) + "
            f"{prompt_tokens:,} prompt tokens + {max_new_tokens} answer tokens = {needed:,} positions, more than "
            f"the {model.window:,} that {model.name} takes. ")
    retrain = " (a reader trained on that config)" if model.render_config is not None else ""
    if best is not None and best[0] <= model.window:
        denser = (f"Either render denser: {best[2]} needs {best[1]:,} visual tokens, {best[0]:,} positions in all, "
                  f"which fits{retrain}; or ")
    elif best is not None:
        denser = (f"No render config fits (the densest, {best[2]}, still needs {best[1]:,} visual tokens, "
                  f"{best[0]:,} positions), so ")
    else:
        denser = ""
    ring = (f"run context-parallel ring attention across {processes} processes "
            f"({model.window:,} positions each; glyphctx.model ring attention layers).")
    raise ContextTooLongError(head + denser + ring, needed=needed, window=model.window, processes=processes,
                              alternative=best[2] if best and best[0] <= model.window else None,
                              alternative_tokens=best[1] if best and best[0] <= model.window else None)


def check_text(*, source: str, model: AnswerModel, text_prompt_tokens: int, max_new_tokens: int,
               visual_needed: int | None = None) -> int:
    """The positions the plain-text prompt needs; raises ContextTooLongError past the window."""
    needed = text_prompt_tokens + max_new_tokens
    if model.window is None or needed <= model.window:
        return needed
    processes = math.ceil(needed / model.window)
    pages = (f"; the pages take {visual_needed:,} positions instead" if visual_needed is not None else "")
    raise ContextTooLongError(
        f"{source}: as plain text the prompt takes {text_prompt_tokens:,} tokens + {max_new_tokens} answer tokens = "
        f"{needed:,} positions, more than the {model.window:,} that {model.name} takes{pages}. Read it as pages, or "
        f"run context-parallel ring attention across {processes} processes ({model.window:,} positions each).",
        needed=needed, window=model.window, processes=processes)
