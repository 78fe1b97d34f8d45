import subprocess
import sys
import textwrap

import pytest

from glyphctx.errors import OutputError
from glyphctx.io.atomic import atomic_open, atomic_write_bytes, atomic_write_text


def test_writes_replace_the_target_whole(tmp_path):
    target = tmp_path / "sub" / "file.txt"
    atomic_write_text(target, "first")
    atomic_write_text(target, "second")
    assert target.read_text() == "second"
    assert [p.name for p in target.parent.iterdir()] == ["file.txt"]


def test_an_error_inside_the_block_leaves_the_old_file_and_no_temporary(tmp_path):
    target = tmp_path / "file.bin"
    atomic_write_bytes(target, b"old")
    with pytest.raises(RuntimeError):
        with atomic_open(target) as stream:
            stream.write(b"half of the new cont")
            raise RuntimeError("interrupted")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["file.bin"]


def test_a_killed_process_never_leaves_a_truncated_target(tmp_path):
    target = tmp_path / "page.png"
    script = textwrap.dedent(
        f"""
        import os
        from glyphctx.io.atomic import atomic_open
        with atomic_open({str(target)!r}) as stream:
            stream.write(b"x" * 1000)
            stream.flush()
            os._exit(9)  # killed mid-write: no cleanup runs
        """
    )
    completed = subprocess.run([sys.executable, "-c", script])
    assert completed.returncode == 9
    assert not target.exists()
    leftovers = list(tmp_path.iterdir())
    assert all(p.name.startswith(".tmp-page.png-") for p in leftovers)


def test_an_unwritable_folder_is_a_typed_error(tmp_path):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    with pytest.raises(OutputError, match="not-a-dir"):
        atomic_write_text(blocker / "file.txt", "x")


def test_a_directory_in_the_way_is_a_typed_error_and_leaves_nothing_behind(tmp_path):
    target = tmp_path / "page.png"
    target.mkdir()
    with pytest.raises(OutputError, match="page.png"):
        atomic_write_bytes(target, b"data")
    assert [p.name for p in tmp_path.iterdir()] == ["page.png"]
