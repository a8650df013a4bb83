"""Issue 4 benchmark: do the checks catch faults planted in the reference digest?

Writes copies of the shared reference digest, each with ONE planted fault in one paper, reads
each copy back through the digest parser and checks it against the shared abstracts (the same
path as ``paperdigest check``). A fault counts as detected when the check made for it reports it:

- ``changed_number``  a number the abstract supports, changed (2.34x -> 3.12x)  -> numbers
- ``invented_number`` a sentence with a new number added to Performance Highlights -> numbers
- ``swapped_name``    a model/method name the abstract supports, swapped for another -> names
- ``missing_section`` one section line deleted                                 -> structure
- ``english_section`` one section replaced by English sentences of the abstract -> language
- ``copied_section``  one section replaced by a copy of another                -> structure
- ``foreign_script``  a word of another script (Cyrillic, kana, Han) put into a sentence -> script
- ``fragment``        a broken sentence added (a lone ending, or a sentence cut at a particle)
                      -> fragments
- ``inverted_claim``  a sentence's "better" turned into "worse" (향상 -> 저하, 능가 -> 못 미치)
                      where the abstract's sentence it is about says better -> direction
- ``vacuous_sentence`` a sentence that fits any paper added to a section        -> vacuous
- ``other_paper``     the whole summary replaced by another paper's             -> topic
- ``prompt_words``    a sentence that talks about the writing task added        -> leakage

It also runs the checks on the untouched reference (false alarms; classified by hand in
bench/RESULTS.md). Deterministic (seeded).

    .venv/bin/python bench/checks_faults.py [--seed 4] [--rounds 5] [--json OUT.json] [--keep DIR]

Each round plants every fault type once in every paper (where it has a target), with its own
seed, so 5 rounds plant up to 480 faults.
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

from paperdigest.models import SECTION_KEYS, SECTION_LABELS, Paper
from paperdigest.prompts import abstract_input
from paperdigest.render.markdown_parse import DigestEntry, read_digest
from paperdigest.review import check_digest, load_source
from paperdigest.text import find_names, find_numbers, name_supported, number_values
from paperdigest.text.sentences import sentences as split_sentences

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
REFERENCE = SHARED / "reference" / "daily-papers-2024-07-22.ko.md"
SOURCE = SHARED / "data" / "hf-daily-2024-07-22.json"

OTHER_MODELS = [
    "GPT-4",
    "Claude-3-Opus",
    "Gemini-1.5-Pro",
    "Mistral-7B",
    "Qwen2-72B",
    "LLaMA-2-13B",
    "PaLM-2",
    "Falcon-40B",
    "BERT-Large",
    "T5-XXL",
    "Vicuna-13B",
    "Stable Diffusion XL",
    "DINOv2",
    "SAM-2",
    "Whisper-Large",
]
INVENTED = [
    "또한 기존 최고 성능 대비 정확도가 {p}% 향상되었습니다.",
    "추론 속도는 기준 모델보다 {x}배 빨랐습니다.",
    "총 {n}개의 벤치마크에서 평가되었습니다.",
    "모델은 {b}B 파라미터 규모로 학습되었습니다.",
    "학습에는 {n}개의 GPU가 사용되었습니다.",
    "오류율은 {p} %로 낮아졌습니다.",
    "약 {n}만 개의 이미지로 학습했습니다.",
    "처리량은 {x} times 증가했습니다.",
    "평균 점수는 {p}점입니다.",
]

Fault = Callable[[DigestEntry, Paper, random.Random], tuple[dict[str, str], str] | None]


def _fresh_number(
    rng: random.Random, src_values: set[Decimal], decimals: int, lo: float, hi: float
) -> str:
    for _ in range(1000):
        value = round(rng.uniform(lo, hi), decimals)
        text = f"{value:.{decimals}f}"
        if Decimal(text).normalize() not in src_values:
            return text
    raise RuntimeError("no fresh number found")


def _source_values(paper: Paper) -> set[Decimal]:
    return number_values(abstract_input(paper))


def changed_number(entry: DigestEntry, paper: Paper, rng: random.Random):  # type: ignore[no-untyped-def]
    src = abstract_input(paper)
    values = _source_values(paper)
    candidates = []
    for key, text in entry.sections.items():
        for mention in find_numbers(text):
            if mention.word or not re.match(r"[\d.,]+", mention.text):
                continue
            supported = mention.value.normalize() in values or mention.scaled.normalize() in values
            candidates.append((not supported, key, mention))
    if not candidates:
        return None
    candidates.sort(key=lambda c: c[0])  # supported numbers first: the real test
    best = [c for c in candidates if c[0] == candidates[0][0]]
    _, key, mention = rng.choice(best)
    digits = re.match(r"\d[\d,]*(?:\.\d+)?", mention.text)
    assert digits is not None
    old = digits.group()
    new = _altered(old, rng, values)
    text = entry.sections[key]
    start = text.find(mention.text)
    changed_text = mention.text.replace(old, new, 1)
    changed = text[:start] + changed_text + text[start + len(mention.text) :]
    sections = dict(entry.sections, **{key: changed})
    del src
    return sections, changed_text


def _altered(old: str, rng: random.Random, values: set[Decimal]) -> str:
    """Another number in the same style: scaled, nudged in its last digit, or digits swapped."""
    decimals = len(old.split(".")[1]) if "." in old else 0
    plain = old.replace(",", "")
    for _ in range(200):
        mode = rng.choice(["scale", "nudge", "swap"])
        if mode == "scale":
            base = float(plain)
            candidate = f"{rng.uniform(base * 1.3 + 1, base * 2.5 + 5):.{decimals}f}"
        elif mode == "nudge":
            last = int(plain[-1])
            digit = (last + rng.choice([1, 2, 3, -1, -2])) % 10
            candidate = plain[:-1] + str(digit)
        else:
            positions = [i for i, c in enumerate(plain) if c.isdigit()]
            if len(positions) < 2:
                continue
            i, j = sorted(rng.sample(positions, 2))
            chars = list(plain)
            chars[i], chars[j] = chars[j], chars[i]
            candidate = "".join(chars)
        if candidate.startswith("0") and not candidate.startswith("0."):
            continue
        if candidate == plain or Decimal(candidate).normalize() in values:
            continue
        return candidate
    raise RuntimeError(f"cannot alter {old}")


def invented_number(entry: DigestEntry, paper: Paper, rng: random.Random):  # type: ignore[no-untyped-def]
    values = _source_values(paper)
    template = rng.choice(INVENTED)
    fill = {
        "p": _fresh_number(rng, values, 1, 1, 40),
        "x": _fresh_number(rng, values, 1, 1.5, 9),
        "n": _fresh_number(rng, values, 0, 3, 500),
        "b": _fresh_number(rng, values, 0, 3, 180),
    }
    sentence = template.format(**fill)
    planted = next(m.text for m in find_numbers(sentence) if not m.word)
    key = "performance_highlights"
    sections = dict(entry.sections, **{key: entry.sections.get(key, "") + " " + sentence})
    return sections, planted


def swapped_name(entry: DigestEntry, paper: Paper, rng: random.Random):  # type: ignore[no-untyped-def]
    src = abstract_input(paper)
    found = []
    for key, text in entry.sections.items():
        for name in find_names(text):
            if name_supported(name, src):
                found.append((key, name))
    if not found:
        return None
    key, name = rng.choice(found)
    others = [m for m in OTHER_MODELS if not name_supported(m, src)]
    new = rng.choice(others)
    text = entry.sections[key]
    changed = re.sub(rf"(?<![A-Za-z0-9]){re.escape(name)}(?![A-Za-z0-9])", new, text, count=1)
    if changed == text:
        return None
    return dict(entry.sections, **{key: changed}), new


def missing_section(entry: DigestEntry, paper: Paper, rng: random.Random):  # type: ignore[no-untyped-def]
    key = rng.choice(SECTION_KEYS)
    sections = {k: v for k, v in entry.sections.items() if k != key}
    return sections, key


def english_section(entry: DigestEntry, paper: Paper, rng: random.Random):  # type: ignore[no-untyped-def]
    sentences = split_sentences(paper.abstract)
    if len(sentences) < 2:
        return None
    key = rng.choice(SECTION_KEYS)
    start = rng.randrange(0, max(1, len(sentences) - 2))
    english = " ".join(sentences[start : start + 2])
    if rng.random() < 0.5:  # English with Korean endings, as small models write
        english = english.rstrip(".") + "라고 설명합니다."
    return dict(entry.sections, **{key: english}), key


def copied_section(entry: DigestEntry, paper: Paper, rng: random.Random):  # type: ignore[no-untyped-def]
    source_key, target_key = rng.sample(list(SECTION_KEYS), 2)
    copy = entry.sections[source_key]
    if rng.random() < 0.5:  # a near copy: the other section plus a sentence of its own
        own = entry.sections[target_key].split(". ")[0].rstrip(".") + "."
        copy = f"{copy} {own}"
    return dict(entry.sections, **{target_key: copy}), target_key


FOREIGN = ["видео", "модель", "ビデオ", "モデル", "视频", "模型", "данные"]
FRAGMENTS = ["발명되었습니다.", "제안되었습니다.", "통해.", "나타났으며."]
VACUOUS = [
    "결과는 성능을 높이고, 연구자들이 쉽게 실험을 수행할 수 있게 합니다.",
    "이 연구는 다양한 분야에서 중요한 기여를 할 수 있습니다.",
    "이러한 결과는 향후 연구에 큰 도움이 될 것입니다.",
    "이 방법은 기존 방법보다 효과적이며 다양한 작업에 적용할 수 있습니다.",
    "전체적으로 이 논문은 새로운 접근 방식을 제시합니다.",
]
PROMPT_WORDS = [
    "영어 전문 용어인 '{t}'를 사용하여 설명합니다.",
    "논문 텍스트에 있는 숫자만 그대로 옮겼습니다.",
    "격식체로 2~3문장을 작성했습니다.",
    "'{t}'는 한국어로 옮기고 괄호 안에 원어를 적었습니다.",
]
INVERSIONS = [
    ("향상", "저하"), ("능가", "못 미치"), ("뛰어난", "떨어지는"), ("우수한", "열등한"),
    ("개선", "악화"), ("빠른", "느린"), ("높은 성능", "낮은 성능"),
]


def _sentences_of(text: str) -> list[str]:
    return [x for x in re.split(r"(?<=[.!?])\s+", text) if x.strip()]


def foreign_script(entry: DigestEntry, paper: Paper, rng: random.Random):  # type: ignore[no-untyped-def]
    key = rng.choice(SECTION_KEYS)
    text = entry.sections.get(key, "")
    spaces = [m.start() for m in re.finditer(" ", text)]
    if not spaces:
        return None
    at = rng.choice(spaces)
    word = rng.choice(FOREIGN)
    return dict(entry.sections, **{key: f"{text[:at]} {word}{text[at:]}"}), word


def fragment(entry: DigestEntry, paper: Paper, rng: random.Random):  # type: ignore[no-untyped-def]
    key = rng.choice(SECTION_KEYS)
    text = entry.sections.get(key, "")
    if rng.random() < 0.5:
        broken = rng.choice(FRAGMENTS)
    else:  # a sentence of the summary cut after a particle
        particle = r"[가-힣](?:을|를|은|는|이|가|에서|으로|와|과) "
        cuts = [m.end() for m in re.finditer(particle, text)]
        if not cuts:
            return None
        broken = text[: rng.choice(cuts)].split(". ")[-1].strip() + "."
    return dict(entry.sections, **{key: f"{text} {broken}"}), key


def inverted_claim(entry: DigestEntry, paper: Paper, rng: random.Random):  # type: ignore[no-untyped-def]
    from paperdigest.text.meaning import _EN_DOWN, _EN_UP, aligned_source

    source = split_sentences(paper.abstract)
    options = []
    for key, text in entry.sections.items():
        for sentence in _sentences_of(text):
            about = aligned_source(sentence, source)
            if not about or not _EN_UP.search(about) or _EN_DOWN.search(about):
                continue
            for up, down in INVERSIONS:
                if up in sentence:
                    options.append((key, sentence, up, down))
    if not options:
        return None
    key, sentence, up, down = rng.choice(options)
    changed = entry.sections[key].replace(sentence, sentence.replace(up, down, 1), 1)
    return dict(entry.sections, **{key: changed}), key


def vacuous_sentence(entry: DigestEntry, paper: Paper, rng: random.Random):  # type: ignore[no-untyped-def]
    key = rng.choice(SECTION_KEYS)
    added = entry.sections.get(key, "") + " " + rng.choice(VACUOUS)
    return dict(entry.sections, **{key: added}), key


def other_paper(entry: DigestEntry, paper: Paper, rng: random.Random):  # type: ignore[no-untyped-def]
    others = [e for e in _REFERENCE_ENTRIES if e.id != entry.id]
    other = rng.choice(others)
    return dict(other.sections), other.id


def prompt_words(entry: DigestEntry, paper: Paper, rng: random.Random):  # type: ignore[no-untyped-def]
    names = find_names(paper.title) or ["LLM"]
    sentence = rng.choice(PROMPT_WORDS).format(t=rng.choice(names))
    key = rng.choice(SECTION_KEYS)
    return dict(entry.sections, **{key: entry.sections.get(key, "") + " " + sentence}), key


_REFERENCE_ENTRIES: list[DigestEntry] = []

FAULTS: dict[str, tuple[Fault, str]] = {
    "changed_number": (changed_number, "numbers"),
    "invented_number": (invented_number, "numbers"),
    "swapped_name": (swapped_name, "names"),
    "missing_section": (missing_section, "structure"),
    "english_section": (english_section, "language"),
    "copied_section": (copied_section, "structure"),
    "foreign_script": (foreign_script, "script"),
    "fragment": (fragment, "fragments"),
    "inverted_claim": (inverted_claim, "direction"),
    "vacuous_sentence": (vacuous_sentence, "vacuous"),
    "other_paper": (other_paper, "topic"),
    "prompt_words": (prompt_words, "leakage"),
}


def render_copy(original: str, entry: DigestEntry, sections: dict[str, str]) -> str:
    """The reference text with one paper's section lines replaced (everything else as is)."""
    lines = original.splitlines(keepends=True)
    start = entry.line - 1
    end = start + 1
    while end < len(lines) and not lines[end].startswith("### "):
        end += 1
    block = lines[start:end]
    head = [ln for ln in block if not ln.startswith("- **")]
    while head and not head[-1].strip():
        head.pop()
    body = [f"- **{SECTION_LABELS[k]}**: {sections[k]}\n" for k in SECTION_KEYS if k in sections]
    new_block = [*head, *body, "\n"]
    return "".join(lines[:start] + new_block + lines[end:])


