"""One ingested document, asked questions: prepared once (tokens or pages), then one answer row per question.

Preparing reads what ingest left in the document's folder. A model with its own encoder (a reader)
takes the stored `visual_tokens.safetensors` when they are its own encoder's tokens of the pages it
reads; otherwise it encodes the pages once for all the document's questions: the ingested pages when
they were drawn its way, pages rendered again with its render config when not. A model without a
separate encoder (a VLM, a served model) gets the page images. Every failure becomes a row.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from glyphctx.answering.answer import Answer
from glyphctx.answering.errors import PipelineError
from glyphctx.errors import failure_of
from glyphctx.pipelines.answers import Row, row_of

READ_STAGES = ("read", "extract", "normalise", "render", "tokens")


@dataclass
class Prepared:
    """A document ready to be asked: what `Pipeline.answer_pages` takes, and the tokens, when the model reads those."""

    pages: dict[str, Any]  # images, document, config, budget, timings, label, config_label, warnings
    tokens: list | None  # one [n, dim] tensor per page, stored or encoded once; None: the model reads images
    tokens_from: str  # stored or encoded
    note: str  # why stored tokens were not used ("" when they were, or when the model reads images)


def prepare(pipeline, folder: Path) -> Prepared:
    """The document in `folder` as the pipeline's model reads it; raises when it cannot be read."""
    from glyphctx.io.output import TEXT_FILE, read_manifest
    from glyphctx.pipelines.encode_stage import read_pages
    from glyphctx.pipelines.stored_tokens import stored_tokens
    from glyphctx.render.config import RenderConfig
    from glyphctx.sources import load_text
    from glyphctx.tokens import count_budget

    model = pipeline.model  # loaded before the clock starts: reading is what `read_s` measures
    started = time.perf_counter()
    manifest = read_manifest(folder)
    if manifest is None:
        raise PipelineError(f"{folder}: no readable manifest.json (not an ingested document folder)")
    text = (folder / manifest.get("text_file", TEXT_FILE)).read_text(encoding="utf-8")
    config = RenderConfig.from_dict(manifest["config"], origin=f"{folder}/manifest.json: config")
    document = load_text(text)
    label = manifest.get("source") or folder.name
    ingested = f"the ingested pages' render config ({manifest.get('config_hash', '?')})"
    identity = model.encoder_identity()
    own = model.render_config
    note = ""
    if identity is not None:
        tokens, note = stored_tokens(folder, manifest, identity, own.digest() if own is not None else None)
        if tokens is not None:
            sizes = [(int(page["width"]), int(page["height"])) for page in manifest["pages"]]
            budget = count_budget(text, sizes, tokenizer=model.text_tokenizer(), profile=model.profile)
            pages = dict(images=None, document=document, config=config, budget=budget, label=label,
                         timings={"read": time.perf_counter() - started}, config_label=ingested, warnings=())
            return Prepared(pages, tokens, "stored", "")
    if own is not None and own.digest() != config.digest():
        result = pipeline.prepare(document)  # a reader reads only pages drawn its own way
        pages = dict(images=[p.image for p in result.pages], document=result.document, config=result.config,
                     budget=result.budget, timings=result.timings, warnings=tuple(result.warnings()), label=label,
                     config_label="the reader's own render config")
        if note:
            note += "; pages rendered again with the reader's render config"
    else:
        images = read_pages(folder, manifest)
        sizes = [(int(page.shape[1]), int(page.shape[0])) for page in images]
        budget = count_budget(text, sizes, tokenizer=model.text_tokenizer(), profile=model.profile)
        pages = dict(images=images, document=document, config=config, budget=budget, label=label,
                     timings={"read": time.perf_counter() - started}, config_label=ingested, warnings=())
    if identity is None:
        return Prepared(pages, None, "encoded", "")
    began = time.perf_counter()
    tokens = model.encode(pages["images"])  # once for all the document's questions
    pages["timings"] = {**pages["timings"], "encode": time.perf_counter() - began}
    return Prepared(pages, tokens, "encoded", note)


def answer(pipeline, prepared: Prepared, question: str, max_new_tokens: int | None) -> Answer:
    """The answer to one question, from the prepared tokens or pages, the window checked first."""
    if prepared.tokens is None:
        return pipeline.answer_pages(question=question, max_new_tokens=max_new_tokens, **prepared.pages)
    from glyphctx.answering.fit import check_visual

    pages = prepared.pages
    limit = max_new_tokens or pipeline.config.max_new_tokens
    model = pipeline.model
    budget = pages["budget"]
    check_visual(source=pages["label"], document=pages["document"], config=pages["config"],
                 config_label=pages["config_label"], model=model, visual_tokens=budget.visual_tokens,
                 pages=len(prepared.tokens), question=question, max_new_tokens=limit, searched=pipeline.config.searched)
    generated = model.answer_tokens(prepared.tokens, question, limit)
    warnings = list(pages["warnings"])
    if generated.visual_tokens != budget.visual_tokens:  # the model's rule and its actual input disagree
        warnings.append(f"the model took {generated.visual_tokens} visual tokens; its rule counted "
                        f"{budget.visual_tokens}")
    return Answer(text=generated.text, question=question, budget=budget,
                  timings={**pages["timings"], **generated.timings}, input_tokens=generated.input_tokens,
                  window=model.window, pages=len(prepared.tokens), model=model.name, mode="visual",
                  warnings=tuple(warnings))


def answer_row(base: Row, index: int, question: str, prepared: Prepared, outcome: Answer | BaseException,
               seconds: float = 0.0) -> Row:
    """The table row of one answered (or failed) question."""
    sources = {"tokens_from": prepared.tokens_from, "tokens_note": prepared.note}
    if isinstance(outcome, BaseException):
        return row_of(**base, **sources, question_index=index, question=question, status="failed", seconds=seconds,
                      **failure(outcome))
    timings = outcome.timings
    return row_of(
        **base, **sources, question_index=index, question=question, status="ok", answer=outcome.text,
        model=outcome.model, pages=outcome.pages, text_tokens=outcome.text_tokens, visual_tokens=outcome.visual_tokens,
        input_tokens=outcome.input_tokens, ratio=outcome.ratio, read_s=sum(timings.get(k, 0.0) for k in READ_STAGES),
        encode_s=timings.get("encode", 0.0), generate_s=timings.get("generate", 0.0), seconds=outcome.seconds)


def failure(exc: BaseException) -> dict[str, str]:
    code, reason = failure_of(exc)
    return {"code": code, "reason": reason}


def failed_rows(base: Row, pairs: Sequence[tuple[int, str]], exc: BaseException) -> list[Row]:
    """Every question of a document that could not be prepared, failed with the same reason."""
    return [row_of(**base, question_index=i, question=q, status="failed", **failure(exc)) for i, q in pairs]


def answer_document(pipeline, folder: Path, pairs: Sequence[tuple[int, str]], base: Row,
                    max_new_tokens: int | None) -> list[Row]:
    """One row per (question index, question) about one document; failures become rows, never exceptions."""
    try:
        prepared = prepare(pipeline, folder)
    except Exception as exc:  # unreadable pages or manifest, a model that will not load: every question fails
        return failed_rows(base, pairs, exc)
    rows = []
    for index, question in pairs:
        started = time.perf_counter()
        try:
            outcome: Answer | BaseException = answer(pipeline, prepared, question, max_new_tokens)
        except Exception as exc:  # this question fails; the others, and the job, go on
            outcome = exc
        rows.append(answer_row(base, index, question, prepared, outcome, time.perf_counter() - started))
    return rows
