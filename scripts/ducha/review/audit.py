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
import re
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import git

from ..core import codes
from ..history.repo import TZ, BlobReader, open_repo
from ..core.findings import Notice
from ..history.commits import LOG_FIELDS, History, load_history, parse_version
from ..core.model import to_date
from ..core.rules import Rules
from ..core.schema import STATUSES
from ..core.workflow import compare, legal_transition

_ENTRY = re.compile(r"^(\w+)\[(\d+)\]$")
_T_TO_A = {"T101": "A109", "T102": "A102", "T103": "A110", "T104": "A103"}


@dataclass(frozen=True)
class AuditFinding:
    code: str
    item: str
    commit: str
    author: str
    date: str
    message: str

    @property
    def severity(self) -> str:
        return codes.get(self.code).severity

    def as_dict(self) -> dict:
        return asdict(self)


def apply_changes(state: dict, changes) -> dict:
    """Replay one version's field-level changes on the previous state (copy-on-write)."""
    new = dict(state)
    lists: dict[str, list] = {}
    for fld, old, value in changes:
        if fld.startswith("("):
            continue
        m = _ENTRY.match(fld)
        if m and m.group(1) in LOG_FIELDS:
            name, idx = m.group(1), int(m.group(2))
            entries = lists.setdefault(name, list(state.get(name) or []))
            if value is None:
                del entries[idx:]
            else:
                del entries[idx:]
                entries.append(value)
            continue
        if value is None:
            new.pop(fld, None)
        else:
            new[fld] = value
    for name, entries in lists.items():
        if entries:
            new[name] = entries
        else:
            new.pop(name, None)
    return new


def _dates_recorded(changes) -> list[tuple[str, dt.date]]:
    """Dates that a version writes: closure, report, appended progress/reviews/extension decisions."""
    out = []
    # an edited log entry comes as its removal plus an append at the same index: pair them, so that
    # deciding an extension records the decision date only, not the (older) request date again
    removed = {fld: old for fld, old, new in changes if new is None and _ENTRY.match(fld)}
    for fld, old, new in changes:
        if old is None and fld in removed:
            old = removed[fld]
        try:
            if fld == "closed" and new is not None:
                out.append((fld, to_date(new)))
            elif fld == "result" and isinstance(new, dict) and "reported" in new:
                if not isinstance(old, dict) or old.get("reported") != new.get("reported"):
                    out.append(("result.reported", to_date(new["reported"])))
            elif isinstance(new, dict) and (m := _ENTRY.match(fld)):
                name = m.group(1)
                if name in ("progress", "reviews") and old is None and "date" in new:
                    out.append((f"{fld}.date", to_date(new["date"])))
                elif name == "extensions":
                    if old is None and "requested" in new:
                        out.append((f"{fld}.requested", to_date(new["requested"])))
                    for key in ("approved", "rejected"):
                        if key in new and (not isinstance(old, dict) or key not in old):
                            out.append((f"{fld}.{key}", to_date(new[key])))
        except (ValueError, TypeError):
            continue
    return out


StatusesAlong = Callable[[str, str], list]  # (merge commit, path) -> the item's statuses along the merged branch


def _walked(old, statuses: list, new) -> bool:
    """Whether a merged branch took the item from ``old`` to ``new`` one legal step per commit."""
    seq = [old] + [s for s in statuses if s in STATUSES]
    return len(seq) > 1 and seq[-1] == new and all(legal_transition(a, b) for a, b in zip(seq, seq[1:]))


SIGNATURE_MEANING = {"N": "没有签名", "B": "签名无效", "U": "签名者未受信任", "E": "无法验证签名",
                     "X": "签名已过期", "Y": "签名密钥已过期", "R": "签名密钥已吊销"}  # fmt: skip


def audit(
    history: History, rules: Rules, since: dt.date | None = None, until: dt.date | None = None,
    statuses_along: StatusesAlong | None = None,
) -> list[AuditFinding]:  # fmt: skip
    """``statuses_along``: how to look inside a merged pull request.  Main's first-parent line sees a
    pull request as one step; one that walked in_progress → reported → closed over several commits
    (each checked by ``ducha check --base``) is not a skipped step."""
    run = _Audit(history, rules, since, until, statuses_along)
    for i, commit in enumerate(history.commits):
        if run.in_range(commit):
            run.commit_findings(i, commit)
    for item_id, versions in history.items.items():
        run.item_findings(item_id, versions)
    for code, idx, item_id, message in history.problems:
        commit = history.commits[idx]
        if run.in_range(commit):
            run.add(code, item_id, commit, message)
    for old_head, seen_at in history.rewrites:
        commit = next((c for c in history.commits if c.sha == seen_at), None)
        run.out.append(
            AuditFinding("A108", "", seen_at, commit.author if commit else "", commit.date if commit else "",
                         f"上次读取历史时的最新提交 {old_head[:10]} 已不在主分支历史中（强制推送或变基）。")
        )  # fmt: skip
    run.out.sort(key=lambda f: (f.date, f.commit, f.code, f.item))
    return capped(run.out)


