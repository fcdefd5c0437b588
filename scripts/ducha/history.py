"""Field-level history of every item from ONE pass over ``git log``.

The pass is ``git log --first-parent --reverse -z --raw -M`` on the ledger's
branch, so a merged pull request is attributed to its merge commit.  A reader
thread drains git's output while the main thread fetches the blobs named in
it through one ``git cat-file --batch`` process and diffs each version of an
item against the previous one.  The result is cached under ``.git/ducha/``,
keyed by the last processed commit, and extended incrementally after a
fast-forward; if the cached head is no longer an ancestor the history was
rewritten: the cache is rebuilt and the rewrite is remembered (an audit finding).
"""

from __future__ import annotations

import datetime as dt
import os
import pickle
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import git
import yaml_rs

from .gitrepo import ITEMS_PREFIX, BlobReader, ensure_full_history, open_repo
from .yamlio import _ALIAS_LIMITS

CACHE_FORMAT = 3
LOG_FIELDS = ("progress", "reminders", "extensions", "reviews", "circulation")
RULES_PATH = "items/ledger.yml"
_FORMAT = "%x1e%H%x1f%P%x1f%an%x1f%ae%x1f%cI%x1f%aI%x1f%G?%x1f%B"
_FORMAT_NOSIG = "%x1e%H%x1f%P%x1f%an%x1f%ae%x1f%cI%x1f%aI%x1f-%x1f%B"
_GROUP = 300  # commits per blob batch


@dataclass(frozen=True)
class Commit:
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
    signatures_known: bool = False
    format: int = CACHE_FORMAT

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
    """Field-level changes from ``old`` to ``new``; log lists as appended/removed entries."""
    old = old or {}
    new = new or {}
    out: list[Change] = []
    keys = list(new) + [k for k in old if k not in new]
    for key in keys:
        o, n = old.get(key), new.get(key)
        if o == n:
            continue
        if key in LOG_FIELDS and isinstance(o, list | type(None)) and isinstance(n, list | type(None)):
            o, n = o or [], n or []
            common = 0
            while common < min(len(o), len(n)) and o[common] == n[common]:
                common += 1
            out += [(f"{key}[{i}]", entry, None) for i, entry in enumerate(o[common:], common)]
            out += [(f"{key}[{i}]", None, entry) for i, entry in enumerate(n[common:], common)]
        else:
            out.append((key, o, n))
    return out


def _parse(raw: bytes):
    try:
        data = yaml_rs.loads(raw.decode("utf-8"), parse_datetime=True, alias_limits=_ALIAS_LIMITS)
    except Exception:  # any unreadable version is recorded as such, never fatal
        return None
    return data if isinstance(data, dict) else None


def _is_item(path: str) -> bool:
    return path.startswith(ITEMS_PREFIX) and path.endswith(".yml") and path != RULES_PATH


def _stem(path: str) -> str:
    return PurePosixPath(path).stem


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
            data = os.read(fd, 1 << 20)
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


def _parse_record(record: bytes) -> tuple[Commit, list[tuple[str, str | None, str | None, str]]]:
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


