"""Page selections as people write them on a command line: "3", "1-10", "2-", "-5", "1,4-6"."""

from __future__ import annotations

import re

from glyphctx.errors import PageRangeError

_ITEM = re.compile(r"^(?:(\d+)|(\d*)\s*-\s*(\d*))$")


def parse_page_range(spec: str, page_count: int, *, path: str) -> list[int]:
    """Return the selected 1-based page numbers, ascending and without repeats.

    Items are separated by commas: a page ("3"), a closed range ("1-10"), an open end ("2-": to
    the last page) or an open start ("-5": from the first page). Every page named must exist, so a
    typo fails loudly instead of silently selecting less.
    """
    if not isinstance(spec, str) or not spec.strip():
        raise PageRangeError(path, f"empty page range {spec!r}; write pages like 3, 1-10, 2- or 1,4-6")
    selected: set[int] = set()
    for item in spec.split(","):
        item = item.strip()
        match = _ITEM.match(item)
        if match is None or item == "-":
            raise PageRangeError(
                path, f"malformed page range {spec!r} at {item!r}; write pages like 3, 1-10, 2- or 1,4-6"
            )
        single, start_text, end_text = match.groups()
        if single is not None:
            start = end = int(single)
        else:
            start = int(start_text) if start_text else 1
            end = int(end_text) if end_text else page_count
        if start < 1 or end < 1:
            raise PageRangeError(path, f"page numbers start at 1, but the range {spec!r} names page 0")
        for page in (start, end):
            if page > page_count:
                noun = "page" if page_count == 1 else "pages"
                raise PageRangeError(path, f"page {page} is out of range: the document has {page_count} {noun}")
        if start > end:
            raise PageRangeError(path, f"page range {item!r} in {spec!r} runs backwards")
        selected.update(range(start, end + 1))
    return sorted(selected)
