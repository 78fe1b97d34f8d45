"""`ask_many` with a reader: its stored visual tokens stand in for rendering and encoding, answer for answer.

The same passages are ingested twice: with the reader's encoder (pages in its render config, and its
tokens), and as pages only in the default preset, which the reader does not read, so it renders them
again its own way and encodes them. Reading the stored tokens must change where the tokens came from
and nothing the model was given: the same answers, the same counts.
"""

from __future__ import annotations

import pytest

from glyphctx.answering import Pipeline, PipelineConfig
from glyphctx.pipelines import ask_many, ingest
from tests.pipelines.conftest import PASSAGES

pytestmark = pytest.mark.slow

QUESTIONS = ["Who has taken Netherfield?", "How many daughters?"]
#: what the model was given and said: equal whichever way the tokens came
SAME = ("document", "question_index", "question", "status", "code", "answer", "model", "pages", "text_tokens",
        "visual_tokens", "input_tokens", "ratio")


def test_stored_tokens_give_the_answers_re_rendered_pages_give(reader_collection, reader_corpus, reader_run,
                                                                tmp_path):
    stored_folder, _ = reader_collection
    pages_only = tmp_path / "pages-only"
    report = ingest([reader_corpus], pages_only, encode=False, workers=2)
    assert report.pages_only and [r["status"] for r in report.rows] == ["ok"] * len(PASSAGES)
    pipeline = Pipeline(PipelineConfig(model=str(reader_run), max_new_tokens=8))

    stored = ask_many(pipeline, stored_folder, QUESTIONS, tmp_path / "stored.parquet", workers=2)
    rendered = ask_many(pipeline, pages_only, QUESTIONS, tmp_path / "rendered.parquet", workers=2)

    assert len(stored.rows) == len(rendered.rows) == len(PASSAGES) * len(QUESTIONS)
    assert [{k: r[k] for k in SAME} for r in stored.rows] == [{k: r[k] for k in SAME} for r in rendered.rows]
    assert [r["status"] for r in stored.rows] == ["ok"] * len(stored.rows)
    assert any(r["answer"] for r in stored.rows)  # the untrained reader may stop at once, but not everywhere
    assert [(r["tokens_from"], r["tokens_note"], r["encode_s"]) for r in stored.rows] == [
        ("stored", "", 0.0)] * len(stored.rows)
    assert {(r["tokens_from"], r["tokens_note"]) for r in rendered.rows} == {
        ("encoded", "no stored tokens (ingested without encoder weights); pages rendered again with the reader's "
                    "render config")}
    assert all(r["encode_s"] > 0 for r in rendered.rows)
    assert (stored.totals["stored"], stored.totals["encoded"]) == (len(stored.rows), 0)
    assert (rendered.totals["stored"], rendered.totals["encoded"]) == (0, len(rendered.rows))
