"""Effective deadlines and warning lights: pure functions of the item, the rules and ``as_of``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from .workdays import WorkCalendar
from .model import WORKING_STATUSES, Item
from .pace import classify, pace_light
from .rules import Rules

LIGHTS = {
    "green": "绿灯",
    "yellow": "黄灯",
    "red": "红灯",
    "none": "无期限",  # open, no deadline (a category with ``deadline: none``): 正在办理, never late
    "closed_on_time": "按期办结",
    "closed_late": "超期办结",
    "cancelled": "已撤销",
    "draft": "拟办中",
}


@dataclass(frozen=True)
class Deadline:
    date: dt.date | None  # None only with source "none"
    source: str  # extension | deadline | default | none (the category has no default deadline, the item states none)
    explanation: str
    unknown_years: tuple[int, ...] = ()

    @property
    def none(self) -> bool:
        """The item has no deadline: never due, overdue or due soon; closed, it is not late."""
        return self.date is None


def _roll_to_workday(day: dt.date, cal: WorkCalendar) -> tuple[dt.date, str]:
    moved = cal.next_workday(day)
    if moved != day:
        return moved, f"（{day.isoformat()} 为休息日，顺延至 {moved.isoformat()}）"
    return day, ""


def effective_deadline(item: Item, rules: Rules, cal: WorkCalendar) -> Deadline | None:
    """Last approved extension's new deadline, else the stated deadline, else the category rule.

    A calendar-day deadline that falls on a rest day moves to the next working day.  A category with
    ``deadline: none`` gives an item that states none a ``Deadline`` without a date (source "none").
    Returns None only when the item's category is unknown (a check error elsewhere).
    """
    approved = [e for e in item.log("extensions") if e.get("approved") and e.get("new_deadline")]
    if approved:
        last = approved[-1]
        day, note = _roll_to_workday(last["new_deadline"], cal)
        text = f"经 {rules.leader_name(last.get('approved_by', ''))} 于 {last['approved'].isoformat()} 批准延期至 {last['new_deadline'].isoformat()}{note}"
        source = "extension"
    elif item.get("deadline"):
        day, note = _roll_to_workday(item["deadline"], cal)
        text = f"交办时明确的办理期限 {item['deadline'].isoformat()}{note}"
        source = "deadline"
    else:
        category = rules.categories.get(item.get("category"))
        if category is None:
            return None
        if category.deadline is None:
            return Deadline(None, "none", f"未注明期限，“{category.name}”类别没有默认期限：无办理期限，按正在办理统计，不计超期")
        rule = category.deadline.get(item.get("urgency", "normal")) or category.deadline["normal"]
        start = item.assigned
        if rule.unit == "working":
            day = cal.add_working_days(start, rule.days)
            note = ""
        else:
            day, note = _roll_to_workday(start + dt.timedelta(days=rule.days), cal)
        text = f"未注明期限，按“{category.name}”默认期限：自交办日 {start.isoformat()} 起 {rule.describe()}{note}"
        source = "default"
    unknown = tuple(cal.years_touched_unknown(item.assigned, day))
    return Deadline(day, source, text, unknown)


def light(item: Item, rules: Rules, cal: WorkCalendar, as_of: dt.date, deadline: Deadline | None = None) -> str:
    """Warning light of ``item`` as of ``as_of``: ``none`` (无期限) for an open item without a deadline, whatever
    its progress reports (a missing one is counted and noticed, but no deadline is near)."""
    if item.status == "cancelled":
        return "cancelled"
    if item.status == "draft":
        return "draft"
    deadline = deadline or effective_deadline(item, rules, cal)
    if item.closed_on_or_before(as_of):
        return "closed_on_time" if deadline is None or deadline.none or item.closed <= deadline.date else "closed_late"
    paced = _paced_light(item, rules, as_of, deadline)
    if paced is not None:
        return paced
    if deadline is None:
        return "green"
    if deadline.none:
        return "none"  # neither on track nor late against a deadline it does not have
    if as_of > deadline.date:
        return "red"
    if deadline.date < cal.add_working_days(as_of, rules.yellow_working_days + 1):
        return "yellow"  # at most yellow_working_days working days in (as_of, deadline]; add_working_days is memoised
    if progress_overdue(item, rules, as_of):
        return "yellow"
    return "green"


def _paced_light(item: Item, rules: Rules, as_of: dt.date, deadline: Deadline | None) -> str | None:
    """With ``pace.lights`` on, an open item with a target whose deadline has not passed: the light of its pace
    (yellow/red by the points behind), yellow at least while a required progress report is missing; the
    nearness of the deadline does not turn it yellow (its pace says whether it will make it).  None otherwise."""
    if not rules.pace.lights or not item.get("target") or (deadline is not None and deadline.date is not None and as_of > deadline.date):
        return None
    pace = classify(item, rules.pace, as_of, deadline.date if deadline else None, rules.decimals)
    paced = pace_light(pace, rules.pace)
    return "yellow" if paced == "green" and progress_overdue(item, rules, as_of) else paced


def progress_overdue(item: Item, rules: Rules, as_of: dt.date) -> int:
    """Days by which the required progress report is late (0 when not late)."""
    if item.status not in WORKING_STATUSES or item.assigned > as_of:
        return 0
    reported = [p["date"] for p in item.log("progress") if p["date"] <= as_of]  # a later report does not count yet
    last = max(reported, default=item.assigned)
    interval = rules.progress_interval(item.get("category"))
    late = (as_of - last).days - interval
    return late if late > 0 else 0


def overdue_days(item: Item, deadline: Deadline | None, as_of: dt.date) -> int:
    """Days an item still open at the end of ``as_of`` is past its deadline (0 when not)."""
    if deadline is None or deadline.none or not item.is_open_on(as_of):
        return 0
    return max(0, (as_of - deadline.date).days)


@dataclass(frozen=True)
class Standing:
    """Where an item stands at the end of a day: its effective deadline, its light, days past the deadline."""

    deadline: Deadline | None
    light: str
    overdue_days: int  # an open item past its deadline: days since; 0 otherwise
    pace: object = None  # an item with a target: where it stands against its schedule (``pace.Pace``)

    @property
    def date(self) -> dt.date | None:
        return self.deadline.date if self.deadline else None


def standing(item: Item, rules: Rules, cal: WorkCalendar, as_of: dt.date) -> Standing:
    """The one place that says an item's deadline, light and overdue days (every list, page and count)."""
    dl = effective_deadline(item, rules, cal)
    paced = classify(item, rules.pace, as_of, dl.date if dl else None, rules.decimals) if item.get("target") else None
    return Standing(dl, light(item, rules, cal, as_of, dl), overdue_days(item, dl, as_of), paced)
