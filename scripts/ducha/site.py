"""The intranet site's generated pages, as plain data: no MkDocs here.

``SiteBuilder`` turns a checked ledger (plus, when available, its history,
audit findings, statistics and bulletins) into ``SitePage`` objects: a source
URI, a title, ready HTML and front-matter meta.  The MkDocs plugin registers
them as generated files and injects the HTML, so no item text ever goes
through Markdown, and every piece of item text is escaped by Jinja2.
"""

from __future__ import annotations

import datetime as dt
import posixpath
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import jinja2
from markupsafe import Markup

from . import schema
from .deadlines import LIGHTS, effective_deadline, light
from .ledger import Ledger
from .mask import mask_id_number, mask_name, mask_phone, mask_text
from .model import Item

SECRECY_ORDER = {"public": 0, "internal": 1}
TEMPLATE_DIR = Path(__file__).parent / "templates" / "site"


@dataclass
class SitePage:
    src_uri: str
    title: str
    html: str
    meta: dict = field(default_factory=dict)
    edit_path: str | None = None  # repository path of the real source (an item's YAML)
    markdown: str | None = None  # pages written as Markdown (rendered by MkDocs) instead of ready HTML
    search_html: str | None = None  # indexed for full-text search instead of ``html`` (item pages: the summary)


def page_url(src_uri: str, use_directory_urls: bool = True) -> str:
    """The URL MkDocs gives a Markdown source file (relative to the site root)."""
    stem = src_uri[:-3] if src_uri.endswith(".md") else src_uri
    if stem == "index" or stem.endswith("/index"):
        return stem[: -len("index")]
    return stem + "/" if use_directory_urls else stem + ".html"


class Links:
    def __init__(self, use_directory_urls: bool = True):
        self.dir_urls = use_directory_urls

    def rel(self, from_src: str, to_src: str, anchor: str = "") -> str:
        here = page_url(from_src, self.dir_urls)
        there = page_url(to_src, self.dir_urls)
        base = here if here.endswith("/") or not here else posixpath.dirname(here) + "/"
        rel = posixpath.relpath(there or ".", base or ".")
        if there.endswith("/") and not rel.endswith("/"):
            rel += "/"
        if rel == "./":
            rel = "./"
        return rel + anchor


def item_src(item_id: str) -> str:
    return f"items/{item_id}.md"


