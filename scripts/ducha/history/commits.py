"""Field-level history of every item from ONE pass over ``git log``.

The pass is ``git log --first-parent --reverse -z --raw -M`` on the ledger's
branch, so a merged pull request is attributed to its merge commit.  git
writes its output to a spool file that this thread reads as it grows, while it
fetches the blobs named in it through one ``git cat-file --batch`` process and
diffs each version of an item against the previous one.

An item is its id, and its id is its file stem: a file moved to another folder
(``items/2025`` → ``items/2026``) keeps one timeline, whether git saw a rename
or a delete and an add of the same stem in one commit.  A "rename" git guesses
between two different stems (two similar items, one deleted and one added) is
a deletion and a new item, never one timeline.

The result is cached under ``.git/ducha/``, one file per branch, keyed by the
last processed commit, and extended incrementally after a fast-forward; if the
cached head is no longer on the branch's first-parent chain the history was
rewritten: the cache is rebuilt and the rewrite is remembered (an audit finding).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import os
import pickle
import re
import subprocess
from collections import deque
from collections.abc import MutableMapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import git
import yaml_rs

from ..files import cache as cachefile
from ..core import yamlio
from .repo import BlobReader, HistoryUnavailable, Spool, ensure_full_history, open_repo, resolve_commit
from ..core.findings import Notice, foreign, shown_path
from ..core.model import to_date
from ..core.paths import ITEMS_PREFIX, RULES_PATH, is_item_path, id_of_path
from ..core.validate import classified_mark
from ..core.yamlio import ALIAS_LIMITS

CACHE_FORMAT = 10  # 7: classes moved to ducha.history.commits; 8: committer names, branch authors of merged changes; 9: makers as names; 10: touched
LOG_FIELDS = ("progress", "reminders", "extensions", "reviews", "circulation")
_LOG_SET = frozenset(LOG_FIELDS)
LOG_FORMAT = "%x1e%H%x1f%P%x1f%an%x1f%ae%x1f%cI%x1f%aI%x1f%G?%x1f%cn%x1f%B"
LOG_FORMAT_NOSIG = "%x1e%H%x1f%P%x1f%an%x1f%ae%x1f%cI%x1f%aI%x1f-%x1f%cn%x1f%B"
# every commit of a range (not only first-parent ones), without diffs: its parents, tree, author and author
# date — who made a merged change (``_record_makers``; only where a branch has several authors are its
# commits' diffs read, with ``git diff-tree``)
SIDE_FORMAT = "%x1e%H%x1f%P%x1f%T%x1f%an%x1f%aI"
_SIDE_ARGS = ("-z", "--no-color", "--no-show-signature")
_DIFF_TREE_ARGS = ("--stdin", "-r", "-z", "--raw", "--no-renames", "--no-abbrev", "--root", "--no-color")
_LOG_ARGS = ("--first-parent", "--diff-merges=first-parent", "--reverse", "-z", "--raw", "-M", "--no-abbrev",
             "--root", "--no-color", "--no-show-signature")  # fmt: skip
_GROUP = 300  # commits per blob batch
NOT_ASKED = "-"  # Commit.signature when %G? was not asked


WITHHELD_MESSAGE = "（提交说明含密级标志，未公开）"


class Commit(NamedTuple):
    sha: str
    parents: int
    author: str
    email: str
    date: str  # committer date, ISO 8601 with offset
    author_date: str
    signature: str  # %G? letter, "-" when not asked
    message: str
    committer: str = ""  # who committed it (who merged, rebased or applied a change made by its author)

    @property
    def when(self) -> dt.datetime:
        return git_date(self.date)[0]

    @property
    def subject(self) -> str:
        return self.message.split("\n", 1)[0]

    @property
    def classified(self) -> tuple[int, str] | None:
        """(line, marking) when the message carries a classified marking (the item check's detector), else None."""
        return classified_mark(self.message)

    @property
    def shown_message(self) -> str:
        """The message as it may be shown or published: withheld whole when it carries a classified marking."""
        return WITHHELD_MESSAGE if self.classified else self.message

    @property
    def shown_subject(self) -> str:
        return self.shown_message.split("\n", 1)[0]


# A version is a tuple (commit index, path, blob sha or None when deleted, action, changes, parse_ok)
# and a change a tuple (field, old, new): ``progress[3]`` names an appended/removed log entry.
Version = tuple
Change = tuple

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)
_ISO = re.compile(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)([+-])(\d\d):?(\d\d)")


