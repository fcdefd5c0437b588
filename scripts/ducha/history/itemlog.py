"""An item's history as a register (修改记录): who made each change, who merged it, when (Beijing time),
what changed in words, and every record it wrote.

One composition for ``ducha history`` and the item page. From the first-parent history
(``History.items``) and who made the changes a merge brought in (``History.makers``):

- 修改人 is who made the change: the authors of the branch commits that changed the item, for a merge;
  the commit's author otherwise. 合并 is who merged it: the merge commit's author, or the committer of a
  commit someone else wrote (a rebase or an applied patch); a commit its author put on the branch
  directly has none.
- Changed fields are named in Chinese, a list's entries by position (第2条进展), each named once.
- The records a change wrote (进展, 报结, 审核, 延期, 催办, 答复) are listed with it, a report that a later
  change overwrote in the file too: the history keeps every one, so ``record_events`` can put each report
  and review in the order they happened.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from dataclasses import dataclass, field

from ..core import record, schema
from ..core.formats import beijing
from ..core.model import to_date
from ..core.schema import TZ
from ..core.schemacheck import FIELD_LABELS
from .commits import History, git_date

ACTIONS = {"A": "新建", "M": "修改", "R": "移动/改名", "D": "删除"}
# a log list's entries by position: 第2条进展
ENTRY_LABELS = {"progress": "进展", "reminders": "催办", "extensions": "延期申请", "reviews": "审核", "circulation": "送阅"}
_ENTRY = re.compile(r"^(\w+)\[(\d+)\]$")
_SHOWN = {"status": schema.STATUSES, "urgency": schema.URGENCIES, "secrecy": schema.SECRECY}
_DATES = ("assigned", "deadline", "closed")


@dataclass(frozen=True)
class Record:
    """A record a change wrote into the item: its kind (进展, 报结, 审核通过 …), date, who and text."""

    kind: str
    date: dt.date | None
    who: str = ""
    text: str = ""
    overwritten: bool = False  # a report a later change replaced in the file


@dataclass(frozen=True)
class Step:
    """One commit's change to the item."""

    commit: str
    time: dt.datetime  # Beijing time
    action: str  # A M R D
    made_by: tuple[str, ...]  # names of who made the change
    merged_by: str  # who merged it ("" for a commit its author put on the branch)
    message: str
    changes: tuple[str, ...]  # 修改 状态：办理中 → 已报结, 新增 第2条进展 …
    records: tuple[Record, ...] = field(default=())
    raw: dict = field(default_factory=dict, compare=False)  # ``History.timeline``'s entry

    @property
    def time_text(self) -> str:
        return beijing(self.time)

    @property
    def action_label(self) -> str:
        return ACTIONS[self.action]

    def as_json(self) -> dict:
        """The timeline entry (the committer's ISO 8601 time with offset) and the register's reading of it."""
        return {
            **self.raw,
            "made_by": list(self.made_by),
            "merged_by": self.merged_by,
            "time_beijing": self.time.strftime("%Y-%m-%d %H:%M"),
            "summary": list(self.changes),
            "records": [
                {"kind": r.kind, "date": r.date, "who": r.who, "text": r.text, "overwritten": r.overwritten}
                for r in self.records
            ],
        }


class NoRules:
    """Names as codes, for a history read without a readable rules file."""

    categories: dict = {}

    def unit_name(self, code, on=None) -> str:
        return str(code)

    def leader_name(self, code) -> str:
        return str(code)


def register(history: History, item_id: str, rules=None) -> list[Step]:
    """The item's changes, oldest first, as a register (``rules``: to name units, leaders and categories)."""
    rules = rules if rules is not None else NoRules()
    versions = history.items.get(item_id, [])
    makers = history.makers.get(item_id, {})
    timeline = history.timeline(item_id)
    results = [i for i, v in enumerate(versions) for f, _, n in v[4] if f == "result" and n is not None]
    last_result = results[-1] if results else None
    steps = []
    for n, ((idx, _, _, action, changes, _), raw) in enumerate(zip(versions, timeline)):
        c = history.commits[idx]
        made = makers.get(idx)
        if made:
            made_by = made
            merged_by = c.author
        else:
            made_by = (c.author,)
            merged_by = c.committer if c.committer and c.committer != c.author else ""
        steps.append(
            Step(
                commit=c.sha,
                time=git_date(c.date)[0].astimezone(TZ),
                action=action,
                made_by=made_by,
                merged_by=merged_by,
                message=raw["message"],
                changes=() if action == "A" else tuple(describe(changes, rules)),
                records=tuple(_records(changes, rules, overwritten=last_result is not None and n in results and n != last_result)),
                raw=raw,
            )
        )
    return steps


