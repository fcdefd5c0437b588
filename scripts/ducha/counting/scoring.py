"""Unit scores (考核) from the ``scoring:`` section of the ledger rules, itemised per unit.

A unit starts at ``base`` and gains or loses ``points`` per event of its items (as lead unit; as a
co-unit times ``co_unit_factor``), then the score is held within ``min``/``max``.  Every point comes
with the item and the reason, so a unit can see exactly why it scored what it did.

Units are those that exist on the scoring day: a unit merged away before it (``valid_until`` earlier,
``merged_into``) is not ranked; its items score to the unit that took it over (``rules.successor``), each
line saying which unit the item was assigned to.  An item whose lead unit and a co-unit came to the same
successor scores that unit once, as lead.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from ..core.findings import LedgerError
from ..core.rules import Rules, successor
from .stats import ItemFacts, Stats

EVENTS = {
    "closed_on_time": "按期办结",
    "closed_late": "超期办结",
    "overdue_unexplained": "超期未办结且未说明原因",
    "overdue_explained": "超期未办结（已说明原因或申请延期）",
    "returned": "办理结果被退回重办",
    "progress_missing": "未按时报告进展",
}
DEFAULT_POINTS = {
    "closed_on_time": 1,
    "closed_late": -5,
    "overdue_unexplained": -10,
    "overdue_explained": 0,
    "returned": -10,
    "progress_missing": 0,
}
PERIODS = {"all": "截止日前的全部事项", "year": "截止日所在年度内发生的事件"}


@dataclass(frozen=True)
class ScoringRules:
    base: float = 100
    min: float | None = 0
    max: float | None = None
    points: dict = field(default_factory=lambda: dict(DEFAULT_POINTS))
    co_unit_factor: float = 0
    period: str = "all"

    @classmethod
    def from_rules(cls, rules: Rules) -> ScoringRules:
        """From ``rules.scoring`` (already schema-checked); defaults for what it leaves out."""
        spec = rules.scoring or {}
        points = dict(DEFAULT_POINTS)
        points.update(spec.get("points") or {})
        out = cls(
            base=spec.get("base", 100),
            min=spec.get("min", 0),
            max=spec.get("max"),
            points=points,
            co_unit_factor=spec.get("co_unit_factor", 0),
            period=spec.get("period", "all"),
        )
        if out.min is not None and out.max is not None and out.min > out.max:
            raise LedgerError(f"台账规则 scoring 的最低分 min（{out.min}）高于最高分 max（{out.max}）。")
        return out


@dataclass(frozen=True)
class Line:
    """One itemised addition or deduction."""

    item: str
    event: str
    role: str  # lead 牵头 | co 配合
    date: dt.date | None  # the day of the event (None: a state at as_of)
    points: float
    note: str
    via: str = ""  # the unit the item names, when it was merged into this one before the scoring day


@dataclass
class UnitScore:
    unit: str
    name: str
    base: float
    lines: list[Line]
    items: int  # items counted (as lead unit, plus as co-unit when co-units are scored)
    score: float = 0
    raw: float = 0  # before the bounds
    rank: int = 0

    @property
    def added(self) -> float:
        return sum(line.points for line in self.lines if line.points > 0)

    @property
    def deducted(self) -> float:
        return sum(line.points for line in self.lines if line.points < 0)


def _num(x: float):
    return int(x) if float(x).is_integer() else round(x, 2)


def _item_events(f: ItemFacts, as_of: dt.date) -> list[tuple[str, dt.date | None, str]]:
    """The scored events of one item: (event, its day or None for a state at ``as_of``, note)."""
    events: list[tuple[str, dt.date | None, str]] = []
    if "closed_on_time" in f.flags:
        events.append(("closed_on_time", f.closed, f"{f.closed} 办结，期限 {f.deadline}" if f.deadline else f"{f.closed} 办结"))
    if "closed_late" in f.flags:
        events.append(("closed_late", f.closed, f"{f.closed} 办结，期限 {f.deadline}，超期 {f.overdue_days} 天"))
    if "overdue_open" in f.flags:
        kind = "overdue_unexplained" if "overdue_unexplained" in f.flags else "overdue_explained"
        events.append((kind, None, f"期限 {f.deadline}，截至 {as_of} 超期 {f.overdue_days} 天"))
    for day in f.returned:
        events.append(("returned", day, f"{day} 审核退回重办"))
    if "progress_required" in f.flags and "progress_on_time" not in f.flags:
        events.append(("progress_missing", None, f"截至 {as_of} 未按规定间隔报告进展"))
    return events


def _item_roles(f: ItemFacts, sr: ScoringRules, rules: Rules, as_of: dt.date) -> list[tuple[str, str, float, str]]:
    """(role, unit code, factor, the code the item names when merged away) of every unit scored for one item:
    the lead unit, and co-units when they score, each as the unit existing at ``as_of``; a unit once only."""
    named = [("lead", f.lead_unit, 1.0)]
    if sr.co_unit_factor:
        named += [("co", u, sr.co_unit_factor) for u in f.co_units]
    roles, seen = [], set()
    for role, code, factor in named:
        now = successor(rules, code, as_of)
        if now not in seen:
            seen.add(now)
            roles.append((role, now, factor, code if now != code else ""))
    return roles


def _count_item(u: UnitScore, f: ItemFacts, role: str, factor: float, events, sr: ScoringRules, year_start: dt.date,
                via: str = "", via_note: str = "") -> None:  # fmt: skip
    """Add one item's lines (its ``events`` in the period, times ``factor``) to ``u``, and count the item."""
    counted = False
    for event, day, note in events:
        if not (sr.period == "all" or day is None or day >= year_start):
            continue
        counted = True
        points = sr.points.get(event, 0) * factor
        if points:
            u.lines.append(Line(f.id, event, role, day, _num(points), note + via_note, via))
    if counted or sr.period == "all" or f.assigned >= year_start:
        u.items += 1


