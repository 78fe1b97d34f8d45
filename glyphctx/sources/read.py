"""Read a source's raw bytes exactly once, turning every OS failure into UnreadablePathError.

Only regular files and pipes are read: a character device such as /dev/zero or /dev/urandom
would never end, and a socket cannot be read as a document at all.
"""

from __future__ import annotations

import errno
import os
import stat
import sys
from pathlib import Path

from glyphctx.errors import UnreadablePathError

STDIN = "-"
STDIN_NAME = "<stdin>"


def read_source(source: str | os.PathLike) -> tuple[bytes, str]:
    """Return (raw bytes, display name); "-" reads standard input."""
    if isinstance(source, str) and source == STDIN:
        return _read_stdin(), STDIN_NAME
    try:
        path = Path(os.fsdecode(source))
    except TypeError:
        raise UnreadablePathError(repr(source), "is not a path") from None
    name = str(path)
    if not name:
        raise UnreadablePathError("''", "is an empty path")
    return _read_file(path, name), name


def explain_missing(path: Path) -> str:
    """Why a path that does not resolve to anything cannot be read."""
    if path.is_symlink():
        try:
            target = os.readlink(path)
        except OSError:
            target = "?"
        return f"is a broken symbolic link (to {target})"
    return "does not exist"


def _read_file(path: Path, name: str) -> bytes:
    try:
        info = path.stat()
    except FileNotFoundError:
        raise UnreadablePathError(name, explain_missing(path)) from None
    except PermissionError:
        raise UnreadablePathError(name, "cannot be reached: permission denied on a parent directory") from None
    except OSError as error:
        raise UnreadablePathError(name, _os_reason(error)) from None
    if stat.S_ISDIR(info.st_mode):
        raise UnreadablePathError(name, "is a directory, not a file")
    if not (stat.S_ISREG(info.st_mode) or stat.S_ISFIFO(info.st_mode)):
        raise UnreadablePathError(name, f"is {_special_kind(info.st_mode)}, not a regular file")
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except PermissionError:
        raise UnreadablePathError(name, "cannot be read: permission denied") from None
    except IsADirectoryError:
        raise UnreadablePathError(name, "is a directory, not a file") from None
    except OSError as error:
        raise UnreadablePathError(name, _os_reason(error)) from None


def _read_stdin() -> bytes:
    stream = sys.stdin
    if stream is None:
        raise UnreadablePathError(STDIN_NAME, "is closed")
    try:
        if stream.isatty():
            raise UnreadablePathError(STDIN_NAME, "is a terminal; pipe a document into it or give a file path")
    except (ValueError, AttributeError):
        raise UnreadablePathError(STDIN_NAME, "is closed") from None
    buffer = getattr(stream, "buffer", None)
    try:
        if buffer is not None:
            return buffer.read()
        text = stream.read()
    except (OSError, ValueError) as error:
        raise UnreadablePathError(STDIN_NAME, f"could not be read: {error}") from None
    # a text-mode replacement stream (as in tests or notebooks) has no bytes to give
    return text.encode("utf-8", errors="surrogatepass") if isinstance(text, str) else bytes(text)


def _special_kind(mode: int) -> str:
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "a special file"


def _os_reason(error: OSError) -> str:
    if error.errno == errno.ENAMETOOLONG:
        return "cannot be read: the file name is too long"
    if error.errno == errno.ELOOP:
        return "cannot be read: too many levels of symbolic links"
    if error.errno == errno.ENOTDIR:
        return "does not exist (a parent of it is not a directory)"
    reason = error.strerror or str(error)
    return f"cannot be read: {reason[:1].lower()}{reason[1:]}"
