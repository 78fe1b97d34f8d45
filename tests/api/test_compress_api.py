"""`glyphctx.compress`: one document in, pages with exact text spans and a token budget out."""

import re
from pathlib import Path

import pymupdf
import pytest

import glyphctx
from glyphctx.errors import (
    BinaryFileError,
    ConfigError,
    CorruptDocumentError,
    EmptyDocumentError,
    EncryptedPDFError,
    GlyphctxError,
    NoTextLayerError,
    PageRangeError,
    ProfileError,
    TokenizerError,
    UnreadablePathError,
)
from glyphctx.render.presets import load_preset
from glyphctx.sources import load_document
from glyphctx.tokens import get_profile, load_tokenizer
from tests.pdf_builders import image_only_pdf, three_page_pdf

NOVEL = Path(__file__).resolve().parents[1] / "data" / "pride-and-prejudice-ch1.txt"
SHARED_TEXTS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus" / "text"
PASSWORD = "s3cret"
# a small, uncropped page: every page is exactly 200 x 45 pt, about four lines of 8 pt text
TINY_PAGE = glyphctx.RenderConfig(
    page_width=200, page_height=45, margin_top=2, margin_bottom=2, line_height=10, font_size=8
)


def _pdf_pages_named_on(text: str) -> set[int]:
    """The PDF pages whose text a rendered page shows, read off the fixture's own wording."""
    return {int(n) for n in re.findall(r"[Pp]age (\d)", text)}


def _non_blank_lines(text: str) -> list[str]:
    return [line.rstrip() for line in text.splitlines() if line.strip()]


# ------------------------------------------------------------------ text and its pages


def test_text_renders_into_pages_that_tile_the_normalised_text():
    source = NOVEL.read_text(encoding="utf-8")
    result = glyphctx.compress(source)

    assert isinstance(result, glyphctx.CompressResult)
    assert result.document.source == "<text>"
    assert len(result.pages) >= 2
    assert result.pages[0].span[0] == 0
    assert result.pages[-1].span[1] == len(result.text)
    for before, after in zip(result.pages, result.pages[1:]):
        assert before.span[1] == after.span[0]
    assert "".join(result.page_text(i) for i in range(len(result.pages))) == result.text
    for i, page in enumerate(result.pages):
        assert page.index == i
        assert result.page_text(i) == result.text[page.span[0] : page.span[1]]
        assert page.image.dtype.name == "uint8"
    # reflow joined the novel's hard-wrapped first paragraph into one line
    assert result.text.splitlines()[0] == (
        "It is a truth universally acknowledged, that a single man in possession of a good fortune "
        "must be in want of a wife."
    )


def test_the_budget_counts_the_text_and_each_real_page_image():
    result = glyphctx.compress(NOVEL)
    profile = get_profile("qwen2.5-vl")
    sizes = [(page.image.shape[1], page.image.shape[0]) for page in result.pages]

    assert result.budget.profile == "qwen2.5-vl"
    assert result.budget.tokenizer == "tekken"
    assert result.budget.text_tokens == load_tokenizer().count(result.text)
    assert result.budget.page_visual_tokens == tuple(profile.tokens_for(w, h) for w, h in sizes)
    assert result.budget.visual_tokens == sum(profile.tokens_for(w, h) for w, h in sizes)
    # the default preset's full page is exactly 21 x 30 Qwen patches of 28 px
    assert sizes[0] == (588, 840)
    assert result.budget.page_visual_tokens[0] == 21 * 30
    assert result.ratio == pytest.approx(result.budget.text_tokens / result.budget.visual_tokens)
    # a dialogue-heavy chapter on one full page and a cropped one: less than the three a novel gets (below)
    assert result.ratio > 2.5


@pytest.mark.parametrize("novel", ["pride-and-prejudice.txt", "frankenstein.txt"])
def test_the_default_preset_carries_three_text_tokens_per_visual_token_on_a_novel(novel):
    """What README promises of the default preset, measured where it is promised: whole novels."""
    path = SHARED_TEXTS / novel
    if not path.is_file():
        pytest.skip(f"the shared corpus is not at {SHARED_TEXTS}")
    result = glyphctx.compress(path)
    assert result.budget.profile == "qwen2.5-vl" and result.budget.tokenizer == "tekken"
    assert result.ratio >= 3.0


