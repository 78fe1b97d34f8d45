"""The shared corpus: every PDF loads or fails with a typed error; the novels decode and reflow."""

from __future__ import annotations

import json
import re
import unicodedata

import pytest

from glyphctx.errors import EncryptedPDFError, SourceError
from glyphctx.normalise import normalise_document
from glyphctx.sources import discover, load_document

# the password of the sample-files collection's protected PDF, used where files.json gives none
SAMPLE_FILES_PASSWORD = "openpassword"


def _characters(text: str) -> str:
    text = unicodedata.normalize("NFC", re.sub("[\x00-\x08\x0e-\x1f\x7f-\x9f\ufeff]", "", text))
    return re.sub(r"\s+", "", text)


def test_every_pdf_loads_or_raises_a_typed_error(shared_corpus):
    pdfs = [path for path in discover([shared_corpus / "pdfs"])]
    assert len(pdfs) >= 30
    loaded, failed = [], {}
    for path in pdfs:
        try:
            doc = load_document(path)
        except SourceError as error:
            assert error.path == str(path) and error.reason
            failed[path.name] = error.code
            continue
        text, spans = normalise_document(doc)
        assert len(spans) == len(doc.parts)
        assert _characters(doc.text) == _characters(text)
        loaded.append(path.name)
    assert failed.get("libreoffice-writer-password.pdf") == "encrypted"
    assert failed.get("cmyk-image.pdf") == "no-text"
    assert {"multicolumn.pdf", "habibi.pdf", "GeoTopo-komprimiert.pdf"} <= set(loaded)


def test_protected_pdf_names_the_password_option_and_opens_with_it(shared_corpus):
    path = shared_corpus / "pdfs" / "libreoffice-writer-password.pdf"
    with pytest.raises(EncryptedPDFError) as caught:
        load_document(path)
    assert "password-protected" in caught.value.reason and "--password" in caught.value.reason
    listing = json.loads((shared_corpus / "pdfs" / "files.json").read_text(encoding="utf-8"))["data"]
    entry = next(item for item in listing if item["path"].endswith("libreoffice-writer-password.pdf"))
    password = entry.get("password") or entry.get("user_password") or SAMPLE_FILES_PASSWORD
    doc = load_document(path, password=password)
    assert doc.page_count == entry["pages"] and doc.text.strip()


def test_page_range_on_a_long_pdf(shared_corpus):
    doc = load_document(shared_corpus / "pdfs" / "GeoTopo-komprimiert.pdf", pages="2-3,117")
    assert doc.page_count == 117
    assert [part.page for part in doc.parts] == [2, 3, 117]
    assert "Vorwort" in doc.parts[0].text


@pytest.mark.parametrize("name", ["frankenstein.txt", "pride-and-prejudice.txt"])
def test_novels_decode_and_reflow(shared_corpus, name):
    path = shared_corpus / "text" / name
    raw = path.read_bytes()
    doc = load_document(path)
    assert doc.encoding == "cp1252"
    assert doc.text == raw.decode("cp1252")
    # Windows-1252 punctuation and letters, not their Windows-1250 or Mac look-alikes
    assert raw.count(b"\x93") == doc.text.count("“") and raw.count(b"\x92") == doc.text.count("’")
    assert "dæmon" in doc.text if name == "frankenstein.txt" else "“loving by allowance”" in " ".join(doc.text.split())
    assert not re.search("[ćęŕčĎďŘ]", doc.text)
    text, _ = normalise_document(doc)
    assert "\r" not in text
    assert _characters(doc.text) == _characters(text)
    assert text.count("\n") < doc.text.count("\n") / 2  # paragraphs are one line each
    first_paragraph = {
        "frankenstein.txt": "You will rejoice to hear that no disaster has accompanied the commencement of an "
                            "enterprise which you have regarded with such evil forebodings.",
        "pride-and-prejudice.txt": "It is a truth universally acknowledged, that a single man in possession "
                                   "of a good fortune must be in want of a wife.",
    }[name]
    assert first_paragraph in text
