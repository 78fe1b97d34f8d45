"""The reader's question-answering objective: facts planted in documents of many pages, asked back.

Each step trains three kinds of rows together:

- reading: one-line pages transcribed or continued (`ReaderTask`), which teach the encoder the glyphs;
- pages: a document of N one-line pages from the training chapters with one to three generated facts
  (`glyphctx.reader.facts`) planted in it as paragraphs of their own, as the needle evaluation plants
  them; the question about one of them follows the visual prefix, the pointer learns which page states
  it, and the page's line is read back at that page's positions (`GlyphReader.point_and_read`);
- text: the same kind of document as plain bytes after `<text>`, the same question, and the sentence
  that states the fact as the answer, so the plain-text baseline is the same weights on the other route.

Several facts of the same relation share a document, so the answer depends on the subject the
question names, not on which number is on the page. N grows from one page to `max_pages` over the
first `ramp_steps` steps: short documents teach where an answer sits before long ones ask to search
for it. Held-out scores use the needle evaluation's own documents (held-out chapters, its sentence
and questions, depths 0, 0.5 and 1).
"""

from __future__ import annotations

import random
from typing import Any

import torch

from glyphctx.common.needles import answer_found, haystack, plant_needles, question_for
from glyphctx.errors import ConfigError
from glyphctx.reader.config import DEFAULT_READER
from glyphctx.reader.facts import Fact, make_facts
from glyphctx.reader.lines import Line, passage, render_lines, sample_config
from glyphctx.reader.model import GlyphReader
from glyphctx.reader.task import IGNORE, ReaderTask, corrupt, forward
from glyphctx.reader.tokenizer import ReaderTokenizer

#: characters of prose drawn per page wanted (lines hold up to 96; paragraph ends hold fewer)
PROSE_PER_PAGE = 110
#: characters of a plain-text document per page of the pages route it stands beside
TEXT_PER_PAGE = 90
EVAL_LENGTHS = (1000, 2000)
EVAL_DEPTHS = (0.0, 0.5, 1.0)
#: longest answer read back or generated in the held-out scores: one line of the reader's pages
ANSWER_BYTES = 100


