"""Text measurements the checks are built from: pure functions, no I/O.

- :func:`letter_share`: how much of a text is written in the target language's script.
- :func:`word_overlap`: how much two texts share their words.
- :func:`find_numbers` / :func:`unsupported_numbers`: the numbers a text states, normalised
  (``2.34x`` = ``2.34배`` = ``2.34 times``, ``1,000`` = ``1000`` = ``1천``, ``12.3 %`` = ``12.3%``,
  ``4.5 million`` = ``450만``), with small counts written as words (``three``, ``세 가지``).
- :func:`find_names` / :func:`unsupported_names`: model, dataset and method names and acronyms.

Numbers inside names (``GPT-4``, ``Llama3-70B``, ``EVA2-CLIP``) belong to the names, not to the
numbers; quantities with a unit (``8K``, ``128K``, ``44.1kHz``, ``1057M``, ``4.4B``, ``4-bit``)
are numbers.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache

__all__ = [
    "NumberMention",
    "find_names",
    "find_numbers",
    "letter_share",
    "number_values",
    "result_numbers",
    "strip_parentheses",
    "unsupported_names",
    "unsupported_numbers",
    "word_overlap",
    "words",
]

# -- scripts and letter shares -----------------------------------------------------------------


def _is_hangul(ch: str) -> bool:
    code = ord(ch)
    return 0xAC00 <= code <= 0xD7A3 or 0x1100 <= code <= 0x11FF or 0x3130 <= code <= 0x318F


def _is_latin(ch: str) -> bool:
    return ch.isascii() or "LATIN" in unicodedata.name(ch, "")


def _is_kana(ch: str) -> bool:
    return 0x3040 <= ord(ch) <= 0x30FF


def _is_cjk(ch: str) -> bool:
    code = ord(ch)
    return 0x4E00 <= code <= 0x9FFF or 0x3400 <= code <= 0x4DBF


def _is_cyrillic(ch: str) -> bool:
    return 0x0400 <= ord(ch) <= 0x04FF


_SCRIPT = {
    "ko": _is_hangul,
    "ja": lambda ch: _is_kana(ch) or _is_cjk(ch),
    "zh": _is_cjk,
    "ru": _is_cyrillic,
    "uk": _is_cyrillic,
    "bg": _is_cyrillic,
}


def strip_parentheses(text: str) -> str:
    """The text without anything inside (round) parentheses, nested ones included."""
    out: list[str] = []
    depth = 0
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")" and depth:
            depth -= 1
        elif depth == 0:
            out.append(ch)
    return "".join(out)


def letter_share(text: str, lang: str) -> float:
    """Share (0..1) of the letters outside parentheses written in ``lang``'s script.

    Korean counts Hangul; Japanese kana and kanji; Chinese Han characters; Russian, Ukrainian
    and Bulgarian Cyrillic; every other language the Latin script. A text without letters
    outside parentheses has share 0.
    """
    is_target = _SCRIPT.get(lang.split("-")[0].lower(), _is_latin)
    letters = [ch for ch in strip_parentheses(text) if ch.isalpha()]
    if not letters:
        return 0.0
    return sum(1 for ch in letters if is_target(ch)) / len(letters)


# -- words and overlap -------------------------------------------------------------------------

_WORD = re.compile(r"[^\W_]+(?:[.'’-][^\W_]+)*", re.UNICODE)


def words(text: str) -> list[str]:
    """Lower-cased words (letters and digits; ``GPT-4``, ``2.34`` and ``don't`` stay whole)."""
    return [w.lower() for w in _WORD.findall(text)]


def word_overlap(a: str, b: str) -> float:
    """Share (0..1) of the smaller text's distinct words that the other text also has.

    1.0 when one text's words are all in the other (a copy, or a copy with additions); 0.0 when
    either text has no words.
    """
    wa, wb = set(words(a)), set(words(b))
    if not wa or not wb:
        return 0.0
    return len(wa & wb) / min(len(wa), len(wb))


# -- sentences that speak to the model, not about the paper -----------------------------------

_SENTENCE_BREAK = re.compile(r"(?<=[.!?。])\s+")
# Korean summaries are declarative (~합니다); these endings give an order, as a prompt does
_KO_IMPERATIVE = re.compile(r"(?:세요|십시오|하시오|하라|할 것)\s*[.!]?\s*$")
_EN_IMPERATIVE = re.compile(
    r"^(?:Please\s+)?(?:Write|Include|Fix|Summarize|Answer|Mention|Keep|Do not|Don't)\b(?!\s+of\b)"
)
# Hangul pairs that any formal Korean sentence has (endings, connectives): no evidence of echo
_KO_COMMON_PAIRS = frozenset(
    {
        "합니", "니다", "입니", "습니", "됩니", "있습", "였습", "었습", "했습",
        "하는", "하고", "하여", "으로", "에서", "이러", "러한", "그리", "리고",
    }
)  # fmt: skip
_EN_COMMON_WORDS = frozenset(
    {
        "the", "and", "for", "that", "this", "with", "are", "was", "were", "its", "from",
        "their", "them", "they", "these", "those", "which", "has", "have", "had", "not",
        "but", "also", "into", "than", "then", "when", "what", "why", "how", "all", "any",
        "each", "our", "can",
    }
)  # fmt: skip


def sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_BREAK.split(text) if s.strip()]


