"""load_document / load_text on text, Markdown, standard input, and every way a path can be bad."""

from __future__ import annotations

import gzip
import hashlib
import io
import os
import sys
import threading

import pytest

from glyphctx.errors import (
    BinaryFileError,
    CorruptDocumentError,
    EmptyDocumentError,
    SourceError,
    UnreadablePathError,
    UnsupportedFormatError,
)
from glyphctx.sources import Document, SourcePart, load_document, load_text


def test_gutenberg_excerpt(data_dir):
    path = data_dir / "text" / "frankenstein-excerpt-cp1252.txt"
    raw = path.read_bytes()
    doc = load_document(path)
    assert isinstance(doc, Document)
    assert doc.kind == "text"
    assert doc.encoding == "cp1252"
    assert doc.source == str(path)
    assert doc.sha256 == hashlib.sha256(raw).hexdigest()
    assert doc.parts == (SourcePart(raw.decode("cp1252"), None),)
    assert doc.page_count is None and doc.warnings == ()
    assert "Salêve" in doc.text and "Coleridge’s “Ancient Mariner.”" in doc.text


def test_markdown_suffix_sets_the_kind(tmp_path):
    path = tmp_path / "notes.MD"
    path.write_text("# Notes\n\nSome *text*.\n", encoding="utf-8")
    doc = load_document(path)
    assert doc.kind == "markdown"
    assert doc.encoding == "utf-8"


def test_unknown_suffix_given_explicitly_is_read_as_text(tmp_path):
    path = tmp_path / "README"
    path.write_text("Just text without a suffix.\n", encoding="utf-8")
    assert load_document(str(path)).text == "Just text without a suffix.\n"


def test_bytes_decide_over_the_suffix(tmp_path, data_dir):
    disguised = tmp_path / "paper.txt"
    disguised.write_bytes((data_dir / "pdfs" / "minimal-document.pdf").read_bytes())
    doc = load_document(disguised)
    assert doc.kind == "pdf" and doc.page_count == 1


def test_page_range_on_text_is_ignored_with_a_warning(tmp_path):
    path = tmp_path / "a.txt"
    path.write_text("hello\n", encoding="utf-8")
    doc = load_document(path, pages="1-3", password="unused")
    assert doc.text == "hello\n"
    assert any("page range" in warning for warning in doc.warnings)


def test_stdin(monkeypatch):
    data = "from a pipe: café\n".encode("cp1252")
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    doc = load_document("-")
    assert doc.source == "<stdin>"
    assert doc.text == "from a pipe: café\n"
    assert doc.sha256 == hashlib.sha256(data).hexdigest()


def test_stdin_that_is_a_terminal_is_refused(monkeypatch):
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr(sys, "stdin", Terminal())
    with pytest.raises(UnreadablePathError) as caught:
        load_document("-")
    assert caught.value.path == "<stdin>" and "terminal" in caught.value.reason


