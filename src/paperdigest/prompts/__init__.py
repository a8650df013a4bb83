"""Prompt files per language (``prompts/<lang>.toml``) and the text given to the model."""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

from ..errors import ConfigError
from ..models import SECTION_KEYS, SECTION_LABELS, Paper

PROMPT_SCHEMA_VERSION = "1"  # bump when the way prompts are assembled changes


@dataclass(frozen=True)
class PromptSet:
    lang: str
    language: str
    system: str
    user: str
    section_user: str
    feedback: str
    sections: dict[str, str]
    version: str
    # One-sentence translation (the local backend's faithful mode); None when the file has none.
    translate_system: str | None = None
    translate_user: str | None = None
    translate_examples: tuple[tuple[str, str], ...] = ()
    back_system: str | None = None  # the translation back into English (self-feedback)

    @property
    def can_translate(self) -> bool:
        return self.translate_system is not None and self.translate_user is not None

    def back_translation(self, text: str) -> list[dict[str, str]]:
        """Chat messages asking for ``text`` (this language) in English, to compare with the
        sentence it was translated from."""
        system = self.back_system or (
            "Translate the user's text into English. Answer with the translation only."
        )
        return [
            {"role": "system", "content": system.strip()},
            {"role": "user", "content": text.strip()},
        ]

    def translation(self, sentence: str) -> list[dict[str, str]]:
        """Chat messages asking for one English sentence in this language: the rules, worked
        examples as earlier turns (the same for every sentence, so a local model evaluates them
        once), then the sentence."""
        if self.translate_system is None or self.translate_user is None:
            raise ConfigError(f"the prompt file for {self.lang!r} has no translation prompts")
        messages = [{"role": "system", "content": self.translate_system.strip()}]
        for english, translated in self.translate_examples:
            messages.append(
                {"role": "user", "content": self.translate_user.format(sentence=english).strip()}
            )
            messages.append({"role": "assistant", "content": translated.strip()})
        messages.append(
            {"role": "user", "content": self.translate_user.format(sentence=sentence).strip()}
        )
        return messages

    def feedback_block(self, problems: list[str]) -> str:
        if not problems:
            return ""
        lines = "\n".join(f"- {p}" for p in problems)
        return self.feedback.format(problems=lines).rstrip()

    def whole(
        self, title: str, text: str, problems: list[str] | None = None
    ) -> list[dict[str, str]]:
        """Chat messages asking for all three sections at once as JSON."""
        user = self.user.format(
            title=title, input=text, feedback=self.feedback_block(problems or [])
        )
        return [
            {"role": "system", "content": self.system.strip()},
            {"role": "user", "content": user.strip()},
        ]

    def section(
        self, key: str, title: str, text: str, problems: list[str] | None = None
    ) -> list[dict[str, str]]:
        """Chat messages asking for one section only."""
        user = self.section_user.format(
            title=title,
            input=text,
            section_label=SECTION_LABELS[key],
            section_task=self.sections[key],
            feedback=self.feedback_block(problems or []),
        )
        return [
            {"role": "system", "content": self.system.strip()},
            {"role": "user", "content": user.strip()},
        ]


def available_languages() -> list[str]:
    folder = resources.files("paperdigest.prompts")
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".toml"))


@lru_cache(maxsize=16)
def load_prompts(lang: str, path: str | None = None) -> PromptSet:
    """Load the prompt file for ``lang`` (or an explicit file). Its hash is the prompt version."""
    if path is not None:
        try:
            raw = Path(path).read_bytes()
        except OSError as exc:
            raise ConfigError(f"cannot read prompt file {path}: {exc.strerror}") from None
    else:
        if lang not in available_languages():
            raise ConfigError(
                f"no prompts for language {lang!r}: available are "
                f"{', '.join(available_languages())}"
            )
        raw = (resources.files("paperdigest.prompts") / f"{lang}.toml").read_bytes()
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"prompt file for {lang!r} is not valid TOML: {exc}") from None
    missing = [
        k for k in ("system", "user", "section_user", "feedback", "sections") if k not in data
    ]
    if missing:
        raise ConfigError(f"prompt file for {lang!r} lacks {', '.join(missing)}")
    sections = data["sections"]
    lacking = [k for k in SECTION_KEYS if k not in sections]
    if lacking:
        raise ConfigError(f"prompt file for {lang!r} lacks sections.{', sections.'.join(lacking)}")
    digest = hashlib.sha256(raw + PROMPT_SCHEMA_VERSION.encode()).hexdigest()[:12]
    return PromptSet(
        lang=lang,
        language=str(data.get("language", lang)),
        system=data["system"],
        user=data["user"],
        section_user=data["section_user"],
        feedback=data["feedback"],
        sections={k: str(sections[k]) for k in SECTION_KEYS},
        version=f"{lang}-{digest}",
        translate_system=data.get("translate_system"),
        translate_user=data.get("translate_user"),
        back_system=data.get("back_system"),
        translate_examples=tuple(
            (str(e["en"]), str(e["text"])) for e in data.get("translate_examples", [])
        ),
    )


def abstract_input(paper: Paper) -> str:
    """The text given to the model when only the abstract is known."""
    abstract = " ".join(paper.abstract.split()) or "(no abstract available)"
    return f"Title: {paper.title}\n\nAbstract:\n{abstract}"


def input_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