def echo_pieces(text: str, lang: str) -> list[str]:
    """What instruction echo is measured on: Hangul letter pairs for Korean (words there carry
    particles and endings), lower-cased words of three letters or more otherwise; the pieces
    every sentence has are left out."""
    if lang == "ko":
        pairs = [w[i : i + 2] for w in re.findall(r"[가-힣]+", text) for i in range(len(w) - 1)]
        return [p for p in pairs if p not in _KO_COMMON_PAIRS]
    return [w for w in words(text) if len(w) >= 3 and w.isalpha() and w not in _EN_COMMON_WORDS]


def has_anchor(sentence: str, lang: str) -> bool:
    """A number, or a name or term from the paper: for Korean any Latin word, for English a
    capitalised word after the first or a word with a digit or capitals inside."""
    if any(ch.isdigit() for ch in sentence):
        return True
    if lang == "ko":
        return re.search(r"[A-Za-z]{2,}", sentence) is not None
    tokens = re.findall(r"[A-Za-z][\w-]*", sentence)
    return any(t[0].isupper() for t in tokens[1:]) or any(
        any(ch.isupper() for ch in t[1:]) for t in tokens
    )


def is_instruction(sentence: str, lang: str) -> bool:
    """An order addressed to the writer ("2.34x를 포함하세요.", "Include the numbers.")."""
    if lang == "ko":
        return _KO_IMPERATIVE.search(sentence) is not None
    return _EN_IMPERATIVE.search(sentence) is not None


def instruction_echo(sentence: str, lang: str, vocabulary: frozenset[str]) -> float:
    """Share (0..1) of the sentence's pieces that come from the instructions; 0.0 for a
    sentence too short to judge (fewer than five pieces)."""
    pieces = echo_pieces(sentence, lang)
    if len(pieces) < 5:
        return 0.0
    return sum(1 for p in pieces if p in vocabulary) / len(pieces)


# -- numbers -----------------------------------------------------------------------------------

# Magnitudes written after a number. Case matters for K/M/B/T (``1057M``, ``4.4B``, ``128K``).
_MAGNITUDE_SUFFIX = {"K": 3, "k": 3, "M": 6, "B": 9, "T": 12}
_MAGNITUDE_WORDS = {
    "hundred": 2,
    "thousand": 3,
    "million": 6,
    "millions": 6,
    "billion": 9,
    "billions": 9,
    "trillion": 12,
}
_KOREAN_MAGNITUDE = {"십": 1, "백": 2, "천": 3, "만": 4, "억": 8, "조": 12}
# Units that make a digit run a quantity rather than part of a name. Lower-cased comparison.
_UNITS = {
    "x",
    "×",
    "%",
    "times",
    "fold",
    "hz",
    "khz",
    "mhz",
    "ghz",
    "ms",
    "s",
    "sec",
    "secs",
    "min",
    "mins",
    "h",
    "hr",
    "hrs",
    "kb",
    "mb",
    "gb",
    "tb",
    "pb",
    "bit",
    "bits",
    "byte",
    "bytes",
    "px",
    "fps",
    "db",
    "pp",
    "pt",
    "pts",
    "st",
    "nd",
    "rd",
    "th",
    "k",
    "m",
    "b",
    "t",
}
_EN_NUMBER_WORDS = {
    "zero": 0,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
    "hundred": 100,
    "thousand": 1000,
    "dozen": 12,
    "twice": 2,
    "double": 2,
    "triple": 3,
    "single": 1,
    "dual": 2,
    "first": 1,
    "second": 2,
    "third": 3,
    "fourth": 4,
    "fifth": 5,
    "sixth": 6,
    "seventh": 7,
    "eighth": 8,
    "ninth": 9,
    "tenth": 10,
    "firstly": 1,
    "secondly": 2,
    "thirdly": 3,
}
# Korean native numerals; they count only when a counter follows (세 가지, 두 명, 다섯 단계).
_KO_NATIVE = {
    "한": 1,
    "하나": 1,
    "첫": 1,
    "두": 2,
    "둘": 2,
    "세": 3,
    "셋": 3,
    "석": 3,
    "네": 4,
    "넷": 4,
    "다섯": 5,
    "여섯": 6,
    "일곱": 7,
    "여덟": 8,
    "아홉": 9,
    "열": 10,
    "스무": 20,
    "스물": 20,
}
_KO_ORDINAL = {"첫째": 1, "둘째": 2, "셋째": 3, "넷째": 4, "다섯째": 5}
_KO_COUNTERS = (
    "가지",
    "개",
    "명",
    "단계",
    "번째",
    "번",
    "종류",
    "차례",
    "배",
    "층",
    "줄",
    "편",
    "건",
    "곳",
    "쌍",
    "대",
    "부분",
    "모듈",
    "요소",
    "축",
    "시간",
    "분",
    "초",
    "해",
    "달",
    "주",
    "가지의",
    "회",
    "라운드",
    "차원",
    "비트",
    "레벨",
    "수준",
    "갈래",
    "방향",
    "측면",
    "영역",
)

