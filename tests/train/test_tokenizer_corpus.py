"""The byte tokenizer and the chapter split of the training corpus."""

import textwrap

import pytest

from glyphctx.common.corpus import SINGLE_CHAPTER_HELD_OUT
from glyphctx.errors import ConfigError, TokenizerError
from glyphctx.train import ByteTokenizer, load_corpus
from tests.train.helpers import CORPUS, DATA


def test_byte_tokenizer_round_trips_text_and_skips_specials():
    tok = ByteTokenizer()
    assert tok.vocab_size <= 264 and len({tok.pad_id, tok.bos_id, tok.eos_id, *tok.spare_ids}) == 8
    text = "Mr. Bennet — “naïve” 日本"
    ids = tok.encode(text, bos=True, eos=True)
    assert ids[0] == tok.bos_id and ids[-1] == tok.eos_id and max(ids[1:-1]) < 256
    assert len(ids) == len(text.encode("utf-8")) + 2
    assert tok.decode(ids) == text
    assert tok.decode([0xE6, 0x97, tok.pad_id, 0x41]) == "\ufffdA"  # a cut multi-byte character
    with pytest.raises(TokenizerError, match="264"):
        tok.decode([264])


def _book(path, chapters):
    def prose(i):
        words = " ".join(f"the words of chapter {i + 1} text run on and on, as prose does" for _ in range(30))
        return "\n".join(textwrap.wrap(words, 70))

    body = "\n\n".join(f"CHAPTER {i + 1}.\n\n{prose(i)}\n" for i in range(chapters))
    path.write_text(body, encoding="utf-8")
    return path


def test_last_chapter_of_each_book_is_held_out_and_text_is_reflowed(tmp_path):
    _book(tmp_path / "a.txt", 3)
    _book(tmp_path / "b.txt", 2)
    corpus = load_corpus([tmp_path])
    assert len(corpus.train) == 3 and len(corpus.held_out) == 2
    assert all("chapter 3 text" in c for c in corpus.held_out[:1]) and "chapter 2 text" in corpus.held_out[1]
    assert not any("chapter 3 text" in c for c in corpus.train)
    # hard-wrapped lines are joined into one paragraph line
    assert corpus.held_out[0].count("\n") <= 3 and corpus.held_out[0].count("text run") == 30


def test_single_chapter_books_hold_out_their_end():
    corpus = load_corpus(CORPUS)
    assert len(corpus.held_out) == 2 and len(corpus.train) == 2
    for train, held in zip(corpus.train, corpus.held_out):
        assert "\r" not in train + held
        assert 0.03 < len(held) / (len(train) + len(held)) < 2 * SINGLE_CHAPTER_HELD_OUT
        assert held not in train


def test_empty_corpus_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="corpus"):
        load_corpus([tmp_path])
    with pytest.raises(ConfigError, match="missing.txt"):
        load_corpus([DATA / "missing.txt"])