def test_timings_name_every_stage_and_add_up_to_seconds():
    result = glyphctx.compress("A short note, rendered on one page.")
    assert set(result.timings) == {"extract", "normalise", "render", "tokens"}
    assert all(seconds >= 0 for seconds in result.timings.values())
    assert result.seconds == pytest.approx(sum(result.timings.values()))
    assert result.summary() == {
        "source": "<text>",
        "pages": 1,
        "text_tokens": result.budget.text_tokens,
        "visual_tokens": result.budget.visual_tokens,
        "ratio": result.ratio,
        "seconds": result.seconds,
    }


def test_a_path_a_path_string_and_the_same_text_give_the_same_pages():
    from_path = glyphctx.compress(NOVEL)
    from_string_path = glyphctx.compress(str(NOVEL))
    from_text = glyphctx.compress(NOVEL.read_text(encoding="utf-8"))

    assert from_path.document.source == str(NOVEL)
    assert from_path.document.kind == "text"
    assert from_path.document.encoding == "utf-8"
    assert from_string_path.document.source == str(NOVEL)
    assert from_text.document.source == "<text>"
    for other in (from_string_path, from_text):
        assert other.text == from_path.text
        assert [p.span for p in other.pages] == [p.span for p in from_path.pages]
        assert all((a.image == b.image).all() for a, b in zip(other.pages, from_path.pages))
        assert other.budget == from_path.budget


def test_a_string_that_names_no_existing_file_is_the_text_itself(tmp_path):
    missing = str(tmp_path / "no-such-file.txt")
    result = glyphctx.compress(missing)
    assert result.document.source == "<text>"
    assert result.text == missing
    assert result.page_text(0) == missing


def test_a_loaded_document_is_accepted_as_is(tmp_path):
    pdf = three_page_pdf(tmp_path / "three.pdf")
    document = load_document(pdf, pages="3")
    result = glyphctx.compress(document)
    assert result.document is document
    assert result.text == "Page 3 begins here.\nSecond line of page 3."


def test_progress_is_called_once_per_page_in_order():
    calls = []
    result = glyphctx.compress(NOVEL, config=TINY_PAGE, progress=lambda done, total: calls.append((done, total)))
    pages = len(result.pages)
    assert pages > 10
    assert calls == [(n, pages) for n in range(1, pages + 1)]


# ------------------------------------------------------------------ reflow


def test_no_reflow_keeps_the_line_breaks_and_costs_more_pages():
    source = NOVEL.read_text(encoding="utf-8")
    reflowed = glyphctx.compress(NOVEL)
    kept = glyphctx.compress(NOVEL, reflow=False)

    assert kept.config.reflow is False
    assert reflowed.config.reflow is True
    # every non-blank source line is a line of its own, in order (only blank-line runs collapse)
    assert _non_blank_lines(kept.text) == _non_blank_lines(source)
    assert "\n\n\n" not in kept.text
    assert len(_non_blank_lines(reflowed.text)) < len(_non_blank_lines(source))
    assert len(kept.pages) > len(reflowed.pages)
    # kept lines are shorter, so the width-cropped pages are narrower than the reflowed ones
    assert kept.pages[0].size[0] < reflowed.pages[0].size[0]


def test_reflow_none_follows_the_config_and_true_overrides_it():
    wrapped = "one short line\nand another that wraps\n" * 40
    code_preset = load_preset("code")
    assert code_preset.reflow is False
    assert glyphctx.compress(wrapped, config="code").config == code_preset
    overridden = glyphctx.compress(wrapped, config="code", reflow=True)
    assert overridden.config == code_preset.replace(reflow=True)


# ------------------------------------------------------------------ config, profile, tokenizer