_PLAIN = r"\d{1,3}(?:,\d{3})+(?![\d,])|\d+"
_NUM = rf"(?:{_PLAIN})(?:\.\d+)?"
_SCI = re.compile(
    rf"(?<![\w.])(?P<m>{_NUM})\s*[x×*·]\s*10\s*\^\s*\{{?\s*(?P<e>[-−–]?\d+)\s*\}}?"
    rf"|(?<![\w.])(?P<m2>{_NUM})[eE](?P<e2>[-−]?\d+)(?![\w.])"
)
_NUMBER_UNIT = re.compile(rf"^(?P<num>{_NUM})\s?(?P<unit>[A-Za-z%×]*)$")
_RANGE_SPLIT = re.compile(r"[-–~]|(?<=\d)to(?=\d)")
_TRAIL_PUNCT = ".,;:!?'\"”’)]}>"


@dataclass(frozen=True)
class NumberMention:
    """One number as written in a text."""

    text: str  # as written, e.g. "2.34배", "1,000", "세 가지"
    value: Decimal  # the number without magnitude: 2.34, 1000, 3
    scaled: Decimal  # with its magnitude: "4.5 million" -> 4500000, "128K" -> 128000
    word: bool = False  # written as a word ("three", "세 가지")
    unit: str = ""
    start: int = 0  # character offset in the text

    @property
    def decimals(self) -> int:
        exponent = self.value.as_tuple().exponent
        return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def _decimal(text: str) -> Decimal | None:
    try:
        return Decimal(text.replace(",", ""))
    except InvalidOperation:
        return None


def _scale(value: Decimal, power: int) -> Decimal:
    return value.scaleb(power) if power else value


def _korean_magnitude(tail: str) -> int:
    power = 0
    for ch in tail:
        if ch in _KOREAN_MAGNITUDE:
            power += _KOREAN_MAGNITUDE[ch]
        else:
            break
    # "십" and "백" alone right after digits are rare and usually something else (백분율...)
    return power if power >= 3 else 0


def _parse_quantity(head: str) -> tuple[Decimal, int, str] | None:
    """``'2.34x'`` -> (2.34, 0, 'x'); ``'128K'`` -> (128, 3, 'K'); None when not a quantity."""
    match = _NUMBER_UNIT.match(head)
    if not match:
        return None
    value = _decimal(match["num"])
    if value is None:
        return None
    unit = match["unit"]
    if not unit:
        return value, 0, ""
    if unit in _MAGNITUDE_SUFFIX:
        return value, _MAGNITUDE_SUFFIX[unit], unit
    if unit.lower() in _UNITS:
        return value, 0, unit
    return None


