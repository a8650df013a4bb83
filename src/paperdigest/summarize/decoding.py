"""Decoding helpers of the local backend: reading a section answer, the two logits processors
that steer a small model (:class:`LatinStartPenalty`, :class:`NumberGuard`) and the one that
only listens (:class:`TokenConfidence`: how sure the model was of each token it wrote).

Pure Python over token pieces; llama.cpp itself is not imported here.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..errors import InvalidAnswer
from ..prompts.echo import addresses_the_writer
from ..text.numbers import digit_forms
from ..text.sentences import sentences

MAX_SENTENCES = 3
MAX_SENTENCE_CHARS = 220  # a longer "sentence" is a run-on the grammar closes

_STRING = re.compile(r'"((?:[^"\\]|\\.)*)"')
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
    content: str | None, *, cut_off: bool = False, instructions: str = "", lang: str | None = None
) -> str:
    """The section text from ``{"sentences": [...]}``.

    An answer that ends early keeps its finished sentences. Repeated sentences, stray JSON
    characters and sentences that repeat the ``instructions`` (the prompt without the paper, which
    a small model sometimes echoes) are dropped; with ``lang``, so are sentences the leakage
    check would flag as addressed to the writer (an order, or the instructions paraphrased).
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
        for sentence in sentences(text):
            sentence = _DEBRIS.sub("", sentence)
            if not sentence or sentence in kept or sentence[0] in "{[":  # JSON debris
                continue
            if (prompt and _repeats(sentence, prompt)) or (
                lang and addresses_the_writer(sentence, lang)
            ):
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


