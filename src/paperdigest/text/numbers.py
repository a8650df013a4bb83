"""The numbers a text states, normalised: the one number extractor.

``2.34x`` = ``2.34배`` = ``2.34 times``, ``1,000`` = ``1000`` = ``1천``, ``12.3 %`` = ``12.3%``,
``4.5 million`` = ``450만``, with small counts written as words (``three``, ``세 가지``).
Numbers inside names (``GPT-4``, ``Llama3-70B``) belong to the names; quantities with a unit
(``8K``, ``44.1kHz``, ``4-bit``) are numbers. The numbers check and the local backend's
decoding guard both read numbers through this module."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache

from .number_words import (
    EN_NUMBER_WORDS,
    KO_COUNTERS,
    KO_NATIVE,
    KO_ORDINAL,
    KOREAN_MAGNITUDE,
    MAGNITUDE_SUFFIX,
    MAGNITUDE_WORDS,
    UNITS,
)
from .scripts import is_hangul

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
        if ch in KOREAN_MAGNITUDE:
            power += KOREAN_MAGNITUDE[ch]
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
    if unit in MAGNITUDE_SUFFIX:
        return value, MAGNITUDE_SUFFIX[unit], unit
    if unit.lower() in UNITS:
        return value, 0, unit
    return None


def mentions_in_head(head: str, offset: int) -> list[NumberMention] | None:
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
        return is_hangul(self.text[0])


def _tokens(text: str) -> list[_Token]:
    return [_Token(m.group(), m.start(), m.end()) for m in _TOKEN.finditer(text)]


def _counter_follows(text: str) -> str | None:
    """The counter ``text`` starts with, when only a particle follows it (가지로, 단계의)."""
    for counter in sorted(KO_COUNTERS, key=len, reverse=True):
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
        if first_part in EN_NUMBER_WORDS and re.fullmatch(r"[a-z]+(?:-[a-z]+)*", lower):
            value = Decimal(EN_NUMBER_WORDS[first_part])
            power = 0
            spelled = head
            if first_part == lower and nxt is not None and nxt.text.lower() in MAGNITUDE_WORDS:
                power = MAGNITUDE_WORDS[nxt.text.lower()]
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
        found = mentions_in_head(head, tok.start)
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
            elif nxt is not None and nxt.text.lower() in MAGNITUDE_WORDS:
                power = MAGNITUDE_WORDS[nxt.text.lower()]
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
    for word, value in KO_ORDINAL.items():
        if chunk.startswith(word) and (chunk[len(word) :] in _PARTICLES or chunk == word):
            return value, word, False
    for word in sorted(KO_NATIVE, key=len, reverse=True):
        if not chunk.startswith(word):
            continue
        rest = chunk[len(word) :]
        if rest:
            if _counter_follows(rest):
                return KO_NATIVE[word], chunk, False
            if word in {"하나", "둘", "셋", "넷"} and rest in _PARTICLES:
                return KO_NATIVE[word], chunk, False
            continue
        counter = _counter_follows(nxt)
        if counter:
            return KO_NATIVE[word], f"{word} {counter}", True
        if word in {"하나", "둘", "셋", "넷"}:
            return KO_NATIVE[word], word, False
    return None


# Counts up to this, written as words ("two", "두 가지", "한 번"), are never called unsupported:
# "both", "a single", "one of" are language, not claims.
FREE_WORD_COUNT = 2

_ENUM_MARKER = re.compile(r"\((\d{1,2})\)|(?<![\w.])(\d{1,2})\)")
_CLAUSE_BREAK = re.compile(r"[;:.()]")
_CONJUNCTION = re.compile(r"\s*(?:and|or|as well as)\s+\S", re.IGNORECASE)
_LIST_MAX = 9  # commas of one list counted at most


def list_commas(text: str) -> Iterator[int]:
    """The commas of each list "a, b, c, and d" in ``text`` (at most 9 per list), in order.

    The same lists the regular expression ``(?:[^,;:.()]+,\\s*){1,9}(?:and|or|as well as)\\s+
    [^,;:.()]+`` finds, found in linear time (that expression backtracks quadratically on a long
    clause without commas: 3 s for a 32 KB abstract)."""
    for clause in _CLAUSE_BREAK.split(text):
        parts = clause.split(",")
        start = 0
        while start < len(parts) - 1:
            end = None
            for last in range(min(start + _LIST_MAX, len(parts) - 1), start, -1):
                if _CONJUNCTION.match(parts[last]) and all(parts[start:last]):
                    end = last
                    break
            if end is None:
                start += 1
                continue
            yield end - start
            start = end + 1


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
        if match.group(1) in EN_NUMBER_WORDS:
            values.add(Decimal(EN_NUMBER_WORDS[match.group(1)] * 10))
    counts: set[int] = set()
    markers = [int(a or b) for a, b in _ENUM_MARKER.findall(source_text)]
    if markers:
        counts.add(max(markers))
    for commas in list_commas(" ".join(source_text.split())):
        # "a, b, c, and d" or "a, b and c": where the list starts is unknown, so every length
        # from three items up to all of them counts
        counts.update(range(3, commas + 3))
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


def _plain(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


_WRITTEN_DIGITS = re.compile(r"\d+(?:[.,]\d+)*")


def digit_forms(source_text: str) -> frozenset[str]:
    """Every way a number ``source_text`` supports may be written in digits: each supported value
    (see :func:`unsupported_numbers`) plain (``12000``, ``2.34``), with thousands commas
    (``12,000``). The local backend's decoding guard lets the model write only these, so it
    never writes a number the numbers check would reject (it is stricter in one way: a rounding
    such as ``74.8`` for ``74.76``, which the check accepts, is not offered)."""
    # As written, too: a zero-padded part of a name or date ("GPT-4-Turbo-2024-04-09") must come
    # out as the text has it, not as "2024-4-9" (or worse, "2024-409").
    forms: set[str] = set(_WRITTEN_DIGITS.findall(source_text))
    for value in _source_numbers(source_text).values:
        if value < 0 or value != value:  # negative or NaN: not written as plain digits
            continue
        plain = _plain(value)
        forms.add(plain)
        whole, dot, fraction = plain.partition(".")
        if len(whole) > 3:
            forms.add(f"{int(whole):,}{dot}{fraction}")
    return frozenset(forms)