def detected(check: str, planted: str, problems: list, baseline: list) -> bool:  # type: ignore[type-arg]
    base = {(p.check, p.message) for p in baseline}
    new = [p for p in problems if (p.check, p.message) not in base and p.check == check]
    if not new:
        return False
    if check == "numbers":
        return any(planted in p.message for p in new)
    if check == "names":  # a name of several words is caught by its distinctive part (XL)
        parts = find_names(planted) or [planted]
        return any(part in p.message for p in new for part in parts)
    if check in {"structure", "language"}:
        label = SECTION_LABELS.get(planted, planted)
        return any(label in p.message for p in new) or check == "language"
    return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=5, help="rounds of faults (seeds)")
    parser.add_argument("--json", type=Path, help="write the figures here as JSON")
    parser.add_argument("--keep", type=Path, help="keep the faulted copies in this folder")
    args = parser.parse_args()

    original = REFERENCE.read_text(encoding="utf-8")
    reference = read_digest(REFERENCE)
    _REFERENCE_ENTRIES[:] = reference.entries
    papers = load_source(SOURCE)
    baseline = {r.id: list(r.problems) for r in check_digest(reference, papers, lang="ko")}
    workdir = args.keep or Path(tempfile.mkdtemp(prefix="checks-faults-"))
    workdir.mkdir(parents=True, exist_ok=True)

    started = time.perf_counter()
    per_type: dict[str, dict[str, int]] = {}
    misses: list[dict[str, str]] = []
    copies = 0
    for round_, (fault_name, (make, check)) in (
        (r, item) for r in range(args.rounds) for item in FAULTS.items()
    ):
        rng = random.Random(f"{args.seed + round_}-{fault_name}")
        stats = per_type.setdefault(fault_name, {"planted": 0, "detected": 0, "skipped": 0})
        for entry in reference.entries:
            made = make(entry, papers[entry.id], rng)
            if made is None:
                stats["skipped"] += 1
                continue
            sections, planted = made
            path = workdir / f"{fault_name}-{round_}-{entry.id}.md"
            path.write_text(render_copy(original, entry, sections), encoding="utf-8")
            copies += 1
            faulted = read_digest(path)
            results = {r.id: list(r.problems) for r in check_digest(faulted, papers, lang="ko")}
            for other in reference.entries:  # the other papers must be untouched
                if other.id != entry.id:
                    assert results[other.id] == baseline[other.id], (fault_name, other.id)
            stats["planted"] += 1
            if detected(check, planted, results[entry.id], baseline[entry.id]):
                stats["detected"] += 1
            else:
                misses.append(
                    {
                        "fault": fault_name,
                        "paper": entry.id,
                        "planted": planted,
                        "round": str(round_),
                    }
                )
    elapsed = time.perf_counter() - started

    timing_start = time.perf_counter()
    timing_runs = 20
    for _ in range(timing_runs):
        check_digest(reference, papers, lang="ko")
    per_summary_ms = (time.perf_counter() - timing_start) / (timing_runs * len(baseline)) * 1000

    planted = sum(s["planted"] for s in per_type.values())
    found = sum(s["detected"] for s in per_type.values())
    false_alarms = [
        {"paper": pid, "check": p.check, "message": p.message}
        for pid, problems in baseline.items()
        for p in problems
    ]
    model = _cpu_model()
    print(f"machine: {model}; python {platform.python_version()}")
    print(f"{copies} faulted copies of {REFERENCE.name} in {elapsed:.1f} s")
    print(f"all checks on one summary: {per_summary_ms:.2f} ms (mean of {timing_runs} x 16)\n")
    print(f"{'fault':<18} {'planted':>7} {'detected':>8} {'share':>6}  skipped (no target)")
    for name, s in per_type.items():
        share = s["detected"] / s["planted"] if s["planted"] else 0.0
        print(f"{name:<18} {s['planted']:>7} {s['detected']:>8} {share:>6.0%}  {s['skipped']}")
    print(f"{'all':<18} {planted:>7} {found:>8} {found / planted:>6.1%}\n")
    for miss in misses:
        print(f"missed: {miss['fault']} in {miss['paper']}: {miss['planted']}")
    flagged_papers = sum(1 for problems in baseline.values() if problems)
    print(
        f"untouched reference: {flagged_papers} of {len(baseline)} papers flagged, "
        f"{len(false_alarms)} problems:"
    )
    for alarm in false_alarms:
        print(f"  {alarm['paper']} {alarm['check']}: {alarm['message']}")
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "machine": model,
                    "seed": args.seed,
                    "rounds": args.rounds,
                    "per_type": per_type,
                    "planted": planted,
                    "detected": found,
                    "misses": misses,
                    "untouched_problems": false_alarms,
                    "seconds": round(elapsed, 2),
                    "ms_per_summary": round(per_summary_ms, 3),
                },
                ensure_ascii=False,
                indent=2,
            )
        )


def _cpu_model() -> str:
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return platform.processor() or "unknown"
    model = re.search(r"Model name:\s*(.+)", out)
    cores = re.search(r"^CPU\(s\):\s*(\d+)", out, re.MULTILINE)
    name = model.group(1).strip() if model else "unknown"
    return f"{name}, {cores.group(1) if cores else '?'} cores"


if __name__ == "__main__":
    sys.exit(main())