class LatinStartPenalty:
    """A llama-cpp-python logits processor that keeps a non-Latin-script answer out of English.

    Outside parentheses, starting a Latin-script word costs ``penalty`` times one more than the
    Latin words in a row so far (a name or two is cheap, a copied English sentence is not). A
    letter token right after a Latin letter or digit goes on with its word (``Lazy`` + ``LLM``)
    and is free while the run of Latin letters is short; past ``FREE_LETTERS`` it costs too, so
    words glued together ("ResearchCodingBenchmark") are no way around. One instance per answer:
    it follows the tokens as they come.
    """

    FREE_LETTERS = 16

    def __init__(
        self, spaced: Any, attached: Any, penalty: float, piece: Callable[[int], bytes]
    ) -> None:
        self.spaced, self.attached = spaced, attached  # numpy bool masks over the vocabulary
        self.spaced_cost = spaced.astype("float32") * penalty  # " word"
        self.attached_cost = attached.astype("float32") * penalty  # "word"
        self.piece = piece
        self.seen: int | None = None
        self.depth = 0  # parentheses open
        self.last = b" "  # the last byte written
        self.words = 0  # Latin words in a row outside parentheses
        self.letters = 0  # ... and their letters

    def _follow(self, token: int) -> None:
        text = self.piece(token)
        if self.depth == 0 and (
            self.spaced[token] or (self.attached[token] and not self.last.isalnum())
        ):
            self.words += 1
        if any(byte >= 0x80 for byte in text):  # Korean (or any non-ASCII) text
            self.words = self.letters = 0
        elif self.depth == 0:
            self.letters += sum(1 for byte in text if chr(byte).isalpha())
        self.depth = max(0, self.depth + text.count(b"(") - text.count(b")"))
        if text:
            self.last = text[-1:]

    def __call__(self, input_ids: Any, scores: Any) -> Any:
        n = len(input_ids)
        if self.seen is None:  # first call: everything so far is the prompt
            self.seen = n
        for token in input_ids[self.seen : n]:
            self._follow(int(token))
        self.seen = n
        if self.depth == 0:
            scores -= self.spaced_cost * (1 + self.words)
            if not self.last.isalnum():  # bytes.isalnum: ASCII letters and digits only
                scores -= self.attached_cost * (1 + self.words)
            elif self.letters >= self.FREE_LETTERS:
                scores -= self.attached_cost * (self.letters // self.FREE_LETTERS)
        return scores


_NEG_INF = float("-inf")
_NUMBER_CHARS = frozenset(b"0123456789.,"[i : i + 1] for i in range(12))
_DIGIT = re.compile(rb"[0-9]")


def source_numbers(text: str) -> tuple[frozenset[str], frozenset[str]]:
    """(the numbers ``text`` supports, written in digits as the numbers check accepts them:
    :func:`~paperdigest.text.numbers.digit_forms`; every prefix of them)."""
    numbers = digit_forms(text)
    prefixes = {n[:i] for n in numbers for i in range(1, len(n) + 1)}
    return frozenset(numbers), frozenset(prefixes)


class NumberGuard:
    """A llama-cpp-python logits processor: every number the model writes in digits is one the
    paper text has. Numbers are written digit by digit (tokens holding several digits are never
    chosen); a digit, ``.`` or ``,`` that would leave the paper's numbers is not allowed, and a
    number the paper lacks cannot end. One instance per answer."""

    def __init__(
        self,
        source: str,
        char_ids: dict[str, int],
        multi_digit: Any,
        piece: Callable[[int], bytes],
    ) -> None:
        self.numbers, self.prefixes = source_numbers(source)
        self.char_ids = char_ids  # token id of each of "0".."9", "." and ","
        self.multi_digit = multi_digit  # ids of the other tokens that hold a digit
        self.piece = piece
        self.seen: int | None = None
        self.run = ""  # the number being written, if any

    def _follow(self, text: bytes) -> None:
        for byte in text:
            digit = 0x30 <= byte <= 0x39  # ASCII only: UTF-8 bytes of "²" are no digits
            if digit or (byte in b".," and self.run[-1:].isdigit()):
                self.run += chr(byte)
            else:
                self.run = ""

    def __call__(self, input_ids: Any, scores: Any) -> Any:
        n = len(input_ids)
        if self.seen is None:
            self.seen = n
        for token in input_ids[self.seen : n]:
            self._follow(self.piece(int(token)))
        self.seen = n
        run = self.run
        scores[self.multi_digit] = _NEG_INF
        complete = not run or run.rstrip(".,") in self.numbers
        allowed = []
        for ch, token in self.char_ids.items():
            if ch in ".," and not run:
                continue  # plain punctuation
            if run + ch in self.prefixes or (ch in ".," and complete):
                allowed.append(token)
            else:
                scores[token] = _NEG_INF
        if not complete:  # inside a number the paper lacks: only the ways on are open
            kept = scores[allowed].copy()
            scores[:] = _NEG_INF
            scores[allowed] = kept
        return scores


class TokenConfidence:
    """A llama-cpp-python logits processor that changes nothing and records, for each token the
    model writes, the probability it gave that token (after the other processors: put it last).

    The model's own uncertainty is the signal the lexical checks lack: judged by hand on two
    days (bench/judge), translations the 1.5B model wrote with many unsure tokens were
    misleading far more often (issue 14). The last token of an answer is not seen (no call
    follows it). One instance per answer; cost: one softmax over the vocabulary per token.
    """

    def __init__(self) -> None:
        self.probs: list[float] = []
        self._last: Any = None  # log-probabilities of the previous step

    def __call__(self, input_ids: Any, scores: Any) -> Any:
        import numpy as np

        if self._last is not None and len(input_ids):
            self.probs.append(float(np.exp(self._last[int(input_ids[-1])])))
        top = scores.max()
        shifted = scores - top
        self._last = shifted - np.log(np.exp(shifted).sum())
        return scores


@dataclass(frozen=True)
class _Vocab:
    spaced: Any  # numpy bool masks: tokens that start a Latin word after a space ...
    attached: Any  # ... or right away
    foreign: Any  # ... tokens holding a letter of a script Korean never holds (ScriptGuard)
    char_ids: dict[str, int]  # "0".."9", ".", ","
    multi_digit: Any  # numpy ids of the other tokens holding a digit


class TermCopy:
    """A llama-cpp-python logits processor: where the model is unsure how to begin a word, it
    writes one of the source sentence's own English terms instead, copied whole.

    Judged by hand (issue 14), most misleading translations of the 1.5B model were a technical
    term rendered as another real word ("sparse views" as 압축된 뷰) or as a non-word ("coupling"
    as 캤핑), and the model hesitated there (:class:`TokenConfidence`). At such a step — the most
    likely token has a probability under ``unsure_below`` and begins a word — the source terms
    not written yet are looked at: the one whose first token the model itself rates highest is
    written instead, token by token, if the model gave it at least ``floor`` of the top token's
    probability (it was among what the model considered, so it stands where that word goes).
    "coupling합니다" is clumsy Korean; "캤핑합니다" is a wrong word.

    ``terms`` maps each term to its tokens after a space and right after other text (e.g.
    ``{"coupling": ([" coupling"], ["coupling"])}`` as ids). One instance per answer.
    """

    def __init__(
        self,
        terms: dict[str, tuple[list[int], list[int]]],
        piece: Callable[[int], bytes],
        *,
        unsure_below: float = 0.5,
        floor: float = 0.05,
        most: int = 4,
    ) -> None:
        self.terms = terms
        self.piece = piece
        self.unsure_below = unsure_below
        self.floor = floor
        self.most = most  # terms copied at most per answer
        self.copied: list[str] = []
        self.queue: list[int] = []  # the rest of a term being copied
        self.written = b""
        self.seen: int | None = None

    def __call__(self, input_ids: Any, scores: Any) -> Any:
        import numpy as np

        n = len(input_ids)
        if self.seen is None:
            self.seen = n
        for token in input_ids[self.seen : n]:
            self.written += self.piece(int(token))
        self.seen = n
        if self.queue:
            return _only(scores, self.queue.pop(0))
        if len(self.copied) >= self.most or not self.written.strip():
            return scores
        top = int(scores.argmax())
        after_space = self.written[-1:].isspace()
        if not (after_space or self.piece(top)[:1].isspace()):
            return scores  # inside a word: a term would be glued to it
        shifted = scores - scores[top]  # the softmax only at a word's start
        total = float(np.exp(shifted).sum())  # the top token's probability is 1 / total
        if total * self.unsure_below <= 1.0:
            return scores  # sure enough
        text = self.written.decode("utf-8", errors="ignore").lower()
        best, best_p, best_tokens = "", 0.0, []
        for term, (spaced, attached) in self.terms.items():
            if term in self.copied or term.lower() in text:
                continue
            tokens = attached if after_space else spaced
            if not tokens:
                continue
            p = float(np.exp(shifted[tokens[0]]))  # relative to the top token
            if p > best_p:
                best, best_p, best_tokens = term, p, tokens
        if not best or best_p < self.floor:
            return scores
        self.copied.append(best)
        self.queue = list(best_tokens[1:])
        return _only(scores, best_tokens[0])


# The first bytes of UTF-8 characters in scripts a Korean sentence never holds: Cyrillic,
# Armenian, Hebrew, Arabic and the like (0xD0–0xDF), Indic (0xE0), kana and Han (0xE3–0xE9), and
# four-byte characters (0xF0–0xF4). No continuation byte is in these ranges, so a token holding
# one of them begins such a character even when it is only a piece of it. Hangul (0xEA–0xED),
# Latin, Greek (0xCE–0xCF) and punctuation (0xE2) are not among them.
FOREIGN_LEAD_BYTES = frozenset([*range(0xD0, 0xE1), *range(0xE3, 0xEA), *range(0xF0, 0xF5)])


def holds_foreign_script(piece: bytes) -> bool:
    """``piece`` (a token's bytes) begins a character of a script Korean text never holds."""
    return any(b in FOREIGN_LEAD_BYTES for b in piece)


class ScriptGuard:
    """A llama-cpp-python logits processor for a Korean translation: the model may not write a
    letter of another script ("видео", "таких" for "such as", "меди…").

    Such a letter was among the translations' most frequent faults the verification rejects
    (issue 14), each a model call spent and often a sentence lost. Masked, the model writes its
    next most likely token instead ("таких" became "예를 들어"), and the verification judges the
    result as before. ``foreign`` is a numpy bool mask over the vocabulary (tokens holding a
    foreign lead byte).

    English glued to the end of a Korean word ("인ference") is *not* masked: tried, the model
    then finished the word it had begun in Korean as another word ("인식" for inference,
    "실과학" for real scientific), and a translation it had begun badly passed where the glued
    word used to reject it ("GEMM 키널 그룹 크기", judged misleading); the verification rejects
    it instead."""

    def __init__(self, foreign: Any) -> None:
        self.foreign = foreign

    def __call__(self, input_ids: Any, scores: Any) -> Any:
        scores[self.foreign] = _NEG_INF
        return scores


def _only(scores: Any, token: int) -> Any:
    kept = scores[token]
    scores[:] = _NEG_INF
    scores[token] = kept
    return scores