def test_config_as_preset_name_yaml_path_and_render_config(tmp_path):
    text = "Configs come in three forms and all three must render the same way. " * 20
    yaml_path = tmp_path / "small.yaml"
    small = glyphctx.RenderConfig(page_width=200, page_height=100, dpi=144, margin_left=5, margin_right=5)
    small.save(yaml_path)

    by_name = glyphctx.compress(text, config="glyph-like")
    assert by_name.config == load_preset("glyph-like")
    assert by_name.pages[0].size[0] <= 595  # A4 width at 72 dpi, cropped to the widest line

    for given in (small, yaml_path, str(yaml_path)):
        result = glyphctx.compress(text, config=given)
        assert result.config == small
        assert len(result.pages) >= 2
        # not cropped: every page is the full 200 x 100 pt page at 144 dpi
        assert all(page.size == (400, 200) for page in result.pages)


def test_every_profile_prices_the_real_page_sizes():
    text = NOVEL.read_text(encoding="utf-8")[:3000]
    for name in ("deepseek-ocr-base", "deepseek-ocr-gundam", "internvl", "glm-4.1v", "qwen2-vl"):
        result = glyphctx.compress(text, profile=name)
        profile = get_profile(name)
        expected = [profile.tokens_for(p.image.shape[1], p.image.shape[0]) for p in result.pages]
        assert result.budget.profile == name
        assert list(result.budget.page_visual_tokens) == expected
        assert result.budget.visual_tokens == sum(expected)
    # DeepSeek-OCR base mode: a fixed 256 tokens per image, whatever its size
    base = glyphctx.compress(NOVEL, profile="deepseek-ocr-base", config=TINY_PAGE)
    assert base.budget.visual_tokens == 256 * len(base.pages)


def test_a_profile_object_is_used_as_given():
    profile = get_profile("deepseek-ocr-tiny")
    result = glyphctx.compress("Sixty-four tokens per page.", profile=profile)
    assert result.budget.profile == "deepseek-ocr-tiny"
    assert result.budget.visual_tokens == 64


def test_tokenizer_by_shipped_name_and_by_tokenizer_json_path(tmp_path):
    from tokenizers import Tokenizer
    from tokenizers.models import WordLevel
    from tokenizers.pre_tokenizers import Whitespace

    word_level = Tokenizer(WordLevel({"[UNK]": 0, "the": 1}, unk_token="[UNK]"))
    word_level.pre_tokenizer = Whitespace()
    path = tmp_path / "tokenizer.json"
    word_level.save(str(path))

    text = "the cat sat on the mat."
    by_path = glyphctx.compress(text, tokenizer=str(path))
    assert by_path.budget.tokenizer == str(path.resolve())
    assert by_path.budget.text_tokens == 7  # the cat sat on the mat .

    by_name = glyphctx.compress(NOVEL, tokenizer="tekken_240718.json")
    assert by_name.budget.tokenizer == "tekken_240718.json"
    assert by_name.budget.text_tokens == load_tokenizer("tekken_240718.json").count(by_name.text)


# ------------------------------------------------------------------ PDFs


def test_pdf_pages_map_back_to_their_source_pages(tmp_path):
    pdf = three_page_pdf(tmp_path / "three.pdf")
    result = glyphctx.compress(pdf, config=TINY_PAGE, reflow=False)

    assert result.document.kind == "pdf"
    assert result.document.page_count == 3
    assert [page for page, _, _ in result.source_pages] == [1, 2, 3]
    assert len(result.pages) >= 2
    covered = set()
    for i in range(len(result.pages)):
        assert result.source_pages_of(i) == sorted(_pdf_pages_named_on(result.page_text(i)))
        covered.update(result.source_pages_of(i))
    assert covered == {1, 2, 3}


def test_a_pdf_page_range_selects_those_pages_only(tmp_path):
    pdf = three_page_pdf(tmp_path / "three.pdf")
    result = glyphctx.compress(pdf, pages="2-3", config=TINY_PAGE)

    assert result.text == (
        "Page 2 begins here.\nSecond line of page 2.\n\nPage 3 begins here.\nSecond line of page 3."
    )
    assert result.document.page_count == 3  # the file's count, before the range
    assert [page for page, _, _ in result.source_pages] == [2, 3]
    assert result.source_pages_of(0)[0] == 2
    assert result.source_pages_of(len(result.pages) - 1) == [3]
    for i in range(len(result.pages)):
        assert result.source_pages_of(i) == sorted(_pdf_pages_named_on(result.page_text(i)))


