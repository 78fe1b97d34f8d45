"""`ask_many` and `glyphctx ask-many` against a real `transformers serve` on 127.0.0.1, through a recording proxy.

A served model is asked from a thread pool, one request per (document, question). The tests count what
reached the server: one image part per ingested page, a rerun that sends nothing, the most requests held
at once; and check that a server that is down leaves failed rows with their code, not a dead job, which
the next run against the live server, at the same address, answers and nothing else.
"""

from __future__ import annotations

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from glyphctx.answering import PipelineConfig
from glyphctx.cli.main import app
from glyphctx.common.openai_request import image_count
from glyphctx.pipelines import ask_many, ingest
from glyphctx.pipelines.ask_many import SCHEMA
from tests.answering.served import RecordingProxy, closed_port

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]

QUESTIONS = ["Who has taken Netherfield?", "How many daughters?"]


@pytest.fixture(scope="module")
def collection(chapter, local_ray, tmp_path_factory):
    """Two documents ingested as pages only (default preset): one page, and two."""
    corpus = tmp_path_factory.mktemp("served-corpus")
    (corpus / "a.txt").write_text(chapter[:300], encoding="utf-8")
    (corpus / "b.txt").write_text(chapter, encoding="utf-8")
    output = tmp_path_factory.mktemp("served-ingested")
    report = ingest([corpus], output, encode=False, workers=2)
    pages = {row["name"]: row["pages"] for row in report.rows if row["status"] == "ok"}
    assert pages == {"a": 1, "b": 2}
    return output, pages


def served(base_url: str, model: str, **changes) -> PipelineConfig:
    return PipelineConfig.from_dict({"model": {"backend": "openai", "base_url": base_url, "model": model, **changes},
                                     "max_new_tokens": 2})


def asked(body: dict) -> tuple[str, int]:
    """(question, image parts) of one chat request: which row it was, in this collection."""
    text = body["messages"][0]["content"][-1]["text"]
    [question] = [q for q in QUESTIONS if f"Question: {q}" in text]
    return question, image_count(body)


def test_one_request_per_document_and_question_with_a_part_per_page(proxy, served_vlm, collection, tmp_path):
    folder, pages = collection
    output = tmp_path / "answers.parquet"
    report = ask_many(served(proxy.base_url, served_vlm[1]), folder, QUESTIONS, output, concurrency=2)
    assert report.executor == "threads" and report.startup_seconds == 0.0
    rows = pq.read_table(output).to_pylist()
    assert pq.read_schema(output) == SCHEMA and rows == report.rows
    assert [(r["document"], r["question"]) for r in rows] == [(d, q) for d in "ab" for q in QUESTIONS]
    for row in rows:
        assert row["status"] == "ok" and row["code"] == "" and row["model"] == served_vlm[1]
        assert row["pages"] == pages[row["document"]] and row["tokens_from"] == "encoded"
        assert row["visual_tokens"] > 0 and row["input_tokens"] > row["visual_tokens"] and row["generate_s"] > 0
    chats = proxy.chat_requests()
    assert sorted(asked(body) for body in chats) == sorted((q, pages[d]) for d in "ab" for q in QUESTIONS)
    assert all(body["max_tokens"] == 2 for body in chats)
    assert proxy.most_in_flight == 2  # the two threads' requests reached the server together, never more
    assert report.totals == {"documents": 2, "answers": 4, "ok": 4, "failed": 0, "kept": 0, "stored": 0,
                             "encoded": 4, "text_tokens": sum(r["text_tokens"] for r in rows),
                             "visual_tokens": sum(r["visual_tokens"] for r in rows)}

    proxy.clear()
    again = ask_many(served(proxy.base_url, served_vlm[1]), folder, QUESTIONS, output, concurrency=2)
    assert proxy.requests == []  # not even the model listing: nothing was left to ask
    assert again.rows == rows and pq.read_table(output).to_pylist() == rows
    assert again.totals["kept"] == 4 and again.totals["ok"] == 4


