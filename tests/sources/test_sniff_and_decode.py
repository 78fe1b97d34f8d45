"""Encoding detection and binary sniffing on raw bytes."""

from __future__ import annotations

import codecs
import gzip
import io
import zipfile

import pytest

from glyphctx.errors import BinaryFileError
from glyphctx.sources.decode import decode_text
from glyphctx.sources.sniff import sniff

SAMPLES = {
    "cp1250": "Příliš žluťoučký kůň úpěl ďábelské ódy. Vše, co je v životě důležité, se člověk naučí "
              "v mateřské škole. Když jsem byl malý, bydleli jsme v domě u řeky, kde na jaře kvetly třešně. ",
    "cp1251": "Съешь же ещё этих мягких французских булок, да выпей чаю. Широкая электрификация южных "
              "губерний даст мощный толчок подъёму сельского хозяйства. ",
    "cp1253": "Ξεσκεπάζω την ψυχοφθόρα βδελυγμία. Στην Ελλάδα το καλοκαίρι είναι ζεστό και η θάλασσα "
              "είναι γαλάζια και καθαρή. ",
    "cp1252": "Falsches Üben von Xylophonmusik quält jeden größeren Zwerg. Die Straße führt über die Brücke "
              "zum schönen Schloß am Fluß, wo die Bäume im Frühling blühen. ",
    "shift_jis": "吾輩は猫である。名前はまだ無い。どこで生れたかとんと見当がつかぬ。何でも薄暗いじめじめした所で"
                 "ニャーニャー泣いていた事だけは記憶している。",
}


def test_gutenberg_cp1252_decodes_to_the_right_characters(data_dir):
    raw = (data_dir / "text" / "frankenstein-excerpt-cp1252.txt").read_bytes()
    decoded = decode_text(raw, "excerpt")
    assert decoded.encoding == "cp1252"
    assert decoded.text == raw.decode("cp1252")
    # the bytes 0x93/0x94/0x92 are curly quotes and 0xE6/0xEA/0xF4 accented letters in Windows-1252
    for expected in ("“Ancient Mariner.”", "Coleridge’s", "dæmon", "Salêve", "Môle"):
        assert expected in decoded.text
    assert "\r\n" in decoded.text  # decoding leaves line ends to normalisation


@pytest.mark.parametrize("codec", sorted(SAMPLES))
def test_legacy_code_pages(codec):
    text = SAMPLES[codec] * 3
    decoded = decode_text(text.encode(codec), "sample")
    assert decoded.text == text
    accepted = {"shift_jis", "cp932"} if codec == "shift_jis" else {codec}  # cp932 extends Shift-JIS
    assert codecs.lookup(decoded.encoding).name in {codecs.lookup(name).name for name in accepted}


@pytest.mark.parametrize(
    "bom, codec, label",
    [
        (codecs.BOM_UTF8, "utf-8", "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16-le", "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be", "utf-16-be"),
        (codecs.BOM_UTF32_LE, "utf-32-le", "utf-32-le"),
        (codecs.BOM_UTF32_BE, "utf-32-be", "utf-32-be"),
    ],
)
def test_byte_order_marks_win(bom, codec, label):
    text = "Grüße, “quoted”, 汉字 and 🙂\n"
    decoded = decode_text(bom + text.encode(codec), "bom")
    assert decoded.text == text
    assert decoded.encoding == label


def test_valid_utf8_is_preferred_over_guessing():
    text = "naïve café – “quotes” – Ελληνικά"
    decoded = decode_text(text.encode("utf-8"), "utf8")
    assert (decoded.text, decoded.encoding) == (text, "utf-8")


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_without_bom_is_text_not_binary(codec):
    text = "Plain English text saved as UTF-16 without a byte-order mark.\n" * 5
    decoded = decode_text(text.encode(codec), "wide")
    assert (decoded.text, decoded.encoding) == (text, codec)


def test_nul_bytes_mean_binary():
    with pytest.raises(BinaryFileError) as caught:
        decode_text(b"some text\x00\x01\x02\xff\xfe more", "blob.txt")
    assert caught.value.path == "blob.txt"
    assert "NUL" in caught.value.reason


def test_control_character_density_means_binary():
    data = bytes(range(1, 9)) * 50 + b"a little text"
    with pytest.raises(BinaryFileError) as caught:
        decode_text(data, "controls.txt")
    assert "control bytes" in caught.value.reason


def test_invalid_bom_payload_is_replaced_with_a_warning():
    decoded = decode_text(codecs.BOM_UTF8 + b"ok \xff\xfe bad", "broken")
    assert "\ufffd" in decoded.text
    assert decoded.warnings and "U+FFFD" in decoded.warnings[0]


def _zip_bytes(members: dict[str, bytes], first: tuple[str, bytes] | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        if first is not None:
            archive.writestr(zipfile.ZipInfo(first[0]), first[1])  # stored, as EPUB/ODF require
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


@pytest.mark.parametrize(
    "data, kind, what",
    [
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "pdf", "PDF"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary", "PNG image"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "binary", "JPEG image"),
        (gzip.compress(b"hello"), "binary", "gzip"),
        (b"\x7fELF\x02\x01\x01" + bytes(60), "binary", "ELF"),
        (b"MZ\x90\x00" + bytes(56) + (64).to_bytes(4, "little") + b"PE\x00\x00", "binary", "Windows executable"),
        (b"{\\rtf1\\ansi hello}", "unsupported", "RTF"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100), "unsupported", "Office 97-2003"),
        (_zip_bytes({"a.txt": b"x"}), "binary", "ZIP archive"),
        (_zip_bytes({"[Content_Types].xml": b"<x/>", "word/document.xml": b"<w/>"}), "unsupported", "Word document"),
        (
            _zip_bytes({"META-INF/container.xml": b"<c/>"}, first=("mimetype", b"application/epub+zip")),
            "unsupported",
            "EPUB",
        ),
        (b"MZ is how this text begins, and it is still text.", "unknown", None),
        (b"BM and the like are just letters here.", "unknown", None),
        (b"This text mentions the %PDF-1.4 header but is not a PDF.", "unknown", None),
    ],
)
def test_sniff(data, kind, what):
    sniffed = sniff(data)
    assert sniffed.kind == kind
    if what is not None:
        assert what in sniffed.what
