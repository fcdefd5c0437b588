"""Statistics and scoring pinned on a small ledger whose every number is worked out here by hand.

The ledger is a real git repository (tests/gitutil.py): each commit is dated on the day it records,
so the ledger "as of" a day is the one committed by then.  November/December 2026 have no public
holidays, so working days are Monday–Friday (16, 23, 30 Nov and 7, 14 Dec are Mondays).

Items (all assigned Mon 2026-11-16):

  0001 A  fgw lead, czj co; deadline 11-25; closed 11-23 (on time)
  0002 B  fgw; deadline 11-20; extension requested 11-19, approved 11-24 → 12-11
  0003 C  zjj lead, fgw+czj co; leader_instruction, vmayor_li, urgent; deadline 11-20;
          progress 11-18, never explained → overdue without explanation from 11-21
  0004 D  zjj; deadline 11-25; reported 11-20, returned 11-23, re-reported 11-25, closed 11-26 (1 day late)
  0005 E  draft (never counted)
  0006 F  czj; cancelled 11-18 (counted only before that)
  0007 G  hpq; mayor_mailbox; deadline 12-07; reply 11-19; closed 11-20
  0008 H  hpq, vmayor_wang; deadline 12-15; papers: urgent sent 11-17 09:00 back 11-18 15:00 (30 h > 24 h,
          late), normal sent 11-19 09:00 back 11-20 09:00 (24 h ≤ 72 h, on time)
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import os

import pytest
from click.testing import CliRunner
from gitutil import PROJECT, make_item, make_repo

from ducha.counting import export
from ducha.core import schema
from ducha.cli import main
from ducha import load_ledger, load_ledger_at
from ducha import parse_rules
from ducha import score_units
from ducha import basis_markdown
from ducha.counting.stats import COUNTS, RATES, compute

D = dt.date


def nov(day: int) -> dt.date:
    return D(2026, 11, day)


pytestmark = pytest.mark.usefixtures("isolated_git")


def _prog(day, unit):
    return [{"date": day, "by": unit, "text": "已召开专题会议研究。"}]


A = dict(deadline=nov(25), co_units=["czj"])
B = dict(deadline=nov(20), co_units=None)
C = dict(lead_unit="zjj", co_units=["fgw", "czj"], deadline=nov(20), category="leader_instruction",
         leader="vmayor_li", urgency="urgent")  # fmt: skip
DD = dict(lead_unit="zjj", co_units=None, deadline=nov(25))
G = dict(category="mayor_mailbox", lead_unit="hpq", co_units=None, deadline=D(2026, 12, 7), citizen={"name": "刘建平"})
H = dict(lead_unit="hpq", co_units=None, leader="vmayor_wang", deadline=D(2026, 12, 15))
EXT = {"requested": nov(19), "reason": "需协调省级部门。"}
REPLY = {"date": nov(19), "method": "phone", "text": "已电话答复。"}
PAPER1 = {"leader": "vmayor_wang", "sent": "2026-11-17 09:00", "kind": "urgent"}
PAPER2 = {"leader": "vmayor_wang", "sent": "2026-11-19 09:00", "kind": "normal"}


@pytest.fixture(scope="module")
def ledger_repo(tmp_path_factory):
    os.environ.setdefault("GIT_CONFIG_NOSYSTEM", "1")
    repo = make_repo(tmp_path_factory.mktemp("stats"))
    shas = {}

    def day(d, *items):
        for data in items:
            repo.write_item(data)
        shas[d] = repo.commit(f"{d} 台账更新", d.isoformat())

    day(nov(16),
        make_item("DC-2026-0001", "assigned", **A), make_item("DC-2026-0002", "assigned", **B),
        make_item("DC-2026-0003", "assigned", **C), make_item("DC-2026-0004", "assigned", **DD),
        make_item("DC-2026-0005", "draft"), make_item("DC-2026-0006", "assigned", lead_unit="czj", co_units=None),
        make_item("DC-2026-0007", "assigned", **G), make_item("DC-2026-0008", "assigned", **H))  # fmt: skip
    day(nov(17), make_item("DC-2026-0008", "assigned", **H, circulation=[PAPER1]))
    day(nov(18),
        make_item("DC-2026-0003", "in_progress", **C, progress=_prog(nov(18), "zjj")),
        make_item("DC-2026-0006", "cancelled", lead_unit="czj", co_units=None),
        make_item("DC-2026-0008", "assigned", **H, circulation=[{**PAPER1, "returned": "2026-11-18 15:00"}]))  # fmt: skip
    day(nov(19),
        make_item("DC-2026-0002", "assigned", **B, extensions=[EXT]),
        make_item("DC-2026-0007", "assigned", **G, reply=REPLY),
        make_item("DC-2026-0008", "assigned", **H, circulation=[{**PAPER1, "returned": "2026-11-18 15:00"}, PAPER2]))  # fmt: skip
    day(nov(20),
        make_item("DC-2026-0004", "reported", **DD),
        make_item("DC-2026-0007", "closed", **G, reply=REPLY, progress=None, result={"reported": nov(20), "text": "已解决。"},
                  reviews=[{"date": nov(20), "result": "passed"}], closed=nov(20)),
        make_item("DC-2026-0008", "assigned", **H, circulation=[{**PAPER1, "returned": "2026-11-18 15:00"},
                                                                 {**PAPER2, "returned": "2026-11-20 09:00"}]))  # fmt: skip
    day(nov(23), make_item("DC-2026-0001", "closed", **A), make_item("DC-2026-0004", "returned", **DD))
    approved = {**EXT, "approved_by": "mayor_zhang", "approved": nov(24), "new_deadline": D(2026, 12, 11)}
    day(nov(24), make_item("DC-2026-0002", "assigned", **B, extensions=[approved]))
    returned = {"date": nov(23), "result": "returned", "opinion": "请补充资金落实情况。"}
    day(nov(25), make_item("DC-2026-0004", "reported", **DD, reviews=[returned], result={"reported": nov(25), "text": "已补充。"}))
    day(nov(26), make_item("DC-2026-0004", "closed", **DD, reviews=[returned, {"date": nov(26), "result": "passed"}],
                           result={"reported": nov(25), "text": "已补充。"}, closed=nov(26)))  # fmt: skip
    return repo, shas


def stats_at(ledger_repo, as_of, **kw):
    repo, _ = ledger_repo
    return compute(load_ledger_at(repo.path, as_of), as_of, **kw)


def counts(group) -> dict:
    return {k: v.count for k, v in group.figures.items() if v.count}


def ids(group, key) -> list[str]:
    return [i[-1] for i in group[key].ids]  # "DC-2026-0003" -> "3"


# -- as of 2026-11-23 (Mon): after the return of D, before B's extension was approved ------------------


def test_totals_on_the_23rd(ledger_repo):
    st = stats_at(ledger_repo, nov(23))
    assert st.commit == ledger_repo[1][nov(23)]
    t = st.totals
    # population: A B C D G H (E is a draft, F was cancelled on the 18th)
    assert ids(t, "total") == list("123478")
    assert st.excluded["draft"].ids == ("DC-2026-0005",)
    assert st.excluded["cancelled"].ids == ("DC-2026-0006",)
    assert counts(t) == {
        "total": 6,
        "closed": 2,  # A (11-23), G (11-20)
        "open": 4,
        "due": 4,  # A G closed + B C past 11-20
        "closed_on_time": 2,
        "overdue_open": 2,  # B (extension only requested) and C
        "overdue_unexplained": 1,  # C: B's pending request is its explanation
        "due_soon": 1,  # D: 11-25 is 2 working days away
        "returned": 1,  # D returned on the 23rd
        "light_red": 2,
        "light_yellow": 1,  # D, within 3 working days
        "light_green": 1,  # H
        "progress_required": 4,  # B C D H (D is back with the unit)
        "progress_on_time": 4,  # all reported, or assigned, within 15 days
        "reading_total": 2,  # H's two papers
        "reading_on_time": 1,  # 24 h for the normal one; the urgent one took 30 h
        "mailbox_total": 1,
        "mailbox_closed": 1,
        "mailbox_replied": 1,
    }
    assert ids(t, "overdue_open") == ["2", "3"]
    assert ids(t, "overdue_unexplained") == ["3"]
    assert ids(t, "due_soon") == ["4"]
    assert t["reading_total"].ids == ("DC-2026-0008",)
    r = t.rate("rate_closed")
    assert (r.numerator, r.denominator, r.value) == (2, 6, 2 / 6)
    r = t.rate("rate_on_time")
    assert (r.numerator, r.denominator, r.value) == (2, 4, 0.5)
    assert t.rate("rate_on_time").text() == "50.0%（2/4）"
    assert t.rate("rate_reading").text() == "50.0%（1/2）"
    assert t.rate("rate_mailbox_replied").value == 1.0
    # A: 16 → 23 is 7 days, G: 16 → 20 is 4 days
    assert (t.days_to_close.days, t.days_to_close.count, t.days_to_close.value) == (11, 2, 5.5)
    assert st.unknown_years == ()


def test_groups_on_the_23rd(ledger_repo):
    st = stats_at(ledger_repo, nov(23))
    assert [g.key for g in st.groups["unit"]] == ["fgw", "zjj", "hpq"]  # the rules' order
    fgw, zjj, hpq = st.groups["unit"]
    assert fgw.name == "市发展和改革委员会"
    assert counts(fgw) == {"total": 2, "closed": 1, "open": 1, "due": 2, "closed_on_time": 1, "overdue_open": 1,
                           "light_red": 1, "progress_required": 1, "progress_on_time": 1}  # fmt: skip
    assert counts(zjj)["overdue_unexplained"] == 1 and counts(zjj)["returned"] == 1 and counts(zjj)["total"] == 2
    assert zjj.rate("rate_on_time").denominator == 1 and zjj.rate("rate_on_time").value == 0.0  # C due, not closed
    assert counts(hpq)["mailbox_total"] == 1 and counts(hpq)["reading_total"] == 2
    # co-units counted separately: czj helps on A and C, fgw on C
    co = {g.key: g for g in st.groups["co_unit"]}
    assert set(co) == {"fgw", "czj"}
    assert ids(co["czj"], "total") == ["1", "3"] and ids(co["fgw"], "total") == ["3"]
    assert ids(co["czj"], "closed_on_time") == ["1"]
    cats = {g.key: g.count("total") for g in st.groups["category"]}
    assert cats == {"meeting_decision": 4, "leader_instruction": 1, "mayor_mailbox": 1}
    leaders = {g.key: g for g in st.groups["leader"]}
    assert {k: g.count("total") for k, g in leaders.items()} == {"mayor_zhang": 4, "vmayor_li": 1, "vmayor_wang": 1}
    assert leaders["vmayor_wang"].rate("rate_reading").text() == "50.0%（1/2）"
    assert [(g.key, g.name, g.count("total")) for g in st.groups["month"]] == [("2026-11", "2026年11月", 6)]
    assert {g.key: g.count("total") for g in st.groups["urgency"]} == {"normal": 5, "urgent": 1}


def test_one_grouping_adds_up_as_all_of_them(ledger_repo):
    """``ducha stats --by X`` adds up only X: the totals, X's groups and the items' facts are those of the full run."""
    full = stats_at(ledger_repo, nov(23))
    for grouping in full.groups:
        one = stats_at(ledger_repo, nov(23), groupings=(grouping,))
        assert list(one.groups) == [grouping]
        assert one.groups[grouping] == full.groups[grouping]
        assert one.totals == full.totals and one.items == full.items and one.excluded == full.excluded


# -- before and after: the extension, the return, the closure, the cancellation ----------------------


def test_before_the_cancellation(ledger_repo):
    st = stats_at(ledger_repo, nov(17))
    assert st.totals.count("total") == 7  # F still open
    assert st.excluded["cancelled"].count == 0
    assert ids(st.totals, "closed") == []
    # at 11-17 H's urgent paper is out but within 24 h of 09:00 → not yet counted
    assert st.totals.count("reading_total") == 0


def test_before_the_deadlines_due_soon(ledger_repo):
    st = stats_at(ledger_repo, nov(19))
    t = st.totals
    # A D (11-25: 4 working days), B C (11-20: 1) are due within 5 working days; G H are not
    assert ids(t, "due_soon") == ["1", "2", "3", "4"]
    assert t.count("overdue_open") == 0 and t.count("due") == 0
    assert t.rate("rate_on_time").text() == "—（0/0）" and t.rate("rate_on_time").value is None
    # urgent paper back after 30 h: late; the normal one went out at 09:00 that day, still within its 72 h
    assert (t.count("reading_total"), t.count("reading_on_time")) == (1, 0)
    assert t.count("mailbox_replied") == 1 and t.count("mailbox_closed") == 0
    narrow = stats_at(ledger_repo, nov(19), due_within_days=1)
    assert ids(narrow.totals, "due_soon") == ["2", "3"]  # 11-20 is 1 working day away, 11-25 is 4


def test_after_the_extension(ledger_repo):
    before, after = stats_at(ledger_repo, nov(23)), stats_at(ledger_repo, nov(24))
    b_before = next(f for f in before.items if f.id == "DC-2026-0002")
    b_after = next(f for f in after.items if f.id == "DC-2026-0002")
    assert (b_before.deadline, b_before.deadline_source, b_before.light, b_before.overdue_days) == (nov(20), "deadline", "red", 3)
    assert (b_after.deadline, b_after.deadline_source, b_after.light, b_after.overdue_days) == (D(2026, 12, 11), "extension", "green", 0)
    assert ids(after.totals, "overdue_open") == ["3"]
    assert after.totals.count("due") == 3  # A G closed, C overdue


def test_return_and_late_closure(ledger_repo):
    at = {d: stats_at(ledger_repo, nov(d)) for d in (22, 23, 25, 26)}
    d_status = {d: next(f.status for f in st.items if f.id == "DC-2026-0004") for d, st in at.items()}
    assert d_status == {22: "reported", 23: "returned", 25: "reported", 26: "closed"}
    assert at[22].totals.count("returned") == 0 and at[23].totals.count("returned") == 1
    assert ids(at[22].totals, "progress_required") == ["1", "2", "3", "8"]  # D awaits review: the unit owes nothing
    t = at[26].totals
    assert ids(t, "closed_late") == ["4"] and ids(t, "closed_on_time") == ["1", "7"]
    assert counts(t)["due"] == 4  # A D G closed, C overdue
    assert t.rate("rate_on_time").text() == "50.0%（2/4）"
    assert t.rate("rate_closed").text() == "50.0%（3/6）"
    assert next(f.overdue_days for f in at[26].items if f.id == "DC-2026-0004") == 1
    # days to close: A 7, G 4, D 10
    assert (t.days_to_close.days, t.days_to_close.value) == (21, 7.0)


def test_progress_and_lights_two_weeks_on(ledger_repo):
    t = stats_at(ledger_repo, D(2026, 12, 4)).totals
    # B (12-11: 5 working days) is due soon; B and H have reported nothing for 18 days, C for 16 (> 15)
    assert ids(t, "due_soon") == ["2"]
    assert ids(t, "progress_required") == ["2", "3", "8"]
    assert t.rate("rate_progress").text() == "0.0%（0/3）"
    assert ids(t, "light_red") == ["3"] and ids(t, "light_yellow") == ["2", "8"] and t.count("light_green") == 0


@pytest.mark.parametrize("day", [17, 19, 23, 24, 26])
def test_work_tree_as_of_a_past_day_agrees_with_history(ledger_repo, day):
    """The work tree holds the final files; records dated after the day are left out, so the numbers
    match the ledger as committed on that day."""
    repo, _ = ledger_repo
    worktree = compute(load_ledger(repo.path, nov(day)), nov(day))
    history = stats_at(ledger_repo, nov(day))
    assert worktree.commit is None
    assert {k: v.ids for k, v in worktree.totals.figures.items()} == {k: v.ids for k, v in history.totals.figures.items()}
    assert {k: v.count for k, v in worktree.totals.figures.items()} == {k: v.count for k, v in history.totals.figures.items()}


# -- scoring --------------------------------------------------------------------------------------


def test_scores_itemised_and_ranked(ledger_repo):
    st = stats_at(ledger_repo, nov(26))
    scores = score_units(st)
    # sample rules: base 100; +1 on time; −5 late; −10 overdue unexplained; −10 per return; co-units not scored
    assert [(u.rank, u.unit, u.score) for u in scores] == [(1, "fgw", 101), (1, "hpq", 101), (3, "zjj", 75)]
    zjj = scores[2]
    assert [(ln.item, ln.event, ln.points) for ln in zjj.lines] == [
        ("DC-2026-0003", "overdue_unexplained", -10),
        ("DC-2026-0004", "closed_late", -5),
        ("DC-2026-0004", "returned", -10),
    ]
    assert zjj.deducted == -25 and zjj.items == 2
    assert "超期 1 天" in zjj.lines[1].note


def test_scoring_rules_bounds_and_co_units(ledger_repo):
    st = stats_at(ledger_repo, nov(26))
    text = (ledger_repo[0].path / "items" / "ledger.yml").read_text(encoding="utf-8")
    spec = "scoring:\n  base: 10\n  min: 0\n  max: 10.5\n  co_unit_factor: 0.5\n  points: {closed_on_time: 1, returned: -20}\n"
    head = text.split("scoring:")[0]
    rules, findings = parse_rules((head + spec).encode(), "items/ledger.yml")
    assert findings == []
    scores = {u.unit: u for u in score_units(st, rules)}
    # points not given keep their defaults (closed late −5, overdue unexplained −10)
    assert (scores["hpq"].raw, scores["hpq"].score) == (11, 10.5)  # G +1, capped at max
    assert (scores["fgw"].raw, scores["fgw"].score) == (6, 6)  # A +1, and C −10 × 0.5 as a co-unit
    assert (scores["zjj"].raw, scores["zjj"].score) == (-25, 0)  # C −10, D late −5, D returned −20; floored at 0
    # czj: co-unit on A (+1 × 0.5) and C (−10 × 0.5)
    assert [(ln.item, ln.role, ln.points) for ln in scores["czj"].lines] == [("DC-2026-0001", "co", 0.5), ("DC-2026-0003", "co", -5)]
    bad, findings = parse_rules((head + "scoring:\n  bonus: 3\n").encode(), "items/ledger.yml")
    assert bad is None and findings[0].code == "R102"
    clash, findings = parse_rules((head + "scoring:\n  min: 50\n  max: 40\n").encode(), "items/ledger.yml")
    assert clash is None and [(f.code, f.field) for f in findings] == [("R105", "scoring.min")]


# -- the 统计口径 and the CLI ------------------------------------------------------------------------


def test_basis_states_every_figure(ledger_repo):
    st = stats_at(ledger_repo, nov(23))
    text = basis_markdown(st.rules, 5)
    for word in ("应办结数", "按期办结率", "拟办", "已撤销", "延期", "5个工作日内到期数", "市长信箱回复率", "考核计分", "-10 分/次"):
        assert word in text


def run(ledger_repo, *args):
    repo, _ = ledger_repo
    result = CliRunner().invoke(main, ["stats", "--root", str(repo.path), *args])
    assert result.exit_code == 0, result.output
    return result


def test_cli_json(ledger_repo):
    out = json.loads(run(ledger_repo, "--as-of", "2026-11-23", "--format", "json").stdout)
    assert list(out) == ["as_of", "commit", "group_by", "due_within_days", "excluded", "unknown_years", "corrected", "totals", "by"]
    assert out["as_of"] == "2026-11-23" and out["commit"] == ledger_repo[1][nov(23)] and out["group_by"] == "unit"
    assert out["excluded"] == {"draft": 1, "not_assigned": 0, "cancelled": 1}
    t = out["totals"]
    assert list(t) == [*COUNTS, *RATES, "days_to_close"]
    assert (t["total"], t["closed"], t["due"], t["closed_on_time"], t["overdue_open"], t["closed_late"]) == (6, 2, 4, 2, 2, 0)
    assert t["rate_closed"] == {"numerator": 2, "denominator": 6, "value": 0.3333}
    assert t["rate_on_time"] == {"numerator": 2, "denominator": 4, "value": 0.5}
    assert t["days_to_close"] == {"days": 11, "count": 2, "value": 5.5}
    assert list(out["by"]) == ["fgw", "zjj", "hpq"] and out["by"]["fgw"]["name"] == "市发展和改革委员会"
    assert "ids" not in t
    with_ids = json.loads(run(ledger_repo, "--as-of", "2026-11-23", "--format", "json", "--ids", "--by", "co_unit").stdout)
    assert with_ids["totals"]["ids"]["overdue_unexplained"] == ["DC-2026-0003"]
    assert with_ids["by"]["czj"]["ids"]["total"] == ["DC-2026-0001", "DC-2026-0003"]
    assert with_ids["excluded"]["draft"] == ["DC-2026-0005"]


def test_cli_csv_table_scores(ledger_repo, tmp_path):
    text = run(ledger_repo, "--as-of", "2026-11-23", "--format", "csv", "--by", "category").stdout
    table = list(csv.reader(io.StringIO(text)))
    assert table[0][:6] == ["类别代码", "类别", "事项数", "办结数", "办结率", "未办结数"]
    assert table[0][-1] == "平均办结天数"
    assert [r[0] for r in table[1:]] == ["meeting_decision", "leader_instruction", "mayor_mailbox", "合计"]
    assert table[-1][2:5] == ["6", "2", "0.3333"]
    out = tmp_path / "s.csv"
    run(ledger_repo, "--as-of", "2026-11-23", "--format", "csv", "--output", str(out))
    assert out.read_bytes().startswith("\ufeff牵头单位代码".encode())  # BOM for Excel
    shown = run(ledger_repo, "--as-of", "2026-11-23").stdout
    assert "合计" in shown and "50.0%（2/4）" in shown and f"提交 {ledger_repo[1][nov(23)][:10]}" in shown
    scores = json.loads(run(ledger_repo, "--as-of", "2026-11-26", "--scores", "--format", "json").stdout)
    assert [(u["rank"], u["unit"], u["score"]) for u in scores["units"]] == [(1, "fgw", 101), (1, "hpq", 101), (3, "zjj", 75)]
    assert "DC-2026-0004 超期办结" in run(ledger_repo, "--as-of", "2026-11-26", "--scores").stdout
    assert run(ledger_repo, "--basis").stdout.startswith("# 统计口径")


def test_cli_xlsx(ledger_repo, tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    out = tmp_path / "s.xlsx"
    run(ledger_repo, "--as-of", "2026-11-23", "--format", "xlsx", "--output", str(out))
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["按牵头单位", "按配合单位", "按类别", "按交办领导", "按交办月份", "按紧急程度", "按会议或文件", "按会议或文件类别", "事项明细", "考核", "统计口径"]
    ws = wb["按牵头单位"]
    assert ws["A1"].value.startswith("截至 2026-11-23，版本 " + ledger_repo[1][nov(23)])
    head = [c.value for c in ws[2]]
    assert head[:5] == ["牵头单位代码", "牵头单位", "事项数", "办结数", "办结率"]
    last = [c.value for c in ws[ws.max_row]]
    assert last[:5] == ["合计", "合计", 6, 2, 0.333]  # the rate as shown: 33.3%, rounded half up to 1 decimal
    assert ws.cell(ws.max_row, 5).number_format == "0.0%"
    items = wb["事项明细"]
    assert [c.value for c in items[2]][:3] == ["编号", "事项名称", "状态"]
    assert items.max_row == 2 + 6
    assert items["C3"].value == schema.STATUSES["closed"]


def test_cli_xlsx_needs_output(ledger_repo):
    repo, _ = ledger_repo
    result = CliRunner().invoke(main, ["stats", "--root", str(repo.path), "--format", "xlsx"])
    assert result.exit_code == 2 and "--output" in result.output


def test_group_dict_matches_export_rows(ledger_repo):
    st = stats_at(ledger_repo, nov(23))
    cols = [k for k, _ in export.columns(st, "unit")]
    row = dict(zip(cols, export.rows(st, "unit")[0]))
    assert row["key"] == "fgw" and row["total"] == 2 and row["rate_on_time"] == 0.5


# -- the parsed-item cache behind load_ledger_at(..., checks=False) -------------------------------


def test_item_cache_gives_what_the_checked_load_gives(ledger_repo):
    from ducha.ledger.itemcache import cache_path, read_cache

    repo, shas = ledger_repo
    cache = cache_path(repo.path / ".git")
    cache.unlink(missing_ok=True)
    for day in (nov(17), nov(23), nov(26)):
        checked = load_ledger_at(repo.path, day)
        cold = load_ledger_at(repo.path, day, checks=False)
        warm = load_ledger_at(repo.path, day, checks=False)
        assert cold.commit == warm.commit == checked.commit == shas[day]
        assert cold.findings == [] and sorted(cold.items) == sorted(warm.items) == sorted(checked.items)
        for item_id in checked.items:
            assert warm.items[item_id].data == checked.items[item_id].data
            assert warm.items[item_id].path == checked.items[item_id].path
        assert {k: v.ids for k, v in compute(warm, day).totals.figures.items()} == {
            k: v.ids for k, v in compute(checked, day).totals.figures.items()
        }
    assert cache.exists() and len(read_cache(cache)) >= 8
    cache.write_bytes(b"not a pickle")  # a damaged cache is rebuilt, never fatal
    assert sorted(load_ledger_at(repo.path, nov(23), checks=False).items) == sorted(load_ledger_at(repo.path, nov(23)).items)
    assert len(read_cache(cache)) >= 8


def test_item_cache_remembers_files_that_are_not_items(tmp_path):
    from ducha.ledger.itemcache import cache_path, read_cache

    repo = make_repo(tmp_path)
    repo.write_item(make_item("DC-2026-0001", "assigned"))
    repo.write("items/2026/DC-2026-0002.yml", "id: [DC-2026-0002\n")  # not YAML
    repo.write_item(make_item("DC-2026-0003", "assigned"), rel="items/2026/DC-2026-0004.yml")  # id ≠ file name
    repo.commit("登记", "2026-11-16")
    for _ in range(2):
        ledger = load_ledger_at(repo.path, nov(16), checks=False)
        assert list(ledger.items) == ["DC-2026-0001"]
    cached = read_cache(cache_path(repo.path / ".git"))
    assert sorted(v is None for v in cached.values()) == [False, True, True]


def test_scores_in_the_next_year_count_only_that_years_events(ledger_repo):
    """period: year — in January 2027 the 2026 closures and returns no longer score; the states at the day do:
    B (its extension decided, no explanation since), C and H are overdue without explanation (−10 each)
    and none has reported progress for more than 15 days (−1 each)."""
    st = stats_at(ledger_repo, D(2027, 1, 5))
    assert st.unknown_years == (2027,)  # no 2027 holiday data: said, not guessed
    assert ids(st.totals, "overdue_unexplained") == ["2", "3", "8"]
    scores = score_units(st)
    assert [(u.rank, u.unit, u.score, u.items) for u in scores] == [(1, "fgw", 89, 1), (1, "zjj", 89, 1), (1, "hpq", 89, 1)]
    assert [(ln.item, ln.event) for ln in scores[0].lines] == [("DC-2026-0002", "overdue_unexplained"), ("DC-2026-0002", "progress_missing")]


@pytest.mark.parametrize(
    "value, cell",
    [
        ("=HYPERLINK(\"http://x.example\",\"点我\")", "'=HYPERLINK(\"http://x.example\",\"点我\")"),
        ("+1+2", "'+1+2"), ("-1+2", "'-1+2"), ("@SUM(A1)", "'@SUM(A1)"), ("\t=1", "'\t=1"), ("\r=1", "'\r=1"),
        ("＝1+2", "'＝1+2"), ("＋1", "'＋1"), ("－1", "'－1"), ("＠SUM(A1)", "'＠SUM(A1)"),
        ("市发展和改革委员会", "市发展和改革委员会"), ("a=1", "a=1"), ("'=1", "'=1"), ("", ""),
        (-5, -5), (0.25, 0.25), (None, None), (D(2026, 11, 16), D(2026, 11, 16)),
    ],
)  # fmt: skip
def test_safe_cell(value, cell):
    assert export.safe_cell(value) == cell


def test_xlsx_and_csv_write_formula_like_text_as_text(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    rules = (PROJECT / "items" / "ledger.yml").read_text(encoding="utf-8")
    repo = make_repo(tmp_path)
    (repo.path / "items" / "ledger.yml").write_text(rules.replace("{name: 市发展和改革委员会,", "{name: \"@市发展和改革委员会\","), encoding="utf-8")
    repo.write_item(make_item("DC-2026-0001", "assigned", title="=HYPERLINK(\"http://x.example\",\"点我\")"))
    repo.write_item(make_item("DC-2026-0002", "assigned", title="－1+2 事项"))
    repo.commit("登记", "2026-11-16")
    out = tmp_path / "s.xlsx"
    result = CliRunner().invoke(main, ["stats", "--root", str(repo.path), "--as-of", "2026-11-23", "--format", "xlsx",
                                       "--output", str(out), "--scores"])  # fmt: skip
    assert result.exit_code == 0, result.output
    wb = openpyxl.load_workbook(out)
    titles = {c.value: c.data_type for (c,) in wb["事项明细"].iter_rows(min_row=3, min_col=2, max_col=2)}
    assert titles == {"'=HYPERLINK(\"http://x.example\",\"点我\")": "s", "'－1+2 事项": "s"}
    cells = [c for ws in wb for row in ws.iter_rows() for c in row if c.value is not None]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    assert "'@市发展和改革委员会" in [c.value for c in cells]
    assert any(c.data_type == "n" for c in cells), "numbers stay numbers"
    csv_text = CliRunner().invoke(main, ["stats", "--root", str(repo.path), "--as-of", "2026-11-23", "--format", "csv"]).stdout
    assert ",'@市发展和改革委员会," in csv_text and ",@市" not in csv_text


# -- counting details: the deadline day, rounding half up, the decimals the rules set ----------------


def test_an_open_item_is_due_on_its_deadline_day_but_not_overdue(ledger_repo):
    """Fri 2026-11-20 is B's and C's deadline and neither is closed: both count in 应办结数 that day (the
    统计口径: 有效期限在截止日当天或之前), so 按期办结率 is 1/3, not 1/1; they are overdue only from the next day."""
    t = stats_at(ledger_repo, nov(20)).totals
    assert ids(t, "due") == ["2", "3", "7"]  # B C on their deadline day, G closed that day
    assert ids(t, "closed_on_time") == ["7"]
    assert t.rate("rate_on_time").text() == "33.3%（1/3）"
    assert t.count("overdue_open") == 0 and t.count("light_red") == 0
    assert ids(t, "due_soon") == ["1", "2", "3", "4"]  # the deadline day is still within "due soon"
    nxt = stats_at(ledger_repo, nov(21)).totals
    assert ids(nxt, "due") == ["2", "3", "7"] and ids(nxt, "overdue_open") == ["2", "3"]
    assert "有效期限在截止日当天或之前的事项（期限当天尚未办结的也计入，但不算超期）" in basis_markdown(stats_at(ledger_repo, nov(20)).rules)


@pytest.mark.parametrize(
    "n, d, decimals, shown",
    [(1, 16, 1, "6.3%"), (3, 16, 1, "18.8%"), (1, 16, 2, "6.25%"), (1, 160, 2, "0.63%"), (1, 3, 2, "33.33%"),
     (1, 8, 0, "13%"), (1, 16, 0, "6%"), (5, 8, 0, "63%"), (2, 3, 1, "66.7%"), (0, 7, 1, "0.0%"), (7, 7, 0, "100%"),
     (1, 0, 1, "—")],
)  # fmt: skip
def test_percentages_round_half_up_on_the_exact_fraction(n, d, decimals, shown):
    from ducha.core.formats import percent

    assert percent(n, d, decimals) == shown


def sixteen_items(tmp_path, decimals: int | None = None):
    """16 items assigned 2026-11-16, one closed 11-23: 办结率 1/16 = 6.25% as of 11-30."""
    repo = make_repo(tmp_path)
    if decimals is not None:
        text = repo.read("items/ledger.yml")
        repo.write("items/ledger.yml", text.replace("statistics:\n  decimals: 1\n", f"statistics:\n  decimals: {decimals}\n"))
    for n in range(1, 17):
        repo.write_item(make_item(f"DC-2026-{n:04d}", "closed" if n == 1 else "assigned"))
    repo.commit("登记", "2026-11-23")
    return repo


@pytest.mark.parametrize("decimals, closed, basis", [(None, "6.3%（1/16）", "百分比四舍五入保留1位小数"),
                                                     (2, "6.25%（1/16）", "百分比四舍五入保留2位小数"),
                                                     (0, "6%（1/16）", "百分比四舍五入取整数")])  # fmt: skip
def test_the_rules_set_the_decimals_of_every_percentage(tmp_path, decimals, closed, basis):
    repo = sixteen_items(tmp_path, decimals)
    stats = lambda *a: CliRunner().invoke(main, ["stats", "--root", str(repo.path), "--as-of", "2026-11-30", *a])  # noqa: E731
    table = stats()
    assert table.exit_code == 0, table.output
    assert closed in table.stdout
    assert basis in stats("--basis").stdout
    out = json.loads(stats("--format", "json").stdout)
    assert out["totals"]["rate_closed"] == {"numerator": 1, "denominator": 16, "value": 0.0625}  # JSON as before
    draft = CliRunner().invoke(main, ["bulletin", "new", "--root", str(repo.path), "--kind", "bulletin",
                                      "--as-of", "2026-11-30", "--date", "2026-11-30", "--print"])  # fmt: skip
    assert draft.exit_code == 0, draft.output
    body = re.sub(r"<!--fig:[^>]*-->", "", draft.stdout)  # the figure markers verify reads (bodymarks)
    assert f"办结率 {closed}" in body
    share = {None: "93.8%", 2: "93.75%", 0: "94%"}[decimals]  # the pct filter: 正在办理 15 of 16
    assert f"正在办理 15 件，占 {share}" in body
    written = CliRunner().invoke(main, ["bulletin", "new", "--root", str(repo.path), "--kind", "bulletin",
                                        "--as-of", "2026-11-30", "--date", "2026-11-30"])  # fmt: skip
    assert written.exit_code == 0, written.output
    verified = CliRunner().invoke(main, ["bulletin", "verify", "--all", "--root", str(repo.path)])
    assert verified.exit_code == 0 and "B108" not in verified.output, verified.output  # read back to the same decimals


def test_xlsx_rates_are_the_shown_percentages(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    repo = sixteen_items(tmp_path, 2)
    out = tmp_path / "s.xlsx"
    result = CliRunner().invoke(main, ["stats", "--root", str(repo.path), "--as-of", "2026-11-30", "--format", "xlsx",
                                       "--output", str(out)])  # fmt: skip
    assert result.exit_code == 0, result.output
    ws = openpyxl.load_workbook(out)["按牵头单位"]
    col = [c.value for c in ws[2]].index("办结率") + 1
    total = ws.cell(ws.max_row, col)
    assert (total.value, total.number_format) == (0.0625, "0.00%")
    csv_text = CliRunner().invoke(main, ["stats", "--root", str(repo.path), "--as-of", "2026-11-30", "--format", "csv"]).stdout
    assert list(csv.reader(io.StringIO(csv_text)))[-1][4] == "0.0625"  # CSV keeps the value to 4 decimals, as JSON


@pytest.mark.parametrize("value", ["3", "-1", "1.5", '"1"', "true", "null"])
def test_other_decimals_are_refused_with_r108(tmp_path, value):
    text = (PROJECT / "items" / "ledger.yml").read_text(encoding="utf-8")
    bad = text.replace("statistics:\n  decimals: 1\n", f"statistics:\n  decimals: {value}\n")
    assert bad != text
    rules, findings = parse_rules(bad.encode(), "items/ledger.yml")
    assert rules is None
    assert [(f.code, f.field) for f in findings] == [("R108", "statistics.decimals")]
    assert findings[0].line == bad.splitlines().index(f"  decimals: {value}") + 1
    assert "只能是 0、1、2" in findings[0].message
    repo = make_repo(tmp_path)
    repo.write("items/ledger.yml", bad)
    result = CliRunner().invoke(main, ["check", "--root", str(repo.path), "--worktree"])
    assert result.exit_code == 1 and "R108" in result.output, result.output
