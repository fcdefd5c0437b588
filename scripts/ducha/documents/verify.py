"""The figures a bulletin records, and recomputing them from the commit they came from.

A bulletin's front matter records ``as_of``, ``commit`` and ``figures``: a mapping whose leaves are
numbers (``totals.overdue_open: 10``), rates (``totals.rate_on_time: [32, 48]``) and lists of item ids
or unit codes (``named.overdue_open.zjj: [DC-2026-0012]``).  Every leaf has a path, and every path can be
recomputed by ``FigureSource`` from the statistics of the ledger as committed (``stats.compute``), so
``verify`` can name the one figure that no longer matches (B104).

Paths (under ``figures.``):

- ``totals.<count or rate>``: a count of ``stats.COUNTS`` or a rate of ``stats.RATES``;
- ``units|co_units|categories|leaders|months|urgencies.<key>.<count or rate>``: the same per group;
- ``period.assigned|closed|closed_on_time|closed_late``: items assigned / closed within the period;
- ``named.good_units``: unit codes (按期办结较好的单位, see ``Spec.good_min_due``);
- ``named.overdue_open|overdue_unexplained|due_soon.<unit>``: the item ids per lead unit.

The body is read back as well (``Verifier.verify_body``, ``bodymarks``): each number a draft wrote after a
marker is compared with ``FigureSource.expected`` (B108), other numbers are listed as not verified (B109).
"""

from __future__ import annotations

import calendar as _calendar
import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from ..counting import stats as stats_mod
from ..core.findings import Finding
from ..core.formats import rounded_percent
from ..ledger.checked import Ledger
from .bodymarks import BODY_FIGURES, BodyCheck, Expected, check_body

GROUPS = {
    "units": "unit",
    "co_units": "co_unit",
    "categories": "category",
    "leaders": "leader",
    "months": "month",
    "urgencies": "urgency",
    "batches": "batch",
    "batch_kinds": "batch_kind",
}
PERIOD_FIGURES = {
    "assigned": "本期交办数",
    "closed": "本期办结数",
    "closed_on_time": "本期按期办结数",
    "closed_late": "本期超期办结数",
}
NAMED = {
    "good_units": "按期办结较好的单位",
    "overdue_open": "超期未办结事项",
    "overdue_unexplained": "超期未说明原因事项",
    "due_soon": "即将到期事项",
    "pace_behind": "欠进度事项",
    "pace_not_started": "未启动事项",
}
PACE_NAMED = ("pace_behind", "pace_not_started")  # listed in the order of their batch's list (序号), not by days
AVERAGE = "days_to_close"  # 平均办理天数: days from assignment to closure over the items closed, to one decimal
CHANGE = "change"  # body only: ``change.<rate path>``, points between this rate and the previous issue's
PERIOD_KINDS = {"month": "月", "quarter": "季度", "year": "年度"}
SCOPE_KEYS = {"category": "类别", "unit": "牵头单位", "batch": "会议或文件"}
_MISSING = object()


class FigureError(ValueError):
    """A bulletin's recording of its figures cannot be read (bad period, scope or parameters)."""


