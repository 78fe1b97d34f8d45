"""Expand command-line inputs into the list of documents a batch run will read.

Directories are walked recursively in sorted order, so a batch run and its resumption see the same
order. Hidden files and folders (".git", ".DS_Store") are skipped, and so are names whose suffix is
not a supported document. A file named explicitly is always kept, whatever its suffix: the caller
asked for it, and `load_document` will say what it is if it cannot be read.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from glyphctx.errors import UnreadablePathError
from glyphctx.sources.formats import SUPPORTED_SUFFIXES, suffix_of
from glyphctx.sources.read import STDIN, explain_missing


def discover(inputs: Sequence[str | os.PathLike]) -> list[Path | str]:
    if isinstance(inputs, (str, bytes, os.PathLike)):
        inputs = [inputs]  # a lone path is a common slip; treat it as a list of one
    found: list[Path | str] = []
    seen: set[str] = set()

    def keep(item: Path | str, key: str) -> None:
        if key not in seen:
            seen.add(key)
            found.append(item)

    for given in inputs:
        if isinstance(given, str) and given == STDIN:
            keep(STDIN, STDIN)
            continue
        try:
            path = Path(os.fsdecode(given))
        except TypeError:
            raise UnreadablePathError(repr(given), "is not a path") from None
        try:
            is_dir, exists = path.is_dir(), path.exists()
        except OSError as error:  # e.g. a parent folder that may not be entered
            raise UnreadablePathError(path, f"cannot be reached: {(error.strerror or str(error)).lower()}") from None
        if is_dir:
            for document in _walk(path):
                keep(document, _identity(document))
        elif exists:
            keep(path, _identity(path))
        else:
            raise UnreadablePathError(path, explain_missing(path))
    return found


def _walk(root: Path) -> list[Path]:
    documents: list[Path] = []

    def refuse(error: OSError) -> None:
        where = error.filename or root
        raise UnreadablePathError(where, f"cannot be listed: {(error.strerror or str(error)).lower()}")

    # symlinked folders are not followed: they can loop, and they lead outside the given tree
    for folder, subfolders, files in os.walk(root, onerror=refuse):
        subfolders[:] = sorted(name for name in subfolders if not name.startswith("."))
        for name in sorted(files):
            if not name.startswith(".") and suffix_of(name) in SUPPORTED_SUFFIXES:
                documents.append(Path(folder) / name)
    # one total order over the tree, as a sorted listing of relative paths would give
    documents.sort(key=lambda document: document.relative_to(root).parts)
    return documents


def _identity(path: Path) -> str:
    try:
        return str(path.resolve())
    except (OSError, RuntimeError):
        return str(path.absolute())
