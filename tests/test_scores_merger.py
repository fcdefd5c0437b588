"""Scores after a merger: a unit merged away before the scoring day is not ranked; its items score to the
unit that took it over, each line naming the unit the item was assigned to."""

from __future__ import annotations

import datetime as dt

import pytest
from gitutil import make_item, make_repo

from ducha import load_ledger, score_units
from ducha.counting.scoring import scoring_basis
from ducha.counting.stats import compute

pytestmark = pytest.mark.usefixtures("isolated_git")

# items/ledger.yml: zwfwj (市政务服务中心) valid_until 2026-06-30, merged_into sjj (市数据资源局)
MAY = {"assigned": dt.date(2026, 5, 6), "deadline": dt.date(2026, 5, 29)}


def _life(item_id: str, lead: str, co: list[str], closed: dt.date | None) -> dict:
    approval = {"opinion": "请牵头单位办理。", "by": "mayor_zhang", "date": MAY["assigned"]}
    if closed is None:  # open and overdue without a word of explanation
        return make_item(item_id, "assigned", lead_unit=lead, co_units=co, approval=approval, **MAY)
    done = make_item(item_id, "closed", lead_unit=lead, co_units=co, approval=approval, **MAY)
    done["progress"] = [{"date": dt.date(2026, 5, 12), "by": lead, "text": "已部署。"}]
    done["result"] = {"reported": closed, "text": "已完成。"}
    done["reviews"] = [{"date": closed, "result": "passed", "opinion": "同意办结。"}]
    done["closed"] = closed
    return done


@pytest.fixture
def ledger_root(tmp_path):
    repo = make_repo(tmp_path)
    rules = repo.read("items/ledger.yml")
    assert "zwfwj: {name: 市政务服务中心, kind: department, valid_until: 2026-06-30, merged_into: sjj}" in rules
    repo.write("items/ledger.yml", rules.replace("  co_unit_factor: 0\n", "  co_unit_factor: 0.5\n", 1))
    repo.write_item(_life("DC-2026-0001", "zwfwj", [], dt.date(2026, 5, 20)))  # the merged unit's, on time
    repo.write_item(_life("DC-2026-0002", "zwfwj", ["czj"], None))  # the merged unit's, overdue
    repo.write_item(_life("DC-2026-0003", "sjj", ["zwfwj"], dt.date(2026, 5, 25)))  # lead and co merge into one
    return repo.path


def _scores(root, day: dt.date) -> dict:
    st = compute(load_ledger(root, day), day)
    return {u.unit: u for u in score_units(st)}


def test_a_unit_merged_before_the_scoring_day_is_not_ranked_its_items_score_to_its_successor(ledger_root):
    scores = _scores(ledger_root, dt.date(2026, 11, 30))
    assert "zwfwj" not in scores
    sjj = scores["sjj"]
    assert sjj.name == "市数据资源局" and sjj.items == 3
    assert [(ln.item, ln.event, ln.role, ln.points, ln.via) for ln in sjj.lines] == [
        ("DC-2026-0001", "closed_on_time", "lead", 1, "zwfwj"),
        ("DC-2026-0002", "overdue_unexplained", "lead", -10, "zwfwj"),
        ("DC-2026-0002", "progress_missing", "lead", -1, "zwfwj"),
        ("DC-2026-0003", "closed_on_time", "lead", 1, ""),  # once, as lead: not again as its own co-unit
    ]
    assert sjj.score == 91
    assert sjj.lines[0].note.endswith("（原交办市政务服务中心，该单位 2026-06-30 后并入）")
    assert "原交办" not in sjj.lines[3].note
    assert [(ln.item, ln.role, ln.points) for ln in scores["czj"].lines] == [("DC-2026-0002", "co", -5), ("DC-2026-0002", "co", -0.5)]


def test_before_the_merger_the_unit_is_ranked_with_its_own_items(ledger_root):
    scores = _scores(ledger_root, dt.date(2026, 6, 30))  # its last day
    assert {u: s.score for u, s in scores.items() if u in ("zwfwj", "sjj")} == {"zwfwj": 90.5, "sjj": 101}
    assert [(ln.item, ln.role, ln.points) for ln in scores["zwfwj"].lines] == [
        ("DC-2026-0001", "lead", 1), ("DC-2026-0002", "lead", -10), ("DC-2026-0002", "lead", -1), ("DC-2026-0003", "co", 0.5)]
    assert not any(ln.via for s in scores.values() for ln in s.lines)


def test_the_scoring_basis_says_where_a_merged_units_items_go(ledger_root):
    text = scoring_basis(load_ledger(ledger_root, dt.date(2026, 11, 30)).rules)
    assert "截止日前已撤并" in text and "计入承接它的单位" in text


def test_the_unit_table_says_where_a_merged_units_score_went(ledger_root):
    """按牵头单位统计: the merged unit keeps its row of figures, and instead of an empty score it says which
    unit took it over, linked to that unit's score."""
    from ducha import gather_inputs

    inputs = gather_inputs(ledger_root, dt.date(2026, 11, 30), from_history=False, history=False, warn=lambda *_: None)
    pages = {p.src_uri: p for p in inputs.builder().build()}
    html = pages["status/unit.md"].html
    row = html[html.index("市政务服务中心"):].split("</tr>")[0]
    assert "并入<a href=\"" in row and "#sjj\">市数据资源局</a>，计入其得分</td>" in row, row
