"""A document's output folder: page images, the normalised text, and `manifest.json` written last.

The manifest is the completion marker. It is removed before a folder is rewritten and written
(atomically) only after every page, so a folder with a manifest is complete, and a rerun with the same
source bytes and settings finds it and skips the document.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import glyphctx
from glyphctx.errors import OutputError
from glyphctx.io.atomic import atomic_write_bytes, atomic_write_text
from glyphctx.io.images import IMAGE_FORMATS, write_pages

if TYPE_CHECKING:  # the writer reads a result; it does not depend on how one is made
    from glyphctx.result import CompressResult

MANIFEST = "manifest.json"
TEXT_FILE = "text.txt"


def job_key(source_sha256: str, config_digest: str, **settings: Any) -> str:
    """What decides a document's outputs: its bytes, the render config and the other settings."""
    blob = json.dumps({"source": source_sha256, "config": config_digest, **settings}, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()[:24]


def read_manifest(folder: Path) -> dict[str, Any] | None:
    try:
        return json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def is_complete(folder: Path, key: str) -> bool:
    """True when `folder` holds finished outputs for this job key (every page and export file present)."""
    manifest = read_manifest(folder)
    if not manifest or manifest.get("job_key") != key:
        return False
    files = [page["file"] for page in manifest.get("pages", [])] + list(manifest.get("exports", []))
    return all((folder / name).is_file() for name in files)


def manifest_of(result: CompressResult, key: str, page_files: list[str]) -> dict[str, Any]:
    doc = result.document
    pages = []
    for page, name in zip(result.pages, page_files):
        width, height = page.size
        pages.append(
            {
                "file": name,
                "width": width,
                "height": height,
                "span": list(page.span),
                "chars": page.span[1] - page.span[0],
                "visual_tokens": result.budget.page_visual_tokens[page.index],
                "source_pages": result.source_pages_of(page.index),
            }
        )
    return {
        "glyphctx_version": glyphctx.__version__,
        "job_key": key,
        "source": doc.source,
        "source_sha256": doc.sha256,
        "kind": doc.kind,
        "encoding": doc.encoding,
        "source_page_count": doc.page_count,
        "config": result.config.to_dict(),
        "config_hash": result.config.digest(),
        "text_file": TEXT_FILE,
        "text_sha256": hashlib.sha256(result.text.encode("utf-8")).hexdigest(),
        "chars": len(result.text),
        "budget": result.budget.to_dict(),
        "pages": pages,
        "source_page_spans": [list(span) for span in result.source_pages],
        "timings": {stage: round(seconds, 6) for stage, seconds in result.timings.items()},
        "missing_chars": dict(result.missing_chars),
        "fallback_chars": dict(result.fallback_chars),
        "warnings": result.warnings(),
    }


def write_result(result: CompressResult, folder: Path, key: str, image_format: str = "png",
                 exports: Mapping[str, bytes] | None = None) -> dict[str, Any]:
    """Write a document's outputs into `folder` and return its manifest.

    `exports` are further files made from the same pages (file name -> bytes, e.g. the request file
    of `--to openai-jsonl`); each is written atomically before the manifest, which lists them, so a
    folder whose manifest names an export holds that export whole.
    """
    if image_format not in IMAGE_FORMATS:
        raise OutputError(f"unknown image format {image_format!r}; choose one of {', '.join(IMAGE_FORMATS)}")
    folder = Path(folder)
    exports = dict(exports or {})
    earlier = set((read_manifest(folder) or {}).get("exports", []))
    try:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / MANIFEST).unlink(missing_ok=True)  # from here on the folder reads as unfinished
    except OSError as exc:
        raise OutputError(f"{folder}: cannot write outputs ({exc.strerror or exc})") from None
    page_files = write_pages(folder, [p.image for p in result.pages], image_format)
    atomic_write_text(folder / TEXT_FILE, result.text)
    for name, data in exports.items():
        atomic_write_bytes(folder / name, data)
    manifest = manifest_of(result, key, page_files)
    if exports:
        manifest["exports"] = sorted(exports)
    atomic_write_text(folder / MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=1))
    _remove_stale_pages(folder, set(page_files))
    for name in earlier - set(exports):  # an earlier run's export would describe pages no longer there
        if "/" not in name and name not in (MANIFEST, TEXT_FILE):
            (folder / name).unlink(missing_ok=True)
    return manifest


def _remove_stale_pages(folder: Path, keep: set[str]) -> None:
    """Page files of an earlier, longer rendering would otherwise sit beside the new ones."""
    for path in folder.glob("page-*.*"):
        if path.name not in keep and path.suffix.lstrip(".") in IMAGE_FORMATS:
            path.unlink(missing_ok=True)
    if "pages.npz" not in keep:
        (folder / "pages.npz").unlink(missing_ok=True)
