"""Progress against schedule (序时进度): pure functions of an item, the rules' ``pace`` section and ``as_of``.

An item with a measurable ``target`` (``{value: 3200, unit: 户}``) reports cumulative figures in its progress
entries (``value`` in the target's unit, or ``percent`` of the target).  As of a day its latest reported share is
compared with the share of time gone by (the expected share, 序时进度):

- ``basis: year`` — the months of the target's year elapsed by the as-of day: any day of November → 11/12;
- ``basis: term`` — the days from assignment to the as-of day over the days from assignment to the effective
  deadline (an item without a deadline falls back to ``year``).

Classes: 已完成 (closed by the as-of day, or a reported share ≥ 100%), 未启动 (no figure reported yet), else
超进度 / 达进度 / 欠进度 by the points (percentage points, each side rounded half up to the rules' decimals, as
shown) between the reported and the expected share and the thresholds ``ahead_points`` / ``behind_points``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from .formats import DEFAULT_DECIMALS, rounded_percent
from .model import Item

CLASSES = {"done": "已完成", "ahead": "超进度", "on": "达进度", "behind": "欠进度", "not_started": "未启动"}
BASES = {
    "year": "按年度序时：截止日所在月份 ÷ 12（如 11 月为 11/12）",
    "term": "按办理期限序时：交办日至截止日的天数 ÷ 交办日至有效期限的天数",
}
THRESHOLDS = ("ahead_points", "behind_points", "yellow_behind", "red_behind")
FIGURE_KEYS = ("value", "percent")  # what a progress entry may report of the target


@dataclass(frozen=True)
class PaceRules:
    """The rules file's ``pace`` section, with its defaults."""

    basis: str = "year"
    ahead_points: float = 0  # 超进度: the reported share more than this many points ahead of the expected one
    behind_points: float = 0  # 欠进度: more than this many points behind it; in between (inclusive) 达进度
    yellow_behind: float = 10  # with lights on: yellow from this many points behind ...
    red_behind: float = 30  # ... red beyond this many
    lights: bool = False  # an item with a target and no passed deadline takes its light from its pace

    @classmethod
    def from_spec(cls, spec: dict) -> "PaceRules":
        return cls(**{k: spec[k] for k in ("basis", *THRESHOLDS, "lights") if k in spec})


@dataclass(frozen=True)
class Pace:
    """Where an item with a target stands against its schedule at the end of a day."""

    cls: str  # a key of CLASSES
    expected: Fraction  # the expected share, 0..1
    share: Fraction | None  # the latest reported share (None: nothing reported yet)
    target: dict  # {value, unit[, name]}
    reported: dict | None  # the progress entry it comes from
    decimals: int = DEFAULT_DECIMALS

    @property
    def label(self) -> str:
        return CLASSES[self.cls]

    @property
    def expected_percent(self) -> Decimal:
        return _pct(self.expected, self.decimals)

    @property
    def share_percent(self) -> Decimal | None:
        return None if self.share is None else _pct(self.share, self.decimals)

    @property
    def behind(self) -> Decimal:
        """Points behind the expected share as shown (negative when ahead); nothing reported counts as 0%."""
        return self.expected_percent - (self.share_percent or Decimal(0))

    def text(self) -> str:
        """``完成 93.1%，序时进度 91.7%，超进度``; behind: ``…，欠进度（落后 6.9 个百分点）`` (the page's accessible text)."""
        done = "尚未报告完成数" if self.share is None else f"完成 {self.share_percent}%"
        behind = f"（落后 {self.behind} 个百分点）" if self.cls in ("behind", "not_started") else ""
        return f"{done}，序时进度 {self.expected_percent}%，{self.label}{behind}"

    def as_dict(self) -> dict:
        """For JSON: the class, the shares as shown (percent, to the rules' decimals) and the points behind."""
        return {"class": self.cls, "label": self.label, "share": None if self.share is None else float(self.share_percent),
                "expected": float(self.expected_percent), "behind": float(self.behind),
                "reported": None if self.reported is None else self.reported["date"].isoformat()}  # fmt: skip

    def bar_width(self) -> str:
        """The bar's width as a CSS percentage (capped at 100%)."""
        return f"{min(self.share_percent or Decimal(0), Decimal(100))}%"


def number_text(value) -> str:
    """60000 → 60000, 93.1 → 93.1, 5.0 → 5."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value)


def measure_text(target: dict | None) -> str:
    """An item's measurable target as a bulletin quotes it: 新增城镇就业60000人 (or 60000人 without a name)."""
    if not target:
        return ""
    return f"{target.get('name') or ''}{number_text(target['value'])}{target['unit']}"


