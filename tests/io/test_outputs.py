"""Output folders: page files, text and manifest, and the resumption they make possible."""

import hashlib
import json
from pathlib import Path

import numpy as np
import pymupdf
import pytest
from PIL import Image

import glyphctx
from glyphctx.compress_many import DocumentStatus, compress_many, plan, totals
from glyphctx.errors import OutputError, UnreadablePathError
from glyphctx.io import output as output_module
from glyphctx.io.output import is_complete, job_key, read_manifest, write_result
from glyphctx.tokens import get_profile

NOVEL = Path(__file__).resolve().parents[1] / "data" / "pride-and-prejudice-ch1.txt"
# full (uncropped) 200 x 60 pt pages: a few lines each, so short texts still make several pages
SMALL = glyphctx.RenderConfig(page_width=200, page_height=60, margin_top=4, margin_bottom=4)
COLOUR = SMALL.replace(foreground="#aa0000", background="#ffffee")
TEXT = "Every page of this note is written to its own file and listed in the manifest. " * 6


def _pdf(path: Path, pages: int = 3) -> Path:
    document = pymupdf.open()
    for number in range(1, pages + 1):
        document.new_page(width=300, height=300).insert_text((20, 40), f"Text of page {number}.", fontsize=11)
    document.save(path)
    document.close()
    return path


def _files(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir()}


def _decoded(folder: Path, manifest: dict, image_format: str) -> list[np.ndarray]:
    if image_format == "npz":
        with np.load(folder / "pages.npz") as archive:
            assert archive.files == [f"page_{i + 1:04d}" for i in range(len(manifest["pages"]))]
            return [archive[name] for name in archive.files]
    return [np.asarray(Image.open(folder / page["file"])) for page in manifest["pages"]]


# ------------------------------------------------------------------ write_result


def test_write_result_writes_pages_text_and_a_complete_manifest(tmp_path):
    source = tmp_path / "note.txt"
    source.write_text(TEXT, encoding="utf-8")
    result = glyphctx.compress(source, config=SMALL)
    folder = tmp_path / "out" / "note"
    returned = write_result(result, folder, "key-1")

    pages = len(result.pages)
    assert pages >= 3
    assert _files(folder) == {"manifest.json", "text.txt"} | {f"page-{i:04d}.png" for i in range(1, pages + 1)}
    assert (folder / "text.txt").read_text(encoding="utf-8") == result.text

    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest == returned
    assert manifest["glyphctx_version"] == glyphctx.__version__
    assert manifest["job_key"] == "key-1"
    assert manifest["source"] == str(source)
    assert manifest["source_sha256"] == hashlib.sha256(source.read_bytes()).hexdigest()
    assert manifest["kind"] == "text"
    assert manifest["encoding"] == "utf-8"
    assert manifest["config"] == SMALL.to_dict()
    assert glyphctx.RenderConfig.from_dict(manifest["config"]) == SMALL
    assert manifest["config_hash"] == SMALL.digest()
    assert manifest["text_file"] == "text.txt"
    assert manifest["text_sha256"] == hashlib.sha256(result.text.encode("utf-8")).hexdigest()
    assert manifest["chars"] == len(result.text)
    assert manifest["budget"] == result.budget.to_dict()
    assert manifest["budget"]["ratio"] == pytest.approx(result.ratio)
    assert set(manifest["timings"]) == {"extract", "normalise", "render", "tokens"}
    assert manifest["missing_chars"] == {} and manifest["warnings"] == []

    profile = get_profile("qwen2.5-vl")
    text = (folder / "text.txt").read_text(encoding="utf-8")
    assert [p["file"] for p in manifest["pages"]] == [f"page-{i:04d}.png" for i in range(1, pages + 1)]
    for entry, page in zip(manifest["pages"], result.pages):
        width, height = Image.open(folder / entry["file"]).size
        assert (entry["width"], entry["height"]) == (width, height) == (200, 60)
        assert entry["span"] == list(page.span)
        assert entry["chars"] == page.span[1] - page.span[0]
        assert text[entry["span"][0] : entry["span"][1]] == result.page_text(page.index)
        assert entry["visual_tokens"] == profile.tokens_for(width, height)
        assert entry["source_pages"] == []
    assert sum(p["visual_tokens"] for p in manifest["pages"]) == manifest["budget"]["visual_tokens"]


