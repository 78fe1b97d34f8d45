"""`glyphctx compress --to openai-jsonl`, each document's request sent back to a real served VLM.

The exported line is a vLLM batch-runner request; its body, with `{question}` filled in, goes to
`transformers serve` through the openai client as it is, and the server answers it: the pages it
received are the document's pages, one image each, and its prompt count grows with them.
"""

from __future__ import annotations

import json

import openai
import pytest
from typer.testing import CliRunner

from glyphctx.cli.main import app
from glyphctx.common.openai_request import image_count
from glyphctx.io.openai_batch import REQUEST_FILE, read_batch

pytestmark = [pytest.mark.slow, pytest.mark.timeout(120)]


def test_exported_requests_are_answered_by_the_server(proxy, served_vlm, chapter, tmp_path):
    inputs = tmp_path / "docs"
    inputs.mkdir()
    (inputs / "short.txt").write_text(chapter[:300], encoding="utf-8")
    (inputs / "long.txt").write_text(chapter + "\n\n" + chapter, encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["compress", str(inputs), "-o", str(out), "--to", "openai-jsonl",
                                      "--model", served_vlm[1], "--max-new-tokens", "3"])
    assert result.exit_code == 0, result.output
    client = openai.OpenAI(base_url=proxy.base_url, api_key="EMPTY", max_retries=0, timeout=60)
    prompt_tokens = {}
    for name in ("short", "long"):
        folder = out / name
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        assert manifest["exports"] == [REQUEST_FILE]
        assert not list(folder.glob(".tmp-*"))
        [line] = read_batch(folder / REQUEST_FILE)
        assert (line["custom_id"], line["method"], line["url"]) == (name, "POST", "/v1/chat/completions")
        body = line["body"]
        assert image_count(body) == len(manifest["pages"])
        text = body["messages"][0]["content"][-1]
        assert "{question}" in text["text"]
        text["text"] = text["text"].replace("{question}", "Who has taken Netherfield?")
        proxy.clear()
        completion = client.chat.completions.create(**body)
        assert completion.choices and completion.usage.completion_tokens <= 3
        [sent] = proxy.chat_requests()
        assert image_count(sent) == len(manifest["pages"])
        prompt_tokens[name] = (len(manifest["pages"]), completion.usage.prompt_tokens)
    assert prompt_tokens["short"][0] < prompt_tokens["long"][0]
    assert prompt_tokens["short"][1] < prompt_tokens["long"][1], prompt_tokens
