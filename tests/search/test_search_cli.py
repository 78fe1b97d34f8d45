"""The whole search on a tiny corpus, read by real Tesseract, in-process; resume; and Ray's map."""

import json

import pytest
import typer
from typer.testing import CliRunner

from glyphctx.cli.search import search
from glyphctx.pipelines.search_pool import RayPool, make_pool
from glyphctx.render.config import RenderConfig
from tests.search_corpus import write_book

app = typer.Typer()
app.command()(search)
app.command("noop")(lambda: None)  # two commands: `search` stays a sub-command, as in the real app



ARGS = ["search", "--population", "4", "--generations", "1", "--sample-chars", "1200", "--pages-read", "1",
        "--held-out-chars", "1200", "--held-out-pages", "1", "--min-fidelity", "0.9", "--no-ray", "--seed", "3"]


def test_search_writes_every_output_and_resumes(tmp_path):
    book = write_book(tmp_path)
    out = tmp_path / "run"
    result = CliRunner().invoke(app, ARGS + ["--corpus", str(book), "-o", str(out)])
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "front.json").read_text())
    # measured points only: no "plain text" entry, whose text scored against itself would be 1.0 by construction
    assert set(summary) == {"settings", "min_fidelity", "glyph_like", "front", "dominating_glyph_like", "best",
                            "history"}
    assert summary["front"] and all(p["train"]["fidelity"] >= 0.9 for p in summary["front"])
    assert "needle_recall" in summary["glyph_like"]["held_out"]
    assert all(0 <= h["evaluations"] <= h["individuals"] for h in summary["history"])
    assert summary["history"][0]["evaluations"] == 4
    rows = (out / "candidates.jsonl").read_text().splitlines()
    assert len(rows) >= 4 and all("ratio" in json.loads(r) for r in rows)
    assert (out / "pareto.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # the seeded presets read at fidelity ~0.99 here, far above 0.9: a best config always exists, and it is
    # the front's highest held-out ratio among the points that stay feasible on held-out pages
    best = summary["best"]
    feasible = [p for p in summary["front"] if p["held_out"]["fidelity"] >= 0.9]
    assert best is not None and best["feasible_held_out"] and best in feasible
    assert best["held_out"]["ratio"] == max(p["held_out"]["ratio"] for p in feasible)
    assert RenderConfig.load(str(out / "best.yaml")).to_dict() == best["config"]
    assert f"ratio {best['held_out']['ratio']:.3f} at fidelity" in (out / "best.yaml").read_text().splitlines()[1]
    # same folder, same settings: resumes from the checkpoint, evaluates nothing new, same front
    again = CliRunner().invoke(app, ARGS + ["--corpus", str(book), "-o", str(out)])
    assert again.exit_code == 0, again.output
    assert (out / "candidates.jsonl").read_text().splitlines() == rows
    assert json.loads((out / "front.json").read_text())["front"] == summary["front"]
    # other settings in the same folder are refused, not mixed in
    other = CliRunner().invoke(app, ARGS[:-1] + ["4", "--corpus", str(book), "-o", str(out)])
    assert other.exit_code == 2 and "other settings" in other.output


def test_missing_tesseract_fails_before_any_work(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # no tesseract on the PATH
    result = CliRunner().invoke(app, ARGS + ["--corpus", str(write_book(tmp_path)), "-o", str(tmp_path / "x")])
    assert result.exit_code == 2
    assert "apt-get install tesseract-ocr" in result.output
    assert not (tmp_path / "x" / "candidates.jsonl").exists()


def _square(x):
    return x * x


def test_ray_pool_maps_in_order():
    with RayPool(workers=1) as pool:
        assert pool.workers >= 1  # a Ray already running in this process (another test) is joined as it is
        assert pool.map(_square, [3, 1, 2]) == [9, 1, 4]
        assert pool.map(_square, []) == []


def test_address_needs_ray():
    from glyphctx.errors import ConfigError

    with pytest.raises(ConfigError, match="--address needs Ray"):
        make_pool(address="auto", use_ray=False)