@pytest.mark.parametrize("image_format", ["png", "webp", "npz"])
@pytest.mark.parametrize("config", [SMALL, COLOUR], ids=["grey", "colour"])
def test_page_files_decode_to_the_rendered_arrays(tmp_path, image_format, config):
    result = glyphctx.compress(TEXT, config=config)
    manifest = write_result(result, tmp_path / "doc", "k", image_format)
    decoded = _decoded(tmp_path / "doc", manifest, image_format)
    assert len(decoded) == len(result.pages) >= 3
    for array, page in zip(decoded, result.pages):
        if array.ndim == 3 and page.image.ndim == 2:  # lossless WebP stores grey pages as RGB
            assert (array == array[..., :1]).all()
            array = array[..., 0]
        assert array.shape == page.image.shape
        assert np.array_equal(array, page.image)
    if image_format == "npz":
        assert _files(tmp_path / "doc") == {"pages.npz", "text.txt", "manifest.json"}
        assert all(entry["file"] == "pages.npz" for entry in manifest["pages"])


def test_pdf_manifest_maps_each_page_to_its_source_pages(tmp_path):
    pdf = _pdf(tmp_path / "three.pdf")
    result = glyphctx.compress(pdf, config=SMALL, pages="2-3", reflow=False)
    manifest = write_result(result, tmp_path / "three", "k")
    assert manifest["kind"] == "pdf"
    assert manifest["encoding"] is None
    assert manifest["source_page_count"] == 3
    assert [span[0] for span in manifest["source_page_spans"]] == [2, 3]
    shown = [set(p["source_pages"]) for p in manifest["pages"]]
    assert set().union(*shown) == {2, 3}
    for entry in manifest["pages"]:
        page_text = result.text[entry["span"][0] : entry["span"][1]]
        named = {n for n in (2, 3) if f"page {n}." in page_text}
        assert named <= set(entry["source_pages"])


def test_an_unknown_image_format_writes_nothing(tmp_path):
    result = glyphctx.compress("short", config=SMALL)
    with pytest.raises(OutputError, match="unknown image format 'gif'"):
        write_result(result, tmp_path / "doc", "k", "gif")
    assert not (tmp_path / "doc").exists()


