"""Keep MuPDF's own messages off the terminal and hand them to the caller instead.

MuPDF reports repairs and syntax problems on stderr as it meets them; in a batch run that chatter
interleaves with the progress display and says nothing about which document it concerns. Inside
`collected_mupdf_messages` the messages are stored, and the caller decides whether they become a
document warning or the reason of a CorruptDocumentError.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pymupdf

_lock = threading.RLock()  # MuPDF's message switches and store are process-global


class MupdfMessages:
    """The messages MuPDF stored while the context was open (filled in when it closes)."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.closed = False

    def collect(self) -> list[str]:
        """Take the messages stored so far; after the context has closed there are no more."""
        if not self.closed:
            fresh = [line.strip() for line in pymupdf.TOOLS.mupdf_warnings(reset=True).splitlines()]
            self.lines.extend(line for line in fresh if line)
        return self.lines

    def summary(self, limit: int = 3, *, fresh: bool = False) -> str:
        """The first distinct messages (collecting new ones first if `fresh`), as one line."""
        if fresh:
            self.collect()
        distinct: list[str] = []
        for line in self.lines:
            if line not in distinct:
                distinct.append(line)
        text = "; ".join(distinct[:limit])
        return text + ("; ..." if len(distinct) > limit else "")


@contextmanager
def collected_mupdf_messages() -> Iterator[MupdfMessages]:
    messages = MupdfMessages()
    with _lock:
        show_errors = pymupdf.TOOLS.mupdf_display_errors()
        show_warnings = pymupdf.TOOLS.mupdf_display_warnings()
        pymupdf.TOOLS.mupdf_display_errors(False)
        pymupdf.TOOLS.mupdf_display_warnings(False)
        pymupdf.TOOLS.reset_mupdf_warnings()
        try:
            yield messages
        finally:
            messages.collect()
            messages.closed = True
            pymupdf.TOOLS.mupdf_display_errors(show_errors)
            pymupdf.TOOLS.mupdf_display_warnings(show_warnings)
