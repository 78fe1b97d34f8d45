"""Triton kernels, each beside the plain PyTorch reference it is tested against.

Installed as `glyphctx.kernels`. Every family (linear_attention, ring_attention, moe) lays out
the same roles in the same files: `naive.py` (the readable reference), `torch_*.py` (the fast
PyTorch path), `triton_*.py` (the Triton kernels), `autograd.py` (their autograd Function),
`dispatch.py` (the public entry that picks a backend) and `checks.py` (argument checks and the
family's error). They share `backend.py` (the `backend=` values, "auto" by default, and the one
test of whether Triton can run here), `checks.py` (how a bad argument is reported) and
`testing.py` (the RMS-ratio accuracy check of the tests and benchmarks).
"""
