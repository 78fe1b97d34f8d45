import numpy as np
import pytest

from glyphctx.common.metrics import char_accuracy
from glyphctx.normalise import normalise_text
from glyphctx.render import render_text
from glyphctx.render.config import RenderConfig
from glyphctx.search.errors import OracleError
from glyphctx.search.fitness import read_pages
from glyphctx.search.oracles import make_oracle
from glyphctx.search.oracles.tesseract import TesseractOracle
from glyphctx.tokens import get_profile

PARAGRAPH = normalise_text(
    "It was on a dreary night of November that I beheld the accomplishment of my toils. With an anxiety that\n"
    "almost amounted to agony, I collected the instruments of life around me, that I might infuse a spark of\n"
    "being into the lifeless thing that lay at my feet. It was already one in the morning; the rain pattered\n"
    "dismally against the panes, and my candle was nearly burnt out."
)


def test_tesseract_reads_a_legible_page_back():
    config = RenderConfig.load("legible").replace(page_height=300.0, auto_crop_last_page=True)
    rendered = render_text(PARAGRAPH, config)
    oracle = make_oracle("tesseract")
    [read] = read_pages(rendered.pages[:1], config, get_profile("qwen2.5-vl"), oracle)
    page = rendered.pages[0]
    assert char_accuracy(PARAGRAPH[page.span[0]:page.span[1]], read) > 0.97


def test_two_columns_are_read_in_order():
    config = RenderConfig(page_width=595, page_height=260, dpi=144, font_size=10, line_height=13, columns=2,
                          column_gap=20, margin_top=20, margin_bottom=20, margin_left=20, margin_right=20,
                          auto_crop_last_page=True)
    rendered = render_text(PARAGRAPH, config)
    [read] = read_pages(rendered.pages[:1], config, get_profile("qwen2.5-vl"), make_oracle("tesseract"))
    assert char_accuracy(PARAGRAPH[: rendered.pages[0].span[1]], read) > 0.95


def test_missing_tesseract_binary_says_how_to_install(tmp_path):
    with pytest.raises(OracleError, match=r"not found.*apt-get install tesseract-ocr"):
        make_oracle("tesseract", tesseract_cmd=str(tmp_path / "no-such-tesseract"))


def test_missing_language_data_and_bad_options_are_typed_errors():
    with pytest.raises(OracleError, match="language data 'xx-none'"):
        make_oracle("tesseract", lang="xx-none")
    with pytest.raises(OracleError, match="psm"):
        make_oracle("tesseract", psm=42)
    with pytest.raises(OracleError, match="bad oracle option"):
        make_oracle("tesseract", colour="red")
    with pytest.raises(OracleError, match="unknown oracle 'crystal-ball'"):
        make_oracle("crystal-ball")


def test_upscaling_targets_a_readable_text_size():
    oracle = TesseractOracle()
    assert oracle.scale_for(9.0) == pytest.approx(3.0)
    assert oracle.scale_for(40.0) == 1.0  # large print is never shrunk
    assert oracle.scale_for(2.0) == oracle.max_upscale
    assert oracle.scale_for(None) == 1.0
    assert TesseractOracle(upscale=2.0).scale_for(9.0) == 2.0


def test_blank_page_reads_as_nothing():
    assert make_oracle("tesseract").read([np.full((80, 200), 255, np.uint8)]) == [""]
