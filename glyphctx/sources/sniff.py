"""Tell what a file is from its first bytes, before any decoder sees it.

A renamed PNG or a ZIP archive must be reported as what it is ("looks like a PNG image"), not as a
decoding failure deep inside a text or PDF library. Magic numbers are checked first; text that
merely *starts* like a weak signature (``MZ``, ``BM``) is only called binary when the structure
behind the signature checks out.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass

#: the PDF header may be preceded by junk; readers look for it in the first kilobyte
PDF_HEADER_WINDOW = 1024
_PDF_VERSION = re.compile(rb"%PDF-\d\.\d")

# (offset, signature, description): unambiguous signatures of binary formats
_BINARY_MAGIC: tuple[tuple[int, bytes, str], ...] = (
    (0, b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (0, b"\xff\xd8\xff", "a JPEG image"),
    (0, b"GIF87a", "a GIF image"),
    (0, b"GIF89a", "a GIF image"),
    (0, b"II*\x00", "a TIFF image"),
    (0, b"MM\x00*", "a TIFF image"),
    (0, b"\x00\x00\x01\x00", "an ICO image"),
    (0, b"\x1f\x8b", "a gzip-compressed file"),
    (0, b"\xfd7zXZ\x00", "an xz-compressed file"),
    (0, b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (0, b"Rar!\x1a\x07", "a RAR archive"),
    (0, b"\x28\xb5\x2f\xfd", "a zstd-compressed file"),
    (0, b"\x04\x22\x4d\x18", "an LZ4-compressed file"),
    (257, b"ustar", "a tar archive"),
    (0, b"\x7fELF", "an ELF executable or library"),
    (0, b"\xfe\xed\xfa\xce", "a Mach-O executable"),
    (0, b"\xfe\xed\xfa\xcf", "a Mach-O executable"),
    (0, b"\xce\xfa\xed\xfe", "a Mach-O executable"),
    (0, b"\xcf\xfa\xed\xfe", "a Mach-O executable"),
    (0, b"\xca\xfe\xba\xbe", "a Java class file or Mach-O universal binary"),
    (0, b"\x00asm", "a WebAssembly module"),
    (0, b"SQLite format 3\x00", "an SQLite database"),
    (0, b"\x93NUMPY", "a NumPy array file"),
    (0, b"PAR1", "a Parquet file"),
    (0, b"ARROW1", "an Arrow file"),
    (0, b"\x89HDF\r\n\x1a\n", "an HDF5 file"),
    (0, b"ID3", "an MP3 audio file"),
    (0, b"OggS", "an Ogg media file"),
    (0, b"fLaC", "a FLAC audio file"),
    (0, b"\x1a\x45\xdf\xa3", "a Matroska/WebM video"),
    (0, b"wOFF", "a WOFF font"),
    (0, b"wOF2", "a WOFF2 font"),
    (0, b"OTTO", "an OpenType font"),
    (0, b"\x00\x01\x00\x00\x00", "a TrueType font"),
)

# document formats that are not binary noise but that glyphctx does not read
_UNSUPPORTED_MAGIC: tuple[tuple[int, bytes, str], ...] = (
    (0, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "a Microsoft Office 97-2003 document (.doc/.xls/.ppt)"),
    (0, b"{\\rtf", "an RTF document"),
    (0, b"%!PS", "a PostScript document"),
    (0, b"AT&TFORM", "a DjVu document"),
)

_RIFF_KINDS = {b"WEBP": "a WebP image", b"WAVE": "a WAV audio file", b"AVI ": "an AVI video"}

_ZIP_DOCUMENTS = (
    ("word/document.xml", "a Word document (.docx)"),
    ("xl/workbook.xml", "an Excel workbook (.xlsx)"),
    ("ppt/presentation.xml", "a PowerPoint presentation (.pptx)"),
)

_ZIP_MIMETYPES = {
    b"application/epub+zip": "an EPUB e-book",
    b"application/vnd.oasis.opendocument.text": "an OpenDocument text (.odt)",
    b"application/vnd.oasis.opendocument.spreadsheet": "an OpenDocument spreadsheet (.ods)",
    b"application/vnd.oasis.opendocument.presentation": "an OpenDocument presentation (.odp)",
}


@dataclass(frozen=True)
class Sniffed:
    """What the leading bytes say: "pdf", "binary", "unsupported", or "unknown" (maybe text)."""

    kind: str
    what: str | None = None


def sniff(data: bytes) -> Sniffed:
    if _has_pdf_header(data):
        return Sniffed("pdf", "a PDF document")
    for offset, magic, what in _UNSUPPORTED_MAGIC:
        if data.startswith(magic, offset):
            return Sniffed("unsupported", what)
    if data.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return _sniff_zip(data)
    if data.startswith(b"RIFF") and data[8:12] in _RIFF_KINDS:
        return Sniffed("binary", _RIFF_KINDS[data[8:12]])
    if data[4:8] == b"ftyp":
        brand = data[8:12]
        what = "a HEIF/AVIF image" if brand in (b"heic", b"heix", b"mif1", b"avif") else "an MP4/QuickTime media file"
        return Sniffed("binary", what)
    if data[:3] == b"BZh" and data[4:10] == b"1AY&SY":
        return Sniffed("binary", "a bzip2-compressed file")
    for offset, magic, what in _BINARY_MAGIC:
        if data.startswith(magic, offset):
            return Sniffed("binary", what)
    if _is_windows_executable(data):
        return Sniffed("binary", "a Windows executable")
    if _is_bmp(data):
        return Sniffed("binary", "a BMP image")
    return Sniffed("unknown")


def _has_pdf_header(data: bytes) -> bool:
    start = data.find(b"%PDF-", 0, PDF_HEADER_WINDOW)
    if start < 0:
        return False
    if start == 0:
        return True
    # junk before the header is legal, but text that merely mentions "%PDF-" is not a PDF
    return _PDF_VERSION.match(data, start) is not None and b" obj" in data[start:start + 8192]


def _sniff_zip(data: bytes) -> Sniffed:
    # OpenDocument and EPUB store an uncompressed "mimetype" member first, right after its header
    if data[30:38] == b"mimetype":
        for mimetype, what in _ZIP_MIMETYPES.items():
            if data[38:38 + len(mimetype)] == mimetype:
                return Sniffed("unsupported", what)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        names = set()
    for member, what in _ZIP_DOCUMENTS:
        if member in names:
            return Sniffed("unsupported", what)
    return Sniffed("binary", "a ZIP archive")


def _is_windows_executable(data: bytes) -> bool:
    if not data.startswith(b"MZ") or len(data) < 64:
        return False
    pe_offset = int.from_bytes(data[60:64], "little")
    return data[pe_offset:pe_offset + 4] == b"PE\x00\x00" or b"\x00" in data[:64]


def _is_bmp(data: bytes) -> bool:
    # "BM" starts plenty of text; the header's file-size field must match as well
    return data.startswith(b"BM") and len(data) >= 14 and int.from_bytes(data[2:6], "little") == len(data)
