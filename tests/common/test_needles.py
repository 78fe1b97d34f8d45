import pytest

from glyphctx.common.needles import find_needles, make_needles, plant_needles, recall

TEXT = "\n\n".join(f"Paragraph {i} says something ordinary about the weather and the road." for i in range(40))


def test_needles_sit_at_their_depths_on_paragraph_breaks():
    planted, needles = plant_needles(TEXT, (0.0, 0.5, 1.0), seed=3)
    assert [n.depth for n in needles] == [0.0, 0.5, 1.0]
    for needle in needles:
        assert planted[needle.offset:needle.offset + len(needle.sentence)] == needle.sentence
    assert needles[0].offset == 0
    assert planted.rstrip().endswith(needles[-1].sentence)
    middle = needles[1].offset / len(planted)
    assert 0.4 < middle < 0.6
    assert planted.replace("".join(n.sentence + "\n\n" for n in needles[:1]), "", 1).count("Paragraph") == 40


def test_needles_are_deterministic_and_distinct():
    assert make_needles(5, seed=1) == make_needles(5, seed=1)
    assert len({answer for _, answer in make_needles(5, seed=1)}) == 5


def test_found_only_with_the_exact_answer():
    planted, needles = plant_needles(TEXT, (0.25, 0.75), seed=0)
    assert recall(find_needles(planted, needles)) == 1.0  # the plain-text baseline: every needle found
    first = needles[0]
    wrong_digit = first.answer[:-1] + str((int(first.answer[-1]) + 1) % 10)
    read = planted.replace(first.answer, wrong_digit)
    results = find_needles(read, needles)
    assert [r.found for r in results] == [False, True]
    assert recall(results) == 0.5
    # small reading errors elsewhere in the sentence still count as found
    noisy = planted.replace(first.sentence, first.sentence.replace("secret", "secrct"))
    assert find_needles(noisy, needles)[0].found


def test_bad_depth_is_refused():
    with pytest.raises(ValueError):
        plant_needles(TEXT, (1.5,))
