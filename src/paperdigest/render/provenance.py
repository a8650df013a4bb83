"""Where a summary comes from, for its readers: the model and backend that wrote it, the input it
read (the abstract, or the paper's full text and how much of the input budget it filled), its
date, and its check status — checked, repaired (passed after the checks sent it back), flagged
(with the problems in plain words), or not checked.

The checks' own messages are written for the model that repairs a summary ("Include at least one
of them…"); a reader gets :data:`READER_PROBLEMS` instead: one sentence per kind of problem, in
the page's language. Every page, feed, JSON file, chat message and e-mail shows the same
:class:`Record` (built by :func:`load_record`).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..models import Summary
from ..store import Store

STATES = ("checked", "repaired", "flagged", "unchecked")

# One sentence per check kind, for a reader (not the model): what may be wrong in the summary.
READER_PROBLEMS: dict[str, dict[str, str]] = {
    "numbers": {
        "en": "Some numbers in the summary do not appear in the paper.",
        "ko": "요약의 일부 숫자가 논문에 나오지 않습니다.",
    },
    "names": {
        "en": "It names a model, dataset or method the paper does not mention.",
        "ko": "논문에 나오지 않는 모델, 데이터셋 또는 방법 이름이 있습니다.",
    },
    "language": {
        "en": "Part of the summary is not written in this page's language.",
        "ko": "요약의 일부가 이 페이지의 언어로 쓰이지 않았습니다.",
    },
    "structure": {
        "en": "A part of the summary is missing, too short or too long, or repeats another part.",
        "ko": "요약의 한 부분이 빠졌거나, 너무 짧거나 길거나, 다른 부분을 되풀이합니다.",
    },
    "leakage": {
        "en": "It contains text addressed to the writing model rather than about the paper.",
        "ko": "논문 내용이 아니라 요약 모델에게 준 지시문이 섞여 있습니다.",
    },
    "key_figures": {
        "en": "The results part gives none of the headline figures from the paper's abstract.",
        "ko": "성능 부분에 초록의 주요 결과 수치가 없습니다.",
    },
    "script": {
        "en": "It contains letters of an unrelated alphabet (a garbled word).",
        "ko": "관계없는 문자(다른 언어의 글자)가 섞여 있습니다.",
    },
    "fragments": {
        "en": "A sentence is unfinished or says nothing.",
        "ko": "끝나지 않았거나 내용이 없는 문장이 있습니다.",
    },
    "direction": {
        "en": "A claim may say the opposite of the paper (better for worse, or a lost 'not').",
        "ko": "논문과 반대로 말하는 주장이 있을 수 있습니다(향상과 저하, 부정의 뒤바뀜).",
    },
    "vacuous": {
        "en": "A sentence is generic: it could be said of any paper.",
        "ko": "어느 논문에나 쓸 수 있는 일반적인 문장이 있습니다.",
    },
    "topic": {
        "en": "It never names the paper's own method, model or dataset: it may describe "
        "another paper.",
        "ko": "논문 고유의 방법, 모델, 데이터셋 이름이 없어 다른 논문을 설명하고 있을 수 "
        "있습니다.",
    },
}
_OTHER = {
    "en": "It failed the “{check}” check.",
    "ko": "“{check}” 검사를 통과하지 못했습니다.",
}

_STATE_LABELS: dict[str, dict[str, str]] = {
    "en": {
        "checked": "passed the checks",
        "repaired": "passed the checks after a repair",
        "flagged": "flagged by the checks: read with care",
        "unchecked": "not checked",
    },
    "ko": {
        "checked": "검사 통과",
        "repaired": "수정 후 검사 통과",
        "flagged": "검사에서 문제 발견: 주의해서 읽으세요",
        "unchecked": "검사하지 않음",
    },
}
_STATE_MARKS = {"checked": "✓", "repaired": "✓", "flagged": "⚠", "unchecked": "·"}

_INPUT_LABELS: dict[str, dict[str, str]] = {
    "en": {
        "abstract": "the abstract",
        "html": "the full text (arXiv HTML)",
        "pdf": "the full text (PDF)",
        "unknown": "an input not recorded",
        "share": "{pct}% of its {budget:,}-token budget",
        "read": "Read",
        "written_by": "Written by",
        "on": "on",
    },
    "ko": {
        "abstract": "초록",
        "html": "전문 (arXiv HTML)",
        "pdf": "전문 (PDF)",
        "unknown": "기록되지 않은 입력",
        "share": "입력 한도 {budget:,}토큰의 {pct}%",
        "read": "읽은 내용",
        "written_by": "작성 모델",
        "on": "작성일",
    },
}


def _lang(lang: str) -> str:
    return lang if lang in ("en", "ko") else "en"


def input_label(source: str, lang: str) -> str:
    """What an input source is called for a reader ("전문 (arXiv HTML)", "the abstract")."""
    t = _INPUT_LABELS[_lang(lang)]
    return t.get(source, t["unknown"])


def reader_problem(check: str, lang: str) -> str:
    """What a problem of this kind means for a reader, in ``lang`` (English when unknown)."""
    texts = READER_PROBLEMS.get(check)
    if texts is None:
        return _OTHER[_lang(lang)].format(check=check)
    return texts[_lang(lang)]


def state_label(state: str, lang: str) -> str:
    return _STATE_LABELS[_lang(lang)][state]


@dataclass(frozen=True)
class Record:
    """A summary's provenance and check status."""

    backend: str
    model: str
    created_at: str
    state: str  # one of STATES
    input_source: str = "unknown"  # abstract | html | pdf | unknown
    input_tokens: int | None = None
    budget_tokens: int | None = None
    problems: tuple[tuple[str, str], ...] = ()  # (check, the check's own message)
    checks: tuple[str, ...] = ()

    @property
    def date(self) -> str:
        return self.created_at[:10]

    @property
    def flagged(self) -> bool:
        return self.state == "flagged"

    @property
    def mark(self) -> str:
        return _STATE_MARKS[self.state]

    @property
    def share(self) -> float | None:
        """The share of the input budget the input filled (0..1), when both are known."""
        if self.input_tokens is None or not self.budget_tokens:
            return None
        return min(1.0, self.input_tokens / self.budget_tokens)

    def problem_kinds(self) -> list[str]:
        """The failed checks, each once, in the order found."""
        return list(dict.fromkeys(check for check, _ in self.problems))

    def reader_problems(self, lang: str) -> list[str]:
        return [reader_problem(check, lang) for check in self.problem_kinds()]

    def state_text(self, lang: str) -> str:
        return state_label(self.state, lang)

    def input_text(self, lang: str) -> str:
        """E.g. "the full text (arXiv HTML), 92% of its 6,000-token budget"."""
        t = _INPUT_LABELS[_lang(lang)]
        text = t.get(self.input_source, t["unknown"])
        share = self.share
        if share is not None and self.budget_tokens:
            text += ", " + t["share"].format(pct=round(share * 100), budget=self.budget_tokens)
        return text

    def line(self, lang: str) -> str:
        """The whole record on one line of plain text (chat messages, feeds, e-mail)."""
        t = _INPUT_LABELS[_lang(lang)]
        parts = [
            f"{t['written_by']}: {self.model} ({self.backend})",
            f"{t['read']}: {self.input_text(lang)}",
            f"{t['on']} {self.date}",
            f"{self.mark} {self.state_text(lang)}",
        ]
        line = " · ".join(parts)
        if self.flagged and self.problems:
            line += ": " + " ".join(self.reader_problems(lang))
        return line

    def to_dict(self, lang: str) -> dict[str, Any]:
        share = self.share
        return {
            "state": self.state,
            "label": self.state_text(lang),
            "input": {
                "source": self.input_source,
                "tokens": self.input_tokens,
                "budget_tokens": self.budget_tokens,
                "budget_share": None if share is None else round(share, 3),
            },
            "problems": [
                {"check": check, "reader": reader_problem(check, lang)}
                for check in self.problem_kinds()
            ],
            "checks": list(self.checks),
        }


