"""Effective deadlines and warning lights over real 2026 holidays, and unknown years (D604).

Expected dates are worked out by hand (see tests/test_calendar.py for the 2026 schedule):
春节 2月15日–23日 off, 2月14日（周六）and 2月28日（周六）worked; 中秋 9月25日–27日 off;
国庆 10月1日–7日 off, 9月20日（周日）and 10月10日（周六）worked.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from click.testing import CliRunner

from ducha.cli import main
from ducha import effective_deadline, light
from ducha import parse_rules
from ducha import Checker

D = dt.date
LOAD_AS_OF = D(2026, 12, 31)  # items are loaded (checked) as of this day; lights take their own as_of

RULES = """\
office: {name: 测试市人民政府督查室, issuer: 测试市人民政府办公室, code: 测府督办}
units:
  fgw: {name: 市发展和改革委员会, kind: department}
  czj: {name: 市财政局, kind: department}
leaders:
  mayor: {name: 张三, title: 市长}
  vmayor: {name: 李四, title: 副市长}
categories:
  meeting_decision:
    name: 常务会议议定事项
    deadline:
      normal: {days: 30, unit: calendar}
      urgent: {days: 5, unit: working}
      critical: {days: 3, unit: working}
  leader_instruction:
    name: 领导批示件
    deadline:
      normal: {days: 10, unit: working}
      urgent: {days: 7, unit: calendar}
      critical: {days: 1, unit: working}
lights:
  yellow_working_days: 3
progress:
  every_days: 15
"""

OVERRIDES_2027 = """\
holiday_overrides:
  2027:
    holidays: [2027-01-01, 2027-01-02, 2027-01-03]
    workdays: [2027-01-09]
"""


def make_rules(extra: str = "", yellow: int = 3):
    text = RULES.replace("yellow_working_days: 3", f"yellow_working_days: {yellow}") + extra
    rules, findings = parse_rules(text.encode(), "items/ledger.yml")
    assert findings == [] and rules is not None, findings
    return rules


def item_text(assigned: str = "2026-01-16", *, category: str = "meeting_decision", urgency: str = "normal",
              status: str = "in_progress", body: str = "", item_id: str = "DC-2026-0001") -> str:  # fmt: skip
    text = (
        "# yaml-language-server: $schema=../item.schema.json\n"
        f"id: {item_id}\n"
        "title: 加快推进城市更新项目\n"
        f"category: {category}\n"
        "source: 市政府第3次常务会议纪要\n"
        "leader: mayor\n"
        "lead_unit: fgw\n"
        "co_units: [czj]\n"
        f"assigned: {assigned}\n"
        f"urgency: {urgency}\n"
        "secrecy: internal\n"
        f"status: {status}\n"
    )
    if status != "draft":
        text += f"approval:\n  opinion: 拟请市发改委牵头办理。\n  by: vmayor\n  date: {assigned}\n"
    return text + body


def load(text: str, rules=None, as_of: dt.date = LOAD_AS_OF):
    rules = rules or make_rules()
    item, findings = Checker(rules, as_of).load(text.encode(), "items/2026/DC-2026-0001.yml", "DC-2026-0001")
    assert item is not None, findings
    assert [f for f in findings if f.is_error] == []
    return item, findings


def deadline_of(text: str, rules=None):
    rules = rules or make_rules()
    item, _ = load(text, rules)
    return effective_deadline(item, rules, rules.calendar())


# -- default deadlines from the category rule ---------------------------------------------------


@pytest.mark.parametrize(
    "category, urgency, assigned, expected, rolled",
    [
        # 30 calendar days: 01-16 + 30 = 02-15 (Sun, 春节) -> first working day after: 02-24
        ("meeting_decision", "normal", "2026-01-16", D(2026, 2, 24), True),
        # 01-29 + 30 = 02-28, a 调休 Saturday: a working day, it does not move
        ("meeting_decision", "normal", "2026-01-29", D(2026, 2, 28), False),
        # 09-03 + 30 = 10-03 (国庆) -> 10-08
        ("meeting_decision", "normal", "2026-09-03", D(2026, 10, 8), True),
        # 5 working days from Thu 02-12: 13, 14 (调休), 24, 25, 26
        ("meeting_decision", "urgent", "2026-02-12", D(2026, 2, 26), False),
        # 3 working days from Wed 09-30: 10-08, 10-09, 10-10 (调休 Saturday)
        ("meeting_decision", "critical", "2026-09-30", D(2026, 10, 10), False),
        # 10 working days from Thu 09-24: 28, 29, 30, 10-08, 09, 10, 12, 13, 14, 15
        ("leader_instruction", "normal", "2026-09-24", D(2026, 10, 15), False),
        # the same category counts calendar days when urgent: 09-26 + 7 = 10-03 -> 10-08
        ("leader_instruction", "urgent", "2026-09-26", D(2026, 10, 8), True),
        # 1 working day from Fri 09-18: Sat 19 rest, Sun 20 is a make-up workday
        ("leader_instruction", "critical", "2026-09-18", D(2026, 9, 20), False),
    ],
)
def test_default_deadline_from_the_category_rule(category, urgency, assigned, expected, rolled):
    dl = deadline_of(item_text(assigned, category=category, urgency=urgency))
    assert dl.date == expected
    assert dl.source == "default"
    assert dl.unknown_years == ()
    assert ("顺延" in dl.explanation) is rolled
    assert assigned in dl.explanation


# -- an explicit deadline -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "deadline, expected",
    [
        ("2026-03-31", D(2026, 3, 31)),  # a Tuesday; the category default (02-24) does not apply
        ("2026-02-16", D(2026, 2, 24)),  # 春节 Monday
        ("2026-02-14", D(2026, 2, 14)),  # 调休 Saturday: no move
        ("2026-02-28", D(2026, 2, 28)),  # 调休 Saturday: no move
        ("2026-03-07", D(2026, 3, 9)),  # ordinary Saturday
        ("2026-10-03", D(2026, 10, 8)),
        ("2026-10-10", D(2026, 10, 10)),  # 调休 Saturday
        ("2026-09-20", D(2026, 9, 20)),  # 调休 Sunday
    ],
)
def test_explicit_deadline_rolls_only_off_rest_days(deadline, expected):
    dl = deadline_of(item_text("2026-01-16", body=f"deadline: {deadline}\n"))
    assert (dl.date, dl.source) == (expected, "deadline")
    assert ("顺延" in dl.explanation) is (D.fromisoformat(deadline) != expected)


# -- extensions -----------------------------------------------------------------------------------

EXT_APPROVED_1 = """\
  - requested: 2026-03-20
    reason: 需与省级部门协调。
    approved_by: mayor
    approved: 2026-03-23
    new_deadline: 2026-04-30
