"""A one-book corpus small enough for a whole layout search in seconds: eight short, repetitive chapters."""

from pathlib import Path

PARAGRAPH = ("The river ran slowly past the old mill, and the miller counted his sacks of grain twice "
             "before the evening bell. ")


def write_book(folder: Path) -> Path:
    chapters = "\n\n".join(f"CHAPTER {n}.\n\n" + (PARAGRAPH * 5 + "\n\n") * 3 for n in range(1, 9))
    (folder / "book.txt").write_text(chapters, encoding="utf-8")
    return folder / "book.txt"
