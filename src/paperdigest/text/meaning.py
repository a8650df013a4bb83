"""Meaning measurements on single sentences: pure functions, no I/O, linear in the text.

The number and name checks catch a digit or a name the paper lacks; these catch the kinds of
error a small model makes that keep every number right (issue 14):

- :func:`foreign_script`: letters of a script other than the summary's own and Latin (a
  Cyrillic "видео", kana or Han characters inside Korean);
- :func:`is_fragment`: a Korean sentence without a finished predicate ("…를 통해.") or so short
  it says nothing ("발명되었습니다.");
- :func:`direction_conflict`: a claim whose direction (better/worse, more/less, faster/slower,
  with/without) contradicts the source sentence it is about;
- :func:`is_vacuous`: a sentence with nothing from this paper in it: no term, name or number of
  its text;
- :func:`distinctive_terms` / :func:`off_topic`: a summary that names none of the paper's own
  method, model or dataset names;
- :func:`foreign_terms`: Latin-script words in a translation that its source sentence lacks.

Korean is the language these were measured on; for other languages the script and term checks
apply and the Korean-specific ones return no problem.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal
from functools import lru_cache

from .names import find_names
from .numbers import find_numbers
from .scripts import LATIN_WORD, base_lang, strip_parentheses

__all__ = [
    "NOTHING_FAITHFUL",
    "aligned_source",
    "direction_conflict",
    "distinctive_terms",
    "foreign_script",
    "foreign_terms",
    "is_fragment",
    "is_vacuous",
    "latin_terms",
    "off_topic",
    "overclaim",
    "repeats_itself",
]

# What a section says when none of its sentences could be rendered faithfully: an honest
# placeholder (the faithful writer puts it there; the checks do not judge it as a sentence).
NOTHING_FAITHFUL = {
    "ko": "초록의 해당 내용을 충실하게 옮긴 문장이 없어 생략합니다.",
    "en": "No sentence of the abstract could be rendered faithfully for this part.",
}

# -- scripts ------------------------------------------------------------------------------------

# Symbols a summary may use besides letters and digits (typographic quotes, dashes, math).
_ALLOWED_SYMBOLS = frozenset("·–—×÷±≈≤≥→←↔…‘’“”′″°%‰€$£¥~^")


def _script(ch: str) -> str:
    """A coarse script name for one letter."""
    code = ord(ch)
    if 0xAC00 <= code <= 0xD7A3 or 0x1100 <= code <= 0x11FF or 0x3130 <= code <= 0x318F:
        return "Hangul"
    if ch.isascii():
        return "Latin"
    name = unicodedata.name(ch, "")
    for script in (
        "LATIN",
        "GREEK",
        "CYRILLIC",
        "HIRAGANA",
        "KATAKANA",
        "CJK",
        "ARABIC",
        "HEBREW",
        "THAI",
        "DEVANAGARI",
    ):
        if name.startswith(script) or f" {script} " in f" {name} ":
            return script.title()
    return "other"


_OWN_SCRIPTS = {
    "ko": {"Hangul"},
    "ja": {"Hiragana", "Katakana", "Cjk"},
    "zh": {"Cjk"},
    "ru": {"Cyrillic"},
    "uk": {"Cyrillic"},
    "bg": {"Cyrillic"},
}


def foreign_script(text: str, lang: str) -> list[str]:
    """Runs of letters in a script that is neither ``lang``'s own nor Latin (terms) nor Greek
    (symbols such as α, λ), e.g. ``["видео"]`` inside Korean."""
    own = _OWN_SCRIPTS.get(base_lang(lang), set()) | {"Latin", "Greek"}
    found: list[str] = []
    run: list[str] = []
    for ch in text:
        if ch.isalpha() and _script(ch) not in own:
            run.append(ch)
            continue
        if run:
            found.append("".join(run))
            run = []
    if run:
        found.append("".join(run))
    return found


# -- fragments ----------------------------------------------------------------------------------

# A finished Korean declarative sentence ends in a verb or copula ending (…다, …요, …죠, …음, …임)
# before its final punctuation; a noun, a particle or a connective ending leaves it unfinished.
_KO_FINISHED = re.compile(r"(?:다|요|죠|음|임|함|됨)[\s\"'”’)\]]*[.!?]?[\s\"'”’)\]]*$")
_HANGUL = re.compile(r"[가-힣]")
MIN_FRAGMENT_SYLLABLES = 8  # "발명되었습니다." has 6: too little to say anything


def is_fragment(sentence: str, lang: str) -> str | None:
    """Why ``sentence`` is not a finished sentence, or None. Korean only."""
    if base_lang(lang) != "ko":
        return None
    text = sentence.strip()
    if not _KO_FINISHED.search(text):
        return "it does not end as a finished sentence"
    if len(_HANGUL.findall(strip_parentheses(text))) < MIN_FRAGMENT_SYLLABLES:
        return "it is too short to say anything"
    return None


# -- repetition ---------------------------------------------------------------------------------

_WORD_RUN = re.compile(r"\S+")
_HANGUL_SYLLABLE = re.compile(r"[가-힣]")


_PARTICLES: tuple[str, ...] = ("에서", "으로", "은", "는", "이", "가", "을", "를", "에", "의")
_PARTICLES += ("와", "과", "도", "로")


def _bare(word: str) -> str:
    """A Korean word without its particle ("쿼리를" -> "쿼리"); other words as they are."""
    for particle in _PARTICLES:
        if len(word) > len(particle) + 1 and word.endswith(particle) and "가" <= word[0] <= "힣":
            return word[: -len(particle)]
    return word


MAX_STUTTER_GAP = 4  # a pair of words again within this many words: a stutter, not a theme


def repeats_itself(sentence: str, *, strict: bool = False) -> str | None:
    """Words written again right after themselves ("LLaMA 2 7B 모델의 LLama 2 7B 모델의",
    "전방향 쿼리에 대한 전방향 쿼리를"), as a small model stutters; None when there is none.
    Case, punctuation and Korean particles aside. By default a pair of words that comes back
    within :data:`MAX_STUTTER_GAP` words counts (for a one-sentence translation, whose source
    does not repeat itself), and so does a word said twice in a row ("점수 분산 분산") and
    any phrase of three words or more said twice;
    ``strict`` (any text, where "X 생성과 Y 생성" is fine) counts only one to four words
    repeated at once."""
    tokens = [_bare(re.sub(r"[^\w]", "", t).lower()) for t in _WORD_RUN.findall(sentence)]
    tokens = [t for t in tokens if t]
    for size in (1, 2, 3, 4):
        seen: dict[tuple[str, ...], int] = {}
        for i in range(len(tokens) - size + 1):
            gram = tuple(tokens[i : i + size])
            joined = "".join(gram)
            if len(joined) + len(_HANGUL_SYLLABLE.findall(joined)) < (4 if size == 1 else 6):
                continue  # a Hangul syllable weighs two letters
            gap = i - seen.get(gram, -100)
            if gap == size or (not strict and 1 < size <= gap <= MAX_STUTTER_GAP + size - 2):
                return " ".join(gram)
            if not strict and size >= 3 and gram in seen:  # a phrase said twice in one sentence
                return " ".join(gram)
            seen[gram] = i
    return None


# -- terms --------------------------------------------------------------------------------------

_EN_STOP = frozenset(
    """
    a an the of and or for to in on with by from as at is are be this that we our it its via
    than into over per vs
    """.split()  # noqa: SIM905 - a word list reads better as text
)


# Plain English words (not terms): left untranslated inside Korean they read as garbled
# ("both prefilling 및 …", "extensive 실험").
PLAIN_ENGLISH = frozenset(
    """
    a an the of and or but nor for to in on at by with from as into onto over under about
    both either neither each every all any some many much more most less few several various
    also only just even very well such same other another while whereas which that this
    these those it its their they we our us you your is are was were be been being has have
    had do does did can could may might will would should must not no yes than then there
    here when where why how what who whom whose extensive novel new first significant
    significantly effective efficient existing previous recent large small high low better
    best good strong key main major simple general specific diverse different multiple
    further moreover however therefore thus furthermore additionally notably specifically
    including across between within without through via using based show shows shown
    demonstrate demonstrates propose proposes proposed introduce introduces present presents
    achieve achieves achieved outperform outperforms improve improves improved enable
    enables allow allows provide provides use uses used make makes made
    faster slower higher lower larger smaller stronger weaker longer shorter cheaper easier
    harder greater fewer worse
    """.split()  # noqa: SIM905 - a word list reads better as text
)


def paper_terms(source: str) -> frozenset[str]:
    """The paper's own Latin-script terms, lower-cased: words of ``source`` of three letters or
    more that are not plain English ("coupling", "diffusion-based", "jumprelu"). Written in
    English inside a Korean summary, such a word is the paper's term, not untranslated text."""
    return frozenset(
        low
        for w in LATIN_WORD.findall(source)
        for low in [w.lower()]
        if len(low) >= 3 and low not in _EN_STOP and low not in PLAIN_ENGLISH
    )