class QATask(ReaderTask):
    def __init__(self, corpus, reader: str = DEFAULT_READER, batch_size: int = 16, passages: int = 4,
                 continue_share: float = 0.1, eval_lines: int = 96, input_noise: float = 0.0,
                 number_share: float = 0.0, *,
                 qa_documents: int = 8, text_documents: int = 2, max_pages: int = 30, ramp_steps: int = 600,
                 max_facts: int = 3, eval_trials: int = 2):
        super().__init__(corpus, reader=reader, batch_size=batch_size, passages=passages,
                         continue_share=continue_share, eval_lines=eval_lines, input_noise=input_noise,
                         number_share=number_share)
        for name, value in (("qa_documents", qa_documents), ("max_pages", max_pages), ("max_facts", max_facts),
                            ("eval_trials", eval_trials)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ConfigError(f"{name} must be a positive integer, got {value!r}")
        if isinstance(text_documents, bool) or not isinstance(text_documents, int) or text_documents < 0:
            raise ConfigError(f"text_documents must be an integer >= 0, got {text_documents!r}")
        if isinstance(ramp_steps, bool) or not isinstance(ramp_steps, int) or ramp_steps < 0:
            raise ConfigError(f"ramp_steps must be an integer >= 0, got {ramp_steps!r}")
        self.qa_documents, self.text_documents = qa_documents, text_documents
        self.max_pages, self.ramp_steps, self.max_facts = max_pages, ramp_steps, max_facts
        self.eval_trials = eval_trials
        self._held_out_documents: list[tuple[str, list[Line], str, str]] | None = None

    # ------------------------------------------------------------------ the trainer's protocol
    def batch(self, step: int, micro: int, seed: int) -> dict[str, Any]:
        rng = random.Random(f"reader-qa:{seed}:{step}:{micro}")
        pages = rng.randint(1, self.pages_cap(step))
        out = {"read": self.line_batch(rng, self.batch_size), "pages": self.pages_batch(rng, pages)}
        if self.text_documents:
            out["text"] = self.text_batch(rng, rng.randint(1, self.pages_cap(step)))
        return out

    def pages_cap(self, step: int) -> int:
        if self.ramp_steps == 0 or step >= self.ramp_steps:
            return self.max_pages
        return 1 + (self.max_pages - 1) * step // self.ramp_steps

    def loss(self, model: GlyphReader, batch: dict[str, Any]) -> tuple[torch.Tensor, dict[str, float]]:
        total, metrics = None, {}
        for part, rows in batch.items():
            out = forward(model, rows)
            total = out.loss if total is None else total + out.loss
            metrics[f"{part}_loss"] = float(out.loss.detach())
            for extra in ("readout_loss", "pointer_loss"):
                if getattr(out, extra, None) is not None:
                    metrics[f"{part}_{extra}"] = float(getattr(out, extra).detach())
        metrics["loss"] = float(total.detach())
        return total, metrics

    def evaluate(self, model: GlyphReader) -> dict[str, float]:
        scores = super().evaluate(model)
        was_training = model.training
        model.eval()
        try:
            pages = pointed = text = 0
            documents = self.held_out_documents()
            for document, lines, question, answer in documents:
                page, read = model.point_and_read(model.visual_tokens([line.image for line in lines]), question,
                                                  ANSWER_BYTES)
                pages += answer_found(read, answer)
                pointed += f" is {answer}." in lines[page].text
                text += answer_found(model.answer_text(document, question, ANSWER_BYTES), answer)
        finally:
            model.train(was_training)
        scores["needle_pages"] = pages / len(documents)
        scores["needle_pointer"] = pointed / len(documents)  # the page chosen is the needle's
        scores["needle_text"] = text / len(documents)
        return scores

    # ------------------------------------------------------------------ training rows
    def document(self, rng: random.Random, chars: int) -> tuple[str, list[Fact]]:
        """About `chars` characters of a training chapter with facts planted in it, and the facts."""
        text = passage(self.corpus.train, rng, chars)
        facts = make_facts(rng.randint(1, self.max_facts), rng)
        for fact in facts:
            text = plant(text, fact.sentence, rng)
        return text, facts

    def pages_batch(self, rng: random.Random, pages: int) -> dict[str, Any]:
        """`qa_documents` documents of exactly `pages` one-line pages each, a question, the page that answers
        it and that page's line read back."""
        config = sample_config(self.config.render, rng)
        layout = self._layout(config)
        documents, rows, answering = [], [], []
        for _ in range(self.qa_documents):
            lines, page, fact = self._pages(rng, config, pages)
            documents.append(lines)
            answering.append(page)
            question = [ReaderTokenizer.question, *ReaderTokenizer.encode(fact.question), ReaderTokenizer.answer]
            rows.append((question, [ReaderTokenizer.transcribe, *ReaderTokenizer.encode(lines[page].text),
                                    ReaderTokenizer.eos]))
        from glyphctx.encode.preprocess import to_tensor

        pixels = torch.stack([to_tensor([line.image for line in lines], 1) for lines in documents])
        tokens = self.page_tokens(pixels)
        counts = [tokens] * pages
        batch = pad_rows([(q + a, len(q) + 1) for q, a in rows])
        positions, cells = [], []
        for (question, _), page, ids in zip(rows, answering, batch["input_ids"].tolist()):
            asked = layout.positions(counts, len(question), transcript=False)
            back = layout.read_back(counts, page, asked[-1] + 1, ids[len(question):])
            positions.append(asked + back)
            cells.append([-1] * len(question) + (layout.cells(back, back[0], tokens, page * tokens) if layout.aligned
                                                 else [-1] * len(back)))
        if self.input_noise:
            corrupt(batch, rng, self.input_noise, starts=[len(q) + 1 for q, _ in rows])
        batch["pixels"] = pixels
        batch["positions"] = torch.tensor(positions, dtype=torch.long)
        batch["cells"] = torch.tensor(cells, dtype=torch.long)
        batch["page"] = torch.tensor(answering, dtype=torch.long)
        batch["answer_at"] = torch.tensor([len(q) - 1 for q, _ in rows], dtype=torch.long)
        if layout.aligned:
            batch["characters"] = torch.tensor(
                [[slots for line in lines for slots in layout.token_characters(line.text, tokens)]
                 for lines in documents], dtype=torch.long)
        return batch

    def _pages(self, rng: random.Random, config, pages: int) -> tuple[list[Line], int, Fact]:
        """Exactly `pages` lines of a document with facts (none of the facts' lines dropped), the fact the
        question asks about and its line."""
        while True:
            text, facts = self.document(rng, pages * PROSE_PER_PAGE)
            lines = render_lines(text, config)
            stated = {line.text: i for i, line in enumerate(lines)}
            if len(lines) < pages or any(f.sentence not in stated for f in facts) or len(facts) > pages:
                continue  # a sentence wrapped or was changed by normalisation, or too few lines: draw again
            keep = {stated[f.sentence] for f in facts}
            prose = [i for i in range(len(lines)) if i not in keep]
            dropped = set(rng.sample(prose, len(lines) - pages))
            kept = [line for i, line in enumerate(lines) if i not in dropped]
            asked = rng.choice(facts)
            return kept, next(i for i, line in enumerate(kept) if line.text == asked.sentence), asked

    def text_batch(self, rng: random.Random, pages: int) -> dict[str, Any]:
        """`text_documents` plain-text documents about as long as `pages` pages, a question, and the sentence
        that answers it."""
        rows = []
        for _ in range(self.text_documents):
            text, facts = self.document(rng, pages * TEXT_PER_PAGE)
            fact = rng.choice(facts)
            prompt = [ReaderTokenizer.text, *ReaderTokenizer.encode(text), ReaderTokenizer.question,
                      *ReaderTokenizer.encode(fact.question), ReaderTokenizer.answer]
            rows.append(([*prompt, *ReaderTokenizer.encode(fact.sentence), ReaderTokenizer.eos], len(prompt)))
        return pad_rows(rows)

    # ------------------------------------------------------------------ held-out documents
    def held_out_documents(self) -> list[tuple[str, list[Line], str, str]]:
        """(document, its pages, question, answer) as `glyphctx eval needle` makes them, from held-out text."""
        if self._held_out_documents is None:
            text = "\n\n".join(self.corpus.held_out)
            out = []
            for length in EVAL_LENGTHS:
                for trial in range(self.eval_trials):
                    hay, _ = haystack(text, length, trial, self.eval_trials)
                    for index, depth in enumerate(EVAL_DEPTHS):
                        document, (needle,) = plant_needles(hay, [depth], seed=10_007 + length + 31 * trial + index)
                        out.append((document, render_lines(document, self.config.render), question_for(needle),
                                    needle.answer))
            self._held_out_documents = out
        return self._held_out_documents


def plant(text: str, sentence: str, rng: random.Random) -> str:
    """`text` with `sentence` as a paragraph of its own at a paragraph break (or either end)."""
    breaks = [0, len(text)] + [i + 2 for i in range(len(text) - 1) if text[i:i + 2] == "\n\n"]
    cut = rng.choice(breaks)
    before, after = text[:cut].rstrip("\n"), text[cut:].lstrip("\n")
    return "\n\n".join(part for part in (before, sentence, after) if part)


def pad_rows(rows: list[tuple[list[int], int]]) -> dict[str, torch.Tensor]:
    """(inputs, where the answer starts) -> inputs padded on the right; labels from the answer's start on."""
    width = max(len(ids) for ids, _ in rows)
    input_ids = torch.full((len(rows), width), ReaderTokenizer.pad, dtype=torch.long)
    labels = torch.full((len(rows), width), IGNORE, dtype=torch.long)
    for i, (ids, start) in enumerate(rows):
        input_ids[i, :len(ids)] = torch.tensor(ids)
        labels[i, start:len(ids)] = torch.tensor(ids[start:])  # the model shifts them by one
    return {"input_ids": input_ids, "labels": labels}
