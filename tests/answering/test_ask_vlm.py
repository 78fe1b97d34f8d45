"""`Pipeline.ask` with a tiny transformers VLM saved to a folder: counts, timings and the text baseline."""

import pytest
from PIL import Image

from glyphctx.answering import Answer, Pipeline, PipelineConfig

STAGES = {"extract", "normalise", "render", "tokens", "encode", "generate"}


@pytest.fixture(scope="module")
def pipeline(tiny_vlm):
    return Pipeline(PipelineConfig(model=str(tiny_vlm), max_new_tokens=6))


def test_ask_answers_from_pages_with_the_budget_the_model_actually_took(pipeline, chapter):
    answer = pipeline.ask(chapter, "Who has taken Netherfield?")
    assert isinstance(answer, Answer) and answer.mode == "visual" and answer.model == pipeline.model.name
    assert isinstance(answer.text, str) and len(answer.text) <= 6  # one character per token
    assert answer.warnings == ()  # the processor's rule and the model's real input agree
    model = pipeline.model
    result = pipeline.prepare(chapter)
    assert answer.pages == len(result.pages) >= 2
    assert answer.visual_tokens == sum(model.profile.tokens_for(*p.size) for p in result.pages)
    assert answer.text_tokens == len(model.tokenizer(result.text, add_special_tokens=False)["input_ids"])
    assert answer.ratio == pytest.approx(answer.text_tokens / answer.visual_tokens)
    assert answer.input_tokens == answer.visual_tokens + model.visual_prompt_tokens(answer.pages, answer.question)
    assert STAGES <= set(answer.timings) and all(t >= 0 for t in answer.timings.values())
    assert answer.to_dict()["answer"] == answer.text
    again = pipeline.ask(chapter, "Who has taken Netherfield?")
    assert again.text == answer.text  # greedy decoding


def test_processor_rule_matches_expanding_a_real_image(pipeline):
    model = pipeline.model
    for width, height in ((588, 840), (100, 60), (1200, 300)):
        blank = Image.new("RGB", (width, height), "white")
        ids = model.processor(images=[blank], text=[model.processor.image_token], return_tensors="np")["input_ids"][0]
        assert model.profile.tokens_for(width, height) == int((ids == model.image_token_id).sum())


def test_text_baseline_uses_the_same_model_on_the_plain_text(pipeline, chapter):
    text = chapter[:250]
    visual = pipeline.ask(text, "Who?")
    plain = pipeline.ask_text(text, "Who?")
    assert plain.mode == "text" and plain.model == visual.model and isinstance(plain.text, str)
    assert plain.budget == visual.budget  # one document, one accounting
    assert plain.input_tokens == pipeline.model.text_prompt_tokens(pipeline.prepare(text).text, "Who?")
    assert plain.input_tokens > plain.text_tokens > visual.visual_tokens
    assert {"extract", "generate"} <= set(plain.timings) and "render" not in plain.timings


def test_compress_and_encode_use_the_pipelines_named_parts(pipeline, chapter):
    result = pipeline.compress(chapter)
    assert result.budget.profile == "qwen2.5-vl" and result.budget.tokenizer == "tekken"
    encoded = pipeline.encode(chapter)
    assert len(encoded.tokens) == len(encoded.result.pages)
    encoder = pipeline._encoder
    for page, tokens in zip(encoded.result.pages, encoded.tokens):
        assert tokens.shape == (encoder.tokens_for(*page.size), encoder.config.out_dim)
    assert encoded.visual_tokens == encoded.result.budget.visual_tokens  # encoder-tiny follows qwen2.5-vl
    assert "encode" in encoded.timings


def test_reader_checkpoint_reads_its_own_pages(tiny_reader, chapter):
    pipeline = Pipeline(PipelineConfig(model=str(tiny_reader), render="legible", max_new_tokens=4))
    answer = pipeline.ask(chapter[:400], "Who?")
    reader = pipeline.model.reader
    pages = pipeline.prepare(chapter[:400]).pages
    assert all(p.image.shape == (12, 384) for p in pages)  # the reader's config, not "legible"
    assert answer.visual_tokens == sum(reader.encoder.tokens_for(*p.size) for p in pages)
    assert answer.input_tokens == answer.visual_tokens + 2 + len(b"Who?") + 2  # boundaries, question marks
    assert answer.text_tokens == len(pipeline.prepare(chapter[:400]).text.encode()) and answer.warnings == ()
    assert {"encode", "generate"} <= set(answer.timings)
    plain = pipeline.ask_text(chapter[:400], "Who?")
    expected = reader.answer_text(pipeline.prepare(chapter[:400]).text, "Who?", max_new_tokens=4).strip()
    assert plain.text == expected
    encoded = pipeline.encode(chapter[:400])
    assert [t.shape[0] for t in encoded.tokens] == [reader.encoder.tokens_for(*p.size) for p in encoded.result.pages]
    visual = pipeline.model.answer([p.image for p in pages], "Who?", 4)
    assert visual.text == reader.answer([p.image for p in pages], "Who?", max_new_tokens=4).strip()
