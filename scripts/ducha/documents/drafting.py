"""Drafting bulletins (``ducha bulletin new``) and per-unit 督查通知单 (``ducha notice``) from templates.

A draft is computed from the ledger as committed at the end of ``as_of`` (or at a given commit), so its
figures can be recomputed later (``figures.Verifier``).  The body is a Jinja2 template in the shape real
bulletins take; the ledger may override any template with its own file of the same name in
``bulletins/templates/`` (``bulletin.md.j2``, ``special.md.j2``, ``notice.md.j2``, ``briefing.md.j2``,
``unit-notice.md.j2``).  Staff then edit the prose, never the front matter's figures.  Every number the
body takes from a figure is written after a marker naming it (``bodymarks``), so ``verify`` reads the body
back too; the front matter records how many times each key is marked (``body_figures``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
from dataclasses import dataclass
from pathlib import Path

import jinja2
import yaml

from .. import TEMPLATES
from .. import __version__
from ..core import schema, yamlio
from ..core.formats import DEFAULT_DECIMALS
from ..counting import stats as stats_mod
from .bulletins import (BULLETINS_DIR, KINDS, MAX_BYTES, TEMPLATES_DIR, bulletin_path, kind_code, load_bulletins, next_number,
                        parse_bulletin, size_finding)
from ..core.deadlines import standing
from ..core import pace
from .verify import AVERAGE, CHANGE, GROUPS, NAMED, PACE_NAMED, Period, Spec, average_text, compute, points_text
from ..core.findings import DuchaError, LedgerError, format_text
from ..ledger.checked import Ledger
from ..core.markup import MdSafe, md_cell, md_finalize
from ..files.write import write_exclusive
from . import quoting
from ..core.model import WORKING_STATUSES
from .bodymarks import BODY_FIGURES, Marked, MarkedFloat, MarkedList, keys_in, mark, marked, marked_length

PACKAGE_TEMPLATES = TEMPLATES / "bulletins"
DEFAULT_PERIOD = {"bulletin": "month", "briefing": "month", "special": None, "notice": None}
LOWER_LEVELS = {"市": "各区县人民政府", "县": "各乡镇人民政府、街道办事处", "区": "各镇人民政府、街道办事处",
                "镇": "各村（居）民委员会", "乡": "各村民委员会"}  # fmt: skip


def default_recipients(rules, kind: str) -> list[str]:
    """主送 when the rules name none (``bulletins.recipients``): worded for the government the office serves."""
    gov = rules.government
    lower = LOWER_LEVELS.get(gov[:1], "各下级人民政府")
    return {
        "bulletin": [lower, f"{gov}各部门、各直属机构"],
        "notice": ["各有关单位"],
        "special": [f"{gov}领导"],
        "briefing": [f"{gov}领导", lower, f"{gov}各部门"],
    }[kind]
_CN_DIGITS = "〇一二三四五六七八九"


# -- which figures each kind records ------------------------------------------------------------

_TOTALS = ("total", "closed", "open", "due", "closed_on_time", "closed_late", "overdue_open", "overdue_unexplained",
           "due_soon", "open_no_deadline", "rate_closed", "rate_open", "rate_settled", "rate_on_time")  # fmt: skip
_MAILBOX = ("mailbox_total", "mailbox_closed", "mailbox_replied", "rate_mailbox_handled", "rate_mailbox_replied")
_GROUP = ("total", "closed", "overdue_open", "rate_closed")
_BATCH = ("total", "closed", "open", "overdue_open", "rate_closed", "rate_open")  # per meeting or document, per kind
_PACE = ("pace_total", *(f"pace_{k}" for k in pace.CLASSES))
_PREVIOUS = ("total", "closed", "rate_closed", "rate_settled", "rate_on_time")  # stated against the previous issue


def figure_paths(kind: str, source) -> list[str]:
    """The figures a draft of ``kind`` records (the template renders them; verify recomputes them)."""
    st = source.stats
    paths = [f"totals.{k}" for k in (*_TOTALS, AVERAGE)]
    mailbox = bool(st.totals.count("mailbox_total"))
    if mailbox:
        paths += [f"totals.{k}" for k in _MAILBOX]
    paced = bool(st.totals.count("pace_total"))
    if paced:
        paths += [f"totals.{k}" for k in _PACE]
    if source.spec.period is not None:
        paths += ["period.assigned", "period.closed"]
    if source.previous is not None:
        paths += [f"previous.totals.{k}" for k in (*_PREVIOUS, *(_MAILBOX[-2:] if mailbox else ()))]
    if kind in ("bulletin", "briefing"):
        paths += [f"categories.{g.key}.{k}" for g in st.groups["category"] for k in _GROUP]
        paths += [f"batch_kinds.{g.key}.{k}" for g in st.groups["batch_kind"] for k in _BATCH]
        paths += [f"batches.{g.key}.{k}" for g in st.groups["batch"] for k in (*_BATCH, *(_PACE if g.count("pace_total") else ()))]
    if paced and kind in ("bulletin", "special", "briefing"):
        paths += [f"named.{name}" for name in PACE_NAMED]
    if kind == "special":
        paths += [f"units.{g.key}.{k}" for g in st.groups["unit"] for k in (*_GROUP, "due", "rate_on_time")]
    if kind == "bulletin":
        paths += ["named.good_units", "named.overdue_open", "named.overdue_unexplained", "named.due_soon"]
    elif kind == "special":
        paths += ["named.overdue_open", "named.overdue_unexplained"]
    elif kind == "notice":
        paths += ["named.due_soon", "named.overdue_open", "named.overdue_unexplained"]
    elif kind == "briefing":
        paths += ["named.overdue_open"]
    return paths


# -- template helpers ---------------------------------------------------------------------------------


def cn_date(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def cn_number(n: int) -> str:
    """1 → 一, 12 → 十二, 20 → 二十 (for （一）、（二） headings)."""
    if n < 10:
        return _CN_DIGITS[n]
    if n < 20:
        return "十" + (_CN_DIGITS[n % 10] if n % 10 else "")
    if n < 100:
        return _CN_DIGITS[n // 10] + "十" + (_CN_DIGITS[n % 10] if n % 10 else "")
    return str(n)


def rate_text(pair, decimals: int = DEFAULT_DECIMALS) -> str:
    """[38, 79] → 48.1%（38/79）."""
    n, d = pair
    return stats_mod.Rate(n, d, decimals).text()


def percent(pair, decimals: int = DEFAULT_DECIMALS) -> str:
    """[38, 79] → 48.1%."""
    n, d = pair
    return stats_mod.Rate(n, d, decimals).percent()


def tidy(text: str) -> str:
    """Rendered Markdown made regular: a blank line before every heading, never two blank lines in a row."""
    import re

    text = "\n".join(line.rstrip() for line in text.split("\n"))
    text = re.sub(r"(?m)(?<=[^\n])\n(#{1,6} )", r"\n\n\1", text)
    text = re.sub(r"(?m)^(#{1,6} .*)\n(?=[^\n])", r"\1\n\n", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip("\n") + "\n"


@dataclass
class ItemInfo:
    """What a draft says about one item (titles and requirements masked like on the site)."""

    id: str
    number: str
    title: str
    category: str
    source: str
    leader: str
    lead_unit: str
    lead_unit_name: str
    co_unit_names: list[str]
    assigned: dt.date
    deadline: dt.date | None
    deadline_basis: str
    status: str
    status_label: str
    overdue_days: int
    working_days_left: int | None
    requirement: str
    last_progress: dt.date | None
    explained: bool
    progress_late: bool
    returned_opinion: str
    lacking: tuple[str, ...] = ()  # of LACKING, in its order: what the unit has not done (``lacking``)
    delay_reason: bool = False  # a progress report gave a reason for the delay (else ``explained`` is a pending extension)
    seq: int | None = None  # its 序号 in its batch's list (第4件)
    batch_title: str = ""
    asked: str = ""  # what was asked, quoted: 目标新增城镇就业60000人, else the requirement (shortened)
    latest: str = ""  # the unit's latest progress as quoted (``quoting.progress_quote``)
    pace_label: str = ""  # its 序时进度 class (欠进度 …) when it has a target
    pace_figures: tuple = ()  # (share reported or None, expected share, points behind) as stated
    marks: bool = False  # in a bulletin's draft: the pace figures carry their markers

    @property
    def ref(self) -> str:
        """How a bulletin refers to it: 第4件 (its 序号 in its meeting's list), else its display number."""
        return f"第{self.seq}件" if self.seq is not None else self.number

    @property
    def pace_said(self) -> str:
        """完成 54.0%，序时进度 91.7%，落后 37.7 个百分点 (尚未报告完成情况 when nothing is reported), marked in a draft."""
        if not self.pace_figures:
            return ""
        share, expected, behind = self.pace_figures

        def fig(what, text):
            return mark(f"items.{self.id}.{what}", text) if self.marks else text

        done = f"完成 {fig('pace_share', share)}" if share is not None else "尚未报告完成情况"
        said = f"{done}，序时进度 {fig('pace_expected', expected)}"
        if behind is not None and not behind.startswith("-") and self.pace_label in ("欠进度", "未启动"):
            said += f"，落后 {fig('pace_behind', behind)} 个百分点"
        return MdSafe(said)

    def role(self, unit: str) -> str:
        return "牵头" if unit == self.lead_unit else "配合"

    @property
    def lacking_said(self) -> str:
        """既未按规定报告进展、说明延期原因，也未申请延期 / 未说明延期原因: exactly what is missing."""
        return lacking_text(self.lacking)

    def lacking_beyond(self, common) -> str:
        """What this item lacks besides ``common`` (said once for all the items listed): 也未申请延期."""
        return lacking_text([k for k in self.lacking if k not in common], also=bool(common))

    @property
    def explained_said(self) -> str:
        """已说明延期原因 / 已申请延期（待批）: how an explained item explained itself."""
        return "已说明延期原因" if self.delay_reason else "已申请延期（待批准）" if self.explained else ""

    @property
    def due_text(self) -> str:
        """剩 3 个工作日 / 今日到期 / 已超期 12 天."""
        if self.overdue_days:
            return _said("已超期 ", self.overdue_days, " 天")
        if self.working_days_left is None:
            return ""
        return "今日到期" if self.working_days_left == 0 else _said("剩 ", self.working_days_left, " 个工作日")


LACKING = {"progress": "按规定报告进展", "reason": "说明延期原因", "extension": "申请延期"}


def lacking(item, rules, as_of: dt.date) -> tuple[str, ...]:
    """What the unit of an open item has not done by ``as_of``, of ``LACKING``: a progress report within the
    category's interval (``progress_overdue``), a reason for the delay in a progress report, an extension
    request (approved, refused or pending).  An item late without explanation (``late_without_explanation``:
    no reason and no pending request) lacks at least the reason; which of the others it lacks differs per item."""
    from ..core.deadlines import progress_overdue

    if item.status not in WORKING_STATUSES:
        return ()
    out = []
    if progress_overdue(item, rules, as_of):
        out.append("progress")
    if not any(p.get("delay_reason") and p["date"] <= as_of for p in item.log("progress")):
        out.append("reason")
    if not any(e.get("requested") and e["requested"] <= as_of for e in item.log("extensions")):
        out.append("extension")
    return tuple(out)


def lacking_text(keys, also: bool = False) -> str:
    """("progress", "reason", "extension") → 既未按规定报告进展、说明延期原因，也未申请延期; ("reason",) →
    未说明延期原因; ``also``: said after what is common to a list (也未申请延期)."""
    words = [LACKING[k] for k in keys]
    if not words:
        return ""
    if also:
        return "也未" + "、".join(words)
    if len(words) == 1:
        return "未" + words[0]
    return "既未" + "、".join(words[:-1]) + "，也未" + words[-1]


def _said(before: str, n: int, after: str) -> str:
    """``before`` ``n`` ``after``, with ``n``'s marker when it is a marked figure (a bulletin's draft)."""
    return MdSafe(before + mark(n.key, int(n)) + after) if isinstance(n, Marked) else f"{before}{n}{after}"


class ItemCatalog:
    """``ItemInfo`` by id, for the items of one ledger as of a day."""

    def __init__(self, ledger: Ledger, stats):
        self.ledger = ledger
        self.rules = ledger.rules
        self.as_of = stats.as_of
        self.cal = self.rules.calendar()
        self.facts = {f.id: f for f in stats.items}
        self._cache: dict[str, ItemInfo] = {}

    def __call__(self, item_id: str) -> ItemInfo:
        if item_id not in self._cache:
            self._cache[item_id] = self._info(item_id)
        return self._cache[item_id]

    def _info(self, item_id: str) -> ItemInfo:
        from ..core.deadlines import progress_overdue
        from ..counting.stats import as_seen

        rules, as_of = self.rules, self.as_of
        item = as_seen(self.ledger.items[item_id], as_of)
        d = item.data
        names = item.private_names

        def clean(text) -> str:
            return quoting.clean(text, names, rules.public_phones)  # masked before lines are joined

        st = standing(item, rules, self.cal, as_of)
        dl, deadline, overdue = st.deadline, st.date, st.overdue_days
        fact = self.facts.get(item_id)
        closed = fact.closed if fact else None
        left = self.cal.working_days_between(as_of, deadline) if deadline and not closed and as_of <= deadline else None
        requirement = quoting.requirement_text(item, names, rules.public_phones)
        returned = [r for r in item.log("reviews") if r["result"] == "returned"]
        return ItemInfo(
            id=item_id,
            number=rules.display_number(item_id),
            title=clean(d["title"]),
            category=rules.categories[d["category"]].name if d["category"] in rules.categories else d["category"],
            source=clean(d.get("source")),
            leader=rules.leader_name(d["leader"]),
            lead_unit=d["lead_unit"],
            lead_unit_name=rules.unit_name(d["lead_unit"], as_of),
            co_unit_names=[rules.unit_name(u, as_of) for u in d.get("co_units") or []],
            assigned=item.assigned,
            deadline=deadline,
            deadline_basis=dl.explanation if dl else "",
            status=item.status,
            status_label=schema.STATUSES[item.status],
            overdue_days=overdue,
            working_days_left=left,
            requirement=requirement,
            last_progress=item.last_progress_date(),
            explained=item.has_delay_explanation(as_of),
            progress_late=item.status in WORKING_STATUSES and bool(progress_overdue(item, rules, as_of)),
            returned_opinion=clean(returned[-1].get("opinion")) if returned and item.status == "returned" else "",
            lacking=lacking(item, rules, as_of),
            delay_reason=any(p.get("delay_reason") and p["date"] <= as_of for p in item.log("progress")),
            seq=d.get("seq"),
            batch_title=rules.batches[d["batch"]].title if d.get("batch") in rules.batches else "",
            asked=quoting.asked_text(item, names, rules.public_phones),
            latest=quoting.progress_quote(item, as_of, names, rules.public_phones),
            pace_label=fact.pace_at.label if fact and fact.pace_at else "",
            pace_figures=_pace_figures(fact, rules.decimals),
        )


def _pace_figures(fact, decimals: int) -> tuple:
    """(share reported, expected share, points behind) of an item with a target, as a bulletin states them."""
    if fact is None or fact.pace_at is None:
        return ()
    return tuple(fact.pace_shown(w, decimals) for w in ("pace_share", "pace_expected", "pace_behind"))


class _NoLinksLoader(jinja2.FileSystemLoader):
    """A ``FileSystemLoader`` that refuses a template reached through a symbolic link under the ledger's
    ``bulletins/`` (B105): what it points to is in no commit and must not end up in a bulletin."""

    def __init__(self, searchpath, root: Path):
        super().__init__(searchpath)
        self.root = Path(root)

    def get_source(self, environment, template):
        source, filename, uptodate = super().get_source(environment, template)
        path = Path(filename)
        if path.is_relative_to(self.root):  # the ledger's own template, not the package's
            here = self.root
            for part in path.relative_to(self.root).parts:
                here = here / part
                if here.is_symlink():
                    shown = here.relative_to(self.root).as_posix()
                    raise DuchaError(f"通报模板 {template} 经过符号链接 {shown}，不读取它指向的内容；"
                                     "请删除链接，把模板文件本身放在 bulletins/templates/ 下提交。")
        return source, filename, uptodate


def _finalize(value):
    """``md_finalize``, with a marked figure written after its marker (``bodymarks``)."""
    if isinstance(value, Marked):
        return mark(value.key, int(value))
    if isinstance(value, MarkedFloat):
        return mark(value.key, average_text(value))
    return md_finalize(value)


def _marking(text_of):
    """A filter over a recorded value that writes the marker of a marked one in front of its text."""

    def filter_(value):
        text = text_of(value)
        return mark(value.key, text) if isinstance(value, MarkedList) and value.key else text

    return filter_


def template_env(root: Path, decimals: int = DEFAULT_DECIMALS) -> jinja2.Environment:
    """Templates: the ledger's ``bulletins/templates/`` first, then the package's; percentages (the ``rate``
    and ``pct`` filters) to ``decimals``."""
    dirs = [Path(root) / BULLETINS_DIR / TEMPLATES_DIR, PACKAGE_TEMPLATES]
    env = jinja2.Environment(
        loader=_NoLinksLoader([str(d) for d in dirs if d.is_dir()], Path(root)),
        autoescape=False,  # Markdown, not HTML: every {{ value }} is escaped for Markdown by md_finalize
        finalize=_finalize,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters.update(cn_date=cn_date, cn=cn_number, rate=_marking(functools.partial(rate_text, decimals=decimals)),
                       pct=_marking(functools.partial(percent, decimals=decimals)), cell=md_cell, lacking_text=lacking_text,
                       length=marked_length, count=marked_length)
    return env


# -- bulletins -------------------------------------------------------------------------------------


class _Dumper(yamlio.Dumper):
    pass


class _Quoted(str):
    pass


class _FlowDict(dict):
    """A group's few figures on one line: ``zjj: {total: 5, closed: 1, overdue_open: 1}``."""


def _flow_list(dumper, data):
    flow = all(isinstance(x, (str, int)) for x in data)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=flow)


_Dumper.add_representer(list, _flow_list)
_Dumper.add_representer(_FlowDict, lambda d, m: d.represent_mapping("tag:yaml.org,2002:map", m, flow_style=True))
_Dumper.add_representer(_Quoted, lambda d, s: d.represent_scalar("tag:yaml.org,2002:str", str(s), style='"'))


def dump_front_matter(meta: dict) -> str:
    figures = meta.get("figures") or {}
    for grouping in GROUPS:
        if grouping in figures:
            figures[grouping] = {k: _FlowDict(v) for k, v in figures[grouping].items()}
    return yaml.dump(meta, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=1000)


@dataclass
class Draft:
    path: Path
    text: str
    meta: dict
    commit: str


def ledger_at(root: Path, as_of: dt.date, commit: str | None = None) -> Ledger:
    """The committed ledger a draft is computed from; refuses a ledger with check errors."""
    from ..history.repo import open_repo, resolve_commit
    from ..ledger.sources import apply_trust, load_ledger_at

    if commit is not None:
        commit = resolve_commit(open_repo(Path(root)), commit)
    ledger = load_ledger_at(root, as_of, commit=commit)
    apply_trust(ledger, Path(root).resolve())  # counts as the history decides, as every figure does
    if ledger.errors:
        raise LedgerError(
            f"提交 {ledger.commit[:10]} 中的台账有 {len(ledger.errors)} 个错误，不能据此起草（数字无法核对）。"
            f"请先改正并提交：\n{format_text(ledger.errors)}",
            [],
        )
    return ledger


def draft_bulletin(
    root: Path,
    kind: str,
    as_of: dt.date,
    date: dt.date,
    period: str | None = None,
    scope: dict | None = None,
    title: str | None = None,
    commit: str | None = None,
    due_within_days: int = 5,
) -> Draft:
    """A new bulletin of ``kind`` with the next 期号 of ``date``'s year (not written yet)."""
    root = Path(root)
    code = kind_code(kind)
    if code is None:
        raise DuchaError(f"通报类别“{kind}”不在：{'、'.join(f'{k}（{v}）' for k, v in KINDS.items())}。")
    ledger = ledger_at(root, as_of, commit)
    rules = ledger.rules
    scope = _checked_scope(rules, scope)
    spec = _draft_spec(rules, code, as_of, period, scope, due_within_days)
    existing, _ = load_bulletins(root, rules)
    spec, previous = _previous_issue(root, existing, code, spec)
    source = compute(ledger, spec, previous)
    figures = source.record(figure_paths(code, source))
    number = next_number(existing, code, date.year, rules.first_number(code, date.year))
    scope_names = {
        "category": [rules.categories[c].name for c in scope.get("category", ())],
        "unit": [rules.unit_name(u, as_of) for u in scope.get("unit", ())],
        "batch": [rules.batches[b].title for b in scope.get("batch", ())],
    }
    title = title or default_title(code, spec, scope_names)
    meta = _front_matter(ledger, code, date, number, title, spec, figures)
    context = _template_context(meta, code, ledger, source, scope_names)
    return _render_draft(root, code, meta, context, ledger.commit)


def _previous_issue(root: Path, existing, code: str, spec: Spec) -> tuple[Spec, Ledger | None]:
    """The spec with the previous issue of the same kind and scope (较上期: the latest one counted to an
    earlier day whose commit this branch holds), and the ledger of that commit; unchanged without one."""
    from .verify import FigureError, Verifier

    candidates = []
    for b in existing:
        if b.kind != code or not b.meta.get("figures") or not b.meta.get("commit"):
            continue
        try:
            before = Spec.from_meta(b.meta)
        except (FigureError, KeyError, TypeError):
            continue
        if before.scope == spec.scope and before.as_of < spec.as_of:
            candidates.append((before.as_of, b.year, b.number, b, before))
    verifier = Verifier(root)
    for _, _, _, b, before in sorted(candidates, key=lambda c: c[:3], reverse=True):
        sha, _why = verifier.resolve(b.meta["commit"])
        if sha is None:
            continue
        meta = {"number": b.number, "as_of": before.as_of, "commit": sha}
        if before.period is not None:
            meta["period"] = before.period.as_meta()
        return dataclasses.replace(spec, previous=meta), verifier.ledger(sha, before.as_of)
    return spec, None


def _checked_scope(rules, scope: dict | None) -> dict:
    """The scope as tuples of codes (empty ones left out); refuses a unit or category the rules do not know."""
    scope = {k: tuple(v) for k, v in (scope or {}).items() if v}
    for unit in scope.get("unit", ()):
        if unit not in rules.units:
            raise DuchaError(f"单位“{unit}”未在台账规则中登记。")
    for cat in scope.get("category", ()):
        if cat not in rules.categories:
            raise DuchaError(f"类别“{cat}”未在台账规则中登记；可选：{'、'.join(rules.categories)}。")
    if scope.get("batch"):
        codes = tuple(rules.batch_code(b) for b in scope["batch"])
        for name, code in zip(scope["batch"], codes):
            if code is None:
                raise DuchaError(rules.unknown_batch(name))
        scope["batch"] = codes
    return scope


def _draft_spec(rules, code: str, as_of: dt.date, period: str | None, scope: dict, due_within_days: int) -> Spec:
    """What the draft's figures are computed over (the kind's usual period unless ``period`` is given)."""
    # one meeting's or document's items are reported as a whole, not by what was assigned this month
    period_kind = period if period is not None else None if scope.get("batch") else DEFAULT_PERIOD[code]
    return Spec(
        as_of=as_of,
        scope=scope,
        period=Period.containing(period_kind, as_of) if period_kind else None,
        due_within_days=due_within_days,
        good_min_due=int((rules.bulletins or {}).get("good_min_due", 2)),
    )


def _mentioned(figures: dict) -> list[str]:
    """The items the named lists mention, each once, in order (``good_units`` names units, not items)."""
    mentioned: list[str] = []
    for name in NAMED:
        if name != "good_units":
            for ids in (figures.get("named", {}).get(name) or {}).values():
                mentioned += [i for i in ids if i not in mentioned]
    return mentioned


def _front_matter(ledger: Ledger, code: str, date: dt.date, number: int, title: str, spec: Spec, figures: dict) -> dict:
    """The draft's front matter, in the order it is written."""
    rules = ledger.rules
    configured = (rules.bulletins or {}).get("recipients") or {}
    recipients = configured.get(code) if isinstance(configured, dict) else None
    return {
        "kind": KINDS[code],
        "year": date.year,
        "number": number,
        "date": date,
        "title": title,
        "issuer": (rules.bulletins or {}).get("issuer") or rules.office_name,
        "recipients": list(recipients or default_recipients(rules, code)),
        "as_of": spec.as_of,
        "commit": _Quoted(ledger.commit),
        **_quoted_previous(spec.meta()),
        "generator": f"ducha {__version__}",
        "figures": figures,
        "items": _mentioned(figures),
    }


def _quoted_previous(meta: dict) -> dict:
    """The spec's front matter with the previous issue's commit quoted (a hex id may read as a number)."""
    if "previous" in meta:
        meta["previous"] = {**meta["previous"], "commit": _Quoted(meta["previous"]["commit"])}
    return meta


def _template_context(meta: dict, code: str, ledger: Ledger, source, scope_names: dict) -> dict:
    """What the kind's template is rendered with: the front matter, and the helpers it uses."""
    rules, spec, date = ledger.rules, source.spec, meta["date"]
    figures = marked(meta["figures"], "")  # every number the body takes from them carries its marker
    catalog = ItemCatalog(ledger, source.stats)

    def item(item_id: str) -> ItemInfo:
        info = catalog(item_id)
        left = info.working_days_left
        return dataclasses.replace(
            info,
            overdue_days=Marked(info.overdue_days, f"items.{item_id}.overdue_days"),
            working_days_left=None if left is None else Marked(left, f"items.{item_id}.working_days_left"),
            marks=True,
        )

    return {
        **meta,
        "kind": code,
        "kind_name": KINDS[code],
        "display_number": f"《{KINDS[code]}》{date.year}年第{meta['number']}期",
        "f": figures,
        "t": figures["totals"],
        "p": figures.get("period"),
        "period": spec.period,
        "spec": dataclasses.replace(spec, due_within_days=Marked(spec.due_within_days, "params.due_within_days")),
        "scope_names": scope_names,
        "rules": rules,
        "office": rules.office_name,
        "item": item,
        "lacking_common": lambda table: _common_lacking(table, item),
        "unit": lambda code_: rules.unit_name(code_, spec.as_of),
        "category": lambda code_: rules.categories[code_].name if code_ in rules.categories else code_,
        "headers": stats_mod.headers(spec.due_within_days),
        "reply_by": rules.calendar().add_working_days(date, 5),
        "gov": rules.government,
        "office_short": rules.office_short,
        "batch": lambda code_: rules.batches[code_],
        "batch_kind": lambda code_: stats_mod.group_name(rules, "batch_kind", code_, spec.as_of),
        "pace_classes": pace.CLASSES,
        "change": lambda path: _change_said(source, path),
        "annex_ids": annex_order(rules, source.stats.items),
        "annex_inline": True,
    }


def annex_order(rules, facts) -> list[str]:
    """The 附件's whole list: each meeting's or document's items in the order of its own list (序号), in
    the rules' order of batches, then the items of no batch by id."""
    rank = {code: n for n, code in enumerate(rules.batches)}
    return [f.id for f in sorted(facts, key=lambda f: (f.batch is None, rank.get(f.batch, len(rank)), f.seq or 0, f.id))]


def _change_said(source, path: str) -> str:
    """，较上期（第1期）提高 5.0 个百分点 / ，与上期（第1期）持平: a rate against the previous issue, marked;
    "" without a previous issue."""
    points = source.change(path)
    if points is None:
        return ""
    prev = f"第{source.spec.previous['number']}期"
    if points == 0:
        return f"，与上期（{prev}）持平"
    word = "提高" if points > 0 else "下降"
    return MdSafe(f"，较上期（{prev}）{word} " + mark(f"{CHANGE}.{path}", points_text(abs(points), source.rules.decimals)) + " 个百分点")


def _common_lacking(table, item) -> tuple[str, ...]:
    """What every item of a ``{unit: ids}`` table lacks (``ItemInfo.lacking``): said once, before the list."""
    found = [item(i).lacking for ids in table.values() for i in ids]
    return tuple(k for k in LACKING if found and all(k in f for f in found))


def _render_draft(root: Path, code: str, meta: dict, context: dict, commit: str) -> Draft:
    """Render the body, put the front matter above it, and check the front matter as ``ducha check`` would."""
    env = template_env(root, context["rules"].decimals)
    path = bulletin_path(root, code, meta["year"], meta["number"])
    shown = path.relative_to(root).as_posix()
    drafted = meta
    for inline in (True, False):  # the 附件's whole list in the body, or (too large for one file) in its .xlsx only
        body = tidy(env.get_template(f"{code}.md.j2").render(**{**context, "annex_inline": inline}))
        meta = _with_body_figures(drafted, keys_in(body))
        text = "---\n" + dump_front_matter(meta) + "---\n\n" + body
        raw = text.encode("utf-8")
        if len(raw) <= MAX_BYTES:
            break
    if len(raw) > MAX_BYTES:  # said before anything is written or printed: no one file can hold this scope
        raise DuchaError(f"B116 起草未完成：{size_finding(shown, len(raw)).message}")
    parsed, findings = parse_bulletin(raw, shown)
    if parsed is None:  # a broken template override: say so rather than write a bulletin check rejects
        raise LedgerError(f"起草的通报前言有错误（请检查模板 {code}.md.j2）：\n{format_text(findings)}", [])
    return Draft(path, text, parsed.meta, commit)


def _with_body_figures(meta: dict, keys: dict[str, int]) -> dict:
    """The front matter with how many times the body marks each key (``bodymarks.BODY_FIGURES``) after the figures."""
    out = {}
    for key, value in meta.items():
        out[key] = value
        if key == "figures" and keys:
            out[BODY_FIGURES] = keys
    return out


def default_title(kind: str, spec: Spec, scope_names: dict) -> str:
    what = "、".join(scope_names["category"] + scope_names["unit"])
    meetings = "、".join(scope_names.get("batch", ()))
    if meetings and kind == "bulletin":  # as offices title it: 关于市政府第9次常务会议确定事项落实情况的通报
        return f"关于{meetings}{what}确定事项落实情况的通报"
    if meetings:
        what = meetings + what
    if kind == "bulletin":
        when = spec.period.name if spec.period else f"截至{cn_date(spec.as_of)}"
        return f"关于{when}{what}督查事项办理情况的通报"
    if kind == "special":
        return f"关于{what or '督查事项'}办理情况的专报"
    if kind == "notice":
        return f"关于抓紧办理即将到期和超期{what}督查事项的通知"
    return f"{spec.period.name if spec.period else cn_date(spec.as_of)}{what}督查工作情况"


def write_new(path: Path, text: str) -> Path:
    """Write ``text`` to ``path`` atomically; never overwrite (a concurrent draft took the number)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if not write_exclusive(path, text):
        raise DuchaError(f"{path} 已存在（期号被占用），未覆盖；请重新运行以取下一个期号。")
    return path