def _mentions_in_head(head: str, offset: int) -> list[NumberMention] | None:
    """The numbers a Latin/digit token states, or None when the token is a name (GPT-4...)."""
    head = head.rstrip(_TRAIL_PUNCT + "-–~")
    if not head or not any(ch.isdigit() for ch in head):
        return []
    single = _parse_quantity(head)
    if single is not None:
        value, power, unit = single
        return [NumberMention(head, value, _scale(value, power), unit=unit, start=offset)]
    parts = [p for p in _RANGE_SPLIT.split(head)]
    if len(parts) >= 2 and all(parts):
        parsed = [_parse_quantity(p) for p in parts]
        if all(p is not None for p in parsed):  # a range: 2-4x, 8K-128K, 1.5~2
            last_power = parsed[-1][1]  # type: ignore[index]
            last_unit = parsed[-1][2]  # type: ignore[index]
            out = []
            for part, item in zip(parts, parsed, strict=True):
                assert item is not None
                value, power, unit = item
                power = power or last_power
                out.append(
                    NumberMention(
                        part, value, _scale(value, power), unit=unit or last_unit, start=offset
                    )
                )
            return out
        first = _parse_quantity(parts[0])
        if first is not None and all(re.fullmatch(r"[a-z]+", p) for p in parts[1:]):
            value, power, unit = first  # 4-bit, 10-minute, 3-stage
            return [NumberMention(head, value, _scale(value, power), unit=parts[1], start=offset)]
    return None


_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9.,%×+_/^{}\-–~']*|[가-힣]+|[^\sA-Za-z0-9가-힣]")
_PARTICLES = frozenset(
    re.split(
        r"\s+",
        "의 로 으로 를 을 은 는 이 가 와 과 에 에서 만 도 씩 째 간 까지 부터 보다 이며 이고 에게 "
        "만큼 뿐 짜리 이나 나 로서 로써 에서는 에는 로는 으로는 이상 이하 가량 정도 인 입니다 이다 "
        "였 이었 에서의 으로의 로의 과의 와의 에도 로도",
    )
)


@dataclass(frozen=True)
class _Token:
    text: str
    start: int
    end: int

    @property
    def latin(self) -> bool:
        return self.text[0].isascii() and self.text[0].isalnum()

    @property
    def hangul(self) -> bool:
        return _is_hangul(self.text[0])


def _tokens(text: str) -> list[_Token]:
    return [_Token(m.group(), m.start(), m.end()) for m in _TOKEN.finditer(text)]


def _counter_follows(text: str) -> str | None:
    """The counter ``text`` starts with, when only a particle follows it (가지로, 단계의)."""
    for counter in sorted(_KO_COUNTERS, key=len, reverse=True):
        if text.startswith(counter) and (
            text[len(counter) :] == "" or text[len(counter) :] in _PARTICLES
        ):
            return counter
    return None


def find_numbers(text: str) -> list[NumberMention]:
    """Every number stated in ``text`` (digits and number words), in order of appearance.

    Not numbers: list markers such as ``(1)``, digits inside names (``GPT-4``, ``Llama3-70B``).
    Korean native numerals count only before a counter (``세 가지``, ``두 명``).
    """
    mentions: list[NumberMention] = []
    masked = list(text)
    for match in _SCI.finditer(text):
        mantissa = _decimal(match["m"] or match["m2"])
        exponent = (match["e"] or match["e2"]).replace("−", "-").replace("–", "-")
        if mantissa is None:
            continue
        scaled = mantissa.scaleb(int(exponent))
        mentions.append(NumberMention(match.group(), scaled, scaled, unit="e", start=match.start()))
        for k in range(match.start(), match.end()):
            masked[k] = " "
    flat = "".join(masked)
    tokens = _tokens(flat)
    skip = 0
    for i, tok in enumerate(tokens):
        if skip:
            skip -= 1
            continue
        nxt = tokens[i + 1] if i + 1 < len(tokens) else None
        attached = nxt if nxt is not None and nxt.start == tok.end else None
        if tok.hangul:
            korean = _korean_word_number(tok.text, nxt.text if nxt and nxt.hangul else "")
            if korean is not None:
                count, spelled, used_next = korean
                mentions.append(
                    NumberMention(spelled, Decimal(count), Decimal(count), True, start=tok.start)
                )
                skip = 1 if used_next else 0
            continue
        if not tok.latin:
            continue
        prev = tokens[i - 1] if i else None
        if (
            prev is not None
            and prev.text == "("
            and prev.end == tok.start
            and re.fullmatch(r"\d{1,2}", tok.text)
            and attached is not None
            and attached.text == ")"
        ):
            continue  # (1) (2): list markers
        head = tok.text.rstrip(_TRAIL_PUNCT + "-–~")
        lower = head.lower()
        first_part = re.split(r"[-–]", lower)[0]
        if first_part in _EN_NUMBER_WORDS and re.fullmatch(r"[a-z]+(?:-[a-z]+)*", lower):
            value = Decimal(_EN_NUMBER_WORDS[first_part])
            power = 0
            spelled = head
            if first_part == lower and nxt is not None and nxt.text.lower() in _MAGNITUDE_WORDS:
                power = _MAGNITUDE_WORDS[nxt.text.lower()]
                spelled += " " + nxt.text
                skip = 1
            mentions.append(
                NumberMention(spelled, value, _scale(value, power), True, start=tok.start)
            )
            continue
        if (
            re.fullmatch(r"\d{1,2}", head)
            and attached is not None
            and attached.text == ")"
            and (prev is None or prev.end < tok.start)
        ):
            continue  # 1) 2): list markers
        found = _mentions_in_head(head, tok.start)
        if not found:
            continue  # no digits, or a name such as GPT-4
        if len(found) == 1 and not found[0].unit:
            mention = found[0]
            power, unit, spelled = 0, "", mention.text
            if attached is not None and attached.hangul:
                power = _korean_magnitude(attached.text)
                if power:
                    rest = attached.text.lstrip("십백천만억조")
                    unit = attached.text[: len(attached.text) - len(rest)]
                    spelled += unit
                elif attached.text.startswith("배"):
                    unit, spelled = "배", spelled + "배"
            elif attached is not None and attached.text == "%":
                unit, spelled = "%", spelled + "%"
            elif nxt is not None and nxt.text.lower() in _MAGNITUDE_WORDS:
                power = _MAGNITUDE_WORDS[nxt.text.lower()]
                unit = nxt.text.lower()
                spelled += " " + nxt.text
                skip = 1
            elif nxt is not None and nxt.text.lower() in {"times", "%", "fold"}:
                unit = nxt.text.lower()
                spelled += " " + nxt.text
                skip = 1
            found = [
                NumberMention(
                    spelled,
                    mention.value,
                    _scale(mention.value, power),
                    unit=unit,
                    start=tok.start,
                )
            ]
        mentions.extend(found)
    mentions.sort(key=lambda m: m.start)
    return mentions


