"""Fixtures shared by the source and normalisation tests."""

from __future__ import annotations

from pathlib import Path

import pymupdf
import pytest

DATA = Path(__file__).resolve().parents[1] / "data"
SHARED_CORPUS = (Path(__file__).resolve().parents[2] / "../shared/corpus").resolve()


@pytest.fixture
def data_dir() -> Path:
    return DATA


@pytest.fixture
def shared_corpus() -> Path:
    if not SHARED_CORPUS.is_dir():
        pytest.skip(f"the shared corpus is not at {SHARED_CORPUS}")
    return SHARED_CORPUS


@pytest.fixture
def make_pdf(tmp_path):
    """Write a PDF with one page per string (an empty string makes an image-only page)."""

    def make(pages: list[str], name: str = "made.pdf", **save_options) -> Path:
        document = pymupdf.open()
        for text in pages:
            page = document.new_page(width=595, height=842)
            if text:
                page.insert_textbox(pymupdf.Rect(72, 72, 523, 770), text, fontsize=11, fontname="helv")
            else:
                pixmap = pymupdf.Pixmap(pymupdf.csRGB, pymupdf.IRect(0, 0, 64, 64), False)
                pixmap.clear_with(180)
                page.insert_image(pymupdf.Rect(72, 72, 400, 400), pixmap=pixmap)
        path = tmp_path / name
        document.save(path, **save_options)
        document.close()
        return path

    return make
