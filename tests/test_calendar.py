"""Working days across China's 2026 public holidays and 调休 make-up workdays.

Every expected date below was worked out by hand from the State Council's 2026 notice
(国务院办公厅关于2026年部分节假日安排的通知), not copied from the code's output:

- 春节: 2月15日（周日）至23日（周一）放假调休，共9天；2月14日（周六）、2月28日（周六）上班。
- 中秋节: 9月25日（周五）至27日（周日）放假；
  国庆节: 10月1日（周四）至7日（周三）放假调休，共7天；9月20日（周日）、10月10日（周六）上班。
  (9月20日 is a Sunday, not a Saturday.)

2026-02-01 is a Sunday and 2026-09-01 a Tuesday; the weekdays below follow from that.
"""

from __future__ import annotations

import datetime as dt

import pytest

from ducha import WorkCalendar
from ducha.core.workdays import PACKAGE_YEARS
from ducha import parse_rules

D = dt.date


@pytest.fixture
def cal() -> WorkCalendar:
    return WorkCalendar()


def test_the_package_knows_2026():
    assert PACKAGE_YEARS[0] <= 2026 <= PACKAGE_YEARS[1]


@pytest.mark.parametrize(
    "day, workday",
    [
        (D(2026, 2, 13), True),  # Fri before the holiday
        (D(2026, 2, 14), True),  # Sat, 调休 make-up workday
        (D(2026, 2, 15), False),  # Sun, first day of 春节
        (D(2026, 2, 16), False),  # Mon, holiday
        (D(2026, 2, 20), False),  # Fri, holiday
        (D(2026, 2, 23), False),  # Mon, last day of 春节
        (D(2026, 2, 24), True),  # Tue, back to work
        (D(2026, 2, 28), True),  # Sat, 调休 make-up workday
        (D(2026, 3, 1), False),  # Sun, ordinary weekend
        (D(2026, 9, 19), False),  # Sat, ordinary weekend
        (D(2026, 9, 20), True),  # Sun, 调休 make-up workday for 国庆
        (D(2026, 9, 25), False),  # Fri, 中秋
        (D(2026, 9, 30), True),  # Wed
        (D(2026, 10, 1), False),  # Thu, 国庆
        (D(2026, 10, 7), False),  # Wed, last day of 国庆
        (D(2026, 10, 8), True),  # Thu
        (D(2026, 10, 10), True),  # Sat, 调休 make-up workday
        (D(2026, 10, 11), False),  # Sun
    ],
)
def test_2026_holidays_and_make_up_workdays(cal, day, workday):
    assert cal.is_workday(day) is workday
    assert not cal.unknown_years


@pytest.mark.parametrize(
    "start, days, expected",
    [
        (D(2026, 2, 13), 0, D(2026, 2, 13)),
        (D(2026, 2, 13), 1, D(2026, 2, 14)),  # the make-up Saturday counts
        (D(2026, 2, 13), 2, D(2026, 2, 24)),  # then nine days of 春节 do not
        (D(2026, 2, 13), 5, D(2026, 2, 27)),  # 14, 24, 25, 26, 27
        (D(2026, 2, 13), 6, D(2026, 2, 28)),  # the second make-up Saturday
        (D(2026, 2, 13), 7, D(2026, 3, 2)),
        (D(2026, 2, 12), 5, D(2026, 2, 26)),  # 13, 14, 24, 25, 26
        (D(2026, 2, 15), 1, D(2026, 2, 24)),  # from inside the holiday
        (D(2026, 2, 6), 10, D(2026, 2, 27)),  # 9,10,11,12,13,14, 24,25,26,27
    ],
)
def test_add_working_days_across_spring_festival(cal, start, days, expected):
    assert cal.add_working_days(start, days) == expected


@pytest.mark.parametrize(
    "start, days, expected",
    [
        (D(2026, 9, 18), 1, D(2026, 9, 20)),  # Sat 19 is rest, Sun 20 is a make-up workday
        (D(2026, 9, 18), 2, D(2026, 9, 21)),
        (D(2026, 9, 24), 1, D(2026, 9, 28)),  # 中秋 25-27
        # 28, 29, 30 | 国庆 1-7 | 8, 9, 10 (Sat, make-up) | 11 Sun | 12, 13, 14, 15
        (D(2026, 9, 24), 10, D(2026, 10, 15)),
        (D(2026, 9, 30), 1, D(2026, 10, 8)),
        (D(2026, 9, 30), 3, D(2026, 10, 10)),
        (D(2026, 9, 30), 4, D(2026, 10, 12)),
    ],
)
def test_add_working_days_across_national_day(cal, start, days, expected):
    assert cal.add_working_days(start, days) == expected


