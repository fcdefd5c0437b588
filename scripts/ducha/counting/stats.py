"""Statistics (统计) as of a date: pure functions of a ``Ledger`` and ``as_of``.

The definitions are DESIGN.md's "Statistics"; ``basis.basis_markdown()`` states them in
Chinese for the site (统计口径).  Every figure carries the ids of the items behind it,
so each published number can link to its items, and the commit it was computed from.

One pass over the items computes each item's facts (``ItemFacts``: its effective
deadline, light and the figures it counts in); the groupings only add facts up.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from ..files import cache as cachefile
from ..core import pace, schema
from ..core.deadlines import effective_deadline, light, progress_overdue
from ..core.formats import DEFAULT_DECIMALS, percent, rounded
from ..core.model import WORKING_STATUSES, Item, event_dates
from ..core.rules import Rules

GROUPINGS = {
    "unit": "牵头单位",
    "co_unit": "配合单位",
    "category": "类别",
    "leader": "交办领导",
    "month": "交办月份",
    "urgency": "紧急程度",
    "batch": "会议或文件",
    "batch_kind": "会议或文件类别",
}

# progress against schedule (序时进度, core/pace.py): the items with a target, and each class
PACE_COUNTS = {"pace_total": "有量化目标数", **{f"pace_{k}": f"{v}数" for k, v in pace.CLASSES.items()}}

# figure key -> Chinese header; ``due_soon`` gets its number of days in ``headers()``
COUNTS = {
    "total": "事项数",
    "closed": "办结数",
    "open": "未办结数",
    "due": "应办结数",
    "closed_on_time": "按期办结数",
    "closed_late": "超期办结数",
    "overdue_open": "超期未办结数",
    "overdue_unexplained": "超期未说明原因数",
    "due_soon": "即将到期数",
    "open_no_deadline": "正在办理（无期限）数",
    "returned": "退回重办次数",
    "light_green": "绿灯数",
    "light_yellow": "黄灯数",
    "light_red": "红灯数",
    "progress_required": "应报进展数",
    "progress_on_time": "按时报进展数",
    "reading_total": "应计批阅件次",
    "reading_on_time": "按时批阅件次",
    "mailbox_total": "信箱来信数",
    "mailbox_closed": "信箱办结数",
    "mailbox_replied": "信箱已答复数",
    "no_deadline": "期限无法确定数",
    **PACE_COUNTS,
}
# rate key -> (Chinese header, numerator figure, denominator figure)
RATES = {
    "rate_closed": ("办结率", "closed", "total"),
    "rate_settled": ("结案率", "closed", "due"),
    "rate_open": ("正在办理占比", "open", "total"),
    "rate_open_no_deadline": ("正在办理（无期限）占比", "open_no_deadline", "total"),
    "rate_on_time": ("按期办结率", "closed_on_time", "due"),
    "rate_progress": ("进展报告按时率", "progress_on_time", "progress_required"),
    "rate_reading": ("批阅按时率", "reading_on_time", "reading_total"),
    "rate_mailbox_handled": ("市长信箱办理率", "mailbox_closed", "mailbox_total"),
    "rate_mailbox_replied": ("市长信箱回复率", "mailbox_replied", "mailbox_total"),
}
EXCLUDED = {"draft": "拟办（尚未交办）", "not_assigned": "交办日期晚于截止日", "cancelled": "已撤销"}
# figures that count events (a review, a circulation entry) rather than items: count may exceed len(ids)
EVENT_FIGURES = ("returned", "reading_total", "reading_on_time")


def headers(due_within_days: int) -> dict[str, str]:
    out = dict(COUNTS)
    out["due_soon"] = f"{due_within_days}个工作日内到期数"
    return out


@dataclass(frozen=True)
class Figure:
    """A count and the ids of the items behind it (sorted, each once)."""

    count: int
    ids: tuple[str, ...]


@dataclass(frozen=True)
class Rate:
    """numerator / denominator; ``value`` is None when the denominator is 0.  Shown as a percentage
    rounded half up to ``decimals`` (the rules' ``statistics.decimals``)."""

    numerator: int
    denominator: int
    decimals: int = DEFAULT_DECIMALS

    @property
    def value(self) -> float | None:
        return self.numerator / self.denominator if self.denominator else None

    def percent(self) -> str:
        """``60.0%``, or ``—`` when the denominator is 0 (where the counts are shown beside it)."""
        return percent(self.numerator, self.denominator, self.decimals)

    def text(self) -> str:
        """``60.0%（3/5）``: never a percentage without its denominator."""
        return f"{self.percent()}（{self.numerator}/{self.denominator}）"


AVERAGE_LABEL = "平均办理天数"


@dataclass(frozen=True)
class Average:
    """Average days from assignment to closure over the items closed by as_of (平均办理天数)."""

    days: int
    count: int

    @property
    def value(self) -> float | None:
        """To one decimal, rounded half up on the exact fraction (as percentages are)."""
        return float(rounded(self.days, self.count, 1)) if self.count else None


@dataclass
class Group:
    key: str
    name: str
    figures: dict[str, Figure]
    days_to_close: Average
    decimals: int = DEFAULT_DECIMALS  # of its rates' percentages

    def __getitem__(self, key: str) -> Figure:
        return self.figures[key]

    def count(self, key: str) -> int:
        return self.figures[key].count

    def rate(self, key: str) -> Rate:
        _, num, den = RATES[key]
        return Rate(self.figures[num].count, self.figures[den].count, self.decimals)

    @property
    def rates(self) -> dict[str, Rate]:
        return {k: self.rate(k) for k in RATES}


@dataclass(slots=True)
class ItemFacts:
    """One counted item as it stood at the end of ``as_of``."""

    id: str
    path: str
    title: str
    status: str
    category: str
    leader: str
    lead_unit: str
    co_units: tuple[str, ...]
    urgency: str
    assigned: dt.date
    deadline: dt.date | None
    deadline_source: str | None
    closed: dt.date | None  # only when closed by as_of
    light: str
    overdue_days: int  # open and past the deadline: days past it; closed late: days late
    flags: frozenset[str]
    returned: tuple[dt.date, ...]  # dates of the reviews that returned the result (by as_of)
    reading: tuple[tuple[str, bool], ...]  # (leader, on time) of each decided circulation entry
    batch: str | None = None  # the meeting or document it came from (rules: batches), with its 序号
    batch_kind: str | None = None
    seq: int | None = None
    pace_at: pace.Pace | None = field(default=None, repr=False)  # where it stands against its schedule, with a target

    @property
    def pace(self) -> str | None:
        """Its class against the schedule (a key of ``pace.CLASSES``) when it has a target."""
        return self.pace_at.cls if self.pace_at is not None else None

    def pace_shown(self, what: str, decimals: int) -> str | None:
        """``pace_share`` 93.1% / ``pace_expected`` 91.7% / ``pace_behind`` 1.4 (points), as a bulletin states them."""
        p = self.pace_at
        if p is None:
            return None
        if what == "pace_share":
            return None if p.share is None else f"{p.share_percent:.{decimals}f}%"
        if what == "pace_expected":
            return f"{p.expected_percent:.{decimals}f}%"
        return f"{p.behind:.{decimals}f}" if what == "pace_behind" else None

    @property
    def month(self) -> str:
        return f"{self.assigned.year}-{self.assigned.month:02d}"

    @property
    def days_to_close(self) -> int | None:
        return (self.closed - self.assigned).days if self.closed else None

    def keys(self, grouping: str) -> tuple[str, ...]:
        if grouping == "unit":
            return (self.lead_unit,)
        if grouping == "co_unit":
            return self.co_units
        if grouping == "month":
            return (self.month,)
        if grouping in ("batch", "batch_kind"):
            key = getattr(self, grouping)
            return (key,) if key else ()
        return (getattr(self, grouping),)


@dataclass
class Stats:
    as_of: dt.date
    commit: str | None
    due_within_days: int
    rules: Rules = field(repr=False)
    totals: Group
    groups: dict[str, list[Group]]
    items: list[ItemFacts]
    excluded: dict[str, Figure]
    unknown_years: tuple[int, ...] = ()
    # counted items whose numbers use a value the history decided instead of the written one (ledger.trust)
    corrected: tuple[str, ...] = ()

    def group(self, grouping: str, key: str) -> Group | None:
        return next((g for g in self.groups[grouping] if g.key == key), None)


# -- the item as it stood on a day --------------------------------------------------------------


def _status_from_records(data: dict) -> str:
    if data.get("cancellation"):
        return "cancelled"
    if data.get("closed"):
        return "closed"
    reviews, result = data.get("reviews") or [], data.get("result")
    if reviews and reviews[-1]["result"] == "returned" and (not result or result["reported"] <= reviews[-1]["date"]):
        return "returned"
    if result:
        return "reported"
    return "in_progress" if data.get("progress") else "assigned"


def as_seen(item: Item, day: dt.date) -> Item:
    """The item as its own records say it stood at the end of ``day``: everything dated later is dropped
    (a later approval of an extension, a later closure ...) and the status follows the records kept.

    A ledger read from git as of ``day`` holds nothing dated later (that would be D404), so this changes
    nothing there; it matters when a past date is computed from the work tree.
    """
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time())
    data = item.data
    if not any(d > day for _, d in event_dates(data)):
        return item
    data = dict(data)
    state = False
    for name in ("progress", "reminders", "reviews"):
        if name in data:
            kept = [e for e in data[name] if e["date"] <= day]
            state |= name == "reviews" and len(kept) != len(data[name])
            data[name] = kept
    if "extensions" in data:
        exts = []
        for e in data["extensions"]:
            if e["requested"] > day:
                continue
            if (e.get("approved") or day) > day or (e.get("rejected") or day) > day:
                e = {k: v for k, v in e.items() if k not in ("approved", "rejected", "approved_by", "new_deadline")}
            exts.append(e)
        data["extensions"] = exts
    for key, sub in (("result", "reported"), ("cancellation", "date"), ("reply", "date")):
        if data.get(key) and data[key][sub] > day:
            del data[key]
            state |= key != "reply"
    if data.get("closed") and data["closed"] > day:
        del data["closed"]
        state = True
    if "circulation" in data:
        data["circulation"] = [
            c if not c.get("returned") or c["returned"] < end else {k: v for k, v in c.items() if k != "returned"}
            for c in data["circulation"]
            if c["sent"] < end
        ]
    if state:
        data["status"] = _status_from_records(data)
    return Item(item.id, item.path, data, item.text)


