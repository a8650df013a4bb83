"""Faithful by construction: choose the paper's own sentences per section, translate each, verify.

A 1.5B model asked to *compose* a summary invents findings and inverts claims (issue 14 measured
61% misleading sentences). Asked to *translate one given sentence* it has far less room to
drift. So the local backend writes this way by default:

1. **Choose** (pure, no model): the abstract's sentences are scored for each section — the
   contribution for What's New ("we propose …"), the method for Technical Details, the results
   with their figures for Performance Highlights — as the extractive backend does.
2. **Translate** each chosen sentence on its own (the model sees one English sentence and a
   worked example, nothing else to drift from).
3. **Verify** each translation against *its* source sentence (:func:`translation_problems`):
   another script inside, an unfinished sentence, a number or a Latin term the source lacks, a
   number of the source left out, a direction reversed, the instructions talked about, a
   length that means content was dropped or added. A failed translation is sampled again with
   another seed; one that never passes is left out.
4. A section left with no faithful sentence says so plainly (:data:`NOTHING_FAITHFUL`) instead
   of filling space.

The translator is injected (``translate(sentence, attempt) -> str``), so all of this is tested
with a fake; the local backend supplies llama.cpp.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from ..models import Sections
from ..text.figures import result_numbers
from ..text.meaning import (
    NOTHING_FAITHFUL,
    direction_conflict,
    foreign_script,
    foreign_terms,
    is_fragment,
    overclaim,
    repeats_itself,
)
from ..text.numbers import find_numbers
from ..text.scripts import letter_share, strip_parentheses
from ..text.sentences import sentences as split_sentences
from .extractive import METHOD_CUES, RESULT_CUES

__all__ = ["NOTHING_FAITHFUL", "FaithfulWriter", "translation_problems"]

ATTEMPTS = 3  # translations tried per sentence before it is left out
# The longest source sentence given to the model. Judged on the shared day (bench/judge), the
# 1.5B model's translations of sentences of 200 characters or more were misleading 11 times in
# 13, of shorter ones 13 in 40: a longer sentence is cut at a clause boundary
# (:func:`shorten`) or not used.
MAX_SOURCE_CHARS = 200
# Korean characters (no spaces) per English character of the source: below this, content was
# dropped; above, something was added. Measured on the reference digest's translations.
MIN_LENGTH_RATIO, MAX_LENGTH_RATIO = 0.22, 1.1
MIN_SHARE = 0.35  # Hangul share of the letters outside parentheses of one sentence
# Words of the instructions: a translation that uses them (and whose source does not talk of
# translation or languages) talks about its task.
_TASK_WORDS = re.compile(r"번역|영어|한국어|원문|문장|격식체|지시|요약하")
_TASK_SOURCE = re.compile(r"translat|english|korean|sentence|language|summar", re.IGNORECASE)
_SPACE = re.compile(r"\s+")


def _chars(text: str) -> int:
    return len(_SPACE.sub("", text))


def translation_problems(translation: str, source: str, lang: str) -> list[str]:
    """Why ``translation`` does not faithfully render the English sentence ``source``."""
    text = translation.strip()
    if not text:
        return ["empty"]
    problems = []
    others = foreign_script(text, lang)
    if others:
        problems.append(f"another script: {', '.join(others[:3])}")
    fragment = is_fragment(text, lang)
    if fragment:
        problems.append(f"fragment: {fragment}")
    stutter = repeats_itself(text)
    if stutter and not repeats_itself(source):
        problems.append(f"repeats itself: {stutter!r}")
    if letter_share(text, lang) < MIN_SHARE:
        problems.append("mostly not in the target language")
    # Compared at scale: "4.5 million" is 4,500,000, and "4.5만" (45,000) is another number.
    src_numbers = {m.scaled.normalize() for m in find_numbers(source) if not m.word}
    out_numbers = {m.scaled.normalize() for m in find_numbers(text) if not m.word}
    if out_numbers - src_numbers:
        problems.append(f"numbers the source lacks: {sorted(map(str, out_numbers - src_numbers))}")
    if src_numbers - out_numbers:
        problems.append(f"numbers left out: {sorted(map(str, src_numbers - out_numbers))}")
    invented = foreign_terms(text, source)
    if invented:
        problems.append(f"terms the source lacks: {', '.join(invented[:4])}")
    untranslated = [
        w
        for w in _LATIN_WORDS.findall(strip_parentheses(text))
        if w in _PLAIN_ENGLISH or (w.islower() and len(w) >= 5 and w.endswith("ly"))
    ]
    if untranslated:
        problems.append(f"untranslated English words: {', '.join(untranslated[:4])}")
    conflict = direction_conflict(text, source)
    if conflict:
        problems.append(f"direction: {conflict}")
    claim = overclaim(text, source)
    if claim:
        problems.append(f"claim: {claim}")
    if _TASK_WORDS.search(text) and not _TASK_SOURCE.search(source):
        problems.append("talks about the task")
    ratio = _chars(strip_parentheses(text)) / max(1, _chars(source))
    if ratio < MIN_LENGTH_RATIO:
        problems.append(f"too short for its source (ratio {ratio:.2f}): content dropped")
    elif _chars(text) / max(1, _chars(source)) > MAX_LENGTH_RATIO:
        problems.append("too long for its source: content added")
    return problems


# Plain English words (not terms): left untranslated inside Korean they read as garbled
# ("both prefilling 및 …", "extensive 실험").
_LATIN_WORDS = re.compile(r"[A-Za-z]+")
_PLAIN_ENGLISH = frozenset(
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
    """.split()  # noqa: SIM905 - a word list reads better as text
)

