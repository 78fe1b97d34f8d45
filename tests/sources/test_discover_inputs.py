"""discover(): directories expanded into document lists, explicit files kept."""

from __future__ import annotations

from pathlib import Path

import pytest

from glyphctx.errors import UnreadablePathError
from glyphctx.sources import SUPPORTED_SUFFIXES, discover


def _touch(root: Path, *names: str) -> None:
    for name in names:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x", encoding="utf-8")


def test_supported_suffixes():
    assert {".txt", ".md", ".markdown", ".text", ".pdf"} <= SUPPORTED_SUFFIXES
    assert all(suffix.startswith(".") and suffix == suffix.lower() for suffix in SUPPORTED_SUFFIXES)


def test_directory_is_walked_sorted_skipping_hidden_and_unsupported(tmp_path):
    _touch(tmp_path, "b.txt", "a.md", "c.PDF", "notes.markdown", "image.png", "script.py", ".hidden.txt",
           ".git/config.txt", "sub/z.txt", "sub/a.pdf", "sub/.cache/x.md", "a/deep/er.text")
    found = discover([tmp_path])
    assert [p.relative_to(tmp_path).as_posix() for p in found] == [
        "a/deep/er.text", "a.md", "b.txt", "c.PDF", "notes.markdown", "sub/a.pdf", "sub/z.txt",
    ]
    assert all(isinstance(p, Path) for p in found)


def test_explicit_files_are_kept_whatever_their_suffix(tmp_path):
    _touch(tmp_path, "README", "data.csv")
    assert discover([tmp_path / "README", str(tmp_path / "data.csv")]) == [tmp_path / "README", tmp_path / "data.csv"]


def test_stdin_passes_through_and_order_is_kept(tmp_path):
    _touch(tmp_path, "docs/one.txt", "two.md")
    found = discover([tmp_path / "two.md", "-", tmp_path / "docs"])
    assert found == [tmp_path / "two.md", "-", tmp_path / "docs" / "one.txt"]


def test_duplicates_are_dropped(tmp_path):
    _touch(tmp_path, "one.txt")
    assert discover([tmp_path, tmp_path / "one.txt", tmp_path]) == [tmp_path / "one.txt"]


def test_missing_input_raises(tmp_path):
    with pytest.raises(UnreadablePathError) as caught:
        discover([tmp_path / "absent.txt"])
    assert caught.value.path == str(tmp_path / "absent.txt") and "does not exist" in caught.value.reason


def test_broken_symlink_input_raises(tmp_path):
    link = tmp_path / "dangling.md"
    link.symlink_to(tmp_path / "target.md")
    with pytest.raises(UnreadablePathError) as caught:
        discover([link])
    assert "broken symbolic link" in caught.value.reason


def test_symlinked_folders_inside_a_tree_are_not_followed(tmp_path):
    _touch(tmp_path, "real/doc.txt")
    (tmp_path / "real" / "loop").symlink_to(tmp_path / "real")
    assert discover([tmp_path / "real"]) == [tmp_path / "real" / "doc.txt"]


def test_empty_directory_gives_nothing(tmp_path):
    assert discover([tmp_path]) == []