# -- facts ---------------------------------------------------------------------------------


def item_facts(item: Item, rules: Rules, cal, as_of: dt.date, soon_before: dt.date, trim: bool = True) -> ItemFacts | str:
    """The facts of ``item`` as of ``as_of``, or why it is not counted (a key of ``EXCLUDED``).

    ``trim``: first drop what the item records after ``as_of`` (``as_seen``); a ledger committed by then
    is taken as it stood, so ``compute`` trims only a work-tree ledger.
    """
    data = item.data
    if data["status"] == "draft":
        return "draft"
    if data["assigned"] > as_of:
        return "not_assigned"
    if trim:
        item = as_seen(item, as_of)
        data = item.data
    status = data["status"]
    if status == "cancelled":
        return "cancelled"
    dl = effective_deadline(item, rules, cal)
    deadline = dl.date if dl else None
    lt = light(item, rules, cal, as_of, dl)
    closed = data.get("closed") if status == "closed" else None
    if closed is not None and closed > as_of:
        closed = None
    flags = ["total"]
    if closed:
        overdue_days = _closed_flags(flags, closed, deadline)
    else:
        overdue_days = _open_flags(flags, item, rules, as_of, soon_before, deadline, lt)
    flags += _no_deadline_flags(dl, closed)
    _mailbox_flags(flags, item, rules, as_of, closed)
    returned, reading = _event_flags(flags, item, rules, as_of)
    paced = _pace(flags, item, rules, as_of, deadline)
    return ItemFacts(
        id=item.id,
        path=item.path,
        title=data["title"],
        status=status,
        category=data["category"],
        leader=data["leader"],
        lead_unit=data["lead_unit"],
        co_units=tuple(data.get("co_units") or ()),
        urgency=data["urgency"],
        assigned=data["assigned"],
        deadline=deadline,
        deadline_source=dl.source if dl else None,
        closed=closed,
        light=lt,
        overdue_days=overdue_days,
        flags=frozenset(flags),
        returned=returned,
        reading=reading,
        batch=data.get("batch"),
        batch_kind=rules.batches[data["batch"]].kind if data.get("batch") in rules.batches else None,
        seq=data.get("seq"),
        pace_at=paced,
    )


