"""Walking the ledger's folders (``items/``, ``bulletins/``): regular files only.

A symbolic link is never followed and never read: its target may lie outside the repository, and what
it points to is in no commit.  The walk reports the links it met so the caller can refuse each by name.
"""

from __future__ import annotations

import os


def walk(root: str | os.PathLike, top: str) -> tuple[list[str], list[str]]:
    """``(files, links)`` under ``root/top`` as posix paths relative to ``root`` (``items/2026/DC-2026-0001.yml``).

    ``files``: the regular files, sorted part by part (as ``Path`` sorts); folders whose name starts with a
    dot are skipped.  ``links``: every symbolic link met (to a file or a folder, or ``top`` itself), sorted.
    One ``scandir`` per folder, no ``stat`` per file.
    """
    base = os.path.join(os.fspath(root), top)
    if os.path.islink(base):
        return [], [top]
    files: list[str] = []
    links: list[str] = []
    _walk(base, top, files, links)
    return files, links


def _walk(folder: str, rel: str, files: list[str], links: list[str]) -> None:
    """Depth first, each folder's entries in name order: the paths come out sorted part by part
    (a name and a longer one it starts are ordered as their parts are), with no sort of the whole list."""
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError:  # missing or unreadable: nothing to read there (as os.walk)
        return
    for entry in entries:
        path = f"{rel}/{entry.name}"
        if entry.is_symlink():
            links.append(path)
        elif entry.is_dir():
            if not entry.name.startswith("."):
                _walk(entry.path, path, files, links)
        elif entry.is_file():
            files.append(path)
