"""`glyphctx ask` against a real `transformers serve` on 127.0.0.1, through a recording proxy.

The server runs the tiny random Qwen2-VL (session fixture `served_vlm`, started once); answers are a few
tokens of noise, so the tests check what was sent and counted: one image part per page in page order,
pages at the size the profile's rule feeds the model, the server's `prompt_tokens` growing with the
pages, and each failure (no server, a wrong model name, a hung server, a prompt past the window, 5xx
answers) as its typed error and exit status 2.
"""

from __future__ import annotations

import base64
import io
import re

import pytest
from PIL import Image
from typer.testing import CliRunner

from glyphctx.answering import Pipeline, PipelineConfig
from glyphctx.cli.main import app
from glyphctx.common.openai_client import ChatClient, ServerSettings
from glyphctx.common.openai_request import chat_body, image_count
from glyphctx.errors import (
    ContextTooLongError,
    ServerError,
    ServerTimeoutError,
    ServerUnreachableError,
    UnknownServedModelError,
)
from glyphctx.tokens import get_profile
from tests.answering.served import VLLM_TOO_LONG, SilentServer, WordedServer, closed_port

pytestmark = [pytest.mark.slow, pytest.mark.timeout(120)]

BUDGET = re.compile(r"^budget: ([\d,]+) text tokens -> ([\d,]+) visual tokens \((\d+\.\d\d)x\) on (\d+) pages?; "
                    r"([\d,]+) positions \(window unknown\); the server counted ([\d,]+) prompt tokens$", re.MULTILINE)


def invoke(*args):
    return CliRunner().invoke(app, ["ask", *[str(a) for a in args]])


def served(base_url: str, model: str, *extra: str) -> list[str]:
    return ["--base-url", base_url, "--model", model, "--max-new-tokens", "3", *extra]


@pytest.fixture(scope="module")
def documents(chapter, tmp_path_factory):
    """Documents of 1, 2 and 4 pages in the default render preset."""
    folder = tmp_path_factory.mktemp("docs")
    paths = {}
    for name, text in (("short", chapter[:300]), ("chapter", chapter), ("double", chapter + "\n\n" + chapter)):
        paths[name] = folder / f"{name}.txt"
        paths[name].write_text(text, encoding="utf-8")
    return paths


def _decoded(part: dict) -> Image.Image:
    url = part["image_url"]["url"]
    assert url.startswith("data:image/png;base64,")
    return Image.open(io.BytesIO(base64.b64decode(url.split(",", 1)[1])))


def test_pages_go_as_image_parts_and_the_server_count_grows_with_them(proxy, served_vlm, documents):
    counts = {}
    for name in ("short", "chapter", "double"):
        proxy.clear()
        result = invoke(documents[name], "Who?", *served(proxy.base_url, served_vlm[1]))
        assert result.exit_code == 0, result.output
        assert re.search(r"^answer: ", result.output, re.MULTILINE), result.output
        budget = BUDGET.search(result.output)
        assert budget, result.output
        pages, server_tokens = int(budget[4]), int(budget[6].replace(",", ""))
        [body] = proxy.chat_requests()
        assert image_count(body) == pages  # one image part per page, nothing else
        content = body["messages"][0]["content"]
        assert [part["type"] for part in content] == ["image_url"] * pages + ["text"]  # pages, then the question
        assert "Question: Who?" in content[-1]["text"]
        assert body["max_tokens"] == 3 and body["temperature"] == 0.0
        counts[name] = (pages, server_tokens)
    assert counts["short"][0] < counts["chapter"][0] < counts["double"][0]
    assert counts["short"][1] < counts["chapter"][1] < counts["double"][1], counts


def test_pages_are_sent_at_the_size_the_profile_feeds_the_model(proxy, served_vlm, documents):
    config = PipelineConfig.from_dict({"model": {"backend": "openai", "base_url": proxy.base_url,
                                                 "model": served_vlm[1]}, "max_new_tokens": 2})
    pipeline = Pipeline(config)
    result = pipeline.prepare(documents["chapter"])
    answer = pipeline.ask(documents["chapter"], "Who?")
    profile = get_profile("qwen2.5-vl")
    [body] = proxy.chat_requests()
    sent = [_decoded(part) for part in body["messages"][0]["content"][:-1]]
    assert [image.size for image in sent] == [profile.resized_size(*page.size) for page in result.pages]
    assert answer.visual_tokens == sum(profile.tokens_for(*page.size) for page in result.pages)
    assert answer.server_prompt_tokens and answer.window is None and not answer.warnings
    assert answer.to_dict()["server_prompt_tokens"] == answer.server_prompt_tokens


def test_text_baseline_sends_the_plain_text_to_the_same_model(proxy, served_vlm, documents, chapter):
    result = invoke(documents["short"], "Who?", *served(proxy.base_url, served_vlm[1], "--text-baseline"))
    assert result.exit_code == 0, result.output
    for part in ("pages (visual tokens)", "plain text (text tokens)", "server prompt tokens", "window unknown"):
        assert part in result.output, result.output
    visual, text = proxy.chat_requests()
    assert image_count(visual) >= 1 and image_count(text) == 0
    assert "a single man in possession of a good fortune" in text["messages"][0]["content"][-1]["text"]
    assert BUDGET.search(result.output), result.output


