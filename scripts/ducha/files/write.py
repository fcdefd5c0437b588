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


PIPE_SIZE = 1 << 20


def widen_pipe(stream) -> None:
    """Let a writer put up to 1 MB in a pipe before it waits for its reader (Linux; the default holds 64 KB)."""
    try:
        import fcntl

        fcntl.fcntl(stream.fileno(), fcntl.F_SETPIPE_SZ, PIPE_SIZE)
    except (ImportError, AttributeError, OSError, ValueError):
        pass


_ERRNO_TEXT = {
    "ENOSPC": "磁盘空间不足", "EDQUOT": "超出磁盘配额", "EFBIG": "文件超过了允许的大小", "EROFS": "所在文件系统只读",
    "EACCES": "没有写入权限", "EPERM": "没有写入权限", "EEXIST": "路径上已有同名文件", "ENOTDIR": "路径上已有同名文件",
    "EISDIR": "路径上已有同名目录", "ENAMETOOLONG": "路径过长",
}  # fmt: skip


def os_error_text(exc: OSError) -> str:
    """What a failed write says to a user: the cause in Chinese where it is a common one, the system's words."""
    import errno

    name = errno.errorcode.get(exc.errno or 0, "")
    said = exc.strerror or str(exc)
    return f"{_ERRNO_TEXT[name]}（{said}）" if name in _ERRNO_TEXT else said


# the writing process: frames of (path, bytes) on stdin; a first failure is reported on stdout and the
# rest are read but not written. Only the standard library's os and sys: it starts in milliseconds.
_WRITER = r"""
import os, shutil, sys
read = sys.stdin.buffer.read
clear = sys.argv[1] if len(sys.argv) > 1 else None
made = set()
failed = False


def clear_way(path):
    # an earlier site's file where a folder goes, or its folder where a file goes: removed (within ``clear``)
    parts = os.path.relpath(path, clear).split(os.sep)
    for n in range(1, len(parts)):
        at = os.path.join(clear, *parts[:n])
        if os.path.islink(at) or (os.path.lexists(at) and not os.path.isdir(at)):
            os.unlink(at)
            return
    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path)


while True:
    head = read(8)
    if len(head) < 8:
        break
    n, m = int.from_bytes(head[:4], "big"), int.from_bytes(head[4:], "big")
    path = os.fsdecode(read(n))
    data = read(m)
    if failed:
        continue
    try:
        try:
            folder = os.path.dirname(path)
            if folder not in made:
                os.makedirs(folder, exist_ok=True)
                made.add(folder)
            with open(path, "wb") as fh:
                fh.write(data)
        except (FileExistsError, NotADirectoryError, IsADirectoryError):
            if clear is None or not path.startswith(clear + os.sep):
                raise
            clear_way(path)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "wb") as fh:
                fh.write(data)
    except OSError as exc:
        failed = True
        sys.stdout.write(f"{exc.errno}\t{exc.strerror}\t{path}")
sys.stdout.flush()
"""


class BackgroundWriter:
    """Writes files in a process of its own while this one goes on (a site's pages: the writing runs beside
    the rendering, on the other core; a thread would wait for the interpreter after every system call).

    ``write`` hands over a file (text, written as UTF-8 with the characters it cannot encode as XML
    character references, as MkDocs writes a page), its folders made as needed; ``close`` waits for all of
    them and raises the first failure as an ``OSError`` naming the file (after a failure the rest are not
    written); ``abort`` stops the process, and what it has not written yet is not written. ``clear_within``:
    a folder holding an earlier build's files, where a file in the way of a folder (or a folder in the way
    of a file) is removed rather than a failure.
    """

    def __init__(self, clear_within: str | None = None):
        import subprocess
        import sys

        extra = [os.path.abspath(clear_within)] if clear_within else []
        self._proc = subprocess.Popen([sys.executable, "-I", "-S", "-c", _WRITER, *extra], stdin=subprocess.PIPE,
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip
        self._broken = False
        widen_pipe(self._proc.stdin)  # a page or two ahead would be a wait on every page

    def write(self, path: str, text: str) -> None:
        if self._broken:
            return
        name, data = os.fsencode(path), text.encode("utf-8", errors="xmlcharrefreplace")
        try:
            self._proc.stdin.write(len(name).to_bytes(4, "big") + len(data).to_bytes(4, "big") + name)
            self._proc.stdin.write(data)
        except (BrokenPipeError, OSError):
            self._broken = True  # the process is gone: ``close`` says why

    def close(self) -> None:
        """Wait for every file handed over; raise the first failure."""
        try:
            self._proc.stdin.close()
        except OSError:
            self._broken = True
        out = self._proc.stdout.read().decode("utf-8", "replace")
        err = self._proc.stderr.read().decode("utf-8", "replace")
        code = self._proc.wait()
        self._proc.stdout.close()
        self._proc.stderr.close()
        if out:
            errno_, strerror, path = out.split("\t", 2)
            raise OSError(int(errno_) if errno_.isdigit() else None, strerror, path)
        if code or self._broken:
            raise OSError(None, f"写入文件的进程意外退出（退出码 {code}）：{err.strip()[-500:]}")

    def abort(self) -> None:
        """Stop the writing process; what it has not written is not written."""
        self._proc.kill()
        for stream in (self._proc.stdin, self._proc.stdout, self._proc.stderr):
            try:
                stream.close()
            except OSError:
                pass
        self._proc.wait()