def latin_terms(text: str) -> list[str]:
    """Latin-script words of two letters or more, stop words left out."""
    return [w for w in LATIN_WORD.findall(text) if len(w) >= 2 and w.lower() not in _EN_STOP]


def _stem(word: str) -> str:
    w = word.lower().replace("’", "'")
    for suffix in ("'s", "ies", "es", "s"):
        if w.endswith(suffix) and len(w) > len(suffix) + 2:
            return w[: -len(suffix)]
    return w


def foreign_terms(translation: str, source: str) -> list[str]:
    """Latin words of ``translation`` that ``source`` does not have (plurals and case aside)."""
    have = {_stem(w) for w in LATIN_WORD.findall(source)}
    # A hyphenated source term may be written in parts ("fine-tuning" -> "fine tuning").
    for w in LATIN_WORD.findall(source):
        have.update(_stem(p) for p in re.split(r"[-'’.]", w) if p)
    out = []
    for term in latin_terms(translation):
        parts = [p for p in re.split(r"[-'’.]", term) if p]
        if _stem(term) in have or all(_stem(p) in have for p in parts):
            continue
        low = term.lower()
        if len(low) >= 4 and any(h.startswith(low) for h in have):  # "Arab" of "Arabic"
            continue
        out.append(term)
    return out