@pytest.mark.parametrize(
    "day, expected",
    [
        (D(2026, 2, 14), D(2026, 2, 14)),  # 调休 Saturday is a working day: no move
        (D(2026, 2, 15), D(2026, 2, 24)),
        (D(2026, 2, 23), D(2026, 2, 24)),
        (D(2026, 2, 28), D(2026, 2, 28)),
        (D(2026, 3, 7), D(2026, 3, 9)),  # ordinary Saturday
        (D(2026, 10, 3), D(2026, 10, 8)),
        (D(2026, 10, 10), D(2026, 10, 10)),
        (D(2026, 9, 26), D(2026, 9, 28)),
    ],
)
def test_next_workday(cal, day, expected):
    assert cal.next_workday(day) == expected


@pytest.mark.parametrize(
    "start, end, expected",
    [
        (D(2026, 2, 13), D(2026, 2, 26), 4),  # 14, 24, 25, 26
        (D(2026, 2, 26), D(2026, 2, 13), -4),
        (D(2026, 2, 14), D(2026, 2, 23), 0),
        (D(2026, 9, 30), D(2026, 10, 10), 3),  # 8, 9, 10
        (D(2026, 10, 10), D(2026, 10, 10), 0),
    ],
)
def test_working_days_between(cal, start, end, expected):
    assert cal.working_days_between(start, end) == expected


def test_working_days_between_inverts_add_working_days(cal):
    start = D(2026, 1, 30)
    for days in range(0, 60):
        assert cal.working_days_between(start, cal.add_working_days(start, days)) == days


def test_unknown_year_falls_back_to_weekends_and_says_so(cal):
    # 2027-01-01 is a Friday: without data it is counted as a working day, loudly.
    assert not cal.knows(2027)
    assert cal.is_workday(D(2027, 1, 1)) is True
    assert cal.unknown_years == {2027}
    assert cal.add_working_days(D(2026, 12, 31), 1) == D(2027, 1, 1)
    assert cal.years_touched_unknown(D(2026, 12, 20), D(2027, 1, 15)) == [2027]
    assert cal.years_touched_unknown(D(2026, 1, 20), D(2026, 2, 15)) == []


RULES_2027 = """\
office: {name: 测试市人民政府督查室, issuer: 测试市人民政府办公室, code: 测府督办}
units: {fgw: {name: 市发展和改革委员会, kind: department}}
leaders: {mayor: {name: 张三, title: 市长}}
categories:
  meeting_decision:
    name: 常务会议议定事项
    deadline:
      normal: {days: 30, unit: calendar}
      urgent: {days: 5, unit: working}
      critical: {days: 2, unit: working}
holiday_overrides:
  2027:
    holidays: [2027-01-01, 2027-01-02, 2027-01-03]
    workdays: [2027-01-09]
"""


def test_holiday_overrides_from_the_rules_are_honoured():
    rules, findings = parse_rules(RULES_2027.encode(), "items/ledger.yml")
    assert findings == [] and rules is not None
    cal = rules.calendar()
    assert cal.knows(2027)
    assert cal.is_workday(D(2027, 1, 1)) is False  # Friday, declared a holiday
    assert cal.is_workday(D(2027, 1, 9)) is True  # Saturday, declared a make-up workday
    assert cal.is_workday(D(2027, 1, 10)) is False  # Sunday, plain weekend
    assert cal.is_workday(D(2027, 1, 4)) is True
    # Thu 2026-12-31 + 1 working day: Fri 1 Jan is a holiday, 2-3 too -> Mon 4 Jan
    assert cal.add_working_days(D(2026, 12, 31), 1) == D(2027, 1, 4)
    # 4,5,6,7,8 (Mon-Fri), 9 (Sat, make-up) -> the 6th working day
    assert cal.add_working_days(D(2026, 12, 31), 6) == D(2027, 1, 9)
    assert cal.next_workday(D(2027, 1, 1)) == D(2027, 1, 4)
    assert cal.unknown_years == set()


def test_holiday_override_dates_outside_their_year_are_refused():
    bad = RULES_2027.replace("workdays: [2027-01-09]", "workdays: [2026-01-09]")
    rules, findings = parse_rules(bad.encode(), "items/ledger.yml")
    assert rules is None
    assert [f.code for f in findings] == ["R104"]