def _settle(u: UnitScore, sr: ScoringRules) -> UnitScore:
    """Set ``u``'s raw score (base plus its lines) and its score held within the bounds."""
    u.raw = _num(u.base + sum(line.points for line in u.lines))
    score = u.raw
    if sr.min is not None:
        score = max(score, sr.min)
    if sr.max is not None:
        score = min(score, sr.max)
    u.score = _num(score)
    return u


def _rank(scores: list[UnitScore], rules: Rules) -> None:
    """Sort ``scores`` best first (ties in the rules' unit order) and rank them; equal scores share a rank."""
    order = {code: i for i, code in enumerate(rules.units)}
    scores.sort(key=lambda u: (-u.score, order.get(u.unit, len(order)), u.unit))
    for i, u in enumerate(scores):
        u.rank = scores[i - 1].rank if i and scores[i - 1].score == u.score else i + 1


def score_units(stats: Stats, rules: Rules | None = None) -> list[UnitScore]:
    """Scores of every unit that has items in ``stats``, ranked (equal scores share a rank: 1, 2, 2, 4)."""
    rules = rules or stats.rules
    sr = ScoringRules.from_rules(rules)
    as_of = stats.as_of
    year_start = dt.date(as_of.year, 1, 1)
    units: dict[str, UnitScore] = {}
    for f in stats.items:
        events = _item_events(f, as_of)
        for role, code, factor, via in _item_roles(f, sr, rules, as_of):
            if code not in units:
                units[code] = UnitScore(code, rules.unit_name(code, as_of), sr.base, [], 0)
            note = f"（原交办{rules.unit_name(via, f.assigned)}，该单位 {rules.units[via].valid_until} 后并入）" if via else ""
            _count_item(units[code], f, role, factor, events, sr, year_start, via, note)
    # a unit with only items outside the period is not listed
    out = [_settle(u, sr) for u in units.values() if u.items or u.lines]
    _rank(out, rules)
    return out


def scoring_basis(rules: Rules) -> str:
    """The scoring rules in force, in Chinese Markdown (part of 统计口径)."""
    sr = ScoringRules.from_rules(rules)
    rows = "\n".join(
        f"| {name} | {'+' if sr.points[k] > 0 else ''}{_num(sr.points[k])} 分/{'次' if k == 'returned' else '件'} |"
        for k, name in EVENTS.items()
    )
    bounds = []
    if sr.min is not None:
        bounds.append(f"最低 {_num(sr.min)} 分")
    if sr.max is not None:
        bounds.append(f"最高 {_num(sr.max)} 分")
    co = (
        f"配合单位按牵头单位分值的 {_num(sr.co_unit_factor)} 倍计分。"
        if sr.co_unit_factor
        else "只对牵头单位计分，配合单位不计分。"
    )
    return f"""\
## 考核计分

各单位以 {_num(sr.base)} 分为基础分，按下表逐件加减分{('，' + '、'.join(bounds)) if bounds else ''}。{co}
计分范围：{PERIODS[sr.period]}（按办结、退回的日期判断；超期未办结、未按时报告进展按截止日的状态计）。
每一项加减分都列明事项编号和原因；得分相同的单位名次相同。只列出有事项的单位。
只排名截止日仍存在的单位：截止日前已撤并（valid_until 早于截止日，merged_into）的单位不参与排名，
其事项计入承接它的单位，明细注明原交办单位和并入日期；牵头单位和配合单位并入同一单位的，按牵头计一次。

| 事件 | 分值 |
|---|---|
{rows}
"""
