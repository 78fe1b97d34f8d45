"""Running one document's work in a child process that can be killed when it runs out of time.

A document that makes a parser loop, or a renderer crawl, must cost its own time limit and no more.
A thread cannot be stopped and a signal cannot interrupt C code, so the work runs in a long-lived
child Python process; on timeout (or a crash) the child is killed and the next document starts a
fresh one. Requests and replies are pickled, length-prefixed frames over the child's stdin/stdout;
the child points its own stdout at stderr, so a library that prints cannot corrupt a reply.
"""

from __future__ import annotations

import os
import pickle
import select
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

_HEADER = struct.Struct("!Q")


class TimeLimitExceeded(Exception):
    """The child did not answer within the time limit and was killed."""


class ChildCrashed(Exception):
    """The child exited (killed by the system, out of memory, a crash in C code) before answering."""


def _write_frame(fd: int, payload: Any) -> None:
    data = pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL)
    view = memoryview(_HEADER.pack(len(data)) + data)
    while view:
        view = view[os.write(fd, view):]


def _read_exact(fd: int, size: int, deadline: float | None) -> bytes:
    chunks, remaining = [], size
    while remaining:
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                raise TimeLimitExceeded
        chunk = os.read(fd, min(remaining, 1 << 20))
        if not chunk:
            raise ChildCrashed
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def _read_frame(fd: int, deadline: float | None) -> Any:
    (size,) = _HEADER.unpack(_read_exact(fd, _HEADER.size, deadline))
    return pickle.loads(_read_exact(fd, size, deadline))


class Sandbox:
    """One child process that runs `function(*args)` calls, each under a time limit.

    `warmup(*warmup_args)` runs in each new child before its first call, under `start_timeout`
    rather than a document's limit: slow imports and loading a tokenizer are not a document's fault.
    """

    def __init__(self, warmup: Callable[..., Any] | None = None, warmup_args: tuple = (),
                 start_timeout: float = 300.0):
        self.warmup, self.warmup_args = warmup, warmup_args
        self.start_timeout = start_timeout
        self._process: subprocess.Popen | None = None

    def _start(self) -> subprocess.Popen:
        process = subprocess.Popen(
            [sys.executable, "-m", "glyphctx.pipelines.sandbox"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=None, close_fds=True,
        )
        try:
            deadline = time.monotonic() + self.start_timeout
            _read_frame(process.stdout.fileno(), deadline)  # the "ready" frame
            if self.warmup is not None:
                _write_frame(process.stdin.fileno(), (self.warmup, self.warmup_args))
                ok, value = _read_frame(process.stdout.fileno(), deadline)
                if not ok:
                    raise value
        except BaseException:
            self._kill(process)
            raise
        return process

    @staticmethod
    def _kill(process: subprocess.Popen) -> None:
        process.kill()
        process.wait()
        for stream in (process.stdin, process.stdout):
            if stream:
                stream.close()

    def call(self, function: Callable[..., Any], *args: Any, timeout: float | None = None) -> Any:
        """`function(*args)` in the child; its exception is re-raised here; time limit in seconds."""
        if self._process is None or self._process.poll() is not None:
            self._process = self._start()
        process = self._process
        deadline = None if timeout is None else time.monotonic() + timeout
        try:
            _write_frame(process.stdin.fileno(), (function, args))
            ok, value = _read_frame(process.stdout.fileno(), deadline)
        except (TimeLimitExceeded, ChildCrashed, BrokenPipeError):
            self._kill(process)
            self._process = None
            raise
        except BaseException:
            self.close()
            raise
        if not ok:
            raise value
        return value

    def close(self) -> None:
        if self._process is not None:
            self._kill(self._process)
            self._process = None


def _portable(exc: Exception) -> Exception:
    """The exception itself if it survives pickling (many with custom __init__ do not), else its text."""
    try:
        pickle.loads(pickle.dumps(exc))
        return exc
    except Exception:
        return RuntimeError(f"{type(exc).__name__}: {exc}")


def _exit_with_parent(parent: int) -> None:
    """A child busy on a hung document must not outlive the job that was killed around it."""
    while os.getppid() == parent:
        time.sleep(1.0)
    os._exit(1)


def _serve() -> None:
    """The child's loop: read (function, args), answer (True, result) or (False, exception)."""
    threading.Thread(target=_exit_with_parent, args=(os.getppid(),), daemon=True).start()
    replies = os.dup(1)
    os.dup2(2, 1)  # anything printed from here on goes to stderr, not into the reply stream
    sys.stdout = sys.stderr
    requests = sys.stdin.fileno()
    _write_frame(replies, "ready")
    while True:
        try:
            function, args = _read_frame(requests, None)
        except ChildCrashed:  # the parent closed the pipe: done
            return
        try:
            reply = (True, function(*args))
        except Exception as exc:  # the caller decides what a failure means
            reply = (False, _portable(exc))
        try:
            _write_frame(replies, reply)
        except (pickle.PicklingError, TypeError, AttributeError) as exc:
            _write_frame(replies, (False, RuntimeError(f"unpicklable reply: {exc}")))


if __name__ == "__main__":
    _serve()