@dataclass
class _Audit:
    """One audit run: its inputs, its period and the findings so far."""

    history: History
    rules: Rules
    since: dt.date | None
    until: dt.date | None
    statuses_along: StatusesAlong | None
    out: list[AuditFinding] = field(default_factory=list)

    def __post_init__(self):
        self.staff = {s["email"].lower() for s in self.rules.staff}

    def in_range(self, commit) -> bool:
        day = commit.when.astimezone(TZ).date()
        return (self.since is None or day >= self.since) and (self.until is None or day <= self.until)

    def add(self, code, item, commit, message) -> None:
        self.out.append(AuditFinding(code, item, commit.sha, commit.author, commit.date, message))

    def commit_findings(self, i: int, commit) -> None:
        """What is wrong with a commit itself: its way in, its message, its author, its signature."""
        rules, staff = self.rules, self.staff
        if rules.require_merge and commit.parents == 1 and i > 0:
            self.add("A105", "", commit, f"提交“{commit.shown_subject}”直接进入主分支，没有经过合并请求。")
        if commit.classified:
            self.add("A114", "", commit, f"提交说明第 {commit.classified[0]} 行含密级标志，涉密内容不得写入本系统；网站和修改记录中不显示该说明。")
        if staff and commit.email.lower() not in staff:
            self.add("A106", "", commit, f"提交人 {commit.author} <{commit.email}> 不在督查室人员名单中。")
        if rules.allowed_signers and commit.signature != "G":
            meaning = SIGNATURE_MEANING.get(commit.signature, "签名状态未知")
            self.add("A107", "", commit, f"提交{meaning}（%G?={commit.signature}）。")

    def item_findings(self, item_id: str, versions) -> None:
        """Each version of one item, judged against the state before it."""
        state: dict | None = None
        for idx, path, blob, action, changes, ok in versions:
            commit = self.history.commits[idx]
            previous = state
            if action == "D":
                state = None
            elif ok:
                state = apply_changes(state or {}, changes)
            if not self.in_range(commit):
                continue
            if action == "D":
                self.add("A104", item_id, commit, f"删除了事项文件 {path}。")
            elif not ok:
                why = next((new for fld, _, new in changes if fld == "(file)"), "无法读取的版本")
                self.add("A113", item_id, commit, f"{path} 的这一版本未审计（{why}）")
            else:
                self.version_findings(item_id, commit, path, changes, previous, state)

    def version_findings(self, item_id, commit, path, changes, previous, state) -> None:
        """Backdated dates (A101) and steps the workflow forbids (A1xx from the T1xx rules)."""
        day = commit.when.astimezone(TZ).date()
        tolerance = self.rules.backdating_tolerance_days
        for fld, recorded in _dates_recorded(changes):
            gap = (recorded - day).days
            if abs(gap) > tolerance:
                when = "晚" if gap < 0 else "早"
                self.add("A101", item_id, commit,
                         f"{fld} 记为 {recorded}，而写入它的提交在 {day}，提交比记录日期{when} {abs(gap)} 天（容许 {tolerance} 天）。")  # fmt: skip
        if previous is None or state is None:
            return
        for v in compare(previous, state):
            code = _T_TO_A.get(v.code)
            if code == "A109" and commit.parents > 1 and self.statuses_along is not None:
                if _walked(previous.get("status"), self.statuses_along(commit.sha, path), state.get("status")):
                    continue
            if code:
                self.add(code, item_id, commit, v.message)


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
            out.append(AuditFinding(f.code, f.item, f.commit, f.author, f.date, f"另有 {seen[key] - limit} 条同类发现未列出。"))
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

    @property
    def notices(self) -> list[Notice]:
        return audit_notices(self.history)


def audit_notices(history: History) -> list[Notice]:
    """What an audit of ``history`` should say besides its findings: what reading the history had to do
    (a damaged cache rebuilt, names ignored) and, with no earlier read of the branch to compare with (or
    no branch at all), that rewrites (A108) could not be checked."""
    out = list(history.notices)
    if history.rewrites_unchecked:
        out.append(Notice(f"注意：未能核查历史改写：{history.rewrites_unchecked}"))
    return out


def audit_repository(root: Path, rules: Rules, since=None, until=None, rev: str = "HEAD") -> AuditResult:
    """The audit of a repository, as ``ducha audit`` prints it and the site's 审计 page shows it: the history
    read with signatures when the rules name an allowed-signers file, and merges judged by the statuses
    along the branch they brought in. The one composition both adapters call."""
    signers = str((Path(root) / rules.allowed_signers).resolve()) if rules.allowed_signers else None
    with _signers(signers):
        history = load_history(root, rev=rev, signatures=bool(signers))
    return AuditResult(history, audit(history, rules, since, until, statuses_along=_git_statuses_along(root)))
