"""The render benchmark's two reference renderers draw real, comparable pages."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))

from baselines.pillow_draw import _load_font, render_pillow_lines, wrap_line  # noqa: E402
from baselines.reportlab_pdf2image import render_reportlab  # noqa: E402

from glyphctx.errors import FontError  # noqa: E402
from glyphctx.render.config import RenderConfig  # noqa: E402

PARAGRAPH = (
    "It is a truth universally acknowledged, that a single man in possession of a good fortune, "
    "must be in want of a wife. However little known the feelings or views of such a man may be on "
    "his first entering a neighbourhood, this truth is so well fixed in the minds of the surrounding "
    "families, that he is considered as the rightful property of some one or other of their daughters."
)
BOOK = "\n\n".join([PARAGRAPH] * 60)  # about 25,000 characters: several A4 pages at 9 pt

RENDERERS = [pytest.param(render_reportlab, id="reportlab"), pytest.param(render_pillow_lines, id="pillow")]
A4 = RenderConfig()  # A4 at 72 dpi, no cropping
A4_HEIGHT_WIDTH = (842, 595)


def inked(page: np.ndarray) -> int:
    return int((page < 128).sum())


@pytest.mark.parametrize("render", RENDERERS)
def test_a_paragraph_fills_one_full_size_page_with_ink(render):
    pages = render(PARAGRAPH, A4)
    assert len(pages) == 1
    page = pages[0]
    assert page.dtype == np.uint8 and page.shape == A4_HEIGHT_WIDTH
    assert inked(page) > 2000  # hundreds of glyphs, not a stray mark
    assert page[0].min() == 255 and page[-1].min() == 255  # margins stay blank


@pytest.mark.parametrize("render", RENDERERS)
def test_more_text_makes_more_pages(render):
    pages = render(BOOK, A4)
    assert len(pages) >= 3
    assert all(p.shape == A4_HEIGHT_WIDTH and inked(p) > 2000 for p in pages)


def test_both_baselines_lay_out_the_same_number_of_pages():
    assert abs(len(render_reportlab(BOOK, A4)) - len(render_pillow_lines(BOOK, A4))) <= 1


@pytest.mark.parametrize("render", RENDERERS)
def test_dpi_scales_the_page_pixels(render):
    page = render(PARAGRAPH, A4.replace(dpi=144))[0]
    assert page.shape == (1684, 1190)
    assert inked(page) > 4 * 2000


@pytest.mark.parametrize("render", RENDERERS)
def test_coloured_pages_have_three_channels_in_the_page_colour(render):
    page = render(PARAGRAPH, A4.replace(foreground="#1020c0", background="#fff0d0"))[0]
    assert page.shape == (*A4_HEIGHT_WIDTH, 3)
    assert tuple(page[0, 0]) == (255, 240, 208)
    assert (page[..., 2].astype(int) - page[..., 0] > 100).sum() > 1000  # blue ink


@pytest.mark.parametrize("render", RENDERERS)
def test_auto_crop_trims_width_and_last_page_like_glyph(render):
    config = A4.replace(auto_crop_width=True, auto_crop_last_page=True)
    text = "A short line.\n" + BOOK
    pages = render(text, config)
    for page in pages:
        right_ink = np.flatnonzero((page < 250).any(axis=0))[-1]
        assert page.shape[1] == right_ink + 1 + config.px(config.margin_right)
    assert all(p.shape[0] == 842 for p in pages[:-1])
    bottom_ink = np.flatnonzero((pages[-1] < 250).any(axis=1))[-1]
    assert pages[-1].shape[0] == bottom_ink + 1 + config.px(config.margin_bottom) < 842


@pytest.mark.parametrize("render", RENDERERS)
def test_markup_characters_and_space_runs_are_drawn_as_text(render):
    pages = render("if a < b && c > d:\n    return <b>x</b>;  # two  spaces", A4)
    assert len(pages) == 1 and inked(pages[0]) > 300


@pytest.mark.parametrize("render", RENDERERS)
def test_a_missing_font_file_is_a_font_error(render, tmp_path):
    with pytest.raises(FontError, match="missing.ttf"):
        render(PARAGRAPH, A4.replace(font=str(tmp_path / "missing.ttf")))


def test_greedy_wrap_keeps_every_word_and_fits_each_line():
    font = _load_font(Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"), 9.0)
    width = 200.0
    line = PARAGRAPH + " " + "x" * 80  # ends with a word wider than the line
    lines = wrap_line(line, font, width)
    assert len(lines) > 5
    assert all(font.getlength(part) <= width for part in lines)
    assert "".join(lines).replace(" ", "") == line.replace(" ", "")
    # greedy: the next line's first word would not have fitted on the line before it
    for current, following in zip(lines, lines[1:-2]):
        assert font.getlength(current + " " + following.split(" ")[0]) > width
    assert wrap_line("", font, width) == [""]


def test_benchmark_prints_a_table_with_page_counts(tmp_path):
    text = tmp_path / "novel.txt"
    text.write_bytes(("\u2018Quoted\u2019 \u2014 caf\u00e9.\r\n" + PARAGRAPH + "\r\n\r\n").encode("cp1252") * 12)
    run = subprocess.run(
        [
            sys.executable, str(BENCHMARKS / "render_speed.py"),
            "--text", str(text), "--limit-chars", "3000", "--repeat", "1",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    assert "3,000 chars" in run.stdout
    for method in ("reportlab+pdf2image", "pillow ImageDraw"):
        assert any(line.startswith(method) and " 3000 " in line for line in run.stdout.splitlines())
    assert "page counts:" in run.stdout and "-> similar" in run.stdout


def test_benchmark_reports_a_missing_text_file(tmp_path):
    run = subprocess.run(
        [sys.executable, str(BENCHMARKS / "render_speed.py"), "--text", str(tmp_path / "absent.txt")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 1
    assert "absent.txt" in run.stderr and "Traceback" not in run.stderr


def test_benchmark_reads_windows_1252_and_utf8_text(tmp_path):
    from render_speed import read_text

    old = tmp_path / "old.txt"
    old.write_bytes("\u2018Mr. Darcy\u2019 \u2014 na\u00efve".encode("cp1252"))
    new = tmp_path / "new.txt"
    new.write_text("\u2018Mr. Darcy\u2019 \u2014 \u00e9t\u00e9 \u4e2d", encoding="utf-8")
    assert read_text(old) == "\u2018Mr. Darcy\u2019 \u2014 na\u00efve"
    assert read_text(new) == "\u2018Mr. Darcy\u2019 \u2014 \u00e9t\u00e9 \u4e2d"
