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
    stack = [(base, top)]
    while stack:
        folder, rel = stack.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError:  # missing or unreadable: nothing to read there (as os.walk)
            continue
        for entry in entries:
            path = f"{rel}/{entry.name}"
            if entry.is_symlink():
                links.append(path)
            elif entry.is_dir():
                if not entry.name.startswith("."):
                    stack.append((entry.path, path))
            elif entry.is_file():
                files.append(path)
    files.sort(key=lambda p: p.split("/"))
    links.sort(key=lambda p: p.split("/"))
    return files, links
