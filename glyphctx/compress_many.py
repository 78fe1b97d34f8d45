"""Compressing many documents in one process: naming, resumption and per-document failure records.

The CLI's `compress` verb is a thin shell over `compress_many`: every input either yields a written
output folder, a skip (already complete with the same bytes and settings), or a failure with a typed
reason. One bad document never stops the others.
"""

from __future__ import annotations

import dataclasses
import os
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from glyphctx.api import compress
from glyphctx.common.openai_request import chat_body, page_parts
from glyphctx.common.prompts import QUESTION_PLACEHOLDER, QUESTION_PROMPT
from glyphctx.errors import ConfigError, GlyphctxError, OutputError, failure_of
from glyphctx.io.digest import file_sha256
from glyphctx.io.images import IMAGE_FORMATS
from glyphctx.io.openai_batch import REQUEST_FILE, batch_line
from glyphctx.io.output import is_complete, job_key, read_manifest, write_result
from glyphctx.render.presets import resolve_config
from glyphctx.sources import discover, load_document
from glyphctx.tokens import DEFAULT_PROFILE, get_profile, load_tokenizer


@dataclass(frozen=True)
class OpenAIExport:
    """The request file `--to openai-jsonl` writes beside each document's pages.

    One vLLM batch-runner line per document: a chat-completions request naming the served `model`,
    with the pages as image parts (resized by the profile's rule, as `glyphctx ask` sends them) and
    `prompt`, whose `{question}` is left for the caller to fill in.
    """

    model: str
    prompt: str = QUESTION_PROMPT
    max_tokens: int = 32

    def __post_init__(self) -> None:
        if not isinstance(self.model, str) or not self.model.strip():
            raise ConfigError("--to openai-jsonl: give the served model's name with --model (the request names it)")
        if not isinstance(self.prompt, str) or QUESTION_PLACEHOLDER not in self.prompt:
            raise ConfigError(f"openai-jsonl export: the prompt must contain {QUESTION_PLACEHOLDER}")
        if isinstance(self.max_tokens, bool) or not isinstance(self.max_tokens, int) or self.max_tokens < 1:
            raise ConfigError(f"openai-jsonl export: max_tokens must be a positive integer, got {self.max_tokens!r}")

    def files(self, result, custom_id: str, profile) -> dict[str, bytes]:
        """{file name: bytes} of the export for one compressed document."""
        parts = page_parts([page.image for page in result.pages], profile)
        body = chat_body(self.model, parts, self.prompt, self.max_tokens)
        return {REQUEST_FILE: batch_line(custom_id, body).encode("utf-8")}


@dataclass
class DocumentStatus:
    """One row of a batch report."""

    source: str
    name: str
    status: str  # "ok", "skipped" or "failed"
    pages: int = 0
    text_tokens: int = 0
    visual_tokens: int = 0
    seconds: float = 0.0
    reason: str = ""
    code: str = ""
    warnings: tuple[str, ...] = ()

    @property
    def ratio(self) -> float:
        return self.text_tokens / self.visual_tokens if self.visual_tokens else 0.0


def plan(inputs: Sequence[str | os.PathLike]) -> list[tuple[str | Path, str, GlyphctxError | None]]:
    """(source, output name, error) per document: directories expand, names stay unique.

    A file keeps its stem as its name; files found in a directory keep their sub-folders
    (`chapters/one.txt` -> `chapters/one`); clashes get `-2`, `-3`, ...
    """
    planned: list[tuple[str | Path, str, GlyphctxError | None]] = []
    used: set[str] = set()

    def unique(name: str) -> str:
        candidate, n = name, 1
        while candidate in used:
            n += 1
            candidate = f"{name}-{n}"
        used.add(candidate)
        return candidate

    for item in inputs:
        if str(item) == "-":
            planned.append(("-", unique("stdin"), None))
            continue
        root = Path(item).expanduser()
        try:
            found = discover([root])
        except GlyphctxError as exc:
            planned.append((root, unique(root.stem or "input"), exc))
            continue
        for source in found:
            path = Path(source)
            if root.is_dir():
                relative = path.relative_to(root)
                name = (relative.parent / relative.stem).as_posix()
            else:
                name = path.stem or path.name
            planned.append((path, unique(name), None))
    return planned