# -- direction ----------------------------------------------------------------------------------

# The direction of a comparison or a result. Only strong comparative words count: "reduces
# memory" or "efficient" is no direction, and a "less"/"fewer" of a cost is not a worse result.
_EN_UP = re.compile(
    r"\b(?:outperform\w*|surpass\w*|better|improv\w*|higher|faster|boost\w*|exceed\w*|"
    r"superior|beat\w*|accelerat\w*|enhanc\w*|state-of-the-art|sota|competitive|comparabl\w*|"
    r"gain\w*|advanc\w*|strong\w*|speed\w*[- ]?up)\b",
    re.IGNORECASE,
)
_EN_DOWN = re.compile(
    r"\b(?:worse|worsen\w*|lower|slower|degrad\w*|fall\w* short|underperform\w*|inferior|"
    r"lag\w*|behind|drop\w*|declin\w*|hurt\w*|poor\w*|weak\w*|deteriorat\w*)\b",
    re.IGNORECASE,
)
_EN_NEGATION = re.compile(
    r"\b(?:not|no|without|lack\w*|fail\w*|never|cannot|can't|don't|doesn't|neither|nor|"
    r"unable|insufficient\w*|absence|free|hardly|barely|struggl\w*|challeng\w*|"
    r"difficult\w*)\b|n't\b",
    re.IGNORECASE,
)
_KO_UP = re.compile(
    r"능가|앞서|뛰어나|뛰어난|우수|향상|개선|빨라|빠른|가속|더 나은|더 높|더 빠|높은 성능|"
    r"최고 수준|최첨단|경쟁력 있는|비슷한|유사한|필적"
)
_KO_DOWN = re.compile(
    r"나빠|나쁜|저하|떨어|뒤처|뒤떨어|못 미치|못미치|열등|느려|느린|악화|더 낮|낮은 성능"
)
# A negated predicate at the end of the sentence ("공개되지 않습니다", "할 수 없습니다").
_KO_NEGATED_END = re.compile(
    r"(?:지 ?않|지 ?못(?:합|했)?|할 수 없|수 없|없|아닙)"
    r"(?:습니다|았습니다|었습니다|니다|다|는다|음)[\s.!]*$"
)


