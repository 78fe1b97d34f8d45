"""Whether a document's stored visual tokens are what a reader would make of its pages, and reading them.

Stored tokens stand in for encoding only when three things agree: the tokens are of the document's
current pages (the manifest's job key), those pages were drawn with the render config the reader
reads (the manifest's config hash, the reader's own), and they were made by the reader's own encoder
(its identity: config digest + weights hash). Anything else is reported as a note and the pages are
encoded again: a reader fed another encoder's tokens would answer, wrongly, without complaint.
"""

from __future__ import annotations

import struct
from pathlib import Path
from typing import Any

from glyphctx.pipelines.tokens_file import TOKENS_FILE, read_tokens, tokens_metadata


def stored_tokens(folder: Path, manifest: dict[str, Any], identity: str, render_digest: str | None
                  ) -> tuple[list[Any] | None, str]:
    """(tokens, "") when the folder's tokens may be read in place of encoding, else (None, why not)."""
    path = folder / TOKENS_FILE
    if not path.is_file():
        return None, "no stored tokens (ingested without encoder weights)"
    try:
        metadata = tokens_metadata(path)
    except (OSError, ValueError, KeyError, TypeError, struct.error) as exc:
        return None, f"stored tokens unreadable ({type(exc).__name__}: {exc})"
    pages = len(manifest.get("pages", []))
    if metadata.get("job_key") != manifest.get("job_key"):
        return None, "stored tokens are of an earlier rendering of the document"
    if render_digest is not None and metadata.get("render_config_hash") != render_digest:
        return None, (f"stored tokens are of pages drawn with render config {metadata.get('render_config_hash') or '?'}"
                      f"; the reader reads {render_digest}")
    if metadata.get("encoder_key") != identity:
        return None, (f"stored tokens come from encoder {metadata.get('encoder_key') or '?'} "
                      f"({metadata.get('encoder', '?')}); the reader's is {identity}")
    try:
        tokens = read_tokens(path, pages)
    except Exception as exc:  # safetensors raises its own error type for a missing or damaged tensor
        return None, f"stored tokens unreadable ({type(exc).__name__}: {exc})"
    return tokens, ""
