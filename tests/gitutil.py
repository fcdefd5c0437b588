"""Real git repositories for tests: a ledger with fixed authors and fixed dates.

In the spirit of git-history's ``make_repo``: every commit gets an explicit
``GIT_AUTHOR_DATE``/``GIT_COMMITTER_DATE`` (Asia/Shanghai, ``+08:00``) and an
explicit author, so histories are identical on every run and no git call is
mocked.  The user's global git config is ignored by the helper's own commands.

    repo = make_repo(tmp_path)                       # main, one root commit with items/ledger.yml
    repo.write_item(make_item("DC-2026-0001", "assigned"))
    repo.commit("登记", "2026-11-16")                 # author ZHOU, 10:00 +08:00
    repo.checkout("feature", new=True)
    ...
    repo.checkout("main"); repo.merge("feature", "2026-11-18")   # --no-ff
"""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
from pathlib import Path

import yaml

PROJECT = Path(__file__).resolve().parents[1]
LEDGER_YML = PROJECT / "items" / "ledger.yml"
SCHEMA_LINE = "# yaml-language-server: $schema=../item.schema.json\n"

# staff as listed in items/ledger.yml
ZHOU = ("周敏", "zhoumin@dcs.jiangzhou.gov.cn")
WU = ("吴昊", "wuhao@dcs.jiangzhou.gov.cn")
OUTSIDER = ("王五", "wangwu@example.com")

ROOT_DATE = "2026-11-01"


def when(day: str, time: str = "10:00:00") -> str:
    """A fixed git date in Asia/Shanghai: ``2026-11-16T10:00:00+08:00``."""
    return day if "T" in day else f"{day}T{time}+08:00"


def rules_text(**audit) -> str:
    """items/ledger.yml of this project with ``audit:`` settings replaced (``require_merge=False`` ...)."""
    text = LEDGER_YML.read_text(encoding="utf-8")
    for key, value in audit.items():
        shown = "null" if value is None else str(value).lower() if isinstance(value, bool) else value
        text, n = re.subn(rf"(?m)^(  {key}:)[ \t]*\S+", rf"\g<1> {shown}", text)
        assert n == 1, f"audit.{key} not found in ledger.yml"
    return text


# -- items ---------------------------------------------------------------------

# One item's standard life (Asia/Shanghai dates), so commits can be dated on the day they record.
ASSIGNED = "2026-11-16"
PROGRESS = "2026-11-18"
REPORTED = "2026-11-20"
REVIEWED = "2026-11-23"


def _d(day: str) -> dt.date:
    return dt.date.fromisoformat(day)


def make_item(item_id: str = "DC-2026-0001", status: str = "assigned", **fields) -> dict:
    """A valid item in ``status`` following the standard life above; ``fields`` override or add keys
    (a value of ``None`` removes the key)."""
    data = {
        "id": item_id,
        "title": "加快推进地铁3号线建设",
        "category": "meeting_decision",
        "source": "市政府第9次常务会议纪要",
        "leader": "mayor_zhang",
        "lead_unit": "fgw",
        "co_units": ["czj"],
        "assigned": _d(ASSIGNED),
        "deadline": dt.date(2026, 12, 15),
        "urgency": "normal",
        "secrecy": "internal",
        "status": status,
    }
    if status != "draft":
        data["approval"] = {"opinion": "请市发展改革委牵头办理。", "by": "mayor_zhang", "date": _d(ASSIGNED)}
    if status in ("in_progress", "reported", "returned", "closed"):
        data["progress"] = [{"date": _d(PROGRESS), "by": "fgw", "text": "已完成征地拆迁方案。"}]
    if status in ("reported", "returned", "closed"):
        data["result"] = {"reported": _d(REPORTED), "text": "3号线一期主体工程已开工。"}
    if status == "closed":
        data["reviews"] = [{"date": _d(REVIEWED), "result": "passed", "opinion": "同意办结。"}]
        data["closed"] = _d(REVIEWED)
    if status == "returned":
        data["reviews"] = [{"date": _d(REVIEWED), "result": "returned", "opinion": "请补充资金落实情况。"}]
    if status == "cancelled":
        data["cancellation"] = {"date": _d(PROGRESS), "by": "mayor_zhang", "reason": "该项工作已由省里统筹。"}
    for key, value in fields.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return data


def item_path(item_id: str) -> str:
    return f"items/{item_id.split('-')[1]}/{item_id}.yml"


def dump_item(data: dict) -> str:
    return SCHEMA_LINE + yaml.safe_dump(data, allow_unicode=True, sort_keys=False, default_flow_style=False)


# -- repositories --------------------------------------------------------------


