"""The request file `glyphctx compress --to openai-jsonl` writes: one batch line per document.

The line is what vLLM's batch runner (`python -m vllm.entrypoints.openai.run_batch -i FILE`) and the
OpenAI Batch API read: `{"custom_id", "method": "POST", "url": "/v1/chat/completions", "body"}`. The body
is a complete chat-completions request (pages as image parts, then the prompt with a `{question}`
placeholder to fill in), so any OpenAI client can also send it as it is. Many documents' files
concatenate into one batch: each line is one JSON object ending in a newline.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from glyphctx.errors import OutputError

REQUEST_FILE = "openai-request.jsonl"
EXPORT_FORMATS = ("openai-jsonl",)
CHAT_COMPLETIONS = "/v1/chat/completions"


def batch_line(custom_id: str, body: dict[str, Any]) -> str:
    """One JSONL line (newline included) asking for `body` at the chat-completions endpoint."""
    line = {"custom_id": custom_id, "method": "POST", "url": CHAT_COMPLETIONS, "body": body}
    return json.dumps(line, ensure_ascii=False, separators=(",", ":")) + "\n"


def read_batch(path: str | Path) -> list[dict[str, Any]]:
    """The lines of a request file, each parsed; a line that is not a batch request names the file and line."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise OutputError(f"{path}: cannot read the request file ({exc.strerror or exc})") from None
    lines = []
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            line = json.loads(raw)
        except ValueError as exc:
            raise OutputError(f"{path}: line {number} is not JSON ({exc})") from None
        if not isinstance(line, dict) or not {"custom_id", "method", "url", "body"} <= set(line):
            raise OutputError(f"{path}: line {number} is not a batch request (custom_id, method, url, body)")
        lines.append(line)
    return lines
