"""Parsed items keyed by git blob id: the ledger at any commit without reading or parsing a file twice.

Whether a file is an item, and what it parses to, depends only on its bytes and its path (``Checker.load``'s
form checks: encoding, YAML, the schema, real dates, id = file stem, year folder, classification), never on
the rules or on the date.  So ``(blob id, path) → parsed data`` (or "not an item") holds for good, and the
ledger at a commit is ``git ls-tree`` (milliseconds) plus a lookup; only blobs never seen before are read
and parsed.  What *does* depend on the rules and the date — the findings — is not kept: this is the
loader for statistics (``load_ledger_at(..., checks=False)``), not for ``ducha check``.

The cache is one pickle under ``.git/ducha/``.  It records a stamp of the source of the modules that
decide parsing (yamlio, schema, model, validate, validate_schema): a change to any of them and the cache
is rebuilt rather than trusted.  It is pruned to the items of the last load when it grows past twice
that, so it stays about the size of one ledger.  An unreadable cache is rebuilt, never fatal.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from ..files import cache as cachefile
from ..core.findings import Notice
from ..history.repo import BlobReader
from .checked import Ledger, check_entries
from ..core.model import Item
from ..core.paths import id_of_path
from .rulesfile import committed_rules

CACHE_NAME = "items.pickle"
FORMAT = 2  # bump when the pickled classes move or change shape (2: classes under ducha.core, ducha.ledger)
_STAMP_FILES = ("core/yamlio.py", "core/schema.py", "core/model.py", "core/validate.py", "core/schemacheck.py",
                "ledger/checked.py", "ledger/itemcache.py")  # fmt: skip


def stamp() -> str:
    """The cache format and a hash of the source of the modules that decide what a file parses to."""
    return cachefile.source_stamp(f"format {FORMAT}", _STAMP_FILES)


def cache_path(git_dir: str | Path) -> Path:
    return Path(git_dir) / "ducha" / CACHE_NAME


def read_cache(path: Path) -> dict:
    return load_cache(path)[0]


def load_cache(path: Path) -> tuple[dict, bool]:
    """(the cached items, whether the file was damaged): a cache of other modules' source is just empty."""
    data, damaged = cachefile.load(path)
    if not isinstance(data, dict) or data.get("stamp") != stamp() or not isinstance(data.get("items"), dict):
        return {}, damaged
    return data["items"], False


def write_cache(path: Path, items: dict) -> None:
    cachefile.write(path, {"stamp": stamp(), "items": items})


_SHORT = 40


def _shared(value, memo: dict):
    """``value`` rebuilt with one object per distinct date and short string (keys, codes, statuses):
    pickle then writes each once and refers back to it — the cache is ~3× smaller and loads ~3× faster."""
    kind = type(value)
    if kind is dict:
        return {_shared(k, memo): _shared(v, memo) for k, v in value.items()}
    if kind is list:
        return [_shared(v, memo) for v in value]
    if kind is str:
        return memo.setdefault(value, value) if len(value) <= _SHORT else value
    if kind is dt.date or kind is dt.datetime:
        return memo.setdefault((kind, value), value)
    return value


def load_items(repo, commit: str, rules_blob: str, blobs: dict[str, str], as_of: dt.date, jobs: int | None = None,
               use_cache: bool = True):  # fmt: skip
    """The ``Ledger`` of ``commit`` (items only, no findings) from its tree: ``blobs`` maps item paths to blob ids.

    Items that are not loadable (a check error in their form) are left out, as ``load_ledger_at`` leaves them
    out; duplicate ids keep the first path, as there.
    """
    with cachefile.gc_paused():  # tens of thousands of new objects over a heap of cached ones, no cycles
        return _load_items(repo, commit, rules_blob, blobs, as_of, jobs, use_cache)


def _load_items(repo, commit, rules_blob, blobs, as_of, jobs, use_cache):
    path = cache_path(repo.git_dir)
    cache, damaged = load_cache(path) if use_cache else ({}, False)
    keys = {p: f"{blob}:{p}" for p, blob in blobs.items()}
    missing = sorted(p for p, key in keys.items() if key not in cache)
    with BlobReader(repo) as reader:
        contents = reader.read_many([rules_blob, *(blobs[p] for p in missing)])
    rules = committed_rules(contents[rules_blob])
    if missing:
        entries = [(p, id_of_path(p), contents[blobs[p]]) for p in missing]
        memo: dict = {}
        for p, (item, _) in zip(missing, check_entries(rules, as_of, entries, jobs)):
            cache[keys[p]] = _shared(item.data, memo) if item is not None else None
    ledger = Ledger("", rules, as_of, files=len(blobs) + 1, commit=commit)
    if damaged:
        ledger.notices.append(Notice("注意：.git/ducha/ 中的事项缓存已损坏，已丢弃并重新读取事项文件。"))
    for p in sorted(blobs):
        data = cache[keys[p]]
        if data is not None:
            ledger.items.add(data["id"], Item(data["id"], p, data))
    if use_cache:
        used = set(keys.values())
        if len(cache) > 2 * len(used) + 1000:
            cache = {k: v for k, v in cache.items() if k in used}
            missing = True
        if missing:
            try:
                write_cache(path, cache)
            except OSError:  # a read-only repository still answers, just without the cache
                pass
    return ledger
