"""Git access for the ledger: one repository handle, batched blob reads, refusals.

GitPython opens the repository and runs git.  Everything that touches many
objects goes through long-lived processes (one ``git log`` stream, one
``git cat-file --batch``) fed in batches, never one git process per file or
per commit; their output is spooled to a temporary file (``Spool``).
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import git

from ..core.findings import DuchaError
from ..files.write import widen_pipe
from ..core.schema import TZ
from .status import WorktreeStatus



class HistoryUnavailable(DuchaError):
    """History-based commands cannot run here (no repository, shallow clone, missing objects)."""


def open_repo(root: Path) -> git.Repo:
    try:
        repo = git.Repo(root, search_parent_directories=False)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        raise HistoryUnavailable(
            f"{root} 不是 git 仓库，无法读取台账历史。请在台账仓库的完整克隆中运行：git clone <仓库地址>"
        ) from None
    try:
        repo.head.commit
    except ValueError:
        raise HistoryUnavailable(f"{root} 的 git 仓库还没有任何提交，无法读取台账历史。") from None
    return repo


def ensure_full_history(repo: git.Repo) -> None:
    """Refuse clearly on a shallow clone: every file would look added at the boundary commit."""
    shallow = repo.git.rev_parse("--is-shallow-repository").strip()
    if shallow == "true":
        raise HistoryUnavailable(
            "这是浅克隆（shallow clone），历史不完整，按它计算的日期和审计结果都会出错，因此拒绝执行。"
            "请先补全历史：git fetch --unshallow（流水线中克隆时设置 fetch-depth: 0 / GIT_DEPTH: 0；"
            "只想省流量可用 git clone --filter=blob:none）。"
        )


def _hole_puncher():
    """libc's ``fallocate`` where it can free a file's blocks in place (Linux), else None."""
    try:
        import ctypes
        import ctypes.util
        import sys

        if not sys.platform.startswith("linux"):
            return None
        libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
        fallocate = getattr(libc, "fallocate64", None) or libc.fallocate  # 64-bit offsets on 32-bit systems too
        fallocate.argtypes = (ctypes.c_int, ctypes.c_int, ctypes.c_longlong, ctypes.c_longlong)
        return fallocate
    except (OSError, AttributeError, ImportError):
        return None


_PUNCH = _hole_puncher()
_PREAD = hasattr(os, "pread")  # else (Windows) the spool file is read through a handle of its own
_PUNCH_HOLE = 0x01 | 0x02  # FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE


class Spool:
    """A git process whose output goes to an unlinked temporary file, read back as it grows.

    git never waits for its reader, and no thread drains a pipe: the caller's own thread reads whenever it
    is ready for more. (A draining thread wakes on every few kilobytes git writes and competes with the
    caller for the GIL: measured on a 34,000-commit history, about a tenth of the engine's CPU.) What has
    been read is given back to the disk as the reading goes (a hole punched in the file, on Linux), so the
    file holds little more than what git is ahead by; elsewhere it holds the whole output until the process
    is done (120 MB of blobs for 157,000 versions). Without ``os.pread`` (Windows) the file has a name and is
    read through a handle of its own. A git that cannot write there, or fails otherwise, is a
    ``HistoryUnavailable`` naming the folder and git's own words."""

    _READ = 1 << 22
    _GIVE_BACK = 1 << 24  # read bytes given back to the disk at a time

    def __init__(self, repo: git.Repo, args: list[str], feed: bool = False):
        self.args = [git.Git.GIT_PYTHON_GIT_EXECUTABLE or "git", *args]
        self.path = self.reader = None
        try:
            if _PREAD:
                self.out = tempfile.TemporaryFile(prefix="ducha-git-")
            else:
                self.out = tempfile.NamedTemporaryFile(prefix="ducha-git-", delete=False)
                self.path = self.out.name
                self.reader = open(self.path, "rb")
            self.err = tempfile.TemporaryFile(prefix="ducha-git-")
        except OSError as exc:
            raise HistoryUnavailable(_spool_trouble(str(exc))) from None
        env = dict(os.environ, LANGUAGE="C", LC_ALL="C")  # as GitPython runs git
        try:
            self.proc = subprocess.Popen(
                self.args, stdin=subprocess.PIPE if feed else subprocess.DEVNULL, stdout=self.out, stderr=self.err,
                cwd=repo.working_tree_dir or repo.git_dir, env=env,
            )  # fmt: skip
        except OSError as exc:  # no git to run: nothing left behind
            self._drop_files()
            raise HistoryUnavailable(f"无法运行 git（{exc}），无法读取台账历史。") from None
        if feed:
            widen_pipe(self.proc.stdin)
        self.pos = 0
        self.freed = 0
        self.punch = _PUNCH if _PREAD else None

    def read(self) -> bytes:
        """The next bytes git wrote, waiting until there are some; b"" once git has exited and all is read."""
        fd = self.out.fileno()
        pause = 0.0002
        while True:
            exited = self.proc.poll() is not None  # asked first: all it wrote before exiting is then in the file
            if self.reader is None:
                data = os.pread(fd, self._READ, self.pos)
            else:
                self.reader.seek(self.pos)
                data = self.reader.read(self._READ)
            if data:
                self.pos += len(data)
                if self.punch is not None and self.pos - self.freed >= self._GIVE_BACK:
                    upto = self.pos & ~0xFFFF
                    if self.punch(fd, _PUNCH_HOLE, self.freed, upto - self.freed) == 0:
                        self.freed = upto
                    else:  # the file system cannot: keep it whole
                        self.punch = None
                return data
            if exited:
                if self.proc.returncode:
                    self.err.seek(0)
                    said = self.err.read().decode("utf-8", "replace").strip()
                    raise HistoryUnavailable(_git_trouble(self.args[1], self.proc.returncode, said))
                return b""
            time.sleep(pause)
            pause = min(pause * 2, 0.005)

    def feed(self, data: bytes, last: bool = False) -> None:
        """Write ``data`` to git's input (and close it when ``last``). A git that has died meanwhile (a full
        disk, killed) is reported in its own words, as ``read`` reports it."""
        try:
            self.proc.stdin.write(data)
            if last:
                self.proc.stdin.close()
            else:
                self.proc.stdin.flush()
        except OSError:  # a broken pipe: what git said decides the message
            self.proc.wait()
            while self.read():
                pass
            raise HistoryUnavailable(_git_trouble(self.args[1], self.proc.returncode or -1, "")) from None

    def records(self, sep: bytes = b"\x1e"):
        """Yield the non-empty ``sep``-separated records of the output as they arrive."""
        pending = b""
        while chunk := self.read():
            parts = (pending + chunk).split(sep)
            pending = parts.pop()
            for part in parts:
                if part:
                    yield part
        if pending:
            yield pending

    def close(self) -> None:
        """Stop git if it still runs (the caller gave up) and drop the files."""
        if self.proc.stdin:
            try:
                self.proc.stdin.close()
            except OSError:
                pass
        if self.proc.poll() is None:
            self.proc.terminate()
        self.proc.wait()
        self._drop_files()

    def _drop_files(self) -> None:
        self.out.close()
        self.err.close()
        if self.path is not None:
            self.reader.close()
            try:
                os.unlink(self.path)
            except OSError:
                pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _spool_trouble(cause: str) -> str:
    return (f"无法在临时目录 {tempfile.gettempdir()} 中存放 git 的输出（{cause}）。"
            "请清理该目录所在磁盘的空间，或设置环境变量 TMPDIR 指向空间足够的目录后重试。")  # fmt: skip


def _git_trouble(command: str, code: int, said: str) -> str:
    lines = said.splitlines()
    told = [line for line in lines if line.startswith(("fatal:", "error:"))]
    last = (told or lines or [f"退出码 {code}"])[-1 if told else 0]
    if code == -getattr(signal, "SIGXFSZ", -1):
        return _spool_trouble("文件超过了允许的大小")
    if any(words in said for words in ("write error", "write failure", "unable to write", "No space left", "File too large")):
        return _spool_trouble(last)
    return f"git {command} 未能完成，无法读取台账历史：{last}"


class BlobReader:
    """``git cat-file --batch`` as one long-lived process: blobs are asked for (``submit``) ahead of being
    taken (``collect``), so that git reads them while the caller works."""

    def __init__(self, repo: git.Repo):
        self.spool = Spool(repo, ["cat-file", "--batch"], feed=True)
        self.buf = b""
        self.off = 0

    def submit(self, shas: list[str]) -> None:
        if shas:
            self.spool.feed(("\n".join(shas) + "\n").encode())

    def collect(self, shas: list[str]) -> dict[str, bytes]:
        """The contents of ``shas``, submitted in this order and not yet collected."""
        out: dict[str, bytes] = {}
        buf, off = self.buf, self.off
        for sha in shas:
            nl = buf.find(b"\n", off)
            while nl < 0:
                buf, off = self._more(buf, off)
                nl = buf.find(b"\n", off)
            parts = buf[off:nl].split()
            if len(parts) < 3 or parts[1] == b"missing":
                raise HistoryUnavailable(
                    f"git 对象 {sha} 缺失，历史不完整（可能是部分克隆或仓库损坏）。"
                    "请运行 git fetch --refetch 或重新完整克隆后再试。"
                )
            off = nl + 1
            size = int(parts[2])
            while len(buf) - off < size + 1:  # with the trailing newline
                buf, off = self._more(buf, off)
            out[sha] = buf[off : off + size]
            off += size + 1
        self.buf, self.off = buf, off
        return out

    def read_many(self, shas: list[str]) -> dict[str, bytes]:
        self.submit(shas)
        return self.collect(shas)

    def _more(self, buf: bytes, off: int) -> tuple[bytes, int]:
        data = self.spool.read()
        if not data:
            raise HistoryUnavailable("git cat-file 意外退出，无法读取文件内容。")
        return buf[off:] + data, 0

    def close(self):
        try:
            self.spool.close()
        except Exception:  # pragma: no cover - best effort
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def merge_base(repo: git.Repo, base: str) -> str:
    """The merge base of ``base`` (a pull request's target branch) and HEAD, or a Chinese error with the fix."""
    try:
        return repo.git.merge_base(base, "HEAD").strip()
    except git.GitCommandError:
        raise DuchaError(
            f"找不到“{base}”与当前提交的共同祖先。请先取回目标分支的完整历史：git fetch origin {base.split('/')[-1]}"
        ) from None


def commit_at(repo: git.Repo, as_of: dt.date, rev: str = "HEAD") -> str | None:
    """The last first-parent commit of ``rev`` committed at or before the end of ``as_of`` (Asia/Shanghai)."""
    end = dt.datetime.combine(as_of, dt.time(23, 59, 59), TZ)
    sha = repo.git.rev_list("-1", "--first-parent", f"--before={end.isoformat()}", rev).strip()
    return sha or None


def item_blobs_at(repo: git.Repo, commit: str) -> tuple[str | None, dict[str, str]]:
    """(blob of items/ledger.yml, {items/...yml path: blob sha}) in ``commit``'s tree."""
    rules, items, _, _ = item_tree_at(repo, commit)
    return rules, items


SYMLINK_MODE = "120000"


def item_tree_at(repo: git.Repo, commit: str) -> tuple[str | None, dict[str, str], list[str], list[str]]:
    """``item_blobs_at`` plus what it leaves unread: the symbolic links (mode 120000, never read, the rules
    file included) and every other file's path under ``items/`` (for the caller to judge its name)."""
    out = repo.git.ls_tree("-r", "-z", "--full-tree", commit, "--", "items").split("\0")
    rules = None
    items = {}
    links, others = [], []
    for entry in out:
        if not entry:
            continue
        meta, path = entry.split("\t", 1)
        mode, kind, sha = meta.split()
        if kind != "blob":
            continue
        if mode == SYMLINK_MODE:
            links.append(path)
        elif not path.endswith(".yml"):
            others.append(path)
        elif path == "items/ledger.yml":
            rules = sha
        else:
            items[path] = sha
    return rules, items, links, others


def worktree_changes(repo: git.Repo) -> list[str]:
    """Item files with uncommitted changes (staged, unstaged or untracked)."""
    return WorktreeStatus(Path(repo.working_tree_dir)).result()


def changed_since(repo: git.Repo, commit: str) -> list[str]:
    """Every path that differs between ``commit`` and the work tree: committed, staged, unstaged or new
    (untracked, not ignored); a rename counts as both its paths. What a pull request touched."""
    changed = repo.git.diff("--name-only", "-z", "--no-renames", commit, "--").split("\0")
    changed += repo.git.ls_files("--others", "--exclude-standard", "-z").split("\0")
    return sorted({p for p in changed if p})


def resolve_commit(repo: git.Repo, rev: str) -> str:
    """The commit ``rev`` (a sha, branch or tag) names, or a Chinese error saying there is none."""
    try:
        sha = repo.git.rev_parse("--verify", "--quiet", f"{rev}^{{commit}}").strip()
    except git.GitCommandError:
        sha = ""
    if not sha:
        raise HistoryUnavailable(f"找不到提交“{rev}”。")
    return sha
