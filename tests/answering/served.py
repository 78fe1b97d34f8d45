"""Real servers on 127.0.0.1 for the served-model tests.

- `start_transformers_serve`: `transformers serve` on a local model folder, offline, waited for on /health.
- `RecordingProxy`: forwards every request to a server and keeps what was sent (so a test can count the
  images a request carried, and the most chat requests it held at once), and can answer the next requests
  itself with an error status first; given a port, it comes back at an address a test closed before.
- `SilentServer`: accepts connections and never answers (a hung server, for timeouts).
- `WordedServer`: answers every chat request with one fixed error body, for wordings `transformers serve`
  never produces (vLLM's refusal of a prompt past its context).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def closed_port() -> int:
    """A port nothing listens on (bound, then released)."""
    return free_port()


def serve_command(model: Path, port: int) -> list[str]:
    """`transformers serve MODEL` on 127.0.0.1:port, on the CPU, in float32."""
    return [sys.executable, "-m", "transformers.cli.transformers", "serve", str(model), "--host", HOST,
            "--port", str(port), "--device", "cpu", "--dtype", "float32", "--log-level", "warning"]


def start_transformers_serve(model: Path, log: Path, *, wait_s: float = 90.0) -> tuple[subprocess.Popen, str]:
    """(process, base URL) of `transformers serve` once /health answers; the log holds its output."""
    port = free_port()
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "OMP_NUM_THREADS": "1",
           "TOKENIZERS_PARALLELISM": "false"}
    stream = log.open("wb")
    process = subprocess.Popen(serve_command(model, port), stdout=stream, stderr=subprocess.STDOUT, env=env)
    stream.close()
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"transformers serve exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"http://{HOST}:{port}/health", timeout=2) as answer:
                if answer.status == 200:
                    return process, f"http://{HOST}:{port}/v1"
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.25)
    stop(process)
    raise RuntimeError(f"transformers serve did not answer /health within {wait_s:.0f} s:\n{log.read_text()[-3000:]}")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


class _Server:
    """A ThreadingHTTPServer on a free port (or `port`), served from a daemon thread; a context manager."""

    def __init__(self, handler, port: int = 0):
        self.httpd = ThreadingHTTPServer((HOST, port), handler)
        self.httpd.daemon_threads = True
        self.httpd.owner = self
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def port(self) -> int:
        return self.httpd.server_address[1]

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.port}/v1"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


class _ProxyHandler(BaseHTTPRequestHandler):
    def log_message(self, *args) -> None:  # the test's output stays readable
        pass

    def _forward(self) -> None:
        proxy: RecordingProxy = self.server.owner
        length = int(self.headers.get("Content-Length") or 0)
        data = self.rfile.read(length) if length else None
        body = json.loads(data) if data else None
        chat = self.command == "POST" and self.path.endswith("/chat/completions")
        with proxy.lock:
            proxy.requests.append({"method": self.command, "path": self.path, "body": body})
            injected = proxy.fail_next.pop(0) if proxy.fail_next and self.command == "POST" else None
            proxy.in_flight += chat
            proxy.most_in_flight = max(proxy.most_in_flight, proxy.in_flight)
        try:
            self._answer(proxy, data, injected)
        finally:
            with proxy.lock:
                proxy.in_flight -= chat

    def _answer(self, proxy: RecordingProxy, data: bytes | None, injected: int | None) -> None:
        if injected is not None:
            self._reply(injected, json.dumps({"error": {"message": f"injected {injected} by the test proxy"}}).encode())
            return
        request = urllib.request.Request(proxy.upstream + self.path, data=data, method=self.command,
                                         headers={"Content-Type": self.headers.get("Content-Type", "application/json")})
        try:
            with urllib.request.urlopen(request, timeout=120) as answer:
                self._reply(answer.status, answer.read())
        except urllib.error.HTTPError as error:
            self._reply(error.code, error.read())

    def _reply(self, status: int, payload: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = _forward


class RecordingProxy(_Server):
    """Forwards to `upstream` (a server's root, e.g. http://127.0.0.1:8000) and records each request."""

    def __init__(self, upstream: str, port: int = 0):
        super().__init__(_ProxyHandler, port)
        self.upstream = upstream.rstrip("/").removesuffix("/v1")
        self.requests: list[dict] = []
        self.fail_next: list[int] = []  # statuses to answer the next POSTs with, instead of forwarding
        self.in_flight = 0  # chat requests received and not yet answered
        self.most_in_flight = 0
        self.lock = threading.Lock()

    def chat_requests(self) -> list[dict]:
        with self.lock:
            return [
                r["body"] for r in self.requests if r["method"] == "POST" and r["path"].endswith("/chat/completions")
            ]

    def clear(self) -> None:
        with self.lock:
            self.requests.clear()
            self.fail_next.clear()
            self.most_in_flight = self.in_flight


class _SilentHandler(BaseHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass

    def _hang(self) -> None:
        self.server.owner.closed.wait(60)  # until the test ends; the client's timeout fires first

    do_GET = do_POST = _hang


class SilentServer(_Server):
    """Accepts every connection and never answers."""

    def __init__(self):
        super().__init__(_SilentHandler)
        self.closed = threading.Event()

    def close(self) -> None:
        self.closed.set()
        super().close()


class _WordedHandler(BaseHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass

    def do_GET(self) -> None:
        owner: WordedServer = self.server.owner
        entry = {"id": owner.model, "object": "model", "max_model_len": owner.window}
        self._reply(200, {"object": "list", "data": [entry]})

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        owner: WordedServer = self.server.owner
        self._reply(owner.status, owner.body)

    def _reply(self, status: int, body: dict) -> None:
        payload = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


class WordedServer(_Server):
    """Lists `model` and answers every chat request with `status` and `body`."""

    def __init__(self, model: str, status: int, body: dict, window: int = 6048):
        super().__init__(_WordedHandler)
        self.model, self.status, self.body, self.window = model, status, body, window


#: vLLM's answer to a prompt past --max-model-len (its OpenAI server, 0.6 to 0.9), as its users quote it
VLLM_TOO_LONG = {"object": "error", "message": "This model's maximum context length is 6048 tokens. However, you "
                 "requested 6616 tokens (568 in the messages, 6048 in the completion). Please reduce the length of "
                 "the messages or completion.", "type": "BadRequestError", "param": None, "code": 400}