def test_pipe_is_read(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    writer = threading.Thread(target=lambda: fifo.write_bytes(b"through a named pipe\n"))
    writer.start()
    try:
        assert load_document(fifo).text == "through a named pipe\n"
    finally:
        writer.join(timeout=10)


def test_load_text():
    doc = load_text("A string\r\nwith two lines.")
    assert doc.source == "<text>" and doc.kind == "text" and doc.encoding is None
    assert doc.sha256 == hashlib.sha256(b"A string\r\nwith two lines.").hexdigest()
    assert load_text("# Title", name="x.md").kind == "markdown"
    with pytest.raises(EmptyDocumentError) as caught:
        load_text("  \n\t ", name="blank")
    assert caught.value.path == "blank"


@pytest.mark.parametrize("content, reason", [(b"", "is empty"), (b" \r\n\t\n  ", "only whitespace")])
def test_empty_files(tmp_path, content, reason):
    path = tmp_path / "empty.txt"
    path.write_bytes(content)
    with pytest.raises(EmptyDocumentError) as caught:
        load_document(path)
    assert caught.value.path == str(path)
    assert reason in caught.value.reason
    assert caught.value.code == "empty"


def test_whitespace_only_utf16_is_empty(tmp_path):
    path = tmp_path / "wide.txt"
    path.write_bytes("\ufeff   \n\n".encode("utf-16"))
    with pytest.raises(EmptyDocumentError):
        load_document(path)


@pytest.mark.parametrize(
    "name, content, expected",
    [
        ("photo.txt", b"\x89PNG\r\n\x1a\n" + bytes(64), "PNG image"),
        ("notes.md", gzip.compress(b"compressed text"), "gzip"),
        ("data.bin", bytes(range(256)) * 8, "NUL bytes"),
        ("a.pdf", b"\x89PNG\r\n\x1a\n" + bytes(64), "PNG image"),
    ],
)
def test_binary_files(tmp_path, name, content, expected):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(BinaryFileError) as caught:
        load_document(path)
    assert caught.value.path == str(path)
    assert expected in caught.value.reason
    assert caught.value.code == "binary"


@pytest.mark.parametrize(
    "name, content, expected",
    [
        ("letter.rtf", b"{\\rtf1\\ansi Hello}", "RTF"),
        ("page.html", b"<!DOCTYPE html><html><body>Hi</body></html>", "HTML"),
        ("saved", b"<html><body>Hi</body></html>", "HTML"),
        ("old.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512), "Office"),
    ],
)
def test_unsupported_formats(tmp_path, name, content, expected):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(UnsupportedFormatError) as caught:
        load_document(path)
    assert caught.value.path == str(path) and expected in caught.value.reason


def test_html_named_markdown_stays_markdown(tmp_path):
    path = tmp_path / "page.md"
    path.write_text("<html> is how this note begins\n", encoding="utf-8")
    assert load_document(path).kind == "markdown"


def test_pdf_name_without_pdf_bytes_is_corrupt(tmp_path):
    path = tmp_path / "download.pdf"
    path.write_text("<html><body>404 Not Found</body></html>", encoding="utf-8")
    with pytest.raises(CorruptDocumentError) as caught:
        load_document(path)
    assert "%PDF" in caught.value.reason


def test_missing_file(tmp_path):
    path = tmp_path / "nope.txt"
    with pytest.raises(UnreadablePathError) as caught:
        load_document(path)
    assert caught.value.path == str(path) and "does not exist" in caught.value.reason
    assert caught.value.code == "unreadable"


def test_directory_where_a_file_is_needed(tmp_path):
    with pytest.raises(UnreadablePathError) as caught:
        load_document(tmp_path)
    assert "is a directory" in caught.value.reason


def test_broken_symlink(tmp_path):
    link = tmp_path / "link.txt"
    link.symlink_to(tmp_path / "gone.txt")
    with pytest.raises(UnreadablePathError) as caught:
        load_document(link)
    assert "broken symbolic link" in caught.value.reason


def test_parent_that_is_a_file(tmp_path):
    parent = tmp_path / "file.txt"
    parent.write_text("x", encoding="utf-8")
    with pytest.raises(UnreadablePathError):
        load_document(parent / "child.txt")


def test_character_device_is_not_read():
    if not os.path.exists("/dev/zero"):
        pytest.skip("no /dev/zero on this system")
    with pytest.raises(UnreadablePathError) as caught:
        load_document("/dev/zero")  # reading it would never end
    assert "character device" in caught.value.reason


def test_permission_denied(tmp_path):
    if os.geteuid() == 0:
        pytest.skip("running as root: file permissions are not enforced")
    path = tmp_path / "secret.txt"
    path.write_text("hidden", encoding="utf-8")
    path.chmod(0)
    try:
        with pytest.raises(UnreadablePathError) as caught:
            load_document(path)
        assert "permission denied" in caught.value.reason
    finally:
        path.chmod(0o600)


def test_permission_error_while_reading_is_typed(tmp_path, monkeypatch):
    import glyphctx.sources.read as read_module

    path = tmp_path / "locked.txt"
    path.write_text("text", encoding="utf-8")

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(read_module, "open", refuse, raising=False)
    with pytest.raises(UnreadablePathError) as caught:
        load_document(path)
    assert caught.value.path == str(path) and "permission denied" in caught.value.reason


def test_every_source_error_names_file_and_reason(tmp_path):
    path = tmp_path / "empty.md"
    path.write_bytes(b"")
    with pytest.raises(SourceError) as caught:
        load_document(path)
    assert str(caught.value) == f"{path}: {caught.value.reason}"
