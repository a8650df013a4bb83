"""Every summary says who wrote it, what it read, when, and whether it passed the checks — in
words for a reader — on the site, the server's pages and API, the JSON, the feeds and in chat."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from paperdigest.publish.chat import discord_messages, slack_messages
from paperdigest.render.html import build_site
from paperdigest.render.json_day import load_day
from paperdigest.render.provenance import READER_PROBLEMS, load_record, reader_problem
from paperdigest.store import Store
from paperdigest.web.app import create_app
from sitedata import DAY, FLAGGED_ID, MODEL_INSTRUCTION, REPAIRED_ID, add_check_records, make_db

FLAGGED = FLAGGED_ID
REPAIRED = REPAIRED_ID
INSTRUCTION = MODEL_INSTRUCTION


def _make(tmp_path: Path) -> Path:
    db = make_db(tmp_path / "db.sqlite", english=True, hostile=False)
    with Store(db) as store:
        add_check_records(store)
    return db


def test_every_check_has_reader_words_apart_from_the_model_instruction() -> None:
    from paperdigest.checks import check_names

    for name in check_names():
        assert name in READER_PROBLEMS, name
        for lang in ("en", "ko"):
            assert reader_problem(name, lang).endswith((".", "다.")), (name, lang)
    assert "plugin_check" in reader_problem("plugin_check", "en")


def test_record_states_input_and_share(tmp_path: Path) -> None:
    db = _make(tmp_path)
    with Store(db, readonly=True) as store:
        flagged = store.latest_summary(FLAGGED, "ko")
        repaired = store.latest_summary(REPAIRED, "ko")
        other = store.latest_summary("2407.14507", "ko")
        assert flagged and repaired and other
        f, r, o = (load_record(store, s) for s in (flagged, repaired, other))
    assert (f.state, r.state, o.state) == ("flagged", "repaired", "checked")
    assert f.problem_kinds() == ["key_figures", "numbers"]  # each kind once
    assert f.input_text("en") == "the full text (arXiv HTML), 92% of its 6,000-token budget"
    assert f.input_text("ko") == "전문 (arXiv HTML), 입력 한도 6,000토큰의 92%"
    assert r.input_text("en").startswith("the abstract, 2% of")
    assert o.input_text("en") == "an input not recorded"
    line = f.line("en")
    assert "tiny-1.5b (local)" in line and f.date in line and "⚠ flagged" in line
    assert INSTRUCTION not in line and READER_PROBLEMS["numbers"]["en"] in line


def test_a_day_loads_the_same_records_in_a_few_queries(tmp_path: Path) -> None:
    """load_day reads the day's summaries and records in bulk: the same entries as one look-up
    per paper (flagged, repaired, unchecked; with and without a recorded input)."""
    from paperdigest.render.json_day import entry_for

    db = _make(tmp_path)
    with Store(db, readonly=True) as store:
        for lang in ("ko", "en"):
            day = load_day(store, DAY, lang)
            one_by_one = [entry_for(store, e.paper, lang) for e in day.entries]
            assert list(day.entries) == one_by_one, lang
            states = {e.paper.id: e.record.state for e in day.entries if e.record is not None}
            if lang == "ko":
                assert states[FLAGGED] == "flagged" and states[REPAIRED] == "repaired"
                assert len(states) == len(day.entries)


def test_site_json_and_feeds_show_it(tmp_path: Path) -> None:
    db = _make(tmp_path)
    with Store(db) as store:
        build_site(store, tmp_path / "out")
    page = (tmp_path / "out/ko/days/2024-07-22.html").read_text(encoding="utf-8")
    card = page.split(f'id="p-{FLAGGED}"')[1].split("</article>")[0]
    assert "state-flagged" in card and "tiny-1.5b" in card
    assert READER_PROBLEMS["key_figures"]["ko"] in card and INSTRUCTION not in page
    assert "입력 한도 6,000토큰의 92%" in card
    repaired = page.split(f'id="p-{REPAIRED}"')[1].split("</article>")[0]
    assert "state-repaired" in repaired and "수정 후 검사 통과" in repaired
    assert page.count('class="card flagged"') == 1

    data = json.loads((tmp_path / "out/ko/days/2024-07-22.json").read_text(encoding="utf-8"))
    by_id = {p["id"]: p["summary"] for p in data["papers"]}
    check = by_id[FLAGGED]["check"]
    assert check["state"] == "flagged" and check["input"]["source"] == "html"
    assert check["input"]["budget_share"] == 0.92
    assert [p["check"] for p in check["problems"]] == ["key_figures", "numbers"]
    assert check["problems"][0]["reader"] == READER_PROBLEMS["key_figures"]["ko"]
    assert by_id[REPAIRED]["check"]["state"] == "repaired"
    assert INSTRUCTION not in json.dumps(data)

    feed = (tmp_path / "out/ko/atom/papers.xml").read_text(encoding="utf-8")
    assert "tiny-1.5b (local)" in feed and READER_PROBLEMS["numbers"]["ko"] in feed
    digest = (tmp_path / "out/ko/atom/digest.xml").read_text(encoding="utf-8")
    assert "수정 후 검사 통과" in digest and INSTRUCTION not in feed + digest


def test_server_and_chat_show_it(tmp_path: Path) -> None:
    db = _make(tmp_path)
    client = TestClient(create_app(db))
    page = client.get("/ko/days/2024-07-22.html").text
    assert READER_PROBLEMS["key_figures"]["ko"] in page and "state-flagged" in page
    api = client.get(f"/api/papers/{FLAGGED}").json()
    assert api["summaries"]["ko"]["check"]["state"] == "flagged"
    assert api["summaries"]["en"]["check"]["state"] == "checked"

    with Store(db, readonly=True) as store:
        day = load_day(store, DAY, "ko")
    slack = json.dumps(slack_messages(day, lang="ko", top=16), ensure_ascii=False)
    assert READER_PROBLEMS["numbers"]["ko"] in slack and "tiny-1.5b (local)" in slack
    assert INSTRUCTION not in slack
    embeds = [e for m in discord_messages(day, lang="ko", top=16) for e in m["embeds"]]
    flagged = [e for e in embeds if "LazyLLM" in e["title"]]
    assert len(flagged) == 1 and flagged[0]["color"] != embeds[0]["color"]
    assert READER_PROBLEMS["key_figures"]["ko"] in flagged[0]["footer"]["text"]
    assert all("footer" in e for e in embeds)


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_unknown_language_falls_back_to_english(lang: str) -> None:
    assert reader_problem("numbers", "de") == READER_PROBLEMS["numbers"]["en"]
    assert reader_problem("numbers", lang) == READER_PROBLEMS["numbers"][lang]
