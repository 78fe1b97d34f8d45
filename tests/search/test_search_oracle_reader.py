"""The reader oracle: a glyphctx reader checkpoint reads the pages it is given, as its transcribe does."""

import numpy as np
import pytest

from glyphctx.reader import GlyphReader
from glyphctx.reader.lines import render_lines
from glyphctx.search.errors import OracleError
from glyphctx.search.oracles import make_oracle
from tests.tiny_models import save_tiny_reader


@pytest.fixture(scope="module")
def reader_folder(tmp_path_factory):
    return save_tiny_reader(tmp_path_factory.mktemp("reader"), positions="aligned")


def test_reader_oracle_reads_like_the_reader_it_loads(reader_folder):
    oracle = make_oracle("reader", path=str(reader_folder))
    reader = GlyphReader.from_pretrained(reader_folder)
    lines = render_lines("It is a truth universally acknowledged.\n\nHowever little known", reader.render_config)
    pages = [line.image for line in lines]
    texts = oracle.read(pages)
    assert len(texts) == len(pages) == 2 and texts == reader.transcribe(pages)
    assert oracle.read([]) == []
    assert oracle.describe().startswith("reader (")


def test_reader_oracle_takes_a_training_run_folder(reader_folder, tmp_path):
    run = tmp_path / "run"
    run.mkdir()
    (run / "final").symlink_to(reader_folder, target_is_directory=True)
    page = np.full((12, 384), 255, np.uint8)
    assert len(make_oracle("reader", path=str(run)).read([page])) == 1


def test_reader_oracle_refuses_what_it_cannot_load(tmp_path):
    with pytest.raises(OracleError, match="path"):
        make_oracle("reader")
    with pytest.raises(OracleError, match="not a reader checkpoint"):
        make_oracle("reader", path=str(tmp_path))
