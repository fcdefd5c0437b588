"""The intranet site's generated pages, as plain data: no MkDocs here.

``SiteBuilder`` turns a checked ledger (plus, when available, its history,
audit findings, statistics and bulletins) into ``SitePage`` objects: a source
URI, a title, ready HTML and front-matter meta.  The MkDocs plugin registers
them as generated files and injects the HTML, so no item text ever goes
through Markdown, and every piece of item text is escaped by Jinja2.
"""

from __future__ import annotations

import dataclasses
import functools
import datetime as dt
import os
import posixpath
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import jinja2
from markupsafe import Markup

from .. import TEMPLATES
from ..core import codes
from ..core import schema
from ..counting.basis import basis_markdown
from ..history import itemlog
from ..core.deadlines import LIGHTS, standing
from ..core.pace import CLASSES as pace_classes
from ..core.formats import beijing, with_label
from ..ledger.checked import Ledger
from ..core.markup import md_cell, md_no_html
from ..documents.bodymarks import strip as strip_marks
from ..core.mask import contact_numbers, mask_id_number, mask_name, mask_phone, mask_text
from ..core.model import Item
from ..core.rules import successor
from .auditpages import AuditPages, item_key, list_src as audit_src
from .tokens import tokens

SECRECY_ORDER = {"public": 0, "internal": 1}
_ITEM_REF = re.compile(r"(?<![A-Za-z0-9-])DC-\d{4}-\d{4,5}(?![0-9])")  # an item id in free text
TEMPLATE_DIR = TEMPLATES / "site"


@dataclass
class SitePage:
    src_uri: str
    title: str
    html: str
    meta: dict = field(default_factory=dict)
    edit_path: str | None = None  # repository path of the real source (an item's YAML)
    markdown: str | None = None  # pages written as Markdown (rendered by MkDocs) instead of ready HTML
    search_html: str | None = None  # indexed for full-text search instead of ``html`` (item pages: the summary)
    search_entries: list | None = None  # ``search_html`` already made into index entries by ``search_indexer``


def page_url(src_uri: str, use_directory_urls: bool = True) -> str:
    """The URL MkDocs gives a Markdown source file (relative to the site root)."""
    stem = src_uri[:-3] if src_uri.endswith(".md") else src_uri
    if stem == "index" or stem.endswith("/index"):
        return stem[: -len("index")]
    return stem + "/" if use_directory_urls else stem + ".html"


_RELATIVE: dict[tuple[bool, str, str], str] = {}  # (directory URLs, from, to) -> relative link: pure, kept


class Links:
    def __init__(self, use_directory_urls: bool = True):
        self.dir_urls = use_directory_urls

    def rel(self, from_src: str, to_src: str, anchor: str = "") -> str:
        key = (self.dir_urls, from_src, to_src)
        rel = _RELATIVE.get(key)
        if rel is None:
            rel = _RELATIVE[key] = self._rel(from_src, to_src)
        return rel + anchor

    def _rel(self, from_src: str, to_src: str) -> str:
        here = page_url(from_src, self.dir_urls)
        there = page_url(to_src, self.dir_urls)
        base = here if here.endswith("/") or not here else posixpath.dirname(here) + "/"
        rel = posixpath.relpath(there or ".", base or ".")
        if there.endswith("/") and not rel.endswith("/"):
            rel += "/"
        if rel == "./":
            rel = "./"
        return rel


def item_src(item_id: str) -> str:
    return f"items/{item_id}.md"


class ItemView:
    """What a page shows of one item: display values, masked where needed."""

    audit_open = 0  # open (unreviewed) audit findings about the item, set by SiteBuilder.build

    def __init__(self, item: Item, ledger: Ledger, cal, as_of: dt.date):
        rules = ledger.rules
        d = item.data
        self.item = item
        self.written = ledger.written.get(item.id, item)  # the file as written, when the counts correct it
        self.id = item.id
        self.src = item_src(item.id)
        self.number = rules.display_number(item.id)
        citizen = d.get("citizen") or {}
        self._private = item.private_names
        self._keep = rules.public_phones
        self.title = self.mask(d["title"])
        self.status = item.status
        self.status_label = schema.STATUSES[item.status]
        st = standing(item, rules, cal, as_of)
        self.deadline, self.light, self.overdue_days = st.deadline, st.light, st.overdue_days
        self.pace = st.pace
        self.light_label = LIGHTS[self.light]
        self.lead_unit = d["lead_unit"]
        self.lead_unit_name = rules.unit_name(d["lead_unit"], item.assigned)
        self.co_unit_names = [rules.unit_name(u, item.assigned) for u in d.get("co_units") or []]
        self.batch_label = rules.batch_label(d.get("batch"), d.get("seq"))
        self.category = d["category"]
        self.category_name = rules.categories[d["category"]].name if d["category"] in rules.categories else d["category"]
        self.leader = d["leader"]
        self.leader_name = rules.leader_name(d["leader"])
        self.assigned = item.assigned
        self.closed = item.closed
        self.urgency_label = schema.URGENCIES[d["urgency"]]
        self.secrecy_label = schema.SECRECY[d["secrecy"]]
        self.citizen = (
            {
                "name": mask_name(citizen["name"]) if citizen.get("name") else "",
                "phone": mask_phone(citizen["phone"]) if citizen.get("phone") else "",
                "id_number": mask_id_number(citizen["id_number"]) if citizen.get("id_number") else "",
            }
            if citizen
            else None
        )

    @property
    def target_text(self) -> str:
        """``棚户区改造新开工 3200 户``."""
        t = self.pace.target
        return self.mask(" ".join(x for x in (t.get("name"), f"{_number(t['value'])} {t['unit']}") if x))

    @property
    def reported_text(self) -> str:
        """``2980 户（2026-11-10 报告）``, ``93.1%（…）``, or that nothing has been reported yet."""
        entry = self.pace.reported
        if entry is None:
            return "尚未报告完成数"
        shown = f"{_number(entry['value'])} {self.pace.target['unit']}" if "value" in entry else f"{_number(entry['percent'])}%"
        return f"{shown}（{entry['date'].isoformat()} 报告）"

    def mask(self, text):
        return mask_text(str(text), self._private, self._keep) if text is not None else ""


