"""Model, dataset and method names and acronyms: which a text uses, and which a source supports."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from .numbers import mentions_in_head

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
        return mentions_in_head(token, 0) is None  # GPT-4 yes; 128K, 4-bit, 2.34x no
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
