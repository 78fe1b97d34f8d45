"""A document past the model's window is refused before the model runs, with the numbers and two ways out."""

import math

import pytest

from glyphctx.answering import ContextTooLongError, Pipeline, PipelineConfig
from glyphctx.api import compress
from glyphctx.errors import GlyphctxError
from tests.tiny_models import save_tiny_vlm

WINDOW = 50
SEARCHED = "page_width: 2000\npage_height: 3000\nfont_size: 6\nline_height: 7\n"  # one big page: fewest tokens


@pytest.fixture(scope="module")
def short_window_vlm(tmp_path_factory):
    return save_tiny_vlm(tmp_path_factory.mktemp("short-vlm"), window=WINDOW)


def never_runs(*args, **kwargs):
    raise AssertionError("the model ran on an input that does not fit")


def pipeline_for(folder, **settings):
    pipeline = Pipeline(PipelineConfig(model=str(folder), prompt="{question}", max_new_tokens=6, **settings))
    pipeline.model.answer = never_runs
    pipeline.model.answer_text = never_runs
    return pipeline


def test_too_long_names_the_densest_config_that_fits_and_the_ring_processes(short_window_vlm, chapter, tmp_path):
    searched = tmp_path / "best.yaml"
    searched.write_text(SEARCHED)
    pipeline = pipeline_for(short_window_vlm, searched=(str(searched),))
    with pytest.raises(ContextTooLongError) as caught:
        pipeline.ask(chapter, "Who?")
    error = caught.value
    model = pipeline.model
    result = pipeline.prepare(chapter)
    needed = result.budget.visual_tokens + model.visual_prompt_tokens(len(result.pages), "Who?") + 6
    assert (error.needed, error.window, error.processes) == (needed, WINDOW, math.ceil(needed / WINDOW))
    assert error.alternative == str(searched)
    # the alternative is priced with the same accounting: the model's own processor rule
    assert error.alternative_tokens == (
        compress(chapter, config=str(searched), profile=model.profile).budget.visual_tokens
    )
    message = str(error)
    for part in (f"{result.budget.visual_tokens} visual tokens", f"{needed} positions", f"the {WINDOW} that",
                 f"render denser: {searched} needs {error.alternative_tokens} visual tokens", "which fits",
                 f"ring attention across {error.processes} processes"):
        assert part in message, message
    assert isinstance(error, GlyphctxError) and error.code == "too-long"


def test_when_no_config_fits_the_message_says_so(short_window_vlm, chapter):
    pipeline = pipeline_for(short_window_vlm)
    with pytest.raises(ContextTooLongError, match=r"No render config fits \(the densest, .* still needs") as caught:
        pipeline.ask(chapter, "Who?")
    assert caught.value.alternative is None and caught.value.processes == 2


def test_plain_text_past_the_window_is_refused_too(short_window_vlm, chapter):
    pipeline = pipeline_for(short_window_vlm)
    with pytest.raises(ContextTooLongError, match="as plain text the prompt takes") as caught:
        pipeline.ask_text(chapter[:2000], "Who?")
    assert caught.value.processes == math.ceil(caught.value.needed / WINDOW) > 1


def test_a_reader_is_checked_against_its_own_window(tiny_reader, chapter):
    pipeline = pipeline_for(tiny_reader)
    text = chapter * 4  # about 37,000 characters: some 3,700 one-line pages' tokens, past 4,096 positions
    with pytest.raises(ContextTooLongError) as caught:
        pipeline.ask(text, "Who?")
    assert caught.value.window == pipeline.model.reader.window
    assert "the reader's own render config" in str(caught.value)
    assert "(a reader trained on that config)" in str(caught.value) or "No render config fits" in str(caught.value)
