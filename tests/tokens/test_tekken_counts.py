"""Tekken counts: ids as mistral-common's own tokenizer gives them to a model, control-token look-alikes
as text, and chunked == one-shot counts on long prose."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from glyphctx.tokens import load_tokenizer
from glyphctx.tokens.tekken import CHUNK_CHARS, safe_chunks

DATA = Path(__file__).resolve().parents[1] / "data"
NUM_SPECIAL_IDS = 1000  # Tekken v3 reserves ids 0..999 for control/special tokens


@pytest.fixture(scope="module")
def tekken():
    return load_tokenizer()


@pytest.fixture(scope="module")
def user_turn_ids(tekken):
    """`text` -> its ids as a model receives them: mistral-common's own encoding of a one-message chat
    (`MistralTokenizer` over the same shipped file), less the `<s>[INST] ... [/INST]` around it."""
    from mistral_common.protocol.instruct.messages import UserMessage
    from mistral_common.protocol.instruct.request import ChatCompletionRequest
    from mistral_common.tokens.tokenizers.mistral import MistralTokenizer

    mistral = MistralTokenizer.from_file(str(tekken.path))
    frame = [mistral.instruct_tokenizer.tokenizer.get_special_token(t) for t in ("<s>", "[INST]", "[/INST]")]

    def ids(text: str) -> list[int]:
        tokens = mistral.encode_chat_completion(ChatCompletionRequest(messages=[UserMessage(content=text)])).tokens
        assert tokens[:2] == frame[:2] and tokens[-1] == frame[2]
        return tokens[2:-1]

    return ids


@pytest.fixture(scope="module")
def long_prose():
    """The test chapter and the Windows-1252 Frankenstein excerpt (CRLF lines), repeated past one chunk."""
    chapter = (DATA / "pride-and-prejudice-ch1.txt").read_text(encoding="utf-8")
    excerpt = (DATA / "text" / "frankenstein-excerpt-cp1252.txt").read_bytes().decode("cp1252")
    text = chapter + excerpt
    return text * (CHUNK_CHARS // len(text) + 2)


@pytest.mark.parametrize(
    ("text", "ids"),
    [
        ("", []),
        ("Hello, world!", [22177, 1044, 4304, 1033]),
        (
            "The quick brown fox jumps over the lazy dog.",
            [1784, 7586, 22980, 94137, 72993, 2136, 1278, 42757, 10575, 1046],
        ),
    ],
)
def test_known_strings(tekken, user_turn_ids, text, ids):
    assert tekken.encode(text) == ids
    assert tekken.count(text) == len(ids)
    if text:
        assert user_turn_ids(text) == ids


@pytest.mark.parametrize("text", ["<s>", "</s>", "[INST]", "[/INST]", "[IMG]", "<unk>", "<s>[INST] hi [/INST]</s>"])
def test_control_token_strings_are_plain_text(tekken, user_turn_ids, text):
    ids = tekken.encode(text)
    assert len(ids) >= 2
    assert min(ids) >= NUM_SPECIAL_IDS
    assert user_turn_ids(text) == ids  # the model too sees these as text, not as control tokens


def test_unicode_and_whitespace_round_trip_counts(tekken, user_turn_ids):
    text = "naïve café 漢字 ² Ⅷ\r\n\ttabs  and   spaces\n\n\n/path/to\n"
    assert tekken.count(text) == len(tekken.encode(text)) > 0
    assert tekken.encode(text) == user_turn_ids(text)


def test_long_prose_counted_in_chunks_equals_one_shot(tekken, user_turn_ids, long_prose):
    text = long_prose
    assert len(safe_chunks(text)) > 1  # the default chunking really cuts this text
    one_shot = tekken.encode(text)
    assert one_shot == user_turn_ids(text)
    assert tekken.count(text) == len(one_shot)
    for chunk_chars in (1000, 50_000):
        chunks = safe_chunks(text, chunk_chars)
        assert "".join(chunks) == text
        ids = [i for chunk in chunks for i in tekken.encode(chunk)]
        assert ids == one_shot


def test_chunk_joins_never_change_ids_on_adversarial_text(tekken):
    pieces = list("aZé漢5² \n\r\t/.-,'\"_") + ["\u0301", "Ⅷ", "  ", "\n ", " \n", "\n\n", "//", "Word", " 42"]
    rng = random.Random(1234)
    for _ in range(400):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 120)))
        one_shot = tekken.encode(text)
        for chunk_chars in (1, 5):
            chunks = safe_chunks(text, chunk_chars)
            assert "".join(chunks) == text
            assert [i for chunk in chunks for i in tekken.encode(chunk)] == one_shot, (text, chunks)


def test_safe_chunks_cut_only_at_safe_positions():
    text = "alpha beta\ngamma  delta\n/x 1 2"
    chunks = safe_chunks(text, 1)
    assert "".join(chunks) == text
    # after a newline only before a letter/number (not "/"), before a single space between letters/numbers
    assert chunks == ["alpha", " beta\n", "gamma  delta\n/x", " 1", " 2"]


def test_text_without_safe_boundary_stays_whole():
    text = "x" * (CHUNK_CHARS * 2)
    assert safe_chunks(text) == [text]
    with pytest.raises(ValueError):
        safe_chunks("abc", 0)


def test_shipped_file_uses_the_pattern_the_boundaries_were_derived_for(tmp_path):
    from glyphctx.tokens.tekken import TEKKEN_PATTERN, read_tekken_pattern

    assert read_tekken_pattern(load_tokenizer().path) == TEKKEN_PATTERN
    other = tmp_path / "tekken_other.json"
    other.write_text('{"vocab": [], "special_tokens": []}')
    assert read_tekken_pattern(other) is None