def _korean_word_number(chunk: str, nxt: str) -> tuple[int, str, bool] | None:
    """(value, as written, whether the counter is the next token) for 세 가지, 두명, 첫째."""
    for word, value in _KO_ORDINAL.items():
        if chunk.startswith(word) and (chunk[len(word) :] in _PARTICLES or chunk == word):
            return value, word, False
    for word in sorted(_KO_NATIVE, key=len, reverse=True):
        if not chunk.startswith(word):
            continue
        rest = chunk[len(word) :]
        if rest:
            if _counter_follows(rest):
                return _KO_NATIVE[word], chunk, False
            if word in {"하나", "둘", "셋", "넷"} and rest in _PARTICLES:
                return _KO_NATIVE[word], chunk, False
            continue
        counter = _counter_follows(nxt)
        if counter:
            return _KO_NATIVE[word], f"{word} {counter}", True
        if word in {"하나", "둘", "셋", "넷"}:
            return _KO_NATIVE[word], word, False
    return None


# Counts up to this, written as words ("two", "두 가지", "한 번"), are never called unsupported:
# "both", "a single", "one of" are language, not claims.
FREE_WORD_COUNT = 2

_ENUM_MARKER = re.compile(r"\((\d{1,2})\)|(?<![\w.])(\d{1,2})\)")
_LIST_SENTENCE = re.compile(
    r"(?:[^,;:.()]+,\s*){1,9}(?:and|or|as well as)\s+[^,;:.()]+", re.IGNORECASE
)


@dataclass(frozen=True)
class _SourceNumbers:
    values: frozenset[Decimal]  # raw and scaled values of every number the source states
    counts: frozenset[int]  # sizes of lists the source enumerates (supports "다섯 가지")


def _name_numbers(text: str) -> Iterator[Decimal]:
    """Numbers inside names (Llama3-70B: 3, 70, 70e9; 3D: 3) — a name supports its numbers."""
    for match in re.finditer(r"[A-Za-z0-9][A-Za-z0-9.\-+_/]*", text):
        token = match.group()
        if not (any(c.isdigit() for c in token) and any(c.isalpha() for c in token)):
            continue
        for part in re.findall(r"\d+(?:\.\d+)?[KMBT]?", token):
            quantity = _parse_quantity(part)
            if quantity is not None:
                value, power, _ = quantity
                yield value
                yield _scale(value, power)