@dataclass(frozen=True)
class Period:
    kind: str  # month | quarter | year
    start: dt.date
    end: dt.date

    @classmethod
    def containing(cls, kind: str, day: dt.date) -> Period:
        if kind == "month":
            start = day.replace(day=1)
            end = day.replace(day=_calendar.monthrange(day.year, day.month)[1])
        elif kind == "quarter":
            first = 3 * ((day.month - 1) // 3) + 1
            start = dt.date(day.year, first, 1)
            end = dt.date(day.year, first + 2, _calendar.monthrange(day.year, first + 2)[1])
        elif kind == "year":
            start, end = dt.date(day.year, 1, 1), dt.date(day.year, 12, 31)
        else:
            raise FigureError(f"统计期“{kind}”不在：{'、'.join(PERIOD_KINDS)}。")
        return cls(kind, start, end)

    @property
    def name(self) -> str:
        """2026年11月 / 2026年第四季度 / 2026年."""
        if self.kind == "month":
            return f"{self.start.year}年{self.start.month}月"
        if self.kind == "quarter":
            return f"{self.start.year}年第{'一二三四'[(self.start.month - 1) // 3]}季度"
        return f"{self.start.year}年"

    def as_meta(self) -> dict:
        return {"kind": self.kind, "start": self.start, "end": self.end}


@dataclass(frozen=True)
class Spec:
    """What a bulletin's figures were computed over: the day, the scope, the period, the parameters."""

    as_of: dt.date
    scope: dict = field(default_factory=dict)  # {"category": (codes), "unit": (codes), "batch": (codes)}
    period: Period | None = None
    due_within_days: int = 5
    good_min_due: int = 2
    # the previous issue of the same kind and scope (较上期): {number, as_of, commit[, period]}
    previous: dict | None = None

    @classmethod
    def from_meta(cls, meta: dict) -> Spec:
        from ..core.model import to_date

        period = meta.get("period")
        if period is not None:
            if not isinstance(period, dict) or not {"kind", "start", "end"} <= set(period):
                raise FigureError("period 应写成 {kind: month|quarter|year, start: 日期, end: 日期}。")
            try:
                period = Period(str(period["kind"]), to_date(period["start"]), to_date(period["end"]))
            except (TypeError, ValueError):
                raise FigureError("period 的 start、end 应为日期（YYYY-MM-DD）。") from None
        scope = {}
        for key, value in (meta.get("scope") or {}).items():
            if key not in SCOPE_KEYS:
                raise FigureError(f"scope 只能按 {'、'.join(SCOPE_KEYS)} 限定，不能按“{key}”。")
            scope[key] = tuple([value] if isinstance(value, str) else value)
        params = meta.get("params") or {}
        unknown = set(params) - {"due_within_days", "good_min_due"}
        if unknown:
            raise FigureError(f"params 中有未知参数：{'、'.join(sorted(unknown))}。")
        for key in ("due_within_days", "good_min_due"):
            if key in params and (not isinstance(params[key], int) or isinstance(params[key], bool) or params[key] < 0):
                raise FigureError(f"params.{key} 应为非负整数。")
        return cls(
            as_of=meta["as_of"],
            scope=scope,
            period=period,
            due_within_days=params.get("due_within_days", 5),
            good_min_due=params.get("good_min_due", 2),
            previous=_previous_meta(meta.get("previous")),
        )

    def of_previous(self) -> "Spec | None":
        """The spec the previous issue's figures are recomputed with: its day and period, this scope."""
        prev = self.previous
        if prev is None:
            return None
        period = prev.get("period")
        return Spec(prev["as_of"], self.scope, Period(**period) if period else None, self.due_within_days, self.good_min_due)

    def meta(self) -> dict:
        """The front-matter keys that let ``from_meta`` rebuild this spec."""
        out: dict = {}
        if self.period:
            out["period"] = self.period.as_meta()
        if self.scope:
            out["scope"] = {k: list(v) for k, v in self.scope.items()}
        out["params"] = {"due_within_days": self.due_within_days, "good_min_due": self.good_min_due}
        if self.previous:
            out["previous"] = dict(self.previous)
        return out


def _previous_meta(value) -> dict | None:
    """The front matter's ``previous`` (the issue the changes are stated against), checked."""
    from ..core.model import to_date

    if value is None:
        return None
    if not isinstance(value, dict) or not {"number", "as_of", "commit"} <= set(value):
        raise FigureError("previous 应写成 {number: 上期期号, as_of: 上期统计截止日, commit: 上期提交}。")
    try:
        out = {"number": int(value["number"]), "as_of": to_date(value["as_of"]), "commit": str(value["commit"])}
        period = value.get("period")
        if period is not None:
            out["period"] = {"kind": str(period["kind"]), "start": to_date(period["start"]), "end": to_date(period["end"])}
    except (TypeError, ValueError, KeyError):
        raise FigureError("previous 的 number 应为期号，as_of 与 period 的 start、end 应为日期（YYYY-MM-DD）。") from None
    return out


def scoped(ledger: Ledger, scope: dict) -> Ledger:
    """The ledger restricted to the items of the scope's categories / lead units / batches (meetings, documents)."""
    if not scope:
        return ledger
    cats, units, batches = scope.get("category"), scope.get("unit"), scope.get("batch")
    return ledger.narrowed(
        i.id
        for i in ledger.sorted_items()
        if (cats is None or i.get("category") in cats) and (units is None or i.get("lead_unit") in units)
        and (batches is None or i.get("batch") in batches)
    )  # fmt: skip


def compute(ledger: Ledger, spec: Spec, previous: Ledger | None = None) -> "FigureSource":
    """Every figure of ``spec`` over ``ledger``; ``previous``: the ledger of the previous issue's commit
    (``spec.previous``), whose figures the ``previous.`` paths and the body's changes read."""
    st = stats_mod.compute(scoped(ledger, spec.scope), spec.as_of, due_within_days=spec.due_within_days)
    before = None
    if previous is not None and spec.previous is not None:
        before = compute(previous, spec.of_previous())
    return FigureSource(st, spec, before)


@dataclass(frozen=True)
class Leaf:
    """One figure: its value as recorded in front matter, and the ids of the items behind it."""

    value: object  # int | [numerator, denominator] | list[str]
    ids: tuple[str, ...]


class FigureSource:
    """Every figure a bulletin may record, recomputed from ``stats`` (of the scoped ledger)."""

    def __init__(self, stats, spec: Spec, previous: "FigureSource | None" = None):
        self.stats = stats
        self.spec = spec
        self.previous = previous
        self.rules = stats.rules
        self._named: dict[str, dict[str, list[str]]] = {}
        self._calendar = None
        self._facts: dict | None = None

    # -- reading paths ----------------------------------------------------------------------
    def node(self, path: str):
        """A ``Leaf`` for a figure, ``"branch"`` for a mapping of figures, ``None`` for an unknown path."""
        parts = path.split(".")
        head, rest = parts[0], parts[1:]
        if head == "totals":
            if not rest:
                return "branch"
            return self._group_leaf(self.stats.totals, rest) if len(rest) == 1 else None
        if head in GROUPS:
            if len(rest) < 2:
                return "branch"
            if len(rest) != 2:
                return None
            group = self.stats.group(GROUPS[head], rest[0])
            if group is None:
                if rest[1] in stats_mod.COUNTS:
                    return Leaf(0, ())
                return Leaf([0, 0], ()) if rest[1] in stats_mod.RATES else None
            return self._group_leaf(group, rest[1:])
        if head == "period":
            if self.spec.period is None:
                return None
            if not rest:
                return "branch"
            return self._period_leaf(rest[0]) if len(rest) == 1 and rest[0] in PERIOD_FIGURES else None
        if head == "previous":
            if self.previous is None or (rest and rest[0] in ("previous", "named")):
                return None
            return self.previous.node(".".join(rest)) if rest else "branch"
        if head == "named":
            if not rest:
                return "branch"
            name = rest[0]
            if name == "good_units" and len(rest) == 1:
                codes = self.good_units()
                ids = tuple(sorted({i for c in codes for i in self.stats.group("unit", c)["closed_on_time"].ids}))
                return Leaf(codes, ids)
            if name in NAMED and name != "good_units":
                table = self.named(name)
                if len(rest) == 1:
                    return "branch"
                if len(rest) == 2:
                    ids = table.get(rest[1], [])
                    return Leaf(list(ids), tuple(ids))
            return None
        return None

    def fact(self, item_id: str):
        """The counted facts of one item (``stats.ItemFacts``), or None: by id, for the body's item markers."""
        if self._facts is None:
            self._facts = {f.id: f for f in self.stats.items}
        return self._facts.get(item_id)

    def calendar(self):
        if self._calendar is None:
            self._calendar = self.rules.calendar()
        return self._calendar

    def value(self, path: str):
        node = self.node(path)
        if isinstance(node, Leaf):
            return node.value
        raise KeyError(path)

    def _group_leaf(self, group, rest: list[str]):
        key = rest[0]
        if key in stats_mod.COUNTS:
            fig = group[key]
            return Leaf(fig.count, fig.ids)
        if key in stats_mod.RATES:
            _, num, den = stats_mod.RATES[key]
            return Leaf([group.count(num), group.count(den)], group[num].ids)
        if key == AVERAGE:
            return Leaf(group.days_to_close.value, group["closed"].ids)
        return None

    def _period_leaf(self, key: str) -> Leaf:
        p = self.spec.period
        ids = []
        for f in self.stats.items:
            if key == "assigned":
                hit = p.start <= f.assigned <= p.end
            else:
                hit = f.closed is not None and p.start <= f.closed <= p.end and (key == "closed" or key in f.flags)
            if hit:
                ids.append(f.id)
        return Leaf(len(ids), tuple(sorted(ids)))

    def good_units(self) -> list[str]:
        """Units with at least ``good_min_due`` items due, all of them closed on time, none overdue, still
        existing at as_of; most closed on time first, then in the rules' order."""
        units, as_of = self.rules.units, self.spec.as_of

        def gone(code):  # merged into another unit before as_of: nobody left to commend
            unit = units.get(code)
            return unit is not None and unit.valid_until is not None and unit.valid_until < as_of

        groups = [
            g
            for g in self.stats.groups["unit"]
            if not gone(g.key)
            and g.count("due") >= max(self.spec.good_min_due, 1)
            and g.count("closed_on_time") == g.count("due")
            and g.count("overdue_open") == 0
        ]
        order = {g.key: n for n, g in enumerate(self.stats.groups["unit"])}
        return [g.key for g in sorted(groups, key=lambda g: (-g.count("closed_on_time"), order[g.key]))]

    def named(self, name: str) -> dict[str, list[str]]:
        """Item ids per lead unit (in the rules' order of units; ids most overdue / soonest due first)."""
        if name not in self._named:
            facts = [f for f in self.stats.items if name in f.flags]
            if name in PACE_NAMED:
                facts.sort(key=lambda f: (f.batch or "", f.seq if f.seq is not None else 1 << 30, f.id))
            elif name == "due_soon":
                facts.sort(key=lambda f: (f.deadline, f.id))
            else:
                facts.sort(key=lambda f: (-f.overdue_days, f.id))
            table: dict[str, list[str]] = {}
            for f in facts:
                table.setdefault(f.lead_unit, []).append(f.id)
            rank = {code: n for n, code in enumerate(self.rules.units)}
            self._named[name] = {k: table[k] for k in sorted(table, key=lambda k: (rank.get(k, len(rank)), k))}
        return self._named[name]

    # -- labels ---------------------------------------------------------------------------------
    def label(self, path: str) -> str:
        return figure_label(path, self.rules, self.spec.as_of, self.spec.due_within_days)

    # -- the body -------------------------------------------------------------------------------
    def expected(self, key: str, meta: dict) -> Expected | None:
        """What the number after a body marker ``fig:<key>`` must be (``bodymarks``), or None when the
        key names nothing that can be recomputed; ``meta`` is the front matter (for what it records)."""
        parts = key.removesuffix("#n").split(".")
        if key.endswith("#n"):
            path = key[:-2]
            node = self.node(path)
            if isinstance(node, Leaf) and isinstance(node.value, list) and not _is_rate(node.value):
                n = len(node.value)
            elif node == "branch" and len(parts) == 2 and parts[0] == "named" and parts[1] in NAMED:
                n = len(self.named(parts[1]))
            else:
                return None
            recorded = _recorded(meta.get("figures"), path)
            return Expected(f"{self.label(path)}（个数）", n, recorded=len(recorded) if isinstance(recorded, (list, dict)) else None)
        if parts[0] == "params" and len(parts) == 2 and parts[1] in ("due_within_days", "good_min_due"):
            label = {"due_within_days": "即将到期的工作日数", "good_min_due": "表扬单位的最少应办结数"}[parts[1]]
            return Expected(label, getattr(self.spec, parts[1]), recorded=(meta.get("params") or {}).get(parts[1]), figure=False)
        if parts[0] == "items" and len(parts) == 3:
            return _item_pace(self, parts[1], parts[2]) if parts[2] in ITEM_PACE else _item_days(self, parts[1], parts[2])
        if parts[0] == CHANGE:
            return self._change(".".join(parts[1:]))
        node = self.node(key)
        if not isinstance(node, Leaf) or isinstance(node.value, bool):
            return None
        recorded = _recorded(meta.get("figures"), key)
        shown = show(recorded) if recorded is not _MISSING else None
        if parts[-1] == AVERAGE:
            return Expected(self.label(key), text=average_text(node.value), recorded=shown)
        if isinstance(node.value, int):
            return Expected(self.label(key), node.value, recorded=shown)
        if _is_rate(node.value):
            return Expected(self.label(key), rate=tuple(node.value), recorded=shown, decimals=self.rules.decimals)
        return None

    def change(self, path: str) -> Decimal | None:
        """Points between a rate now and in the previous issue, each as shown (to the rules' decimals):
        ``rate_settled`` 50.0% now, 45.0% then → 5.0; None without a previous issue or a denominator."""
        if self.previous is None:
            return None
        now, then = self.node(path), self.previous.node(path)
        if not (isinstance(now, Leaf) and isinstance(then, Leaf) and _is_rate(now.value) and _is_rate(then.value)):
            return None
        if not now.value[1] or not then.value[1]:
            return None
        d = self.rules.decimals
        return rounded_percent(*now.value, d) - rounded_percent(*then.value, d)

    def _change(self, path: str) -> Expected | None:
        points = self.change(path)
        if points is None:
            return None
        return Expected(f"{self.label(path)}较上期变化（百分点）", text=points_text(abs(points), self.rules.decimals))

    # -- drafting -------------------------------------------------------------------------------
    def record(self, paths: list[str]) -> dict:
        """The nested ``figures`` mapping for ``paths`` (``named.X`` records every unit's list)."""
        out: dict = {}
        for path in paths:
            node = self.node(path)
            parts = path.split(".")
            if node == "branch" and parts[0] == "named":
                value = {k: list(v) for k, v in self.named(parts[1]).items()}
            elif isinstance(node, Leaf):
                value = node.value
            else:
                raise KeyError(path)
            here = out
            for key in parts[:-1]:
                here = here.setdefault(key, {})
            here[parts[-1]] = value
        return out


ITEM_PACE = {"pace_share": "完成比例", "pace_expected": "序时进度", "pace_behind": "落后序时进度（百分点）"}


def points_text(points: Decimal, decimals: int) -> str:
    """Percentage points as a bulletin states them: ``5.0`` (to the rules' decimals)."""
    return f"{points:.{decimals}f}"


def average_text(value) -> str:
    """An average number of days as stated: ``23.4``, ``—`` when nothing was closed."""
    return "—" if value is None else f"{value:.1f}"


def _item_pace(source: "FigureSource", item_id: str, what: str) -> Expected | None:
    """The share reported, the expected share or the points behind of one listed item with a target."""
    fact = source.fact(item_id)
    if fact is None or fact.pace is None:
        return None
    shown = fact.pace_shown(what, source.rules.decimals)
    if shown is None:
        return None
    return Expected(f"{source.rules.display_number(item_id)} {ITEM_PACE[what]}", text=shown)


def _item_days(source: "FigureSource", item_id: str, what: str) -> Expected | None:
    """Days past the deadline, or working days left to it, of one item the body lists."""
    fact = source.fact(item_id)
    if fact is None or what not in ("overdue_days", "working_days_left"):
        return None
    number = source.rules.display_number(item_id)
    if what == "overdue_days":
        return Expected(f"{number} 超期天数", fact.overdue_days)
    as_of, deadline = source.spec.as_of, fact.deadline
    if deadline is None or fact.closed is not None or as_of > deadline:
        return None
    return Expected(f"{number} 剩余工作日", source.calendar().working_days_between(as_of, deadline))


def figure_label(path: str, rules, as_of: dt.date, due_within_days: int = 5) -> str:
    """``figures.units.zjj.overdue_open`` → ``市住房和城乡建设局 · 超期未办结数``."""
    parts = path.removeprefix("figures.").split(".")
    headers = stats_mod.headers(due_within_days)

    def fig(key):
        if key == AVERAGE:
            return stats_mod.AVERAGE_LABEL
        return headers.get(key) or stats_mod.RATES.get(key, (key,))[0]

    if parts[0] == "previous" and len(parts) > 1:
        return "上期 · " + figure_label(".".join(parts[1:]), rules, as_of, due_within_days)
    if parts[0] == "totals" and len(parts) == 2:
        return fig(parts[1])
    if parts[0] in GROUPS and len(parts) == 3:
        return f"{stats_mod.group_name(rules, GROUPS[parts[0]], parts[1], as_of)} · {fig(parts[2])}"
    if parts[0] == "period" and len(parts) == 2:
        return PERIOD_FIGURES.get(parts[1], parts[1])
    if parts[0] == "named" and len(parts) >= 2:
        text = NAMED.get(parts[1], parts[1])
        return f"{text} · {rules.unit_name(parts[2], as_of)}" if len(parts) == 3 else text
    return path


def _quotes(ledger: Ledger, ids, as_of: dt.date) -> list[str]:
    """What a draft quotes of the items it lists or attaches (``quoting``): their titles, measures and latest
    progress are the units' words, and their digits (地铁3号线, 累计完成2980户) are no figures of the bulletin."""
    from .quoting import quoted_texts

    out = set()
    for item_id in ids:
        item = ledger.items.get(item_id)
        if item is not None:
            out |= quoted_texts(item, ledger.rules, as_of)
    return sorted(out, key=len, reverse=True)


def _is_rate(value) -> bool:
    return isinstance(value, list) and len(value) == 2 and all(type(x) is int for x in value)


def _recorded(figures, path: str):
    """The value a ``figures`` mapping records at ``path``, or ``_MISSING``."""
    here = figures
    for key in path.split("."):
        if not isinstance(here, dict) or key not in here:
            return _MISSING
        here = here[key]
    return here


def leaves(recorded, prefix: str = "") -> list[tuple[str, object]]:
    """``(path, value)`` of every figure recorded in a ``figures`` mapping, in its order."""
    out = []
    if isinstance(recorded, dict):
        for key, value in recorded.items():
            path = f"{prefix}.{key}" if prefix else str(key)
            out += leaves(value, path) if isinstance(value, dict) else [(path, value)]
    return out


# -- comparing ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Mismatch:
    path: str  # figures.totals.overdue_open
    recorded: object
    recomputed: object  # _MISSING for a path that is not a figure
    note: str = ""


def _same(recorded, recomputed) -> bool:
    if isinstance(recomputed, bool) or isinstance(recorded, bool):
        return False
    if isinstance(recomputed, int):
        return type(recorded) is int and recorded == recomputed
    if isinstance(recomputed, list):
        if not isinstance(recorded, list) or not all(isinstance(x, (str, int)) and not isinstance(x, bool) for x in recorded):
            return False
        if recomputed and isinstance(recomputed[0], int) and len(recomputed) == 2:  # a rate: order matters
            return recorded == recomputed
        return sorted(map(str, recorded)) == sorted(map(str, recomputed)) and len(recorded) == len(set(map(str, recorded)))
    return recorded == recomputed


def compare(recorded: dict, source: FigureSource) -> tuple[list[Mismatch], dict[str, Leaf]]:
    """(mismatches, {path: Leaf} of every figure checked) for a bulletin's ``figures`` mapping."""
    mismatches: list[Mismatch] = []
    checked: dict[str, Leaf] = {}

    def walk(value, path: str):
        node = source.node(path)
        shown = f"figures.{path}"
        if node is None:
            mismatches.append(Mismatch(shown, value, _MISSING, "不是可以核对的数字"))
            return
        if node == "branch":
            if value is None and path.startswith("named."):  # every unit's list deleted: the units are missing
                value = {}
            if not isinstance(value, dict):
                mismatches.append(Mismatch(shown, value, _MISSING, "应是按名称分列的一组数字"))
                return
            for key, sub in value.items():
                walk(sub, f"{path}.{key}")
            parts = path.split(".")
            if parts[0] == "named" and len(parts) == 2:  # a unit named now but left out of the record
                for unit, ids in source.named(parts[1]).items():
                    if unit not in {str(k) for k in value}:
                        mismatches.append(Mismatch(f"{shown}.{unit}", _MISSING, list(ids), "通报中没有列出"))
            return
        checked[path] = node
        if not _same(value, node.value):
            mismatches.append(Mismatch(shown, value, node.value))

    if not isinstance(recorded, dict):
        return [Mismatch("figures", recorded, _MISSING, "应是“名称: 数字”的映射")], {}
    for key, value in recorded.items():
        walk(value, str(key))
    return mismatches, checked


def show(value) -> str:
    if value is _MISSING:
        return "（无）"
    if isinstance(value, list):
        if len(value) == 2 and all(type(x) is int for x in value):
            return f"{value[0]}/{value[1]}"
        return "[" + "、".join(map(str, value)) + "]" if value else "[]"
    return str(value)


# -- verifying a bulletin -----------------------------------------------------------------------


@dataclass
class Verification:
    """The outcome of recomputing one bulletin's figures.

    ``status``: ``ok`` | ``mismatch`` (a figure differs in the front matter or in the body, or the record
    cannot be read) | ``no_figures``
    (nothing recorded to check) | ``unavailable`` (the commit cannot be read here: no git history, not in
    this repository, or not on this branch; ``bulletin verify`` fails, the site only says so).
    """

    path: str
    status: str
    findings: list[Finding] = field(default_factory=list)
    checked: dict[str, Leaf] = field(default_factory=dict)
    commit: str | None = None
    message: str = ""
    source: FigureSource | None = field(default=None, repr=False)
    body: BodyCheck | None = None  # the body's numbers read back (when the figures could be recomputed)

    @property
    def ok(self) -> bool:
        return self.status in ("ok", "no_figures")

    def body_summary(self) -> str:
        """正文 N 个数字已核对一致，M 个数字无对应统计项未核对（…）: never “all” when some were not."""
        body = self.body
        if body is None:
            return "正文中的数字未核对"
        text = f"正文 {body.verified} 个数字已核对一致"
        wrong = sum(f.code in ("B108", "B111") for f in body.findings)
        if wrong:
            text += f"，{wrong} 个数字与统计项不符或无法核对"
        if body.unverified:
            text += f"，{body.unverified} 个数字无对应统计项未核对"
        lost = sum(f.code == "B110" for f in body.findings)
        if lost:
            text += f"，{lost} 个起草时写入的统计项在正文中找不到"
        return text


class Verifier:
    """Verifies bulletins against the ledger of one repository, loading each (commit, as_of) once."""

    def __init__(self, root: Path):
        self.root = Path(root)
        self._repo = None
        self._repo_error: str | None = None
        self._ledgers: dict[tuple[str, dt.date], Ledger] = {}

    def repo(self):
        from ..history.repo import HistoryUnavailable, ensure_full_history, open_repo

        if self._repo is None and self._repo_error is None:
            try:
                self._repo = open_repo(self.root)
                ensure_full_history(self._repo)
            except HistoryUnavailable as exc:
                self._repo, self._repo_error = None, str(exc)
        return self._repo

    def resolve(self, commit: str) -> tuple[str | None, str]:
        """(full sha, "") or (None, why not) for a recorded commit."""
        import git

        repo = self.repo()
        if repo is None:
            return None, self._repo_error or "无法读取 git 历史"
        text = str(commit)
        if not text or any(ch not in "0123456789abcdefABCDEF" for ch in text) or len(text) < 7:
            return None, f"commit“{text}”不是提交编号（7～40 位十六进制）"
        try:
            sha = repo.git.rev_parse("--verify", "--quiet", f"{text}^{{commit}}").strip()
        except git.GitCommandError:
            return None, f"提交 {text} 不在本仓库中"
        try:
            repo.git.merge_base("--is-ancestor", sha, "HEAD")
        except git.GitCommandError:
            return None, f"提交 {text[:10]} 不在当前分支的历史中"
        return sha, ""

    def ledger(self, sha: str, as_of: dt.date) -> Ledger:
        from ..ledger.sources import apply_trust, load_ledger_at

        key = (sha, as_of)
        if key not in self._ledgers:  # items only, as statistics read them: a validator grown stricter since
            ledger = load_ledger_at(self.root, as_of, commit=sha, checks=False)  # changes no figure
            apply_trust(ledger, Path(self.root).resolve())  # counted as the draft was
            self._ledgers[key] = ledger
        return self._ledgers[key]

    def verify(self, bulletin) -> Verification:
        from ..core.yamlio import line_for

        meta, path = bulletin.meta, bulletin.path
        front = bulletin.front_text

        def line(field_path: str) -> int | None:
            n = line_for(front, field_path)
            return n + 1 if n else None  # the file's first line is the opening ---

        recorded = meta.get("figures")
        if not recorded:
            return Verification(path, "no_figures", message="没有记录数字，无需核对")
        missing = [k for k in ("as_of", "commit") if not meta.get(k)]
        if missing:
            what = "、".join(missing)
            finding = Finding(path, line("figures"), "B104", "figures", f"记录了数字，但没有写明 {what}，无法重新计算核对。")
            return Verification(path, "mismatch", [finding], message=f"缺少 {what}")
        sha, why = self.resolve(meta["commit"])
        if sha is None:  # no history here, or the commit is not on this branch: nothing to recompute from
            finding = Finding(path, line("commit"), "B104", "commit", f"{why}，无法按它核对通报中的数字。")
            return Verification(path, "unavailable", [finding], message=why)
        try:
            spec = Spec.from_meta(meta)
        except FigureError as exc:
            return Verification(path, "mismatch", [Finding(path, None, "B104", "", str(exc))], commit=sha, message=str(exc))
        previous = None
        if spec.previous is not None:  # the changes 较上期 are recomputed from the previous issue's own commit
            prev_sha, why = self.resolve(spec.previous["commit"])
            if prev_sha is None:
                finding = Finding(path, line("previous"), "B104", "previous", f"上期（第 {spec.previous['number']} 期）{why}，无法核对较上期的变化。")
                return Verification(path, "mismatch", [finding], commit=sha, message=why)
            previous = self.ledger(prev_sha, spec.previous["as_of"])
        source = compute(self.ledger(sha, spec.as_of), spec, previous)
        mismatches, checked = compare(recorded, source)
        findings = []
        for m in mismatches:
            where = f"按提交 {sha[:10]} 截至 {spec.as_of.isoformat()} 重新计算"
            if m.recomputed is _MISSING:
                text = f"{m.note}（记录为 {show(m.recorded)}）。"
            elif m.recorded is _MISSING:
                text = f"{source.label(m.path)}：{where}为 {show(m.recomputed)}，{m.note}。"
            else:
                text = f"{source.label(m.path)}：通报记录为 {show(m.recorded)}，{where}为 {show(m.recomputed)}。"
            findings.append(Finding(path, line(m.path), "B104", m.path, text))
        body = self.verify_body(bulletin, source, sha, line(BODY_FIGURES))
        findings += body.findings
        status = "mismatch" if any(f.is_error for f in findings) else "ok"
        result = Verification(path, status, findings, checked, sha, "", source, body)
        front_ok = f"前言 {len(checked)} 个数字与提交 {sha[:10]} 截至 {spec.as_of.isoformat()} 重新计算的结果一致；"
        result.message = (front_ok if status == "ok" else "") + result.body_summary()
        return result

    def verify_body(self, bulletin, source: FigureSource, sha: str, drafted_line: int | None) -> BodyCheck:
        """The body's marked numbers against ``source``, its other numbers listed (``bodymarks``)."""
        meta = bulletin.meta
        drafted = meta.get(BODY_FIGURES)
        if not isinstance(drafted, dict):
            drafted = {}
        drafted = {str(k): v for k, v in drafted.items() if type(v) is int}
        first = bulletin.text[: len(bulletin.text) - len(bulletin.body)].count("\n") + 1
        where = f"按提交 {sha[:10]} 截至 {source.spec.as_of.isoformat()} 重新计算"
        listed = dict.fromkeys([*bulletin.items, *(f.id for f in source.stats.items)])  # named, and the 附件's whole list
        quoted = _quotes(self.ledger(sha, source.spec.as_of), listed, source.spec.as_of)
        body = check_body(bulletin.path, bulletin.body, first, lambda key: source.expected(key, meta), drafted, where, quoted)
        body.findings = [Finding(f.path, f.line or drafted_line, f.code, f.field, f.message) for f in body.findings]
        return body
