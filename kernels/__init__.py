"""Triton kernels, each beside the plain PyTorch reference it is tested against.

Installed as `glyphctx.kernels`. Each family dispatches to Triton on CUDA and to PyTorch elsewhere.
"""
