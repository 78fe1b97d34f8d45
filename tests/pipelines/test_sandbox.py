"""The killable child process that runs each document's work under a time limit."""

from __future__ import annotations

import math
import os
import time

import pytest

from glyphctx.pipelines.sandbox import ChildCrashed, Sandbox, TimeLimitExceeded


def test_calls_return_values_and_reraise_exceptions():
    sandbox = Sandbox()
    try:
        assert sandbox.call(math.sqrt, 16.0, timeout=30) == 4.0
        with pytest.raises(ValueError, match="math domain error"):
            sandbox.call(math.sqrt, -1.0, timeout=30)
        assert sandbox.call(os.getpid, timeout=30) != os.getpid()  # it ran elsewhere
    finally:
        sandbox.close()


def test_a_call_over_its_time_limit_is_killed_and_the_next_call_gets_a_fresh_child():
    sandbox = Sandbox(warmup=math.sqrt, warmup_args=(1.0,))
    try:
        first = sandbox.call(os.getpid, timeout=30)
        started = time.monotonic()
        with pytest.raises(TimeLimitExceeded):
            sandbox.call(time.sleep, 60, timeout=0.5)
        assert time.monotonic() - started < 10
        with pytest.raises(ProcessLookupError):
            os.kill(first, 0)  # the hung child is gone
        assert sandbox.call(os.getpid, timeout=30) != first
    finally:
        sandbox.close()


def test_a_child_that_dies_is_reported_and_replaced():
    sandbox = Sandbox()
    try:
        with pytest.raises(ChildCrashed):
            sandbox.call(os._exit, 9, timeout=30)
        assert sandbox.call(math.sqrt, 9.0, timeout=30) == 3.0
    finally:
        sandbox.close()


def test_printing_in_the_child_does_not_corrupt_replies():
    sandbox = Sandbox()
    try:
        assert sandbox.call(print, "noise on stdout", timeout=30) is None
        assert sandbox.call(math.sqrt, 4.0, timeout=30) == 2.0
    finally:
        sandbox.close()
