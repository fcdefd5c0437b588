"""What git knows about the work tree's item files, asked without GitPython (``ducha check`` runs before
every commit, and importing it costs as much as checking a thousand cached files): which files have
uncommitted changes, and which are as in the index.  Each runs its git command at once and is read with
``result()``, so the caller works while git does."""

from __future__ import annotations

import subprocess
from pathlib import Path

from ..core.findings import DuchaError
from ..core.paths import ITEMS_DIR, ITEMS_PREFIX


def _start(root: Path, *args: str):
    try:
        return subprocess.Popen(["git", *args], cwd=root, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    except OSError:  # no git at all
        return None


def _entries(run) -> list[str] | None:
    """The NUL-separated entries a started git command printed, or None when it failed or never started."""
    if run is None:
        return None
    out, _ = run.communicate()
    if run.returncode:
        return None
    return out.decode("utf-8", "surrogateescape").split("\0")


class NoHistory(DuchaError):
    """Not a repository with commits at this root: there is nothing uncommitted to speak of."""


class WorktreeStatus:
    """Item files with uncommitted changes (staged, unstaged or untracked; a rename counts as both its
    paths), from ``git status --porcelain=v2``.  ``result()`` raises ``NoHistory`` when ``root`` is not
    the top of a repository or the repository has no commit yet."""

    def __init__(self, root: Path):
        root = Path(root)
        self._run = _start(root, "status", "--porcelain=v2", "-z", "--branch", "--untracked-files=all",
                           "--", ITEMS_DIR) if (root / ".git").exists() else None  # fmt: skip

    def result(self) -> list[str]:
        entries = _entries(self._run)
        if entries is None:
            raise NoHistory("不是 git 仓库")
        paths = set()
        entries = iter(entries)
        for entry in entries:
            kind = entry[:1]
            if entry == "# branch.oid (initial)":
                raise NoHistory("还没有任何提交")
            if kind == "1":
                paths.add(entry.split(" ", 8)[8])
            elif kind == "2":
                paths.add(entry.split(" ", 9)[9])
                paths.add(next(entries, ""))  # the path it was renamed or copied from
            elif kind == "u":
                paths.add(entry.split(" ", 10)[10])
            elif kind == "?":
                paths.add(entry[2:])
        return sorted(p for p in paths if p.startswith(ITEMS_PREFIX))


class UnchangedBlobs:
    """The blob id of every item file whose work-tree bytes are the index's (``git ls-files --stage``, less
    what ``git ls-files --modified`` finds changed and what git is told not to look at; paths relative to ``root``): what is in these files is
    known without reading them.  The two git commands start at once and run while the caller works;
    ``result()`` waits for them.  Empty outside git or when git fails (every file is then read)."""

    def __init__(self, root: Path):
        self._runs = [_start(root, "ls-files", "-z", *flags, "--", ITEMS_DIR) for flags in (("--stage", "-v"), ("--modified",))]

    def result(self) -> dict[str, str]:
        staged, modified = (_entries(run) for run in self._runs)
        if staged is None or modified is None:
            return {}
        modified = set(modified)
        out = {}
        for entry in staged:
            if not entry:
                continue
            info, _, path = entry.partition("\t")
            tag, mode, blob, stage = info.split(" ")
            # "H": an ordinary entry, which git compares with the file; a file marked assume-unchanged
            # (lower case) or skip-worktree ("S") may differ from the index without git saying so
            if tag == "H" and stage == "0" and mode in ("100644", "100755") and path not in modified:
                out[path] = blob
        return out
