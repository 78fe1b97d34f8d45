"""Content hashes of files: the keys that resumable outputs are matched on."""

from __future__ import annotations

import hashlib
import os

from glyphctx.errors import UnreadablePathError


def file_sha256(path: str | os.PathLike) -> str:
    """SHA-256 of a file's bytes, read in 1 MiB blocks (memory stays flat for large inputs)."""
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as stream:
            for block in iter(lambda: stream.read(1 << 20), b""):
                digest.update(block)
    except OSError as exc:
        raise UnreadablePathError(path, exc.strerror or str(exc)) from None
    return digest.hexdigest()