@lru_cache(maxsize=256)
def _source_numbers(source_text: str) -> _SourceNumbers:
    values: set[Decimal] = set()
    for mention in find_numbers(source_text):
        values.add(mention.value)
        values.add(mention.scaled)
    values.update(_name_numbers(source_text))
    lower = source_text.lower()
    for match in re.finditer(r"\b(\w+)\s+decades?\b", lower):  # two decades -> 20 years
        if match.group(1) in _EN_NUMBER_WORDS:
            values.add(Decimal(_EN_NUMBER_WORDS[match.group(1)] * 10))
    counts: set[int] = set()
    markers = [int(a or b) for a, b in _ENUM_MARKER.findall(source_text)]
    if markers:
        counts.add(max(markers))
    for match in _LIST_SENTENCE.finditer(" ".join(source_text.split())):
        # "a, b, c, and d" or "a, b and c": where the list starts is unknown, so every length
        # from three items up to all of them counts
        counts.update(range(3, match.group().count(",") + 3))
    return _SourceNumbers(frozenset(v.normalize() for v in values), frozenset(counts))


def rounds_to(value: Decimal, decimals: int, candidates: Iterable[Decimal]) -> bool:
    quantum = Decimal(1).scaleb(-decimals)
    for candidate in candidates:
        exponent = candidate.as_tuple().exponent
        if isinstance(exponent, int) and -exponent > decimals:
            try:
                if candidate.quantize(quantum, rounding=ROUND_HALF_UP) == value:
                    return True
            except InvalidOperation:
                continue
    return False


def _supported(mention: NumberMention, source: _SourceNumbers) -> bool:
    if mention.word and mention.value <= FREE_WORD_COUNT:
        return True
    if mention.value.normalize() in source.values or mention.scaled.normalize() in source.values:
        return True
    if mention.word and int(mention.value) in source.counts:
        return True
    # "74.8%" for the source's "74.76%": a rounding, written with at least one decimal
    return mention.decimals >= 1 and rounds_to(mention.value, mention.decimals, source.values)


def unsupported_numbers(summary_text: str, source_text: str) -> list[str]:
    """The numbers of ``summary_text`` that ``source_text`` does not state, as written, in order.

    Equal after normalisation: ``2.34x`` / ``2.34배`` / ``2.34 times``; ``1,000`` / ``1000`` /
    ``1천``; ``12.3%`` / ``12.3 %``; ``4.5 million`` / ``450만``; a rounding written with decimals
    (``74.8%`` for ``74.76%``). Small counts may be words on either side (``three`` / ``3`` /
    ``세 가지``); a count word is also supported by a list of that many items in the source.
    Counts of one or two written as words are never unsupported.
    """
    source = _source_numbers(source_text)
    out: list[str] = []
    for mention in find_numbers(summary_text):
        if not _supported(mention, source) and mention.text not in out:
            out.append(mention.text)
    return out


def number_values(text: str) -> set[Decimal]:
    """The normalised values (raw and scaled) of the numbers written in digits in ``text``."""
    values: set[Decimal] = set()
    for mention in find_numbers(text):
        if not mention.word:
            values.add(mention.value.normalize())
            values.add(mention.scaled.normalize())
    return values


# -- result figures ----------------------------------------------------------------------------

_RESULT_CUES = re.compile(
    r"achiev|outperform|surpass|accelerat|faster|speed|improv|accura|error|score|reduc|gain|"
    r"increase|solve|state-of-the-art|sota|exceed|better|higher|lower|beat|boost|result|"
    r"requir|only|just",
    re.IGNORECASE,
)
_RESULT_UNITS = {
    "x",
    "×",
    "%",
    "times",
    "fold",
    "pp",
    "pt",
    "pts",
    "points",
    "minutes",
    "minute",
    "hours",
    "hour",
    "seconds",
    "second",
    "ms",
    "s",
    "min",
    "h",
    "days",
}
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z(])")


def result_numbers(abstract: str) -> list[NumberMention]:
    """The abstract's headline figures: quantities with a result unit in a result sentence.

    ``LazyLLM accelerates ... by 2.34x`` -> 2.34x; ``achieving a WER of just 0.80%`` -> 0.80%;
    ``requiring less than 10 minutes for training`` -> 10. Sizes of the setup (``8K to 128K
    tokens``, ``group size of 128``) are not results.
    """
    out: list[NumberMention] = []
    flat = " ".join(abstract.split())
    for sentence in _SENTENCE.split(flat):
        if not _RESULT_CUES.search(sentence):
            continue
        for mention in find_numbers(sentence):
            if mention.word:
                continue
            unit = mention.unit.lower()
            if not unit:
                unit = _word_after(sentence, mention)
                if unit in _RESULT_UNITS or unit.rstrip("s") in _RESULT_UNITS:
                    mention = replace(mention, text=f"{mention.text} {unit}", unit=unit)
            if unit in _RESULT_UNITS or unit.rstrip("s") in _RESULT_UNITS:
                out.append(mention)
    return out