def _no_deadline_flags(dl, closed) -> tuple[str, ...]:
    """``no_deadline``: the category is unknown (a check error), the deadline cannot be told;
    ``open_no_deadline``: open, and the item has none (正在办理（无期限）)."""
    if dl is None:
        return ("no_deadline",)
    return ("open_no_deadline",) if dl.none and not closed else ()


def _pace(flags: list[str], item: Item, rules: Rules, as_of: dt.date, deadline: dt.date | None) -> pace.Pace | None:
    """An item with a target: ``pace_total`` and its class's flag; returns where it stands."""
    if not item.data.get("target"):
        return None
    p = pace.classify(item, rules.pace, as_of, deadline, rules.decimals)
    flags += ("pace_total", "pace_" + p.cls)
    return p


def _event_flags(flags: list[str], item: Item, rules: Rules, as_of: dt.date) -> tuple[tuple, tuple]:
    """(dates of the reviews that returned it, decided circulation entries) by as_of, with their flags."""
    data = item.data
    returned = ()
    if data.get("reviews"):
        returned = tuple(r["date"] for r in data["reviews"] if r["result"] == "returned" and r["date"] <= as_of)
        if returned:
            flags.append("returned")
    reading = _reading(item, rules, as_of) if data.get("circulation") else ()
    if reading:
        flags.append("reading_total")
    return returned, reading