def test_a_pipeline_file_names_the_served_model(proxy, served_vlm, documents, tmp_path):
    pipeline = tmp_path / "served.yaml"
    pipeline.write_text(f"name: served\nmodel:\n  backend: openai\n  base_url: {proxy.base_url}\n"
                        f"  model: {served_vlm[1]}\n  timeout: 60\n  max_retries: 1\nmax_new_tokens: 2\n",
                        encoding="utf-8")
    result = invoke(documents["short"], "Who?", "--pipeline", pipeline)
    assert result.exit_code == 0, result.output
    assert BUDGET.search(result.output) and len(proxy.chat_requests()) == 1


def test_a_known_window_is_checked_before_anything_is_sent(proxy, served_vlm, documents, tmp_path):
    pipeline = tmp_path / "small.yaml"
    pipeline.write_text(f"model: {{backend: openai, base_url: '{proxy.base_url}', model: '{served_vlm[1]}', "
                        "max_context: 50}\n", encoding="utf-8")
    result = invoke(documents["chapter"], "Who?", "--pipeline", pipeline)
    assert result.exit_code == 2, result.output
    flat = " ".join(result.output.split())
    assert f"more than the 50 that {served_vlm[1]} takes" in flat, flat
    assert proxy.chat_requests() == []


def test_a_server_that_is_down_is_a_typed_error(documents):
    url = f"http://127.0.0.1:{closed_port()}/v1"
    result = invoke(documents["short"], "Who?", *served(url, "any", "--max-retries", "0"))
    assert result.exit_code == 2 and "Traceback" not in result.output
    flat = " ".join(result.output.split())
    assert f"error: {url}/models: cannot connect" in flat and "is the server running" in flat, flat
    with pytest.raises(ServerUnreachableError) as caught:
        ChatClient(ServerSettings(url, "any", max_retries=0)).check_model()
    assert caught.value.code == "server-unreachable" and caught.value.url == f"{url}/models"


def test_a_wrong_model_name_names_what_the_server_serves(proxy, served_vlm, documents):
    result = invoke(documents["short"], "Who?", *served(proxy.base_url, "no-such-model"))
    assert result.exit_code == 2
    flat = " ".join(result.output.split())
    assert "serves no model 'no-such-model'" in flat and served_vlm[1] in flat, flat
    assert proxy.chat_requests() == []  # refused on the listing, before the pages were rendered
    # the same name sent straight to the chat endpoint: the server's own refusal, mapped to the same error
    client = ChatClient(ServerSettings(proxy.base_url, "no-such-model", max_retries=0))
    with pytest.raises(UnknownServedModelError, match=r"pinned to .*no-such-model") as caught:
        client.complete(chat_body("no-such-model", [], "Who?", 2))
    assert caught.value.code == "server-model"


@pytest.mark.parametrize("where", ["listing", "answer"])
def test_a_server_that_never_answers_times_out(documents, where):
    with SilentServer() as silent:
        if where == "listing":
            result = invoke(documents["short"], "Who?", *served(silent.base_url, "any", "--timeout", "0.5",
                                                                "--max-retries", "1"))
            assert result.exit_code == 2, result.output
            flat = " ".join(result.output.split())
            assert f"{silent.base_url}/models: no answer within 0.5 s on any of 2 attempts" in flat, flat
        else:  # the request itself, sent without asking for the listing first
            client = ChatClient(ServerSettings(silent.base_url, "any", timeout=0.5, max_retries=0))
            with pytest.raises(ServerTimeoutError, match=r"/chat/completions: no answer within 0.5 s") as caught:
                client.complete(chat_body("any", [], "Who?", 2))
            assert caught.value.code == "server-timeout"


def test_5xx_answers_are_retried_with_backoff_then_reported(proxy, served_vlm):
    body = chat_body(served_vlm[1], [], "Who?", 2)
    proxy.fail_next[:] = [503, 429]
    completion = ChatClient(ServerSettings(proxy.base_url, served_vlm[1], max_retries=2)).complete(body)
    assert completion.prompt_tokens and len(proxy.chat_requests()) == 3  # two refusals, then the answer
    proxy.clear()
    proxy.fail_next[:] = [503, 503, 503]
    with pytest.raises(ServerError, match=r"/chat/completions: the server answered 503 after 2 attempts: injected"):
        ChatClient(ServerSettings(proxy.base_url, served_vlm[1], max_retries=1)).complete(body)
    assert len(proxy.chat_requests()) == 2


def test_a_prompt_the_server_calls_too_long_is_context_too_long(documents):
    with WordedServer("big-vlm", 400, VLLM_TOO_LONG) as worded:
        result = invoke(documents["short"], "Who?", *served(worded.base_url, "big-vlm", "--max-retries", "0"))
        assert result.exit_code == 2, result.output
        flat = " ".join(result.output.split())
        assert "refuses the prompt as longer than its context" in flat and "maximum context length is 6048" in flat
        client = ChatClient(ServerSettings(worded.base_url, "big-vlm", max_retries=0))
        assert client.check_model() == 6048  # the window vLLM lists as max_model_len
        with pytest.raises(ContextTooLongError) as caught:
            client.complete(chat_body("big-vlm", [], "Who?", 2))
    assert (caught.value.needed, caught.value.window, caught.value.code) == (6616, 6048, "too-long")


def test_the_server_options_need_a_served_model(documents):
    result = invoke(documents["short"], "Who?", "--model", "x")
    assert result.exit_code == 2 and "--base-url and --model go together" in " ".join(result.output.split())
