"""Where the kernel tests run the Triton kernels.

tests/conftest.py turns Triton's interpreter on unless TRITON_INTERPRET is set already: then the
kernels run on CPU tensors. With `TRITON_INTERPRET=0` on a machine with a CUDA GPU they run
compiled, on CUDA tensors. With neither, the tests that need Triton skip and say why.
"""

from __future__ import annotations

import pytest
import torch

from glyphctx.kernels.backend import interpreting, triton_unavailable_reason


@pytest.fixture
def triton_device() -> torch.device:
    """The device whose tensors the Triton kernels take in this process; skips where there is none."""
    cuda = not interpreting() and torch.cuda.is_available()
    device = torch.device("cuda" if cuda else "cpu")
    reason = triton_unavailable_reason(device, torch.float32)
    if reason is not None:
        pytest.skip(reason)
    return device


@pytest.fixture
def interpreter(triton_device: torch.device) -> torch.device:
    """The CPU, for tests of what the interpreter refuses; skips when the kernels are compiled."""
    if triton_device.type != "cpu":
        pytest.skip("tests what Triton's interpreter refuses; TRITON_INTERPRET is off")
    return triton_device
