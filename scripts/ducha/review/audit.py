"""Audit findings over the ledger's history (``ducha audit``).

Everything is derived from the history engine's field-level versions: item
states are rebuilt by replaying the changes, and each step is judged by the
same rules as a pull request (``workflow.compare``), plus what only history
shows: backdated dates, deleted files, direct pushes, unknown authors,
missing signatures and rewritten history.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import git

from ..core import codes
from ..history.repo import TZ, BlobReader, open_repo
from ..core.formats import beijing
from ..core.findings import Notice
from ..history.commits import History, apply_changes, dates_recorded, git_date, landing_times, load_history, parse_version
from ..ledger.register import finding_key
from ..ledger.trust import baseline_index
from ..core.rules import Rules
from ..core.schema import STATUSES
from ..core.workflow import compare, legal_transition

_T_TO_A = {"T101": "A109", "T102": "A102", "T103": "A110", "T104": "A103"}


@dataclass(frozen=True)
class AuditFinding:
    code: str
    item: str
    commit: str
    author: str
    date: str
    message: str
    field: str = ""  # the item field the finding is about, "" for a commit or a whole file
    landed: str = ""  # the day the commit landed on the branch (YYYY-MM-DD, Beijing; see landing_days)
    review: str = ""  # "" while open; the review register's decision once reviewed (accepted / rejected)

    @property
    def key(self) -> str:
        """How the review register names this finding (``register.finding_key``)."""
        return finding_key(self.code, self.item, self.commit, self.field)

    @property
    def severity(self) -> str:
        return codes.get(self.code).severity

    def as_dict(self) -> dict:
        return asdict(self)


StatusesAlong = Callable[[str, str], list]  # (merge commit, path) -> the item's statuses along the merged branch


def _walked(old, statuses: list, new) -> bool:
    """Whether a merged branch took the item from ``old`` to ``new`` one legal step per commit."""
    seq = [old] + [s for s in statuses if s in STATUSES]
    return len(seq) > 1 and seq[-1] == new and all(legal_transition(a, b) for a, b in zip(seq, seq[1:]))


SIGNATURE_MEANING = {"N": "没有签名", "B": "签名无效", "U": "签名者未受信任", "E": "无法验证签名",
                     "X": "签名已过期", "Y": "签名密钥已过期", "R": "签名密钥已吊销"}  # fmt: skip


def audit(
    history: History, rules: Rules, since: dt.date | None = None, until: dt.date | None = None,
    statuses_along: StatusesAlong | None = None, as_of: dt.date | None = None,
) -> list[AuditFinding]:  # fmt: skip
    """``statuses_along``: how to look inside a merged pull request.  Main's first-parent line sees a
    pull request as one step; one that walked in_progress → reported → closed over several commits
    (each checked by ``ducha check --base``) is not a skipped step.  ``since``/``until`` select by the day a
    commit landed on the branch (``landing_days``); ``as_of``: a commit dated later is itself a finding (A117).
    History up to the rules' ``audit.baseline`` raises no findings."""
    run = _Audit(history, rules, since, until, statuses_along, as_of)
    for i, commit in enumerate(history.commits):
        if run.in_range(i) and i > run.base:
            run.commit_findings(i, commit)
    for item_id, versions in history.items.items():
        run.item_findings(item_id, versions)
    for code, idx, item_id, message in history.problems:
        if run.in_range(idx) and idx > run.base:
            run.add(code, item_id, idx, message)
    for old_head, seen_at in history.rewrites:
        idx = next((i for i, c in enumerate(history.commits) if c.sha == seen_at), None)
        commit = history.commits[idx] if idx is not None else None
        run.out.append(
            AuditFinding("A108", "", seen_at, commit.author if commit else "", commit.date if commit else "",
                         f"上次读取历史时的最新提交 {old_head[:10]} 已不在主分支历史中（强制推送或变基）。",
                         landed=run.days[idx].isoformat() if idx is not None else "")
        )  # fmt: skip
    order = {c.sha: i for i, c in enumerate(history.commits)}
    run.out.sort(key=lambda f: (order.get(f.commit, len(order)), f.code, f.item))
    return capped(run.out)


