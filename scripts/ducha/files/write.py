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


def write_atomic(path: Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` through a synced temporary file renamed into place: a reader (or a crash)
    sees the old file or the whole new one, never half of it (spreadsheets, exported documents)."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".new-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path


def stable_zip(data: bytes, when) -> bytes:
    """An Office file (a zip) rewritten with every entry dated ``when`` (a datetime) in its original order, so
    the same content gives the same bytes in every build (a site's files compared byte for byte)."""
    import io
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=when.timetuple()[:6])
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = info.external_attr
            dst.writestr(fixed, src.read(info.filename))
    return out.getvalue()