def test_a_folder_that_cannot_be_made_is_a_typed_error(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    result = glyphctx.compress("short", config=SMALL)
    with pytest.raises(OutputError, match="a-file"):
        write_result(result, blocker / "doc", "k")


def test_a_shorter_rewrite_removes_the_earlier_extra_pages(tmp_path):
    folder = tmp_path / "doc"
    long = glyphctx.compress(TEXT * 2, config=SMALL)
    write_result(long, folder, "long")
    assert len(long.pages) >= 5
    short = glyphctx.compress("One line now.", config=SMALL)
    write_result(short, folder, "short")
    assert _files(folder) == {"page-0001.png", "text.txt", "manifest.json"}
    assert is_complete(folder, "short")


def test_changing_the_format_removes_the_other_formats_files(tmp_path):
    folder = tmp_path / "doc"
    result = glyphctx.compress(TEXT, config=SMALL)
    count = len(result.pages)
    write_result(result, folder, "k", "png")
    write_result(result, folder, "k", "npz")
    assert _files(folder) == {"pages.npz", "text.txt", "manifest.json"}
    write_result(result, folder, "k", "webp")
    assert _files(folder) == {"text.txt", "manifest.json"} | {f"page-{i:04d}.webp" for i in range(1, count + 1)}


def test_an_interrupted_rewrite_leaves_no_manifest(tmp_path, monkeypatch):
    folder = tmp_path / "doc"
    result = glyphctx.compress(TEXT, config=SMALL)
    write_result(result, folder, "first")
    assert is_complete(folder, "first")

    def killed_mid_pages(*args, **kwargs):
        raise OutputError("disk full")

    monkeypatch.setattr(output_module, "write_pages", killed_mid_pages)
    with pytest.raises(OutputError, match="disk full"):
        write_result(result, folder, "second")
    assert not (folder / "manifest.json").exists()
    assert read_manifest(folder) is None
    assert not is_complete(folder, "first") and not is_complete(folder, "second")


def test_is_complete_needs_the_same_key_and_every_page_file(tmp_path):
    folder = tmp_path / "doc"
    write_result(glyphctx.compress(TEXT, config=SMALL), folder, "k")
    assert is_complete(folder, "k")
    assert not is_complete(folder, "other")
    (folder / "page-0002.png").unlink()
    assert not is_complete(folder, "k")
    assert not is_complete(tmp_path / "never-written", "k")


def test_job_key_changes_with_every_setting():
    base = job_key("sha", "cfg", pages=None, profile="qwen2.5-vl", tokenizer="tekken", image_format="png")
    assert base == job_key("sha", "cfg", image_format="png", tokenizer="tekken", profile="qwen2.5-vl", pages=None)
    variants = [
        job_key("sha2", "cfg", pages=None, profile="qwen2.5-vl", tokenizer="tekken", image_format="png"),
        job_key("sha", "cfg2", pages=None, profile="qwen2.5-vl", tokenizer="tekken", image_format="png"),
        job_key("sha", "cfg", pages="1", profile="qwen2.5-vl", tokenizer="tekken", image_format="png"),
        job_key("sha", "cfg", pages=None, profile="internvl", tokenizer="tekken", image_format="png"),
        job_key("sha", "cfg", pages=None, profile="qwen2.5-vl", tokenizer="other", image_format="png"),
        job_key("sha", "cfg", pages=None, profile="qwen2.5-vl", tokenizer="tekken", image_format="npz"),
    ]
    assert len({base, *variants}) == 7


# ------------------------------------------------------------------ compress_many: resumption


@pytest.fixture
def inputs(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "note.txt").write_text(TEXT, encoding="utf-8")
    _pdf(folder / "paper.pdf")
    return folder


def _run(inputs, out, **settings):
    settings.setdefault("config", SMALL)
    return {row.name: row for row in compress_many([inputs], out, **settings)}


def _mtimes(folder: Path) -> dict[str, int]:
    return {p.name: p.stat().st_mtime_ns for p in folder.iterdir()}


def test_a_rerun_with_the_same_settings_skips_and_rewrites_nothing(inputs, tmp_path):
    out = tmp_path / "out"
    first = _run(inputs, out)
    assert {name: row.status for name, row in first.items()} == {"note": "ok", "paper": "ok"}
    before = {name: _mtimes(out / name) for name in first}

    second = _run(inputs, out)
    assert {name: row.status for name, row in second.items()} == {"note": "skipped", "paper": "skipped"}
    for name, row in second.items():
        assert (row.pages, row.text_tokens, row.visual_tokens) == (
            first[name].pages, first[name].text_tokens, first[name].visual_tokens
        )
        assert _mtimes(out / name) == before[name]


@pytest.mark.parametrize(
    "change",
    [
        {"config": SMALL.replace(font_size=8)},
        {"config": "glyph-like"},
        {"reflow": False},
        {"profile": "deepseek-ocr-base"},
        {"image_format": "npz"},
        {"pages": "1-2"},
    ],
    ids=["config", "preset", "reflow", "profile", "format", "pages"],
)
def test_a_changed_setting_redoes_the_documents(inputs, tmp_path, change):
    out = tmp_path / "out"
    _run(inputs, out)
    key_before = read_manifest(out / "paper")["job_key"]
    redone = _run(inputs, out, **change)
    assert {row.status for row in redone.values()} == {"ok"}
    manifest = read_manifest(out / "paper")
    assert manifest["job_key"] != key_before
    if "profile" in change:
        assert manifest["budget"]["profile"] == "deepseek-ocr-base"
        assert manifest["budget"]["visual_tokens"] == 256 * len(manifest["pages"])
    if "image_format" in change:
        assert _files(out / "paper") == {"pages.npz", "text.txt", "manifest.json"}
    if "pages" in change:
        assert [span[0] for span in manifest["source_page_spans"]] == [1, 2]
    # and the new settings are themselves resumable
    assert {row.status for row in _run(inputs, out, **change).values()} == {"skipped"}


def test_changed_source_bytes_redo_only_that_document(inputs, tmp_path):
    out = tmp_path / "out"
    _run(inputs, out)
    (inputs / "note.txt").write_text("A different note altogether.", encoding="utf-8")
    rows = _run(inputs, out)
    assert rows["note"].status == "ok" and rows["paper"].status == "skipped"
    manifest = read_manifest(out / "note")
    assert manifest["source_sha256"] == hashlib.sha256(b"A different note altogether.").hexdigest()
    assert (out / "note" / "text.txt").read_text(encoding="utf-8") == "A different note altogether."
    assert _files(out / "note") == {"page-0001.png", "text.txt", "manifest.json"}


def test_force_redoes_finished_documents(inputs, tmp_path):
    out = tmp_path / "out"
    _run(inputs, out)
    rows = _run(inputs, out, force=True)
    assert {row.status for row in rows.values()} == {"ok"}


def test_a_folder_without_its_manifest_or_a_page_is_redone(inputs, tmp_path):
    out = tmp_path / "out"
    first = _run(inputs, out)
    (out / "note" / "manifest.json").unlink()  # as a run killed before its last write leaves it
    (out / "paper" / "page-0001.png").unlink()
    rows = _run(inputs, out)
    assert rows["note"].status == "ok" and rows["paper"].status == "ok"
    assert is_complete(out / "note", read_manifest(out / "note")["job_key"])
    assert (out / "paper" / "page-0001.png").is_file()
    assert rows["note"].pages == first["note"].pages


def test_an_unwritable_output_folder_fails_that_document_only(inputs, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "note").write_text("a file where the folder should go")
    rows = _run(inputs, out)
    assert rows["paper"].status == "ok"
    assert rows["note"].status == "failed"
    assert rows["note"].code == "output"
    assert str(out / "note") in rows["note"].reason
    assert (out / "note").read_text() == "a file where the folder should go"


def test_an_output_path_that_is_a_file_fails_every_document_without_raising(inputs, tmp_path):
    blocker = tmp_path / "out"
    blocker.write_text("")
    rows = _run(inputs, blocker)
    assert [row.status for row in rows.values()] == ["failed", "failed"]
    assert all("cannot write outputs" in row.reason for row in rows.values())


def test_an_unknown_format_is_refused_before_any_document(inputs, tmp_path):
    with pytest.raises(OutputError, match="unknown image format 'gif'"):
        compress_many([inputs], tmp_path / "out", image_format="gif")
    assert not (tmp_path / "out").exists()


def test_bad_documents_are_rows_with_their_reason_code(tmp_path):
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "good.md").write_text("# Title\n\nBody text.", encoding="utf-8")
    rows = compress_many([tmp_path / "empty.txt", tmp_path / "good.md", tmp_path / "absent.txt"], tmp_path / "out")
    assert [(r.name, r.status, r.code) for r in rows] == [
        ("empty", "failed", "empty"),
        ("good", "ok", ""),
        ("absent", "failed", "unreadable"),
    ]
    assert rows[0].reason == "is empty"
    assert rows[2].reason == "does not exist"
    assert not (tmp_path / "out" / "empty").exists()


