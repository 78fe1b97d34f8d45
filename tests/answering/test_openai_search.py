"""`glyphctx search --oracle openai`: one generation on a tiny corpus, every page read by a real served VLM.

The served model is the tiny random Qwen2-VL behind `transformers serve` (session fixture), so the
transcriptions are noise and fidelity is near zero: the test checks the plumbing, that every
candidate page went to the server as one image with the transcription prompt, and that the search
wrote its outputs; and that a server that is down stops the search before any work.
"""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from glyphctx.cli.main import app
from glyphctx.common.openai_request import image_count
from glyphctx.common.prompts import TRANSCRIBE_PROMPT
from tests.answering.served import closed_port
from tests.search_corpus import write_book

pytestmark = [pytest.mark.slow, pytest.mark.timeout(120)]

ARGS = ["search", "--oracle", "openai", "--max-new-tokens", "3", "--population", "4", "--generations", "1",
        "--sample-chars", "1200", "--pages-read", "1", "--held-out-chars", "1200", "--held-out-pages", "1",
        "--min-fidelity", "0.0", "--no-needles", "--no-ray", "--seed", "3"]



def test_search_reads_every_page_through_the_served_model(proxy, served_vlm, tmp_path):
    out = tmp_path / "run"
    result = CliRunner().invoke(app, ARGS + ["--base-url", proxy.base_url, "--model", served_vlm[1],
                                             "--corpus", str(write_book(tmp_path)), "-o", str(out)])
    assert result.exit_code == 0, result.output
    requests = proxy.chat_requests()
    assert len(requests) >= 5  # at least the 4 initial candidates and glyph-like on held-out pages
    assert all(image_count(body) == 1 for body in requests)  # one page (or column) per request
    assert all(body["messages"][0]["content"][-1]["text"] == TRANSCRIBE_PROMPT for body in requests)
    assert all(body["max_tokens"] == 3 and body["model"] == served_vlm[1] for body in requests)
    summary = json.loads((out / "front.json").read_text())
    assert summary["settings"]["oracle"] == "openai"
    assert len((out / "candidates.jsonl").read_text().splitlines()) >= 4


def test_a_server_that_is_down_stops_the_search_before_any_work(tmp_path):
    url = f"http://127.0.0.1:{closed_port()}/v1"
    out = tmp_path / "run"
    result = CliRunner().invoke(app, ARGS + ["--base-url", url, "--model", "any", "--max-retries", "0",
                                             "--corpus", str(write_book(tmp_path)), "-o", str(out)])
    assert result.exit_code == 2, result.output
    assert f"openai: {url}/models: cannot connect" in " ".join(result.output.split())
    assert not out.exists() or not any(out.iterdir())


def test_server_options_belong_to_the_openai_oracle(tmp_path):
    result = CliRunner().invoke(app, ["search", "--oracle", "tesseract", "--base-url", "http://127.0.0.1:1/v1",
                                      "--corpus", str(write_book(tmp_path)), "-o", str(tmp_path / "run")])
    assert result.exit_code == 2 and "belong to --oracle openai" in result.output