_LEAD = re.compile(r"^\s*(?:[-*•]\s*|\d+[.)]\s*|(?:한국어|번역|Korean|Translation)\s*[:：]\s*)")


def clean_translation(raw: str) -> str:
    """The first line of a model's answer, without list marks, labels or wrapping quotes."""
    line = next((ln for ln in raw.strip().splitlines() if ln.strip()), "")
    line = _LEAD.sub("", line).strip()
    if len(line) >= 2 and line[0] in "\"'“‘" and line[-1] in "\"'”’":
        line = line[1:-1].strip()
    return line


_STRONG_NEW = re.compile(
    r"\b(?:we|this (?:paper|work|study|report)|in this (?:paper|work)|here,? we)\b[^.]{0,40}?"
    r"\b(?:propose|introduce|present|develop|release|design|build|describe|offer|summari[sz]e|"
    r"show|find|demonstrate|investigate|study|explore|analy[sz]e|report|create|construct)",
    re.IGNORECASE,
)
_WEAK_NEW = re.compile(r"\b(?:novel|new|first|propos\w*|introduc\w*)\b", re.IGNORECASE)
_RESULT_WORDS = re.compile("|".join(re.escape(c) for c in RESULT_CUES), re.IGNORECASE)
_METHOD_WORDS = re.compile("|".join(re.escape(c) for c in METHOD_CUES), re.IGNORECASE)
_DIGIT = re.compile(r"\d")
# Background: what others did or what is hard, not what this paper does or finds.
_BACKGROUND = re.compile(
    r"\b(?:however|existing|previous(?:ly)?|prior|recent(?:ly)?|current(?:ly)?|traditional|"
    r"conventional|typically|often|usually|challeng\w*|limitation\w*|bottleneck\w*|remains?|"
    r"struggl\w*|suffer\w*|hinder\w*|lack\w*|despite)\b",
    re.IGNORECASE,
)
# "Code is available at …": a link, nothing to translate.
_AVAILABILITY = re.compile(
    r"https?://|\\url|github\.com|\bavailable (?:at|on|from)\b|\bopen-?sourced? at\b",
    re.IGNORECASE,
)
_OURS = re.compile(r"\b(?:we|our|this (?:paper|work|study)|the proposed)\b", re.IGNORECASE)
# An enumeration ("(1) employing …", "includes: (1) …"): a list cut into pieces, hard to render.
_LIST_ITEM = re.compile(r"(?:^|\s)\(?(?:\d{1,2}|[ivx]{1,4})\)\s", re.IGNORECASE)
MAX_PER_SECTION = {"whats_new": 1, "technical_details": 2, "performance_highlights": 2}


