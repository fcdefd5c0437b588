"""Writing new files without ever overwriting one (item files, bulletin drafts)."""

from __future__ import annotations

import os
import tempfile
import weakref
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


def _forget_writers() -> None:
    for writer in list(_WRITERS):
        writer._forked()
    _WRITERS.clear()


_WRITERS: "weakref.WeakSet[BackgroundWriter]" = weakref.WeakSet()
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_writers)


class BackgroundWriter:
    """Writes files in a process of its own while this one goes on (a site's pages: the writing runs beside
    the rendering, on the other core; a thread would wait for the interpreter after every system call).

    ``write`` hands over a file (text, written as UTF-8 with the characters it cannot encode as XML
    character references, as MkDocs writes a page), its folders made as needed; ``close`` waits for all of
    them and raises the first failure as an ``OSError`` naming the file (after a failure the rest are not
    written); ``abort`` stops the process, and what it has not written yet is not written. ``clear_within``:
    a folder holding an earlier build's files, where a file in the way of a folder (or a folder in the way
    of a file) is removed rather than a failure; ``survey``: first, before writing, list its files and
    remove what must not be written through (``_pagewriter.survey``): ``close`` returns that list.
    """

    def __init__(self, clear_within: str | None = None, survey: bool = False):
        import subprocess
        import sys

        extra = [os.path.abspath(clear_within)] if clear_within else []
        if clear_within and survey:
            extra.append("survey")
        script = str(Path(__file__).with_name("_pagewriter.py"))
        self._proc = subprocess.Popen([sys.executable, "-I", "-S", script, *extra], stdin=subprocess.PIPE,
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip
        self._broken = False
        widen_pipe(self._proc.stdin)  # a page or two ahead would be a wait on every page
        _WRITERS.add(self)

    def _forked(self) -> None:
        """In a process forked from this one: let go of the pipe (its copy would keep the writer waiting for
        the end of its input), and write nothing."""
        self._broken = True
        try:
            null = os.open(os.devnull, os.O_WRONLY)
            os.dup2(null, self._proc.stdin.fileno())
            os.close(null)
        except (OSError, ValueError):
            pass

    def write(self, path: str, text: str) -> None:
        if self._broken:
            return
        name, data = os.fsencode(path), text.encode("utf-8", errors="xmlcharrefreplace")
        try:
            self._proc.stdin.write(len(name).to_bytes(4, "big") + len(data).to_bytes(4, "big") + name)
            self._proc.stdin.write(data)
        except (BrokenPipeError, OSError):
            self._broken = True  # the process is gone: ``close`` says why

    def close(self) -> set[str] | None:
        """Wait for every file handed over; raise the first failure. The files the survey found, if asked."""
        import json

        try:
            self._proc.stdin.flush()
        except OSError:
            self._broken = True
        try:
            out, err = self._proc.communicate()  # closes its input: the process writes what it has and ends
        except OSError:
            self._broken = True
            out, err = b"", b""
        err = err.decode("utf-8", "replace")
        code = self._proc.returncode
        _WRITERS.discard(self)
        try:
            said = json.loads(out.decode("utf-8"))
        except ValueError:
            said = None
        if isinstance(said, dict) and said.get("error"):
            errno_, strerror, path = said["error"]
            raise OSError(errno_, strerror, path)
        if code or self._broken or not isinstance(said, dict):
            said = err.strip()[-500:]
            raise OSError(None, f"写入文件的进程意外退出（退出码 {code}）" + (f"：{said}" if said else ""))
        return set(said["files"]) if said.get("files") is not None else None

    def abort(self) -> None:
        """Stop the writing process; what it has not written is not written."""
        _WRITERS.discard(self)
        self._proc.kill()
        for stream in (self._proc.stdin, self._proc.stdout, self._proc.stderr):
            try:
                stream.close()
            except OSError:
                pass
        self._proc.wait()


class SyncWriter:
    """``BackgroundWriter``'s work done in this process, as each file is handed over (where no process can be
    started for it)."""

    def __init__(self, clear_within: str | None = None, survey: bool = False):
        from ._pagewriter import survey as survey_folder

        self.clear = os.path.abspath(clear_within) if clear_within else None
        self.made: set = set()
        self.error: OSError | None = None
        self.found = None
        if self.clear and survey:
            try:
                self.found = set(survey_folder(self.clear))
            except OSError as exc:
                self.error = exc

    def write(self, path: str, text: str) -> None:
        from ._pagewriter import write_one

        if self.error is None:
            try:
                write_one(path, text.encode("utf-8", errors="xmlcharrefreplace"), self.clear, self.made)
            except OSError as exc:
                self.error = OSError(exc.errno, exc.strerror, path)  # the file, as the process reports it

    def close(self) -> set[str] | None:
        if self.error is not None:
            raise self.error
        return self.found

    def abort(self) -> None:
        self.error = self.error or OSError("aborted")


def page_writer(clear_within: str | None = None, survey: bool = False) -> BackgroundWriter | SyncWriter:
    """A ``BackgroundWriter``, or a ``SyncWriter`` where its process cannot be started."""
    try:
        return BackgroundWriter(clear_within, survey)
    except OSError:
        return SyncWriter(clear_within, survey)