"""
EXT_APPROVED_2 = """\
  - requested: 2026-04-20
    reason: 专项资金尚未下达。
    approved_by: vmayor
    approved: 2026-04-22
    new_deadline: 2026-10-04
"""
EXT_REJECTED = """\
  - requested: 2026-09-01
    reason: 希望再延期三个月。
    approved_by: mayor
    rejected: 2026-09-03
"""
EXT_PENDING = """\
  - requested: 2026-09-21
    reason: 施工受台风影响。
"""


def _with_extensions(*entries: str) -> str:
    return item_text("2026-03-02", body="deadline: 2026-03-31\nextensions:\n" + "".join(entries))


def test_last_approved_extension_wins_over_earlier_ones_and_the_deadline():
    first = deadline_of(_with_extensions(EXT_APPROVED_1))
    assert (first.date, first.source) == (D(2026, 4, 30), "extension")
    both = deadline_of(_with_extensions(EXT_APPROVED_1, EXT_APPROVED_2))
    # 10-04 is a 国庆 Sunday: the extended deadline rolls too
    assert (both.date, both.source) == (D(2026, 10, 8), "extension")
    assert "李四" in both.explanation and "2026-04-22" in both.explanation and "顺延" in both.explanation


def test_rejected_and_pending_extensions_are_ignored():
    only_rejected = deadline_of(_with_extensions(EXT_REJECTED))
    assert (only_rejected.date, only_rejected.source) == (D(2026, 3, 31), "deadline")
    only_pending = deadline_of(_with_extensions(EXT_PENDING))
    assert (only_pending.date, only_pending.source) == (D(2026, 3, 31), "deadline")
    after_approved = deadline_of(_with_extensions(EXT_APPROVED_1, EXT_APPROVED_2, EXT_REJECTED, EXT_PENDING))
    assert (after_approved.date, after_approved.source) == (D(2026, 10, 8), "extension")


def test_extension_without_deadline_replaces_the_default_rule():
    text = item_text("2026-01-16", body="extensions:\n" + EXT_APPROVED_1)
    assert deadline_of(text).date == D(2026, 4, 30)


# -- a year nobody knows -------------------------------------------------------------------------


def test_2027_deadline_records_the_unknown_year():
    # 2027-01-01 is a Friday; without 2027 data it counts as a working day
    dl = deadline_of(item_text("2026-12-21", body="deadline: 2027-01-01\n"))
    assert dl.date == D(2027, 1, 1)
    assert dl.unknown_years == (2027,)
    # 5 working days from Mon 2026-12-28: 29, 30, 31, 2027-01-01 (guessed), 01-04
    dl = deadline_of(item_text("2026-12-28", urgency="urgent"))
    assert (dl.date, dl.unknown_years) == (D(2027, 1, 4), (2027,))


def test_2027_overrides_are_honoured():
    rules = make_rules(OVERRIDES_2027)
    dl = deadline_of(item_text("2026-12-21", body="deadline: 2027-01-01\n"), rules)
    assert (dl.date, dl.unknown_years) == (D(2027, 1, 4), ())
    # 29, 30, 31, then 01-01..03 off -> 01-04, 01-05
    dl = deadline_of(item_text("2026-12-28", urgency="urgent"), rules)
    assert (dl.date, dl.unknown_years) == (D(2027, 1, 5), ())
    # Saturday 2027-01-09 declared a make-up workday: a deadline on it stays
    dl = deadline_of(item_text("2026-12-21", body="deadline: 2027-01-09\n"), rules)
    assert dl.date == D(2027, 1, 9)


def _write_ledger(root: Path, rules: str, items: dict[str, str]) -> Path:
    (root / "items" / "2026").mkdir(parents=True)
    (root / "items" / "ledger.yml").write_text(rules, encoding="utf-8")
    for stem, text in items.items():
        (root / "items" / "2026" / f"{stem}.yml").write_text(text, encoding="utf-8")
    return root


def _check(root: Path, as_of: str):
    return CliRunner().invoke(main, ["check", "--root", str(root), "--as-of", as_of], catch_exceptions=False)


def test_ducha_check_warns_d604_naming_2027_and_the_fix(tmp_path):
    items = {
        "DC-2026-0001": item_text("2026-12-21", body="deadline: 2027-01-15\n"),
        "DC-2026-0002": item_text("2026-12-21", item_id="DC-2026-0002", body="deadline: 2026-12-31\n"),
    }
    root = _write_ledger(tmp_path / "plain", RULES, items)
    result = _check(root, "2026-12-28")
    assert result.exit_code == 0, result.output
    lines = [line for line in result.stdout.splitlines() if "D604" in line]
    assert len(lines) == 1, result.stdout
    assert "D604 警告 deadline" in lines[0]
    assert "2027" in lines[0] and "holiday_overrides" in lines[0]
    assert "items/2026/DC-2026-0001.yml" in result.stdout
    assert "DC-2026-0002" not in result.stdout
    assert result.stdout.endswith("检查了 3 个文件：0 个错误，1 个警告。\n")

    fixed = _write_ledger(tmp_path / "fixed", RULES + OVERRIDES_2027, items)
    result = _check(fixed, "2026-12-28")
    assert result.exit_code == 0, result.output
    assert result.stdout == "检查了 3 个文件：0 个错误，0 个警告。\n"


def test_d604_only_for_open_items():
    rules = make_rules()
    cancelled = item_text(
        "2026-12-21",
        status="cancelled",
        body="deadline: 2027-01-15\ncancellation:\n  date: 2026-12-22\n  by: mayor\n  reason: 已并入其他事项办理。\n",
    )
    _, findings = load(cancelled, rules, as_of=D(2026, 12, 28))
    assert [f.code for f in findings] == []
    _, findings = load(item_text("2026-12-21", body="deadline: 2027-01-15\n"), rules, as_of=D(2026, 12, 28))
    assert [f.code for f in findings] == ["D604"]


# -- warning lights ------------------------------------------------------------------------------


def _lights(text: str, days: list[dt.date], rules=None) -> dict[dt.date, str]:
    rules = rules or make_rules()
    item, _ = load(text, rules)
    cal = rules.calendar()
    return {day: light(item, rules, cal, day) for day in days}


def test_yellow_counts_working_days_across_the_spring_festival():
    # urgent: 5 working days from 02-12 -> deadline Thu 02-26 (see above)
    text = item_text("2026-02-12", urgency="urgent")
    days = [D(2026, 2, 12), D(2026, 2, 13), D(2026, 2, 14), D(2026, 2, 20), D(2026, 2, 26), D(2026, 2, 27)]
    assert _lights(text, days) == {
        D(2026, 2, 12): "green",  # 13, 14, 24, 25, 26 = 5 working days left
        D(2026, 2, 13): "green",  # 4 left
        D(2026, 2, 14): "yellow",  # 3 left (24, 25, 26) though 12 calendar days remain
        D(2026, 2, 20): "yellow",  # still 3 left during the holiday
        D(2026, 2, 26): "yellow",  # the deadline day itself
        D(2026, 2, 27): "red",
    }
    wider = make_rules(yellow=5)
    assert _lights(text, [D(2026, 2, 12), D(2026, 2, 13)], wider) == {D(2026, 2, 12): "yellow", D(2026, 2, 13): "yellow"}


def test_yellow_when_a_progress_report_is_overdue():
    # every 15 days; assigned 03-02, one report on 03-16; deadline far away
    text = item_text(
        "2026-03-02",
        body="deadline: 2026-09-30\nprogress:\n  - date: 2026-03-16\n    by: fgw\n    text: 已完成项目可行性研究。\n",
    )
    days = [D(2026, 3, 16), D(2026, 3, 31), D(2026, 4, 1), D(2026, 5, 20)]
    assert _lights(text, days) == {
        D(2026, 3, 16): "green",
        D(2026, 3, 31): "green",  # 15 days since the last report: due today, not late
        D(2026, 4, 1): "yellow",  # 16 days: one day late
        D(2026, 5, 20): "yellow",
    }
    # a unit waiting for review owes no progress report
    reported = text.replace("status: in_progress", "status: reported") + "result:\n  reported: 2026-03-20\n  text: 已办结。\n"
    assert _lights(reported, [D(2026, 5, 20)]) == {D(2026, 5, 20): "green"}


def _closed(deadline: str, reported: str, closed: str) -> str:
    return item_text(
        "2026-01-16",
        status="closed",
        body=(
            f"deadline: {deadline}\n"
            f"reviews:\n  - date: {closed}\n    result: passed\n    opinion: 经核实，同意办结。\n"
            f"result:\n  reported: {reported}\n  text: 项目已按要求完成。\n"
            f"closed: {closed}\n"
        ),
    )


def test_closed_on_time_and_late_as_functions_of_as_of():
    late = _closed("2026-03-05", "2026-03-09", "2026-03-10")
    assert _lights(late, [D(2026, 3, 4), D(2026, 3, 6), D(2026, 3, 9), D(2026, 3, 10), D(2026, 11, 30)]) == {
        D(2026, 3, 4): "yellow",  # one working day before the deadline, not yet closed
        D(2026, 3, 6): "red",
        D(2026, 3, 9): "red",
        D(2026, 3, 10): "closed_late",
        D(2026, 11, 30): "closed_late",
    }
    on_time = _closed("2026-03-05", "2026-03-04", "2026-03-05")
    assert _lights(on_time, [D(2026, 3, 5), D(2026, 11, 30)]) == {
        D(2026, 3, 5): "closed_on_time",
        D(2026, 11, 30): "closed_on_time",
    }
    # a deadline on 春节 Monday 02-16 moves to 02-24: closing on 02-24 is on time
    rolled = _closed("2026-02-16", "2026-02-14", "2026-02-24")
    assert _lights(rolled, [D(2026, 2, 24)]) == {D(2026, 2, 24): "closed_on_time"}
    rolled_late = _closed("2026-02-16", "2026-02-14", "2026-02-25")
    assert _lights(rolled_late, [D(2026, 2, 25)]) == {D(2026, 2, 25): "closed_late"}


def test_cancelled_and_draft_lights_do_not_depend_on_as_of():
    cancelled = item_text(
        "2026-01-16",
        status="cancelled",
        body="deadline: 2026-02-16\ncancellation:\n  date: 2026-01-20\n  by: mayor\n  reason: 已并入其他事项办理。\n",
    )
    draft = item_text("2026-01-16", status="draft", body="deadline: 2026-02-16\n")
    days = [D(2026, 1, 16), D(2026, 2, 24), D(2026, 11, 30)]
    assert set(_lights(cancelled, days).values()) == {"cancelled"}
    assert set(_lights(draft, days).values()) == {"draft"}