def git_date(text: str) -> tuple[dt.datetime, bool]:
    """(the instant, whether ``text`` is a valid ISO 8601 date) of a date git printed with ``%cI``.

    git prints a commit's stored offset as it is, ``+99:99`` too (a hand-made commit object): the local
    time it shows is then the instant shifted by that offset, so the instant is recovered by shifting back.
    What is not a date at all is the epoch; the caller reports it."""
    try:
        return dt.datetime.fromisoformat(text), True
    except ValueError:
        pass
    m = _ISO.fullmatch(text.strip())
    if m is None:
        return _EPOCH, False
    local, sign, hours, minutes = m.groups()
    offset = dt.timedelta(hours=int(hours), minutes=int(minutes)) * (1 if sign == "+" else -1)
    try:
        return (dt.datetime.fromisoformat(local) - offset).replace(tzinfo=dt.timezone.utc), False
    except (ValueError, OverflowError):
        return _EPOCH, False


class ItemVersions(MutableMapping):
    """id -> list of versions, like a dict, except that in a loaded cache each item's list stays pickled
    until it is first read: ``ducha history ID`` unpickles one item, not 20,000, and an incremental run
    re-pickles only the items it touched."""

    __slots__ = ("_data",)

    def __init__(self, data: dict | None = None):
        self._data: dict[str, list | bytes] = data if data is not None else {}

    def __getitem__(self, key: str) -> list[Version]:
        value = self._data[key]
        if type(value) is bytes:
            value = self._data[key] = pickle.loads(value)
        return value

    def versions_of(self, key: str) -> list[Version]:
        """The item's list of versions, a new empty one for an item not seen before (``setdefault(key, [])``
        without the generic mapping's detour)."""
        value = self._data.get(key)
        if value is None:
            value = self._data[key] = []
        elif type(value) is bytes:
            value = self._data[key] = pickle.loads(value)
        return value

    def __setitem__(self, key: str, value: list[Version]) -> None:
        self._data[key] = value

    def __delitem__(self, key: str) -> None:
        del self._data[key]

    def __iter__(self):
        return iter(list(self._data))

    def __len__(self) -> int:
        return len(self._data)

    def __contains__(self, key) -> bool:
        return key in self._data

    def __reduce__(self):
        dump = pickle.dumps
        return ItemVersions, ({k: v if type(v) is bytes else dump(v, pickle.HIGHEST_PROTOCOL) for k, v in self._data.items()},)

    def __repr__(self) -> str:
        return f"ItemVersions({len(self._data)} items)"


@dataclass
class History:
    rev: str
    head: str | None = None
    commits: list[Commit] = field(default_factory=list)
    items: ItemVersions = field(default_factory=ItemVersions)
    current: dict[str, tuple[str, str]] = field(default_factory=dict)  # id -> (path, blob) of the live file
    rules_versions: list[tuple[int, str | None]] = field(default_factory=list)
    rewrites: list[tuple[str, str]] = field(default_factory=list)  # (old head, head when the rewrite was seen)
    # what the history could not read, by commit: (code, commit index, item id or "", message)
    problems: list[tuple[str, int, str, str]] = field(default_factory=list)
    ignored_paths: list[str] = field(default_factory=list)  # non-UTF-8 paths outside items/ (shown), not read
    # id -> {index of a first-parent merge commit: the names of the authors of the branch commits that
    # changed the item, each once, oldest first}: who made a change that a merge brought in
    makers: dict[str, dict[int, tuple[str, ...]]] = field(default_factory=dict)
    # per commit (by index): the ids of the items it changed, one per version it made (``items_changed``)
    touched: list[tuple[str, ...]] = field(default_factory=list)
    # of this load only (set by load_history, not kept in the cache): what the caller should be told, and
    # whether there was no earlier read of the branch to judge a rewrite against
    notices: list[Notice] = field(default_factory=list)
    rewrites_unchecked: str = ""  # why, when there is none
    signers: str | None = None  # allowed-signers identity the cached %G? letters were computed with
    ref: str | None = None  # full ref name the history follows (refs/heads/main), None for a bare commit
    format: int = CACHE_FORMAT

    @property
    def signatures_known(self) -> bool:
        return self.signers is not None and all(c.signature != NOT_ASKED for c in self.commits)

    def items_changed(self, indices) -> dict[int, list[str]]:
        """Commit index -> the ids of the items that commit changed, in the order of ``items`` (an item once
        per version the commit made of it), for the commits ``indices``: from ``touched``, without reading
        every item's versions."""
        rank = {item_id: n for n, item_id in enumerate(self.items)}
        return {i: sorted(self.touched[i], key=rank.__getitem__) for i in set(indices)}

    def timeline(self, item_id: str) -> list[dict]:
        out = []
        for idx, path, blob, action, changes, ok in self.items.get(item_id, []):
            c = self.commits[idx]
            out.append(
                {
                    "commit": c.sha,
                    "author": c.author,
                    "email": c.email,
                    "date": c.date,
                    "message": c.shown_message.strip(),
                    "path": path,
                    "action": action,
                    "changes": [{"field": f, "old": o, "new": n} for f, o, n in changes],
                }
            )
        return out


