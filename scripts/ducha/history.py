"""Field-level history of every item from ONE pass over ``git log``.

The pass is ``git log --first-parent --reverse -z --raw -M`` on the ledger's
branch, so a merged pull request is attributed to its merge commit.  A reader
thread drains git's output while the main thread fetches the blobs named in
it through one ``git cat-file --batch`` process and diffs each version of an
item against the previous one.

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

import datetime as dt
import hashlib
import bisect
import os
import pickle
import re
import subprocess
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import NamedTuple

import git
import yaml_rs

from .gitrepo import ITEMS_PREFIX, BlobReader, HistoryUnavailable, ensure_full_history, open_repo
from .yamlio import _ALIAS_LIMITS

CACHE_FORMAT = 4
LOG_FIELDS = ("progress", "reminders", "extensions", "reviews", "circulation")
_LOG_SET = frozenset(LOG_FIELDS)
RULES_PATH = "items/ledger.yml"
_FORMAT = "%x1e%H%x1f%P%x1f%an%x1f%ae%x1f%cI%x1f%aI%x1f%G?%x1f%B"
_FORMAT_NOSIG = "%x1e%H%x1f%P%x1f%an%x1f%ae%x1f%cI%x1f%aI%x1f-%x1f%B"
_LOG_ARGS = ("--first-parent", "--diff-merges=first-parent", "--reverse", "-z", "--raw", "-M", "--no-abbrev",
             "--root", "--no-color", "--no-show-signature")  # fmt: skip
_GROUP = 300  # commits per blob batch
NOT_ASKED = "-"  # Commit.signature when %G? was not asked


class Commit(NamedTuple):
    sha: str
    parents: int
    author: str
    email: str
    date: str  # committer date, ISO 8601 with offset
    author_date: str
    signature: str  # %G? letter, "-" when not asked
    message: str

    @property
    def when(self) -> dt.datetime:
        return dt.datetime.fromisoformat(self.date)

    @property
    def subject(self) -> str:
        return self.message.split("\n", 1)[0]


# A version is a tuple (commit index, path, blob sha or None when deleted, action, changes, parse_ok)
# and a change a tuple (field, old, new): ``progress[3]`` names an appended/removed log entry.
Version = tuple
Change = tuple


@dataclass
class History:
    rev: str
    head: str | None = None
    commits: list[Commit] = field(default_factory=list)
    items: dict[str, list[Version]] = field(default_factory=dict)
    current: dict[str, tuple[str, str]] = field(default_factory=dict)  # id -> (path, blob) of the live file
    rules_versions: list[tuple[int, str | None]] = field(default_factory=list)
    rewrites: list[tuple[str, str]] = field(default_factory=list)  # (old head, head when the rewrite was seen)
    signers: str | None = None  # allowed-signers identity the cached %G? letters were computed with
    ref: str | None = None  # full ref name the history follows (refs/heads/main), None for a bare commit
    format: int = CACHE_FORMAT

    @property
    def signatures_known(self) -> bool:
        return self.signers is not None and all(c.signature != NOT_ASKED for c in self.commits)

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
                    "message": c.message.strip(),
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
    for key, n in new.items():
        o = get(key)
        if o != n:
            _change(out, key, o, n)
    if len(old) > len(new) or any(key not in new for key in old):
        for key, o in old.items():
            if key not in new and o is not None:
                _change(out, key, o, None)
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


def _parse(raw: bytes):
    try:
        data = yaml_rs.loads(raw.decode("utf-8"), parse_datetime=True, alias_limits=_ALIAS_LIMITS)
    except Exception:  # any unreadable version is recorded as such, never fatal
        return None
    return data if isinstance(data, dict) else None


# Most commits change one or two top-level keys of an item.  Each version is compared with the previous
# one as bytes (common prefix and suffix); only the top-level sections (a column-0 key and the indented
# lines after it) that the changed bytes touch are parsed and diffed, the other keys keep the previous
# version's values.  Whenever the split cannot vouch for the result (aliases, a top level that is not a
# plain block mapping, a change in the comments before the first key, duplicate keys, a region that
# does not parse to exactly its keys) the version is parsed whole: the result is always that of parsing
# the whole file.
_SECTIONS = True
# a line at column 0 that is not a comment, with the key's name when it starts a top-level key
_COLUMN0 = re.compile(rb"\n(?:([A-Za-z_][A-Za-z0-9_]*)[ \t]*:(?=[ \t\r\n]|\Z)|[^ \t\r\n#])")
_INDENTED = re.compile(rb"^[ \t]+[^ \t\r\n#]", re.M)
_KEYS: dict[bytes, str] = {}

# The index of a version: (raw bytes, top-level keys in order, start offset of each key's section).
Index = tuple


def _sections(text: bytes, base: int = 0) -> tuple[list[str], list[int]] | None:
    """Keys and start offsets (+ ``base``) of the top-level sections of ``text``, which starts at a line
    start; None if a column-0 line is not a key, or indented content precedes the first key."""
    found = list(_COLUMN0.finditer(b"\n" + text))
    if not found or (found[0].start() and _INDENTED.search(text, 0, found[0].start())):
        return None
    keys, starts, cache = [], [], _KEYS
    for m in found:
        name = m.group(1)
        if name is None:
            return None
        key = cache.get(name)
        if key is None:
            key = cache[name] = name.decode()
        keys.append(key)
        starts.append(base + m.start())
    return keys, starts


def _index(raw: bytes, data: dict) -> Index | None:
    if not _SECTIONS or b"*" in raw:
        return None
    found = _sections(raw)
    return (raw, *found) if found is not None and found[0] == list(data) else None


def _common_prefix(a: bytes, b: bytes) -> int:
    n = min(len(a), len(b))
    if a[:n] == b[:n]:
        return n
    lo, hi = 0, n  # a[:lo] == b[:lo] and a[:hi] != b[:hi]
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if a[:mid] == b[:mid]:
            lo = mid
        else:
            hi = mid
    return lo


def _common_suffix(a: bytes, b: bytes, limit: int) -> int:
    la, lb = len(a), len(b)
    if a[la - limit :] == b[lb - limit :]:
        return limit
    lo, hi = 0, limit
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if a[la - mid :] == b[lb - mid :]:
            lo = mid
        else:
            hi = mid
    return lo


def _parse_changed(raw: bytes, prev: dict, index: Index) -> tuple[dict, Index, list] | None:
    """Parse only the sections of ``raw`` that differ from the indexed previous version; None: parse whole."""
    old, keys, starts = index
    if b"*" in raw:
        return None
    lo, ln = len(old), len(raw)
    p = _common_prefix(old, raw)
    if p == lo == ln:
        return prev, index, []
    s = _common_suffix(old, raw, min(lo, ln) - p)
    i0 = bisect.bisect_right(starts, p - 1) - 1  # the section holding the byte before the change
    if i0 < 0 or p == 0:
        return None
    i1 = bisect.bisect_right(starts, lo - s) - 1  # ... and the one holding the byte after it
    start = starts[i0]
    old_end = starts[i1 + 1] if i1 + 1 < len(starts) else lo
    new_end = old_end + ln - lo
    region = raw[start:new_end]
    found = _sections(region, start)
    if found is None or found[1][0] != start:
        return None
    region_keys, region_starts = found
    # within the region, sections whose text is unchanged keep their values too
    old_text = {keys[j]: old[starts[j] : starts[j + 1] if j + 1 < len(starts) else lo] for j in range(i0, i1 + 1)}
    bounds = region_starts + [new_end]
    texts = [raw[a:b] for a, b in zip(bounds, bounds[1:])]
    changed = [(k, t) for k, t in zip(region_keys, texts) if old_text.get(k) != t]
    parsed: object = {}
    if changed:
        text = b"".join(t for _, t in changed)
        try:
            parsed = yaml_rs.loads(
                (text if text.endswith(b"\n") else text + b"\n").decode("utf-8"),
                parse_datetime=True, alias_limits=_ALIAS_LIMITS,
            )  # fmt: skip
        except Exception:
            return None
        if not isinstance(parsed, dict) or list(parsed) != [k for k, _ in changed]:
            return None
    part = {k: parsed[k] if k in parsed else prev[k] for k in region_keys}
    before, after = keys[:i0], keys[i1 + 1 :]
    new_keys = before + region_keys + after
    if len(set(new_keys)) != len(new_keys):
        return None
    data = {k: prev[k] for k in before}
    data.update(part)
    for k in after:
        data[k] = prev[k]
    changes: list[Change] = []
    for k, n in parsed.items():
        o = prev.get(k)
        if o != n:
            _change(changes, k, o, n)
    for k in keys[i0 : i1 + 1]:
        if k not in part and prev.get(k) is not None:
            _change(changes, k, prev[k], None)
    shift = ln - lo
    return data, (raw, new_keys, starts[:i0] + region_starts + [x + shift for x in starts[i1 + 1 :]]), changes


def _parse_version(raw: bytes, prev: dict | None, index: Index | None) -> tuple[dict | None, Index | None, list]:
    """(data, index, changes against ``prev``) of one version of an item."""
    if prev is not None and index is not None:
        done = _parse_changed(raw, prev, index)
        if done is not None:
            return done
    data = _parse(raw)
    if data is None:
        return None, None, []
    return data, _index(raw, data), diff_fields(prev, data)


def _is_item(path: str) -> bool:
    return path.startswith(ITEMS_PREFIX) and path.endswith(".yml") and path != RULES_PATH


def _stem(path: str) -> str:
    """The file stem (an item's id) of a repository path: ``items/2026/DC-2026-0001.yml`` → ``DC-2026-0001``."""
    name = path.rpartition("/")[2]
    return name[:-4] if name.endswith(".yml") and len(name) > 4 else PurePosixPath(name).stem


class _Stream:
    """Drain a process's stdout on a thread so git never waits for us."""

    def __init__(self, proc):
        self.proc = proc
        self.chunks: list[bytes] = []
        self.cond = threading.Condition()
        self.done = False
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        fd = self.proc.stdout.fileno()
        while True:
            try:
                data = os.read(fd, 1 << 20)
            except OSError:  # closed under us: the consumer gave up
                data = b""
            with self.cond:
                if not data:
                    self.done = True
                else:
                    self.chunks.append(data)
                self.cond.notify()
            if not data:
                return

    def records(self):
        """Yield complete ``\\x1e``-separated records as they arrive."""
        pending = b""
        while True:
            with self.cond:
                while not self.chunks and not self.done:
                    self.cond.wait()
                chunks, self.chunks = self.chunks, []
                finished = self.done and not self.chunks
            pending += b"".join(chunks)
            parts = pending.split(b"\x1e")
            pending = parts.pop()
            for part in parts:
                if part:
                    yield part
            if finished:
                if pending:
                    yield pending
                return


def _parse_record(record: bytes) -> tuple[Commit, list[tuple[str, str, str, str]]]:
    """One ``\\x1e`` record: the commit and its raw entries ``(status letter, old path, new path, new blob)``."""
    head, _, rest = record.partition(b"\0")
    sha, parents, author, email, cdate, adate, sig, message = head.decode("utf-8", "replace").split("\x1f", 7)
    commit = Commit(sha, len(parents.split()), author, email, cdate, adate, sig, message)
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
            old_path, new_path = tokens[i + 1].decode(), tokens[i + 2].decode()
            entries.append((status[0], old_path, new_path, new_blob))
            i += 3
        else:
            path = tokens[i + 1].decode()
            entries.append((status[0], path, path, new_blob))
            i += 2
    return commit, entries


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
            if _is_item(old) and _is_item(new) and _stem(old) == _stem(new):
                events.append(("R" if status == "R" else "A", old, new, blob))
                continue
            if status == "R" and _is_item(old):
                dels.append(old)
            if _is_item(new):
                adds.append((new, blob))
        elif status == "D":
            if old == RULES_PATH:
                rules = (None,)
            elif _is_item(old):
                dels.append(old)
        elif new == RULES_PATH:
            rules = (blob,)
        elif _is_item(new):
            if status == "A":
                adds.append((new, blob))
            else:
                events.append(("M", new, new, blob))
    if dels and adds:
        deleted = {}
        for path in dels:
            deleted.setdefault(_stem(path), []).append(path)
        unpaired = []
        for path, blob in adds:
            olds = deleted.get(_stem(path))
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
        self.segs: dict[str, Index | None] = {}  # id -> index of that version (see _parse_changed)

    def run(self, range_spec: str, expect_parent: str | None = None) -> None:
        """Apply the first-parent commits of ``range_spec``.  ``expect_parent``: the first of them must
        have this first parent (an incremental run), else ``_NotFastForward`` is raised before any change."""
        fmt = _FORMAT if self.signatures else _FORMAT_NOSIG
        proc = self.repo.git.log(*_LOG_ARGS, f"--format={fmt}", range_spec, as_process=True)
        stream = _Stream(proc)
        try:
            with BlobReader(self.repo) as reader:
                group: list = []
                first = expect_parent is not None
                for record in stream.records():
                    if first:
                        first = False
                        parents = record.split(b"\x1f", 2)[1].split()
                        if not parents or parents[0].decode() != expect_parent:
                            raise _NotFastForward
                    group.append(_parse_record(record))
                    if len(group) >= _GROUP:
                        self._apply(group, reader)
                        group = []
                if group:
                    self._apply(group, reader)
        except BaseException:
            proc.terminate()
            raise
        proc.wait()

    def _base(self, item_id: str) -> str | None:
        """Blob of the version the next change of ``item_id`` is diffed against, from its recorded versions."""
        for _, _, blob, action, _, ok in reversed(self.h.items.get(item_id, ())):
            if action == "D":
                return None
            if ok:
                return blob
        return None

    def _apply(self, group, reader: BlobReader):
        h = self.h
        steps = []
        wanted: set[str] = set()
        missing: dict[str, str] = {}  # id -> base blob still to load
        for commit, entries in group:
            events, rules = item_events(entries)
            steps.append((commit, events, rules))
            for action, old, new, blob in events:
                if blob:
                    wanted.add(blob)
                item_id = _stem(new)
                if item_id not in self.data and item_id not in missing:
                    base = self._base(item_id)
                    if base is None:
                        self.data[item_id] = None
                    else:
                        missing[item_id] = base
        wanted.update(missing.values())
        blobs = reader.read_many(sorted(wanted)) if wanted else {}
        data_of, segs_of = self.data, self.segs
        for item_id, base in missing.items():
            data_of[item_id] = _parse(blobs[base])
            segs_of[item_id] = _index(blobs[base], data_of[item_id]) if data_of[item_id] is not None else None
        for commit, events, rules in steps:
            idx = len(h.commits)
            h.commits.append(commit)
            h.head = commit.sha
            if rules is not None:
                h.rules_versions.append((idx, rules[0]))
            for action, old, new, blob in events:
                item_id = _stem(new)
                versions = h.items.setdefault(item_id, [])
                prev = data_of.get(item_id)
                if action == "D":
                    versions.append((idx, old, None, "D", tuple(diff_fields(prev, None)), True))
                    data_of[item_id] = segs_of[item_id] = None
                    if h.current.get(item_id, (old,))[0] == old:
                        h.current.pop(item_id, None)
                    continue
                data, segs, changes = _parse_version(blobs[blob], prev, segs_of.get(item_id))
                if data is None:
                    changes = [("(file)", None, "无法解析的版本")]
                else:
                    data_of[item_id], segs_of[item_id] = data, segs
                if action == "R":
                    changes.insert(0, ("(path)", old, new))
                versions.append((idx, new, blob, action, tuple(changes), data is not None))
                h.current[item_id] = (new, blob)


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
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            pickle.dump(history, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _load_cache(path: Path) -> History | None:
    try:
        with open(path, "rb") as fh:
            h = pickle.load(fh)
    except FileNotFoundError:
        return None
    except Exception:  # an unreadable or foreign cache is rebuilt, never fatal
        return None
    return h if isinstance(h, History) and h.format == CACHE_FORMAT else None


def _resolve(repo: git.Repo, rev: str) -> tuple[str, str | None]:
    """(commit sha, full ref name or None) of ``rev``."""
    try:
        head = repo.git.rev_parse("--verify", "--quiet", f"{rev}^{{commit}}").strip()
    except git.GitCommandError:
        head = ""
    if not head:
        raise HistoryUnavailable(f"找不到提交“{rev}”，无法读取它的历史。")
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


def _build(repo: git.Repo, h: History | None, head: str, rev: str, ref: str | None, signatures: bool) -> History:
    """Extend ``h`` (the cached history) up to ``head``, or build afresh, recording a rewrite if there was one."""
    rewrites: list[tuple[str, str]] = []
    if h is not None:
        if h.head and _is_ancestor(repo, h.head, head):
            try:
                HistoryBuilder(repo, h, signatures).run(f"{h.head}..{head}", expect_parent=h.head)
                h.head = head
                return h
            except _NotFastForward:
                # the old head was merged from the side: nothing was dropped, but the first-parent
                # chain is a different one, so rebuild (not a rewrite)
                rewrites = h.rewrites
        else:
            rewrites = h.rewrites + ([(h.head, head)] if ref and h.head else [])
    fresh = History(rev=rev, rewrites=rewrites, ref=ref, signers=h.signers if h is not None else None)
    HistoryBuilder(repo, fresh, signatures).run(head)
    fresh.head = head
    return fresh


def load_history(root: Path, rev: str = "HEAD", signatures: bool = False, use_cache: bool = True) -> History:
    """The ledger's history up to ``rev`` (first-parent), from the cache when it is still valid.

    ``signatures``: also know every commit's %G? letter (checked against the allowed-signers file
    configured in the environment).  ``use_cache=False`` builds from scratch and leaves the cache alone.
    """
    repo = open_repo(Path(root))
    ensure_full_history(repo)
    head, ref = _resolve(repo, rev)
    cache = _cache_path(repo, ref)
    h = _load_cache(cache) if use_cache else None
    if h is not None and h.ref != ref:
        h = None
    dirty = False
    identity = _signers_identity(repo) if signatures else None
    if signatures and h is not None and h.signers != identity:  # letters from another signers file are stale
        h.commits = [c._replace(signature=NOT_ASKED) for c in h.commits]
        dirty = True
    if h is None or h.head != head:
        h = _build(repo, h, head, rev, ref, signatures)
        dirty = True
    if signatures:
        if not h.signatures_known or h.signers != identity:
            _fill_signatures(repo, h)
            dirty = True
        h.signers = identity
    if use_cache and dirty:
        _save(cache, h)
    return h
