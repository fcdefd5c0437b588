"""What the history lets count: the numbers use the record as it could legitimately stand, not as written.

A supervision office exists to stop 弄虚作假, so a number may not improve without an approved, committed
record.  Two rules, both decided by the main branch's first-parent history:

- **History decides the deadline.**  After an item leaves 拟办 its deadline moves only through an approved
  extension.  Where a commit moved (or removed) ``deadline`` or the default deadline's basis without one
  (the pull-request rule T102, in the audit A102), every count uses the value it had when the item left 拟办.
- **The landing clock decides late records.**  A record (``closed``, ``result.reported``, a review, an
  extension's approval) dated more than the tolerance before the day its commit landed on the branch
  counts as of the landing day (A101).  The landing clock never runs back (``landing_times``).

History up to ``audit.baseline`` (the bulk import of legacy data) is taken as written; the baseline is a fact
about the repository, so the current rules file's value applies to every commit read.  A finding
the review register accepts (属实已核) restores the written value; an open or rejected one keeps the
conservative value.  What the history cannot decide (no git, uncommitted edits) is said in the notices:
uncommitted edits are judged as landing on the as-of day, the earliest they can land.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field

from ..core.findings import Notice
from ..core.model import Item, to_date
from ..core.rules import Rules
from ..core.workflow import compare, without_deadline
from ..history.commits import History, apply_changes, dates_recorded, diff_fields, landing_times
from ..files import cache as cachefile
from ..history.repo import TZ
from .register import finding_key

# the records whose date decides 按期/超期 or the light, as ``dates_recorded`` names them
# (a progress report is not among them: its written date is the conservative one, since an earlier last
# report makes the next one due sooner; a late one is still an audit finding)
_COUNTED_RECORD = re.compile(r"^(closed|result\.reported|reviews\[\d+\]\.date|extensions\[\d+\]\.approved)$")
_PATH = re.compile(r"(\w+)(?:\[(\d+)\])?")
_FIELD_LABELS = {"deadline": "办理期限", "assigned": "交办日期", "category": "类别", "urgency": "紧急程度",
                 "closed": "办结日期", "result.reported": "报结日期"}  # fmt: skip
_LOG_LABELS = {"progress": "进展报告", "reviews": "审核", "extensions": "延期"}
_KEY_LABELS = {"approved": "批准"}


@dataclass(frozen=True)
class Correction:
    """One value the counts use instead of the written one, and the audit finding behind it."""

    item: str
    field: str  # deadline / assigned / closed / result.reported / progress[2].date ...
    written: object  # the value in the file (None: the field was removed)
    counted: object  # the value every number uses
    code: str  # A102 (moved without an approved extension) or A101 (recorded late)
    commit: str
    landed: dt.date

    @property
    def key(self) -> str:
        """The finding's name in the review register (as ``AuditFinding.key``)."""
        return finding_key(self.code, self.item, self.commit, self.field)

    @property
    def label(self) -> str:
        """The field as people name it: 办理期限, 办结日期, 第 2 次进展报告日期 ..."""
        m = re.fullmatch(r"(\w+)\[(\d+)\]\.(\w+)", self.field)
        if m:
            return f"第 {int(m.group(2)) + 1} 次{_LOG_LABELS.get(m.group(1), m.group(1))}{_KEY_LABELS.get(m.group(3), '')}日期"
        return _FIELD_LABELS.get(self.field, self.field)

    @property
    def reason(self) -> str:
        """Why the counts take ``counted`` (worded to follow "文件所写 X，按 Y 计——")."""
        if self.code == "A102":
            return f"没有经批准的延期却改动了（提交 {self.commit[:10]}，{self.landed} 入账），按交办时确定的值计"
        days = (self.landed - self.written).days if isinstance(self.written, dt.date) else 0
        return f"提交 {self.commit[:10]} 在 {self.landed} 才进入主分支，比所写日期晚 {days} 天，按入账日计"


def _shown(value) -> str:
    return "（无）" if value is None else str(value)


@dataclass
class Trust:
    """The corrections a ledger's counts use, by item, and what could not be decided."""

    corrections: dict[str, list[Correction]] = field(default_factory=dict)
    accepted: list[Correction] = field(default_factory=list)  # reviewed 属实已核: the written value counts
    notices: list[Notice] = field(default_factory=list)
    judged: bool = True  # False: no history to judge by (outside git)

    @property
    def affected(self) -> list[str]:
        return sorted(self.corrections)


