"""The accuracy check of every kernel test and benchmark: an RMS ratio against a reference.

rms(actual - expected) / rms(expected) over the whole tensor is a relative error that, unlike an
elementwise tolerance, does not fail on the few elements near zero and, unlike a max error,
scales with the data. NaN anywhere (an output element a kernel never wrote, where the buffer
started as NaN) gives NaN, which fails every `< tol` check.
"""

from __future__ import annotations

import torch

#: RMS ratio a correct kernel stays under against a float32 reference, by input dtype; the
#: benchmarks' parity checks use it (rounding the inputs alone costs ~2e-3 in bfloat16)
PARITY_TOLERANCE = {torch.float32: 1e-4, torch.float16: 1e-2, torch.bfloat16: 3e-2}


def rms_ratio(actual: torch.Tensor, expected: torch.Tensor) -> float:
    """rms(actual - expected) / rms(expected) in float64, on expected's device (rms alone if it is 0)."""
    a = actual.detach().to(device=expected.device, dtype=torch.float64)
    b = expected.detach().to(torch.float64)
    if a.shape != b.shape:
        raise AssertionError(f"shape mismatch: {tuple(a.shape)} vs {tuple(b.shape)}")
    num = (a - b).pow(2).mean().sqrt()
    denom = b.pow(2).mean().sqrt()
    return float(num if denom == 0 else num / denom)


def assert_close_rms(actual: torch.Tensor, expected: torch.Tensor, tol: float, what: str = "result") -> float:
    """Fail unless `rms_ratio(actual, expected) < tol`, naming `what` and the ratio; returns the ratio."""
    ratio = rms_ratio(actual, expected)
    if not ratio < tol:
        raise AssertionError(f"{what}: rms ratio {ratio:.3e} against the reference is not below {tol:.1e}")
    return ratio


def require_parity(actual: torch.Tensor, expected: torch.Tensor, tol: float, what: str) -> float:
    """`assert_close_rms` for a benchmark: a kernel that disagrees ends the run (exit status 1).

    Timings of a wrong kernel mean nothing, so the benchmark stops before timing it.
    """
    try:
        return assert_close_rms(actual, expected, tol, what)
    except AssertionError as exc:
        raise SystemExit(f"parity mismatch, nothing more is timed: {exc}") from None
