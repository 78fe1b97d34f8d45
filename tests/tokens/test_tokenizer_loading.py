"""Loading text tokenizers offline: the shipped Tekken, local tokenizer.json files and folders, errors."""

from __future__ import annotations

import json
import pickle

import pytest

from glyphctx.errors import TokenizerError
from glyphctx.tokens import TextTokenizer, load_tokenizer


def _write_bpe_tokenizer(path):
    """A tiny byte-level BPE that adds <s> ... </s> and truncates to 4 ids when asked to."""
    from tokenizers import Tokenizer, models, pre_tokenizers, processors, trainers

    tokenizer = Tokenizer(models.BPE(unk_token="<unk>"))
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    trainer = trainers.BpeTrainer(
        vocab_size=300,
        special_tokens=["<unk>", "<s>", "</s>"],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
    )
    tokenizer.train_from_iterator(["hello world, the quick brown fox"] * 20, trainer)
    tokenizer.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>", special_tokens=[("<s>", 1), ("</s>", 2)]
    )
    tokenizer.enable_truncation(4)
    tokenizer.save(str(path))
    return Tokenizer.from_file(str(path))


def test_default_is_the_shipped_tekken_and_is_cached():
    tokenizer = load_tokenizer()
    assert isinstance(tokenizer, TextTokenizer)
    assert tokenizer.name == "tekken"
    assert tokenizer.vocab_size == 131072
    assert load_tokenizer("tekken") is tokenizer
    assert load_tokenizer(" Tekken ") is tokenizer


def test_tokenizer_pickles_as_its_spec():
    tokenizer = load_tokenizer()
    data = pickle.dumps(tokenizer)
    assert len(data) < 200
    assert pickle.loads(data) is tokenizer


def test_shipped_mistral_common_file_by_name():
    tokenizer = load_tokenizer("tekken_240718")
    assert tokenizer.name == "tekken_240718.json"
    assert load_tokenizer("tekken_240718.json") is tokenizer
    assert tokenizer.count("Hello, world!") == 4


def test_tokenizer_json_by_file_and_by_folder(tmp_path):
    folder = tmp_path / "bpe"
    folder.mkdir()
    reference = _write_bpe_tokenizer(folder / "tokenizer.json")
    text = "hello world, the quick brown fox hello world"

    by_file = load_tokenizer(str(folder / "tokenizer.json"))
    by_folder = load_tokenizer(folder)
    reference.no_truncation()
    expected = reference.encode(text, add_special_tokens=False).ids
    assert len(expected) > 4  # so a leftover truncation to 4 ids would show
    for tokenizer in (by_file, by_folder):
        assert tokenizer.encode(text) == expected
        assert tokenizer.count(text) == len(expected)
        assert 1 not in tokenizer.encode(text) and 2 not in tokenizer.encode(text)  # no <s> / </s> added
    assert by_file.name == str((folder / "tokenizer.json").resolve())
    assert by_folder.name == str(folder.resolve())


def test_tokenizer_json_reads_special_token_strings_as_text(tmp_path):
    _write_bpe_tokenizer(tmp_path / "tokenizer.json")
    tokenizer = load_tokenizer(tmp_path / "tokenizer.json")
    ids = tokenizer.encode("hello <s> world</s>")
    assert 1 not in ids and 2 not in ids
    assert tokenizer.count("<s>") == len(tokenizer.encode("<")) + len(tokenizer.encode("s>"))


def test_hf_tokenizer_folder_through_auto_tokenizer(tmp_path):
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "hello", "world", "the", "fox", "[", "]", "sep"]
    (tmp_path / "vocab.txt").write_text("\n".join(vocab) + "\n")
    (tmp_path / "tokenizer_config.json").write_text(
        json.dumps({"tokenizer_class": "BertTokenizer", "do_lower_case": True, "model_max_length": 3})
    )
    tokenizer = load_tokenizer(tmp_path)
    # lower-cased WordPiece, no [CLS]/[SEP] added, no truncation to model_max_length,
    # and the literal "[SEP]" split as text rather than read as the separator token
    assert tokenizer.encode("Hello the FOX world hello") == [5, 7, 8, 6, 5]
    assert tokenizer.encode("hello [SEP] world") == [5, 9, 11, 10, 6]


def test_sentencepiece_model_or_a_clear_error():
    try:
        import sentencepiece  # noqa: F401
    except ImportError:
        with pytest.raises(TokenizerError, match="sentencepiece"):
            load_tokenizer("tokenizer.model.v1")
        return
    tokenizer = load_tokenizer("tokenizer.model.v1")
    assert tokenizer.vocab_size == 32000
    assert tokenizer.encode("Hello world") == [22557, 1526]
    assert 1 not in tokenizer.encode("<s> [INST] hi")  # BOS text is not the BOS id


@pytest.mark.parametrize("spec", ["no-such-tokenizer", "/no/such/dir/tokenizer.json", ""])
def test_unknown_specs_name_the_spec(spec):
    with pytest.raises(TokenizerError) as info:
        load_tokenizer(spec)
    assert (repr(spec) in str(info.value)) or spec == ""


def test_unknown_spec_lists_what_was_tried():
    with pytest.raises(TokenizerError, match="tekken_240911.json") as info:
        load_tokenizer("no-such-tokenizer")
    assert "no such path" in str(info.value)


def test_bad_files_and_folders(tmp_path):
    junk = tmp_path / "tokenizer.json"
    junk.write_text('{"not": "a tokenizer"}')
    with pytest.raises(TokenizerError, match="tried .*not a tokenizers file.*not a Tekken"):
        load_tokenizer(junk)
    other = tmp_path / "vocab.bin"
    other.write_bytes(b"\x00\x01")
    with pytest.raises(TokenizerError, match="unknown tokenizer file type"):
        load_tokenizer(other)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(TokenizerError, match="holds no tokenizer"):
        load_tokenizer(empty)
    with pytest.raises(TokenizerError, match="expected a name or a path"):
        load_tokenizer(42)


def test_non_text_input_is_refused():
    with pytest.raises(TokenizerError, match="text: expected str"):
        load_tokenizer().count(b"bytes")