def diff_fields(old: dict | None, new: dict | None) -> list[Change]:
    """Field-level changes from ``old`` to ``new`` (new's key order, then removed keys); log lists
    as appended/removed entries."""
    old = old or {}
    new = new or {}
    out: list[Change] = []
    get = old.get
    logs = _LOG_SET
    for key, n in new.items():
        o = get(key)
        if o != n:
            if key in logs:
                _change(out, key, o, n)
            else:
                out.append((key, o, n))
    if not old.keys() <= new.keys():
        for key, o in old.items():
            if key not in new and o is not None:
                _change(out, key, o, None)
    return out


_ENTRY = re.compile(r"^(\w+)\[(\d+)\]$")


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


def dates_recorded(changes) -> list[tuple[str, dt.date]]:
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


def landing_times(commits: list[Commit]) -> list[dt.datetime]:
    """When each first-parent commit landed on the branch, by a clock that never runs back: its committer
    time, or its parent's landing time when it claims to be older (a skewed or forged clock)."""
    out: list[dt.datetime] = []
    last = None
    for c in commits:
        when = c.when
        last = when if last is None or when > last else last
        out.append(last)
    return out


def _change(out: list, key, o, n) -> None:
    if key in _LOG_SET and (o is None or type(o) is list) and (n is None or type(n) is list):
        o, n = o or [], n or []
        common = 0
        while common < min(len(o), len(n)) and o[common] == n[common]:
            common += 1
        out += [(f"{key}[{i}]", entry, None) for i, entry in enumerate(o[common:], common)]
        out += [(f"{key}[{i}]", None, entry) for i, entry in enumerate(n[common:], common)]
    else:
        out.append((key, o, n))


def _read_version(raw: bytes) -> tuple[dict | None, str]:
    """(data, "") of one version of an item, or (None, why it was not read): the checker's limits on
    reading a file (size, encoding, NUL, tabs) hold for every old version too, so a 6 MB version is not parsed."""
    text, findings = yamlio.decode(raw, "")
    if text is None:
        return None, f"{findings[0].code} {findings[0].message}"
    try:
        data = yaml_rs.loads(text, parse_datetime=True, alias_limits=ALIAS_LIMITS)
    except Exception:  # any unreadable version is recorded as such, never fatal
        return None, "D106 YAML 语法错误。"
    if not isinstance(data, dict):
        return None, "D109 文件内容不是一个事项（字段: 值 的映射）。"
    return data, ""


def parse_version(raw: bytes):
    return _read_version(raw)[0]




