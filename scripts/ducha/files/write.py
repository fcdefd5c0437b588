"""Writing new files without ever overwriting one (item files, bulletin drafts)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_exclusive(path: Path, text: str) -> bool:
    """Write ``text`` to ``path`` atomically unless ``path`` exists (then False, nothing written).

    The text goes to a temporary file, is synced, and is hard-linked into place: the link fails if
    another process took the name first, so concurrent writers never overwrite each other.
    """
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".new-", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        try:
            os.link(tmp, path)
        except FileExistsError:
            return False
        return True
    finally:
        os.unlink(tmp)
