"""The workflow (状态流转) and the rules that compare two versions of an item.

Used by ``ducha check --base`` (versions along a pull request) and by the audit
(versions along the history of main): one definition of what is legal.
"""

from __future__ import annotations

from dataclasses import dataclass

from .schema import STATUSES

OPEN = ("draft", "assigned", "in_progress", "reported", "returned")
TRANSITIONS: dict[str, set[str]] = {
    "draft": {"assigned", "cancelled"},
    "assigned": {"in_progress", "cancelled"},
    "in_progress": {"reported", "cancelled"},
    "reported": {"closed", "returned", "cancelled"},
    "returned": {"in_progress", "reported", "cancelled"},
    "closed": set(),
    "cancelled": set(),
}
APPEND_ONLY = ("progress", "reminders", "extensions", "reviews")
FROZEN_EXCEPT = ("circulation", "reply")  # what may still be added to a closed/cancelled item
FILED_LATER = ("batch", "seq")  # where it came from: may be filed on a closed item once, never changed
# the figure a progress report states in its text (序时进度): may be added to an existing entry of an open item
# once, the rest of the entry unchanged, so that reports written before figures existed can be read; never changed
FIGURES_FILED_LATER = ("value", "percent")
DECISION_KEYS = {"approved_by", "approved", "rejected", "new_deadline"}
DEFAULT_DEADLINE_BASIS = ("assigned", "category", "urgency")  # what the default deadline is computed from


@dataclass(frozen=True)
class Violation:
    code: str  # T1xx
    field: str
    message: str


def legal_transition(old: str, new: str) -> bool:
    return old == new or new in TRANSITIONS.get(old, set())


def _decided_later(old: dict, new: dict) -> bool:
    """A pending extension request that has just been decided: the only legal edit of a log entry."""
    if not isinstance(old, dict) or not isinstance(new, dict):
        return False
    pending = not (DECISION_KEYS & set(old))
    same_request = {k: v for k, v in new.items() if k not in DECISION_KEYS} == old
    return pending and same_request


def without_deadline(data: dict, open_ended) -> bool:
    """Whether a version of an item has no deadline at all: none stated, no approved extension's, and its
    category is one of ``open_ended`` (``Rules.open_ended``: the categories with ``deadline: none``)."""
    if data.get("deadline") is not None or data.get("category") not in open_ended:
        return False
    return not any(isinstance(e, dict) and e.get("approved") and e.get("new_deadline") for e in data.get("extensions") or [])


def compare(old: dict | None, new: dict | None, open_ended=frozenset()) -> list[Violation]:
    """What is illegal in going from version ``old`` to ``new`` of one item (both parsed, typed or not).

    ``open_ended``: the categories without a default deadline.  An assigned item that has no deadline may be
    given one (a stated deadline, or a category with a default): that tightens, it moves nothing (no T102).
    Taking a deadline away (removing it, or moving the item into such a category) loosens it: T102."""
    out: list[Violation] = []
    if old is None or new is None:
        return out
    o_status, n_status = old.get("status"), new.get("status")
    if old.get("id") != new.get("id"):
        out.append(Violation("T107", "id", f"编号从 {old.get('id')} 改成了 {new.get('id')}。"))
    if o_status in STATUSES and n_status in STATUSES and not legal_transition(o_status, n_status):
        allowed = "、".join(STATUSES[s] for s in sorted(TRANSITIONS[o_status])) or "无（已终结）"
        out.append(
            Violation(
                "T101", "status",
                f"状态从“{STATUSES[o_status]}”直接改为“{STATUSES[n_status]}”不符合办理流程；当前状态下一步只能是：{allowed}。",
            )
        )  # fmt: skip
    if o_status in ("closed", "cancelled"):
        changed = sorted(
            k for k in set(old) | set(new)
            if old.get(k) != new.get(k) and k not in FROZEN_EXCEPT and not (k in FILED_LATER and old.get(k) is None)
        )  # fmt: skip
        if not _circulation_extended(old.get("circulation") or [], new.get("circulation") or []):
            changed.append("circulation")
        if old.get("reply") and old.get("reply") != new.get("reply"):
            changed.append("reply")
        if changed:
            out.append(Violation("T104", changed[0], f"事项{STATUSES[o_status]}，不能再修改 {'、'.join(changed)}。"))
        return out
    for name in APPEND_ONLY:
        o_log, n_log = old.get(name) or [], new.get(name) or []
        for i, entry in enumerate(o_log):
            if i >= len(n_log):
                out.append(Violation("T103", name, f"删除了 {name} 的第 {i + 1} 条记录（共 {len(o_log)} 条，现 {len(n_log)} 条）。"))
                break
            if n_log[i] != entry and not (name == "extensions" and _decided_later(entry, n_log[i])) and not (
                name == "progress" and _figure_filed(entry, n_log[i])
            ):
                out.append(Violation("T103", f"{name}[{i}]", f"修改了 {name} 的第 {i + 1} 条已有记录；记录只能在末尾追加。"))
    if o_status == "draft":
        return out  # not assigned yet: the deadline is being set, not moved
    if without_deadline(old, open_ended):
        return out  # no deadline to move: one set now is the first, and only tightens
    if old.get("deadline") != new.get("deadline"):
        # `deadline` keeps the term set at assignment; an approved extension's new_deadline supersedes it.
        hint = "延期已在 extensions 中记录，deadline 应保持交办时的原期限" if _newly_approved(old, new, new.get("deadline")) else "没有同时追加经批准的延期"
        out.append(Violation("T102", "deadline", f"办理期限从 {_shown(old.get('deadline'))} 改为 {_shown(new.get('deadline'))}：{hint}。"))
    elif new.get("deadline") is None:
        # no explicit deadline: the category's default counts from the assignment date at the item's urgency
        for key in DEFAULT_DEADLINE_BASIS:
            if old.get(key) != new.get(key):
                out.append(
                    Violation("T102", key, f"事项按默认期限计算，{key} 从 {_shown(old.get(key))} 改为 {_shown(new.get(key))} 会移动办理期限，但没有同时追加经批准的延期。")
                )  # fmt: skip
                break
    return out


def _figure_filed(old: dict, new: dict) -> bool:
    """A progress entry that has just been given the figure its text states (``value`` or ``percent``)."""
    if not isinstance(old, dict) or not isinstance(new, dict) or set(FIGURES_FILED_LATER) & set(old):
        return False
    return {k: v for k, v in new.items() if k not in FIGURES_FILED_LATER} == old


def _shown(value) -> str:
    """A field's value in a message: "（未写）" for one that is absent, never "None"."""
    return "（未写）" if value is None else str(value)


def _circulation_extended(old: list, new: list) -> bool:
    """Entries only appended, or an existing entry only completed with its ``returned`` time
    (the leader sends the paper back after the item was closed)."""
    if len(old) > len(new):
        return False
    for o, n in zip(old, new):
        if o == n:
            continue
        if not (isinstance(o, dict) and isinstance(n, dict)) or "returned" in o:
            return False
        if {k: v for k, v in n.items() if k != "returned"} != o:
            return False
    return True


def _newly_approved(old: dict, new: dict, deadline) -> bool:
    """Whether ``new`` adds (or decides) an approved extension whose new deadline is ``deadline``."""
    before = [e for e in old.get("extensions") or [] if isinstance(e, dict) and e.get("approved")]
    after = [e for e in new.get("extensions") or [] if isinstance(e, dict) and e.get("approved")]
    return len(after) > len(before) and after[-1].get("new_deadline") == deadline