def _word_after(sentence: str, mention: NumberMention) -> str:
    """The unit after a bare number, also across a range: "1.5 to 2 times" -> "times"."""
    rest = sentence[mention.start + len(mention.text) :]
    match = re.match(rf"\s*(?:(?:to|-|–|~)\s*{_NUM}\s*)?([A-Za-z%×]+)", rest)
    return match.group(1).lower() if match else ""


# -- names -------------------------------------------------------------------------------------

# Model and dataset families whose names are ordinary capitalised words.
KNOWN_NAMES = frozenset(
    {
        "flamingo",
        "llama",
        "mistral",
        "mixtral",
        "claude",
        "gemini",
        "gemma",
        "qwen",
        "falcon",
        "vicuna",
        "alpaca",
        "whisper",
        "phi",
        "deepseek",
        "chinchilla",
        "gopher",
        "galactica",
        "pythia",
        "dolly",
        "orca",
        "zephyr",
        "baichuan",
        "midjourney",
        "sora",
        "imagen",
        "bard",
        "copilot",
        "llava",
        "blip",
        "sam",
        "dino",
        "yolo",
        "bloom",
        "opt",
        "codex",
        "starcoder",
        "wizardlm",
        "olmo",
        "mamba",
        "jamba",
        "grok",
        "ernie",
        "chatglm",
        "internlm",
        "minicpm",
        "imagenet",
        "wikipedia",
        "coco",
    }
)
# Field-wide acronyms, hardware and units of compute: they name no model, dataset or method.
GENERIC_ACRONYMS = frozenset(
    {
        "ai",
        "ml",
        "dl",
        "nlp",
        "cv",
        "llm",
        "llms",
        "lm",
        "lms",
        "gpu",
        "gpus",
        "cpu",
        "cpus",
        "tpu",
        "npu",
        "ram",
        "sram",
        "dram",
        "vram",
        "hbm",
        "flops",
        "flop",
        "tflops",
        "macs",
        "api",
        "apis",
        "sota",
        "qa",
        "url",
        "pdf",
        "json",
        "ok",
        "ii",
        "iii",
        "iv",
        "vs",
        "et",
        "al",
        "eg",
        "ie",
    }
)
_NAME_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9.\-+_/']*[A-Za-z0-9]|[A-Za-z]")
_TITLE_WORD = re.compile(r"^[A-Z][a-z]+$")
_ATOM = re.compile(r"[a-z]+|\d+")
_STOP = {"of", "and", "the", "for", "to", "in", "with", "a", "an", "on", "by", "from"}


def _is_name(token: str) -> bool:
    if not any(ch.isalpha() for ch in token):
        return False
    if any(ch.isdigit() for ch in token):
        return _mentions_in_head(token, 0) is None  # GPT-4 yes; 128K, 4-bit, 2.34x no
    parts = [p for p in re.split(r"[-/]", token) if p]
    if parts and all(_TITLE_WORD.match(p) for p in parts):  # Self-Evaluation, Post-Training
        return any(p.lower() in KNOWN_NAMES for p in parts)  # but Whisper-Large is a name
    upper = sum(1 for ch in token if ch.isupper())
    if upper >= 2:
        return True
    return token.lower() in KNOWN_NAMES


def find_names(text: str) -> list[str]:
    """Model, dataset and method names and acronyms in ``text``, in order, without repeats.

    A name is a Latin token with letters and digits that is not a quantity (``GPT-4o``,
    ``Llama3-70B``, ``T5``), an acronym or a CamelCase word (``RAG``, ``LazyLLM``, ``SciCode``),
    or a known model family (``Flamingo``, ``Gemma``). Title-case terms (``Self-Evaluation``)
    and field-wide acronyms (``AI``, ``LLM``, ``GPU``) are not names.
    """
    out: list[str] = []
    for match in _NAME_TOKEN.finditer(text):
        token = match.group()
        token = re.sub(r"'s$", "", token)
        if token.lower() in GENERIC_ACRONYMS or token.lower().rstrip("s") in GENERIC_ACRONYMS:
            continue
        if _is_name(token) and token not in out:
            out.append(token)
    return out


def _atoms(text: str) -> list[str]:
    return _ATOM.findall(text.lower())


