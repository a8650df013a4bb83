"""What in a summary speaks to the writer rather than about the paper, judged against the
language's own prompts: a prompt label, an order, talk about the revision, the section names,
or a sentence that only restates the instructions.

Shared by the leakage check and the local backend's echo filter (which drops such sentences
while decoding), so both judge a sentence the same way.
"""

from __future__ import annotations

import re
from functools import lru_cache

from ..errors import ConfigError
from ..models import SECTION_LABELS
from ..text.instructions import echo_pieces, has_anchor, instruction_echo, is_instruction
from ..text.sentences import sentences
from . import load_prompts

# a sentence with no number, name or term from the paper, and at least this share of its
# pieces taken from the prompt's instructions, restates the instructions (reference max: 0.32;
# the local model's "새로 제안된 내용과 발견한 것에 대해 설명합니다.": 0.45)
MAX_ECHO = 0.45


@lru_cache(maxsize=16)
def _prompt_texts(lang: str) -> tuple[str, ...]:
    try:
        prompts = load_prompts(lang)
    except ConfigError:
        return ()
    texts = [prompts.system, prompts.user, prompts.section_user, prompts.feedback]
    texts.extend(prompts.sections.values())
    return tuple(texts)


@lru_cache(maxsize=16)
def prompt_fragments(lang: str) -> tuple[str, ...]:
    """Sentences of the language's prompt file long enough that a copy is no accident."""
    fragments: list[str] = []
    for text in _prompt_texts(lang):
        for line in text.splitlines():
            line = re.sub(r"^\s*(?:[-*]|\d+\.)\s*", "", line)
            for piece in re.split(r"(?<=[.:!?。])\s+|\{[a-z_]+\}", line):
                piece = " ".join(piece.split()).strip(" :")
                if len(piece) >= 16 and "{" not in piece:
                    fragments.append(piece)
    return tuple(dict.fromkeys(fragments))


@lru_cache(maxsize=16)
def instruction_vocabulary(lang: str) -> frozenset[str]:
    """The pieces (see ``echo_pieces``) of the language's prompt instructions."""
    text = " ".join(re.sub(r"\{[a-z_]+\}", " ", t) for t in _prompt_texts(lang))
    return frozenset(echo_pieces(text, lang))


# a repaired answer that talks about its own repair ("…를 포함하도록 수정했습니다")
_REVISION_TALK = re.compile(
    r"이전(?:의)? ?(?:요약|답변|답|버전)(?:에서|에는|은|을|의)|"
    r"(?:포함하도록|반영하도록|반영하여|피드백에 따라|지적에 따라|요청에 따라|지적된 대로) ?"
    r"(?:수정|고쳐|고쳤|다시 ?썼|다시 ?작성)|요약을 (?:수정|고쳤|다시 ?작성)|"
    r"\b(?:the )?(?:previous|earlier) (?:summary|answer|version|draft)\b|"
    r"\bI(?:'ve| have)? (?:revised|fixed|corrected|updated|rewritten)\b|"
    r"\b(?:revised|corrected|updated) (?:summary|version|answer)\b",
    re.IGNORECASE,
)


# a sentence that starts like the prompt's own input ("제목: SciCode: … 본문은 …")
_LABEL_START = re.compile(
    r"^(?:Title|Abstract|Paper text|Problems?|Feedback|제목|논문 텍스트|본문|문제|피드백)\s*:"
)
# the summary's own section names inside a section: "Technical Details 부분이 너무 짧습니다."
_SECTION_NAME = re.compile(
    "|".join(re.escape(label) for label in SECTION_LABELS.values()), re.IGNORECASE
)


def addresses_the_writer(text: str, lang: str) -> str | None:
    """What is wrong with the first sentence of ``text`` that starts with a prompt label, gives
    an order, talks about its own revision or only restates the instructions of the language's
    prompts (``None``: no such sentence)."""
    vocabulary = instruction_vocabulary(lang)
    for sentence in sentences(text):
        if _LABEL_START.match(sentence):
            return f"a prompt label ({sentence[:40]!r})"
        if _SECTION_NAME.search(sentence):
            return f"talk about the summary's sections, not the paper ({sentence[:40]!r})"
        if is_instruction(sentence, lang):
            return f"an instruction instead of a summary ({sentence[:40]!r})"
        if _REVISION_TALK.search(sentence):
            return f"talk about the revision, not the paper ({sentence[:40]!r})"
        if (
            vocabulary
            and not has_anchor(sentence, lang)
            and instruction_echo(sentence, lang, vocabulary) >= MAX_ECHO
        ):
            return f"a sentence that restates the instructions, not the paper ({sentence[:40]!r})"
    return None