def _closed_flags(flags: list[str], closed: dt.date, deadline: dt.date | None) -> int:
    """Flags of an item closed by as_of; returns the days it closed late (0 when on time)."""
    flags += ("closed", "due")
    if deadline is None or closed <= deadline:
        flags.append("closed_on_time")
        return 0
    flags.append("closed_late")
    return (closed - deadline).days


def _open_flags(flags, item: Item, rules: Rules, as_of, soon_before, deadline, lt) -> int:
    """Flags of an item still open at as_of; returns the days it is overdue (0 when not)."""
    flags.append("open")
    overdue_days = 0
    if lt in ("green", "yellow", "red"):
        flags.append("light_" + lt)
    if deadline is not None:
        if as_of >= deadline:  # due on its deadline day, overdue only after it
            flags.append("due")
        if as_of > deadline:
            flags.append("overdue_open")
            overdue_days = (as_of - deadline).days
            if item.late_without_explanation(deadline, as_of):
                flags.append("overdue_unexplained")
        elif deadline < soon_before:
            flags.append("due_soon")
    if item.data["status"] in WORKING_STATUSES:
        flags.append("progress_required")
        if not progress_overdue(item, rules, as_of):
            flags.append("progress_on_time")
    return overdue_days


def _mailbox_flags(flags: list[str], item: Item, rules: Rules, as_of: dt.date, closed) -> None:
    """A mayor's-mailbox letter: counted, closed, replied to."""
    data = item.data
    category = rules.categories.get(data["category"])
    if category is not None and category.mailbox:
        flags.append("mailbox_total")
        if closed:
            flags.append("mailbox_closed")
        if data.get("reply") and data["reply"]["date"] <= as_of:
            flags.append("mailbox_replied")


def _reading(item: Item, rules: Rules, as_of: dt.date) -> tuple[tuple[str, bool], ...]:
    """(leader, on time) of each circulation entry decided by the end of ``as_of``: returned (on time when
    within the limit), or still out after its limit ran out (late).  Entries still within it are not counted."""
    end = dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time())
    out = []
    for c in item.log("circulation"):
        limit = rules.reading_limits.get(c["kind"])
        if limit is None or c["sent"] >= end:
            continue
        back = c.get("returned")
        if back is not None and back < end:
            out.append((c["leader"], (back - c["sent"]).total_seconds() <= limit * 3600))
        elif (end - c["sent"]).total_seconds() > limit * 3600:
            out.append((c["leader"], False))
    return tuple(out)


# -- adding up --------------------------------------------------------------------------------