class ItemView:
    """What a page shows of one item: display values, masked where needed."""

    def __init__(self, item: Item, ledger: Ledger, cal, as_of: dt.date):
        rules = ledger.rules
        d = item.data
        self.item = item
        self.id = item.id
        self.src = item_src(item.id)
        self.number = rules.display_number(item.id)
        citizen = d.get("citizen") or {}
        private = tuple(n for n in [citizen.get("name")] if n) if citizen else ()
        self._private = private
        self.title = self.mask(d["title"])
        self.status = item.status
        self.status_label = schema.STATUSES[item.status]
        self.deadline = effective_deadline(item, rules, cal)
        self.light = light(item, rules, cal, as_of, self.deadline)
        self.light_label = LIGHTS[self.light]
        self.lead_unit = d["lead_unit"]
        self.lead_unit_name = rules.unit_name(d["lead_unit"], item.assigned)
        self.co_unit_names = [rules.unit_name(u, item.assigned) for u in d.get("co_units") or []]
        self.category = d["category"]
        self.category_name = rules.categories[d["category"]].name if d["category"] in rules.categories else d["category"]
        self.leader = d["leader"]
        self.leader_name = rules.leader_name(d["leader"])
        self.assigned = item.assigned
        self.closed = item.closed
        self.urgency_label = schema.URGENCIES[d["urgency"]]
        self.secrecy_label = schema.SECRECY[d["secrecy"]]
        self.overdue_days = (as_of - self.deadline.date).days if self.light == "red" and self.deadline else 0
        self.citizen = (
            {
                "name": mask_name(citizen["name"]) if citizen.get("name") else "",
                "phone": mask_phone(citizen["phone"]) if citizen.get("phone") else "",
                "id_number": mask_id_number(citizen["id_number"]) if citizen.get("id_number") else "",
            }
            if citizen
            else None
        )

    def events(self, rules) -> list[tuple]:
        """The item's life as (date, kind, who, text, delay reason), oldest first."""
        d = self.item.data
        out = [(self.assigned, "交办", self.lead_unit_name, "", None)]
        for p in d.get("progress") or []:
            out.append((p["date"], "进展", rules.unit_name(p["by"]), p["text"], p.get("delay_reason")))
        for r in d.get("reminders") or []:
            out.append((r["date"], "催办", schema.REMINDER_METHODS[r["method"]], r.get("note", ""), None))
        for e in d.get("extensions") or []:
            out.append((e["requested"], "申请延期", "", e["reason"], None))
            if e.get("approved"):
                out.append((e["approved"], "批准延期", rules.leader_name(e.get("approved_by", "")), f"延期至 {e['new_deadline']}", None))
            elif e.get("rejected"):
                out.append((e["rejected"], "不予延期", rules.leader_name(e.get("approved_by", "")), "", None))
        if d.get("result"):
            out.append((d["result"]["reported"], "报结", self.lead_unit_name, d["result"]["text"], None))
        for r in d.get("reviews") or []:
            out.append((r["date"], schema.REVIEW_RESULTS[r["result"]], r.get("by", ""), r.get("opinion", ""), None))
        if d.get("reply"):
            out.append((d["reply"]["date"], "答复来信人", schema.REPLY_METHODS[d["reply"]["method"]], d["reply"].get("text", ""), None))
        if d.get("closed"):
            out.append((d["closed"], "办结", "", "", None))
        if d.get("cancellation"):
            c = d["cancellation"]
            out.append((c["date"], "撤销", rules.leader_name(c["by"]), c["reason"], None))
        return sorted(out, key=lambda e: e[0])

    def mask(self, text):
        return mask_text(str(text), self._private) if text is not None else ""


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
        per_page: int = 100,
        use_directory_urls: bool = True,
    ):
        self.ledger = ledger
        self.rules = ledger.rules
        self.as_of = as_of
        self.commit = commit
        self.history = history
        self.audit_findings = audit_findings or []
        self.stats = stats
        self.bulletins = bulletins or []
        self.per_page = per_page
        self.links = Links(use_directory_urls)
        self.cal = self.rules.calendar()
        limit = SECRECY_ORDER[self.rules.max_secrecy]
        self.items = [i for i in ledger.sorted_items() if SECRECY_ORDER.get(i["secrecy"], 99) <= limit]
        self.views = {i.id: ItemView(i, ledger, self.cal, as_of) for i in self.items}
        loaders = [jinja2.FileSystemLoader([str(p) for p in template_dirs or [] if Path(p).is_dir()])]
        loaders.append(jinja2.FileSystemLoader(str(TEMPLATE_DIR)))
        self.env = jinja2.Environment(
            loader=jinja2.ChoiceLoader(loaders),
            autoescape=True,
            trim_blocks=True,
            lstrip_blocks=True,
            undefined=jinja2.StrictUndefined,
        )
        self.env.filters["date"] = lambda d: d.isoformat() if d else ""
        self.env.filters["dt"] = lambda d: d.strftime("%Y-%m-%d %H:%M") if d else ""
        # commit messages and audit findings are free text too: masked like item text, with every citizen's name
        names = tuple({(i.data.get("citizen") or {}).get("name") or "" for i in ledger.sorted_items()} - {""})
        self.env.filters["mask"] = lambda text: mask_text(str(text), names) if text is not None else ""
        self.pages: list[SitePage] = []

    # -- helpers -------------------------------------------------------------
    def render(self, template: str, src: str, **context) -> str:
        def link(target: str, anchor: str = "") -> str:
            return self.links.rel(src, target, anchor)

        return self.env.get_template(template).render(
            link=link,
            item_src=item_src,
            rules=self.rules,
            as_of=self.as_of,
            commit=self.commit,
            schema=schema,
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
        for n, (src, chunk) in enumerate(zip(srcs, chunks), 1):
            self.add(
                src,
                title if n == 1 else f"{title}（第 {n} 页）",
                "list.html",
                meta={"search": {"exclude": True}},
                views=chunk,
                total=len(views),
                intro=intro,
                basis=basis,
                page_no=n,
                page_srcs=srcs,
            )
        return srcs[0]

    # -- pages ---------------------------------------------------------------
    def build(self) -> list[SitePage]:
        self.pages = []
        self.item_pages()
        self.list_pages("items/index", "全部事项", [v.id for v in self.views.values()], basis="台账中全部可发布的事项，按编号排列。")
        self.audit_page()
        self.reference_pages()
        return self.pages

    def reference_pages(self):
        from . import codes

        self.pages.append(SitePage("reference/codes.md", "校验规则", "", {}, markdown=codes.docs_markdown()))

    def item_pages(self):
        mentions = defaultdict(list)
        for b in self.bulletins:
            for item_id in b.get("items", []):
                mentions[item_id].append(b)
        timelines = {}
        if self.history is not None:
            for item_id in self.views:
                timelines[item_id] = self.history.timeline(item_id)
        for item_id, view in self.views.items():
            self.add(
                view.src,
                f"{view.number} {view.title}",
                "item.html",
                meta={"search": {"boost": 2}},
                search_template="item_search.html",
                edit_path=view.item.path,
                v=view,
                d=view.item.data,
                timeline=timelines.get(item_id),
                bulletins=mentions.get(item_id, []),
            )

    def audit_page(self):
        recent = []
        if self.history is not None:
            for idx in range(len(self.history.commits) - 1, -1, -1):
                if len(recent) >= 100:
                    break
                recent.append(self.history.commits[idx])
        changed = defaultdict(list)
        if self.history is not None:
            wanted = {c.sha for c in recent}
            for item_id, versions in self.history.items.items():
                for v in versions:
                    sha = self.history.commits[v[0]].sha
                    if sha in wanted and item_id in self.views:
                        changed[sha].append(item_id)
        from . import codes

        self.add(
            "audit/index.md",
            "审计",
            "audit.html",
            meta={"search": {"exclude": True}},
            recent=recent,
            changed=changed,
            findings=self.audit_findings,
            codes=codes,
            history_available=self.history is not None,
        )