def test_a_server_that_is_down_leaves_failed_rows_the_next_run_answers(served_vlm, collection, tmp_path):
    folder, pages = collection
    output = tmp_path / "answers.parquet"
    with RecordingProxy(served_vlm[0]) as first:
        port, url = first.port, first.base_url
        ask_many(served(url, served_vlm[1]), folder, QUESTIONS[:1], output)
        assert len(first.chat_requests()) == 2
    answered = {r["document"]: r["answer"] for r in pq.read_table(output).to_pylist()}

    # the same address, now closed; fewer retries and a shorter timeout do not make it another pipeline
    down = ask_many(served(url, served_vlm[1], max_retries=0, timeout=5), folder, QUESTIONS, output, concurrency=2)
    rows = pq.read_table(output).to_pylist()
    assert rows == down.rows and len(rows) == 4
    kept = [r for r in rows if r["question"] == QUESTIONS[0]]
    failed = [r for r in rows if r["question"] == QUESTIONS[1]]
    assert [(r["status"], r["answer"]) for r in kept] == [("ok", answered["a"]), ("ok", answered["b"])]
    assert [r["status"] for r in failed] == ["failed", "failed"]
    assert {r["code"] for r in failed} == {"server-unreachable"}
    assert all(r["reason"].startswith("cannot connect") and f"is the server running at {url}?" in r["reason"]
               for r in failed)
    assert down.totals["kept"] == 2 and down.totals["failed"] == 2

    with RecordingProxy(served_vlm[0], port=port) as back:
        again = ask_many(served(url, served_vlm[1]), folder, QUESTIONS, output, concurrency=2)
        assert sorted(asked(body) for body in back.chat_requests()) == [(QUESTIONS[1], 1), (QUESTIONS[1], 2)]
    rows = pq.read_table(output).to_pylist()
    assert rows == again.rows and [r["status"] for r in rows] == ["ok"] * 4
    assert [r["answer"] for r in rows if r["question"] == QUESTIONS[0]] == [answered["a"], answered["b"]]
    assert again.totals["kept"] == 2 and again.totals["ok"] == 4


def invoke(folder, base_url: str, model: str, output, *extra: str):
    args = ["ask-many", str(folder), "--question", QUESTIONS[0], "--question", QUESTIONS[1], "--base-url", base_url,
            "--model", model, "--max-new-tokens", "2", "--concurrency", "2", "-o", str(output), *extra]
    return CliRunner().invoke(app, args)


def test_the_cli_asks_the_served_model_with_its_concurrency(proxy, served_vlm, collection, tmp_path):
    folder, pages = collection
    output = tmp_path / "answers.parquet"
    result = invoke(folder, proxy.base_url, served_vlm[1], output)
    assert result.exit_code == 0, result.output
    flat = " ".join(result.output.split())
    assert ("2 documents x 2 questions: 4 answered (0 kept from the last run), 0 failed; visual tokens: 0 stored, "
            "4 encoded;") in flat and "on threads in " in flat and f"answers: {output}" in flat, flat
    chats = proxy.chat_requests()
    assert sorted(asked(body) for body in chats) == sorted((q, pages[d]) for d in "ab" for q in QUESTIONS)
    assert proxy.most_in_flight == 2
    rows = pq.read_table(output).to_pylist()
    assert [(r["document"], r["status"], r["pages"]) for r in rows] == [
        ("a", "ok", 1), ("a", "ok", 1), ("b", "ok", 2), ("b", "ok", 2)]


def test_the_cli_reports_a_server_that_is_down_as_failed_rows(served_vlm, collection, tmp_path):
    folder, _ = collection
    url = f"http://127.0.0.1:{closed_port()}/v1"
    result = invoke(folder, url, served_vlm[1], tmp_path / "answers.parquet", "--max-retries", "0")
    assert result.exit_code == 1, result.output  # some rows failed; the job itself ran to the end
    flat = " ".join(result.output.split())
    assert "2 documents x 2 questions: 0 answered (0 kept from the last run), 4 failed;" in flat, flat
    assert f"a / {QUESTIONS[0]}: [server-unreachable] cannot connect" in flat, flat
    assert flat.count(f"is the server running at {url}?") == 4, flat
    assert "Traceback" not in result.output
