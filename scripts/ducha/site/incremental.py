"""Rebuilding the site after an edit (the live preview, ``mkdocs serve``) from what the last build made.

A preview rebuilds the whole site on every save; most of it has not changed. ``SiteState`` keeps, in the
process and for one ledger root and output folder, what the last build made and what it was made from:

- every item file's bytes and its check result (``ledger.sources.load_ledger``): a file whose bytes are
  unchanged keeps its ``Item`` object, so everything below can tell an unchanged item by identity;
- the history and its audit, and the bulletins with their verification: they change with HEAD, the rules,
  the review register or the bulletins, all part of the *generation* key, never with an item edit;
- each item's ``ItemView``, table row, page (rendered once; the stamp, which says whether the work tree
  has uncommitted changes, is replaced in place) and facts for the statistics, each list page's HTML
  whose items are all unchanged, each unit's 督查通知单 document;
- what every generated page was written from (``Output``), so the output folder keeps an unchanged
  page's file instead of writing it again.

Aggregate pages (dashboard, statistics, lists, scores, audit, bulletins) are recomputed from those facts
on every build; whatever is not reused is made exactly as a full build makes it, so a rebuild's output is
byte for byte a full build's (``tests/test_serve_incremental.py``). Anything in the generation key —
the rules file, the templates, the theme and ``docs_dir``, ``mkdocs.yml``, HEAD, the as-of day, the
review register, the bulletins, the ducha version — changing starts a new generation: nothing is reused.
"""

from __future__ import annotations

import gc
import hashlib
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

FREEZE_FOR = 20
KEEP = 4  # states kept in one process (a preview serves one site; tests build many)
_STATES: dict[tuple[str, str], "SiteState"] = {}
_SERVING: set[str] = set()  # output folders a preview server serves (``serving``)


def _key(path) -> str:
    return os.path.realpath(str(path))


def serving(site_dir) -> None:
    """Mark ``site_dir`` as served by a preview that rebuilds into it: its builds from now on are incremental
    (and what the first build left is frozen out of the collector's full passes, as after each rebuild)."""
    _SERVING.add(_key(site_dir))
    gc.freeze()


def is_serving(site_dir) -> bool:
    return _key(site_dir) in _SERVING


def state_for(root, site_dir) -> "SiteState":
    """The state of the last build of ``root`` into ``site_dir`` in this process (a new one if none).

    Kept: the states of the folders a preview serves, and of the one last built otherwise (a preview's first
    build comes before the preview says it serves the folder); a whole site's objects each, so no more."""
    key = (_key(root), _key(site_dir))
    state = _STATES.pop(key, None) or SiteState(Path(key[0]), Path(key[1]))
    for other in [k for k in _STATES if k[1] not in _SERVING]:
        del _STATES[other]
    _STATES[key] = state
    while len(_STATES) > KEEP:
        _STATES.pop(next(iter(_STATES)))
    return state


def fingerprint(*paths) -> str:
    """A digest of the files under ``paths`` (folders walked, in order): names, sizes, modification and change
    times and inodes; a file's bytes for a single file. What a generation's templates, theme and configuration are."""
    h = hashlib.blake2b(digest_size=16)
    for path in paths:
        if path is None:
            continue
        path = Path(path)
        h.update(b"\0" + str(path).encode())
        if path.is_file():
            h.update(path.read_bytes())
        elif path.is_dir():
            for folder, dirs, files in os.walk(path):
                dirs.sort()
                for name in sorted(files):
                    full = os.path.join(folder, name)
                    try:
                        st = os.stat(full)
                    except OSError:
                        continue
                    # the change time too: a file restored with its old time and size (``cp -p``) is still written anew
                    h.update(f"{os.path.relpath(full, path)}\0{st.st_size}\0{st.st_mtime_ns}\0{st.st_ctime_ns}\0{st.st_ino}\n".encode())
    return h.hexdigest()


def _clear_way(base: Path, rel: str) -> None:
    """Make room under ``base`` for a file at ``rel``: an old file (or link) where one of its folders goes, or an
    old folder where it goes, is removed."""
    at = base
    for part in rel.split("/")[:-1]:
        at = at / part
        if at.is_symlink() or (os.path.lexists(at) and not at.is_dir()):
            at.unlink()
            break
    target = base / rel
    if target.is_dir() and not target.is_symlink():
        shutil.rmtree(target)


