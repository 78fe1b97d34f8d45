"""Rasterised pages: the right pixels, sizes, colours and reports."""

import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from glyphctx.render import RenderConfig, render_text
from glyphctx.render.presets import load_preset

DATA = Path(__file__).resolve().parents[1] / "data"
CHAPTER = (DATA / "pride-and-prejudice-ch1.txt").read_text(encoding="utf-8")
PARAGRAPH = " ".join(CHAPTER.split("\n\n")[0].split())


def ink(image):
    grey = image if image.ndim == 2 else image.mean(axis=2)
    return int((grey < 128).sum())


def test_pages_have_the_configured_size_and_ink_within_the_margins():
    config = RenderConfig(page_width=300, page_height=300, dpi=144, margin_left=20, margin_right=20,
                          margin_top=20, margin_bottom=20)
    result = render_text(" ".join(CHAPTER.split()), config)
    assert len(result.pages) > 2
    for page in result.pages:
        assert page.image.shape == (600, 600) and page.image.dtype == np.uint8
        dark = page.image < 200
        assert dark.any()
        margin = 40 - 3  # 20 pt at 144 dpi, less a few pixels of antialiasing
        assert not dark[:, :margin].any() and not dark[:, -margin:].any()
        assert not dark[:margin].any()


def test_glyph_like_pages_are_cropped_in_width_and_on_the_last_page():
    result = render_text(PARAGRAPH, load_preset("glyph-like"))
    (page,) = result.pages
    width, height = page.size
    assert width <= 595 and height < 842
    dark = page.image < 128
    assert dark[:, -8:].sum() == 0  # right margin (10 px, less antialiasing) kept after cropping
    assert dark[-8:].sum() == 0


def test_colours_and_grey_levels():
    config = RenderConfig(page_width=200, page_height=100, foreground="#ff0000", background="#000080")
    image = render_text("Red on navy", config).pages[0].image
    assert image.shape[2] == 3
    assert tuple(image[0, 0]) == (0, 0, 128)
    assert (image[..., 0] > 200).any()  # red ink
    grey = render_text("Grey", config.replace(foreground="#333333", background="#eeeeee")).pages[0].image
    assert grey.ndim == 2 and grey.max() == 0xEE and grey.min() >= 0x33


def test_horizontal_scale_condenses_the_text():
    base = RenderConfig(page_width=595, page_height=200, auto_crop_width=True)
    wide = render_text(PARAGRAPH[:60], base).pages[0].size[0]
    narrow = render_text(PARAGRAPH[:60], base.replace(horizontal_scale=0.7)).pages[0].size[0]
    assert narrow < wide * 0.8


def test_fallback_fonts_draw_what_the_main_font_lacks_and_the_rest_is_reported():
    config = RenderConfig(page_width=300, page_height=200)
    result = render_text("Latin 中文 \ue000\ue000 ok", config)
    assert result.fallback_chars == {"中": 1, "文": 1}
    assert result.missing_chars == {"\ue000": 2}
    no_fallback = render_text("中文", config.replace(fallback_fonts=()))
    assert no_fallback.missing_chars == {"中": 1, "文": 1}
    assert ink(no_fallback.pages[0].image) > 0  # drawn as missing-glyph boxes, not dropped


def test_control_and_format_characters_take_no_space():
    config = RenderConfig(page_width=300, page_height=100)
    plain = render_text("soft hyphen", config).pages[0].image
    marked = render_text("so\u00adft hy\u200bphen\u200d", config).pages[0].image
    assert not render_text("so\u00adft", config).missing_chars
    assert ink(plain) == pytest.approx(ink(marked), rel=0.15)


def test_rendering_is_deterministic():
    config = load_preset("default")
    first = render_text(CHAPTER, config).pages[0].image
    again = render_text(CHAPTER, config).pages[0].image
    assert np.array_equal(first, again)


def test_progress_is_reported_per_page():
    seen = []
    result = render_text(
        CHAPTER, RenderConfig(page_width=200, page_height=200), progress=lambda d, t: seen.append((d, t))
    )
    assert seen[-1] == (len(result.pages), len(result.pages)) and len(seen) == len(result.pages)


@pytest.mark.skipif(
    shutil.which("tesseract") is None, reason="tesseract-ocr is not installed (apt install tesseract-ocr)"
)
@pytest.mark.parametrize("preset, upscale", [("legible", 1), ("glyph-like", 3)])
def test_tesseract_reads_back_what_was_rendered(preset, upscale, monkeypatch):
    """Proof the renderer draws the right text: an OCR engine reads it back almost perfectly."""
    import pytesseract
    from rapidfuzz.distance import Levenshtein

    monkeypatch.setenv("OMP_THREAD_LIMIT", "1")
    text = " ".join(CHAPTER.split("\n\n")[0].split() + CHAPTER.split("\n\n")[1].split())
    result = render_text(text, load_preset(preset))
    assert len(result.pages) == 1
    image = Image.fromarray(result.pages[0].image)
    if upscale > 1:
        image = image.resize((image.width * upscale, image.height * upscale), Image.Resampling.LANCZOS)
    read = " ".join(pytesseract.image_to_string(image, config="--psm 6").split())
    accuracy = 1 - Levenshtein.normalized_distance(read, text)
    assert accuracy >= 0.98, (accuracy, read[:200])
