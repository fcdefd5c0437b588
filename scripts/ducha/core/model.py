"""An item: the parsed YAML of one file, with typed access to its fields."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

WORKING_STATUSES = ("assigned", "in_progress", "returned")  # the unit owes work (not waiting for review)

DATE_FIELDS = ("assigned", "deadline", "closed")
NESTED_DATE_FIELDS = {
    "approval": ("date",),
    "result": ("reported",),
    "cancellation": ("date",),
    "reply": ("date",),
}
LIST_DATE_FIELDS = {
    "progress": ("date",),
    "reminders": ("date",),
    "extensions": ("requested", "approved", "rejected", "new_deadline"),
    "reviews": ("date",),
}
LIST_DATETIME_FIELDS = {"circulation": ("sent", "returned")}


def to_date(value) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


def to_datetime(value) -> dt.datetime:
    """A naive local (Beijing) time; a time with a UTC offset is refused, like the schema's format."""
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            raise ValueError("time zone offsets are not allowed")
        return value
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day)
    text = str(value).replace("T", " ")
    return dt.datetime.fromisoformat(text) if " " in text else dt.datetime.fromisoformat(text + " 00:00")


def typed_dates(data: dict) -> list[tuple[str, object]]:
    """Convert date strings in place to ``date``/``datetime``; return (field, bad value) pairs."""
    bad = []

    def fix(container, key, conv, fpath):
        if key in container and container[key] is not None:
            try:
                container[key] = conv(container[key])
            except (ValueError, TypeError):
                bad.append((fpath, container[key]))

    for key in DATE_FIELDS:
        fix(data, key, to_date, key)
    for parent, keys in NESTED_DATE_FIELDS.items():
        sub = data.get(parent)
        if isinstance(sub, dict):
            for key in keys:
                fix(sub, key, to_date, f"{parent}.{key}")
    for parents, conv in ((LIST_DATE_FIELDS, to_date), (LIST_DATETIME_FIELDS, to_datetime)):
        for parent, keys in parents.items():
            entries = data.get(parent)
            for i, entry in enumerate(entries if isinstance(entries, list) else []):
                if isinstance(entry, dict):
                    for key in keys:
                        fix(entry, key, conv, f"{parent}[{i}].{key}")
    return bad


NOT_EVENTS = ("deadline", "new_deadline")  # dates that say when something is due, not when it happened


def event_dates(data: dict):
    """(field, date) of everything a typed item records as having happened, in the tables' order;
    a circulation time gives its day."""
    for key in DATE_FIELDS:
        if key not in NOT_EVENTS and data.get(key):
            yield key, data[key]
    for parent, keys in NESTED_DATE_FIELDS.items():
        if data.get(parent):
            for key in keys:
                yield f"{parent}.{key}", data[parent][key]
    for parents in (LIST_DATE_FIELDS, LIST_DATETIME_FIELDS):
        for parent, keys in parents.items():
            for i, entry in enumerate(data.get(parent) or ()):
                for key in keys:
                    if key not in NOT_EVENTS and entry.get(key):
                        value = entry[key]
                        yield f"{parent}[{i}].{key}", value.date() if isinstance(value, dt.datetime) else value


@dataclass
class Item:
    """``path`` is the display path (posix, relative to the ledger root)."""

    id: str
    path: str
    data: dict
    text: str | None = field(default=None, repr=False)

    def __getitem__(self, key):
        return self.data[key]

    def get(self, key, default=None):
        return self.data.get(key, default)

    @property
    def status(self) -> str:
        return self.data["status"]

    @property
    def private_names(self) -> tuple[str, ...]:
        """Names that must never be published with this item (a letter's sender), for ``mask_text``."""
        name = (self.data.get("citizen") or {}).get("name")
        return (name,) if name else ()

    @property
    def title(self) -> str:
        return self.data["title"]

    @property
    def assigned(self) -> dt.date:
        return self.data["assigned"]

    @property
    def closed(self) -> dt.date | None:
        return self.data.get("closed")

    @property
    def year(self) -> int:
        return int(self.id.split("-")[1])

    def log(self, name: str) -> list[dict]:
        return self.data.get(name) or []

    def is_open_on(self, day: dt.date) -> bool:
        """Open at the end of ``day`` judged from this version's fields."""
        if self.status == "cancelled":
            return False
        if self.status == "draft":
            return False
        closed = self.closed
        return not (closed and closed <= day)

    def closed_on_or_before(self, day: dt.date) -> bool:
        return self.status == "closed" and self.closed is not None and self.closed <= day

    def last_progress_date(self) -> dt.date | None:
        dates = [p["date"] for p in self.log("progress") if isinstance(p.get("date"), dt.date)]
        return max(dates) if dates else None

    def has_delay_explanation(self, as_of: dt.date) -> bool:
        if any(p.get("delay_reason") and p["date"] <= as_of for p in self.log("progress")):
            return True
        return any(
            e["requested"] <= as_of and "approved" not in e and "rejected" not in e for e in self.log("extensions")
        )

    def late_without_explanation(self, deadline: dt.date | None, as_of: dt.date) -> bool:
        """Past ``deadline`` at ``as_of`` while the unit owes the work, with neither a delay reason nor a
        pending extension request: D601, a candidate for 通报批评 (an item reported and awaiting review is not)."""
        return (
            self.status in WORKING_STATUSES
            and deadline is not None
            and as_of > deadline
            and not self.has_delay_explanation(as_of)
        )
