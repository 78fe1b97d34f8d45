"""Suite-wide set-up.

Triton makes each kernel interpreted or compiled when the kernel's module is first imported, from
TRITON_INTERPRET at that moment, and modules anywhere in the suite (the model, the kernels) import
them; set here, before any test module loads, unless the caller set it. By default, then, the
Triton kernels run on the CPU through the interpreter. On a machine with a CUDA GPU,

    TRITON_INTERPRET=0 pytest tests/kernels

runs the compiled kernels instead, on CUDA tensors (see the `triton_device` fixture in
tests/kernels/conftest.py).
"""

import os

import pytest

os.environ.setdefault("TRITON_INTERPRET", "1")


@pytest.fixture(scope="session")
def local_ray():
    """One local Ray (2 CPUs, a small object store, no dashboard) for every test that needs one."""
    os.environ.setdefault("RAY_AUTH_MODE", "disabled")
    import ray

    ray.init(num_cpus=2, object_store_memory=120 * 1024 * 1024, include_dashboard=False, logging_level="WARNING")
    yield ray
    ray.shutdown()


@pytest.fixture(scope="session")
def tiny_vlm(tmp_path_factory):
    """A tiny random Qwen2-VL folder (weights, processor, chat template), built once per session."""
    from tests.tiny_models import save_tiny_vlm

    return save_tiny_vlm(tmp_path_factory.mktemp("tiny-vlm"))


@pytest.fixture(scope="session")
def tiny_reader(tmp_path_factory):
    """A randomly initialised GlyphLM reader checkpoint, laid out as `glyphctx train` writes one."""
    from tests.tiny_models import save_tiny_reader

    return save_tiny_reader(tmp_path_factory.mktemp("runs") / "tiny-reader")


@pytest.fixture(scope="session")
def chapter():
    """The first chapter of Pride and Prejudice, as the tests' prose."""
    from pathlib import Path

    return (Path(__file__).resolve().parent / "data" / "pride-and-prejudice-ch1.txt").read_text(encoding="utf-8")