class SiteBuilder:
    def __init__(
        self,
        ledger: Ledger,
        as_of: dt.date,
        commit: str | None = None,
        history=None,
        audit_findings=None,
        stats=None,
        bulletins=None,
        template_dirs: list[Path] | None = None,
        per_page: int = 200,
        use_directory_urls: bool = True,
        search_indexer=None,
        reuse=None,
        keep=None,
    ):
        """``history``/``audit_findings``: the audited branch (item lists and the dashboard mark items with open
        audit findings). ``search_indexer(search_html, meta) -> entries``: the site
        generator's own indexing of a page's search summary, run here while item pages are rendered (in
        parallel from ``PARALLEL_ITEMS`` on). ``keep``: an ``incremental.SiteState`` to record this build's
        views, rows, item pages and list pages in; ``reuse``: the same state, whose last build's are reused
        where their item is the same object (a preview's rebuild of the same generation)."""
        self.reuse, self.keep = reuse, keep
        self._last_stamp = reuse.stamp if reuse is not None else None  # what the reused pages show
        self.ledger = ledger
        self.search_indexer = search_indexer
        self.rules = ledger.rules
        self.as_of = as_of
        self.commit = commit
        self.history = history
        self.audit_findings = audit_findings or []
        self.per_page = per_page
        self.links = Links(use_directory_urls)
        self.cal = self.rules.calendar()
        self._select_published()
        self.stats = stats if stats is not None else self._published_stats()
        self._names = ledger.private_names()
        env_key = (tuple(str(p) for p in template_dirs or []), self._names, repr(self.rules.public_phones))
        kept_env = self.reuse.env if self.reuse is not None else None
        self.env = kept_env[1] if kept_env is not None and kept_env[0] == env_key else self._environment(template_dirs)
        if keep is not None:  # its templates compiled once (Jinja still reloads a template file that changed)
            keep.env = (env_key, self.env)
        # a bulletin's title is free text too (the archive, the dashboard, the page's own title)
        keep = self.rules.public_phones
        self.bulletins = [{**b, "title": mask_text(b["title"], self._names, keep)} for b in bulletins or []]
        self.pages: list[SitePage] = []
        self._rows: dict[str, str] = {}
        self._linked_rows: dict[str, dict[str, str]] = {}  # the way to the items -> item id -> its row so linked
        if self.reuse is not None:  # the rows of unchanged items, as the last build rendered them
            self._rows = {i: row for i, row in self.reuse.rows.items() if i in self.views and i not in self.fresh}
        self._lists: dict = {}  # list page key -> HTML, for the next build
        self._number_ref = None
        base = page_url("items/index.md", use_directory_urls)
        self._item_tail = {i: page_url(item_src(i), use_directory_urls)[len(base):] for i in self.views}

    def _select_published(self) -> None:
        """The items the site publishes (up to the rules' ``max_secrecy``, in ledger order) and their views."""
        self.limit = limit = SECRECY_ORDER[self.rules.max_secrecy]
        self.withholding = limit < max(SECRECY_ORDER.values())  # some valid item may be left unpublished
        self.items = [i for i in self.ledger.sorted_items() if SECRECY_ORDER.get(i["secrecy"], 99) <= limit]
        last = self.reuse.views if self.reuse is not None else {}
        written = self.ledger.written
        self.views, kept = {}, {}
        self.fresh: set[str] = set()  # the items whose view is made anew (all, unless a rebuild reuses)
        for i in self.items:
            old = last.get(i.id)
            if old is not None and old[0] is i and i.id not in written:
                self.views[i.id] = old[1]
            else:
                self.views[i.id] = ItemView(i, self.ledger, self.cal, self.as_of)
                self.fresh.add(i.id)
            if i.id not in written:  # an item the counts correct is made anew every time
                kept[i.id] = (i, self.views[i.id])
        if self.keep is not None:
            self.keep.views = kept
        if self.withholding and self.reuse is not None and (self.fresh or set(last) - set(self.views)):
            self.reuse = None  # which items are named where depends on every item's level: make all anew
            self.fresh = set(self.views)

    def _published_stats(self):
        """Statistics of the published items only (when none were given)."""
        from ..counting import stats as stats_mod

        items = {i.id: i for i in self.items}
        published = Ledger(self.ledger.root, self.rules, self.as_of, items=items, commit=self.commit,
                           trust=self.ledger.trust, written=self.ledger.written)  # fmt: skip
        return stats_mod.compute(published, self.as_of, memo=self.keep.facts if self.keep is not None else None)

    def _environment(self, template_dirs: list[Path] | None) -> jinja2.Environment:
        """The Jinja2 environment: ``template_dirs`` (those that exist) before the built-in templates."""
        loaders = [jinja2.FileSystemLoader([str(p) for p in template_dirs or [] if Path(p).is_dir()])]
        loaders.append(jinja2.FileSystemLoader(str(TEMPLATE_DIR)))
        env = jinja2.Environment(
            loader=jinja2.ChoiceLoader(loaders),
            autoescape=True,
            trim_blocks=True,
            lstrip_blocks=True,
            undefined=jinja2.StrictUndefined,
        )
        env.filters["date"] = lambda d: d.isoformat() if d else ""
        # times in Beijing time: ``|dt`` under a header that says so (``"时间"|bj_header``), ``|bj`` with the label
        # (equal times are the same instant, and show alike: each commit's time is on each item it changed)
        env.filters["dt"] = _memo(lambda d: beijing(d, label=False) if d else "")
        env.filters["bj"] = _memo(lambda d: beijing(d) if d else "")
        env.filters["bj_header"] = with_label
        env.filters["tokens"] = tokens  # ids, document numbers and hashes in text kept on one line
        # commit messages and audit findings are free text too: masked like item text, with every citizen's name
        names, keep = self._names, self.rules.public_phones
        masked = _memo(lambda text: mask_text(text, names, keep))  # a merge's message is on each item it changed
        env.filters["mask"] = lambda text: masked(str(text)) if text is not None else ""
        return env

    # -- items above max_secrecy ----------------------------------------------
    # An item the site does not publish is not named anywhere on it: no audit finding about it, and in
    # free text (commit messages, audit messages, bulletins) its id, number and title are withheld.
    WITHHELD_ITEM = "（不公开事项）"
    WITHHELD_LINE = "（此处涉及不在本站公开的事项，已略去。）"

    def is_public(self, item_id: str) -> bool:
        """Whether the site may name ``item_id``: published here, or (no longer in the ledger) last seen in the
        history at a level the site publishes.  An id the ledger and history do not know names nothing."""
        if item_id in self.views:
            return True
        if item_id in self.ledger.items:
            return False
        for version in reversed((self.history.items.get(item_id) or []) if self.history is not None else []):
            for fld, _, value in version[4]:
                if fld == "secrecy" and value is not None:
                    return SECRECY_ORDER.get(value, 99) <= self.limit
        return True

    def _withheld_refs(self, text: str) -> list[tuple[int, int, str]]:
        """(start, end, id) of every mention of a withheld item in ``text``: its id or its display number."""
        if not self.withholding or not text:
            return []
        if self._number_ref is None:
            self._number_ref = re.compile(re.escape(self.rules.doc_code) + r"〔(\d{4})〕(\d{1,5})号")
        refs = [(m.start(), m.end(), m.group(0)) for m in _ITEM_REF.finditer(text)]
        refs += [(m.start(), m.end(), f"DC-{m.group(1)}-{int(m.group(2)):04d}") for m in self._number_ref.finditer(text)]
        return sorted(r for r in refs if not self.is_public(r[2]))

    def _withheld_titles(self, ids) -> list[str]:
        return sorted({self.ledger.items[i].title for i in ids if i in self.ledger.items} - {""}, key=len, reverse=True)

    def redact(self, text) -> str:
        """Short free text (a commit message, an audit finding) with withheld items' ids, numbers and titles replaced."""
        text = "" if text is None else str(text)
        refs = self._withheld_refs(text)
        if not refs:
            return text
        for title in self._withheld_titles(r[2] for r in refs):
            text = text.replace(title, self.WITHHELD_ITEM)
        out, at = [], 0
        for start, end, _ in self._withheld_refs(text):
            if start >= at:
                out += [text[at:start], self.WITHHELD_ITEM]
                at = end
        return "".join(out) + text[at:]

    def redact_lines(self, text: str, named=()) -> str:
        """A bulletin's Markdown without the lines that name a withheld item (by id, number, or the title of one of
        ``named``, the items it lists): a table row is left out, any other line says what was left out."""
        if not self.withholding:
            return text
        titles = self._withheld_titles(i for i in named if not self.is_public(i))
        out = []
        for line in text.split("\n"):
            if self._withheld_refs(line) or any(t in line for t in titles):
                if not line.lstrip().startswith("|"):
                    out.append(self.WITHHELD_LINE)
                continue
            out.append(line)
        return "\n".join(out)

    # -- helpers -------------------------------------------------------------
    _HREF = "\x00href\x00"
    _AUDIT_HREF = "\x00audit-href\x00"  # an item's audit findings (``audit_src(item_key(id))``)

    def rows(self, src: str, views) -> list[Markup]:
        """Item table rows for the page ``src``: each item's row is rendered once and only relinked."""
        return [Markup(row) for row in self._row_texts(src, views)]

    def joined_rows(self, src: str, views) -> Markup:
        """``rows`` as one text, each row followed by a line break: what ``item_table`` makes of the rows."""
        rows = self._row_texts(src, views)
        return Markup("\n".join(rows) + "\n" if rows else "")

    def _row_texts(self, src: str, views) -> list[str]:
        prefix = self.links.rel(src, "items/index.md")
        cache = self._rows
        # the rows linked from pages with this way to the items (all lists of one depth): an item is in
        # dozens of lists, its row relinked once
        linked = self._linked_rows.get(prefix)
        if linked is None:
            linked = self._linked_rows[prefix] = {}
        macro = None
        out = []
        for v in views:
            row = linked.get(v.id)
            if row is None:
                row = cache.get(v.id)
                if row is None:
                    macro = macro or self.env.get_template("_macros.html").module.item_row
                    row = cache[v.id] = str(macro(v, self._HREF, self._AUDIT_HREF))
                row = linked[v.id] = row.replace(self._HREF, prefix + self._item_tail[v.id])
            if v.audit_open:
                row = row.replace(self._AUDIT_HREF, self.links.rel(src, audit_src(item_key(v.id))))
            out.append(row)
        return out

    def render(self, template: str, src: str, **context) -> str:
        def link(target: str, anchor: str = "") -> str:
            return self.links.rel(src, target, anchor)

        return self.env.get_template(template).render(
            link=link,
            rows=lambda views: self.rows(src, views),
            joined_rows=lambda views: self.joined_rows(src, views),
            item_src=item_src,
            rules=self.rules,
            as_of=self.as_of,
            commit=self.commit,
            schema=schema,
            codes=codes,
            lights=LIGHTS,
            stamp=self.stamp(),
            **context,
        )

    def stamp(self) -> Markup:
        version = f"，版本 <code>{self.commit[:10]}</code>" if self.commit else "，版本：工作区（含未提交的修改）"
        return Markup(f"数据截至 {self.as_of.isoformat()}{version}")

    def add(self, src: str, title: str, template: str, meta: dict | None = None, edit_path: str | None = None,
            search_template: str | None = None, **ctx):  # fmt: skip
        html = self.render(template, src, title=title, **ctx)
        search = self.render(search_template, src, title=title, **ctx) if search_template else None
        self.pages.append(SitePage(src, title, html, meta or {}, edit_path, search_html=search))

    def list_pages(self, base: str, title: str, ids: list[str], intro: str = "", basis: str = "") -> str:
        """Paginated item lists at ``base.md``, ``base/2.md`` ...; returns the first page's src."""
        views = [self.views[i] for i in ids if i in self.views]
        chunks = [views[i : i + self.per_page] for i in range(0, len(views), self.per_page)] or [[]]
        srcs = [f"{base}.md"] + [f"{base}-{n}.md" for n in range(2, len(chunks) + 1)]
        meta = {"search": {"exclude": True}, "hide": ["navigation", "toc"], "template": "ducha/fast.html"}
        last = self.reuse.lists if self.reuse is not None else {}
        for n, (src, chunk) in enumerate(zip(srcs, chunks), 1):
            page_title = title if n == 1 else f"{title}（第 {n} 页）"
            key = (src, page_title, tuple(v.id for v in chunk), len(views), intro, basis, n, tuple(srcs))
            html = self._restamped(last.get(key))
            if html is None or any(v.id in self.fresh for v in chunk):
                html = self.render("list.html", src, title=page_title, views=chunk, total=len(views), intro=intro,
                                   basis=basis, page_no=n, page_srcs=srcs)  # fmt: skip
            self._lists[key] = html
            self.pages.append(SitePage(src, page_title, html, dict(meta)))
        return srcs[0]

    # -- pages ---------------------------------------------------------------
    office_pdf = True  # bulletins' PDF versions through LibreOffice when it is installed (``site.officedocs``)

    def build(self) -> list[SitePage]:
        # item lists and the dashboard mark the items with open audit findings
        self.audit = AuditPages(self)
        for item_id, n in self.audit.open_by_item.items():
            if item_id in self.views:
                self.views[item_id].audit_open = n
        self.pages = []
        self.downloads: dict[str, bytes] = {}  # files that are no pages (a bulletin's 附件 .xlsx, .docx, .pdf), by URI
        # the item pages are made from what is known by now: a forked process starts on most of them while
        # this one makes the other pages, then the rest of the item pages
        forked = self._start_item_pages()
        try:
            self.list_pages("items/index", "全部事项", [v.id for v in self.views.values()], basis="台账中全部可发布的事项，按编号排列。")
            self.stats_pages()
            lists = self.pages
            self.pages = []
            self.reference_pages()
            from .officedocs import BulletinDocuments

            self.documents = BulletinDocuments(pdf=self.office_pdf)  # each bulletin's .docx, and .pdf with LibreOffice
            self.bulletin_pages()
            src, title, markdown = self.documents.notices_page(self)  # each unit's 督查通知单 as a .docx
            self.pages.append(SitePage(src, title, "", {"search": {"exclude": True}}, markdown=markdown))
            self.documents.finish(self)
            rest = self.pages
            self.pages = []
            self.audit_page()
            audit = self.pages
            self.pages = []
            self.item_pages(forked)
        finally:
            self._stop_item_pages(forked)
        self.pages += lists + audit + rest
        if self.keep is not None:
            self.keep.rows = {i: row for i, row in self._rows.items() if i in self.keep.views}
            self.keep.lists = self._lists
        return self.pages

    # -- statistics ------------------------------------------------------------
    # figures shown (and linked) in the grouped tables; the dashboard's totals add the open count and lights
    GROUP_FIGURES = ("total", "closed", "due", "closed_on_time", "closed_late", "overdue_open", "overdue_unexplained", "due_soon")
    TOTAL_FIGURES = GROUP_FIGURES + ("open", "light_yellow", "light_green")
    SAME_AS = {"light_red": "overdue_open"}  # a red light is by definition an open item past its deadline
    NO_DEADLINE_FIGURES = ("open_no_deadline",)  # shown when a category of the rules has no default deadline

    def pace_figures(self) -> tuple[str, ...]:
        """The dashboard's 序时进度 figures, when any counted item states a measurable target."""
        from ..counting.stats import PACE_COUNTS

        return tuple(PACE_COUNTS) if self.stats.totals.count("pace_total") else ()

    PACED_GROUPINGS = ("batch", "batch_kind")  # where the work-report targets are read by 序时进度 class

    def group_figures(self, grouping: str) -> tuple[str, ...]:
        """The columns of a grouping's table: its figures, and the 序时进度 classes where they are read."""
        return self.figures(self.GROUP_FIGURES) + (self.pace_figures() if grouping in self.PACED_GROUPINGS else ())

    def figures(self, names: tuple[str, ...]) -> tuple[str, ...]:
        """``names``, and the figure of open items without a deadline when the rules allow such items."""
        return names + self.NO_DEADLINE_FIGURES if self.rules.open_ended else names

    def figure_src(self, grouping: str, key: str, figure: str) -> str:
        """The list page behind one number: ``lists/<grouping>/<key>/<figure>.md`` (totals: ``lists/all/...``)."""
        safe = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in key)
        return f"lists/{grouping}/{safe}/{figure}.md" if grouping else f"lists/all/{figure}.md"

    def stats_pages(self):
        from ..counting import stats as stats_mod

        headers = stats_mod.headers(self.stats.due_within_days)
        self.figure_list_pages(headers)
        corrected = [i for i in self.stats.corrected if i in self.views]
        self.corrected = (len(corrected), self.list_pages(
            "lists/corrected", "按历史核定值计算的事项", corrected,
            basis="这些事项的期限被未经批准地改动，或记录日期早于写入它的提交进入主分支之日超过容许天数；统计按核定值计算，见统计口径“以历史为准”。",
        ) if corrected else None)  # fmt: skip
        self.dashboard_page(headers)
        scores = self.scores_page()
        self.group_pages(headers, scores)
        markdown = basis_markdown(self.rules, self.stats.due_within_days, scoring=True)
        self.pages.append(SitePage("reference/stats.md", "统计口径", "", {}, markdown=markdown))

    def figure_list_pages(self, headers: dict) -> None:
        """The list page behind every total and every non-zero figure of a group; ``self.figure_link`` makes more."""
        from ..counting import stats as stats_mod

        st = self.stats
        self._figure_pages: dict[str, str] = {}

        def figure_page(grouping: str, group, figure: str) -> str:
            figure = self.SAME_AS.get(figure, figure)
            src = self.figure_src(grouping, group.key, figure)
            if src not in self._figure_pages:
                label = f"{group.name} · {headers[figure]}" if grouping else headers[figure]
                basis = f"{headers[figure]}：见统计口径。截至 {self.as_of.isoformat()}。"
                self._figure_pages[src] = self.list_pages(src[:-3], label, list(group[figure].ids), basis=basis)
            return self._figure_pages[src]

        self.figure_link = figure_page
        for figure in self.figures(self.TOTAL_FIGURES) + self.pace_figures():
            figure_page("", st.totals, figure)
        for grouping in stats_mod.GROUPINGS:
            for group in st.groups[grouping]:
                for figure in self.group_figures(grouping):
                    if group[figure].count:
                        figure_page(grouping, group, figure)

    def dashboard_page(self, headers: dict) -> None:
        """The item list of each status, then the home page: totals, what is overdue or due soon, what waits."""
        st = self.stats
        totals = st.totals
        by_status = defaultdict(list)
        for f in st.items:
            by_status[f.status].append(f.id)
        status_srcs = {s: self.list_pages(f"lists/status/{s}", f"状态：{schema.STATUSES[s]}", ids) for s, ids in by_status.items()}
        pending = self.pending_for_leaders()
        self.add(
            "index.md",
            "首页",
            "dashboard.html",
            meta={"hide": ["navigation", "toc"], "search": {"exclude": True}},
            st=st,
            headers=headers,
            fig=lambda figure: self._figure_pages[self.figure_src("", "", self.SAME_AS.get(figure, figure))],
            overdue=[self.views[i] for i in sorted(totals["overdue_open"].ids, key=lambda i: -self.views[i].overdue_days)][:15],
            due_soon=sorted((self.views[i] for i in totals["due_soon"].ids), key=lambda v: v.deadline.date)[:15],
            pending=pending,
            charts=self.charts(),
            bulletins=sorted(self.bulletins, key=lambda b: b.get("date", ""), reverse=True)[:5],
            status_srcs=status_srcs,
            by_status={s: len(v) for s, v in by_status.items()},
            corrected=self.corrected,
            audit=self.audit_open_items(),
            pace_classes=pace_classes if self.pace_figures() else {},
        )

    def audit_open_items(self) -> dict | None:
        """The dashboard's audit figure: the items with open (unreviewed) findings, as a list page, and the open
        findings on the 审计 pages; None without a history."""
        if self.history is None:
            return None
        ids = [i for i, v in self.views.items() if v.audit_open]
        basis = "审计发现中尚未在复核登记（audit/reviews.yml）中作出结论的，涉及的事项；行内“审计 N”为该事项待复核的条数。"
        src = self.list_pages("lists/audit/items-open", "有待复核审计发现的事项", ids, basis=basis)
        n = self.audit.all.count("open")
        return {"item_count": len(ids), "list_src": src, "findings": n, "findings_src": audit_src("all", "open" if n else "all")}

    def group_pages(self, headers: dict, scores: dict) -> None:
        """One table page per grouping (unit, category, ...), each figure linked to its list page."""
        from ..counting import stats as stats_mod

        for grouping, title in stats_mod.GROUPINGS.items():
            self.add(
                f"status/{grouping}.md",
                f"按{title}统计",
                "groups.html",
                meta={"search": {"exclude": True}, "hide": ["navigation", "toc"]},  # the table takes the width
                groupings=stats_mod.GROUPINGS,
                grouping=grouping,
                grouping_name=title,
                groups=self.stats.groups[grouping],
                totals=self.stats.totals,
                headers=headers,
                figures=self.group_figures(grouping),
                rates=stats_mod.RATES,
                figure_link=lambda g, f, grouping=grouping: self._figure_pages.get(self.figure_src(grouping, g.key, f)),
                scores=scores if grouping == "unit" else {},
                successor=lambda code: successor(self.rules, code, self.as_of),  # a merged unit scores to it
                corrected=self.corrected,
            )

    def scores_page(self) -> dict:
        """考核: each unit's score, rank and every point added or deducted, linked to its item."""
        from ..counting import scoring
        from ..counting import stats as stats_mod

        ranked = scoring.score_units(self.stats, self.rules)
        self.add(
            "status/scores.md",
            "单位考核",
            "scores.html",
            meta={"search": {"exclude": True}, "hide": ["navigation", "toc"]},
            groupings=stats_mod.GROUPINGS,
            grouping="scores",
            ranked=ranked,
            events=scoring.EVENTS,
            views=self.views,
        )
        return {u.unit: u for u in ranked}

    def pending_for_leaders(self) -> list[tuple[str, str, ItemView, str]]:
        """What waits on a leader: drafts to approve, extension requests to decide, papers not yet returned."""
        out = []
        for v in self.views.values():
            d = v.item.data
            if v.status == "draft":
                out.append((v.leader_name, "拟办意见待审批", v, v.assigned.isoformat()))
            for e in d.get("extensions") or []:
                if not e.get("approved") and not e.get("rejected") and v.status not in ("closed", "cancelled"):
                    out.append((v.leader_name, "延期申请待批", v, e["requested"].isoformat()))
            for c in d.get("circulation") or []:
                if not c.get("returned"):
                    out.append((self.rules.leader_name(c["leader"]), "送阅件未退回", v, beijing(c["sent"])))
        return sorted(out, key=lambda r: r[3])

    def charts(self) -> dict[str, Markup]:
        st = self.stats
        units = sorted(st.groups["unit"], key=lambda g: (-g.count("overdue_open"), -g.count("open"), g.key))[:12]
        months = sorted(st.groups["month"], key=lambda g: g.key)
        cats = sorted(st.groups["category"], key=lambda g: -g.count("total"))
        def rows(groups, main, part, figure, grouping):
            out = []
            for g in groups:
                src = self._figure_pages.get(self.figure_src(grouping, g.key, figure))
                out.append((g.name, g.count(main), g.count(part), self.links.rel("index.md", src) if src else None))
            return out

        return {
            "unit": bar_chart(rows(units, "open", "overdue_open", "open", "unit"), "未办结", "其中超期"),
            "month": bar_chart(rows(months, "total", "closed", "total", "month"), "交办", "已办结"),
            "category": bar_chart(rows(cats, "total", "closed", "total", "category"), "事项", "已办结"),
        }


    def reference_pages(self):

        self.pages.append(SitePage("reference/codes.md", "校验规则", "", {}, markdown=codes.docs_markdown()))

    # -- bulletins -------------------------------------------------------------
    # ``self.bulletins``: dicts with src, title, date, items (what the dashboard and item pages read), and,
    # from ``publish.site_bulletins``, ``bulletin`` (a ``bulletins.Bulletin``) and ``check`` (its
    # ``figures.Verification``, or None when it was not verified)
    BULLETIN_CHECK = {
        "ok": "已按该提交重新计算核对：前言记录的 {n} 个数字一致；{body}。",
        "mismatch": "按该提交重新计算，以下数字与通报记录不一致（见“文中数字”）；{body}。",
        "unavailable": "本次生成网站时无法核对：{why}。",
        "no_figures": "本期没有记录需要核对的数字。",
    }

    def bulletin_pages(self):
        """The archive ``bulletins/index.md`` (by kind and year) and one page per bulletin, rendered by
        MkDocs from the bulletin's Markdown, with its data source and every recorded figure linked to its items."""
        from ..documents.bulletins import KINDS

        entries = [e for e in self.bulletins if e.get("bulletin") is not None]
        for entry in entries:
            b = entry["bulletin"]
            self.pages.append(
                SitePage(entry["src"], entry["title"], "", {}, edit_path=b.path, markdown=self.bulletin_markdown(entry))
            )
        lines = [
            "# 督查通报",
            "",
            "督查室编发的《督查通报》《督查专报》《督查通知》《政务督查》。每期的数字都注明截止日和所依据的台账提交，"
            "可以用 `ducha bulletin verify` 按该提交重新计算核对；点开一期，文末“文中数字”列出每个数字所涉的事项。",
            "",
        ]
        if not entries:
            lines.append("暂无通报。")
        state = {"ok": "一致", "mismatch": "**不一致**", "unavailable": "未核对", "no_figures": "—"}

        def checked(check) -> str:
            if check is None:
                return "未核对"
            loose = check.body.unverified if check.body is not None else 0
            return state[check.status] + (f"（正文 {loose} 个数字未核对）" if loose else "")

        for kind, name in KINDS.items():
            mine = [e for e in entries if e["bulletin"].kind == kind]
            if not mine:
                continue
            lines += [f"## {name}", ""]
            for year in sorted({e["bulletin"].year for e in mine}, reverse=True):
                lines += [f"### {year}年", "", "| 期号 | 标题 | 印发日期 | 数据截至 | 核对 |", "|---|---|---|---|---|"]
                for e in sorted((e for e in mine if e["bulletin"].year == year), key=lambda e: -e["bulletin"].number):
                    b, check = e["bulletin"], e.get("check")
                    href = posixpath.relpath(e["src"], "bulletins")
                    as_of = b.meta.get("as_of")
                    lines.append(
                        f"| [第{b.number}期]({href}) | {md_cell(self.env.filters['mask'](b.title))} | {b.date.isoformat()} | "
                        f"{as_of.isoformat() if as_of else '—'} | {checked(check)} |"
                    )
                lines.append("")
        self.pages.append(SitePage("bulletins/index.md", "督查通报", "", {"search": {"exclude": True}}, markdown="\n".join(lines)))

    def bulletin_markdown(self, entry: dict) -> str:
        from ..documents.verify import figure_label, leaves

        b, check = entry["bulletin"], entry.get("check")
        names = self._names
        # the office's own numbers stay: the rules file's, and those on the bulletin's contact lines (联系电话)
        keep = self.ledger.rules.public_phones | contact_numbers(b.body)
        body = md_no_html(mask_text(self.redact_lines(strip_marks(b.body), b.items), names, keep)).strip("\n")
        meta = b.meta
        as_of, commit = meta.get("as_of"), meta.get("commit")
        params = meta.get("params") or {}
        due_within = params.get("due_within_days", 5) if isinstance(params, dict) else 5
        lines = [body, "", "---", "", "## 文中数字 {#figures}", ""]
        source = f"本期数字截至 {as_of.isoformat()}，依据台账提交 {_commit_md(commit)}。" if as_of and commit else "本期没有写明数字所依据的提交和截止日。"
        if check is not None:
            lines += self._check_lines(check, source)
        else:
            lines += [source, ""]
        if entry.get("ledger") is not None:  # its 附件 as a spreadsheet, made from the same commit, public items only
            from ..documents.annex import annex_workbook

            uri = entry["src"].removesuffix(".md") + ".xlsx"
            self.downloads[uri] = annex_workbook(b, entry["ledger"], check.source, only=set(self.views))
            lines += [f"附件清单（督查事项办理情况汇总表）：[下载电子表格（.xlsx）]({posixpath.basename(uri)})", ""]
        if check is not None and check.ok:  # the official document, from the body this page shows
            lines += self.documents.lines(self, entry, body)
        recorded = leaves(meta.get("figures") or {})
        if not recorded:
            return "\n".join(lines) + "\n"
        lines += ["| 数字 | 通报记录 | 所涉事项 |", "|---|---|---|"]
        bad = {f.field for f in check.findings} if check is not None else set()
        lists: dict[tuple[str, ...], str] = {}  # one list page per distinct set of items (a rate and its count share)
        for path, value in recorded:
            label = figure_label(path, self.rules, as_of or self.as_of, due_within)
            shown = recorded_text = self.redact(_figure_text(value, self.rules, as_of or self.as_of))
            if f"figures.{path}" in bad:
                shown += " ⚠"
            link = "—"
            leaf = check.checked.get(path) if check is not None else None
            shown_ids = tuple(i for i in leaf.ids if i in self.views) if leaf is not None else ()
            withheld = len(leaf.ids) - len(shown_ids) if leaf is not None else 0
            if shown_ids:
                base = "lists/bulletins/" + b.slug + "/" + "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in path)
                title = f"{b.display_number} · {label}"
                basis = f"通报记录：{recorded_text}；按提交 {check.commit[:10]} 截至 {as_of.isoformat()} 重新计算所涉的事项（事项显示为当前状态）。"
                src = lists.get(shown_ids) or lists.setdefault(shown_ids, self.list_pages(base, title, list(shown_ids), basis=basis))
                link = f"[{len(shown_ids)} 项]({posixpath.relpath(src, posixpath.dirname(entry['src']))})"
            if withheld:
                link = f"{link if shown_ids else ''}（另有 {withheld} 项不在本站公开）"
            lines.append(f"| {md_cell(label)} | {md_cell(shown)} | {link} |")
        return "\n".join(lines) + "\n"

    def _check_lines(self, check, source: str) -> list[str]:
        """The 数据来源与核对 box: what was recomputed, the front matter's and the body's counts, every
        finding but the numbers not verified, which follow in a box of their own with their lines."""
        message = self.BULLETIN_CHECK[check.status].format(n=len(check.checked), why=md_cell(check.message), body=check.body_summary())
        said = [f for f in check.findings if f.code != "B109"]
        loose = [f for f in check.findings if f.code == "B109"]
        kind = {"ok": "success", "mismatch": "danger", "unavailable": "warning", "no_figures": "note"}[check.status]
        if check.status == "ok" and (said or loose):
            kind = "warning" if said else "info"
        lines = [f'!!! {kind} "数据来源与核对"', f"    {source}{message}", ""]
        for f in said if check.status in ("ok", "mismatch") else []:
            where = f"第 {f.line} 行 " if f.line and f.code != "B104" else ""
            lines.append(f"    - {where}{md_cell(f.field)}：{md_cell(self.redact(f.message))}")
        lines.append("")
        if loose:
            lines += [f'!!! note "正文中无对应统计项、未核对的数字（{check.body.unverified} 个）"', ""]
            lines += [f"    - 第 {n} 行：{'、'.join(numbers)}" for n, numbers in check.body.loose]
            lines.append("")
        return lines

    PARALLEL_ITEMS = 2000  # from this many item pages on, a forked process renders them with this one

    def _start_item_pages(self):
        """Prepare the item pages: ``(ids, the pages kept from the last build, the ids to render, the forked
        process rendering them with this one (``together.RenderTogether``) or None when they are few or
        there is no fork)``; ``item_pages`` collects them."""
        self._open_findings = defaultdict(list)  # item id -> its audit findings not yet reviewed
        for f in self.audit_findings:
            if f.item and not f.review:
                self._open_findings[f.item].append(f)
        self._mentions = defaultdict(list)
        for b in self.bulletins:
            for item_id in b.get("items", []):
                self._mentions[item_id].append(b)
        ids = list(self.views)
        kept = self._kept_item_pages(ids)
        todo = [i for i in ids if i not in kept]
        if len(todo) < self.PARALLEL_ITEMS or not hasattr(os, "fork") or (os.cpu_count() or 1) < 2:
            return ids, kept, todo, None
        from .together import RenderTogether

        return ids, kept, todo, RenderTogether(self._item_page, todo)

    def item_pages(self, started) -> None:
        ids, pages, todo, forked = started
        try:
            made = forked.run() if forked is not None else {i: self._item_page(i) for i in todo}
        finally:
            self._stop_item_pages(started)
        pages.update(made)
        self.pages += [pages[i] for i in ids]
        if self.keep is not None:
            self.keep.item_pages = {i: page for i, page in pages.items() if i in self.keep.views}
            self.keep.stamp = str(self.stamp())

    _STAMP = '<p class="ducha-stamp">{}</p>'

    def _restamped(self, html: str | None) -> str | None:
        """The last build's HTML of a page with this build's stamp (None: render it anew)."""
        if html is None or self.reuse is None:
            return None
        old, new = self._STAMP.format(self._last_stamp), self._STAMP.format(self.stamp())
        if old == new:
            return html
        return html.replace(old, new, 1) if html.count(old) == 1 else None

    @staticmethod
    def _stop_item_pages(started) -> None:
        """End the forked process of ``_start_item_pages`` (done, or given up on)."""
        forked = started[3] if started is not None else None
        if forked is not None:
            forked.stop()

    def _kept_item_pages(self, ids: list[str]) -> dict[str, SitePage]:
        """The last build's pages of the items unchanged since (``reuse``), their stamp brought up to date."""
        if self.reuse is None:
            return {}
        last, same = self.reuse.item_pages, self._last_stamp == str(self.stamp())
        out = {}
        for i in ids:
            page = last.get(i)
            if page is None or i in self.fresh:
                continue
            if not same:
                html = self._restamped(page.html)
                if html is None:  # a template of the ledger's own shows the stamp otherwise: render anew
                    continue
                page = dataclasses.replace(page, html=html)
            out[i] = page
        return out

    def _item_page(self, item_id: str) -> SitePage:
        view = self.views[item_id]
        steps = itemlog.register(self.history, item_id, self.rules) if self.history is not None else None
        if steps and self.withholding:
            steps = [dataclasses.replace(s, message=self.redact(s.message)) for s in steps]
        trust = self.ledger.trust
        html_ctx = dict(
            v=view,
            d=view.item.data,
            corrections=trust.corrections.get(item_id, []) if trust is not None else [],
            findings=self._open_findings.get(item_id, []),
            timeline=steps,
            events=itemlog.record_events(view.written, self.rules, self.history),
            bulletins=self._mentions.get(item_id, []),
        )
        title = f"{view.number} {view.title}"
        meta = {"search": {"boost": 2}, "hide": ["navigation", "toc"], "template": "ducha/fast.html"}
        search_html = self.render("item_search.html", view.src, title=title, **html_ctx)
        return SitePage(
            view.src,
            title,
            self.render("item.html", view.src, title=title, **html_ctx),
            meta,
            view.item.path,
            search_html=search_html,
            search_entries=self.search_indexer(search_html, {"title": title, **meta}) if self.search_indexer else None,
        )

    def audit_page(self):
        """审计: findings summarised by code and listed newest first, filtered by code, unit, item and review
        (``auditpages.AuditPages``); the latest commits with the items each changed."""
        from ..review.audit import audit_notices

        # the audit pages name the published items with findings (title, number, unit) and which are published:
        # a rebuild in which neither changed keeps them (the history and the findings are the generation's)
        touched = sorted({f.item for f in self.audit_findings if f.item} & set(self.views))
        ids = (tuple(self.views), tuple((self.views[i].number, self.views[i].title, self.views[i].lead_unit) for i in touched))
        last = self.reuse.audit if self.reuse is not None else None
        if last is not None and last[0] == ids:
            kept = [(page, self._restamped(page.html)) for page in last[1]]
            if all(html is not None for _, html in kept):
                self.pages += [dataclasses.replace(page, html=html) for page, html in kept]
                if self.keep is not None:
                    self.keep.audit = (ids, self.pages[-len(kept):] if kept else [])
                return
        start = len(self.pages)
        self._audit_pages()
        if self.keep is not None:
            self.keep.audit = (ids, self.pages[start:])

    def _audit_pages(self):
        from ..review.audit import audit_notices

        commits = self.history.commits if self.history is not None else []
        last = range(len(commits) - 1, max(len(commits) - 101, -1), -1)  # the last 100, newest first
        recent = [commits[i]._replace(message=self.redact(commits[i].shown_message)) for i in last]
        changed = defaultdict(list)
        if self.history is not None:
            for i, ids in self.history.items_changed(last).items():
                for item_id in ids:
                    if item_id in self.views:
                        changed[commits[i].sha].append(item_id)
        self.audit.build(
            dict(
                recent=recent,
                changed=changed,
                notices=[n.text for n in audit_notices(self.history)] if self.history is not None else [],
                history_available=self.history is not None,
            )
        )



