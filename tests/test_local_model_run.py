"""The real embedded model, end to end: assembled from the installed parts into this test's own
PAPERDIGEST_HOME on first use, then one paper of the shared day summarized by `paperdigest
digest --backend local` (a child process, as a user runs it). A few minutes on 2 cores."""

from __future__ import annotations

import subprocess
import sys
from itertools import combinations
from pathlib import Path
from typing import Any

import pytest

from conftest import SHARED_DAY
from paperdigest.models import SECTION_KEYS
from paperdigest.prompts import abstract_input
from paperdigest.render.markdown_parse import read_digest
from paperdigest.review import load_source
from paperdigest.summarize import local_model as lm
from paperdigest.summarize.local import CUT_NOTE, LocalSummarizer, fit_input
from paperdigest.text import letter_share, word_overlap

pytestmark = pytest.mark.model


@pytest.mark.timeout(900)
def test_one_paper_of_the_shared_day(
    tmp_path: Path, isolated_home: Path, shared_day: list[dict[str, Any]]
) -> None:
    if not lm.parts_installed():
        pytest.skip("the local extra is not installed")
    out, db = tmp_path / "out", tmp_path / "day.db"
    cmd = [sys.executable, "-m", "paperdigest", "digest", "--source", f"file:{SHARED_DAY}",
           "--backend", "local", "--limit", "1", "--no-fulltext", "--no-progress",
           "--out", str(out), "--db", str(db)]  # fmt: skip
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=840)
        assert proc.returncode == 0, proc.stderr
        assert "assembling the default model" in proc.stderr  # first use, in this home
        assert lm.default_model_path().stat().st_size == lm.DEFAULT_MODEL_SIZE
        assert "[local: qwen2.5-coder-1.5b-instruct-q4_k_m+translate]" in proc.stderr

        entries = read_digest(Path(proc.stdout.strip().splitlines()[-1])).entries
        assert len(entries) == 1
        sections = [entries[0].sections.get(k, "") for k in SECTION_KEYS]
        assert all(s.strip() for s in sections), sections
        assert letter_share(" ".join(sections), "ko") >= 0.6, sections
        for a, b in combinations(sections, 2):
            assert word_overlap(a, b) <= 0.6, (a, b)

        # The model's own tokenizer budgets the input: a long text is cut by tokens, its head
        # (title and abstract) kept, and the cut noted.
        paper = load_source(SHARED_DAY)[entries[0].id]
        summarizer = LocalSummarizer(None, {})
        try:
            head = abstract_input(paper)
            long_text = head + "\n\n" + "\n".join([paper.abstract] * 40)
            assert summarizer.count_tokens(long_text) > 4000
            fitted, cut = fit_input(long_text, 1500, summarizer.tokenize, summarizer.detokenize)
            assert cut and fitted.startswith(head) and fitted.endswith(CUT_NOTE)
            assert summarizer.count_tokens(fitted) <= 1500
            assert summarizer.count_tokens("대형 언어 모델") != len("대형 언어 모델") // 4
        finally:
            summarizer.close()
    finally:
        lm.remove()  # 1.1 GB: do not leave it in pytest's kept temp folders