def test_a_password_opens_an_encrypted_pdf(tmp_path):
    pdf = three_page_pdf(
        tmp_path / "locked.pdf", encryption=pymupdf.PDF_ENCRYPT_AES_256, owner_pw="owner", user_pw=PASSWORD
    )
    with pytest.raises(EncryptedPDFError, match="--password") as missing:
        glyphctx.compress(pdf)
    assert missing.value.code == "encrypted"
    assert missing.value.path == str(pdf)
    with pytest.raises(EncryptedPDFError, match="wrong"):
        glyphctx.compress(pdf, password="not-it")

    result = glyphctx.compress(pdf, password=PASSWORD)
    assert result.text.startswith("Page 1 begins here.\nSecond line of page 1.")
    assert [page for page, _, _ in result.source_pages] == [1, 2, 3]


# ------------------------------------------------------------------ bad input


def _bad_sources(tmp_path: Path) -> dict[str, tuple[object, type, str]]:
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    blank = tmp_path / "blank.md"
    blank.write_text(" \n\t\n")
    binary = tmp_path / "blob.txt"
    binary.write_bytes(b"\x00\x01\x02binary\xff\xfe\x00\x00" * 8)
    good = three_page_pdf(tmp_path / "good.pdf")
    corrupt = tmp_path / "corrupt.pdf"
    corrupt.write_bytes(good.read_bytes()[:300])
    return {
        "missing": (tmp_path / "absent.txt", UnreadablePathError, "unreadable"),
        "directory": (tmp_path, UnreadablePathError, "unreadable"),
        "empty": (empty, EmptyDocumentError, "empty"),
        "blank": (blank, EmptyDocumentError, "empty"),
        "binary": (binary, BinaryFileError, "binary"),
        "corrupt": (corrupt, CorruptDocumentError, "corrupt"),
        "image-only": (image_only_pdf(tmp_path / "scan.pdf"), NoTextLayerError, "no-text"),
    }


def test_bad_sources_raise_typed_errors_naming_the_file(tmp_path):
    for label, (source, error, code) in _bad_sources(tmp_path).items():
        with pytest.raises(error) as raised:
            glyphctx.compress(Path(source))
        assert raised.value.code == code, label
        assert raised.value.path == str(source), label
        assert str(source) in str(raised.value), label
        assert raised.value.reason, label


def test_empty_text_and_out_of_range_pages_raise_typed_errors(tmp_path):
    for text in ("", "   \n\t "):
        with pytest.raises(EmptyDocumentError):
            glyphctx.compress(text)
    pdf = three_page_pdf(tmp_path / "three.pdf")
    with pytest.raises(PageRangeError, match="page 7 is out of range: the document has 3 pages"):
        glyphctx.compress(pdf, pages="7")
    with pytest.raises(PageRangeError, match="malformed"):
        glyphctx.compress(pdf, pages="two")


def test_bad_settings_raise_typed_errors_before_any_work():
    with pytest.raises(ConfigError, match="unknown render preset 'no-such-preset'"):
        glyphctx.compress("text", config="no-such-preset")
    with pytest.raises(ConfigError, match="RenderConfig"):
        glyphctx.compress("text", config=42)
    with pytest.raises(ProfileError, match="unknown VLM profile 'gpt-vision'"):
        glyphctx.compress("text", profile="gpt-vision")
    with pytest.raises(TokenizerError, match="not found"):
        glyphctx.compress("text", tokenizer="/no/such/tokenizer.json")
    with pytest.raises(TypeError, match="int"):
        glyphctx.compress(42)
    for error in (ConfigError, ProfileError, TokenizerError):
        assert issubclass(error, GlyphctxError)


def test_a_bad_yaml_config_names_the_file_and_the_setting(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("font_size: -3\n")
    with pytest.raises(ConfigError, match=re.escape(str(bad)) + ".*font_size"):
        glyphctx.compress("text", config=bad)
    unknown = tmp_path / "unknown.yaml"
    unknown.write_text("font_sise: 9\n")
    with pytest.raises(ConfigError, match="unknown key .font_sise"):
        glyphctx.compress("text", config=str(unknown))