@dataclass
class _Audit:
    """One audit run: its inputs, its period and the findings so far."""

    history: History
    rules: Rules
    since: dt.date | None
    until: dt.date | None
    statuses_along: StatusesAlong | None
    as_of: dt.date | None = None
    out: list[AuditFinding] = field(default_factory=list)

    def __post_init__(self):
        self.staff = {s["email"].lower() for s in self.rules.staff}
        self.times = landing_times(self.history.commits)
        self.days = [t.astimezone(TZ).date() for t in self.times]
        self.base = baseline_index(self.history, self.rules.baseline, self.days)[0]  # its notice: audit_repository
        # commits that change the ledger (an item file or the rules): the ones whose way in, author and
        # signature are audited; a commit that changes only other files (code, docs) is not a ledger record
        self.ledger_commits = {v[0] for versions in self.history.items.values() for v in versions}
        self.ledger_commits |= {idx for idx, _ in self.history.rules_versions}

    def in_range(self, i: int) -> bool:
        day = self.days[i]
        return (self.since is None or day >= self.since) and (self.until is None or day <= self.until)

    def add(self, code, item, i: int, message, fld: str = "") -> None:
        commit = self.history.commits[i]
        self.out.append(AuditFinding(code, item, commit.sha, commit.author, commit.date, message, fld, landed=self.days[i].isoformat()))

    def clock_findings(self, i: int, commit) -> None:
        """A commit whose clock cannot be trusted: older than its parent or later than the as-of day (any
        commit: it moves the landing clock).  Its records count from the landing day the clock gives."""
        when = commit.when
        if i and when < self.times[i - 1]:
            self.add("A115", "", i, f"提交时间 {beijing(when)} 早于上一提交的 {beijing(self.times[i - 1])}；按 {self.days[i]} 入账计。")
        if self.as_of is not None and when.astimezone(TZ).date() > self.as_of:
            self.add("A117", "", i, f"提交时间 {beijing(when)} 晚于审计截止日 {self.as_of}。")

    def commit_findings(self, i: int, commit) -> None:
        """What is wrong with a commit itself: its clock and its message (every commit); its way in, author
        and signature, and its author time far from its commit time (commits that change the ledger)."""
        self.clock_findings(i, commit)
        if commit.classified:
            self.add("A114", "", i, f"提交说明第 {commit.classified[0]} 行含密级标志，涉密内容不得写入本系统；网站和修改记录中不显示该说明。")
        if i not in self.ledger_commits:
            return
        rules, staff = self.rules, self.staff
        authored = git_date(commit.author_date)[0]
        tolerance = rules.backdating_tolerance_days
        if abs((commit.when - authored).total_seconds()) > tolerance * 86400:
            self.add("A116", "", i, f"提交时间 {beijing(commit.when)} 与作者时间 {beijing(authored)} 相差超过 {tolerance} 天。")
        if rules.require_merge and commit.parents == 1 and i > 0:
            self.add("A105", "", i, f"提交“{commit.shown_subject}”直接进入主分支，没有经过合并请求。")
        if staff and commit.email.lower() not in staff:
            self.add("A106", "", i, f"提交人 {commit.author} <{commit.email}> 不在督查室人员名单中。")
        if rules.allowed_signers and commit.signature != "G":
            meaning = SIGNATURE_MEANING.get(commit.signature, "签名状态未知")
            self.add("A107", "", i, f"提交{meaning}（%G?={commit.signature}）。")

    def item_findings(self, item_id: str, versions) -> None:
        """Each version of one item, judged against the state before it."""
        state: dict | None = None
        for idx, path, blob, action, changes, ok in versions:
            previous = state
            if action == "D":
                state = None
            elif ok:
                state = apply_changes(state or {}, changes)
            if not self.in_range(idx) or idx <= self.base:
                continue
            if action == "D":
                self.add("A104", item_id, idx, f"删除了事项文件 {path}。")
            elif not ok:
                why = next((new for fld, _, new in changes if fld == "(file)"), "无法读取的版本")
                self.add("A113", item_id, idx, f"{path} 的这一版本未审计（{why}）")
            else:
                self.version_findings(item_id, idx, path, changes, previous, state)

    def version_findings(self, item_id, idx: int, path, changes, previous, state) -> None:
        """Backdated dates (A101, against the landing day) and steps the workflow forbids (A1xx from T1xx)."""
        day = self.days[idx]
        commit = self.history.commits[idx]
        tolerance = self.rules.backdating_tolerance_days
        rules = self.rules
        for fld, recorded in dates_recorded(changes):
            late = rules.late_by(recorded, day)
            if abs(late) > tolerance:
                when = "晚" if late > 0 else "早"
                self.add("A101", item_id, idx,
                         f"{fld} 记为 {recorded}，而写入它的提交在 {day}，提交比记录日期{when} {rules.tolerance_text(abs(late))}（容许 {rules.tolerance_text()}）。", fld)  # fmt: skip
        if previous is None or state is None:
            return
        for v in compare(previous, state, self.rules.open_ended):
            code = _T_TO_A.get(v.code)
            if code == "A109" and commit.parents > 1 and self.statuses_along is not None:
                if _walked(previous.get("status"), self.statuses_along(commit.sha, path), state.get("status")):
                    continue
            if code:
                self.add(code, item_id, idx, v.message, v.field)


