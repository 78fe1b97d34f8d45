"""Shared set-up for the kernel tests.

The Triton kernels are tested on the CPU through Triton's interpreter. Triton reads
TRITON_INTERPRET once, when it is first imported, so the variable is set here: pytest loads this
conftest before any test module in this folder imports triton.
"""

from __future__ import annotations

import os

os.environ["TRITON_INTERPRET"] = "1"

import pytest  # noqa: E402
import torch  # noqa: E402


def rms_ratio(actual: torch.Tensor, expected: torch.Tensor) -> float:
    """rms(actual - expected) / rms(expected), in float64.

    A relative error measured over the whole tensor: unlike an elementwise tolerance it does not
    fail on the few elements that are near zero, and unlike a max-error it scales with the data.
    NaN anywhere (for example an output element a kernel never wrote) gives NaN, which fails any
    `< tol` check.
    """
    a = actual.detach().to(torch.float64)
    b = expected.detach().to(torch.float64)
    if a.shape != b.shape:
        raise AssertionError(f"shape mismatch: {tuple(a.shape)} vs {tuple(b.shape)}")
    denom = b.pow(2).mean().sqrt()
    num = (a - b).pow(2).mean().sqrt()
    if denom == 0:
        return float(num)
    return float(num / denom)


@pytest.fixture(name="rms_ratio")
def rms_ratio_fixture():
    """`rms_ratio` for test modules (test modules cannot import a conftest under importlib mode)."""
    return rms_ratio
