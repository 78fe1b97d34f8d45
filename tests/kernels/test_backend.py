"""The backend probe every kernel family dispatches through, and the one `backend=` convention."""

from __future__ import annotations

import pytest
import torch

from glyphctx.kernels import linear_attention, moe, ring_attention
from glyphctx.kernels.backend import BACKENDS, choose_backend, interpreting, triton_unavailable_reason
from glyphctx.kernels.checks import KernelArgumentError

CPU, CUDA = torch.device("cpu"), torch.device("cuda")


@pytest.mark.parametrize(("value", "on"), [("1", True), ("true", True), ("ON", True), ("Yes", True),
                                           ("0", False), ("", False), ("off", False), ("2", False)])
def test_interpreting_reads_the_variable_as_triton_does(monkeypatch, value, on):
    monkeypatch.setenv("TRITON_INTERPRET", value)
    assert interpreting() is on


def test_every_family_takes_the_same_backends_with_auto_by_default():
    assert BACKENDS == ("auto", "triton", "torch")
    assert linear_attention.BACKENDS == ring_attention.BACKENDS == moe.BACKENDS == BACKENDS
    defaults = [linear_attention.linear_attention, linear_attention.linear_attention_decode,
                ring_attention.ring_attention, ring_attention.flash_attention,
                ring_attention.attention_block_forward, ring_attention.attention_block_backward, moe.grouped_mm]
    for fn in defaults:
        assert fn.__kwdefaults__["backend"] == "auto", fn.__name__


def test_auto_picks_triton_for_cuda_tensors_only(monkeypatch):
    """Device types are all the rule reads, so CUDA's side of it is testable without a GPU."""
    for value in ("0", "1"):
        monkeypatch.setenv("TRITON_INTERPRET", value)
        assert choose_backend("auto", CPU, torch.float32, KernelArgumentError) == "torch"
        assert choose_backend("auto", CUDA, torch.float32, KernelArgumentError) == "triton"
        assert choose_backend("torch", CUDA, torch.float32, KernelArgumentError) == "torch"
        assert choose_backend("auto", CUDA, torch.float64, KernelArgumentError) == "torch"
        assert choose_backend("auto", CUDA, torch.float32, KernelArgumentError, "too wide") == "torch"


def test_compiled_kernels_need_cuda_and_the_interpreter_refuses_bfloat16(monkeypatch):
    monkeypatch.setenv("TRITON_INTERPRET", "0")
    assert "CUDA tensors" in triton_unavailable_reason(CPU, torch.float32)
    assert triton_unavailable_reason(CUDA, torch.bfloat16) is None
    monkeypatch.setenv("TRITON_INTERPRET", "1")
    assert triton_unavailable_reason(CPU, torch.float16) is None
    assert "bfloat16" in triton_unavailable_reason(CPU, torch.bfloat16)


def test_forced_triton_that_cannot_run_and_unknown_backends_raise_the_family_error(monkeypatch):
    class FamilyError(KernelArgumentError):
        pass

    monkeypatch.setenv("TRITON_INTERPRET", "0")
    with pytest.raises(FamilyError, match="^backend: 'triton' cannot run here: tensors are on cpu") as info:
        choose_backend("triton", CPU, torch.float32, FamilyError)
    assert info.value.argument == "backend"
    with pytest.raises(FamilyError, match="too wide"):
        choose_backend("triton", CUDA, torch.float32, FamilyError, "too wide")
    with pytest.raises(FamilyError, match="got None"):
        choose_backend(None, CPU, torch.float32, FamilyError)