def test_callbacks_report_each_document_and_its_pages(inputs, tmp_path):
    started, pages, done = [], [], []
    compress_many(
        [inputs], tmp_path / "out", config=SMALL,
        on_start=lambda n, total, name: started.append((n, total, name)),
        on_page=lambda d, total: pages.append((d, total)),
        on_done=done.append,
    )
    assert started == [(1, 2, "note"), (2, 2, "paper")]
    assert [row.name for row in done] == ["note", "paper"]
    assert len(pages) == sum(row.pages for row in done)
    assert all(d <= total for d, total in pages)


# ------------------------------------------------------------------ plan and totals


def test_plan_names_documents_uniquely_and_keeps_subfolders(tmp_path):
    tree = tmp_path / "tree"
    (tree / "chapters").mkdir(parents=True)
    (tree / "intro.txt").write_text("x")
    (tree / "chapters" / "one.md").write_text("x")
    (tree / "chapters" / "notes.bin").write_text("x")  # not a document suffix: not picked up
    (tree / ".hidden.txt").write_text("x")
    other = tmp_path / "other"
    other.mkdir()
    (other / "intro.txt").write_text("x")

    planned = plan([tree, other / "intro.txt", "-", tmp_path / "absent.pdf"])
    assert [(str(source), name) for source, name, _ in planned] == [
        (str(tree / "chapters" / "one.md"), "chapters/one"),
        (str(tree / "intro.txt"), "intro"),
        (str(other / "intro.txt"), "intro-2"),
        ("-", "stdin"),
        (str(tmp_path / "absent.pdf"), "absent"),
    ]
    assert [error for _, _, error in planned[:4]] == [None] * 4
    assert isinstance(planned[4][2], UnreadablePathError)


def test_totals_sum_what_was_compressed_or_skipped():
    rows = [
        DocumentStatus("a", "a", "ok", pages=2, text_tokens=900, visual_tokens=300, seconds=1.0),
        DocumentStatus("b", "b", "skipped", pages=1, text_tokens=100, visual_tokens=100, seconds=0.5),
        DocumentStatus("c", "c", "failed", reason="is empty", code="empty", seconds=0.25),
    ]
    assert totals(rows) == {
        "documents": 3, "ok": 1, "skipped": 1, "failed": 1, "pages": 3,
        "text_tokens": 1000, "visual_tokens": 400, "ratio": 2.5, "seconds": 1.75,
    }
    assert rows[0].ratio == 3.0 and rows[2].ratio == 0.0
    assert totals([])["ratio"] == 0.0