@dataclass
class Output:
    """What the output folder holds of the last build: each generated page's file and what it was made
    from; a page whose parts are all the same is not written again (``keep``)."""

    pages: dict[str, tuple] = field(default_factory=dict)  # dest path -> (shell, title, edit, canonical, content)
    files: set[str] = field(default_factory=set)  # every file of the last complete build (relative paths)
    complete: bool = False  # the folder holds exactly the last build's output


@dataclass
class SiteState:
    root: Path
    site_dir: Path
    generation: object = None
    full: bool = True  # this build reuses nothing (first build, or a new generation)
    # per generation
    ledger_files: dict = field(default_factory=dict)  # item file -> (bytes, id, Item, findings)
    history: tuple | None = None  # (history, audit findings, warnings)
    bulletins: tuple | None = None  # (bulletins, warnings)
    views: dict = field(default_factory=dict)  # item id -> (Item, ItemView)
    rows: dict = field(default_factory=dict)  # item id -> its table row (as SiteBuilder.rows keeps it)
    item_pages: dict = field(default_factory=dict)  # item id -> SitePage (``stamp`` in it)
    stamp: str | None = None
    lists: dict = field(default_factory=dict)  # list page key -> HTML
    audit: tuple | None = None  # (published ids, the audit pages)
    facts: dict = field(default_factory=dict)  # stats.compute memo
    trust: dict = field(default_factory=dict)  # trust.assess memo (the committed items' judgements)
    notice_docs: dict = field(default_factory=dict)  # notice key -> .docx bytes
    private_names: tuple | None = None
    env: tuple | None = None  # (key, the Jinja environment of the site's templates)
    adapter: dict = field(default_factory=dict)  # the site generator's own (MkDocs' files and theme), per generation
    output: Output = field(default_factory=Output)
    stash: Path | None = None
    kept: set = field(default_factory=set)
    folders: set = field(default_factory=set)  # in a build over an earlier site: its folders (``found``)
    builds: int = 0  # builds into a served folder
    expected: set = field(default_factory=set)  # every file of this build (a page MkDocs left alone, --dirty, stays)
    spare: bool = False  # this build is made over the files of an earlier site (``set_aside``)

    def start(self, generation, reuse: bool) -> None:
        """Begin a build of ``generation``; ``reuse``: this build may reuse the last one's (a preview)."""
        if not reuse or generation != self.generation:
            self.reset()
        self.generation = generation
        self.full = not reuse or not self.views

    def reset(self) -> None:
        """Forget everything but the output folder's record (a new generation, or a failed build)."""
        self.generation = None
        self.full = True
        self.ledger_files = {}
        self.history = self.bulletins = None
        self.views, self.rows, self.item_pages, self.lists, self.facts, self.notice_docs = {}, {}, {}, {}, {}, {}
        self.trust, self.adapter = {}, {}
        self.stamp = self.private_names = self.env = self.audit = None

    def drop_pages(self) -> None:
        """Render every page afresh this build (what all pages mask has changed); the items' checks, facts,
        history and bulletins stay."""
        self.full = True
        self.views, self.rows, self.item_pages, self.lists, self.notice_docs, self.adapter = {}, {}, {}, {}, {}, {}
        self.stamp = self.env = self.audit = None

    def failed(self) -> None:
        """A build failed: nothing of it is trusted, and the output folder is whatever it left."""
        self.reset()
        self.output = Output()
        if self.stash is not None:
            shutil.rmtree(self.stash, ignore_errors=True)
            self.stash = None

    # -- the output folder ---------------------------------------------------------------------------
    # MkDocs empties the output folder at the start of every build (``dirty`` aside). Before it does, the
    # last build's output is moved aside whole (one rename); pages found unchanged are not written
    # (``keep``), and at the end what this build wrote is moved into the kept tree, files of pages that
    # are gone are removed, and the kept tree is renamed back.

    def set_aside(self, reuse: bool, spare: bool = False) -> None:
        """Before MkDocs empties ``site_dir``: move the last build's output aside (only when it is whole).
        ``spare``: ``site_dir`` holds an earlier site made by this build's kind (``site.sitedir``'s spare),
        whose files this build writes over: every page is written, and what it does not make is removed. Its
        files are surveyed by the page writer (``files.write``, beside the build), which gives ``found``
        before ``finish``."""
        self.kept = set()
        self.folders = set()
        self.stash = None
        self.spare = False
        if spare and self.site_dir.is_dir() and not self.site_dir.is_symlink():
            stash = self.site_dir.with_name(self.site_dir.name + ".ducha-kept")
            shutil.rmtree(stash, ignore_errors=True)
            os.rename(self.site_dir, stash)
            os.mkdir(self.site_dir)
            self.stash, self.spare = stash, True
            self.output = Output()
            return
        if not (reuse and self.output.complete and self.site_dir.is_dir()):
            self.output.pages = {}
            return
        stash = self.site_dir.with_name(self.site_dir.name + ".ducha-kept")
        shutil.rmtree(stash, ignore_errors=True)
        os.rename(self.site_dir, stash)
        os.mkdir(self.site_dir)
        self.stash = stash

    def keep(self, dest: str, parts: tuple) -> bool:
        """Whether the page written to ``dest`` (relative to ``site_dir``) from ``parts`` is the same as the
        last build's file, which is then kept instead of written; records ``parts`` either way."""
        last = self.output.pages.get(dest)
        self.output.pages[dest] = parts
        if self.stash is not None and not self.full and last is not None and last == parts and dest in self.output.files:
            self.kept.add(dest)
            return True
        return False

    def found(self, files: set[str] | None) -> None:
        """The files of the earlier site set aside (``spare``), as surveyed before anything was written."""
        if files is None:
            raise RuntimeError("the earlier site set aside was not surveyed")
        self.output.files = {f for f in files if not f.endswith("/")}
        self.folders = {f[:-1] for f in files if f.endswith("/")}

    def target(self, dest: str) -> str | None:
        """Where a changed page goes: straight into the kept tree (its folder is most likely there already: no
        folder made in the emptied output and removed again); None when nothing is set aside."""
        if self.stash is None:
            return None
        self.kept.add(dest)
        return os.path.join(self.stash, dest)

    def finish(self) -> None:
        """After the build: the output folder as a full build leaves it; its files recorded."""
        written = set()
        base = str(self.site_dir)
        for folder, _, files in os.walk(base):
            rel = os.path.relpath(folder, base)
            for name in files:
                written.add(name if rel == "." else f"{rel}/{name}".replace(os.sep, "/"))
        gone = self.output.files - written - self.kept  # files of pages no longer made
        if not self.spare:
            gone -= self.expected  # a page MkDocs left alone (--dirty) keeps its file
        final = (self.output.files - gone) | written | self.kept if self.stash is not None else written
        if self.stash is not None:
            stash = self.stash
            for rel in sorted(written):
                target = stash / rel
                _clear_way(stash, rel)
                target.parent.mkdir(parents=True, exist_ok=True)
                os.replace(self.site_dir / rel, target)
            for rel in sorted(gone, reverse=True):
                path = stash / rel
                try:
                    path.unlink()
                except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
                    pass  # gone already, or a folder of this build's pages now stands where the file was
                parent = path.parent
                while parent != stash:  # folders left empty (a deleted item's page)
                    try:
                        parent.rmdir()
                    except OSError:
                        break
                    parent = parent.parent
            if self.spare:  # an earlier site's folders this build put nothing in (or that were empty): gone
                used = {rel[:at] for rel in final for at in _slashes(rel)}
                for rel in sorted(self.folders - used, key=lambda f: -f.count("/")):
                    try:
                        os.rmdir(stash / rel)
                    except OSError:  # not empty after all (a file in it that no page of either build made)
                        pass
            trash = self.site_dir.with_name(self.site_dir.name + ".ducha-old")
            shutil.rmtree(trash, ignore_errors=True)
            os.rename(self.site_dir, trash)
            os.rename(stash, self.site_dir)
            shutil.rmtree(trash, ignore_errors=True)
            self.stash = None
        self.output.files = final
        self.output.pages = {d: p for d, p in self.output.pages.items() if d in final}
        self.output.complete = True
        if is_serving(self.site_dir):
            # what is kept for the next rebuild is a whole site's objects: left out of the collector's full passes
            # (each would walk them all, 0.5-1 s of a 4 s rebuild), and once every FREEZE_FOR builds collected
            # again so that cyclic garbage frozen with them goes
            self.builds += 1
            if self.builds % FREEZE_FOR == 0:
                gc.unfreeze()
                gc.collect()
            gc.freeze()


def _slashes(rel: str):
    """Where each folder of a relative path ends: ``a/b/c`` → 1, 3."""
    at = rel.find("/")
    while at >= 0:
        yield at
        at = rel.find("/", at + 1)