TRUST_FORMAT = 2  # of the cached judgements (ledger.sources): bump when Trust or Correction change shape (2: with the per-item judgements)
_JUDGING = ("ledger/trust.py", "core/workflow.py", "history/commits.py")  # the code a judgement depends on


def cache_key(head: str, upto: str | None, baseline: str | None, rules: str, accepted) -> str:
    """Everything a committed ledger's judgement depends on (``rules``: the rules file's data, as read), and
    the source of the code that judges it."""
    from ..core.workdays import calendar_stamp

    parts = (cachefile.source_stamp(f"format {TRUST_FORMAT} {calendar_stamp()}", _JUDGING), head, upto, baseline, rules,
             tuple(sorted(accepted)))  # fmt: skip
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:24]


def landing_days(history: History) -> list[dt.date]:
    """The Beijing day each first-parent commit landed on (see ``landing_times``)."""
    return [t.astimezone(TZ).date() for t in landing_times(history.commits)]


def baseline_index(history: History, base: str | None, days: list[dt.date]) -> tuple[int, list[Notice]]:
    """Index of the last commit the baseline (a commit or a day) covers (-1: none), and a notice when it
    names no commit of the history."""
    if not base:
        return -1, []
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", base):
        day = dt.date.fromisoformat(base)
        return max((i for i, d in enumerate(days) if d <= day), default=-1), []
    found = [i for i, c in enumerate(history.commits) if c.sha.startswith(base)]
    if not found:
        return -1, [Notice(f"注意：台账规则 audit.baseline 指定的提交 {base} 不在主分支历史中，未设基线，全部历史都作审计。")]
    return found[0], []


def judge_version(previous: dict | None, state: dict, changes, landed: dt.date, tolerance: int, open_ended=frozenset(),
                  late_by=None):  # fmt: skip
    """(code, field, written, counted) for one version landing on ``landed``: a deadline field moved without
    an approved extension (counted value filled in by the caller) and records dated too early.
    ``open_ended``: the categories without a default deadline (``workflow.compare``)."""
    out = []
    if previous is not None and previous.get("status") not in (None, "draft"):
        for v in compare(previous, state, open_ended):
            if v.code == "T102":
                out.append(("A102", v.field, state.get(v.field), None))
    for fld, recorded in dates_recorded(changes):
        late = late_by(recorded, landed) if late_by is not None else (landed - recorded).days
        if _COUNTED_RECORD.match(fld) and late > tolerance:
            out.append(("A101", fld, recorded, landed))
    return out


class _ItemWalk:
    """One item's versions: the values its deadline had when it left 拟办 and the corrections since."""

    def __init__(self, item_id: str, open_ended=frozenset(), late_by=None):
        self.item_id = item_id
        self.open_ended = open_ended  # the categories without a default deadline
        self.late_by = late_by  # the rules' measure of lateness (calendar or working days)
        self.state: dict | None = None
        self.legit: dict[str, object] = {}
        self.found: dict[str, Correction] = {}  # field -> the latest correction of it
        self.accepted: list[Correction] = []

    def step(self, state: dict | None, changes, sha: str, landed: dt.date, judged: bool, tolerance: int, accepted):
        """Take the next version; ``judged``: after the baseline (before it, versions are taken as written)."""
        previous, self.state = self.state, state
        if state is None:
            return
        if previous is None or previous.get("status") in (None, "draft") or not judged:
            if state.get("status") not in (None, "draft"):  # leaving 拟办 (or as written): the term is set
                self.legit = {k: state.get(k) for k in ("deadline", "assigned", "category", "urgency")}
            if not judged:
                return
        # a version without a deadline may be given one (tightening) only when it also counts without one:
        # a deadline removed without approval and then set again is judged against the one removed
        counted_prev = self._counted(previous)
        open_ended = self.open_ended if counted_prev is not None and without_deadline(counted_prev, self.open_ended) else frozenset()
        if open_ended and not without_deadline(state, open_ended) and previous.get("status") not in (None, "draft"):
            self.legit = {k: state.get(k) for k in ("deadline", "assigned", "category", "urgency")}  # its first term
        for code, fld, written, counted in judge_version(previous, state, changes, landed, tolerance, open_ended, self.late_by):
            c = Correction(self.item_id, fld, written, self.legit.get(fld) if code == "A102" else counted, code, sha, landed)
            if c.key in accepted:
                if code == "A102":
                    self.legit[fld] = written
                self.found.pop(fld, None)
                self.accepted.append(c)
            else:
                self.found[fld] = c

    def _counted(self, data: dict | None) -> dict | None:
        """``data`` with the deadline fields the counts take from the history (A102) instead of the file."""
        for c in self.found.values():
            if data is not None and c.code == "A102" and _same(_get(data, c.field), c.written):
                data = _set(data, c.field, c.counted)
        return data

    def final(self) -> list[Correction]:
        """The corrections that still apply to the last version (the field still holds the judged value)."""
        state = self.state or {}
        return [c for c in self.found.values() if _same(_get(state, c.field), c.written)]


