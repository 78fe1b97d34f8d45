"""PDF sources: reading order, page ranges, passwords, damaged files, pages without text."""

from __future__ import annotations

import hashlib
import re

import pymupdf
import pytest

from glyphctx.errors import CorruptDocumentError, EncryptedPDFError, NoTextLayerError, PageRangeError
from glyphctx.normalise import normalise_document
from glyphctx.sources import load_document

LOREM = (
    "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut "
    "labore et dolore magna aliqua. Ut enim ad minim veniam, quis nostrud exercitation ullamco laboris."
)


def test_one_part_per_page_with_page_numbers(make_pdf):
    path = make_pdf([f"Page one. {LOREM}", f"Page two. {LOREM}", f"Page three. {LOREM}"])
    doc = load_document(path)
    assert doc.kind == "pdf" and doc.encoding is None and doc.page_count == 3
    assert [part.page for part in doc.parts] == [1, 2, 3]
    assert [part.text.split(".")[0] for part in doc.parts] == ["Page one", "Page two", "Page three"]
    assert doc.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("spec, pages", [("2", [2]), ("2-", [2, 3, 4]), ("-2", [1, 2]), ("1,3-4", [1, 3, 4])])
def test_page_ranges_select_parts(make_pdf, spec, pages):
    path = make_pdf([f"Page {n}. {LOREM}" for n in range(1, 5)])
    doc = load_document(path, pages=spec)
    assert [part.page for part in doc.parts] == pages
    assert doc.page_count == 4
    assert all(part.text.startswith(f"Page {part.page}.") for part in doc.parts)


@pytest.mark.parametrize("spec", ["5", "0", "2-9", "abc", "3-1", ""])
def test_bad_page_ranges(make_pdf, spec):
    path = make_pdf([LOREM, LOREM])
    with pytest.raises(PageRangeError) as caught:
        load_document(path, pages=spec)
    assert caught.value.path == str(path) and caught.value.code == "page-range"


def test_multicolumn_reads_column_after_column(data_dir):
    doc = load_document(data_dir / "pdfs" / "multicolumn.pdf")
    text, spans = normalise_document(doc)
    page, start, end = spans[0]
    assert page == 1
    first_page = text[start:end]
    # the left column's first paragraph comes out whole, wrapped lines and hyphenation undone
    assert ("Lorem ipsum dolor sit amet, consectetuer adipiscing elit. Ut purus elit, vestibulum ut, "
            "placerat ac, adipiscing vitae, felis. Curabitur dictum gravida mauris.") in first_page
    # the left column ends before the right column starts (not interleaved line by line)
    left_end = first_page.index("Pellentesque cursus luctus mauris.")
    right_start = first_page.index("Phasellus adipiscing semper elit.")
    assert left_end < right_start
    # the sentence broken by the column change is joined again
    assert "Donec nonummy pellentesque ante. Phasellus adipiscing semper elit." in first_page
    assert "ﬁ" not in text and "filled with Lorem Ipsum text" in text  # ligatures expanded


def test_arabic_comes_out_in_logical_order_without_glyph_codes(data_dir):
    doc = load_document(data_dir / "pdfs" / "habibi.pdf")
    text = doc.text
    assert "حَبيبي" in text and "habibi" in text
    # unmapped glyphs are not passed on as raw font codes (Greek letters, control characters)
    assert not re.search("[\u0370-\u03ff\x00-\x08\ufffd]", text)
    assert any("Unicode mapping" in warning for warning in doc.warnings)


def test_password_protected_pdf_needs_the_password(data_dir):
    path = data_dir / "pdfs" / "libreoffice-writer-password.pdf"
    with pytest.raises(EncryptedPDFError) as caught:
        load_document(path)
    assert caught.value.path == str(path)
    assert "password-protected" in caught.value.reason and "--password" in caught.value.reason
    with pytest.raises(EncryptedPDFError) as wrong:
        load_document(path, password="not-it")
    assert "password is wrong" in wrong.value.reason
    doc = load_document(path, password="openpassword")
    assert doc.page_count == 1 and doc.text.strip()


def test_aes_encrypted_pdf(make_pdf):
    path = make_pdf([LOREM], name="locked.pdf", encryption=pymupdf.PDF_ENCRYPT_AES_256,
                    user_pw="s3cret", owner_pw="owner-s3cret")
    with pytest.raises(EncryptedPDFError):
        load_document(path)
    assert load_document(path, password="s3cret").text.startswith("Lorem ipsum")
    assert load_document(path, password="owner-s3cret").text.startswith("Lorem ipsum")


@pytest.mark.parametrize("name", ["truncated.pdf", "garbage-after-header.pdf"])
def test_damaged_pdfs_are_corrupt(data_dir, name, capfd):
    path = data_dir / "pdfs" / name
    with pytest.raises(CorruptDocumentError) as caught:
        load_document(path)
    assert caught.value.path == str(path) and caught.value.code == "corrupt"
    captured = capfd.readouterr()
    assert captured.err == "" and captured.out == ""  # MuPDF's own messages stay off the terminal


def test_missing_trailer_is_repaired_with_a_warning(tmp_path, data_dir):
    data = (data_dir / "pdfs" / "minimal-document.pdf").read_bytes()
    path = tmp_path / "no-trailer.pdf"
    path.write_bytes(data[: data.rindex(b"startxref")])
    doc = load_document(path)
    assert "Lorem ipsum" in doc.text
    assert any("damaged" in warning for warning in doc.warnings)


def test_mupdf_message_switches_are_restored(data_dir):
    errors, warnings = pymupdf.TOOLS.mupdf_display_errors(), pymupdf.TOOLS.mupdf_display_warnings()
    with pytest.raises(CorruptDocumentError):
        load_document(data_dir / "pdfs" / "truncated.pdf")
    assert (pymupdf.TOOLS.mupdf_display_errors(), pymupdf.TOOLS.mupdf_display_warnings()) == (errors, warnings)


def test_image_only_pdf_needs_ocr(make_pdf):
    path = make_pdf(["", ""])
    with pytest.raises(NoTextLayerError) as caught:
        load_document(path)
    assert caught.value.path == str(path) and "OCR" in caught.value.reason


def test_image_only_selected_pages_need_ocr(make_pdf):
    path = make_pdf([LOREM, ""])
    with pytest.raises(NoTextLayerError) as caught:
        load_document(path, pages="2")
    assert "selected pages" in caught.value.reason


def test_mixed_pdf_keeps_empty_pages_and_warns(make_pdf):
    path = make_pdf([LOREM, "", LOREM])
    doc = load_document(path)
    assert [part.page for part in doc.parts] == [1, 2, 3]
    assert doc.parts[1].text == ""
    assert any("page 2" in warning and "OCR" in warning for warning in doc.warnings)