class _Acc:
    """Adds items up; an item figure's count is the length of its id list, an event figure's is counted."""

    __slots__ = ("ids", "counts", "days")

    def __init__(self):
        self.ids: dict[str, list[str]] = {k: [] for k in COUNTS}
        self.counts: dict[str, int] = dict.fromkeys(EVENT_FIGURES, 0)
        self.days = 0

    def add(self, f: ItemFacts, plain: tuple[str, ...], leader: str | None = None):
        """Add an item whose item figures are ``plain``; ``leader``: count only the papers this leader read."""
        ids, fid = self.ids, f.id
        for flag in plain:
            ids[flag].append(fid)
        if f.closed:
            self.days += (f.closed - f.assigned).days
        self.add_events(f, leader)

    def add_events(self, f: ItemFacts, leader: str | None):
        """The event figures (returns, papers) of an item."""
        if f.returned:
            self.ids["returned"].append(f.id)
            self.counts["returned"] += len(f.returned)
        if f.reading:
            self.add_reading(f, leader)

    def add_reading(self, f: ItemFacts, leader: str | None):
        entries = [ok for who, ok in f.reading if leader is None or who == leader]
        if entries:
            self.ids["reading_total"].append(f.id)
            self.counts["reading_total"] += len(entries)
            on_time = sum(entries)
            if on_time:
                self.ids["reading_on_time"].append(f.id)
                self.counts["reading_on_time"] += on_time

    def group(self, key: str, name: str, decimals: int = DEFAULT_DECIMALS) -> Group:
        counts = self.counts
        figures = {k: Figure(counts[k] if k in counts else len(v), tuple(sorted(v))) for k, v in self.ids.items()}
        return Group(key, name, figures, Average(self.days, figures["closed"].count), decimals)


def group_name(rules: Rules, grouping: str, key: str, as_of: dt.date) -> str:
    if grouping in ("unit", "co_unit"):
        return rules.unit_name(key, as_of)
    if grouping == "category":
        category = rules.categories.get(key)
        return category.name if category else key
    if grouping == "leader":
        return rules.leader_name(key)
    if grouping == "month":
        year, month = key.split("-")
        return f"{year}年{int(month)}月"
    if grouping == "batch":
        batch = rules.batches.get(key)
        return batch.title if batch else key
    if grouping == "batch_kind":  # 市长办公会议, or 县长办公会议 in a county
        return schema.BATCH_KINDS.get(key, key).replace("市长", rules.government[:1] + "长", 1)
    return schema.URGENCIES.get(key, key)


def _order(rules: Rules, grouping: str, keys) -> list[str]:
    known = {
        "unit": list(rules.units),
        "co_unit": list(rules.units),
        "category": list(rules.categories),
        "leader": list(rules.leaders),
        "urgency": list(schema.URGENCIES),
        "batch": list(rules.batches),
        "batch_kind": list(schema.BATCH_KINDS),
    }.get(grouping, [])
    rank = {k: i for i, k in enumerate(known)}
    return sorted(keys, key=lambda k: (rank.get(k, len(rank)), k))


def compute(ledger, as_of: dt.date, due_within_days: int = 5, groupings=None, memo: dict | None = None) -> Stats:
    """Statistics of ``ledger`` (a ``ducha.ledger.Ledger``) as of the end of ``as_of``.

    ``groupings``: add up only these groupings (keys of ``GROUPINGS``; default all) — a caller that shows one
    grouping need not pay for eight; the totals and the items' facts are the same either way.
    ``memo``: item id → (the ``Item``, the days its facts were made for, its facts, the years unknown to the
    calendar it was first to meet), kept by a
    caller that counts the same rules again (the site's preview): an item that is the same object is not
    looked at again."""
    with cachefile.gc_paused():  # hundreds of thousands of small objects and no cycles
        return _compute(ledger, as_of, due_within_days, tuple(GROUPINGS) if groupings is None else tuple(groupings), memo)