def assess(history: History | None, rules: Rules, upto: str | None, accepted: set[str] = frozenset(),
           worktree: dict[str, dict] | None = None, as_of: dt.date | None = None,
           baseline: str | None = None, memo: dict | None = None) -> Trust:  # fmt: skip
    """The corrections of every item as committed up to ``upto`` (a commit; None: the whole history), and of
    the uncommitted ``worktree`` versions (item id -> data), judged as landing on ``as_of``; ``baseline``:
    the current rules' ``audit.baseline``. ``memo``: item id -> (accepted, corrections) of the items without
    a work-tree version, kept by a caller that judges the same history, rules and register again (the
    site's preview): they are not replayed again."""
    if history is None:
        return Trust(judged=False, notices=[Notice("注意：没有 git 历史，期限改动和补录的记录无法核查，按所写计算。")])
    days = landing_days(history)
    base, notices = baseline_index(history, baseline, days)
    last = next((i for i, c in enumerate(history.commits) if c.sha == upto), len(history.commits) - 1) if upto else len(history.commits) - 1
    tolerance = rules.backdating_tolerance_days
    trust = Trust(notices=notices)
    new_files = [i for i in (worktree or {}) if i not in history.items]  # never committed: only the work tree
    for item_id, versions in [*history.items.items(), *((i, []) for i in new_files)]:
        edited = worktree and item_id in worktree and as_of is not None
        kept = memo.get(item_id) if memo is not None and not edited else None
        if kept is not None:
            trust.accepted += kept[0]
            found = kept[1]
        else:
            walk = _ItemWalk(item_id, rules.open_ended, rules.late_by)
            _replay(walk, versions, history, days, last, base, tolerance, accepted)
            if edited:
                data = worktree[item_id]
                walk.step(data, diff_fields(walk.state, data), "worktree", as_of, True, tolerance, accepted)
            trust.accepted += walk.accepted
            found = walk.final()
            if memo is not None and not edited:
                memo[item_id] = (list(walk.accepted), found)
        if found:
            trust.corrections[item_id] = found
    return trust


def _replay(walk: _ItemWalk, versions, history: History, days, last: int, base: int, tolerance: int, accepted) -> None:
    """Feed an item's committed versions up to commit index ``last`` to ``walk``."""
    state = None
    for idx, _path, _blob, action, changes, ok in versions:
        if idx > last:
            break
        if action == "D":
            state = None
        elif ok:
            state = apply_changes(state or {}, changes)
        else:
            continue
        walk.step(state, changes, history.commits[idx].sha, days[idx], idx > base, tolerance, accepted)


def counted_item(item: Item, corrections: list[Correction]) -> Item:
    """``item`` with each corrected field set to the value the counts use."""
    data = item.data
    for c in corrections:
        data = _set(data, c.field, c.counted)
    return Item(item.id, item.path, data, item.text)


def _same(a, b) -> bool:
    if a is None or b is None:
        return a is b
    try:
        return to_date(a) == to_date(b)
    except (TypeError, ValueError):
        return a == b


def _get(data, path: str):
    for name, idx in _PATH.findall(path):
        data = data.get(name) if isinstance(data, dict) else None
        if idx and data is not None:
            data = data[int(idx)] if isinstance(data, list) and int(idx) < len(data) else None
    return data


def _set(data: dict, path: str, value) -> dict:
    """A copy of ``data`` with ``path`` (``a.b``, ``a[2].b``) set to ``value`` (None removes a top-level key)."""
    parts = _PATH.findall(path)
    name, idx = parts[0]
    new = dict(data)
    if len(parts) == 1 and not idx:
        if value is None:
            new.pop(name, None)
        else:
            new[name] = value
        return new
    child = new.get(name)
    if idx:
        entries = list(child or [])
        i = int(idx)
        if i >= len(entries):
            return data
        entries[i] = _set(entries[i], ".".join(f"{n}[{j}]" if j else n for n, j in parts[1:]), value) if len(parts) > 1 else value
        new[name] = entries
    else:
        new[name] = _set(child or {}, ".".join(f"{n}[{j}]" if j else n for n, j in parts[1:]), value)
    return new