def compress_many(
    inputs: Sequence[str | os.PathLike],
    output: str | os.PathLike,
    *,
    config=None,
    profile: str = DEFAULT_PROFILE,
    tokenizer: str | None = None,
    pages: str | None = None,
    password: str | None = None,
    reflow: bool | None = None,
    image_format: str = "png",
    force: bool = False,
    export: OpenAIExport | None = None,
    on_start: Callable[[int, int, str], None] | None = None,
    on_page: Callable[[int, int], None] | None = None,
    on_done: Callable[[DocumentStatus], None] | None = None,
) -> list[DocumentStatus]:
    """Compress every document under `inputs` into `output/<name>/`, resuming finished ones.

    `export` adds a request file per document (see `OpenAIExport`); a folder finished without it is
    redone, since what decides its outputs changed.
    """
    if image_format not in IMAGE_FORMATS:  # a setting, not a document's fault: refuse before any work
        raise OutputError(f"unknown image format {image_format!r}; choose one of {', '.join(IMAGE_FORMATS)}")
    render_config = resolve_config(config)
    if reflow is not None:
        render_config = render_config.replace(reflow=bool(reflow))
    visual = get_profile(profile)
    text_tokenizer = load_tokenizer(tokenizer)
    output = Path(output)
    planned = plan(inputs)
    statuses: list[DocumentStatus] = []
    for number, (source, name, planning_error) in enumerate(planned, start=1):
        if on_start:
            on_start(number, len(planned), name)
        started = time.perf_counter()
        row = DocumentStatus(str(source), name, "failed")
        try:
            if planning_error is not None:
                raise planning_error
            document = load_document(source, pages=pages, password=password) if source == "-" else None
            sha = document.sha256 if document else file_sha256(source)
            key = job_key(
                sha, render_config.digest(), pages=pages, profile=visual.name, tokenizer=text_tokenizer.name,
                image_format=image_format, **({"export": dataclasses.asdict(export)} if export else {}),
            )
            folder = output / name
            if not force and is_complete(folder, key):
                manifest = read_manifest(folder) or {}
                budget = manifest.get("budget", {})
                row = DocumentStatus(
                    str(source), name, "skipped", len(manifest.get("pages", [])),
                    budget.get("text_tokens", 0), budget.get("visual_tokens", 0),
                )
            else:
                result = compress(
                    document or Path(source), config=render_config, profile=visual, tokenizer=text_tokenizer,
                    pages=pages, password=password, progress=on_page,
                )
                exports = export.files(result, name, visual) if export else None
                write_result(result, folder, key, image_format, exports)
                row = DocumentStatus(
                    str(source), name, "ok", len(result.pages), result.budget.text_tokens,
                    result.budget.visual_tokens, warnings=tuple(result.warnings()),
                )
        except Exception as exc:  # a bug or a dependency's failure on this document: record it, go on
            row.code, row.reason = failure_of(exc)
        row.seconds = time.perf_counter() - started
        statuses.append(row)
        if on_done:
            on_done(row)
    return statuses


def totals(rows: Iterable[DocumentStatus]) -> dict[str, float]:
    rows = list(rows)
    text = sum(r.text_tokens for r in rows if r.status != "failed")
    visual = sum(r.visual_tokens for r in rows if r.status != "failed")
    return {
        "documents": len(rows),
        "ok": sum(r.status == "ok" for r in rows),
        "skipped": sum(r.status == "skipped" for r in rows),
        "failed": sum(r.status == "failed" for r in rows),
        "pages": sum(r.pages for r in rows),
        "text_tokens": text,
        "visual_tokens": visual,
        "ratio": text / visual if visual else 0.0,
        "seconds": sum(r.seconds for r in rows),
    }