def _pct(share: Fraction, decimals: int) -> Decimal:
    return rounded_percent(share.numerator, share.denominator, decimals)


def _fraction(number) -> Fraction:
    return Fraction(str(number))  # 93.1 → 931/10, not the float's binary expansion


def latest_figure(item: Item, as_of: dt.date) -> dict | None:
    """The last progress entry dated by ``as_of`` that reports a ``value`` or ``percent``."""
    return next((p for p in reversed(item.log("progress")) if p["date"] <= as_of and any(k in p for k in FIGURE_KEYS)), None)


def share_of(entry: dict, target: dict) -> Fraction:
    if "value" in entry:
        return _fraction(entry["value"]) / _fraction(target["value"])
    return _fraction(entry["percent"]) / 100


def expected_share(item: Item, rules: PaceRules, as_of: dt.date, deadline: dt.date | None) -> Fraction:
    """The share of the target due by the end of ``as_of`` (0..1)."""
    if rules.basis == "term" and deadline is not None:
        total = (deadline - item.assigned).days
        if total <= 0:
            return Fraction(1)
        return min(Fraction(1), max(Fraction(0), Fraction((as_of - item.assigned).days, total)))
    year = deadline.year if deadline is not None else item.assigned.year
    if as_of.year != year:
        return Fraction(int(as_of.year > year))
    return Fraction(as_of.month, 12)


def classify(item: Item, rules: PaceRules, as_of: dt.date, deadline: dt.date | None,
             decimals: int = DEFAULT_DECIMALS) -> Pace | None:  # fmt: skip
    """The item's pace at the end of ``as_of``; None when it has no target."""
    target = item.get("target")
    if not target:
        return None
    expected = expected_share(item, rules, as_of, deadline)
    entry = latest_figure(item, as_of)
    share = share_of(entry, target) if entry else None
    pace = Pace("on", expected, share, target, entry, decimals)
    if item.closed_on_or_before(as_of) or (share is not None and share >= 1):
        cls = "done"
    elif share is None:
        cls = "not_started"
    elif -pace.behind > Decimal(str(rules.ahead_points)):
        cls = "ahead"
    elif pace.behind > Decimal(str(rules.behind_points)):
        cls = "behind"
    else:
        return pace
    return Pace(cls, expected, share, target, entry, decimals)


def pace_light(pace: Pace, rules: PaceRules) -> str:
    """green / yellow / red by the points behind: yellow from ``yellow_behind``, red beyond ``red_behind``."""
    if pace.cls == "done":
        return "green"
    if pace.behind > Decimal(str(rules.red_behind)):
        return "red"
    if pace.behind >= Decimal(str(rules.yellow_behind)):
        return "yellow"
    return "green"


# -- the item contract: figures in progress entries (D215–D218) ------------------------------------


def figure_findings(item: Item) -> list[tuple[str, str, str]]:
    """(code, field, message) for the figures an item's progress entries report."""
    out = []
    target = item.get("target")
    last = None  # (index, share) of the previous entry with a figure
    for i, p in enumerate(item.log("progress")):
        keys = [k for k in FIGURE_KEYS if k in p]
        if not keys:
            continue
        where = f"progress[{i}].{keys[0]}"
        if not target:
            out.append(("D215", where, f"进展报告了完成数（{keys[0]}），但事项没有写可量化的目标（target：value、unit）。"))
        if len(keys) > 1:
            out.append(("D217", f"progress[{i}]", "同一条进展只能写 value（累计完成数）或 percent（完成百分比）之一。"))
        before = len(out)
        if "percent" in p and not 0 <= p["percent"] <= 100:
            out.append(("D216", f"progress[{i}].percent", f"完成百分比 percent 应在 0 到 100 之间，实际是 {p['percent']}。"))
        if "value" in p and p["value"] < 0:
            out.append(("D216", f"progress[{i}].value", f"累计完成数 value 不能为负数，实际是 {p['value']}。"))
        if not target or len(out) > before or len(keys) > 1:
            continue
        share = share_of(p, target)
        if last is not None and share < last[1]:
            out.append(("D218", where, f"累计完成数（{p[keys[0]]}）比第 {last[0] + 1} 条进展报告的（{last[2]}）少；"
                                       "按最近一次报告计算序时进度，请在该条进展中说明核减的原因。"))
        last = (i, share, p[keys[0]])
    return out
