"""Small PDFs built on the fly for tests of the compress path (no fixture files needed)."""

from __future__ import annotations

from pathlib import Path

import pymupdf


def three_page_pdf(path: Path, **save_options) -> Path:
    """Pages that name themselves ("Page 2 begins here."), so tests can tell which pages were read."""
    document = pymupdf.open()
    for number in (1, 2, 3):
        document.new_page(width=300, height=300).insert_text(
            (20, 40), f"Page {number} begins here.\nSecond line of page {number}.", fontsize=11
        )
    document.save(path, **save_options)
    document.close()
    return path


def image_only_pdf(path: Path) -> Path:
    """A page holding a picture and no text layer."""
    document = pymupdf.open()
    page = document.new_page(width=200, height=200)
    pixels = pymupdf.Pixmap(pymupdf.csRGB, pymupdf.IRect(0, 0, 16, 16), False)
    pixels.clear_with(100)
    page.insert_image(pymupdf.Rect(10, 10, 90, 90), pixmap=pixels)
    document.save(path)
    document.close()
    return path
