"""Bytes to text: pick the encoding, refuse binary data.

Order of trust: a byte-order mark; UTF-16/32 without a mark, recognised by its NUL pattern (any
other NUL byte, or many control bytes, means binary data); strict UTF-8 (which almost never
decodes anything else by accident); then charset-normalizer's ranking. That ranking alone is not enough
for the most common legacy case: Windows-1252 English text (Project Gutenberg's files, for one) differs
from Windows-1250 or Mac Central European only in a handful of accented letters, so those candidates tie
on "chaos" and charset-normalizer may pick the wrong one (``æ`` would come out as ``ć``). When the text
is in a language written with the Latin-1 letters and Windows-1252 is among the tied candidates,
Windows-1252 wins.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass

import charset_normalizer

from glyphctx.errors import BinaryFileError

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),  # before UTF-16 LE: its BOM starts with the same two bytes
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

# C0 controls that do not occur in text (TAB, LF, VT, FF, CR and ESC do), plus DEL
_BINARY_CONTROLS = bytes([*range(0x00, 0x09), *range(0x0E, 0x1B), *range(0x1C, 0x20), 0x7F])
#: share of such bytes above which a file is taken for binary data
MAX_CONTROL_SHARE = 0.05

# languages charset-normalizer detects whose alphabet Windows-1252 covers
_LATIN1_LANGUAGES = frozenset({
    "English", "German", "French", "Dutch", "Italian", "Spanish", "Portuguese",
    "Swedish", "Norwegian", "Danish", "Finnish", "Indonesian",
})
_WESTERN_CODECS = frozenset({"cp1252", "latin_1", "iso8859_15"})
# charset-normalizer treats chaos differences below this as a tie
_CHAOS_TIE = 0.01


@dataclass(frozen=True)
class DecodedText:
    text: str
    encoding: str  # Python codec name, e.g. "utf-8", "cp1252", "utf-16-le"
    warnings: tuple[str, ...] = ()


def decode_text(data: bytes, path: str) -> DecodedText:
    """Decode a text file's bytes; raise BinaryFileError when they are not text."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return _decode_or_replace(data[len(bom):], encoding, path, label=_bom_label(encoding))
    # NUL and other control bytes are valid UTF-8, so binary data is ruled out before UTF-8 is tried
    if b"\x00" in data:
        wide = _decode_wide_without_bom(data)
        if wide is not None:
            return wide
        raise BinaryFileError(path, "looks like binary data (it contains NUL bytes), not text")
    controls = len(data) - len(data.translate(None, _BINARY_CONTROLS))
    if controls > MAX_CONTROL_SHARE * len(data):
        share = 100.0 * controls / len(data)
        raise BinaryFileError(path, f"looks like binary data ({share:.0f}% control bytes), not text")
    try:
        return DecodedText(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError:
        pass
    return _decode_legacy(data, path)


def _bom_label(encoding: str) -> str:
    return "utf-8-sig" if encoding == "utf-8" else encoding


def _decode_or_replace(data: bytes, encoding: str, path: str, *, label: str) -> DecodedText:
    try:
        return DecodedText(data.decode(encoding), label)
    except UnicodeDecodeError as error:
        text = data.decode(encoding, errors="replace")
        note = f"invalid {label} at byte {error.start}; undecodable bytes were replaced with U+FFFD"
        return DecodedText(text, label, (note,))


def _decode_wide_without_bom(data: bytes) -> DecodedText | None:
    """UTF-16/32 text without a BOM: NUL bytes in a regular pattern, mostly ASCII-range text."""
    sample = data[: 1 << 14]
    sample = sample[: len(sample) - len(sample) % 4]
    if not sample:
        return None
    quarter = len(sample) // 4
    lanes = [sample[i::4].count(0) / quarter for i in range(4)]
    if min(lanes[1:]) > 0.9 and lanes[0] < 0.1:
        candidates = ["utf-32-le"]
    elif min(lanes[:3]) > 0.9 and lanes[3] < 0.1:
        candidates = ["utf-32-be"]
    else:
        even, odd = (lanes[0] + lanes[2]) / 2, (lanes[1] + lanes[3]) / 2
        candidates = []
        if odd > 0.3 and even < 0.05:
            candidates.append("utf-16-le")
        if even > 0.3 and odd < 0.05:
            candidates.append("utf-16-be")
    for encoding in candidates:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        controls = sum(1 for ch in text[:8192] if ord(ch) < 0x20 and ch not in "\t\n\r\f\v\x1b")
        if controls <= MAX_CONTROL_SHARE * min(len(text), 8192):
            return DecodedText(text, encoding)
    return None


def _decode_legacy(data: bytes, path: str) -> DecodedText:
    matches = list(charset_normalizer.from_bytes(data))
    if not matches:
        raise BinaryFileError(path, "does not decode as text in any known encoding")
    for encoding in _ranked_encodings(matches):
        try:
            return DecodedText(data.decode(encoding), codecs.lookup(encoding).name)
        except (UnicodeDecodeError, LookupError):
            continue
    encoding = codecs.lookup(matches[0].encoding).name
    text = data.decode(encoding, errors="replace")
    return DecodedText(text, encoding, (f"not valid {encoding}; undecodable bytes were replaced with U+FFFD",))


def _ranked_encodings(matches: list) -> list[str]:
    best = matches[0]
    ranked = [m.encoding for m in matches]
    if best.encoding in _WESTERN_CODECS or best.language not in _LATIN1_LANGUAGES:
        return ranked
    floor = min(m.chaos for m in matches)
    for match in matches:
        if "cp1252" in match.could_be_from_charset and match.chaos <= floor + _CHAOS_TIE:
            return ["cp1252", *ranked]
    return ranked
