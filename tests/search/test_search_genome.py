import random

import pytest

from glyphctx.errors import ConfigError
from glyphctx.render.config import RenderConfig
from glyphctx.render.presets import preset_names
from glyphctx.search.errors import SearchError
from glyphctx.search.genome import GENES, GENOME_LENGTH, decode, encode, genome_key
from glyphctx.search.outputs import write_best
from glyphctx.search.run import seed_configs


@pytest.mark.parametrize("name", preset_names())
def test_every_preset_survives_encode_decode(name):
    config = RenderConfig.load(name)
    assert decode(encode(config), config) == config


def test_seeds_start_with_glyph_like_exactly():
    seeds = seed_configs()
    assert seeds[0] == RenderConfig.load("glyph-like")
    assert len(seeds) == len(preset_names())


def test_random_genomes_decode_within_the_searched_ranges():
    rng = random.Random(0)
    for _ in range(200):
        genome = [rng.random() for _ in range(GENOME_LENGTH)]
        try:
            config = decode(genome)
        except ConfigError:
            continue
        assert 5.0 <= config.font_size <= 12.0 and 48 <= config.dpi <= 144
        assert config.font_size <= config.line_height <= config.font_size + 4.0
        assert config.columns in (1, 2, 3)
        assert genome_key(genome) == config.digest()
    assert decode([1.0] * GENOME_LENGTH).font_size == 12.0
    assert decode([0.0] * GENOME_LENGTH).font_size == 5.0


def test_settings_outside_the_space_are_refused():
    with pytest.raises(SearchError, match="outside the searched range"):
        encode(RenderConfig(font_size=20.0, line_height=22.0))
    with pytest.raises(SearchError, match="margins differ"):
        encode(RenderConfig(margin_left=3.0))
    with pytest.raises(SearchError, match="genes"):
        decode([0.5] * (len(GENES) - 1))


def test_best_yaml_round_trips_through_the_preset_loader(tmp_path):
    config = decode([0.3] * GENOME_LENGTH)
    path = write_best(tmp_path, config, "searched\nratio 3.1 at fidelity 0.98")
    assert path.read_text().startswith("# searched\n# ratio 3.1")
    assert RenderConfig.load(str(path)) == config