def _memo(fn):
    """``fn`` of one argument, its results kept for a build's pages (the same commit, message or time is on
    every item it touched); an argument that cannot be a key is computed each time."""
    cached = functools.lru_cache(maxsize=1 << 16)(fn)

    def call(value):
        try:
            return cached(value)
        except TypeError:  # unhashable
            return fn(value)

    return call


def _number(n) -> str:
    """3200 → ``3200``, 93.10 → ``93.1``: a figure as written, without a float's trailing zeros."""
    return str(int(n)) if float(n).is_integer() else format(n, "f").rstrip("0").rstrip(".")


def _commit_md(commit) -> str:
    """A commit named in a bulletin's front matter, for Markdown: a hash in code type, anything else as text."""
    text = str(commit)[:10]
    return f"`{text}`" if text.isalnum() and text.isascii() else md_cell(text)


def _figure_text(value, rules, as_of) -> str:
    """A recorded figure as a reader wants it: 48.1%（38/79）, 3 项, unit names."""
    if isinstance(value, list):
        if len(value) == 2 and all(type(x) is int for x in value):
            from ..counting.stats import Rate

            return Rate(*value, rules.decimals).text()
        if all(isinstance(x, str) and x in rules.units for x in value):
            return "、".join(rules.unit_name(x, as_of) for x in value) or "（无）"
        return "、".join(map(str, value)) or "（无）"
    return str(value)


