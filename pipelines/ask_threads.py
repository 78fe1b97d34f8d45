"""`ask_many` for a served model: each (document, question) pair is one request, `concurrency` in flight at once.

A model behind an API holds nothing here but a client; what is worth bounding is the number of
requests the server sees at once, so the driver runs them from a thread pool of that size (no Ray:
there is nothing for workers to hold). Each document is prepared (pages or tokens read back) once,
by the first of its requests to need it, and dropped after its last; a failed request is a failed row,
and so is every row when the model cannot be reached at all (a server that is down).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path
from typing import Any

from glyphctx.pipelines.answers import Row

#: requests in flight when no concurrency is given
DEFAULT_REQUESTS = 8


class _Documents:
    """Each document prepared once, on first use, shared by its questions, released after the last one."""

    def __init__(self, pipeline, items: list[dict[str, Any]]):
        self._pipeline = pipeline
        self._left = {item["folder"]: len(item["pending"]) for item in items}
        self._prepared: dict[str, Any] = {}
        self._locks = {folder: threading.Lock() for folder in self._left}
        self._lock = threading.Lock()

    def get(self, folder: str):
        """The prepared document, or the exception preparing it raised (raised again for each question)."""
        from glyphctx.pipelines.ask_document import prepare

        with self._locks[folder]:
            if folder not in self._prepared:
                try:
                    self._prepared[folder] = prepare(self._pipeline, Path(folder))
                except Exception as exc:  # every question of this document fails with it
                    self._prepared[folder] = exc
            return self._prepared[folder]

    def release(self, folder: str) -> None:
        with self._lock:
            self._left[folder] -= 1
            if not self._left[folder]:
                self._prepared.pop(folder, None)


def ask_in_threads(items: list[dict[str, Any]], pipeline, questions: list[str], max_new_tokens: int | None,
                   concurrency: int | None, on_row: Callable[[Row], None]) -> None:
    """Answer every item's pending questions with at most `concurrency` requests in flight."""
    from glyphctx.pipelines.ask_document import answer, answer_row, failed_rows

    try:  # one client for every request, made before the pool: threads would each try to make it
        pipeline.model
    except Exception as exc:  # a server that is down or serves no such model: every pair fails with its code
        for item in items:
            base = {k: item[k] for k in ("order", "document", "source", "job_key", "pipeline_key")}
            for row in failed_rows(base, [(i, questions[i]) for i in item["pending"]], exc):
                on_row(row)
        return
    documents = _Documents(pipeline, items)

    def request(item: dict[str, Any], index: int) -> Row:
        base = {k: item[k] for k in ("order", "document", "source", "job_key", "pipeline_key")}
        question = questions[index]
        try:
            prepared = documents.get(item["folder"])
            if isinstance(prepared, BaseException):
                return failed_rows(base, [(index, question)], prepared)[0]
            started = time.perf_counter()
            try:
                outcome = answer(pipeline, prepared, question, max_new_tokens)
            except Exception as exc:  # this request fails; the others go on
                outcome = exc
            return answer_row(base, index, question, prepared, outcome, time.perf_counter() - started)
        finally:
            documents.release(item["folder"])

    pool = ThreadPoolExecutor(max_workers=concurrency or DEFAULT_REQUESTS, thread_name_prefix="ask-many")
    try:
        futures = [pool.submit(request, item, index) for item in items for index in item["pending"]]
        for future in as_completed(futures):
            on_row(future.result())
    finally:  # on Ctrl-C, requests not yet started are dropped; the ones in flight finish
        pool.shutdown(wait=True, cancel_futures=True)