# "only 4.6%" is said in Korean with a negated verb: "4.6%밖에 해결하지 못합니다".
_KO_ONLY = re.compile(r"밖에")
_EN_ONLY = re.compile(r"\b(?:only|merely|just|mere)\b", re.IGNORECASE)


def direction_conflict(sentence: str, source: str) -> str | None:
    """How ``sentence`` (Korean) reverses ``source`` (the English sentence it renders), or None.

    Three cues, each a contradiction only when the source lacks the sentence's side:
    worse where the source only says better; better where the source only says worse; a
    sentence that ends negated ("…하지 않습니다") where the source negates nothing.
    """
    ko_up, ko_down = bool(_KO_UP.search(sentence)), bool(_KO_DOWN.search(sentence))
    en_up, en_down = bool(_EN_UP.search(source)), bool(_EN_DOWN.search(source))
    if ko_down and not ko_up and en_up and not en_down:
        return "it says worse/less where the text says better/more"
    if ko_up and not ko_down and en_down and not en_up:
        return "it says better/more where the text says worse/less"
    if (
        _KO_NEGATED_END.search(sentence.strip())
        and not _EN_NEGATION.search(source)
        and not (_KO_ONLY.search(sentence) and _EN_ONLY.search(source))
    ):
        return "it negates what the text states"
    return None


# Korean words that make a claim stronger or about something else than the English they render,
# each allowed only when its source sentence has one of the English cues for it: "최고" (best)
# for "high-quality", "해결" (solves) for "alleviates", "정확도" (accuracy) for a word error rate.
_CLAIM_CUES: tuple[tuple[re.Pattern[str], re.Pattern[str], str], ...] = tuple(
    (re.compile(ko), re.compile(en, re.IGNORECASE), why)
    for ko, en, why in (
        (
            r"최고|최상|최첨단|최우수|최적의|압도|가장 (?:좋|뛰어|높|우수|낮|빠|강력|정확)",
            r"\b(?:best|top|highest|lowest|fastest|strongest|largest|leading|state-of-the-art|"
            r"sota|most|record|superior|unprecedented|first|optimal|outperform\w*|surpass\w*|"
            r"unmatched|beats?)\b",
            "a superlative the text does not make",
        ),
        (
            r"해결",
            r"\b(?:solv\w*|solution\w*|resolv\w*|address\w*|tackl\w*|overcom\w*|fix\w*|"
            r"eliminat\w*|remov\w*|handl\w*|deal\w*|answer\w*|settl\w*|cure\w*)\b",
            "it says 'solves' where the text does not",
        ),
        (
            r"극복",
            r"\b(?:overcom\w*|surmount\w*|address\w*|tackl\w*|solv\w*|beyond|break\w*|"
            r"circumvent\w*|bypass\w*)\b",
            "it says 'overcomes' where the text does not",
        ),
        (
            r"정확도|정확성",
            r"accura|precis|correct|exact|\bf1\b|\bacc\b|\bmmlu\b",
            "it names accuracy where the text measures something else",
        ),
        (
            r"신속",
            r"\b(?:fast\w*|quick\w*|rapid\w*|swift\w*|speed\w*|accelerat\w*|prompt\w*|"
            r"real-time|latency|efficien\w*)\b",
            "it says 'fast' where the text does not ('streamlined' is not 'fast')",
        ),
        (
            r"완벽|완전무결",
            r"\b(?:perfect\w*|flawless\w*|exact\w*|complete\w*|full\w*|entire\w*)\b",
            "it says 'perfect' where the text does not ('extensive' is not 'perfect')",
        ),
        (
            r"오류율|오차율|에러율|오류 ?비율",
            r"error|\bwer\b|\bcer\b|mistake|\bfault|failure",
            "it names an error rate the text does not give",
        ),
    )
)
# Left by a tokenizer, never by a writer: "_level", "레이어_multi-".
_ARTIFACT = re.compile(r"(?<![A-Za-z0-9])_[A-Za-z]|[A-Za-z]_(?![A-Za-z0-9])|[가-힣]_|_[가-힣]")


