"""An item's own record, as one list of dated events (交办, 进展, 催办, 延期, 报结, 审核, 答复, 办结, 撤销).

What the item file says happened and when, oldest first: ``ducha show`` prints it and the item page
shows it (its 办理过程), so both always list the same events. What git says happened to the file is the
history's timeline (``history.History.timeline``), not this.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from . import schema
from .model import Item
from .rules import Rules


@dataclass(frozen=True)
class Event:
    date: dt.date
    kind: str  # 交办, 拟办意见, 进展, 催办, 申请延期, 批准延期, 不予延期, 报结, 审核结果, 答复来信人, 办结, 撤销
    who: str = ""
    text: str = ""
    reason: str | None = None  # a progress report's 说明原因 (delay_reason)


def events(item: Item, rules: Rules) -> list[Event]:
    """Every dated record of the item, oldest first (records of one day in the order written)."""
    d = item.data
    lead = rules.unit_name(d["lead_unit"], item.assigned)
    out = []
    if d.get("approval"):
        a = d["approval"]
        out.append(Event(a["date"], "拟办意见", f"{rules.leader_name(a['by'])}审批", a["opinion"]))
    out.append(Event(item.assigned, "交办", lead))
    for p in d.get("progress") or []:
        out.append(Event(p["date"], "进展", rules.unit_name(p["by"]), p["text"], p.get("delay_reason")))
    for r in d.get("reminders") or []:
        out.append(Event(r["date"], "催办", schema.REMINDER_METHODS[r["method"]], r.get("note", "")))
    for e in d.get("extensions") or []:
        out.append(Event(e["requested"], "申请延期", "", e["reason"]))
        if e.get("approved"):
            out.append(Event(e["approved"], "批准延期", rules.leader_name(e.get("approved_by", "")), f"延期至 {e['new_deadline']}"))
        elif e.get("rejected"):
            out.append(Event(e["rejected"], "不予延期", rules.leader_name(e.get("approved_by", "")), ""))
    if d.get("result"):
        out.append(Event(d["result"]["reported"], "报结", lead, d["result"]["text"]))
    for r in d.get("reviews") or []:
        out.append(Event(r["date"], schema.REVIEW_RESULTS[r["result"]], r.get("by", ""), r.get("opinion", "")))
    if d.get("reply"):
        out.append(Event(d["reply"]["date"], "答复来信人", schema.REPLY_METHODS[d["reply"]["method"]], d["reply"].get("text", "")))
    if d.get("closed"):
        out.append(Event(d["closed"], "办结"))
    if d.get("cancellation"):
        c = d["cancellation"]
        out.append(Event(c["date"], "撤销", rules.leader_name(c["by"]), c["reason"]))
    return sorted(out, key=lambda e: e.date)
