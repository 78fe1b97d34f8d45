"""Rendering pauses the cyclic collector and always leaves it as it found it."""

import gc
import threading

import pytest

from glyphctx.render import render_text
from glyphctx.render.gc_pause import gc_paused


@pytest.fixture
def collector_state():
    enabled = gc.isenabled()
    yield
    gc.enable() if enabled else gc.disable()


def test_the_collector_is_off_inside_and_back_after_nested_blocks_and_errors(collector_state):
    gc.enable()
    with gc_paused():
        assert not gc.isenabled()
        with gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the outer block still runs
    assert gc.isenabled()
    with pytest.raises(RuntimeError):
        with gc_paused():
            raise RuntimeError("a failed render")
    assert gc.isenabled()


def test_a_collector_switched_off_by_the_caller_stays_off(collector_state):
    gc.disable()
    render_text("A few words.")
    assert not gc.isenabled()


def test_overlapping_renders_in_threads_leave_the_collector_on(collector_state):
    gc.enable()
    inside, release = threading.Event(), threading.Event()

    def long_render():
        with gc_paused():
            inside.set()
            release.wait(10)

    thread = threading.Thread(target=long_render)
    thread.start()
    inside.wait(10)
    with gc_paused():  # starts while the other is paused, ends first
        pass
    assert not gc.isenabled()  # the other render is still running
    release.set()
    thread.join(10)
    assert gc.isenabled()