def describe(changes, rules) -> list[str]:
    """Field-level changes in words, each field or list entry named once: 修改 状态：已交办 → 已报结,
    新增 第2、3条进展, 修改 第1条延期申请, 删除 报结."""
    out: list[str] = []
    entries: dict[tuple[str, int], set[str]] = {}
    for fld, old, new in changes:
        if fld == "(path)":
            out.append(f"移动 {old} → {new}")
        elif fld == "(file)":
            out.append(str(new))
        elif m := _ENTRY.match(fld):
            entries.setdefault((m.group(1), int(m.group(2))), set()).add("new" if old is None else "old")
        else:
            verb = "新增" if old is None else "删除" if new is None else "修改"
            label = FIELD_LABELS.get(fld, fld)
            shown = _shown(fld, old, new, rules)
            out.append(f"{verb} {label}{'：' + shown if shown else ''}")
    grouped: dict[tuple[str, str], list[int]] = {}
    for (name, i), sides in entries.items():
        verb = "修改" if sides == {"new", "old"} else "新增" if sides == {"new"} else "删除"
        grouped.setdefault((verb, name), []).append(i + 1)
    for (verb, name), positions in grouped.items():
        label = ENTRY_LABELS.get(name, FIELD_LABELS.get(name, name))
        out.append(f"{verb} 第{'、'.join(map(str, sorted(positions)))}条{label}")
    return out


def _shown(fld: str, old, new, rules) -> str:
    """``已交办 → 已报结`` for a field whose values read in a few words; "" for text and records."""
    def one(v):
        if v is None:
            return "（无）"
        if fld in _SHOWN:
            return _SHOWN[fld].get(v, str(v))
        if fld == "lead_unit":
            return rules.unit_name(v)
        if fld == "leader":
            return rules.leader_name(v)
        if fld == "co_units" and isinstance(v, list):
            return "、".join(rules.unit_name(u) for u in v) or "（无）"
        if fld == "category":
            cat = rules.categories.get(v)
            return cat.name if cat is not None else str(v)
        return str(v)

    if fld in _SHOWN or fld in _DATES or fld in ("lead_unit", "leader", "co_units", "category"):
        if old is None:
            return one(new)
        if new is None:
            return f"原为 {one(old)}"
        return f"{one(old)} → {one(new)}"
    return ""


def _date(value) -> dt.date | None:
    try:
        return to_date(value)
    except (TypeError, ValueError):
        return None


def _records(changes, rules, overwritten: bool = False) -> list[Record]:
    """The records one change wrote: appended log entries, a new or rewritten report, reply, closure."""
    removed = {fld for fld, _, new in changes if new is None}
    out = []
    for fld, old, new in changes:
        if not isinstance(new, dict):
            continue
        m = _ENTRY.match(fld)
        name = m.group(1) if m else fld
        edited = fld in removed  # an entry rewritten in place (removed and appended at one position)
        if name == "progress":
            out.append(Record("进展" + ("（修改）" if edited else ""), _date(new.get("date")), rules.unit_name(str(new.get("by", ""))), str(new.get("text", ""))))
        elif name == "reviews":
            out.append(Record(schema.REVIEW_RESULTS.get(new.get("result"), "审核"), _date(new.get("date")), str(new.get("by", "")), str(new.get("opinion", ""))))
        elif name == "extensions":
            if new.get("approved"):
                out.append(Record("批准延期", _date(new["approved"]), rules.leader_name(str(new.get("approved_by", ""))), f"延期至 {new.get('new_deadline')}"))
            elif new.get("rejected"):
                out.append(Record("不予延期", _date(new["rejected"]), rules.leader_name(str(new.get("approved_by", "")))))
            else:
                out.append(Record("申请延期", _date(new.get("requested")), "", str(new.get("reason", ""))))
        elif name == "reminders":
            out.append(Record("催办", _date(new.get("date")), schema.REMINDER_METHODS.get(new.get("method"), ""), str(new.get("note", ""))))
        elif fld == "result":
            out.append(Record("报结" if old is None else "重新报结", _date(new.get("reported")), "", str(new.get("text", "")), overwritten))
        elif fld == "reply":
            out.append(Record("答复来信人", _date(new.get("date")), schema.REPLY_METHODS.get(new.get("method"), ""), str(new.get("text", ""))))
    return out


def record_events(item, rules, history: History | None) -> list[record.Event]:
    """The item's 办理过程: its file's records (``record.events``) with, before its report, every report the
    history shows a later one replaced in the file, in the order they happened: by date, and a report whose
    date was left as it was when it was rewritten by the day the rewrite landed (after that day's records)."""
    events = record.events(item, rules)
    versions = history.items.get(item.id, []) if history is not None else []
    reports = [(idx, new) for idx, _, _, _, changes, _ in versions for f, _, new in changes if f == "result" and isinstance(new, dict)]
    at = next((n for n, e in enumerate(events) if e.kind == "报结"), None)
    if len(reports) < 2 or at is None:
        return events
    lead = rules.unit_name(item.data["lead_unit"], item.assigned)
    dated = [(idx, _date(r.get("reported")), r) for idx, r in reports]
    dated = [d for d in dated if d[1] is not None]
    keyed, last = [], None
    for n, (idx, date, report) in enumerate(dated):
        if n == len(dated) - 1:
            event = dataclasses.replace(events[at], kind="重新报结") if n else events[at]
        else:
            event = record.Event(date, ("重新报结" if n else "报结") + "（已被取代）", lead, str(report.get("text", "")))
        if last is not None and event.date <= last:  # rewritten with the old date: placed when it landed
            landed = git_date(history.commits[idx].date)[0].astimezone(TZ).date()
            keyed.append(((max(event.date, landed), 1), event))
        else:
            keyed.append(((event.date, 0), event))
        last = event.date
    others = [((e.date, 0), e) for n, e in enumerate(events) if n != at]
    merged = others[:at] + keyed + others[at:]
    return [e for _, e in sorted(merged, key=lambda p: p[0])]