class HistoryBuilder:
    def __init__(self, repo: git.Repo, history: History, signatures: bool = False):
        self.repo = repo
        self.h = history
        self.signatures = signatures
        self.data: dict[str, dict | None] = {}  # id -> parsed data of the live version

    def _prime(self, reader: BlobReader):
        """Parsed data of every live file, needed to diff the next versions (incremental runs)."""
        blobs = reader.read_many(sorted({blob for _, blob in self.h.current.values()}))
        self.data = {i: _parse(blobs[blob]) for i, (_, blob) in self.h.current.items()}

    def run(self, range_spec: str):
        fmt = _FORMAT if self.signatures else _FORMAT_NOSIG
        proc = self.repo.git.log(
            "--first-parent", "--diff-merges=first-parent", "--reverse", "-z", "--raw", "-M", "--no-abbrev",
            f"--format={fmt}", range_spec, as_process=True,
        )  # fmt: skip
        stream = _Stream(proc)
        with BlobReader(self.repo) as reader:
            if self.h.current:
                self._prime(reader)
            group: list = []
            for record in stream.records():
                group.append(_parse_record(record))
                if len(group) >= _GROUP:
                    self._apply(group, reader)
                    group = []
            if group:
                self._apply(group, reader)
        proc.wait()

    def _apply(self, group, reader: BlobReader):
        wanted = {blob for _, entries in group for status, _, new, blob in entries if status != "D" and (_is_item(new) or new == RULES_PATH)}
        blobs = reader.read_many(sorted(wanted)) if wanted else {}
        parsed = {sha: _parse(raw) for sha, raw in blobs.items() if sha}
        h = self.h
        path_to_id = {path: i for i, (path, _) in h.current.items()}
        for commit, entries in group:
            idx = len(h.commits)
            h.commits.append(commit)
            h.head = commit.sha
            # a delete + add of the same stem in one commit is a move, even when git saw no rename
            deleted = {_stem(old): old for status, old, _, _ in entries if status == "D" and _is_item(old)}
            for status, old, new, blob in entries:
                if new == RULES_PATH or old == RULES_PATH:
                    h.rules_versions.append((idx, None if status == "D" else blob))
                    continue
                if not (_is_item(new) or _is_item(old)):
                    continue
                if status == "D":
                    if _stem(old) in {_stem(n) for s, _, n, _ in entries if s == "A"}:
                        continue  # handled with the add
                    item_id = path_to_id.pop(old, _stem(old))
                    prev = self.data.pop(item_id, None)
                    h.current.pop(item_id, None)
                    h.items.setdefault(item_id, []).append((idx, old, None, "D", tuple(diff_fields(prev, None)), True))
                    continue
                if status == "A" and _stem(new) in deleted:
                    status, old = "R", deleted[_stem(new)]
                if status == "R":
                    item_id = path_to_id.pop(old, _stem(old))
                else:
                    item_id = path_to_id.get(new, _stem(new))
                data = parsed.get(blob)
                prev = self.data.get(item_id)
                changes = diff_fields(prev, data) if data is not None else [("(file)", None, "无法解析的版本")]
                if status == "R" and old != new:
                    changes = [("(path)", old, new)] + changes
                    new_id = _stem(new)
                    if new_id != item_id:  # renumbered: keep one timeline under the new id
                        h.items[new_id] = h.items.pop(item_id, []) + h.items.get(new_id, [])
                        self.data.pop(item_id, None)
                        h.current.pop(item_id, None)
                        item_id = new_id
                action = "A" if status == "A" else ("R" if status == "R" else "M")
                h.items.setdefault(item_id, []).append((idx, new, blob, action, tuple(changes), data is not None))
                h.current[item_id] = (new, blob)
                path_to_id[new] = item_id
                if data is not None:
                    self.data[item_id] = data


def _cache_path(repo: git.Repo, rev: str) -> Path:
    safe = "".join(ch if ch.isalnum() else "_" for ch in rev)
    return Path(repo.git_dir) / "ducha" / f"history-{safe}.pickle"


def _save(path: Path, history: History):
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    with os.fdopen(fd, "wb") as fh:
        pickle.dump(history, fh, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(tmp, path)


def _load_cache(path: Path) -> History | None:
    try:
        with open(path, "rb") as fh:
            h = pickle.load(fh)
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, TypeError, ValueError):
        return None
    return h if isinstance(h, History) and h.format == CACHE_FORMAT else None


def load_history(root: Path, rev: str = "HEAD", signatures: bool = False, use_cache: bool = True) -> History:
    """The ledger's history up to ``rev`` (first-parent), from the cache when it is still valid."""
    repo = open_repo(Path(root))
    ensure_full_history(repo)
    head = repo.git.rev_parse("--verify", f"{rev}^{{commit}}").strip()
    cache = _cache_path(repo, rev)
    h = _load_cache(cache) if use_cache else None
    if h is not None and h.head == head and (not signatures or h.signatures_known):
        return h
    if h is not None and h.head and (not signatures or h.signatures_known):
        try:
            repo.git.merge_base("--is-ancestor", h.head, head)
            HistoryBuilder(repo, h, signatures).run(f"{h.head}..{head}")
            h.head = head
            _save(cache, h)
            return h
        except git.GitCommandError:
            rewrites = h.rewrites + [(h.head, head)]
    else:
        rewrites = h.rewrites if h is not None else []
    fresh = History(rev=rev, rewrites=rewrites, signatures_known=signatures)
    HistoryBuilder(repo, fresh, signatures).run(head)
    fresh.head = head
    if use_cache:
        _save(cache, fresh)
    return fresh