def record_for(
    summary: Summary,
    *,
    check_row: sqlite3.Row | None,
    input_row: sqlite3.Row | None,
) -> Record:
    """The record from a summary and its stored rows (``summary_checks``, ``fulltext_inputs``)."""
    import json

    problems: tuple[tuple[str, str], ...] = ()
    checks: tuple[str, ...] = ()
    repaired = False
    if check_row is not None:
        found = json.loads(check_row["problems"] or "[]")
        problems = tuple((str(p.get("check", "")), str(p.get("message", ""))) for p in found)
        checks = tuple(str(c) for c in json.loads(check_row["checks"] or "[]"))
        attempts = json.loads(check_row["attempts"] or "[]")
        repaired = bool(attempts) and bool(attempts[0].get("failed")) and not problems
    if summary.status == "flagged" or problems:
        state = "flagged"
    elif repaired:
        state = "repaired"
    elif summary.status == "ok":
        state = "checked"
    else:
        state = "unchecked"
    source = "unknown"
    tokens: int | None = None
    budget: int | None = None
    if input_row is not None:
        source = str(input_row["source"])
        tokens = int(input_row["input_tokens"])
        budget = int(input_row["budget_tokens"])
    elif summary.backend == "extractive":
        source = "abstract"  # the extractive backend reads only the abstract
    return Record(
        backend=summary.backend,
        model=summary.model,
        created_at=summary.created_at,
        state=state,
        input_source=source,
        input_tokens=tokens,
        budget_tokens=budget,
        problems=problems,
        checks=checks,
    )


def load_record(store: Store, summary: Summary) -> Record:
    """The record of a stored summary (its check results and its input's provenance)."""
    check_row = None
    if summary.id is not None:
        check_row = store.db.execute(
            "SELECT * FROM summary_checks WHERE summary_id = ?", (summary.id,)
        ).fetchone()
    input_row = store.db.execute(
        "SELECT * FROM fulltext_inputs WHERE paper_id = ? AND input_hash = ?",
        (summary.paper_id, summary.input_hash),
    ).fetchone()
    return record_for(summary, check_row=check_row, input_row=input_row)


def load_records(store: Store, summaries: Sequence[Summary]) -> list[Record]:
    """:func:`load_record` of each of ``summaries``, in order, with two queries per 500
    summaries instead of two per summary."""
    checks: dict[int, Any] = {}
    inputs: dict[tuple[str, str], Any] = {}
    for start in range(0, len(summaries), 500):
        chunk = summaries[start : start + 500]
        ids = [s.id for s in chunk if s.id is not None]
        if ids:
            marks = ",".join("?" * len(ids))
            for row in store.db.execute(
                f"SELECT * FROM summary_checks WHERE summary_id IN ({marks})", ids
            ):
                checks[int(row["summary_id"])] = row
        papers = sorted({s.paper_id for s in chunk})
        marks = ",".join("?" * len(papers))
        for row in store.db.execute(
            f"SELECT * FROM fulltext_inputs WHERE paper_id IN ({marks})", papers
        ):
            inputs[(row["paper_id"], row["input_hash"])] = row
    return [
        record_for(
            s,
            check_row=checks.get(s.id) if s.id is not None else None,
            input_row=inputs.get((s.paper_id, s.input_hash)),
        )
        for s in summaries
    ]


__all__ = [
    "READER_PROBLEMS",
    "STATES",
    "Record",
    "input_label",
    "load_record",
    "load_records",
    "reader_problem",
    "record_for",
    "state_label",
]