# A hedged claim ("its potential as a leading solution", "may help") needs its hedge in the
# Korean: without it the claim is asserted.
_HEDGE_EN = re.compile(
    r"(?<![A-Za-z])(?:potential(?:ly)?|may|might|could|promis(?:e|es|ing))(?![A-Za-z])",
    re.IGNORECASE,
)
_HEDGE_KO = re.compile(r"잠재|가능|수 있|수도|전망|유망|기대|보일 수|할 수|될 수|약속")
# English glued to Korean: a word after a syllable ("실scientific"), an English past participle
# given a Korean ending ("guided의"), an English verb's "-s" before 하다 ("unlocks합니다"): a
# token boundary, not a writer's choice.
_GLUED = re.compile(
    r"[가-힣][a-z]{2,}|\b[a-z]{3,}ed(?=[가-힣])|\b[a-z]{3,}[^su\W]s(?=[하합했한되된됩])"
)


# "Progress towards Level 3 autonomy" is not Level 3 reached: a source that only moves toward
# its goal needs a Korean word that says so.
_TOWARD_EN = re.compile(
    r"\b(?:towards?|progress(?:es)? (?:on|in)|steps? (?:to|toward)|closer to|paves? the way)\b",
    re.IGNORECASE,
)
_TOWARD_KO = re.compile(r"향|진전|발전|진보|단계|위한|위해|나아가|가까|길을|기반을|토대")


# A number's bound: "up to 40x" is at most 40x, "more than 40배" at least. English says it before
# the number, Korean mostly after ("40배 이상", "10분 이내에", "최대 3배").
_EN_AT_MOST = re.compile(
    r"\b(?:up to|at most|as (?:much|many|high|low|fast|little|few) as|(?:a )?maximum of|"
    r"less than|fewer than|under|below|within|no more than)\s+$",
    re.IGNORECASE,
)
_EN_AT_LEAST = re.compile(
    r"\b(?:more than|over|at least|above|beyond|exceeding|in excess of|upwards of|"
    r"no less than|greater than)\s+$",
    re.IGNORECASE,
)
_KO_AT_LEAST_AFTER = re.compile(r"^\s*[^\s\d]{0,4}?\s*(?:이상|초과|넘)")
_KO_AT_MOST_AFTER = re.compile(r"^\s*[^\s\d]{0,4}?\s*(?:이하|미만|이내)")
_KO_AT_MOST_BEFORE = re.compile(r"최대\s*$")


def _bounds(text: str, korean: bool) -> dict[Decimal, str | None]:
    """Each number of ``text`` with the bound said of it ("at most"/"at least"), or None."""
    out: dict[Decimal, str | None] = {}
    for m in find_numbers(text):
        if m.word:
            continue
        before, after = text[max(0, m.start - 24) : m.start], text[m.start + len(m.text) :][:12]
        bound = None
        if korean:
            if _KO_AT_LEAST_AFTER.match(after):
                bound = "at least"
            elif _KO_AT_MOST_AFTER.match(after) or _KO_AT_MOST_BEFORE.search(before):
                bound = "at most"
        elif _EN_AT_MOST.search(before):
            bound = "at most"
        elif _EN_AT_LEAST.search(before):
            bound = "at least"
        value = m.scaled.normalize()
        if bound is not None or value not in out:  # a bound said of a number once stands
            out[value] = bound
    return out


def bound_changed(sentence: str, source: str) -> str | None:
    """A number of ``sentence`` (Korean) given a bound its source does not give it ("up to 40x"
    written "40배 이상", more than 40x), or None."""
    said = _bounds(source, korean=False)
    for value, bound in _bounds(sentence, korean=True).items():
        if bound is not None and value in said and said[value] != bound:
            was, number = said[value], f"{value:f}"
            return f"it says '{bound} {number}' where the text says " + (
                f"'{was} {number}'" if was else f"{number} with no bound"
            )
    return None


