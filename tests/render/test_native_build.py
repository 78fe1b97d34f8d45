"""The C extension compiles from its source, and is the one in use, wherever there is a C compiler.

It is optional at install time (pyproject.toml), so a compile error would otherwise pass unnoticed as
the slower NumPy path.
"""

import importlib.util
import shutil
import sys
import sysconfig
from pathlib import Path

import numpy as np
import pytest

from glyphctx.render import native

SOURCE = Path(native.__file__).with_name("_blit.c")


def c_compiler() -> str | None:
    command = (sysconfig.get_config_var("CC") or "cc").split()
    return shutil.which(command[0]) if command else None


needs_compiler = pytest.mark.skipif(c_compiler() is None, reason="no C compiler on this machine")


@needs_compiler
def test_the_extension_is_built_and_loaded():
    assert native.blit is not None, "glyphctx.render._blit did not build: reinstall and read the compiler's errors"


@needs_compiler
def test_the_source_compiles_without_warnings_and_works(tmp_path):
    setuptools = pytest.importorskip("setuptools")
    from setuptools.command.build_ext import build_ext

    strict = [] if sys.platform == "win32" else ["-Werror"]
    extension = setuptools.Extension("_blit", [str(SOURCE)], extra_compile_args=strict)
    command = build_ext(setuptools.Distribution({"name": "blit-check", "ext_modules": [extension]}))
    command.build_lib, command.build_temp = str(tmp_path / "lib"), str(tmp_path / "temp")
    command.ensure_finalized()
    command.run()
    spec = importlib.util.spec_from_file_location("_blit", command.get_ext_fullpath("_blit"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    canvas = np.zeros((3, 4), np.uint8)
    module.paste_at(canvas, 1, [1], [np.full((1, 2), 7, np.uint8)])
    assert canvas.tolist() == [[0, 0, 0, 0], [0, 7, 7, 0], [0, 0, 0, 0]]