PER_GROUP = 20  # findings listed per (commit, item, code); the rest are counted in one summary finding


def capped(findings: list[AuditFinding], limit: int = PER_GROUP) -> list[AuditFinding]:
    """At most ``limit`` findings of one code for one item in one commit, then one that says how many
    more there are: one commit that backdates 3,000 records is one thing to look into, not 3,000 lines."""
    seen: dict[tuple[str, str, str], int] = {}
    for f in findings:
        key = (f.commit, f.item, f.code)
        seen[key] = seen.get(key, 0) + 1
    if all(n <= limit for n in seen.values()):
        return findings
    out = []
    kept: dict[tuple[str, str, str], int] = {}
    for f in findings:
        key = (f.commit, f.item, f.code)
        n = kept[key] = kept.get(key, 0) + 1
        if n <= limit:
            out.append(f)
        if n == limit and seen[key] > limit:
            out.append(AuditFinding(f.code, f.item, f.commit, f.author, f.date, f"另有 {seen[key] - limit} 条同类发现未列出。", landed=f.landed))
    return out


@contextlib.contextmanager
def _signers(path: str | None):
    """Point git at the allowed-signers file for this run only (``%G?`` of SSH signatures)."""
    if not path:
        yield
        return
    keys = {"GIT_CONFIG_COUNT": "1", "GIT_CONFIG_KEY_0": "gpg.ssh.allowedSignersFile", "GIT_CONFIG_VALUE_0": path}
    saved = {k: os.environ.get(k) for k in keys}
    os.environ.update(keys)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def _git_statuses_along(root: Path) -> StatusesAlong:
    """Statuses of one file along the branch a merge commit brought in (second parent), oldest first:
    one ``git log`` and one batched blob read per merge asked about (only merges that look like a skip)."""
    repo = open_repo(Path(root))

    def statuses(merge: str, path: str) -> list:
        try:
            raw = repo.git.log(
                "--reverse", "--topo-order", "--format=", "--raw", "--no-abbrev", "--no-renames",
                f"{merge}^1..{merge}^2", "--", path,
            )  # fmt: skip
        except git.GitCommandError:
            return []
        blobs = [line.split()[3] for line in raw.splitlines() if line.startswith(":") and line.split()[4] != "D"]
        if not blobs:
            return []
        with BlobReader(repo) as reader:
            contents = reader.read_many(sorted(set(blobs)))
        out = []
        for blob in blobs:
            data = parse_version(contents[blob])
            out.append(data.get("status") if data else None)
        return out

    return statuses