def overclaim(sentence: str, source: str) -> str | None:
    """How ``sentence`` (Korean) claims more than, or other than, ``source`` (the English
    sentence it renders): a superlative, "solves", "overcomes", "fast", "perfect" or a metric its
    source lacks, or a goal reached where the source moves toward it; None when it does not."""
    for ko, en, why in _CLAIM_CUES:
        if ko.search(sentence) and not en.search(source):
            return why
    if _TOWARD_EN.search(source) and not _TOWARD_KO.search(sentence):
        return "it drops the text's 'towards': the goal reads as reached"
    if _ARTIFACT.search(sentence) and not _ARTIFACT.search(source):
        return "a stray underscore, left from a token"
    bound = bound_changed(sentence, source)
    if bound:
        return bound
    glued = _GLUED.search(sentence)
    if glued:
        return f"an English word glued to Korean ({glued.group()!r}), left from a token"
    if _HEDGE_EN.search(source) and not (
        _HEDGE_KO.search(sentence) or _HEDGE_EN.search(sentence)  # kept, if in English
    ):
        return "it drops the text's hedge ('potential', 'may', 'could'): the claim reads as fact"
    return None


_OBJECT = re.compile(r"^([가-힣]{2,})(?:을|를)$")
_BARE_NOUN = re.compile(r"^[가-힣]{2,}$")
# "평가를 통해 … 평가하는": a means, not the object ("through an evaluation, it evaluates").
_NOT_AN_OBJECT = frozenset(["통해", "통하여", "위해", "위하여", "바탕으로", "기반으로"])


def own_object(sentence: str) -> str | None:
    """A Korean noun ``sentence`` makes the object of its own verb ("학습 및 실행을 효율적으로
    학습하고 실행합니다": to train the training), or None. A translation that says so has lost
    what its source says ("similarly efficient to train and run"). A noun merely used again
    ("학습 데이터로 학습합니다") is no such object."""
    words = sentence.split()
    objects: list[tuple[int, str]] = []
    for i, word in enumerate(words):
        match = _OBJECT.match(word)
        if match and (i + 1 >= len(words) or words[i + 1] not in _NOT_AN_OBJECT):
            objects.append((i, match.group(1)))
        elif _BARE_NOUN.match(word) and i + 1 < len(words) and words[i + 1] == "및":
            objects.append((i, word))  # "학습 및 실행을": both are objects
    for i, noun in objects:
        verb = re.compile(rf"^{noun}(?:하|합|했|한|할|해|됩|된|되)")
        if any(verb.match(word) for word in words[i + 1 :]):
            return noun
    return None


# -- alignment, vacuity, topic ------------------------------------------------------------------


@lru_cache(maxsize=4096)
def _anchors(text: str) -> frozenset[str]:
    """What ties a sentence to a paper: its Latin terms (stemmed, hyphenated ones also in
    parts) and its numbers (prefixed with ``#``)."""
    found = set()
    for term in latin_terms(text):
        if len(term) >= 3 or term.isupper():
            found.add(_stem(term))
        found.update(_stem(p) for p in re.split(r"[-'’./]", term) if len(p) >= 3)
    found.update(f"#{m.value.normalize()}" for m in find_numbers(text) if not m.word)
    return frozenset(found)


def aligned_source(sentence: str, source_sentences: list[str]) -> str | None:
    """The source sentence ``sentence`` is about: the one sharing the most terms and numbers
    with it, when that is two or more (or one number); None when no sentence is clearly it."""
    mine = _anchors(sentence)
    if not mine:
        return None
    best, best_score = None, 0.0
    for candidate in source_sentences:
        shared = mine & _anchors(candidate)
        score = len(shared) + sum(0.5 for a in shared if a.startswith("#"))
        if score > best_score:
            best, best_score = candidate, score
    return best if best_score >= 1.5 else None