def _path(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:  # a name from elsewhere (GBK from Windows): kept as bytes, see ``foreign``
        return raw.decode("utf-8", "surrogateescape")


def parse_log_record(record: bytes) -> tuple[Commit, list[tuple[str, str, str, str]]]:
    """One ``\\x1e`` record: the commit and its raw entries ``(status letter, old path, new path, new blob)``.
    Paths that are not UTF-8 hold lone surrogates (``foreign``)."""
    head, _, rest = record.partition(b"\0")
    sha, parents, author, email, cdate, adate, sig, committer, message = head.decode("utf-8", "replace").split("\x1f", 8)
    commit = Commit(sha, len(parents.split()), author, email, cdate, adate, sig, message, committer)
    return commit, _raw_entries(rest)


def _raw_entries(rest: bytes) -> list[tuple[str, str, str, str]]:
    """The ``--raw -z`` entries after a commit's header: ``(status letter, old path, new path, new blob)``."""
    entries = []
    tokens = rest.split(b"\0")
    i = 0
    while i < len(tokens):
        tok = tokens[i].lstrip(b"\n")
        if not tok.startswith(b":"):
            i += 1
            continue
        meta = tok.decode().split()
        status = meta[4]
        new_blob = meta[3]
        if status[0] in "RC":
            old_path, new_path = _path(tokens[i + 1]), _path(tokens[i + 2])
            entries.append((status[0], old_path, new_path, new_blob))
            i += 3
        else:
            path = _path(tokens[i + 1])
            entries.append((status[0], path, path, new_blob))
            i += 2
    return entries


def item_events(entries) -> tuple[list[tuple[str, str, str, str | None]], tuple[str | None] | None]:
    """What one commit did to items and to the rules file.

    Items: ``(action, old path, new path, blob)`` with action A (added), M (modified), R (moved, same
    stem) or D (deleted, blob None).  A delete and an add of the same stem are a move even when git saw
    no rename; a git rename between different stems, or into/out of ``items/``, is a delete and an add.
    Rules: ``(blob,)`` of ``items/ledger.yml`` after the commit (``(None,)`` removed), None if untouched.
    """
    events = []
    adds: list[tuple[str, str]] = []
    dels: list[str] = []
    rules = None
    for status, old, new, blob in entries:
        if status in "RC":
            if old == RULES_PATH and status == "R":
                rules = (None,)
            if new == RULES_PATH:
                rules = (blob,)
            if is_item_path(old) and is_item_path(new) and id_of_path(old) == id_of_path(new):
                events.append(("R" if status == "R" else "A", old, new, blob))
                continue
            if status == "R" and is_item_path(old):
                dels.append(old)
            if is_item_path(new):
                adds.append((new, blob))
        elif status == "D":
            if old == RULES_PATH:
                rules = (None,)
            elif is_item_path(old):
                dels.append(old)
        elif new == RULES_PATH:
            rules = (blob,)
        elif is_item_path(new):
            if status == "A":
                adds.append((new, blob))
            else:
                events.append(("M", new, new, blob))
    if dels and adds:
        deleted = {}
        for path in dels:
            deleted.setdefault(id_of_path(path), []).append(path)
        unpaired = []
        for path, blob in adds:
            olds = deleted.get(id_of_path(path))
            if olds:
                events.append(("R", olds.pop(0), path, blob))
            else:
                unpaired.append((path, blob))
        adds = unpaired
        dels = [p for paths in deleted.values() for p in paths]
    events += [("D", path, path, None) for path in dels]
    events += [("A", path, path, blob) for path, blob in adds]
    return events, rules


class HistoryBuilder:
    def __init__(self, repo: git.Repo, history: History, signatures: bool = False):
        self.repo = repo
        self.h = history
        self.signatures = signatures
        # id -> parsed data of the version the next one is diffed against (the last readable one,
        # None after a deletion); filled lazily from the cache's versions on an incremental run
        self.data: dict[str, dict | None] = {}
        self.seen: set[str] = set()  # ids whose base is known or loading
        self.changed_at: dict[int, list[str]] = {}  # commit index -> ids of the items it changed (this run)

    def run(self, range_spec: str, expect_parent: str | None = None) -> None:
        """Apply the first-parent commits of ``range_spec``.  ``expect_parent``: the first of them must
        have this first parent (an incremental run), else ``_NotFastForward`` is raised before any change.

        Three processes work at once: git log (first-parent, with diffs), git cat-file (asked for a group of
        commits' blobs one group ahead) and this one, parsing and diffing; once the first is done, a git log
        of every commit (for ``_record_makers``) takes its core. Each git writes to its own spool file, so
        none waits for this thread."""
        fmt = LOG_FORMAT if self.signatures else LOG_FORMAT_NOSIG
        first_new = len(self.h.commits)
        side_args = ["log", *_SIDE_ARGS, f"--format={SIDE_FORMAT}", range_spec]
        with (
            contextlib.ExitStack() as stack,
            Spool(self.repo, ["log", *_LOG_ARGS, f"--format={fmt}", range_spec]) as log,
            BlobReader(self.repo) as reader,
        ):
            side = None  # started once the first git log is done, on the core it leaves (needed only at the end)
            inflight: deque = deque()
            group: list = []
            first = expect_parent is not None
            for record in log.records():
                if first:
                    first = False
                    parents = record.split(b"\x1f", 2)[1].split()
                    if not parents or parents[0].decode() != expect_parent:
                        raise _NotFastForward
                group.append(parse_log_record(record))
                if len(group) >= _GROUP:
                    inflight.append(self._prepare(group, reader))
                    group = []
                    if len(inflight) > 1:
                        self._apply(*inflight.popleft(), reader)
                    if side is None and log.proc.poll() is not None:
                        side = stack.enter_context(Spool(self.repo, side_args))
            if side is None:
                side = stack.enter_context(Spool(self.repo, side_args))
            if group:
                inflight.append(self._prepare(group, reader))
            while inflight:
                self._apply(*inflight.popleft(), reader)
            _record_makers(self.repo, self.h, first_new, side.records(), self.changed_at)

    def _base(self, item_id: str) -> str | None:
        """Blob of the version the next change of ``item_id`` is diffed against, from its recorded versions."""
        for _, _, blob, action, _, ok in reversed(self.h.items.get(item_id, ())):
            if action == "D":
                return None
            if ok:
                return blob
        return None

    def _prepare(self, group, reader: BlobReader) -> tuple[list, list, dict]:
        """The item events of a group of commits; asks for the blobs they need (and, for an item first
        met in this run, the blob of its base version in the cache)."""
        steps = []
        wanted: set[str] = set()
        missing: dict[str, str] = {}  # id -> base blob still to load
        seen = self.seen
        for commit, entries in group:
            odd = [e for e in entries if foreign(e[1]) or foreign(e[2])]
            if odd:
                entries = [e for e in entries if not (foreign(e[1]) or foreign(e[2]))] + _readable_sides(odd)
            events, rules = item_events(entries)
            ids = [id_of_path(new) for _, _, new, _ in events]
            steps.append((commit, events, ids, rules, odd))
            for (_, _, _, blob), item_id in zip(events, ids):
                if blob:
                    wanted.add(blob)
                if item_id not in seen:
                    seen.add(item_id)
                    base = self._base(item_id)  # its versions are all from the cache: not touched yet
                    if base is not None:
                        missing[item_id] = base
        wanted.update(missing.values())
        asked = sorted(wanted)
        reader.submit(asked)
        return steps, asked, missing

    def _apply(self, steps: list, asked: list, missing: dict, reader: BlobReader) -> None:
        blobs = reader.collect(asked)
        h = self.h
        data_of = self.data
        for item_id, base in missing.items():
            data_of[item_id] = parse_version(blobs[base])
        versions_of = h.items.versions_of
        for commit, events, ids, rules, odd in steps:
            idx = len(h.commits)
            h.commits.append(commit)
            h.touched.append(tuple(ids))
            h.head = commit.sha
            if odd:
                self._odd_paths(idx, odd)
            if not (git_date(commit.date)[1] and git_date(commit.author_date)[1]):
                h.problems.append(("A112", idx, "", _date_problem(commit)))
            if rules is not None:
                h.rules_versions.append((idx, rules[0]))
            if events:
                self.changed_at[idx] = ids
            for (action, old, new, blob), item_id in zip(events, ids):
                versions = versions_of(item_id)
                prev = data_of.get(item_id)
                if action == "D":
                    versions.append((idx, old, None, "D", tuple(diff_fields(prev, None)), True))
                    data_of[item_id] = None
                    if h.current.get(item_id, (old,))[0] == old:
                        h.current.pop(item_id, None)
                    continue
                data, why = _read_version(blobs[blob])
                if data is None:
                    changes = [("(file)", None, f"无法读取的版本：{why}")]
                else:
                    changes = diff_fields(prev, data)
                    data_of[item_id] = data
                if action == "R":
                    changes.insert(0, ("(path)", old, new))
                versions.append((idx, new, blob, action, tuple(changes), data is not None))
                h.current[item_id] = (new, blob)

    def _odd_paths(self, idx: int, odd) -> None:
        """Paths that are not UTF-8: under items/ a finding for the commit that wrote one (never an item:
        its name cannot be an id), elsewhere ignored and counted."""
        for status, old, new, _ in odd:
            path = old if status == "D" else new
            if not foreign(path):
                continue
            if path.startswith(ITEMS_PREFIX):
                if status != "D":
                    self.h.problems.append(("A111", idx, "", f"文件 {shown_path(path)} 未作为事项读取。"))
            else:
                self.h.ignored_paths.append(shown_path(path))


def _readable_sides(odd) -> list[tuple[str, str, str, str]]:
    """A rename or copy with one side not UTF-8 is, for the readable side, a deletion or an addition."""
    out = []
    for status, old, new, blob in odd:
        if status in "RC" and not foreign(new):
            out.append(("A", new, new, blob))
        elif status == "R" and not foreign(old):
            out.append(("D", old, old, "0" * 40))
    return out


def _date_problem(commit: Commit) -> str:
    bad = [f"{label}“{text}”" for label, text in (("提交时间", commit.date), ("作者时间", commit.author_date)) if not git_date(text)[1]]
    when = git_date(commit.date)[0].astimezone(dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S")
    return f"提交 {commit.sha[:10]} 的{'、'.join(bad)}无法识别（时区偏移或日期无效），按 UTC {when} 计。"


def _record_makers(repo: git.Repo, h: History, first_new: int, records, changed_at: dict[int, list[str]]) -> None:
    """Who made the changes that the merges from ``h.commits[first_new]`` on brought in: the authors of the
    branch commits (reachable from a merge's other parents, not from an earlier first-parent commit) that
    changed each item, recorded under the item and the merge (``History.makers``). ``records``: the range's
    commits, every one, without diffs; ``changed_at``: the items each first-parent commit changed.

    A branch of one author needs no diff: each item the merge changed was changed by that author's commits
    when the branch is one line of commits from the merge's first parent and the merge's tree is the
    branch's (no change made in the merge itself). Any other branch has its commits' diffs read."""
    side: dict[str, tuple] = {}
    for record in records:
        sha, parents, tree, author, adate = record.decode("utf-8", "replace").split("\x1f", 4)
        side[sha] = (parents.split(), tree, author, adate.strip())
    merges = [(idx, side.pop(h.commits[idx].sha, None)) for idx in range(first_new, len(h.commits))]
    pending = []  # (merge index, its branch commits): their diffs say who changed what
    for idx, own in merges:
        if own is None or len(own[0]) < 2:
            continue
        todo, branch = list(own[0][1:]), []
        while todo:
            sha = todo.pop()
            entry = side.pop(sha, None)
            if entry is None:  # first-parent, brought in by an earlier merge, or older than the range
                continue
            todo += entry[0]
            branch.append((sha, entry))
        if not branch:
            continue
        if len({e[2] for _, e in branch}) == 1 and _one_line(own, branch):
            for item_id in changed_at.get(idx, ()):
                h.makers.setdefault(item_id, {})[idx] = (branch[0][1][2],)
        else:
            pending.append((idx, branch))
    if not pending:
        return
    touched = _items_changed_by(repo, [sha for _, branch in pending for sha, _ in branch])
    for idx, branch in pending:
        made: dict[str, list[str]] = {}
        for sha, entry in sorted(((sha, e) for sha, e in branch if touched.get(sha)), key=lambda x: git_date(x[1][3])[0]):
            for item_id in touched[sha]:
                made.setdefault(item_id, []).append(entry[2])
        for item_id, names in made.items():
            h.makers.setdefault(item_id, {})[idx] = tuple(dict.fromkeys(names))


def _one_line(merge: tuple, branch: list[tuple[str, tuple]]) -> bool:
    """A merge of two parents whose second is a line of commits straight from its first, with the tip's tree."""
    parents, tree = merge[0], merge[1]
    if len(parents) != 2 or branch[0][0] != parents[1] or branch[0][1][1] != tree:
        return False
    for (_, entry), (below, _) in zip(branch, branch[1:]):
        if entry[0] != [below]:
            return False
    return branch[-1][1][0] == [parents[0]]


def _items_changed_by(repo: git.Repo, shas: list[str]) -> dict[str, set[str]]:
    """commit -> ids of the items its diff against its parent touches (``git diff-tree``; merges: none)."""
    with Spool(repo, ["diff-tree", *_DIFF_TREE_ARGS], feed=True) as spool:
        spool.feed(("\n".join(shas) + "\n").encode(), last=True)
        tokens = b"".join(iter(spool.read, b"")).split(b"\0")
    out: dict[str, set[str]] = {}
    current = None
    i = 0
    while i < len(tokens):
        tok = tokens[i].lstrip(b"\n")
        i += 1
        if tok.startswith(b":"):
            path = _path(tokens[i]) if i < len(tokens) else ""
            i += 1
            if current is not None and not foreign(path) and is_item_path(path):
                current.add(id_of_path(path))
        elif tok:
            current = out.setdefault(tok.decode(), set())
    return out


class _NotFastForward(Exception):
    """The cached head is an ancestor, but not the first parent of the next first-parent commit."""


# -- signatures ------------------------------------------------------------------


def _signers_identity(repo: git.Repo) -> str:
    """What %G? letters depend on: the allowed-signers file in effect (its path and content)."""
    try:
        path = repo.git.config("--get", "gpg.ssh.allowedSignersFile").strip()
    except git.GitCommandError:
        return ""
    try:
        content = Path(path).expanduser().read_bytes()
    except OSError:
        content = b""
    return path + ":" + hashlib.sha256(content).hexdigest()


def _fill_signatures(repo: git.Repo, h: History) -> None:
    """Ask %G? for every commit whose letter is not known, in one ``git log --no-walk --stdin``."""
    todo = [i for i, c in enumerate(h.commits) if c.signature == NOT_ASKED]
    if not todo:
        return
    shas = "".join(h.commits[i].sha + "\n" for i in todo).encode()
    proc = subprocess.run(
        ["git", "--git-dir", repo.git_dir, "log", "--no-walk=unsorted", "--stdin", "--no-show-signature", "--format=%H %G?"],
        input=shas, capture_output=True, check=False,
    )  # fmt: skip
    if proc.returncode:
        raise HistoryUnavailable("无法读取提交签名：" + proc.stderr.decode("utf-8", "replace").strip())
    letters = dict(line.split() for line in proc.stdout.decode().splitlines() if line.strip())
    for i in todo:
        h.commits[i] = h.commits[i]._replace(signature=letters.get(h.commits[i].sha, "E"))


# -- cache -----------------------------------------------------------------------


def _cache_path(repo: git.Repo, ref: str | None) -> Path:
    key = ref or "detached"
    safe = "".join(ch if ch.isalnum() else "_" for ch in key)[-60:]
    return Path(repo.git_dir) / "ducha" / f"history-{safe}-{hashlib.sha1(key.encode()).hexdigest()[:8]}.pickle"


def _save(path: Path, history: History):
    cachefile.write(path, history)
    path.with_suffix(".head").write_text(history.head or "", encoding="ascii")  # a hint for CacheWarmer only


class CacheWarmer:
    """Builds or extends the history cache in a forked process while the caller does other work.

    ``ducha build`` starts one before it loads the ledger: the git log pass (a git process and this
    package's parsing) then runs beside the ledger check and the statistics pages instead of before them.
    The caller's own ``load_history`` afterwards finds the cache current. The warmer is only a head start:
    whatever happens in it (a shallow clone, a killed process) the caller's ``load_history`` decides and
    reports. ``start`` returns None where there is nothing to gain: no fork, one core, or a cache whose
    head is already ``rev``'s.
    """

    def __init__(self, process):
        self.process = process

    @classmethod
    def start(cls, root: Path, rev: str = "HEAD") -> CacheWarmer | None:
        import multiprocessing

        if not hasattr(os, "fork") or (os.cpu_count() or 1) < 2:
            return None
        try:
            repo = open_repo(Path(root))
            head, ref = _resolve(repo, rev)
            hint = _cache_path(repo, ref).with_suffix(".head")
            if hint.is_file() and hint.read_text(encoding="ascii") == head:
                return None
        except (HistoryUnavailable, OSError, ValueError):
            return None
        process = multiprocessing.get_context("fork").Process(target=_warm, args=(str(root), rev), daemon=True)
        process.start()
        return cls(process)

    def wait(self) -> None:
        self.process.join()

    def stop(self) -> None:
        """Stop early (the caller gave up): the cache is written atomically, so nothing half-written stays."""
        if self.process.is_alive():
            self.process.terminate()
        self.process.join()


def _warm(root: str, rev: str) -> None:
    import signal
    import sys

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # unwind, so cachefile.write removes its temporary file
    try:
        load_history(Path(root), rev)
    except BaseException:  # the caller's own load_history reports what went wrong, in its own words
        os._exit(1)


def _load_cache(path: Path) -> tuple[History | None, bool]:
    """(the cached history or None, whether the file was damaged)."""
    h, damaged = cachefile.load(path)
    return (h if isinstance(h, History) and h.format == CACHE_FORMAT else None), damaged


def _resolve(repo: git.Repo, rev: str) -> tuple[str, str | None]:
    """(commit sha, full ref name or None) of ``rev``."""
    head = resolve_commit(repo, rev)
    try:
        ref = repo.git.rev_parse("--symbolic-full-name", rev).strip()
    except git.GitCommandError:
        ref = ""
    return head, (ref if ref.startswith("refs/") else None)


def _is_ancestor(repo: git.Repo, old: str, new: str) -> bool:
    try:
        repo.git.merge_base("--is-ancestor", old, new)
    except git.GitCommandError:  # not an ancestor, or the old head is gone altogether
        return False
    return True


def _build(repo: git.Repo, h: History | None, head: str, rev: str, ref: str | None, signatures: bool,
           rewrites: list[tuple[str, str]], ancestors: dict[str, bool]) -> History:  # fmt: skip
    """Extend ``h`` (the cached history) up to ``head``, or build afresh, with ``rewrites`` as known so far.
    ``ancestors``: whether a commit is an ancestor of ``head``, where already asked."""
    if h is not None and h.head and ancestors.get(h.head, None) in (True, None) and (
        h.head in ancestors or _is_ancestor(repo, h.head, head)
    ):
        try:
            HistoryBuilder(repo, h, signatures).run(f"{h.head}..{head}", expect_parent=h.head)
            h.head = head
            h.rewrites = rewrites
            return h
        except _NotFastForward:
            # the old head was merged from the side: nothing was dropped, but the first-parent
            # chain is a different one, so rebuild (not a rewrite)
            pass
    fresh = History(rev=rev, rewrites=rewrites, ref=ref, signers=h.signers if h is not None else None)
    HistoryBuilder(repo, fresh, signatures).run(head)
    fresh.head = head
    return fresh


# -- the record of what was read: rewrites survive a rebuilt cache -----------------------------------


def _record_path(cache: Path) -> Path:
    return cache.with_suffix(".record")


def _read_record(path: Path, ref: str) -> tuple[dict | None, bool]:
    """(the branch's record, damaged): the head first read here, the head last read, the rewrites seen."""
    record, damaged = cachefile.load(path)
    if not (isinstance(record, dict) and record.get("ref") == ref and {"first", "head", "rewrites"} <= record.keys()):
        return None, damaged or record is not None
    return record, False


def load_history(root: Path, rev: str = "HEAD", signatures: bool = False, use_cache: bool = True) -> History:
    """The ledger's history up to ``rev`` (first-parent), from the cache when it is still valid.

    ``signatures``: also know every commit's %G? letter (checked against the allowed-signers file
    configured in the environment).  ``use_cache=False`` builds from scratch and leaves the cache alone.
    """
    with cachefile.gc_paused():  # millions of objects and no cycles
        return _load_history(Path(root), rev, signatures, use_cache)


def _load_history(root: Path, rev: str, signatures: bool, use_cache: bool) -> History:
    repo = open_repo(Path(root))
    ensure_full_history(repo)
    head, ref = _resolve(repo, rev)
    cache = _cache_path(repo, ref)
    notices: list[Notice] = []
    h, damaged = _load_cache(cache) if use_cache else (None, False)
    if h is not None and h.ref != ref:
        h = None
    # whether the branch was rewritten is judged against a small record of its own, so that a cache
    # discarded (damaged, of an older format, deleted) does not forget the last head or the rewrites seen
    record, record_damaged = _read_record(_record_path(cache), ref) if ref else (None, False)
    if damaged or record_damaged:
        notices.append(Notice("注意：.git/ducha/ 中的历史缓存已损坏，已丢弃并重新读取 git 历史。"))
    rewrites = list(record["rewrites"]) if record else []
    rewrites += [r for r in (h.rewrites if h is not None else ()) if r not in rewrites]
    last = record["head"] if record else h.head if h is not None else None
    ancestors: dict[str, bool] = {}
    if ref and last and last != head:
        ancestors[last] = _is_ancestor(repo, last, head)
        if not ancestors[last]:
            rewrites.append((last, head))
    dirty = False
    identity = _signers_identity(repo) if signatures else None
    if signatures and h is not None and h.signers != identity:  # letters from another signers file are stale
        h.commits = [c._replace(signature=NOT_ASKED) for c in h.commits]
        dirty = True
    if h is None or h.head != head:
        h = _build(repo, h, head, rev, ref, signatures, rewrites, ancestors)
        dirty = True
    elif h.rewrites != rewrites:
        h.rewrites = rewrites
        dirty = True
    if signatures:
        if not h.signatures_known or h.signers != identity:
            _fill_signatures(repo, h)
            dirty = True
        h.signers = identity
    h.notices, h.rewrites_unchecked = [], ""
    if use_cache and dirty:
        _save(cache, h)
    if ref:
        first = record["first"] if record else last or head  # last: a cache from before the record
        if use_cache and (record is None or record["head"] != head or record["rewrites"] != rewrites):
            cachefile.write(_record_path(cache), {"ref": ref, "first": first, "head": head, "rewrites": rewrites})
        if first == head and not rewrites:
            h.rewrites_unchecked = "缺少上次读取这条分支历史的记录（新克隆，或 .git/ducha/ 被删除），本次读取的最新提交将作为今后核查的起点。"
    else:
        h.rewrites_unchecked = "读取的是单个提交（分离的 HEAD，如流水线检出的提交），不是分支，没有上次读取的记录可比较；按分支名审计才能核查。"
    if h.ignored_paths:
        paths = sorted(set(h.ignored_paths))
        notices.append(Notice(f"注意：历史中有 {len(paths)} 个不在 items/ 下的文件名不是 UTF-8 编码，已忽略（如 {paths[0]}）。"))
    h.notices = notices
    return h