# Where a long sentence can end early and still say something whole: before a relative or
# participle clause, a semicolon, a dash, or a "while"/"whereas" contrast.
_CLAUSE_BREAK = re.compile(
    r"(?:,\s+(?:which|where|while|whereas|thereby|thus|enabling|allowing|making|leading|"
    r"resulting|achieving|yielding|providing|offering|outperforming|surpassing|"
    r"demonstrating|showing|including|such as|compared (?:to|with)|as well as|"
    r"and (?:we|it|they|our|this)\b))|;\s+|\s+--?\s+|\s+—\s*|:\s+",
    re.IGNORECASE,
)
MIN_CLAUSE_CHARS = 40
# An opening that starts with one of these is an introductory phrase ("Incorporating input from
# …", "To address …"): a sentence only once a comma has closed it and the main clause begun.
_INTRODUCTORY = re.compile(
    r"^(?:\w+ing|to|by|in|on|for|with|upon|following|despite|after|before|through|via|unlike|"
    r"given|based|as|from|while|when|although|though|since|because|if)\b",
    re.IGNORECASE,
)


def shorten(sentence: str, limit: int = MAX_SOURCE_CHARS) -> str | None:
    """``sentence`` if it is at most ``limit`` characters, else its longest opening up to a
    clause boundary that fits, ended with a full stop; None when there is none ("We propose X,
    which does A, B and C" -> "We propose X."). The opening states less, never something else."""
    text = sentence.strip()
    if len(text) <= limit:
        return text
    best = None
    for m in _CLAUSE_BREAK.finditer(text):
        if m.start() > limit - 1:
            break
        head = text[: m.start()].rstrip(" ,;:")
        if len(head) < MIN_CLAUSE_CHARS or head.count("(") != head.count(")"):
            continue
        if _INTRODUCTORY.match(head) and ", " not in head:
            continue
        best = head
    return f"{best}." if best else None


def choose_sentences(abstract: str) -> dict[str, list[str]]:
    """The abstract's sentences to render per section, in the abstract's order within each.

    What's New: the sentence stating the contribution ("we propose/introduce …", "this paper
    …"), else the earliest with a weaker cue ("novel", "new"). Performance Highlights: result
    sentences, those with the abstract's result figures first, up to two. Technical Details:
    method sentences not used above, up to two, the contribution's neighbours first.
    """
    sentences = [
        short
        for s in split_sentences(abstract)
        if not _AVAILABILITY.search(s) and not _LIST_ITEM.search(s)
        for short in [shorten(s)]
        if short
    ]
    n = len(sentences)
    if not n:
        return {key: [] for key in MAX_PER_SECTION}
    used: set[int] = set()

    def new_score(i: int) -> float:
        s = sentences[i]
        return 4 * bool(_STRONG_NEW.search(s)) + len(_WEAK_NEW.findall(s)) - 0.1 * i

    new = max(range(n), key=new_score)
    used.add(new)
    figures = {i for i in range(n) if result_numbers(sentences[i])}

    def background(i: int) -> bool:
        s = sentences[i]
        return bool(_BACKGROUND.search(s)) and not _OURS.search(s)

    def result_score(i: int) -> float:
        s = sentences[i]
        score = 5 * (i in figures) + 2 * bool(_DIGIT.search(s)) + len(_RESULT_WORDS.findall(s))
        return score - 4 * background(i) + (1 if i > new else -2)

    results = sorted(
        (i for i in range(n) if i not in used and result_score(i) >= 3),
        key=lambda i: (-result_score(i), -i),
    )[: MAX_PER_SECTION["performance_highlights"]]
    used.update(results)

    def method_score(i: int) -> float:
        s = sentences[i]
        score = len(_METHOD_WORDS.findall(s)) + bool(_OURS.search(s)) - 0.05 * abs(i - new)
        return score - 3 * background(i) + (1 if i > new else -1)

    method = sorted(
        (i for i in range(n) if i not in used and method_score(i) > 0),
        key=lambda i: -method_score(i),
    )[: MAX_PER_SECTION["technical_details"]]
    return {
        "whats_new": [sentences[new]],
        "technical_details": [sentences[i] for i in sorted(method)],
        "performance_highlights": [sentences[i] for i in sorted(results)],
    }


