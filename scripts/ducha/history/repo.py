"""Git access for the ledger: one repository handle, batched blob reads, refusals.

GitPython opens the repository and runs git.  Everything that touches many
objects goes through long-lived processes (one ``git log`` stream, one
``git cat-file --batch``) fed in batches, never one git process per file or
per commit.
"""

from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path

import git

from ..core.findings import DuchaError
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


PIPE_SIZE = 1 << 20


def widen_pipe(stream) -> None:
    """Let a git process write up to 1 MB ahead of its reader (Linux; the default pipe holds 64 KB).
    A Python thread that drains the pipe waits for the GIL; meanwhile git must not stall."""
    try:
        import fcntl

        fcntl.fcntl(stream.fileno(), fcntl.F_SETPIPE_SZ, PIPE_SIZE)
    except (ImportError, AttributeError, OSError, ValueError):
        pass


class BlobReader:
    """``git cat-file --batch`` as one long-lived process, fed in batches."""

    BATCH = 400

    def __init__(self, repo: git.Repo):
        self.repo = repo
        self.proc = repo.git.cat_file(batch=True, as_process=True, istream=subprocess.PIPE)
        widen_pipe(self.proc.stdout)
        # a large buffer: each refill is a system call after which a reading thread waits for the GIL
        self.out = open(self.proc.stdout.fileno(), "rb", buffering=PIPE_SIZE, closefd=False)

    def read_many(self, shas: list[str]) -> dict[str, bytes]:
        out: dict[str, bytes] = {}
        stdin, stdout = self.proc.stdin, self.out
        for start in range(0, len(shas), self.BATCH):
            chunk = shas[start : start + self.BATCH]
            stdin.write(("\n".join(chunk) + "\n").encode())
            stdin.flush()
            for sha in chunk:
                header = stdout.readline()
                parts = header.split()
                if len(parts) < 3 or parts[1] == b"missing":
                    raise HistoryUnavailable(
                        f"git 对象 {sha} 缺失，历史不完整（可能是部分克隆或仓库损坏）。"
                        "请运行 git fetch --refetch 或重新完整克隆后再试。"
                    )
                data = stdout.read(int(parts[2]) + 1)  # with the trailing newline
                out[sha] = data[:-1]
        return out

    def close(self):
        try:
            self.proc.stdin.close()
            self.out.close()
            self.proc.wait()
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
