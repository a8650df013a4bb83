"""``local``: a GGUF chat model run in-process by llama.cpp (``pip install 'paperdigest[local]'``).

The model is loaded once per run (this object holds it; one paper at a time). Each section is
asked for on its own: small models repeat themselves when asked for all three at once. The
prompt puts the paper before the section's instruction, so llama.cpp reuses the evaluated paper
(its KV cache) for the second and third section. Answers are constrained by a JSON-schema
grammar to ``{"sentences": [one to three strings]}``, so they always parse and stay short.

Two logits processors steer a small model where prompting alone does not:

- :class:`LatinStartPenalty` (languages not written in the Latin script, e.g. Korean): English
  outside parentheses costs more the longer it runs, so the model translates instead of copying
  the abstract; names it has started and English terms in parentheses stay cheap.
- :class:`NumberGuard`: every number written in digits is one the paper text has.

Sentences that only echo the prompt are dropped; a section left empty is sampled again with
another seed and a little more temperature.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import re
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from types import ModuleType
from typing import Any, ClassVar, Literal

from pydantic import Field, ValidationError

from ..errors import BackendError, ConfigError, InvalidAnswer
from ..models import SECTION_KEYS, Sections
from ..text.scripts import base_lang
from .base import Summarizer, SummaryRequest
from .decoding import (  # re-exported: the backend's decoding helpers live in decoding.py
    _DIGIT,
    _NUMBER_CHARS,
    MAX_SENTENCE_CHARS,
    MAX_SENTENCES,
    LatinStartPenalty,
    NumberGuard,
    ScriptGuard,
    TermCopy,
    TokenConfidence,
    _Vocab,
    holds_foreign_script,
    parse_section_answer,
)
from .local_model import (
    INSTALL_HINT,
    ModelChoice,
    ModelInfo,
    available_memory,
    choose_model,
    model_info,
    require_chat_model,
    require_memory,
)

log = logging.getLogger(__name__)

CUT_NOTE = "[… text cut to fit the context]"
SECTION_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "sentences": {
            "type": "array",
            "items": {"type": "string", "minLength": 1, "maxLength": MAX_SENTENCE_CHARS},
            "minItems": 1,
            "maxItems": MAX_SENTENCES,
        }
    },
    "required": ["sentences"],
    "additionalProperties": False,
}
# Languages whose own script is not Latin: for them, English outside parentheses is steered away.
NON_LATIN_LANGS = frozenset(
    {"ko", "ja", "zh", "ru", "uk", "bg", "el", "ar", "fa", "he", "hi", "th"}
)
PROMPT_SLACK_TOKENS = 64  # chat-template tokens around the messages
PROMPT_RESERVE_TOKENS = 768  # a section prompt without the paper, feedback included
CONTEXT_STEP = 512
SECTION_ATTEMPTS = 3  # an answer that is only an echo of the prompt is sampled again ...
RETRY_WARMER = 0.3  # ... with a new seed and this much more temperature each time
MIN_INPUT_TOKENS = 128  # below this the title and abstract do not fit: refuse the context


def import_llama_cpp() -> ModuleType:
    try:
        import llama_cpp
    except ImportError:
        raise ConfigError(
            f"the local backend needs llama-cpp-python, which is not installed: {INSTALL_HINT}"
        ) from None
    module: ModuleType = llama_cpp
    return module


def cpu_threads() -> int:
    """CPUs this process may run on (its affinity mask, not the machine's count)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


# -- pure helpers (tested without a model) ------------------------------------------------------


def fit_input(
    text: str,
    limit: int,
    tokenize: Callable[[str], Sequence[int]],
    detokenize: Callable[[Sequence[int]], str],
) -> tuple[str, bool]:
    """``text`` within ``limit`` tokens: its head (title and abstract come first) plus a note.

    Returns (text, whether it was cut).
    """
    tokens = tokenize(text)
    if len(tokens) <= limit:
        return text, False
    keep = max(0, limit - len(tokenize("\n" + CUT_NOTE)))
    head = detokenize(tokens[:keep]).rstrip()
    return f"{head}\n{CUT_NOTE}", True


def context_size(info: ModelInfo, prompt_tokens: int, input_tokens: int, answer_tokens: int) -> int:
    """Context for the prompt, the input budget and one answer, in steps, within the model's."""
    need = prompt_tokens + input_tokens + answer_tokens + PROMPT_SLACK_TOKENS
    size = -(-need // CONTEXT_STEP) * CONTEXT_STEP
    return min(size, info.context_length) if info.context_length else size


@dataclass
class CallStats:
    prompt_tokens: int
    completion_tokens: int
    seconds: float


# -- the backend --------------------------------------------------------------------------------


class LocalSummarizer(Summarizer):
    name: ClassVar[str] = "local"
    max_concurrency: ClassVar[int | None] = 1  # one model, one context
    input_budget_tokens: ClassVar[int] = 3000  # paper text per request; the context fits it

    class Options(Summarizer.Options):
        temperature: float = Field(0.2, ge=0, le=2)
        top_p: float = Field(0.9, gt=0, le=1)
        repeat_penalty: float = Field(1.15, ge=1, le=2)
        repeat_window: int = Field(192, ge=0, le=4096)
        latin_penalty: float | None = Field(None, ge=0, le=20)  # None: 3.0 for non-Latin langs
        max_tokens: int = Field(360, ge=32, le=4096)  # per section
        n_ctx: int | None = Field(None, ge=256)  # None: from the prompt and the input budget
        n_threads: int | None = Field(None, ge=1, le=512)  # None: the CPUs this process may use
        n_batch: int = Field(512, ge=32, le=8192)
        seed: int = Field(0, ge=0)
        max_memory_mb: int | None = Field(None, ge=1)  # None: what the machine has available
        # translate: choose the abstract's sentences per section and translate each, verified
        # (faithful; see summarize/faithful.py); compose: write each section freely (issue 3)
        mode: Literal["translate", "compose"] = "translate"
        # translate mode: check each sentence by translating it back (self-feedback; slower)
        verify: bool = False
        numbers_from_text: bool = True  # digits only as the paper text has them (NumberGuard)
        # translate mode: a sentence written with more tokens the model gave under 50% is left
        # out (its own doubt; see faithful.unsure); -1 keeps every sentence whatever its doubts
        max_unsure: int = Field(8, ge=-1, le=1000)
        max_calls: int = Field(12, ge=1, le=100)  # translate mode: model calls per paper
        # translate mode: where the model is unsure how to begin a word, it copies one of the
        # source sentence's English terms instead (decoding.TermCopy); false: never
        copy_terms: bool = True
        # translate mode, Korean: no letter of another script (decoding.ScriptGuard); false:
        # unguarded
        script_guard: bool = True

    def __init__(
        self,
        model_path: str | None = None,
        options: dict[str, Any] | None = None,
        *,
        load: bool = True,
    ) -> None:
        """``load=False`` runs every check a load would (options, model file, header, memory)
        without importing llama.cpp: the worker's parent refuses bad settings this way."""
        try:
            self.options = self.Options(**(options or {}))
        except ValidationError as exc:
            reasons = "; ".join(
                f"{'.'.join(str(x) for x in e['loc'])}: {e['msg']}" for e in exc.errors()
            )
            raise ConfigError(f"bad option for the local backend: {reasons}") from None
        if load:
            llama_cpp = import_llama_cpp()
        elif importlib.util.find_spec("llama_cpp") is None:
            import_llama_cpp()  # raises the ConfigError that says what to install
        self.choice: ModelChoice = choose_model(model_path, notify=_notify)
        self.info: ModelInfo = model_info(self.choice.path)
        require_chat_model(self.info)
        opts = self.options
        self.n_ctx = opts.n_ctx or context_size(
            self.info, PROMPT_RESERVE_TOKENS, self.input_budget_tokens, opts.max_tokens
        )
        if self.info.context_length and self.n_ctx > self.info.context_length:
            raise ConfigError(
                f"n_ctx={self.n_ctx} is more than {self.choice.path.name} supports "
                f"({self.info.context_length} tokens)"
            )
        self.n_batch = min(opts.n_batch, self.n_ctx)
        limit: int | None
        if opts.max_memory_mb:
            limit, what = opts.max_memory_mb << 20, "allowed (-o max_memory_mb)"
        else:
            limit, what = available_memory(), "available"
        require_memory(self.info, self.n_ctx, self.n_batch, limit, what=what)
        self.n_threads = opts.n_threads or cpu_threads()
        if not load:
            return
        started = time.perf_counter()
        try:
            self.llm = llama_cpp.Llama(
                model_path=str(self.choice.path),
                n_ctx=self.n_ctx,
                n_batch=self.n_batch,
                n_threads=self.n_threads,
                n_threads_batch=self.n_threads,
                last_n_tokens_size=opts.repeat_window,
                seed=opts.seed,
                use_mmap=False,  # mapped, the file's pages count twice next to repacked weights
                verbose=False,
            )
        except (ValueError, RuntimeError) as exc:
            raise ConfigError(f"llama.cpp cannot load {self.choice.path}: {exc}") from None
        self.load_seconds = time.perf_counter() - started
        self.calls: list[CallStats] = []
        self._vocab_info: _Vocab | None = None
        self._tries: dict[tuple[str, tuple[str, ...]], int] = {}
        self._faithful: dict[tuple[str, str], Sections] = {}  # (paper id, abstract) -> answer

    @property
    def model_id(self) -> str:
        # The way of writing is part of the identity: switching it summarizes again.
        name = self.choice.name
        if self.options.mode == "compose":
            return name
        return f"{name}+translate+verify" if self.options.verify else f"{name}+translate"

    @property
    def writer_version(self) -> str:
        if self.options.mode == "compose":
            return ""
        from .faithful import WRITER_VERSION

        return f"faithful-{WRITER_VERSION}"

    # -- tokens ---------------------------------------------------------------------------------

    def tokenize(self, text: str) -> list[int]:
        return list(self.llm.tokenize(text.encode("utf-8"), add_bos=False, special=False))

    def detokenize(self, tokens: Sequence[int]) -> str:
        return str(self.llm.detokenize(list(tokens)).decode("utf-8", errors="ignore"))

    def count_tokens(self, text: str) -> int:
        return len(self.tokenize(text))

    def input_limit(self, request: SummaryRequest) -> int:
        """Tokens left for the paper text in this request's longest section prompt."""
        overhead = max(
            sum(self.count_tokens(m["content"]) for m in self.messages(request, key, ""))
            for key in SECTION_KEYS
        )
        return self.n_ctx - overhead - PROMPT_SLACK_TOKENS - self.options.max_tokens

    # -- generation -----------------------------------------------------------------------------

    def messages(self, request: SummaryRequest, key: str, text: str) -> list[dict[str, str]]:
        return request.prompts.section(key, request.paper.title, text, request.problems)

    def sampling(
        self, lang: str, seed: int | None = None, source: str | None = None
    ) -> dict[str, Any]:
        """The keyword arguments of ``create_chat_completion`` besides the messages; ``source``
        (the paper text) limits the numbers the model may write to its own."""
        opts = self.options
        kwargs: dict[str, Any] = {
            "response_format": {"type": "json_object", "schema": SECTION_SCHEMA},
            "temperature": opts.temperature,
            "top_p": opts.top_p,
            "repeat_penalty": opts.repeat_penalty,
            "max_tokens": opts.max_tokens,
            "seed": opts.seed if seed is None else seed,
        }
        penalty = opts.latin_penalty
        if penalty is None:
            penalty = 3.0 if lang.split("-")[0] in NON_LATIN_LANGS else 0.0
        processors: list[Any] = []
        if penalty > 0:
            vocab = self._vocab()
            processors.append(LatinStartPenalty(vocab.spaced, vocab.attached, penalty, self._piece))
        if source is not None and opts.numbers_from_text:
            vocab = self._vocab()
            processors.append(NumberGuard(source, vocab.char_ids, vocab.multi_digit, self._piece))
        if processors:
            from llama_cpp import LogitsProcessorList

            kwargs["logits_processor"] = LogitsProcessorList(processors)
        return kwargs

    def _piece(self, token: int) -> bytes:
        return bytes(self.llm.detokenize([token]))

    def _vocab(self) -> _Vocab:
        """What the logits processors need to know of every token, found once per run."""
        if self._vocab_info is None:
            import numpy as np

            pieces = [self._piece(t) for t in range(self.llm.n_vocab())]
            # Punctuation may lead the letters ("_jump", ".sparse"); "(" may not: "(LLM" is free.
            spaced = re.compile(rb"\s+[!-'*-/:-@\[-`{-~]*[A-Za-z]")
            attached = re.compile(rb"[!-'*-/:-@\[-`{-~]*[A-Za-z]")
            chars = {p.decode(): t for t, p in enumerate(pieces) if p in _NUMBER_CHARS}
            self._vocab_info = _Vocab(
                spaced=np.array([bool(spaced.match(p)) for p in pieces]),
                attached=np.array([bool(attached.match(p)) for p in pieces]),
                foreign=np.array([holds_foreign_script(p) for p in pieces]),
                char_ids={c: chars[c] for c in sorted(chars)},
                multi_digit=np.array(
                    [
                        t
                        for t, p in enumerate(pieces)
                        if _DIGIT.search(p) and p not in _NUMBER_CHARS
                    ],
                    dtype=np.intp,
                ),
            )
        return self._vocab_info

    def summarize(self, request: SummaryRequest) -> Sections:
        if self.options.mode == "translate" and request.prompts.can_translate:
            return self._summarize_faithful(request)
        limit = self.input_limit(request)
        if limit < MIN_INPUT_TOKENS:
            raise ConfigError(
                f"a {self.n_ctx}-token context leaves no room for the paper text next to the "
                f"prompt and a {self.options.max_tokens}-token answer: use a larger -o n_ctx=N"
            )
        text, cut = fit_input(request.input_text, limit, self.tokenize, self.detokenize)
        if cut:
            log.warning(
                "%s: the paper text was cut to fit the local model's %d-token context",
                request.paper.id,
                self.n_ctx,
            )
        # Asked again for the same paper and feedback (the answer was invalid), sample anew.
        asked = (request.paper.id, tuple(request.problems))
        tries = self._tries.get(asked, 0)
        self._tries[asked] = tries + 1
        lang, source = request.prompts.lang, f"{request.paper.title}\n{text}"
        sections = {}
        for key in SECTION_KEYS:
            instructions = "\n".join(  # the prompt without the paper text
                m["content"] for m in self.messages(request, key, "")
            )
            messages = self.messages(request, key, text)
            for attempt in range(SECTION_ATTEMPTS):
                # Each answer gets fresh logits processors (they follow the answer's tokens).
                settings = self.sampling(
                    lang, seed=self.options.seed + tries * SECTION_ATTEMPTS + attempt, source=source
                )
                settings["temperature"] += RETRY_WARMER * attempt
                try:
                    sections[key] = self._section(messages, settings, instructions, lang)
                    break
                except InvalidAnswer:
                    if attempt == SECTION_ATTEMPTS - 1:
                        raise
        return Sections(**sections)

    def _summarize_faithful(self, request: SummaryRequest) -> Sections:
        """Translate the abstract's own sentences chosen per section, each verified against its
        source sentence (see :mod:`paperdigest.summarize.faithful`)."""
        from .faithful import ATTEMPTS, FaithfulWriter, Translated, copy_terms

        # Each sentence is verified already: asked again for the same paper (a repair round of
        # the digest), the same answer comes back at no cost, which ends the repairs.
        done = self._faithful.get((request.paper.id, request.paper.abstract))
        if done is not None:
            return done
        tries = 0
        opts = self.options

        def translate(sentence: str, attempt: int) -> Translated:
            confidence = TokenConfidence()  # last: it records what the others let through
            settings: dict[str, Any] = {
                # greedy first: a translation has one best answer; warmer only to try again
                "temperature": RETRY_WARMER * attempt,
                "top_p": opts.top_p,
                "repeat_penalty": 1.0,  # the answer should repeat the source's names
                "max_tokens": min(opts.max_tokens, 3 * self.count_tokens(sentence) + 48),
                "seed": opts.seed + tries * ATTEMPTS + attempt,
                "stop": ["\n"],
            }
            processors: list[Any] = []
            if opts.numbers_from_text:
                vocab = self._vocab()
                processors.append(
                    NumberGuard(sentence, vocab.char_ids, vocab.multi_digit, self._piece)
                )
            if opts.script_guard and base_lang(request.prompts.lang) == "ko":
                vocab = self._vocab()
                processors.append(ScriptGuard(vocab.foreign))
            if opts.copy_terms:
                terms = {
                    t: (self.tokenize(f" {t}"), self.tokenize(t)) for t in copy_terms(sentence)
                }
                processors.append(TermCopy(terms, self._piece))
            from llama_cpp import LogitsProcessorList

            settings["logits_processor"] = LogitsProcessorList([*processors, confidence])
            text = self._complete(request.prompts.translation(sentence), settings)
            return Translated(text, tuple(confidence.probs))

        def back(text: str) -> str:
            settings: dict[str, Any] = {
                "temperature": 0.0,
                "repeat_penalty": 1.0,
                "max_tokens": 2 * self.count_tokens(text) + 32,
                "seed": opts.seed,
                "stop": ["\n"],
            }
            return self._complete(request.prompts.back_translation(text), settings)

        writer = FaithfulWriter(
            translate,
            lang=request.prompts.lang,
            back_translate=back if opts.verify else None,
            max_calls=opts.max_calls,
            max_unsure=None if opts.max_unsure < 0 else opts.max_unsure,
        )
        sections, _ = writer.write(request.paper.abstract)
        for line in writer.log:
            log.info("%s: %s", request.paper.id, line)
        self._faithful[(request.paper.id, request.paper.abstract)] = sections
        return sections

    def _complete(self, messages: list[dict[str, str]], settings: dict[str, Any]) -> str:
        """One chat completion's text, its cost recorded."""
        return str(self._choice(messages, settings)["message"]["content"] or "")

    def _choice(self, messages: list[dict[str, str]], settings: dict[str, Any]) -> Any:
        """One chat completion's first choice; its tokens and time recorded."""
        started = time.perf_counter()
        try:
            response = self.llm.create_chat_completion(messages, **settings)
        except ValueError as exc:  # e.g. the prompt does not fit the context
            raise BackendError(f"llama.cpp refused the request: {exc}") from None
        usage = response.get("usage") or {}
        self.calls.append(
            CallStats(
                int(usage.get("prompt_tokens", 0)),
                int(usage.get("completion_tokens", 0)),
                time.perf_counter() - started,
            )
        )
        self.usage.add(tokens=int(usage.get("total_tokens", 0)))
        return response["choices"][0]

    def _section(
        self,
        messages: list[dict[str, str]],
        settings: dict[str, Any],
        instructions: str,
        lang: str | None = None,
    ) -> str:
        choice = self._choice(messages, settings)
        return parse_section_answer(
            choice["message"]["content"],
            cut_off=choice.get("finish_reason") == "length",
            instructions=instructions,
            lang=lang,
        )

    def close(self) -> None:
        llm = getattr(self, "llm", None)
        if llm is not None:
            llm.close()
            self.llm = None  # type: ignore[assignment, unused-ignore]  # typed with the extra


def _notify(message: str) -> None:
    print(f"note: {message}", file=sys.stderr)
