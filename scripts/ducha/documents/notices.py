"""督查通知单: one unit's items that are overdue, due soon or owe a progress report, ready to send.

Items already reported (已报结) wait for the office's review, not for the unit, and are left out.

A unit is sent what it leads and what it co-handles.  Units merged into another before ``as_of`` have
no one to send to: their items go to the unit that took them over (``merged_into``), and asking for the
merged unit's own notice is refused with the successor's code.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from ..files import cache as cachefile
from ..counting import stats as stats_mod
from .drafting import ItemCatalog, ItemInfo, cn_date, template_env, tidy
from ..core.findings import DuchaError, Finding, Hint, LedgerError
from ..ledger.checked import Ledger
from ..core.rules import current_units, successor

TEMPLATE = "unit-notice.md.j2"
WRITTEN = ".ducha-written.json"  # beside the notices: each file's SHA-256 as ducha last wrote it


@dataclass
class UnitNotice:
    unit: str
    name: str
    overdue: list[ItemInfo] = field(default_factory=list)
    due_soon: list[ItemInfo] = field(default_factory=list)
    progress_late: list[ItemInfo] = field(default_factory=list)
    text: str = ""

    @property
    def count(self) -> int:
        return len(self.overdue) + len(self.due_soon) + len(self.progress_late)

    @property
    def items(self) -> list[ItemInfo]:
        return self.overdue + self.due_soon + self.progress_late


def unit_notices(
    ledger: Ledger,
    as_of: dt.date,
    units: list[str] | None = None,
    root: Path | None = None,
    due_within_days: int = 5,
    date: dt.date | None = None,
    memo: dict | None = None,
    stats=None,
) -> list[UnitNotice]:
    """Notices for ``units`` (default: every current unit), rendered from ``unit-notice.md.j2``.
    ``memo``: the items' facts kept between counts (``stats.compute``); ``stats``: the ledger's statistics as of
    ``as_of`` with ``due_within_days``, when the caller has them already."""
    rules = ledger.rules
    _check_units(rules, units or [], as_of)
    wanted = list(units) if units else current_units(rules, as_of)
    notices = {code: UnitNotice(code, rules.unit_name(code, as_of)) for code in wanted}
    _fill_notices(ledger, as_of, due_within_days, notices, memo, stats)
    _render_notices(ledger, as_of, root, due_within_days, date or as_of, notices.values())
    return list(notices.values())


def _check_units(rules, units: list[str], as_of: dt.date) -> None:
    """Refuse a unit the rules do not know, and one merged away before ``as_of`` (naming its successor)."""
    for code in units:
        if code not in rules.units:
            raise DuchaError(f"单位“{code}”未在台账规则中登记；可选：{'、'.join(rules.units)}。")
        later = successor(rules, code, as_of)
        if later != code:
            unit = rules.units[code]
            raise DuchaError(
                f"{unit.name}（{code}）已于 {unit.valid_until} 后并入{rules.unit_name(later, as_of)}，"
                f"其事项列入后者的通知单。",
                hint=Hint("units", later),
            )


def _section(f) -> str | None:
    """The notice section an item's facts put it in (None: it needs no notice)."""
    if "open" not in f.flags or f.status == "reported":  # reported: waiting for the office's review, not the unit
        return None
    if "overdue_open" in f.flags:
        return "overdue"
    if "due_soon" in f.flags:
        return "due_soon"
    if "progress_required" in f.flags and "progress_on_time" not in f.flags:
        return "progress_late"
    return None


def _fill_notices(ledger: Ledger, as_of: dt.date, due_within_days: int, notices: dict[str, UnitNotice], memo=None, stats=None) -> None:
    """Put each item in the notices of its lead and co-handling units (or their successors), each section sorted."""
    rules = ledger.rules
    st = stats if stats is not None else stats_mod.compute(ledger, as_of, due_within_days=due_within_days, memo=memo)
    catalog = ItemCatalog(ledger, st)
    for f in st.items:
        section = _section(f)
        if section is None:
            continue
        for unit in dict.fromkeys(successor(rules, u, as_of) for u in (f.lead_unit, *f.co_units)):
            if unit in notices:
                getattr(notices[unit], section).append(catalog(f.id))
    for n in notices.values():
        n.overdue.sort(key=lambda i: (-i.overdue_days, i.id))
        n.due_soon.sort(key=lambda i: (i.deadline, i.id))
        n.progress_late.sort(key=lambda i: (i.last_progress or i.assigned, i.id))


def _render_notices(ledger: Ledger, as_of: dt.date, root: Path | None, due_within_days: int, day: dt.date, notices) -> None:
    """Set each notice's text, dated ``day``, from the ``unit-notice.md.j2`` template."""
    rules = ledger.rules
    env = template_env(root or Path(ledger.root or "."), rules.decimals)
    template = env.get_template(TEMPLATE)
    for n in notices:
        n.text = tidy(template.render(
            notice=n,
            unit=n.unit,
            unit_name=n.name,
            as_of=as_of,
            date=day,
            office=rules.office_name,
            office_short=rules.office_short,
            gov=rules.government,
            due_within_days=due_within_days,
            progress_every_days=rules.progress_every_days,
            reply_by=rules.calendar().add_working_days(day, 3),
            commit=ledger.commit,
            cn_date=cn_date,
        ))


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def write_notices(folder: Path, notices: list[UnitNotice], overwrite: bool = False) -> list[Path]:
    """Write each notice that has items to ``folder/<unit>.md``.

    A file already there is replaced only when it is what ducha last wrote (its digest in ``WRITTEN``)
    or what it would write now; one that staff edited (or that ducha never wrote) is kept: every such
    file is reported (N101) and nothing is written, unless ``overwrite``.
    """
    folder = Path(folder)
    record = folder / WRITTEN
    try:
        written = json.loads(record.read_text(encoding="utf-8"))
        written = written if isinstance(written, dict) else {}
    except (OSError, ValueError):
        written = {}
    wanted = {f"{n.unit}.md": n.text.encode("utf-8") for n in notices if n.count}
    edited = []
    for name, data in wanted.items():
        path = folder / name
        if path.is_file():
            now = _sha(path.read_bytes())
            if now not in (written.get(name), _sha(data)):
                edited.append(Finding(str(path), None, "N101", "",
                                      "这份通知单在上次生成后被修改过（或不是 ducha 写的），为免丢失修改，未覆盖。"))  # fmt: skip
    if edited and not overwrite:
        raise LedgerError(f"{len(edited)} 份督查通知单在生成后被修改过，未写出任何通知单。", edited)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, data in wanted.items():
        cachefile.write_bytes(folder / name, data)
        written[name] = _sha(data)
        paths.append(folder / name)
    cachefile.write_bytes(record, (json.dumps(written, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode("utf-8"))
    return paths