def bar_chart(rows: list[tuple[str, int, int, str | None]], main_label: str, part_label: str) -> Markup:
    """A horizontal bar chart as inline SVG, drawn at build time (no chart library, no CDN).

    Each row is (label, value, part of the value, link); the whole row links to the items behind it.
    """
    from markupsafe import escape

    if not rows:
        return Markup("<p>暂无数据。</p>")
    bar_h, gap, label_w, width = 18, 6, 150, 560
    top = 22
    peak = max(r[1] for r in rows) or 1
    scale = (width - label_w - 60) / peak
    height = top + len(rows) * (bar_h + gap)
    parts = [
        f'<svg class="ducha-chart" role="img" viewBox="0 0 {width} {height}" width="100%" xmlns="http://www.w3.org/2000/svg">',
        f'<rect x="{label_w}" y="4" width="12" height="10" fill="#ef9a9a"/><text x="{label_w + 16}" y="13">{escape(main_label)}</text>',
        f'<rect x="{label_w + 90}" y="4" width="12" height="10" fill="#c62828"/><text x="{label_w + 106}" y="13">{escape(part_label)}</text>',
    ]
    for n, (label, value, part, href) in enumerate(rows):
        y = top + n * (bar_h + gap)
        short = label if len(label) <= 11 else label[:10] + "…"
        row = [
            f'<title>{escape(label)}：{escape(main_label)} {value}，{escape(part_label)} {part}</title>',
            f'<text x="{label_w - 6}" y="{y + 13}" text-anchor="end">{escape(short)}</text>',
            f'<rect x="{label_w}" y="{y}" width="{max(value * scale, 1 if value else 0):.1f}" height="{bar_h}" fill="#ef9a9a"/>',
            f'<rect x="{label_w}" y="{y}" width="{part * scale:.1f}" height="{bar_h}" fill="#c62828"/>',
            f'<text x="{label_w + value * scale + 4:.1f}" y="{y + 13}">{value}（{part}）</text>',
        ]
        body = "".join(row)
        parts.append(f'<a href="{escape(href)}">{body}</a>' if href else f"<g>{body}</g>")
    parts.append("</svg>")
    return Markup("".join(parts))
