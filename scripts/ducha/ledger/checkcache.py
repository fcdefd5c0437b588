"""The work tree's checked files, kept between runs: ``ducha check`` re-checks only the files that changed.

What checking one item file gives (the id it claims, whether it is loadable, its findings, the batch and
序号 it claims) depends on its bytes, its path, the rules and the as-of day, and on the code that checks —
nothing else.  So the cache is ``path → (git blob id of the bytes, id, loadable, findings, claim, the day
checked, the day its findings stop depending on the day)`` under one key: a stamp of the checking code and
of ducha's version, and the blob id of the rules file's bytes (the rules parsed from those bytes are kept
beside the entries).  Any change to the key throws the whole cache away (a new rules file, another ducha);
within it an edited file has another blob id and is checked again, a renamed or new file is a path not yet
seen, a deleted one is simply not asked for (and pruned on the next write).  The checks across files (two
files with one id, two items with one 序号) are recomputed every time from the ids and the claims, so they
follow every change too.

The day: an entry serves the day it was checked, and any other day when both are on or after the day from
which the file's findings no longer depend on the day (``validate.stable_from``: a closed, reported, draft
or cancelled item, from its latest date on). So the first check of a new day re-checks only the items
whose units still owe work (their overdue days count up), not the whole ledger.

A file git knows to be as in the index (``git ls-files --stage``, not ``--modified``) is not even read:
its blob id is the index's.  Any other file is read and its blob id computed from its bytes, exactly as
git would; so the key is always the content, never a time stamp.  An item taken from the cache is parsed
only if something asks for its data (``ItemTable``); ``ducha check`` does not.

The cache is one pickle under the repository's ``.git/ducha/``; a ledger outside git has none.  A damaged
or foreign cache is discarded and everything checked again, never fatal; a cache that cannot be written
(a read-only repository) just leaves the next run cold.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

from ..files import cache as cachefile

CACHE_NAME = "check.pickle"
FORMAT = 2  # bump when what is stored changes shape (2: the day checked and the day stable, not the day in the key)



def _stamp_files() -> tuple[str, ...]:
    package = Path(__file__).parents[1]
    core = sorted(f"core/{p.name}" for p in (package / "core").glob("*.py"))
    return (*core, "ledger/checked.py", "ledger/checkcache.py", "ledger/rulesfile.py", "ledger/sources.py", "__init__.py")


def stamp() -> str:
    """The cache format, ducha's version, the parser's, the holiday package's (D604, D512 depend on the years it
    knows) and a hash of the source of every module that decides a file's findings."""
    from .. import __version__

    try:
        import yaml_rs

        parser = getattr(yaml_rs, "__version__", "")
    except ImportError:  # pragma: no cover - a dependency of the package
        parser = ""
    import sys

    import fastjsonschema
    import yaml

    from ..core.workdays import calendar_stamp

    # PyYAML places a syntax error's line, fastjsonschema decides a field's findings, Python their order
    others = f"python {sys.version_info[0]}.{sys.version_info[1]} pyyaml {yaml.__version__} fastjsonschema {fastjsonschema.VERSION}"
    return cachefile.source_stamp(f"check format {FORMAT} ducha {__version__} yaml_rs {parser} {others} {calendar_stamp()}", _stamp_files())


def blob_id(raw: bytes) -> str:
    """The git blob id of ``raw`` (what ``git hash-object`` prints)."""
    return hashlib.sha1(b"blob %d\0" % len(raw) + raw).hexdigest()


def git_dir(root: Path) -> Path | None:
    """The git directory of the repository holding ``root`` (a ``.git`` folder, or the ``gitdir:`` a
    worktree's ``.git`` file names), found without running git; None outside git."""
    for folder in (root, *root.parents):
        dot = folder / ".git"
        if dot.is_dir():
            return dot
        if dot.is_file():
            try:
                line = dot.read_text(encoding="utf-8").strip()
            except (OSError, UnicodeDecodeError):
                return None
            if line.startswith("gitdir:"):
                target = Path(line[len("gitdir:") :].strip())
                target = target if target.is_absolute() else folder / target
                return target if target.is_dir() else None
            return None
    return None


class CheckCache:
    """The cached results for one key; ``entries`` maps paths to ``(blob id, id or None, loadable, findings,
    claim, day checked, day stable or None)``; ``as_of`` is the day of this check."""

    def __init__(self, path: Path | None, key: tuple, entries: dict, damaged: bool, rules=None,
                 as_of: dt.date | None = None):  # fmt: skip
        self.path = path
        self.key = key
        self.entries = entries
        self.rules = rules  # the rules parsed from the key's rules file (its bytes are in the key)
        self.damaged = damaged
        self.changed = False
        self.as_of = as_of

    def get(self, rel: str, blob: str):
        """``(blob id, id, loadable, findings, claim)`` of ``rel`` as checked for this day, or None."""
        hit = self.entries.get(rel)
        if hit is None or hit[0] != blob:
            return None
        checked, stable = hit[5], hit[6]
        if checked != self.as_of and (stable is None or checked < stable or self.as_of < stable):
            return None
        return hit[:5]

    def put(self, rel: str, blob: str, item_id: str | None, loadable: bool, findings: list, claim,
            stable: dt.date | None) -> None:  # fmt: skip
        """Remember ``rel`` as checked for this day; ``stable``: ``validate.stable_from`` of its bytes."""
        self.entries[rel] = (blob, item_id, loadable, findings, claim, self.as_of, stable)
        self.changed = True

    def keep_rules(self, rules) -> None:
        self.rules = rules
        self.changed = True

    def keep_only(self, rels) -> None:
        """Drop the entries of files no longer in the ledger (deleted or renamed away)."""
        wanted = set(rels)
        if any(rel not in wanted for rel in self.entries):
            self.entries = {rel: e for rel, e in self.entries.items() if rel in wanted}
            self.changed = True

    def save(self) -> None:
        if self.path is None or not self.changed:
            return
        try:
            cachefile.write(self.path, {"key": self.key, "entries": self.entries, "rules": self.rules})
        except OSError:  # a read-only repository still checks, just without the cache
            pass


def open_cache(root: Path, rules_raw: bytes, as_of: dt.date) -> CheckCache:
    """The cache for checking ``root``'s work tree with these rules as of ``as_of`` (empty when the key
    changed, the file is missing or damaged; with no place to keep it outside git)."""
    key = (stamp(), blob_id(rules_raw))
    folder = git_dir(Path(root))
    if folder is None:
        return CheckCache(None, key, {}, False, as_of=as_of)
    path = folder / "ducha" / CACHE_NAME
    data, damaged = cachefile.load(path)
    if isinstance(data, dict) and data.get("key") == key:
        if _well_formed(data.get("entries"), data.get("rules")):
            return CheckCache(path, key, data["entries"], False, data.get("rules"), as_of)
        damaged = True
    return CheckCache(path, key, {}, damaged, as_of=as_of)


def _well_formed(entries, rules) -> bool:
    """Whether a cache's content has the shape this code stores (a file of the right key and checksum made
    by other means is discarded like a damaged one, never a traceback)."""
    from ..core.rules import Rules

    if not isinstance(entries, dict) or not (rules is None or isinstance(rules, Rules)):
        return False
    return all(type(e) is tuple and len(e) == 7 and type(e[0]) is str and type(e[3]) is list for e in entries.values())