# Korean words (their first two syllables) that fit any paper: a sentence made only of these and
# of particles and endings says nothing about this one.
_KO_GENERIC = frozenset(
    """
    이 그 저 본 해당 이러 이런 이번 이를 이는 이것 또한 특히 그리 그러 따라 결과
    결국 연구 논문 저자 연구자 모델 방법 방식 기법 기술 접근 성능 결과 향상 개선 제안
    제시 소개 기존 새로 새롭 새로운 다양 여러 많은 효과 효율 중요 제공 가능 사용 활용
    실험 평가 분석 데이터 작업 문제 해결 시스템 사용자 높이 높은 보여 보였 보입 나타
    달성 통해 위해 대한 대해 관한 수행 처리 이해 정확 능력 프레임 구조 설계 과정 단계
    도움 도와 향후 미래 실제 응용 가치 의미 영향 잠재 가능성 특징 장점 기여 발전 분야
    최신 기반 적용 설명 다룹 다루 학습 훈련 결과적 뛰어 우수 입증 증명 확인 쉽게 쉬운
    크게 매우 상당 더욱 보다 있습 있는 있으 있도 있게 합니 하는 하며 하고 하여 해서
    했습 됩니 되는 되며 되어 됐습 것입 것으 것을 것이 수있 등의 등을 및다 각각 모든
    전체 주요 핵심 중심 다른 같은 함께 동시 기준 경우 측면 부분 내용 정보 목표 목적
    필요 요구 한계 과제 성과 수준 정도 범위 규모 비교 대비 기존의 연구자들 연구들
    모델들
    """.split()  # noqa: SIM905 - a word list reads better as text
)
_HANGUL_WORD = re.compile(r"[가-힣]+")


def _specific_korean(sentence: str) -> list[str]:
    """Korean words of ``sentence`` that are not generic (by their first two syllables)."""
    out = []
    for word in _HANGUL_WORD.findall(sentence):
        if len(word) < 2:
            continue
        if word[:2] not in _KO_GENERIC and word not in _KO_GENERIC:
            out.append(word)
    return out


def is_vacuous(sentence: str, source_text: str, lang: str = "ko") -> bool:
    """True when ``sentence`` could be said of any paper: no term, name or number of
    ``source_text``, and (Korean) at most one word outside a list of words every paper
    summary uses ("결과는 성능을 높이고, 연구자들이 쉽게 실험할 수 있습니다.")."""
    if _anchors(sentence) & _anchors(source_text):
        return False
    if base_lang(lang) == "ko":
        return len(_specific_korean(strip_parentheses(sentence))) <= 1
    return True


# Name-like words too common in abstracts to identify a paper.
_COMMON_TERMS = frozenset(
    """
    llm llms ai ml nlp cv rl gpt gpts vlm vlms mllm mllms sota api apis gpu gpus cpu qa rag
    vit cnn rnn transformer transformers moe lora kv
    """.split()  # noqa: SIM905 - a word list reads better as text
)


_GENERIC_EN = frozenset(
    """
    model language large learning data dataset method approach results network neural paper
    performance benchmark framework system training based using task tasks image text
    """.split()  # noqa: SIM905 - a word list reads better as text
)


def distinctive_terms(title: str, abstract: str) -> set[str]:
    """The paper's own names: method, model and dataset names found in its title and abstract
    (``LazyLLM``, ``EVLM``, ``ChatQA``), stemmed and lower-cased; generic acronyms left out."""
    found = set()
    for name in find_names(f"{title}. {abstract}"):
        stem = _stem(name)
        if stem not in _COMMON_TERMS and len(stem) >= 3:
            found.add(stem)
    return found


def off_topic(summary_text: str, title: str, abstract: str) -> bool:
    """True when the paper has distinctive names and the summary mentions none of them, nor
    any other term of the paper's title: it may describe another paper."""
    names = distinctive_terms(title, abstract)
    if not names:
        return False
    have = {_stem(t) for t in latin_terms(summary_text)}
    for word in latin_terms(summary_text):
        have.update(_stem(p) for p in re.split(r"[-'’.]", word) if p)
    if names & have:
        return False
    # No name: still on topic when it shares two of the paper's longer terms ("Creative
    # Commons") or a word of its title.
    title_words = {_stem(w) for w in latin_terms(title) if len(w) >= 4} - _GENERIC_EN
    terms = {_stem(w) for w in latin_terms(abstract) if len(w) >= 5} - _GENERIC_EN
    return not (title_words & have) and len(terms & have) < 2
