"""``local``: a GGUF chat model run in-process by llama.cpp (``pip install 'paperdigest[local]'``).

The model is loaded once per run (this object holds it; one paper at a time). Each section is
asked for on its own: small models repeat themselves when asked for all three at once. The
prompt puts the paper before the section's instruction, so llama.cpp reuses the evaluated paper
(its KV cache) for the second and third section. Answers are constrained by a JSON-schema
grammar to ``{"sentences": [one to three strings]}``, so they always parse and stay short.

For a language not written in the Latin script (Korean, by default), starting a Latin-script
word outside parentheses costs the model a little (``latin_penalty``): a 1.5B model otherwise
copies long English phrases from the abstract. Names it has started are not interrupted, and
English terms in parentheses are free.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from types import ModuleType
from typing import Any, ClassVar

from pydantic import Field, ValidationError

from ..errors import BackendError, ConfigError, InvalidAnswer
from ..models import SECTION_KEYS, Sections
from .base import Summarizer, SummaryRequest
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
MAX_SENTENCES = 3
MAX_SENTENCE_CHARS = 220  # a longer "sentence" is a run-on the grammar closes
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
MIN_INPUT_TOKENS = 128  # below this the title and abstract do not fit: refuse the context


def import_llama_cpp() -> ModuleType:
    try:
        import llama_cpp
    except ImportError:
        raise ConfigError(
            f"the local backend needs llama-cpp-python, which is not installed: {INSTALL_HINT}"
        ) from None
    return llama_cpp


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


_STRING = re.compile(r'"((?:[^"\\]|\\.)*)"')
_SENTENCE_SPLIT = re.compile(r"(?<=[.!?。])\s+")
_DEBRIS = re.compile(r'^[\s",]+|[\s{}\[\]",]+$')  # stray JSON characters around a sentence
ECHO_CHARS = 20  # this many characters in a row from the instructions make a sentence an echo
_SENTENCE_END = re.compile(r"[.!?。]\)?$")
_LAST_END = re.compile(r"^.*[.!?。](?=\s)")


def _unquote(body: str) -> str:
    try:
        return str(json.loads(f'"{body}"'))
    except json.JSONDecodeError:
        return ""


def _complete_part(text: str) -> str:
    """The complete sentences at the start of ``text`` (empty if none ended)."""
    match = _LAST_END.match(text)
    return match.group().strip() if match else ""


def parse_section_answer(
    content: str | None, *, cut_off: bool = False, instructions: str = ""
) -> str:
    """The section text from ``{"sentences": [...]}``.

    An answer that ends early keeps its finished sentences. Repeated sentences, stray JSON
    characters and sentences that repeat the ``instructions`` (the prompt without the paper, which
    a small model sometimes echoes) are dropped.
    """
    if not content or not content.strip():
        raise InvalidAnswer("the model returned an empty answer")
    try:
        data = json.loads(content)
        items = data["sentences"] if isinstance(data, dict) else None
    except (json.JSONDecodeError, KeyError):
        # The grammar makes any answer a prefix of valid JSON; one that ends early (the token
        # limit, or a stop string in the text) keeps its finished sentences.
        _, _, rest = content.partition("[")
        items = [_unquote(m) for m in _STRING.findall(rest)]
        if not any(items) and not cut_off:
            raise InvalidAnswer(f"the answer is not the expected JSON: {content[:80]!r}") from None
    if not isinstance(items, list):
        raise InvalidAnswer("the answer has no list of sentences")
    prompt = " ".join(instructions.split())
    kept: list[str] = []
    echoed = False
    for item in items:
        text = " ".join(str(item).split())
        if len(text) >= MAX_SENTENCE_CHARS and not _SENTENCE_END.search(text):
            text = _complete_part(text)  # closed by the length limit mid-sentence
        for sentence in _SENTENCE_SPLIT.split(text):
            sentence = _DEBRIS.sub("", sentence)
            if not sentence or sentence in kept or sentence[0] in "{[":  # JSON debris
                continue
            if prompt and _repeats(sentence, prompt):
                echoed = True
                continue
            kept.append(sentence)
    if not kept:
        raise InvalidAnswer(
            "the answer only repeats the instructions"
            if echoed
            else "the answer was cut off before a sentence ended"
            if cut_off
            else "the answer is empty"
        )
    return " ".join(kept)


def _repeats(sentence: str, prompt: str) -> bool:
    """``sentence`` is (a piece of) the prompt: all of it, or any run of ECHO_CHARS of it."""
    if len(sentence) >= 8 and sentence in prompt:
        return True
    return any(
        sentence[i : i + ECHO_CHARS] in prompt for i in range(len(sentence) - ECHO_CHARS + 1)
    )


def context_size(info: ModelInfo, prompt_tokens: int, input_tokens: int, answer_tokens: int) -> int:
    """Context for the prompt, the input budget and one answer, in steps, within the model's."""
    need = prompt_tokens + input_tokens + answer_tokens + PROMPT_SLACK_TOKENS
    size = -(-need // CONTEXT_STEP) * CONTEXT_STEP
    return min(size, info.context_length) if info.context_length else size


class LatinStartPenalty:
    """A llama-cpp-python logits processor: starting a Latin-script word outside parentheses
    costs ``penalty``. A token that opens a word after a space always starts one; a letter token
    right after a Latin letter or digit goes on with the word it is in (``Lazy`` + ``LLM``) and
    is free. One instance per answer: it follows the parentheses as the tokens come."""

    def __init__(
        self, spaced: Any, attached: Any, penalty: float, piece: Callable[[int], bytes]
    ) -> None:
        # Per-token costs over the vocabulary (numpy float32): one subtraction per step.
        self.spaced_cost = spaced.astype("float32") * penalty  # " word"
        self.attached_cost = attached.astype("float32") * penalty  # "word"
        self.piece = piece
        self.seen: int | None = None
        self.depth = 0
        self.last = b" "

    def __call__(self, input_ids: Any, scores: Any) -> Any:
        n = len(input_ids)
        if self.seen is None:  # first call: everything so far is the prompt
            self.seen = n
        for token in input_ids[self.seen : n]:
            text = self.piece(int(token))
            self.depth = max(0, self.depth + text.count(b"(") - text.count(b")"))
            if text:
                self.last = text[-1:]
        self.seen = n
        if self.depth == 0:
            scores -= self.spaced_cost
            if not self.last.isalnum():  # bytes.isalnum: ASCII letters and digits only
                scores -= self.attached_cost
        return scores


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

    def __init__(self, model_path: str | None = None, options: dict[str, Any] | None = None):
        try:
            self.options = self.Options(**(options or {}))
        except ValidationError as exc:
            reasons = "; ".join(
                f"{'.'.join(str(x) for x in e['loc'])}: {e['msg']}" for e in exc.errors()
            )
            raise ConfigError(f"bad option for the local backend: {reasons}") from None
        llama_cpp = import_llama_cpp()
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
        self._latin: Any = None
        self._tries: dict[tuple[str, tuple[str, ...]], int] = {}

    @property
    def model_id(self) -> str:
        return self.choice.name

    # -- tokens ---------------------------------------------------------------------------------

    def tokenize(self, text: str) -> list[int]:
        return list(self.llm.tokenize(text.encode("utf-8"), add_bos=False, special=False))

    def detokenize(self, tokens: Sequence[int]) -> str:
        return self.llm.detokenize(list(tokens)).decode("utf-8", errors="ignore")

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

    def sampling(self, lang: str, seed: int | None = None) -> dict[str, Any]:
        """The keyword arguments of ``create_chat_completion`` besides the messages."""
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
        if penalty > 0:
            from llama_cpp import LogitsProcessorList

            processor = LatinStartPenalty(*self._latin_masks(), penalty, self._piece)
            kwargs["logits_processor"] = LogitsProcessorList([processor])
        return kwargs

    def _piece(self, token: int) -> bytes:
        return bytes(self.llm.detokenize([token]))

    def _latin_masks(self) -> tuple[Any, Any]:
        """Which tokens start with a space and a Latin letter, and which with the letter."""
        if self._latin is None:
            import numpy as np

            pieces = [self._piece(t) for t in range(self.llm.n_vocab())]
            # Punctuation may lead the letters ("_jump", ".sparse"); "(" may not: "(LLM" is free.
            spaced = re.compile(rb"\s+[!-'*-/:-@\[-`{-~]*[A-Za-z]")
            attached = re.compile(rb"[!-'*-/:-@\[-`{-~]*[A-Za-z]")
            self._latin = (
                np.array([bool(spaced.match(p)) for p in pieces]),
                np.array([bool(attached.match(p)) for p in pieces]),
            )
        return self._latin  # type: ignore[no-any-return]

    def summarize(self, request: SummaryRequest) -> Sections:
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
        settings = self.sampling(request.prompts.lang, seed=self.options.seed + tries)
        sections = {}
        for key in SECTION_KEYS:
            instructions = "\n".join(  # the prompt without the paper text
                m["content"] for m in self.messages(request, key, "")
            )
            sections[key] = self._section(self.messages(request, key, text), settings, instructions)
        return Sections(**sections)

    def _section(
        self, messages: list[dict[str, str]], settings: dict[str, Any], instructions: str
    ) -> str:
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
        choice = response["choices"][0]
        return parse_section_answer(
            choice["message"]["content"],
            cut_off=choice.get("finish_reason") == "length",
            instructions=instructions,
        )

    def close(self) -> None:
        llm = getattr(self, "llm", None)
        if llm is not None:
            llm.close()
            self.llm = None  # type: ignore[assignment]


def _notify(message: str) -> None:
    print(f"note: {message}", file=sys.stderr)
