"""The 审计 page and the lists behind it, as static pages (no script needed to read or filter them).

Findings are listed newest first (by the order their commits landed on the branch), ``PER_PAGE`` rows a
page.  ``audit/index.md`` summarises them by code and lists them all; every filter is a page set of its own:
by code, by the item's lead unit (commit-level findings have none) and by item, each also narrowed to the
open (待复核) or the reviewed (已复核) ones.  A finding's row is rendered once and only relinked per page.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from dataclasses import dataclass, field

from markupsafe import Markup

from ..core import codes
from ..ledger.register import DECISION_LABELS

PER_PAGE = 100  # findings per page: a page stays small (and quick on a phone) whatever the history holds
STATES = {"all": "全部", "open": "待复核", "reviewed": "已复核"}
NO_UNIT = "-"  # the unit slice of commit-level findings
NO_UNIT_LABEL = "无（提交层面）"
_ITEMS = "\x00audit-items\x00"  # placeholder: the link from the page at hand to items/index.md
_CODES = "\x00audit-codes\x00"  # placeholder: the link to the 校验规则 page


def _safe(key: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in key)


def list_src(key: str, state: str = "all", page: int = 1) -> str:
    """The page of one filter: ``audit/index.md`` (all findings, the page in the navigation), then under
    ``lists/audit/`` (beside the item lists, out of the navigation): ``all/all-2.md``, ``code/A101/open.md``,
    ``unit/fgw/reviewed-2.md``, ``commit/all.md`` (findings about no item), ``item/DC-2026-0001/all.md`` ..."""
    if key == "all" and state == "all" and page == 1:
        return "audit/index.md"
    return f"lists/audit/{key}/{state}{f'-{page}' if page > 1 else ''}.md"


def item_key(item_id: str) -> str:
    return f"item/{_safe(item_id)}"


@dataclass
class Row:
    finding: object  # AuditFinding, its message redacted for the site
    unit: str  # the item's lead unit code; NO_UNIT for a commit-level finding
    html: str = ""

    @property
    def state(self) -> str:
        return "reviewed" if self.finding.review else "open"


@dataclass
class Slice:
    key: str  # "all", "code/A101", "unit/fgw", "commit" (findings about no item), "item/DC-2026-0001"
    label: str
    rows: list[Row] = field(default_factory=list)
    item: str = ""  # the item of an item's slice

    @property
    def kind(self) -> str:
        """all | code | unit | item (a commit-level finding's "commit" slice is a unit's)."""
        return "unit" if self.key == "commit" else self.key.split("/")[0]

    def count(self, state: str = "all") -> int:
        return len(self.rows) if state == "all" else sum(1 for r in self.rows if r.state == state)

    def states(self) -> list[str]:
        """The states this slice has a page for: always all; open and reviewed when there are any (not per item)."""
        if self.item:
            return ["all"]
        return ["all"] + [s for s in ("open", "reviewed") if self.count(s)]


class AuditPages:
    """The audit findings the site may show, in the slices the 审计 pages list them by."""

    def __init__(self, builder):
        self.b = builder
        self.rows = self._rows()
        self.codes: dict[str, Slice] = {}
        self.units: dict[str, Slice] = {}
        self.items: dict[str, Slice] = {}
        for r in self.rows:
            f = r.finding
            self.codes.setdefault(f.code, Slice(f"code/{f.code}", f"{f.code} {codes.get(f.code).title}")).rows.append(r)
            if r.unit not in self.units:
                label = NO_UNIT_LABEL if r.unit == NO_UNIT else builder.rules.unit_name(r.unit)
                self.units[r.unit] = Slice("commit" if r.unit == NO_UNIT else f"unit/{_safe(r.unit)}", label)
            self.units[r.unit].rows.append(r)
            if f.item:
                self.items.setdefault(f.item, Slice(item_key(f.item), self._item_label(f.item), item=f.item)).rows.append(r)
        self.all = Slice("all", "全部", self.rows)
        self.codes = dict(sorted(self.codes.items()))
        self.units = dict(sorted(self.units.items(), key=lambda kv: (kv[0] == NO_UNIT, -len(kv[1].rows), kv[1].label)))
        self.open_by_item = Counter(r.finding.item for r in self.rows if r.finding.item and r.state == "open")

    def _rows(self) -> list[Row]:
        """The findings about items the site publishes (and commit-level ones), newest first: by landing order,
        the order within one commit kept."""
        b = self.b
        if b.history is None:
            return []
        order = {c.sha: i for i, c in enumerate(b.history.commits)}
        shown = [f for f in b.audit_findings if not f.item or b.is_public(f.item)]
        shown.sort(key=lambda f: -order.get(f.commit, len(order)))
        return [Row(dataclasses.replace(f, message=b.redact(f.message)), self._unit_of(f.item)) for f in shown]

    def _unit_of(self, item_id: str) -> str:
        """The item's lead unit: as published, else (an item no longer in the ledger) as its history last had it."""
        if not item_id:
            return NO_UNIT
        view = self.b.views.get(item_id)
        if view is not None:
            return view.lead_unit
        for version in reversed(self.b.history.items.get(item_id) or []):
            for fld, _, value in version[4]:
                if fld == "lead_unit" and isinstance(value, str):
                    return value
        return NO_UNIT

    def _item_label(self, item_id: str) -> str:
        view = self.b.views.get(item_id)
        return f"{view.number} {view.title}" if view is not None else item_id

    def slices(self) -> list[Slice]:
        return [self.all, *self.codes.values(), *self.units.values(), *self.items.values()]

    # -- rendering -----------------------------------------------------------
    def render_rows(self) -> None:
        """Each finding's table row, once, with placeholders for the links that depend on the page."""
        macro = self.b.env.get_template("_audit.html").module.finding_row
        tails = self.b._item_tail
        for r in self.rows:
            f = r.finding
            href = _ITEMS + tails[f.item] if f.item in tails else ""
            unit = "" if r.unit == NO_UNIT else self.units[r.unit].label
            r.html = str(macro(f, codes.get(f.code).title, href, _CODES + "#" + f.code, unit, DECISION_LABELS))

    def table(self, src: str, rows: list[Row]) -> Markup:
        links = self.b.links
        body = "\n".join(r.html for r in rows)
        body = body.replace(_ITEMS, links.rel(src, "items/index.md")).replace(_CODES, links.rel(src, "reference/codes.md"))
        return Markup(body)

    def build(self, recent: dict) -> None:
        """Every page of every slice; ``recent``: the latest commits, shown on ``audit/index.md`` only."""
        self.render_rows()
        for sl in self.slices():
            for state in sl.states():
                rows = sl.rows if state == "all" else [r for r in sl.rows if r.state == state]
                pages = max(1, -(-len(rows) // PER_PAGE))
                for n in range(1, pages + 1):
                    self._page(sl, state, n, pages, rows[(n - 1) * PER_PAGE : n * PER_PAGE], recent)

    def _page(self, sl: Slice, state: str, n: int, pages: int, rows: list[Row], recent: dict) -> None:
        src = list_src(sl.key, state, n)
        index = src == "audit/index.md"
        title = "审计" if index else "审计发现 · " + (sl.label if sl.key != "all" else "全部")
        if not index and state != "all":
            title += f" · {STATES[state]}"
        if n > 1:
            title += f"（第 {n} 页）"
        meta = {"search": {"exclude": True}, "hide": ["navigation", "toc"]}  # the table needs the width
        if not index:  # the lists behind the 审计 page: not in the navigation, rendered like the item lists
            meta["template"] = "ducha/fast.html"
        self.b.add(
            src, title, "audit.html", meta=meta, audit=self, slice=sl, state=state, states=STATES,
            rows_html=self.table(src, rows), shown=len(rows), page_no=n,
            page_srcs=[list_src(sl.key, state, k) for k in pager(n, pages)], page_nos=pager(n, pages), pages=pages,
            index=index, list_src=list_src, item_page=self._item_page(sl), **(recent if index else {"recent": [], "changed": {}}),
        )  # fmt: skip

    def _item_page(self, sl: Slice) -> str | None:
        """The item page of an item's slice (when the item is published)."""
        return self.b.views[sl.item].src if sl.item in self.b.views else None

    def chip_src(self, sl: Slice, state: str) -> str:
        """Where a filter chip leads: that slice in the state at hand, or all of it when it has none in that state."""
        return list_src(sl.key, state if state in sl.states() else "all")


def pager(n: int, pages: int) -> list[int]:
    """The page numbers a pager shows: the first, the last and two either side of page ``n``."""
    return sorted({1, pages} | {k for k in range(n - 2, n + 3) if 1 <= k <= pages})
