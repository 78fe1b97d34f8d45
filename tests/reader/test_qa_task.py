"""The reader's question-answering objective: generated facts, documents of N pages, plain-text rows."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
import torch

from glyphctx.common.corpus import Corpus
from glyphctx.common.needles import NEEDLE_SUBJECTS
from glyphctx.normalise import normalise_text
from glyphctx.reader import ReaderTokenizer
from glyphctx.reader.facts import MAX_VALUE, RELATIONS, make_facts, value
from glyphctx.reader.qa_task import EVAL_DEPTHS, EVAL_LENGTHS, QATask, plant
from glyphctx.reader.task import IGNORE, with_numbers
from glyphctx.train.presets import build_task, load_preset

DATA = Path(__file__).resolve().parents[1] / "data"
TEXT = normalise_text((DATA / "pride-and-prejudice-ch1.txt").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def task():
    half = len(TEXT) // 2
    return QATask(Corpus(train=[TEXT[:half]], held_out=[TEXT[half:]]), batch_size=4, passages=2, eval_lines=4,
                  qa_documents=3, text_documents=2, max_pages=6, ramp_steps=10, eval_trials=1)


def _answer(ids: list[int], labels: list[int]) -> str:
    return ReaderTokenizer.decode(t for t, label in zip(ids, labels) if label != IGNORE)


def test_facts_name_subjects_the_needle_evaluation_never_asks_and_fit_its_answer_length():
    rng = random.Random(0)
    facts = [fact for _ in range(300) for fact in make_facts(3, rng)]
    assert not {f.subject for f in facts} & set(NEEDLE_SUBJECTS)
    assert {f.relation for f in facts} == set(RELATIONS)
    assert max(len(f.value.encode()) for f in facts) <= MAX_VALUE
    numbers = [value("number", rng) for _ in range(200)]
    assert all(n.isdigit() for n in numbers) and {len(n) for n in numbers} == {1, 2, 3, 4, 5, 6}
    assert all(f.value in f.sentence and f.subject in f.question and f.value not in f.question for f in facts)


def test_planting_puts_the_sentence_in_a_paragraph_of_its_own():
    rng = random.Random(3)
    sentence = "The red door is kept in Holmby."
    for _ in range(50):
        planted = plant(TEXT[:800], sentence, rng)
        assert planted.count(sentence) == 1
        assert sentence in planted.split("\n\n")
        assert planted.replace(sentence, "").split() == TEXT[:800].split()


def test_documents_have_exactly_n_pages_and_the_answer_reads_the_fact_s_page_back(task):
    rng = random.Random(7)
    for pages in (1, 3, 6):
        batch = task.pages_batch(rng, pages)
        assert batch["pixels"].shape == (3, pages, 1, 12, 384)
        tokens = pages * 8
        assert batch["positions"].shape[1] == tokens + 2 + batch["input_ids"].shape[1]
        assert batch["characters"].shape == (3, tokens, 16)
        for row, (ids, labels, positions) in enumerate(zip(batch["input_ids"].tolist(), batch["labels"].tolist(),
                                                           batch["positions"].tolist())):
            page, at = int(batch["page"][row]), int(batch["answer_at"][row])
            assert ids[0] == ReaderTokenizer.question and ids[at] == ReaderTokenizer.answer
            assert ids[at + 1] == ReaderTokenizer.transcribe
            question = ReaderTokenizer.decode(ids[1:at])
            answer = _answer(ids, labels)
            # the answer is the line of the page pointed at: the sentence that states the fact asked about
            shown = "".join(chr(c) for token in batch["characters"][row, page * 8:(page + 1) * 8].tolist()
                            for c in token if c != -100)
            assert answer == shown and answer.endswith(".") and question.endswith("?")
            subject = next(word for word in answer.split() if word in question.split() and len(word) > 3)
            assert subject
            # question at sequential positions after the prefix; the read-back over that page's characters
            prefix = tokens + 2
            assert positions[prefix:prefix + at + 1] == list(range(positions[prefix - 1] + 1,
                                                                   positions[prefix - 1] + 2 + at))
            assert positions[prefix + at + 1] == 1 + 97 * page


def test_plain_text_rows_hold_the_document_then_the_question_and_answer_with_the_sentence(task):
    batch = task.text_batch(random.Random(1), 4)
    for ids, labels in zip(batch["input_ids"].tolist(), batch["labels"].tolist()):
        assert ids[0] == ReaderTokenizer.text
        document = ReaderTokenizer.decode(ids[1:ids.index(ReaderTokenizer.question)])
        answer = _answer(ids, labels)
        assert answer in document.split("\n\n") and 200 < len(document) < 4 * 90 + 200


def test_document_length_grows_over_the_ramp_and_batches_repeat(task):
    assert [task.pages_cap(s) for s in (0, 5, 10, 100)] == [1, 3, 6, 6]
    first, again = task.batch(4, 1, 2), task.batch(4, 1, 2)
    for part in first:
        for key in first[part]:
            assert torch.equal(first[part][key], again[part][key])
    assert not torch.equal(task.batch(5, 1, 2)["pages"]["labels"], first["pages"]["labels"])


def test_every_route_trains(task):
    torch.manual_seed(0)
    model = task.build(0).train()
    optimiser = torch.optim.AdamW(model.parameters(), lr=3e-3)
    batch = task.batch(20, 0, 0)
    assert set(batch) == {"read", "pages", "text"}
    first = last = None
    for _ in range(6):
        loss, metrics = task.loss(model, batch)
        loss.backward()
        optimiser.step()
        optimiser.zero_grad()
        first = first or metrics
        last = metrics
    assert "pages_pointer_loss" in last and "pages_readout_loss" in last
    for part in ("read_loss", "pages_loss", "text_loss"):
        assert last[part] < first[part] - 0.3, (part, first[part], last[part])


def test_held_out_documents_are_the_needle_evaluation_s(task):
    documents = task.held_out_documents()
    assert len(documents) == len(EVAL_LENGTHS) * len(EVAL_DEPTHS)
    for document, lines, question, answer in documents:
        assert question.startswith("What is the secret number of the ") and answer in document
        assert any(line.text == f"The secret number of the {question[33:-1]} is {answer}." for line in lines)


def test_the_shipped_preset_builds_this_task():
    preset = load_preset("tiny-qa")
    assert preset.task == "reader-qa"
    built = build_task(preset, Corpus(train=[TEXT], held_out=[TEXT]))
    assert isinstance(built, QATask) and built.max_pages == 26


def test_the_pointer_scores_every_page_and_reading_starts_on_the_page_chosen(task, monkeypatch):
    model = task.build(0).eval()
    document, lines, question, answer = task.held_out_documents()[0]
    tokens = model.visual_tokens([line.image for line in lines])
    chosen = 2
    seen = {}

    def pointer(states, pages, at):
        seen["pages"] = list(pages)
        scores = torch.zeros(1, len(pages))
        scores[0, chosen] = 1.0
        return scores

    started = []
    embed = model._embed

    def record(token, position, visual, page):
        if int(token[0, 0]) == ReaderTokenizer.transcribe:
            started.append((int(position[0, 0]), page))
        return embed(token, position, visual, page)

    monkeypatch.setattr(model.pointer, "forward", pointer)
    monkeypatch.setattr(model, "_embed", record)
    page, _ = model.point_and_read(tokens, question, 4)
    assert page == chosen and seen["pages"] == [8] * len(lines)
    start = model.layout.page_start([8] * len(lines), chosen)
    # read back from that page's first character, glimpsing that page's cells
    assert start == 1 + 97 * chosen and started == [(start, (start, 8, 8 * chosen))]


def test_reading_lines_can_carry_numbers_in_place_of_words():
    text = TEXT[:4000]
    numbered = with_numbers(text, random.Random(2), 0.3)
    words, changed = text.split(" "), numbered.split(" ")
    assert len(words) == len(changed)
    replaced = [new for old, new in zip(words, changed) if old != new]
    assert replaced and all(word.rstrip(".").isdigit() for word in replaced)
    assert 0.2 < len(replaced) / len(words) < 0.4