@dataclass(frozen=True)
class _SourceNames:
    runs: frozenset[str]  # concatenations of 1..8 consecutive atoms, plurals stripped too
    words: tuple[str, ...]  # the source's words, for acronyms made of their initials


@lru_cache(maxsize=256)
def _source_names(source_text: str) -> _SourceNames:
    atoms = _atoms(source_text)
    runs: set[str] = set()
    for i in range(len(atoms)):
        joined = ""
        for j in range(i, min(i + 8, len(atoms))):
            joined += atoms[j]
            runs.add(joined)
            if len(joined) > 3 and joined.endswith("s"):
                runs.add(joined[:-1])
    tokens = re.findall(r"[A-Za-z0-9]+", source_text)
    return _SourceNames(frozenset(runs), tuple(tokens))


def _initials_match(acronym: str, tokens: Sequence[str]) -> bool:
    """``RAG`` in "retrieval-augmented generation", ``RAI`` in "responsible AI".

    Consecutive words give their initials (an upper-case word may give all its letters); short
    function words (of, to, the...) may give their initial or be skipped, but never start a run.
    """
    target = acronym.lower()
    if len(target) < 2:
        return False
    words = [t for t in tokens if t]

    def match(i: int, built: int) -> bool:
        if built == len(target):
            return True
        if i >= len(words):
            return False
        token = words[i]
        word = token.lower()
        rest = target[built:]
        whole = token.isupper() and 1 < len(token) <= 5 and rest.startswith(word)
        if whole and match(i + 1, built + len(word)):
            return True
        if rest.startswith(word[0]) and match(i + 1, built + 1):
            return True
        return word in _STOP and built > 0 and match(i + 1, built)

    return any(words[start].lower() not in _STOP and match(start, 0) for start in range(len(words)))


_DEFINED_AFTER = r"(?P<a>{name})\s*\((?P<x>[A-Za-z][A-Za-z0-9\s\-]+)\)"
_DEFINED_BEFORE = (
    r"(?P<x>(?:[A-Za-z][A-Za-z0-9\-]*\s+){{0,7}}[A-Za-z][A-Za-z0-9\-]*)\s*\((?P<a>{name})\)"
)


def _defined_in_source_words(name: str, summary_text: str, source_text: str) -> bool:
    """An acronym the summary defines itself, as in ``TTFT(time-to-first-token)``, whose
    spelled-out words are all in the source: the summary's shorthand, not an invention."""
    if not re.fullmatch(r"[A-Z][A-Za-z]*[A-Z]s?", name):
        return False
    stem = name[:-1] if name.endswith("s") and name[:-1].isupper() else name
    source_words = {w.rstrip("s") for w in re.findall(r"[a-z0-9]+", source_text.lower())}
    for pattern in (_DEFINED_AFTER, _DEFINED_BEFORE):
        for match in re.finditer(pattern.format(name=re.escape(name)), summary_text):
            words = re.findall(r"[A-Za-z0-9]+", match["x"])
            for start in range(len(words)):  # the expansion may start late ("the time to ...")
                tail = words[start:]
                if not _initials_match(stem, tail):
                    continue
                content = [w.lower().rstrip("s") for w in tail if w.lower() not in _STOP]
                if content and all(w in source_words for w in content):
                    return True
    return False


def name_supported(name: str, source_text: str) -> bool:
    source = _source_names(source_text)
    key = "".join(_atoms(name))
    if not key:
        return True
    if key in source.runs:
        return True
    if key.endswith("s") and key[:-1] in source.runs:
        return True
    letters = re.sub(r"[^A-Za-z]", "", name)
    stem = letters[:-1] if letters.endswith("s") and letters[:-1].isupper() else letters
    if stem.isupper() and stem == re.sub(r"[^A-Za-z]", "", name.rstrip("s")):
        return _initials_match(stem, source.words)
    return False


def unsupported_names(summary_text: str, source_text: str) -> list[str]:
    """The names of ``summary_text`` (see :func:`find_names`) that ``source_text`` lacks.

    A name matches regardless of case, hyphens, spaces and dots (``GPT-4-Turbo-2024-04-09`` =
    ``GPT-4-Turbo-2024-0409``, ``LLaMA3`` = ``Llama3``), a plural matches its singular, and an
    acronym also matches the words it abbreviates (``RAG``: "retrieval-augmented generation"),
    or a definition in the summary whose words the source has (``TTFT(time-to-first-token)``).
    """
    return [
        n
        for n in find_names(summary_text)
        if not name_supported(n, source_text)
        and not _defined_in_source_words(n, summary_text, source_text)
    ]