def _compute(ledger, as_of: dt.date, due_within_days: int, groupings: tuple[str, ...], memo: dict | None = None) -> Stats:
    rules = ledger.rules
    cal = rules.calendar()
    soon_before = cal.add_working_days(as_of, due_within_days + 1)
    trim = getattr(ledger, "commit", None) is None
    facts: list[ItemFacts] = []
    excluded: dict[str, list[str]] = {k: [] for k in EXCLUDED}
    when = (as_of, soon_before, trim)
    items = ledger.sorted_items()
    if memo is not None and any(kept[3] and not (item is not None and item.id == item_id and _kept(memo, item, when))
                                for item_id, kept in memo.items() for item in (ledger.items.get(item_id),)):
        memo.clear()  # an item counted again was the first to meet a year the calendar does not know: count all
    kept_years: set[int] = set()  # the years unknown to the calendar that the items not counted again met
    for item in items:
        if memo is not None and _kept(memo, item, when):
            _, _, f, years = memo[item.id]
            kept_years |= years
        else:
            before = set(cal.unknown_years) if memo is not None else None
            f = item_facts(item, rules, cal, as_of, soon_before, trim)
            if memo is not None:
                memo[item.id] = (item, when, f, frozenset(cal.unknown_years - before))
        if isinstance(f, str):
            excluded[f].append(item.id)
        else:
            facts.append(f)
    total, accs = _add_up(facts, groupings)
    groups = {
        grouping: [table[k].group(k, group_name(rules, grouping, k, as_of), rules.decimals) for k in _order(rules, grouping, table)]
        for grouping, table in accs.items()
    }
    unknown = sorted(set(cal.unknown_years) | kept_years)
    return Stats(
        as_of=as_of,
        commit=getattr(ledger, "commit", None),
        due_within_days=due_within_days,
        rules=rules,
        totals=total.group("", "合计", rules.decimals),
        groups=groups,
        items=facts,
        excluded={k: Figure(len(v), tuple(v)) for k, v in excluded.items()},
        unknown_years=tuple(unknown),
        corrected=_corrected(ledger, facts),
    )


def _kept(memo: dict, item, when) -> bool:
    kept = memo.get(item.id)
    return kept is not None and kept[0] is item and kept[1] == when


def _corrected(ledger, facts: list[ItemFacts]) -> tuple[str, ...]:
    trust = getattr(ledger, "trust", None)
    if trust is None or not trust.corrections:
        return ()
    return tuple(f.id for f in facts if f.id in trust.corrections)


def _add_up(facts: list[ItemFacts], groupings: tuple[str, ...]) -> tuple[_Acc, dict[str, dict[str, _Acc]]]:
    """(the total, grouping → key → its sums) over the counted items, for ``groupings``; the hot loop, kept
    flat.  A grouping not asked for is added into a table that is thrown away (``None`` keys skip it)."""
    total = _Acc()
    accs: dict[str, dict[str, _Acc]] = {g: {} for g in GROUPINGS if g in groupings}
    by_unit, by_co, by_cat, by_leader, by_month, by_urgency, by_batch, by_kind = (accs.get(g) for g in GROUPINGS)
    events = set(EVENT_FIGURES)

    def acc(table: dict, key: str) -> _Acc:
        a = table.get(key)
        if a is None:
            a = table[key] = _Acc()
        return a

    for f in facts:
        plain = tuple(f.flags - events)
        fid = f.id
        accs_of = [total]
        if by_unit is not None:
            accs_of.append(acc(by_unit, f.lead_unit))
        if by_cat is not None:
            accs_of.append(acc(by_cat, f.category))
        if by_month is not None:
            accs_of.append(acc(by_month, f.month))
        if by_urgency is not None:
            accs_of.append(acc(by_urgency, f.urgency))
        if by_co is not None:
            accs_of += [acc(by_co, k) for k in f.co_units]
        if f.batch is not None:
            if by_batch is not None:
                accs_of.append(acc(by_batch, f.batch))
            if f.batch_kind is not None and by_kind is not None:
                accs_of.append(acc(by_kind, f.batch_kind))
        for a in accs_of:
            ids = a.ids
            for flag in plain:
                ids[flag].append(fid)
        leader_acc = acc(by_leader, f.leader) if by_leader is not None else None
        if leader_acc is not None:
            for flag in plain:
                leader_acc.ids[flag].append(fid)
        if f.closed:
            days = (f.closed - f.assigned).days
            for a in accs_of:
                a.days += days
            if leader_acc is not None:
                leader_acc.days += days
        if f.returned or f.reading:
            for a in accs_of:
                a.add_events(f, None)
            if leader_acc is not None:
                leader_acc.add_events(f, f.leader)
        if f.reading and by_leader is not None:
            for who in {w for w, _ in f.reading if w != f.leader}:  # papers this leader read on others' items
                (by_leader.get(who) or by_leader.setdefault(who, _Acc())).add_reading(f, who)
    return total, accs