class LedgerRepo:
    def __init__(self, path: Path):
        self.path = Path(path)

    def env(self, date: str | None = None, author: tuple[str, str] = ZHOU) -> dict:
        env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
        env.update(
            GIT_CONFIG_GLOBAL=os.devnull,
            GIT_CONFIG_NOSYSTEM="1",
            GIT_AUTHOR_NAME=author[0],
            GIT_AUTHOR_EMAIL=author[1],
            GIT_COMMITTER_NAME=author[0],
            GIT_COMMITTER_EMAIL=author[1],
        )
        if date:
            env["GIT_AUTHOR_DATE"] = env["GIT_COMMITTER_DATE"] = when(date)
        return env

    def git(self, *args: str, date: str | None = None, author: tuple[str, str] = ZHOU) -> str:
        proc = subprocess.run(
            ["git", *args], cwd=self.path, env=self.env(date, author), capture_output=True, text=True
        )
        if proc.returncode:
            raise AssertionError(f"git {' '.join(args)} failed:\n{proc.stdout}{proc.stderr}")
        return proc.stdout

    # files
    def write(self, rel: str, text: str) -> str:
        target = self.path / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        return rel

    def read(self, rel: str) -> str:
        return (self.path / rel).read_text(encoding="utf-8")

    def write_item(self, data: dict, rel: str | None = None) -> str:
        return self.write(rel or item_path(data["id"]), dump_item(data))

    def remove(self, rel: str) -> None:
        (self.path / rel).unlink()

    # commits and branches
    def commit(
        self,
        message: str,
        date: str,
        author: tuple[str, str] = ZHOU,
        paths: list[str] | None = None,
        sign_key: str | Path | None = None,
    ) -> str:
        """Stage ``paths`` (default: everything) and commit with a fixed date/author; returns the sha."""
        self.git("add", "-A", "--", *(paths or ["."]))
        extra = []
        if sign_key:
            extra = ["-c", "gpg.format=ssh", "-c", f"user.signingkey={sign_key}", "commit", "-S"]
        else:
            extra = ["commit"]
        self.git(*extra, "-q", "--allow-empty", "-m", message, date=date, author=author)
        return self.head()

    def merge(
        self, branch: str, date: str, author: tuple[str, str] = ZHOU, message: str | None = None,
        sign_key: str | Path | None = None,
    ) -> str:  # fmt: skip
        """``git merge --no-ff branch`` into the current branch (a pull request being merged)."""
        cmd = ["merge", "--no-ff", "-q", "-m", message or f"合并请求：{branch}", branch]
        if sign_key:
            cmd = ["-c", "gpg.format=ssh", "-c", f"user.signingkey={sign_key}", "merge", "-S", *cmd[1:]]
        self.git(*cmd, date=date, author=author)
        return self.head()

    def write_raw(self, rel: bytes, content: bytes = b"x") -> None:
        """A file whose name is raw bytes (a GBK name unzipped from Windows), for ``commit`` to stage."""
        target = os.fsencode(self.path) + b"/" + rel
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, "wb") as fh:
            fh.write(content)

    def commit_object(self, message: str, timestamp: int, offset: str, author: tuple[str, str] = ZHOU) -> str:
        """Commit the index as a hand-made commit object with any time-zone ``offset`` (``+9999``, which
        ``git commit`` refuses), on top of HEAD; the branch moves to it.  Returns the sha."""
        self.git("add", "-A")
        tree = self.git("write-tree").strip()
        who = f"{author[0]} <{author[1]}> {timestamp} {offset}"
        body = f"tree {tree}\nparent {self.head()}\nauthor {who}\ncommitter {who}\n\n{message}\n"
        proc = subprocess.run(["git", "hash-object", "-w", "-t", "commit", "--literally", "--stdin"], cwd=self.path,
                              env=self.env(), input=body.encode(), capture_output=True, check=True)  # fmt: skip
        sha = proc.stdout.decode().strip()
        self.git("update-ref", "HEAD", sha)
        return sha

    def checkout(self, branch: str, new: bool = False, start: str | None = None) -> None:
        self.git("checkout", "-q", *(["-b", branch] if new else [branch]), *([start] if start else []))

    def head(self, rev: str = "HEAD") -> str:
        return self.git("rev-parse", rev).strip()

    def pull_request(
        self, branch: str, steps: list[tuple[str, dict | None]], merge_date: str | None = None,
        author: tuple[str, str] = ZHOU, merger: tuple[str, str] = ZHOU,
    ) -> str:  # fmt: skip
        """A feature branch off the current branch with one commit per ``(date, item)`` step
        (``item`` None: skip writing), merged back with ``--no-ff`` on ``merge_date`` (default: last step's date)."""
        base = self.git("rev-parse", "--abbrev-ref", "HEAD").strip()
        self.checkout(branch, new=True)
        for n, (date, data) in enumerate(steps, 1):
            if data is not None:
                self.write_item(data)
            self.commit(f"{branch} 第 {n} 步", date, author=author)
        self.checkout(base)
        return self.merge(branch, merge_date or steps[-1][0], author=merger)


def make_repo(tmp_path: Path, date: str = ROOT_DATE, author: tuple[str, str] = ZHOU, **audit) -> LedgerRepo:
    """A repository on branch ``main`` whose root commit holds this project's items/ledger.yml
    (with ``audit`` settings replaced) and the item JSON Schema."""
    path = Path(tmp_path) / "ledger"
    path.mkdir(parents=True)
    repo = LedgerRepo(path)
    repo.git("init", "-q", "-b", "main")
    audit.setdefault("baseline", None)  # the sample's baseline names a commit of this project's history
    repo.write("items/ledger.yml", rules_text(**audit))
    repo.write("items/item.schema.json", (PROJECT / "items" / "item.schema.json").read_text(encoding="utf-8"))
    repo.commit("台账初始化", date, author=author)
    return repo