@dataclass
class AuditResult:
    history: History
    findings: list[AuditFinding]
    extra_notices: list[Notice] = field(default_factory=list)

    @property
    def notices(self) -> list[Notice]:
        return audit_notices(self.history) + self.extra_notices

    @property
    def open(self) -> list[AuditFinding]:
        return [f for f in self.findings if not f.review]


def audit_notices(history: History) -> list[Notice]:
    """What an audit of ``history`` should say besides its findings: what reading the history had to do
    (a damaged cache rebuilt, names ignored) and, with no earlier read of the branch to compare with (or
    no branch at all), that rewrites (A108) could not be checked."""
    out = list(history.notices)
    if history.rewrites_unchecked:
        out.append(Notice(f"注意：未能核查历史改写：{history.rewrites_unchecked}"))
    return out


AUDIT_CACHE_ENTRIES = 8  # findings kept (as of several days, a few heads)


def _findings_key(history: History, rules: Rules, since, until, as_of) -> str | None:
    """Everything the findings depend on: the history (its head, length, first commit and the rewrites seen,
    which a head alone does not fix), the rules' data, the range and day, the holiday calendar and the
    source of the whole package."""
    import hashlib

    from ..core.workdays import calendar_stamp
    from ..files import cache as cachefile

    if not history.head or not history.commits:
        return None
    parts = (cachefile.package_stamp(), calendar_stamp(), history.head, len(history.commits), history.commits[0].sha,
             tuple(history.rewrites), repr(rules.raw), since, until, as_of)  # fmt: skip
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:24]


def _findings_cache(root: Path, key: str, findings: list | None = None) -> list | None:
    """Read (``findings`` None) or record the findings under ``key`` in ``.git/ducha/audit.pickle`` (a damaged
    or foreign file is no cache; a read-only checkout audits again next time)."""
    from ..files import cache as cachefile
    from ..history.repo import HistoryUnavailable

    try:
        path = Path(open_repo(Path(root)).git_dir) / "ducha" / "audit.pickle"
    except HistoryUnavailable:
        return None
    entries = cachefile.read(path)
    entries = entries if isinstance(entries, dict) else {}
    if findings is None:
        found = entries.get(key)
        return list(found) if isinstance(found, list) and all(isinstance(f, AuditFinding) for f in found) else None
    entries.pop(key, None)
    entries[key] = list(findings)
    while len(entries) > AUDIT_CACHE_ENTRIES:
        entries.pop(next(iter(entries)))
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        cachefile.write(path, entries)
    except OSError:
        pass
    return None


def audit_repository(root: Path, rules: Rules, since=None, until=None, rev: str = "HEAD", as_of: dt.date | None = None) -> AuditResult:
    """The audit of a repository, as ``ducha audit`` prints it and the site's 审计 page shows it: the history
    read with signatures when the rules name an allowed-signers file, merges judged by the statuses along
    the branch they brought in, and each finding marked with the review register's decision (work tree).
    The one composition both adapters call."""
    from ..ledger.register import read_register

    signers = str((Path(root) / rules.allowed_signers).resolve()) if rules.allowed_signers else None
    with _signers(signers):
        history = load_history(root, rev=rev, signatures=bool(signers))
    key = _findings_key(history, rules, since, until, as_of) if not signers else None  # signatures: a keyring's
    findings = _findings_cache(root, key) if key else None
    if findings is None:
        findings = audit(history, rules, since, until, statuses_along=_git_statuses_along(root), as_of=as_of)
        if key:
            _findings_cache(root, key, findings)
    register = read_register(Path(root), rules, as_of or dt.date.max)
    findings = [replace(f, review=register.decision(f.key)) if register.entries else f for f in findings]
    result = AuditResult(history, findings)
    known = {f.key for f in findings}
    result.extra_notices = baseline_index(history, rules.baseline, [])[1] if rules.baseline else []
    stale = [k for k in register.entries if k not in known]
    if stale and since is None and until is None:
        result.extra_notices.append(Notice(f"注意：复核登记中有 {len(stale)} 条不对应任何审计发现（{'、'.join(stale[:3])}{' 等' if len(stale) > 3 else ''}），请核对编号。"))
    return result
