"""The page reader: its config, line pages and tokens, batches, save/load, and reading with a random model."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from glyphctx.common.corpus import Corpus
from glyphctx.encode import EncoderConfig, EncoderProfile
from glyphctx.errors import ConfigError, ContextTooLongError
from glyphctx.normalise import normalise_text
from glyphctx.reader import GlyphReader, ReaderTokenizer, load_reader_config
from glyphctx.reader.lines import render_lines
from glyphctx.reader.task import IGNORE, ReaderTask
from glyphctx.tokens import load_tokenizer

DATA = Path(__file__).resolve().parents[1] / "data"
TEXT = normalise_text((DATA / "pride-and-prejudice-ch1.txt").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def reader():
    return GlyphReader.from_preset("tiny-reader", seed=0)


@pytest.fixture(scope="module")
def task():
    half = len(TEXT) // 2
    return ReaderTask(Corpus(train=[TEXT[:half]], held_out=[TEXT[half:]]), batch_size=8, passages=2, eval_lines=4)


def test_a_line_page_costs_what_the_encoder_rule_says_and_carries_two_text_tokens_per_visual_token(reader):
    lines = render_lines(TEXT, reader.render_config)
    assert {line.image.shape for line in lines} == {(12, 384)}  # one size: pages batch without padding
    tokens = reader.visual_tokens([line.image for line in lines[:5]])
    assert [t.shape[0] for t in tokens] == [reader.encoder.tokens_for(384, 12)] * 5 == [8] * 5
    text_tokens = len(load_tokenizer(None).encode(TEXT))
    assert text_tokens / (8 * len(lines)) > 1.5


def test_line_shaped_tokens_pad_pages_instead_of_scaling_them():
    config = EncoderConfig(patch_size=12, compressor="merge1x3-mlp", resize="pad", profile=None, img_size=[12, 360])
    profile = EncoderProfile("lines", config)
    assert profile.input_size(350, 12) == (360, 12) and profile.grid(350, 12) == (10, 1)
    assert profile.grid(37, 13) == (2, 2)
    with pytest.raises(ConfigError, match="square token"):
        EncoderConfig(compressor="merge1x3-mlp", resize="smart")
    with pytest.raises(ConfigError, match="img_size"):
        EncoderConfig(img_size=[12, 360, 3])


def test_batches_depend_on_seed_step_and_micro_batch_only(task):
    first, again, other = task.batch(3, 1, 7), task.batch(3, 1, 7), task.batch(4, 1, 7)
    for key in ("pixels", "input_ids", "labels"):
        assert torch.equal(first[key], again[key])
    assert not torch.equal(first["input_ids"], other["input_ids"])
    ids, labels = first["input_ids"], first["labels"]
    assert ids.shape[0] == 8 and first["pixels"].shape == (8, 1, 12, 384)
    assert torch.equal(first["positions"], again["positions"])
    assert set(ids[:, 0].tolist()) <= {ReaderTokenizer.transcribe, ReaderTokenizer.continue_}
    assert (labels[:, 0] == IGNORE).all()  # the task token is given, never predicted
    for row, target in zip(ids, labels):
        real = target != IGNORE
        assert torch.equal(target[real], row[real]) and row[real][-1] == ReaderTokenizer.eos


def test_aligned_positions_put_each_token_among_the_characters_it_shows(reader):
    layout = reader.layout
    assert layout.aligned and layout.chars_per_token == pytest.approx(12, rel=1e-4) and layout.first_char == 0
    prefix = layout.prefix([8])
    assert prefix == [0, 7, 19, 31, 43, 55, 67, 79, 91, 98]  # token j at the middle of characters 12j..12j+11
    transcript = layout.positions([8], 30, transcript=True)
    for k in range(30):  # the input predicting character k sits at k + 1, at most six from its token
        assert transcript[10 + k] == k + 1 and prefix[1 + k // 12] - (k + 1) in range(-5, 7)
    follow = layout.positions([8], 5, transcript=False)
    assert follow[10:] == list(range(prefix[-1] + 1, prefix[-1] + 6))  # a continuation comes after the page
    two_pages = layout.prefix([8, 8])
    assert two_pages[9] > two_pages[8] and len(two_pages) == 18


def test_a_multi_byte_character_takes_one_position_in_training_and_in_decoding(reader):
    text = "a\u2019b\u00e6c"  # a curly apostrophe (3 bytes) and an ash (2 bytes): five characters
    ids = [ReaderTokenizer.transcribe, *ReaderTokenizer.encode(text), ReaderTokenizer.eos]
    positions = reader.layout.positions([8], len(ids), transcript=True, ids=ids)[10:]
    # input k sits at the position of the character holding byte k; the end of text after the last one
    assert positions == [1, 2, 2, 2, 3, 4, 4, 5, 6, 7]
    pending = [0]
    decoded = [positions[0]]
    for token in ids[1:]:
        decoded.append(decoded[-1] + int(reader._steps(torch.tensor([token]), pending, by_character=True)[0, 0]))
    assert decoded == positions
    ascii_only = reader.layout.positions([8], 6, transcript=True, ids=[ReaderTokenizer.transcribe, *b"abcd"])
    assert ascii_only[10:] == [1, 2, 3, 4, 5, 6]  # inputs past the ids go on one a byte


def test_every_character_sits_on_the_grid_so_each_token_shows_twelve(reader):
    text = "It is a truth universally acknowledged, that a single man in possession of a good fortune"
    (line,) = render_lines(text, reader.render_config)[:1]
    assert len(line.text) >= 88
    characters = reader.layout.token_characters(line.text, 8)
    assert [chr(c) for c in characters[0][:12]] == list(line.text[:12]) and characters[0][12] == -100
    assert [chr(c) for c in characters[1][:12]] == list(line.text[12:24])
    ink = np.where((line.image < 128).any(axis=0))[0]
    assert ink.max() < 4 * len(line.text) + 2  # 4 px a character, spaces included

def _character_of_each_input(ids: list[int]) -> list[int]:
    """Input k predicts byte k of the target: the index of the character that byte belongs to (bytes past
    the text, the end of text and padding, count one character each)."""
    text = bytes(ids[1:ids.index(ReaderTokenizer.eos)]).decode("utf-8")
    owners = [i for i, char in enumerate(text) for _ in char.encode("utf-8")]
    return owners + list(range(len(text), len(text) + len(ids) - len(owners)))


def test_training_positions_follow_each_sample_s_render_config(monkeypatch):
    # The preset's own sampler keeps every character 12 to a token; this one also draws half the passages
    # 3 px a character (16 to a token) from a 4.5 px margin, so a batch that used one layout for all
    # samples would put half its rows at the wrong positions.
    preset = load_reader_config("tiny-reader").render
    narrow = preset.replace(horizontal_scale=preset.horizontal_scale * 0.75, margin_left=4.5)
    monkeypatch.setattr("glyphctx.reader.task.sample_config", lambda base, rng: narrow if rng.random() < 0.5 else base)
    half = len(TEXT) // 2
    task = ReaderTask(Corpus(train=[TEXT[:half]], held_out=[TEXT[half:]]), batch_size=8, passages=4)
    drawn = []
    layout_for = task._layout
    monkeypatch.setattr(task, "_layout", lambda render: drawn.append(render) or layout_for(render))
    batch = task.batch(5, 0, 1)
    assert len(drawn) == 8 and set(drawn) == {preset, narrow}
    # [begin, token j at the middle of its characters, end], and where the first character's cell is
    geometry = {preset: ([0, 7, 19, 31, 43, 55, 67, 79, 91, 98], 1),
                narrow: ([0, 9, 25, 41, 57, 73, 89, 105, 121, 130], 2)}
    tasks = set()
    for config, row, ids in zip(drawn, batch["positions"].tolist(), batch["input_ids"].tolist()):
        prefix, first = geometry[config]
        assert row[:10] == prefix
        if ids[0] == ReaderTokenizer.transcribe:  # over the characters predicted, a multi-byte one once
            assert row[10:] == [first + k for k in _character_of_each_input(ids)]
        else:  # a continuation follows the page one position a byte
            assert row[10:] == list(range(prefix[-1] + 1, prefix[-1] + 1 + len(ids)))
        tasks.add(ids[0])
    assert tasks == {ReaderTokenizer.transcribe, ReaderTokenizer.continue_}


def test_training_steps_lower_the_loss(task):
    torch.manual_seed(0)
    model = task.build(0).train()
    optimiser = torch.optim.AdamW(model.parameters(), lr=3e-3)
    batch = task.batch(0, 0, 0)
    losses = []
    for _ in range(8):
        loss, metrics = task.loss(model, batch)
        loss.backward()
        optimiser.step()
        optimiser.zero_grad()
        losses.append(metrics["loss"])
    assert losses[-1] < losses[0] - 0.5


def test_save_and_load_give_the_same_model(reader, tmp_path):
    reader.save_pretrained(tmp_path / "reader")
    reader.save_pretrained(tmp_path / "reader")  # overwriting a finished folder works too
    loaded = GlyphReader.from_pretrained(tmp_path / "reader", device="cpu")
    assert sorted(p.name for p in (tmp_path / "reader").iterdir()) == ["model.safetensors", "reader.json"]
    assert not list(tmp_path.glob(".tmp-*")) and not list(tmp_path.glob(".old-*"))
    batch = ReaderTask(Corpus([TEXT], [TEXT]), batch_size=4, passages=2).batch(0, 0, 0)
    with torch.no_grad():
        a = reader(batch["pixels"], batch["input_ids"]).logits
        b = loaded(batch["pixels"], batch["input_ids"]).logits
    assert torch.equal(a, b)
    assert loaded.config == reader.config


def test_reading_returns_text_for_every_page_and_answers_within_the_window(reader):
    lines = render_lines(TEXT, reader.render_config)[:3]
    pages = [line.image for line in lines]
    read = reader.transcribe(pages, max_new_tokens=5)
    assert len(read) == 3 and all(isinstance(t, str) and len(t) <= 5 for t in read)
    assert read == reader.transcribe(pages, max_new_tokens=5)  # greedy: repeatable
    assert isinstance(reader.answer(pages, "Who?", max_new_tokens=4), str)
    assert isinstance(reader.answer_text(TEXT[:200], "Who?", max_new_tokens=4), str)
    with pytest.raises(ContextTooLongError, match="window is 32,768"):
        reader.answer(pages * 200, "Who?")
    with pytest.raises(ContextTooLongError, match="plain text"):
        reader.answer_text(TEXT * 4, "Who?")


def test_bad_configs_and_checkpoints_get_typed_errors(tmp_path):
    with pytest.raises(ConfigError, match="unknown reader preset"):
        load_reader_config("no-such-reader")
    bad = tmp_path / "bad.yaml"
    bad.write_text("render: {}\nencoder: {out_dim: 32}\nmodel: {vision_hidden_size: 64, vocab_size: 300}\n")
    with pytest.raises(ConfigError, match="vision_hidden_size 64 must equal"):
        load_reader_config(bad)
    bad.write_text("render: {}\nencoder: {}\nmodel: {vision_hidden_size: 64, vocab_size: 100}\n")
    with pytest.raises(ConfigError, match="vocab_size"):
        load_reader_config(bad)
    with pytest.raises(ConfigError, match="not a reader checkpoint"):
        GlyphReader.from_pretrained(tmp_path)
    (tmp_path / "reader.json").write_text("{}")
    with pytest.raises(ConfigError, match="missing or not a mapping"):
        GlyphReader.from_pretrained(tmp_path)


def test_the_tokenizer_round_trips_any_text_and_stops_at_the_end():
    text = "Kapitel 1: naïve café — 東京"
    ids = ReaderTokenizer.encode(text)
    assert ReaderTokenizer.decode(ids + [ReaderTokenizer.eos, 65]) == text
    assert ReaderTokenizer.decode([ReaderTokenizer.transcribe, 72, 105]) == "Hi"
    assert ReaderTokenizer.vocab_size == 263


def test_a_sequential_reader_decodes_like_a_full_forward(tmp_path):
    config = (Path(__file__).resolve().parents[2] / "configs" / "reader" / "tiny-reader.yaml").read_text()
    path = tmp_path / "sequential.yaml"
    path.write_text(config.replace("positions: aligned", "positions: sequential"))
    torch.manual_seed(0)
    reader = GlyphReader(load_reader_config(path)).eval()
    assert reader.layout.prefix([3]) == [0, 1, 2, 3, 4]
    visual = torch.randn(1, 8, 128)
    prompt = torch.tensor([[ReaderTokenizer.transcribe]])
    got = reader._generate(prompt, visual, 6, list(range(11)))[0]
    ids = prompt
    with torch.no_grad():
        for _ in range(6):
            step = reader.lm(input_ids=ids, visual_tokens=visual, use_cache=False).logits[:, -1].argmax(-1)
            ids = torch.cat([ids, step[:, None]], dim=1)
    assert got == ReaderTokenizer.decode(ids[0, 1:].tolist())


def test_an_aligned_reader_decodes_like_a_full_forward_with_its_glimpses(reader):
    # the cached greedy read-back (positions stepped per character, cells from them) must be what a
    # full forward over the same inputs (positions and glimpsed cells from the ids) predicts, step by step
    line = render_lines(TEXT[:300], reader.config.render)[0]
    got = reader.transcribe([line.image], max_new_tokens=10)[0]
    pixels = reader.pixels([line.image])
    ids = torch.tensor([[ReaderTokenizer.transcribe]])
    with torch.no_grad():
        for _ in range(10):
            step = reader(pixels, ids).logits[:, -1].argmax(-1)
            ids = torch.cat([ids, step[:, None]], dim=1)
            if int(step) == ReaderTokenizer.eos:
                break
    assert got == ReaderTokenizer.decode(ids[0, 1:].tolist())
    # input k glimpses slot k mod 12 of token k // 12 (16 slots a token); none past the page's 96 characters
    cells = reader.layout.cells(list(range(1, 100)), 1, 8)
    assert cells[:14] == [*range(12), 16, 17] and cells[95] == 7 * 16 + 11 and cells[96:] == [-1] * 3
