"""`GlyphReader`: a vision encoder and a GlyphLM trained together to read rendered pages.

The encoder turns each page into visual tokens; GlyphLM takes them as a prefix and writes bytes:
the page's text back (`<transcribe>`), the text that follows it (`<continue>`), or the answer to a
question (`<question> ... <answer>`). The same model answers from plain text (`<text> ...`), which is
the baseline the visual path is measured against.

From pages, an answer is found, then read: a pointer head scores every page against the state at
`<answer>` and the best page's line is read back at that page's own positions, the lookup a
transcription makes. The answer is the sentence that states the fact, read off the page; the pointer
looks at pages, not at page numbers, so it takes documents longer than any it was trained on. Every
aligned read-back input (a transcription's too) is also given its glimpse: the readout's distribution
over the character in the cell it predicts, so the language model decides from what the page shows
there instead of having to find, among a token's twelve characters, the one it is at.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import load_file, save_file
from torch import nn

from glyphctx.encode.model import VisionEncoder
from glyphctx.encode.preprocess import fit, grey, to_tensor
from glyphctx.errors import ConfigError, ContextTooLongError, OutputError
from glyphctx.model import GlyphLMForCausalLM
from glyphctx.model.modeling import output_cache
from glyphctx.reader.config import DEFAULT_READER, ReaderConfig, load_reader_config
from glyphctx.reader.positions import READOUT_SLOTS, PositionLayout, pending_bytes
from glyphctx.reader.tokenizer import ReaderTokenizer

CONFIG_FILE = "reader.json"
WEIGHTS_FILE = "model.safetensors"


def window_exceeded(needed: int, window: int, what: str) -> ContextTooLongError:
    return ContextTooLongError(f"{what} needs {needed:,} positions; the model's window is {window:,}",
                               needed=needed, window=window)


class GlyphReader(nn.Module):
    def __init__(self, config: ReaderConfig):
        super().__init__()
        self.config = config
        self.encoder = VisionEncoder(config.encoder)
        self.lm = GlyphLMForCausalLM(config.model_config())
        self.tokenizer = ReaderTokenizer()
        self.layout = PositionLayout.for_reader(config.positions == "aligned", config.render, config.encoder)
        # aligned readers also learn to name the characters under each visual token directly: a dense
        # signal that trains the encoder long before the language model learns to look at it
        self.readout = nn.Linear(config.encoder.out_dim, READOUT_SLOTS * 256) if self.layout.aligned else None
        self.pointer = PagePointer(self.lm.config.hidden_size)
        # an aligned read-back input also gets what the readout sees in the cell of the character it predicts
        self.glimpse = nn.Linear(256, self.lm.config.hidden_size, bias=False) if self.readout is not None else None
        if self.glimpse is not None:  # at the byte embeddings' scale, so the bytes are not drowned at the start
            nn.init.normal_(self.glimpse.weight, std=self.lm.config.initializer_range)

    # ------------------------------------------------------------------ construction and storage
    @classmethod
    def from_preset(cls, name: str | os.PathLike = DEFAULT_READER, seed: int = 0) -> GlyphReader:
        """A freshly initialised reader (seeded), to train or to test plumbing with."""
        config = load_reader_config(name)
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            return cls(config).eval()

    @classmethod
    def from_pretrained(cls, path: str | os.PathLike, device: str | torch.device | None = None) -> GlyphReader:
        folder = Path(path).expanduser()
        if not (folder / CONFIG_FILE).is_file():
            raise ConfigError(f"{folder}: not a reader checkpoint (no {CONFIG_FILE}); `glyphctx train --preset "
                              "tiny-reader` writes one")
        reader = cls(ReaderConfig.load_json(folder / CONFIG_FILE))
        try:
            state = load_file(str(folder / WEIGHTS_FILE))
        except (OSError, Exception) as exc:  # safetensors raises its own error type for a damaged file
            raise ConfigError(f"{folder / WEIGHTS_FILE}: cannot read the reader's weights ({exc})") from None
        if "lm.lm_head.weight" not in state and reader.lm.config.tie_word_embeddings:
            state["lm.lm_head.weight"] = state["lm.model.embed_tokens.weight"]
        missing, unexpected = reader.load_state_dict(state, strict=False)
        if missing or unexpected:
            raise ConfigError(f"{folder / WEIGHTS_FILE}: weights do not fit {CONFIG_FILE} (missing: "
                              f"{', '.join(missing[:3]) or 'none'}; unexpected: {', '.join(unexpected[:3]) or 'none'})")
        return reader.to(device or ("cuda" if torch.cuda.is_available() else "cpu")).eval()

    def save_pretrained(self, path: str | os.PathLike) -> None:
        """Write reader.json and the weights into a fresh folder, then move it into place whole."""
        folder = Path(path).expanduser()
        try:
            folder.parent.mkdir(parents=True, exist_ok=True)
            staging = Path(tempfile.mkdtemp(prefix=f".tmp-{folder.name}-", dir=folder.parent))
        except OSError as exc:
            raise OutputError(f"{folder}: cannot write the reader ({exc.strerror or exc})") from None
        try:
            self.config.save_json(staging / CONFIG_FILE)
            state = {k: v.detach().cpu().contiguous() for k, v in self.state_dict().items()
                     if not (k == "lm.lm_head.weight" and self.lm.config.tie_word_embeddings)}
            save_file(state, str(staging / WEIGHTS_FILE))
            if folder.exists():
                old = folder.with_name(f".old-{folder.name}")
                shutil.rmtree(old, ignore_errors=True)
                folder.rename(old)
                staging.rename(folder)
                shutil.rmtree(old, ignore_errors=True)
            else:
                staging.rename(folder)
        finally:
            shutil.rmtree(staging, ignore_errors=True)

    # ------------------------------------------------------------------ facts
    @property
    def render_config(self):
        return self.config.render

    @property
    def window(self) -> int:
        return int(self.lm.config.max_position_embeddings)

    @property
    def device(self) -> torch.device:
        return next(self.parameters()).device

    def prefix_length(self, pages: Sequence[np.ndarray]) -> int:
        """Positions the visual prefix of these pages takes (tokens plus the two boundary tokens)."""
        return self.layout.prefix([self.encoder.tokens_for(p.shape[1], p.shape[0]) for p in pages])[-1] + 1

    # ------------------------------------------------------------------ training
    def pixels(self, pages: Sequence[np.ndarray]) -> torch.Tensor:
        """Pages of one size -> the [B, C, H, W] tensor the encoder takes."""
        fitted = [fit(grey(page, i), self.encoder.profile) for i, page in enumerate(pages)]
        return to_tensor(fitted, self.encoder.config.in_chans).to(self.device)

    def forward(self, pixels: torch.Tensor | None, input_ids: torch.Tensor, labels: torch.Tensor | None = None,
                positions: torch.Tensor | None = None, characters: torch.Tensor | None = None,
                page: torch.Tensor | None = None, answer_at: torch.Tensor | None = None,
                cells: torch.Tensor | None = None):
        """Rows of pages and bytes: [B, 1, H, W] one-page rows, [B, N, 1, H, W] N-page documents, or None
        (plain text), and [B, T] inputs whose first token names the task.

        `positions` [B, prefix + T] overrides the reader's own layout (training pages drawn with a
        sampled render config carry the layout of that config; documents of several pages always pass
        theirs). `characters` [B, tokens, slots], the byte classes each visual token shows, adds the
        readout's cross-entropy to the loss; `page` [B], the page that answers, with `answer_at` [B],
        where each row's `<answer>` is, adds the pointer's. `cells` [B, T] (-1: none) are the readout cells
        read-back inputs glimpse (`PositionLayout.cells`); without positions, transcriptions get theirs.
        """
        if pixels is None:
            return self.lm(input_ids=input_ids, position_ids=positions, labels=labels, use_cache=False)
        if pixels.dim() == 5:  # documents: every page through the encoder at once, then each row's pages in order
            visual = self.encoder(pixels.flatten(0, 1))
            visual = visual.reshape(pixels.shape[0], -1, visual.shape[-1])
        else:
            visual = self.encoder(pixels)
        embeds = self.lm.model.build_inputs_embeds(input_ids, visual)
        prefix = embeds.shape[1] - input_ids.shape[1]
        if positions is None:
            positions = self.layout.batch(visual.shape[1], input_ids, self.tokenizer.transcribe)
            if self.glimpse is not None:
                start, tokens = self.layout.transcript_start(), visual.shape[1]
                cells = torch.tensor([self.layout.cells(row, start, tokens) if ids[0] == self.tokenizer.transcribe
                                      else [-1] * len(ids) for row, ids in
                                      zip(positions[:, prefix:].tolist(), input_ids.tolist())],
                                     device=input_ids.device)
        if cells is not None and self.glimpse is not None:
            glimpses = self._glimpses(self._cell_probs(visual), cells)
            embeds = torch.cat([embeds[:, :prefix], embeds[:, prefix:] + glimpses], dim=1)
        if labels is not None:
            labels = torch.cat([labels.new_full((labels.shape[0], prefix), -100), labels], dim=1)
        pointing = page is not None and labels is not None
        out = self.lm(inputs_embeds=embeds, position_ids=positions, labels=labels, use_cache=False,
                      output_hidden_states=pointing)
        if characters is not None and self.readout is not None and out.loss is not None:
            logits = self.readout(visual).view(*visual.shape[:2], READOUT_SLOTS, 256)
            out.readout_loss = nn.functional.cross_entropy(logits.reshape(-1, 256), characters.reshape(-1),
                                                           ignore_index=-100)
            out.loss = out.loss + out.readout_loss
        if pointing:
            pages = pixels.shape[1] if pixels.dim() == 5 else 1
            scores = self.pointer(out.hidden_states[-1], [visual.shape[1] // pages] * pages, answer_at + prefix)
            out.pointer_loss = nn.functional.cross_entropy(scores, page)
            out.loss = out.loss + out.pointer_loss
        return out

    # ------------------------------------------------------------------ reading
    @torch.inference_mode()
    def visual_tokens(self, pages: Sequence[np.ndarray]) -> list[torch.Tensor]:
        return self.encoder.encode(pages)

    @torch.inference_mode()
    def transcribe(self, pages: Sequence[np.ndarray], max_new_tokens: int | None = None,
                   batch_size: int = 128) -> list[str]:
        """Each page's text, read page by page (pages of one size are decoded together)."""
        limit = max_new_tokens or self.line_bytes()
        groups: dict[tuple[int, ...], list[int]] = defaultdict(list)
        for index, page in enumerate(pages):
            groups[tuple(page.shape)].append(index)
        out = [""] * len(pages)
        for indices in groups.values():
            for start in range(0, len(indices), batch_size):
                chunk = indices[start:start + batch_size]
                visual = self.encoder(self.pixels([pages[i] for i in chunk]))
                prompt = torch.full((len(chunk), 1), self.tokenizer.transcribe, device=self.device)
                positions = self.layout.positions([visual.shape[1]], 1, transcript=True)
                page = (self.layout.transcript_start(), visual.shape[1], 0) if self.layout.aligned else None
                read = self._generate(prompt, visual, limit, positions, page=page)
                for i, text in zip(chunk, read):
                    out[i] = text
        return out

    @torch.inference_mode()
    def answer(self, pages: Sequence[np.ndarray], question: str, max_new_tokens: int = 32) -> str:
        """The answer to `question` about the document these pages show, read through their visual tokens."""
        return self.answer_tokens(self.visual_tokens(pages), question, max_new_tokens)

    @torch.inference_mode()
    def answer_tokens(self, tokens: Sequence[torch.Tensor], question: str, max_new_tokens: int = 32) -> str:
        """`answer` from visual tokens already encoded (one [n, dim] tensor per page, in page order)."""
        return self.point_and_read(tokens, question, max_new_tokens)[1]

    @torch.inference_mode()
    def point_and_read(self, tokens: Sequence[torch.Tensor], question: str,
                       max_new_tokens: int = 32) -> tuple[int, str]:
        """(the page the pointer chose, what was read from it) for `question` over these pages' tokens."""
        counts = [int(t.shape[0]) for t in tokens]
        prompt = [self.tokenizer.question, *self.tokenizer.encode(question), self.tokenizer.answer]
        positions = self.layout.positions(counts, len(prompt), transcript=False)
        needed = positions[-1] + 1
        if needed > self.window:
            raise window_exceeded(needed, self.window, f"{len(tokens)} page(s) and the question")
        visual = torch.cat(list(tokens)).to(self.device)[None]
        embeds = self.lm.model.build_inputs_embeds(torch.tensor([prompt], device=self.device), visual)
        out = self.lm(inputs_embeds=embeds, position_ids=torch.tensor([positions], device=self.device),
                      use_cache=True, logits_to_keep=1, output_hidden_states=True)
        at = torch.tensor([embeds.shape[1] - 1], device=self.device)
        page = int(self.pointer(out.hidden_states[-1], counts, at).argmax(-1))
        start = self.layout.page_start(counts, page) if self.layout.aligned else needed
        reading = (start, counts[page], sum(counts[:page])) if self.layout.aligned else None
        position = torch.tensor([[start]], device=self.device)
        probs = self._cell_probs(visual) if reading is not None and self.glimpse is not None else None
        first = self._embed(torch.tensor([[self.tokenizer.transcribe]], device=self.device), position, probs, reading)
        out = self.lm(inputs_embeds=first, position_ids=position, past_key_values=output_cache(out), use_cache=True)
        return page, self._decode(out, position, max_new_tokens, probs, reading)[0]

    @torch.inference_mode()
    def answer_text(self, text: str, question: str, max_new_tokens: int = 32) -> str:
        """The same question answered from the plain text: the baseline of the visual path."""
        prompt = [self.tokenizer.text, *self.tokenizer.encode(text), self.tokenizer.question,
                  *self.tokenizer.encode(question), self.tokenizer.answer]
        needed = len(prompt) + max_new_tokens
        if needed > self.window:
            raise window_exceeded(needed, self.window, "the plain text and the question")
        return self._generate(torch.tensor([prompt], device=self.device), None, max_new_tokens,
                              list(range(len(prompt))))[0]

    def line_bytes(self) -> int:
        """Enough bytes for the longest line a page of the reader's render config can hold, and then some."""
        render = self.config.render
        return int(render.text_width_pt * render.scale / 2) + 16  # no glyph is narrower than 2 px

    def _generate(self, prompt: torch.Tensor, visual: torch.Tensor | None, limit: int,
                  positions: list[int], page: tuple[int, int, int] | None = None) -> list[str]:
        """Greedy decoding with the key-value cache, from the positions the layout gives (the same for every row).

        `page` (its first character's position, its token count, its first token's index in the prefix)
        makes it an aligned read-back of that page.
        """
        embeds = self.lm.model.build_inputs_embeds(prompt, visual)
        position = torch.tensor([positions], device=self.device).expand(prompt.shape[0], -1)
        if page is not None and self.glimpse is not None:
            length = prompt.shape[1]
            cells = self.layout.cells(positions[-length:], *page)
            probs = self._cell_probs(visual)
            glimpses = self._glimpses(probs, torch.tensor([cells] * prompt.shape[0], device=self.device))
            embeds = torch.cat([embeds[:, :-length], embeds[:, -length:] + glimpses], dim=1)
        else:
            probs = None
        out = self.lm(inputs_embeds=embeds, position_ids=position, use_cache=True, logits_to_keep=1)
        return self._decode(out, position[:, -1:], limit, probs, page)

    def _cell_probs(self, visual: torch.Tensor) -> torch.Tensor:
        """[B, tokens x READOUT_SLOTS, 256]: the readout's character distribution in every cell of the prefix
        (computed once a generation: every read-back step glimpses into it)."""
        return self.readout(visual).view(visual.shape[0], -1, 256).softmax(-1)

    def _glimpses(self, probs: torch.Tensor, cells: torch.Tensor) -> torch.Tensor:
        """[B, T, hidden]: the distribution in each input's cell ([B, T], -1: none), embedded."""
        picked = probs.gather(1, cells.clamp(min=0)[..., None].expand(-1, -1, 256))
        return self.glimpse(picked) * (cells >= 0)[..., None].to(picked.dtype)

    def _embed(self, token: torch.Tensor, position: torch.Tensor, probs: torch.Tensor | None,
               page: tuple[int, int, int] | None) -> torch.Tensor:
        """[B, 1] inputs at [B, 1] positions -> their embeddings, with their glimpse in an aligned read-back."""
        embeds = self.lm.model.embed_tokens(token)
        if page is None or probs is None:
            return embeds
        cells = torch.tensor([self.layout.cells(position[:, 0].tolist(), *page)], device=token.device).T
        return embeds + self._glimpses(probs, cells)

    def _decode(self, out, position: torch.Tensor, limit: int, probs: torch.Tensor | None = None,
                page: tuple[int, int, int] | None = None) -> list[str]:
        """Greedy decoding on from `out` (the last input's output, its cache) at [B, 1] `position`.

        With `page` (an aligned read-back), generated inputs take one position per character, by
        `character_steps`' rule applied to each row's own bytes, and glimpse their cells; otherwise
        they take one position per byte.
        """
        by_character = page is not None
        token = out.logits[:, -1].argmax(-1)
        finished = token == self.tokenizer.eos
        produced = [token]
        pending = [0] * token.shape[0]
        position = position + self._steps(token, pending, by_character)
        for _ in range(limit - 1):
            if bool(finished.all()):
                break
            out = self.lm(inputs_embeds=self._embed(token[:, None], position, probs, page), position_ids=position,
                          past_key_values=output_cache(out), use_cache=True)
            token = torch.where(finished, self.tokenizer.eos, out.logits[:, -1].argmax(-1))
            finished |= token == self.tokenizer.eos
            produced.append(token)
            position = position + self._steps(token, pending, by_character)
        ids = torch.stack(produced, dim=1).tolist()
        return [self.tokenizer.decode(row) for row in ids]

    def _steps(self, token: torch.Tensor, pending: list[int], by_character: bool) -> torch.Tensor | int:
        """[B, 1] position steps for the inputs `token` (updating each row's owed continuation bytes)."""
        if not by_character:
            return 1
        for row, value in enumerate(token.tolist()):
            pending[row] = pending_bytes(pending[row], value)
        return torch.tensor([[0 if owed else 1] for owed in pending], device=token.device)


class PagePointer(nn.Module):
    """Which page holds the answer: the model's state at `<answer>` scored against each page's mean state.

    Scoring pages by their own states, not by an index, lets the head choose among more pages than any
    training document had.
    """

    def __init__(self, hidden: int):
        super().__init__()
        self.query = nn.Linear(hidden, hidden, bias=False)
        self.key = nn.Linear(hidden, hidden, bias=False)
        self.scale = hidden ** -0.5

    def forward(self, states: torch.Tensor, pages: Sequence[int], at: torch.Tensor) -> torch.Tensor:
        """[B, pages] scores from [B, L, H] final states whose visual tokens (`pages` per page) follow one
        begin token, and [B] indices of each row's `<answer>`."""
        tokens = states[:, 1:1 + sum(pages)]
        if len(set(pages)) == 1:
            keys = tokens.reshape(states.shape[0], len(pages), pages[0], -1).mean(2)
        else:
            keys = torch.stack([chunk.mean(1) for chunk in tokens.split(list(pages), dim=1)], dim=1)
        query = states[torch.arange(states.shape[0], device=states.device), at]
        return (self.key(keys) @ self.query(query)[:, :, None]).squeeze(-1) * self.scale
