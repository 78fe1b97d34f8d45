"""The per-document stage: size check, resume check, then extract + render + write under a time limit.

Whatever happens to a document comes back as a row (status "ok", "skipped" or "failed" with a code
and a reason); nothing raised here stops the job. The outputs are those `glyphctx compress` writes,
under the same job key, so either command resumes the other's finished documents.
"""

from __future__ import annotations

import functools
import shutil
import struct
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from glyphctx.errors import GlyphctxError, SourceError, failure_of
from glyphctx.io.digest import file_sha256
from glyphctx.io.output import MANIFEST, is_complete, job_key, read_manifest, write_result
from glyphctx.pipelines.index import empty_row
from glyphctx.pipelines.sandbox import ChildCrashed, Sandbox, TimeLimitExceeded
from glyphctx.pipelines.settings import TOKENS_FILE, IngestSettings
from glyphctx.pipelines.tokens_file import tokens_metadata

if TYPE_CHECKING:
    import pandas as pd

_SANDBOX: Sandbox | None = None  # one child per worker process, reused across documents


def _sandbox(settings: IngestSettings) -> Sandbox:
    global _SANDBOX
    if _SANDBOX is None:
        _SANDBOX = Sandbox(warmup=prepare, warmup_args=(settings,))
    return _SANDBOX


@functools.lru_cache(maxsize=4)
def _tokenizer(spec: str | None):
    from glyphctx.tokens import load_tokenizer

    return load_tokenizer(spec)


def prepare(settings: IngestSettings) -> None:
    """Runs once in each sandbox child: imports, tokenizer and fonts loaded before any document's clock."""
    import glyphctx.sources.pdf  # noqa: F401 - imports pymupdf, which takes a second or more
    from glyphctx.api import compress

    compress("warm-up", config=settings.config, profile=settings.profile, tokenizer=_tokenizer(settings.tokenizer))


def render_and_write(source: str, folder: str, key: str, settings: IngestSettings) -> dict[str, Any]:
    """Runs in the sandbox child: compress one document and write its folder; a row's worth of facts back."""
    from glyphctx.api import compress

    row: dict[str, Any] = {}
    try:
        result = compress(Path(source), config=settings.config, profile=settings.profile,
                          tokenizer=_tokenizer(settings.tokenizer))
        started = time.perf_counter()
        write_result(result, Path(folder), key, settings.image_format)
        row.update(
            status="ok", pages=len(result.pages), text_tokens=result.budget.text_tokens,
            visual_tokens=result.budget.visual_tokens, warnings="\n".join(result.warnings()),
            write_s=time.perf_counter() - started,
            **{f"{stage}_s": seconds for stage, seconds in result.timings.items()},
        )
    except (GlyphctxError, MemoryError) as exc:
        code, reason = failure_of(exc)
        row.update(status="failed", code=code, reason=reason)
    return row


def tokens_complete(folder: Path, key: str, encoder_key: str) -> bool:
    """True when the folder's token file was written for this document job and this encoder."""
    try:
        metadata = tokens_metadata(folder / TOKENS_FILE)
    except (OSError, ValueError, KeyError, TypeError, struct.error):  # missing, cut short or not safetensors
        return False
    return metadata.get("job_key") == key and metadata.get("encoder_key") == encoder_key


def process_document(row: dict[str, Any], settings: IngestSettings) -> dict[str, Any]:
    """One planned document -> one index row; never raises."""
    started = time.perf_counter()
    out = empty_row(row["order"], row["source"], row["name"])
    if settings.encoder is not None:
        out.update(encoder=settings.encoder.label, encoder_key=settings.encoder_key)
    try:
        _process(row, settings, out)
    except Exception as exc:  # a bug or a dependency's failure on this document: record it, go on
        code, reason = failure_of(exc)
        out.update(status="failed", code=code, reason=reason)
    out["seconds"] = time.perf_counter() - started
    return out


def process_documents(batch: pd.DataFrame, settings: IngestSettings) -> pd.DataFrame:
    """A block of planned documents -> their index rows (Ray Data `map_batches` function).

    Several documents per task: a Ray task costs milliseconds to schedule, about what a small
    document costs to render, so one task per document would double the job on a small machine.
    """
    import pandas as pd

    return pd.DataFrame([process_document(row, settings) for row in batch.to_dict("records")])


def _process(row: dict[str, Any], settings: IngestSettings, out: dict[str, Any]) -> None:
    if row["error_code"]:
        out.update(status="failed", code=row["error_code"], reason=row["error_reason"])
        return
    source = Path(row["source"])
    try:
        size = source.stat().st_size
    except OSError as exc:
        out.update(status="failed", code="unreadable", reason=f"cannot be read ({exc.strerror or exc})")
        return
    out["bytes"] = size
    if size > settings.max_bytes:
        out.update(status="failed", code="too-large",
                   reason=f"is {size:,} bytes, over the limit of {settings.max_bytes:,} (--max-bytes)")
        return
    try:
        sha = file_sha256(source)
    except SourceError as exc:
        out.update(status="failed", code=exc.code, reason=exc.reason)
        return
    key = job_key(sha, settings.config.digest(), pages=None, profile=settings.profile,
                  tokenizer=settings.tokenizer_name, image_format=settings.image_format)
    folder = Path(settings.output) / row["name"]
    out.update(source_sha256=sha, config_hash=settings.config.digest(), job_key=key)
    if not settings.force and is_complete(folder, key):
        manifest = read_manifest(folder) or {}
        budget = manifest.get("budget", {})
        out.update(pages=len(manifest.get("pages", [])), text_tokens=budget.get("text_tokens", 0),
                   visual_tokens=budget.get("visual_tokens", 0), warnings="\n".join(manifest.get("warnings", [])))
        if not settings.encode or tokens_complete(folder, key, settings.encoder_key):
            out["status"] = "skipped"
            if settings.encode:
                out["encoded_tokens"] = int(tokens_metadata(folder / TOKENS_FILE).get("tokens", 0))
        else:
            out["status"] = "ok"  # pages are done; only the encoder has work left
            _remove_leftovers(folder)
        return
    _remove_leftovers(folder)
    try:
        facts = _sandbox(settings).call(render_and_write, str(source), str(folder), key, settings,
                                        timeout=settings.timeout)
    except TimeLimitExceeded:
        out.update(status="failed", code="timeout",
                   reason=f"took longer than the time limit of {settings.timeout:g} s (--timeout); stopped")
        _remove_unfinished(folder)
        return
    except ChildCrashed:
        out.update(status="failed", code="crashed",
                   reason="the worker process died on this document (out of memory or a crash in a parser)")
        _remove_unfinished(folder)
        return
    out.update(facts)


def _remove_leftovers(folder: Path) -> None:
    """Temporary files of writes that a killed run never finished: only this document writes here."""
    for stray in folder.glob(".tmp-*"):
        stray.unlink(missing_ok=True)


def _remove_unfinished(folder: Path) -> None:
    """A document stopped midway leaves no half-written folder behind (it has no manifest, so it is ours)."""
    if folder.is_dir() and not (folder / MANIFEST).exists():
        shutil.rmtree(folder, ignore_errors=True)
