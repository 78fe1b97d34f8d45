"""`ask_many` over an ingested collection on a local Ray: a row per (document, question), failures as rows."""

import pyarrow.parquet as pq
import pytest

from glyphctx.answering import Pipeline, PipelineConfig, PipelineError
from glyphctx.errors import ModelError
from glyphctx.pipelines import ask_many, ingest
from glyphctx.pipelines.ask_many import SCHEMA

QUESTIONS = ["Who has taken Netherfield?", "How many daughters?"]


@pytest.fixture(scope="module")
def collection(tmp_path_factory, chapter, local_ray):
    corpus = tmp_path_factory.mktemp("corpus")
    (corpus / "a.txt").write_text(chapter[:1500], encoding="utf-8")
    (corpus / "c.txt").write_text(chapter[4000:6000], encoding="utf-8")
    (corpus / "d.txt").write_bytes(b"\x00\x01binary" * 64)  # fails to ingest
    out = tmp_path_factory.mktemp("ingested")
    report = ingest([corpus], out, encode=False, workers=2)
    assert [(r["name"], r["status"]) for r in report.rows] == [("a", "ok"), ("c", "ok"), ("d", "failed")]
    for page in (out / "c").glob("page-*.png"):  # ingested, then damaged: its pages cannot be read back
        page.unlink()
    return out


def test_ask_many_writes_one_row_per_document_and_question(collection, tiny_vlm, tmp_path):
    pipeline = Pipeline(PipelineConfig(model=str(tiny_vlm), max_new_tokens=4))
    output = tmp_path / "answers.parquet"
    report = ask_many(pipeline, collection, QUESTIONS, output)
    assert report.output == output and output.is_file()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".tmp-")]  # written atomically
    table = pq.read_table(output)
    assert table.schema == SCHEMA
    rows = table.to_pylist()
    assert rows == report.rows
    assert [(r["document"], r["question_index"]) for r in rows] == [
        (name, i) for name in "acd" for i in range(len(QUESTIONS))]
    by_doc = {name: [r for r in rows if r["document"] == name] for name in "acd"}
    for row in by_doc["a"]:
        assert row["status"] == "ok" and row["code"] == "" and isinstance(row["answer"], str)
        assert len(row["answer"]) <= 4 and row["visual_tokens"] > 0 and row["text_tokens"] > row["visual_tokens"]
        assert row["input_tokens"] > row["visual_tokens"] and row["generate_s"] > 0 and row["model"]
        assert row["question"] == QUESTIONS[row["question_index"]]
    manifest_text = (collection / "a" / "text.txt").read_text(encoding="utf-8")
    assert by_doc["a"][0]["text_tokens"] == pipeline.model.count_text(manifest_text)
    for row in by_doc["c"]:
        assert row["status"] == "failed" and row["code"] == "unreadable" and "page-0001" in row["reason"]
    for row in by_doc["d"]:
        assert row["status"] == "failed" and row["code"] == "ingest:binary" and "binary" in row["reason"]
    assert report.totals["ok"] == 2 and report.totals["failed"] == 4 and len(report.failed) == 4


def test_ask_many_refuses_bad_settings_before_starting(tmp_path, tiny_vlm, collection):
    pipeline = Pipeline(PipelineConfig(model=str(tiny_vlm)))
    with pytest.raises(PipelineError, match="no index.parquet"):
        ask_many(pipeline, tmp_path, QUESTIONS, tmp_path / "x.parquet")
    with pytest.raises(PipelineError, match="non-empty"):
        ask_many(pipeline, collection, [""], tmp_path / "x.parquet")
    missing = Pipeline(PipelineConfig(model=str(tmp_path / "gone")))
    with pytest.raises(ModelError, match="does not exist"):
        ask_many(missing, collection, QUESTIONS, tmp_path / "x.parquet")
    assert not (tmp_path / "x.parquet").exists()