_EN_WORD = re.compile(r"[A-Za-z][A-Za-z0-9-]+|\d+(?:\.\d+)?")
_EN_STOP = frozenset(
    """
    a an the of and or but for to in on at by with from as into over under about both each
    all any some many more most less few this that these those it its their they we our is
    are was were be been being has have had do does did can could may might will would
    should must not no than then there here when where which who while also such very only
    just other another between within without through via using based while whereas
    """.split()  # noqa: SIM905 - a word list reads better as text
)
MIN_BACK_OVERLAP = 0.45  # of the back-translation's content words found in the source


def _content_words(text: str) -> set[str]:
    out = set()
    for word in _EN_WORD.findall(text):
        low = word.lower()
        if low in _EN_STOP or (len(low) < 3 and not low.isdigit()):
            continue
        out.add(low[:5])  # a crude stem: "improves" ~ "improved" ~ "improvement"
    return out


def back_translation_drift(back: str, source: str) -> str | None:
    """Why a back-translation shows that the translation drifted from ``source``, or None."""
    words = _content_words(back)
    if not words:
        return "back-translation: empty"
    found = len(words & _content_words(source)) / len(words)
    if found < MIN_BACK_OVERLAP:
        return f"back-translation: only {found:.0%} of its words are in the source"
    return None


@dataclass
class Rendered:
    """One section's outcome: the sentences kept and what was left out, with why."""

    kept: list[str] = field(default_factory=list)
    dropped: list[tuple[str, list[str]]] = field(default_factory=list)


@dataclass
class FaithfulWriter:
    """Choose, translate, verify. ``translate(sentence, attempt)`` returns the raw answer."""

    translate: Callable[[str, int], str]
    lang: str = "ko"
    attempts: int = ATTEMPTS
    log: list[str] = field(default_factory=list)
    # Self-feedback (optional): the model translates its own sentence back into English, and a
    # back-translation that shares too little with the source means the sentence drifted.
    back_translate: Callable[[str], str] | None = None

    def choose(self, abstract: str) -> dict[str, list[str]]:
        return choose_sentences(abstract)

    def render(self, source: str) -> tuple[str | None, list[str]]:
        """A verified translation of ``source`` (or None) and the problems of the last try."""
        problems: list[str] = []
        for attempt in range(self.attempts):
            text = clean_translation(self.translate(source, attempt))
            problems = translation_problems(text, source, self.lang)
            if not problems and self.back_translate is not None:
                back = clean_translation(self.back_translate(text))
                drift = back_translation_drift(back, source)
                if drift:
                    problems = [drift]
            if not problems:
                return text, []
        return None, problems

    def write(self, abstract: str) -> tuple[Sections, dict[str, Rendered]]:
        chosen = self.choose(abstract)
        outcome: dict[str, Rendered] = {}
        for key, sources in chosen.items():
            rendered = Rendered()
            for source in sources:
                text, problems = self.render(source)
                if text is None:
                    rendered.dropped.append((source, problems))
                    self.log.append(f"{key}: left out a sentence ({'; '.join(problems)})")
                else:
                    rendered.kept.append(text)
            outcome[key] = rendered
        fallback = NOTHING_FAITHFUL.get(self.lang, NOTHING_FAITHFUL["en"])
        sections = Sections(**{key: " ".join(r.kept) or fallback for key, r in outcome.items()})
        return sections, outcome
