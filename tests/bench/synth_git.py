"""A synthetic ledger WITH history: N items and M commits, written straight into one git pack.

Items live realistic lives (registered, approved, progress reports, reminders when
the deadline nears, extension requests and approvals, reports, reviews that pass or
return the work, closure, a few cancellations).  Staff enter the changes on short
branches that are merged with ``--no-ff`` (one status step per item per merge, so a
merge never skips a workflow state); a few changes are committed straight to main.
Every recorded date is written on the day it happened, so the only audit findings
are the planted ones (``Planted``) and the direct commits.

    python tests/bench/synth_git.py /tmp/ledger --items 20000 --commits 100000

prints the planted cases as JSON.  In Python::

    synth = SynthHistory(n_items=20000, n_commits=100000)
    planted = synth.write(path)        # git init + one pack; planted.as_dict()
    synth.extend(path, 100)            # 100 more commits on main, continuing open items

20,000 items / 100,000 commits take ~50 s on the 2-core machine.  ``git fast-import``
was tried first and took 6.5 min: it re-serialises, hashes and deltifies the whole
items/<year>/ tree (~5,000 entries) for every commit (see ``_Pack`` below).

tests/bench/synth.py generates items in their final state; the lifecycles here need
every intermediate version, so the item model is this file's own (same rules file,
same kind of values).
"""

from __future__ import annotations

import argparse
import bisect
import datetime as dt
import hashlib
import json
import os
import random
import struct
import subprocess
import sys
import zlib
from dataclasses import asdict, dataclass, field
from pathlib import Path

import yaml

PROJECT = Path(__file__).resolve().parents[2]
RULES = PROJECT / "items" / "ledger.yml"
SCHEMA = PROJECT / "items" / "item.schema.json"
SCHEMA_LINE = "# yaml-language-server: $schema=../item.schema.json\n"
TZ = dt.timezone(dt.timedelta(hours=8))
OUTSIDER = ("临时工", "temp@example.com")
DELAY = 45  # days a planted backdated closure is committed after the date it records

VERBS = ["加快推进", "抓紧落实", "研究解决", "督促整改", "统筹推进", "全面完成", "妥善处置", "认真办理"]
OBJECTS = ["地铁3号线建设", "老旧小区改造", "城区内涝治理", "学校扩容工程", "营商环境优化", "农贸市场升级",
           "河道综合整治", "公交线网优化", "安置房建设", "垃圾分类示范", "数字政府建设", "工业园区扩区",
           "群众反映噪音扰民问题", "欠薪问题", "停车难问题", "供水管网改造", "乡村振兴示范村建设"]  # fmt: skip
PLACES = ["和平区", "江华区", "北山区", "西河县", "柳桥镇", "东风街道", "滨江新区", "高新区"]
SOURCES = {
    "meeting_decision": "市政府第{n}次常务会议纪要",
    "office_meeting": "市长办公会议纪要〔{y}〕{n}号",
    "leader_instruction": "领导批示件第{n}号",
    "work_report_target": "{y}年市政府工作报告",
    "superior_assignment": "省政府督查室交办函〔{y}〕{n}号",
    "npc_proposal": "市人大代表建议第{n}号",
    "cppcc_proposal": "市政协提案第{n}号",
    "mayor_mailbox": "市长信箱第{y}-{n}号来信",
    "media_report": "江州日报第{n}期报道",
}
PROGRESS = ["已召开专题协调会，明确责任分工和时间节点。", "已完成前期调查摸底，正在制定实施方案。",
            "主体工作已完成过半，剩余部分正在推进。", "资金已落实，正在组织施工。", "已会同相关部门现场核查，问题正在整改。",
            "已完成招标，施工单位已进场。", "已约谈相关企业负责人，督促限期整改到位。"]  # fmt: skip
REMINDERS = [("phone", "电话询问办理进度，要求按期报送进展。"), ("notice", "发出催办通知，要求说明办理情况。"),
             ("visit", "赴现场督查，要求加快进度。"), ("document", "印发督办函，要求限期办结。")]  # fmt: skip


@dataclass
class Planted:
    """Audit cases written on purpose (ids of items; shas of commits)."""

    backdated_closure: list[str] = field(default_factory=list)  # A101: closed recorded 45 days before its commit
    deadline_moved: list[str] = field(default_factory=list)  # A102: deadline changed, no approved extension
    edited_after_close: list[str] = field(default_factory=list)  # A103: result text edited on a closed item
    deleted: list[str] = field(default_factory=list)  # A104: item file deleted
    unknown_author: list[str] = field(default_factory=list)  # A106: commits by someone not in staff
    direct_commits: list[str] = field(default_factory=list)  # A105: commits straight to main (incl. the above)

    def as_dict(self) -> dict:
        return asdict(self)


# -- rendering -----------------------------------------------------------------------

_KEY_ORDER = ("id", "title", "category", "source", "leader", "lead_unit", "co_units", "assigned", "deadline",
              "urgency", "secrecy", "status", "summary", "approval", "progress", "reminders", "extensions",
              "reviews", "result", "closed", "cancellation", "citizen")  # fmt: skip


def rules_mailbox(category: str) -> bool:
    return category == "mayor_mailbox"


def _scalar(v) -> str:
    t = type(v)
    if t is str:
        return v
    if t is dt.date:
        return v.isoformat()
    if t is list:
        return "[" + ", ".join(v) + "]"
    return str(v)


def render_part(key: str, value) -> str:
    """One top-level key of an item file (the generator's strings are all plain YAML scalars);
    keys starting with ``_`` are the generator's own and are not written."""
    if type(value) is dict:
        return f"{key}:\n" + "".join(f"  {k}: {_scalar(v)}\n" for k, v in value.items())
    if type(value) is list and value and type(value[0]) is dict:
        out = [f"{key}:\n"]
        for entry in value:
            lead = "  - "
            for k, v in entry.items():
                if k[0] != "_":
                    out.append(f"{lead}{k}: {_scalar(v)}\n")
                    lead = "    "
        return "".join(out)
    return f"{key}: {_scalar(value)}\n"


def render(item: dict) -> bytes:
    """The item file."""
    return (SCHEMA_LINE + "".join(render_part(k, item[k]) for k in _KEY_ORDER if k in item)).encode()


# -- the plan ------------------------------------------------------------------------


@dataclass
class _Item:
    id: str
    path: str
    data: dict
    parts: dict = field(default_factory=dict)  # rendered top-level keys, dropped when an event changes them


class SynthHistory:
    def __init__(self, n_items: int = 20000, n_commits: int = 100000, seed: int = 1,
                 start: dt.date = dt.date(2023, 1, 2), end: dt.date | None = None,
                 direct_share: float = 0.03, plant: int = 3):  # fmt: skip
        self.n_items, self.n_commits, self.seed = n_items, n_commits, seed
        self.rng = random.Random(seed)
        self.start = start
        self.end = end or start + dt.timedelta(days=max(60, min(1300, n_commits // 60)))
        self.direct_share = direct_share
        self.plant = plant
        rules = yaml.safe_load(RULES.read_text(encoding="utf-8"))
        self.units = [u for u, spec in rules["units"].items() if "valid_until" not in spec]
        self.unit_names = {u: spec["name"] for u, spec in rules["units"].items()}
        self.leaders = list(rules["leaders"])
        self.categories = [c for c, spec in rules["categories"].items() if spec.get("deadline") != "none"]  # with a default deadline
        self.staff = [(s["name"], s["email"]) for s in rules["staff"]]
        self.items: list[_Item] = []
        self.planted = Planted()
        self.last_time: dt.datetime | None = None
        self.head: bytes | None = None
        self.merges = 0

    # items and their lives

    def _new_item(self, n: int, assigned: dt.date, seq: dict) -> _Item:
        rng = self.rng
        year = assigned.year
        seq[year] = seq.get(year, 0) + 1
        width = 4 if self.n_items * 365 / max(1, (self.end - self.start).days) < 9000 else 5
        item_id = f"DC-{year}-{seq[year]:0{width}d}"
        category = rng.choice(self.categories)
        lead = rng.choice(self.units)
        co = rng.sample([u for u in self.units if u != lead], rng.choice((0, 1, 1, 2, 3)))
        data = {
            "id": item_id,
            "title": f"{rng.choice(VERBS)}{rng.choice(PLACES)}{rng.choice(OBJECTS)}",
            "category": category,
            "source": SOURCES[category].format(n=rng.randint(1, 60), y=year),
            "leader": rng.choice(self.leaders),
            "lead_unit": lead,
        }
        if co:
            data["co_units"] = co
        if rules_mailbox(category):
            data["citizen"] = {"name": rng.choice(("张先生", "李女士", "王先生", "赵女士")), "address": f"{rng.choice(PLACES)}某小区"}
        data.update(
            assigned=assigned,
            deadline=assigned + dt.timedelta(days=rng.choice((15, 30, 30, 30, 45, 60, 90))),
            urgency=rng.choice(("normal",) * 8 + ("urgent", "critical")),
            secrecy=rng.choice(("internal", "internal", "public")),
            status="draft",
        )
        return _Item(item_id, f"items/{year}/{item_id}.yml", data)

    def _life(self, idx: int, item: _Item, plant: str | None) -> list[tuple[dt.date, int, int, str, tuple]]:
        """Events (commit date, tiebreak, item index, kind, args) of one item, in order."""
        rng = self.rng
        d = item.data
        assigned, deadline = d["assigned"], d["deadline"]
        ev = []
        day = assigned - dt.timedelta(days=rng.choice((0, 1, 1, 2)))

        def add(when, kind, *args, commit_on=None):
            ev.append((commit_on or when, rng.random(), idx, kind, (when, *args)))

        add(day, "create")
        add(assigned, "assign")
        t = assigned + dt.timedelta(days=rng.randint(2, 7))
        add(t, "progress", True)
        span = (deadline - assigned).days
        finish = assigned + dt.timedelta(days=int(span * rng.uniform(0.5, 1.4)))
        extended = None
        if finish > deadline and rng.random() < 0.5:
            ask = deadline - dt.timedelta(days=rng.randint(1, 4))
            if ask > t:
                # past the deadline even after it rolls over a holiday (春节 can move it by up to 9 days)
                extended = max(finish, deadline + dt.timedelta(days=10)) + dt.timedelta(days=rng.randint(5, 20))
                add(ask, "ext_request", extended)
                add(min(ask + dt.timedelta(days=rng.randint(1, 3)), deadline), "ext_approve")
        reminded = False
        while True:
            t += dt.timedelta(days=rng.randint(8, 20))
            if t >= finish:
                break
            if not reminded and t > deadline - dt.timedelta(days=3) and extended is None:
                add(t, "remind")
                reminded = True
                t += dt.timedelta(days=1)
            add(t, "progress", False)
            if plant == "deadline_moved":
                add(t + dt.timedelta(days=1), "move_deadline")
                t += dt.timedelta(days=1)
                plant = None
        if plant is None and rng.random() < 0.03:
            add(max(t, finish), "cancel")
            return ev
        t = max(t, finish)
        add(t, "report")
        if rng.random() < 0.15:
            t += dt.timedelta(days=rng.randint(2, 5))
            add(t, "review_return")
            t += dt.timedelta(days=rng.randint(3, 10))
            add(t, "progress", False)
            t += dt.timedelta(days=rng.randint(3, 10))
            add(t, "report")
        t += dt.timedelta(days=rng.randint(2, 6))
        if plant == "backdated_closure":
            add(t, "close", True, commit_on=t + dt.timedelta(days=DELAY))
            return ev
        add(t, "close")
        if plant == "edited_after_close":
            add(t + dt.timedelta(days=rng.randint(5, 30)), "edit_closed")
        elif plant == "deleted":
            add(t + dt.timedelta(days=rng.randint(5, 30)), "delete")
        return ev

    # what one event does to the item

    def _apply(self, item: _Item, kind: str, args: tuple) -> bool:
        """Mutate the item; False when the file is deleted."""
        rng, d, when = self.rng, item.data, args[0]
        if kind == "create":
            pass
        elif kind == "assign":
            d["approval"] = {"opinion": f"拟请{self.unit_names[d['lead_unit']]}牵头办理，按期报送结果。",
                             "by": rng.choice(self.leaders), "date": when}  # fmt: skip
            d["status"] = "assigned"
        elif kind == "progress":
            if d["status"] in ("assigned", "returned"):
                d["status"] = "in_progress"
            d.setdefault("progress", []).append({"date": when, "by": d["lead_unit"], "text": rng.choice(PROGRESS)})
        elif kind == "remind":
            method, note = rng.choice(REMINDERS)
            d.setdefault("reminders", []).append({"date": when, "method": method, "note": note})
        elif kind == "ext_request":
            new = max(args[1], d["deadline"] + dt.timedelta(days=15)) if d.get("deadline") else args[1]  # after a planted move too
            d.setdefault("extensions", []).append(
                {"requested": when, "reason": f"工作量大，申请延期至{new.isoformat()}。", "_new": new}
            )
        elif kind == "ext_approve":
            entry = d["extensions"][-1]
            new = entry.pop("_new")
            entry.update(approved_by=d["approval"]["by"], approved=when, new_deadline=new)
        elif kind == "move_deadline":
            if not d.get("extensions"):  # moved under an extension, the item itself would fail D512
                d["deadline"] = d["deadline"] + dt.timedelta(days=30)
                self.planted.deadline_moved.append(item.id)
        elif kind == "report":
            d["status"] = "reported"
            d["result"] = {"reported": when, "text": "已按要求办理完毕，请审核。"}
        elif kind == "review_return":
            d["status"] = "returned"
            d.setdefault("reviews", []).append({"date": when, "result": "returned", "opinion": "办理结果不完整，请补充后重新报结。"})
        elif kind == "close":
            d["status"] = "closed"
            d.setdefault("reviews", []).append({"date": when, "result": "passed", "opinion": "经核查，同意办结。"})
            d["closed"] = when
            if len(args) > 1:
                self.planted.backdated_closure.append(item.id)
        elif kind == "cancel":
            d["status"] = "cancelled"
            d["cancellation"] = {"date": when, "by": d["approval"]["by"], "reason": "经领导同意，该事项不再办理。"}
        elif kind == "edit_closed":
            d["result"] = dict(d["result"], text="已按要求办理完毕（补充修改）。")
            self.planted.edited_after_close.append(item.id)
        elif kind == "delete":
            self.planted.deleted.append(item.id)
            return False
        return True

    def _content(self, item: _Item, kind: str) -> bytes:
        d, parts = item.data, item.parts
        for key in _TOUCHES.get(kind, _KEY_ORDER):
            parts.pop(key, None)
        out = [SCHEMA_LINE]
        for key in _KEY_ORDER:
            if key in d:
                part = parts.get(key)
                if part is None:
                    part = parts[key] = render_part(key, d[key])
                out.append(part)
        return "".join(out).encode()

    # the plan: events → commits → merge units

    def plan(self) -> list[dict]:
        rng = self.rng
        total_days = (self.end - self.start).days
        seq: dict[int, int] = {}
        planted_kinds = ["backdated_closure", "deadline_moved", "edited_after_close", "deleted"]
        plant_at = {}
        slots = len(planted_kinds) * self.plant
        for n in range(slots):  # spread over the first 70% of items, which live their whole lives
            plant_at[int(self.n_items * 0.7 * (n + 1) / (slots + 1))] = planted_kinds[n % len(planted_kinds)]
        assigned_days = sorted(
            self.start + dt.timedelta(days=3 + int(rng.random() ** 1.05 * (total_days - 10))) for _ in range(self.n_items)
        )
        events = []
        for idx, day in enumerate(assigned_days):
            item = self._new_item(idx, day, seq)
            self.items.append(item)
            events += self._life(idx, item, plant_at.get(idx))
        events.sort(key=lambda e: (e[0], e[1]))
        # commits: consecutive events of distinct items; units: a branch of 1-3 commits + merge, or one direct commit
        p = self.direct_share
        commits_wanted = self.n_commits - 1  # minus the root commit
        event_commits = commits_wanted * (p + 2 * (1 - p)) / (p + 3 * (1 - p))  # a branch: 2 commits + a merge
        k = max(1.0, len(events) / event_commits)
        units: list[dict] = []
        i = 0
        n_commits = 0
        while i < len(events) and n_commits < commits_wanted:
            left = commits_wanted - n_commits
            direct = left == 1 or rng.random() < self.direct_share
            size = 1 if direct else min(left - 1, rng.choice((1, 2, 3)))
            first_day = events[i][0]
            unit = {"direct": direct, "commits": [], "items": set()}
            for _ in range(size):
                take = max(1, int(k + rng.random()))
                commit = []
                while i < len(events) and len(commit) < take:
                    e = events[i]
                    if e[2] in unit["items"] or (e[0] - first_day).days > 1:
                        break
                    commit.append(e)
                    unit["items"].add(e[2])
                    i += 1
                if commit:
                    unit["commits"].append(commit)
                if i < len(events) and (events[i][2] in unit["items"] or (events[i][0] - first_day).days > 1):
                    break
            if not unit["commits"]:
                continue
            units.append(unit)
            n_commits += len(unit["commits"]) + (0 if direct else 1)
        self.rest = events[i:]
        # exactly n_commits: split multi-event commits while short (stays within the unit: no new conflicts)
        short = commits_wanted - n_commits
        for unit in units:
            if short <= 0:
                break
            new = []
            for commit in unit["commits"]:
                if short > 0 and len(commit) > 1 and not unit["direct"]:
                    new += [commit[:1], commit[1:]]
                    short -= 1
                else:
                    new.append(commit)
            unit["commits"] = new
        # a planted commit by an unknown author: some direct commits become theirs
        direct_units = [u for u in units if u["direct"]]
        for u in direct_units[len(direct_units) // 3 :: max(1, len(direct_units) // max(1, self.plant))][: self.plant]:
            u["author"] = OUTSIDER
        return units

    # writing

    def _times(self, units: list[dict]) -> None:
        """Commit times: each day's commits spread over 08:30-20:30, in order."""
        by_day: dict[dt.date, list[tuple[dict, int]]] = {}
        for unit in units:
            day = max(e[0] for c in unit["commits"] for e in c)
            n = len(unit["commits"]) + (0 if unit["direct"] else 1)
            by_day.setdefault(day, []).append((unit, n))
        for day, entries in by_day.items():
            total = sum(n for _, n in entries)
            step = 12 * 3600 / (total + 1)
            t = dt.datetime.combine(day, dt.time(8, 30), TZ)
            k = 0
            for unit, n in entries:
                unit["times"] = [t + dt.timedelta(seconds=int(step * (k + j + 1))) for j in range(n)]
                k += n

    def _write_units(self, repo: _RepoWriter, units: list[dict]) -> None:
        """Branch commits on top of main, then a --no-ff merge (its tree is the branch's: main did not move)."""
        rng = self.rng
        self._times(units)
        for n, unit in enumerate(units):
            author = unit.get("author") or rng.choice(self.staff)
            tip = self.head
            touched = set()
            for j, events in enumerate(unit["commits"]):
                names = []
                for _, _, idx, kind, args in events:
                    item = self.items[idx]
                    alive = self._apply(item, kind, args)
                    repo.set_file(item.path, repo.blob(self._content(item, kind)) if alive else None)
                    touched.add(item.id)
                    names.append(f"{item.id} {_KIND[kind]}")
                tip = repo.commit(repo.tree(), [tip], author, unit["times"][j], "；".join(names) + "\n")
            if unit["direct"]:
                self.planted.direct_commits.append(tip.hex())
                if unit.get("author") == OUTSIDER:
                    self.planted.unknown_author.append(tip.hex())
            else:
                msg = f"合并请求 !{self.merges + 1}：{len(touched)} 个事项\n"
                self.merges += 1
                tip = repo.commit(repo.tree(), [self.head, tip], rng.choice(self.staff), unit["times"][-1], msg)
            self.head = tip
        if units:
            self.last_time = units[-1]["times"][-1]

    def write(self, path: Path, checkout: bool = False) -> Planted:
        """``git init`` at ``path``, a root commit with the rules, then the planned commits (one pack)."""
        path = Path(path).resolve()
        subprocess.run(["git", "init", "-q", "-b", "main", str(path)], check=True)
        units = self.plan()
        with _RepoWriter(path) as repo:
            self._repo_state = repo.state
            repo.set_file("items/ledger.yml", repo.blob(RULES.read_bytes()))
            repo.set_file("items/item.schema.json", repo.blob(SCHEMA.read_bytes()))
            when = dt.datetime.combine(self.start, dt.time(9, 0), TZ)
            self.head = repo.commit(repo.tree(), [], self.staff[0], when, "台账初始化\n")
            self._write_units(repo, units)
        _set_main(path, self.head)
        if checkout:
            subprocess.run(["git", "-C", str(path), "reset", "-q", "--hard"], check=True)
        return self.planted

    def extend(self, path: Path, n_commits: int, checkout: bool = False) -> None:
        """``n_commits`` more commits on main: progress on open items, as merged branches of one commit
        (plus one direct commit when ``n_commits`` is odd), dated after everything so far."""
        rng = self.rng
        open_items = [i for i, it in enumerate(self.items) if it.data["status"] in ("assigned", "in_progress", "returned")]
        day = self.last_time.date() + dt.timedelta(days=1)
        units = []
        left = n_commits
        seq = {}
        for it in self.items:
            year, number = it.id.split("-")[1:]
            seq[int(year)] = max(seq.get(int(year), 0), int(number))
        while left > 0:
            direct = left == 1
            if open_items:
                idx, kind = rng.choice(open_items), "progress"
            else:  # everything is finished: new items are registered
                idx, kind = len(self.items), "create"
                self.items.append(self._new_item(idx, day, seq))
            units.append({"direct": direct, "commits": [[(day, 0.0, idx, kind, (day,))]], "items": {idx}})
            left -= 1 if direct else 2
        path = Path(path).resolve()
        with _RepoWriter(path, self._repo_state) as repo:
            self._write_units(repo, units)
        _set_main(path, self.head)
        if checkout:
            subprocess.run(["git", "-C", str(path), "reset", "-q", "--hard"], check=True)


def _set_main(path: Path, head: bytes) -> None:
    subprocess.run(["git", "-C", str(path), "update-ref", "refs/heads/main", head.hex()], check=True)


# -- a pack written directly ----------------------------------------------------------
#
# ``git fast-import`` re-serialises, hashes and deltifies the whole directory tree for every
# commit: with ~5,000 files in items/<year>/ that is ~4 ms per commit (100,000 commits: ~6 min,
# measured).  Here the changed tree is patched in place, and its delta against the previous
# version is known without searching (copy the unchanged prefix and suffix, insert the middle),
# so only the SHA-1 of each tree version costs anything.  The .idx is written alongside; the
# result passes ``git fsck --full``.

_OBJ = {"commit": 1, "tree": 2, "blob": 3}
_OFS_DELTA = 6
_MAX_DEPTH = 50


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _copy_op(offset: int, size: int) -> bytes:
    out = bytearray()
    while size:
        chunk = min(size, 0xFFFFFF)
        cmd, args = 0x80, bytearray()
        for i in range(4):
            if (offset >> (8 * i)) & 0xFF:
                cmd |= 1 << i
                args.append((offset >> (8 * i)) & 0xFF)
        for i in range(3):
            if (chunk >> (8 * i)) & 0xFF:
                cmd |= 0x10 << i
                args.append((chunk >> (8 * i)) & 0xFF)
        out.append(cmd)
        out += args
        offset += chunk
        size -= chunk
    return bytes(out)


def _insert_ops(data: bytes) -> bytes:
    out = bytearray()
    for i in range(0, len(data), 127):
        part = data[i : i + 127]
        out.append(len(part))
        out += part
    return bytes(out)


class _Pack:
    """A pack file written sequentially, with its v2 index."""

    def __init__(self, git_dir: Path):
        self.dir = git_dir / "objects" / "pack"
        self.dir.mkdir(parents=True, exist_ok=True)
        self.tmp = self.dir / f"tmp-synth-{os.getpid()}.pack"
        self.fh = open(self.tmp, "wb")
        self.fh.write(b"PACK" + struct.pack(">II", 2, 0))  # the count is patched in at the end
        self.offset = 12
        self.index: dict[bytes, tuple[int, int]] = {}  # sha -> (offset, crc32)

    def _put(self, sha: bytes, header: bytes, body: bytes) -> int:
        raw = header + zlib.compress(body, 1, 12 if len(body) < 4096 else 15)
        self.fh.write(raw)
        offset = self.offset
        self.index[sha] = (offset, zlib.crc32(raw))
        self.offset += len(raw)
        return offset

    @staticmethod
    def _header(kind: int, size: int) -> bytearray:
        byte = (kind << 4) | (size & 0x0F)
        size >>= 4
        out = bytearray()
        while size:
            out.append(byte | 0x80)
            byte = size & 0x7F
            size >>= 7
        out.append(byte)
        return out

    @staticmethod
    def _sha(kind: str, data) -> bytes:
        h = hashlib.sha1(b"%s %d\0" % (kind.encode(), len(data)))
        h.update(data)
        return h.digest()

    def add(self, kind: str, data) -> tuple[bytes, int | None]:
        sha = self._sha(kind, data)
        if sha in self.index:
            return sha, None
        return sha, self._put(sha, bytes(self._header(_OBJ[kind], len(data))), data)

    def add_delta(self, kind: str, data, base_offset: int, delta: bytes) -> tuple[bytes, int | None]:
        sha = self._sha(kind, data)
        if sha in self.index:
            return sha, None
        rel = self.offset - base_offset
        enc = bytearray([rel & 0x7F])
        rel >>= 7
        while rel:
            rel -= 1
            enc.insert(0, 0x80 | (rel & 0x7F))
            rel >>= 7
        return sha, self._put(sha, bytes(self._header(_OFS_DELTA, len(delta)) + enc), delta)

    def close(self) -> None:
        self.fh.close()
        with open(self.tmp, "r+b") as fh:
            fh.seek(8)
            fh.write(struct.pack(">I", len(self.index)))
            fh.seek(0)
            digest = hashlib.sha1()
            while chunk := fh.read(1 << 24):
                digest.update(chunk)
            checksum = digest.digest()
            fh.write(checksum)
        shas = sorted(self.index)
        fanout = [0] * 256
        for sha in shas:
            fanout[sha[0]] += 1
        total, cumulative = 0, []
        for count in fanout:
            total += count
            cumulative.append(total)
        small, large = [], []
        for sha in shas:
            offset = self.index[sha][0]
            if offset < 0x80000000:
                small.append(offset)
            else:
                small.append(0x80000000 | len(large))
                large.append(offset)
        idx = b"".join([
            b"\377tOc" + struct.pack(">I", 2), struct.pack(">256I", *cumulative), b"".join(shas),
            struct.pack(f">{len(shas)}I", *(self.index[s][1] for s in shas)), struct.pack(f">{len(shas)}I", *small),
            struct.pack(f">{len(large)}Q", *large), checksum,
        ])  # fmt: skip
        idx += hashlib.sha1(idx).digest()
        name = f"pack-{checksum.hex()}"
        (self.dir / f"{name}.idx").write_bytes(idx)
        os.replace(self.tmp, self.dir / f"{name}.pack")


class _Dir:
    """One directory of the tree, kept sorted.  While all entries have one length (the item files of a
    year folder) the serialised tree is patched in place and each version is a delta of the previous one
    that copies the unchanged runs of entries; other folders (a handful of entries) are stored whole."""

    def __init__(self):
        self.names: list[bytes] = []  # sort keys (directories end with "/")
        self.entries: list[bytes] = []
        self.buf: bytearray | None = bytearray()  # the serialised tree, None once entry lengths differ
        self.width = 0
        self.was_present: dict[bytes, bool] = {}  # keys touched since the last version: present in it?
        self.last_len: int | None = None  # size, offset and delta depth of the last version in this pack
        self.last_offset = 0
        self.depth = 0
        self.sha: bytes | None = None

    def set(self, name: str, sha: bytes | None, is_dir: bool = False) -> None:
        key = (name + "/" if is_dir else name).encode()
        i = bisect.bisect_left(self.names, key)
        found = i < len(self.names) and self.names[i] == key
        self.was_present.setdefault(key, found)
        buf, w = self.buf, self.width
        if sha is None:
            if found:
                del self.names[i], self.entries[i]
                if buf is not None:
                    del buf[i * w : (i + 1) * w]
            return
        entry = (b"40000 " if is_dir else b"100644 ") + name.encode() + b"\0" + sha
        if buf is not None:
            if not self.width:
                self.width = w = len(entry)
            if len(entry) != w:
                self.buf = buf = None
        if found:
            self.entries[i] = entry
            if buf is not None:
                buf[i * w : (i + 1) * w] = entry
        else:
            self.names.insert(i, key)
            self.entries.insert(i, entry)
            if buf is not None:
                buf[i * w : i * w] = entry

    def store(self, pack: _Pack) -> bytes:
        if not self.was_present and self.sha is not None:
            return self.sha
        if self.buf is None:
            sha, offset = pack.add("tree", b"".join(self.entries))
            depth = 0
        elif self.last_len is not None and self.depth < _MAX_DEPTH:
            sha, offset = pack.add_delta("tree", self.buf, self.last_offset, self._delta())
            depth = self.depth + 1
        else:
            sha, offset = pack.add("tree", self.buf)
            depth = 0
        if offset is not None and self.buf is not None:  # a new object: the next version may be a delta of it
            self.last_len, self.last_offset, self.depth = len(self.buf), offset, depth
        self.sha = sha
        self.was_present = {}
        return sha

    def _delta(self) -> bytes:
        """Copy each unchanged run of entries from the last version, insert each changed entry."""
        names, buf, w = self.names, self.buf, self.width
        ops = [_varint(self.last_len), _varint(len(buf))]
        po = 0  # index in the last version up to which it is copied
        shift = 0  # (index in this version) - (index in the last one) of entries before the key
        for key in sorted(self.was_present):
            inew = bisect.bisect_left(names, key)
            in_new = inew < len(names) and names[inew] == key
            in_old = self.was_present[key]
            io = inew - shift
            if io > po:
                ops.append(_copy_op(po * w, (io - po) * w))
            if in_new:
                ops.append(_insert_ops(bytes(buf[inew * w : (inew + 1) * w])))
            po = io + in_old
            shift += in_new - in_old
        if po * w < self.last_len:
            ops.append(_copy_op(po * w, self.last_len - po * w))
        return b"".join(ops)


class _RepoWriter:
    """The ledger's tree (root → items → year directories) and commits, written into one new pack."""

    def __init__(self, path: Path, state: dict | None = None):
        self.pack = _Pack(path / ".git")
        self.state = state if state is not None else {"dirs": {}}
        for d in self.state["dirs"].values():  # a new pack: the next version of each directory is whole
            d.last_len = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.pack.close()

    def blob(self, data: bytes) -> bytes:
        return self.pack.add("blob", data)[0]

    def set_file(self, path: str, sha: bytes | None) -> None:
        folder, _, name = path.rpartition("/")
        dirs = self.state["dirs"]
        for parent in _parents(folder):
            dirs.setdefault(parent, _Dir())
        dirs[folder].set(name, sha)

    def tree(self) -> bytes:
        dirs = self.state["dirs"]
        for folder in sorted(dirs, key=lambda f: -f.count("/") - (f != "")):  # deepest first, root last
            if dirs[folder].was_present:
                sha = dirs[folder].store(self.pack)
                if folder:
                    parent, _, name = folder.rpartition("/")
                    dirs[parent].set(name, sha, is_dir=True)
        return dirs[""].store(self.pack)

    def commit(self, tree: bytes, parents: list[bytes], who: tuple[str, str], when: dt.datetime, message: str) -> bytes:
        ts = f"{int(when.timestamp())} +0800"
        lines = [f"tree {tree.hex()}\n", *(f"parent {p.hex()}\n" for p in parents),
                 f"author {who[0]} <{who[1]}> {ts}\n", f"committer {who[0]} <{who[1]}> {ts}\n\n", message]  # fmt: skip
        return self.pack.add("commit", "".join(lines).encode())[0]


def _parents(folder: str) -> list[str]:
    parts = folder.split("/") if folder else []
    return [""] + ["/".join(parts[: i + 1]) for i in range(len(parts))]


_TOUCHES = {"assign": ("approval", "status"), "progress": ("status", "progress"), "remind": ("reminders",),
            "ext_request": ("extensions",), "ext_approve": ("extensions",), "move_deadline": ("deadline",),
            "report": ("status", "result"), "review_return": ("status", "reviews"),
            "close": ("status", "reviews", "closed"), "cancel": ("status", "cancellation"), "edit_closed": ("result",)}  # fmt: skip
_KIND = {"create": "登记", "assign": "交办", "progress": "进展", "remind": "催办", "ext_request": "申请延期",
         "ext_approve": "批准延期", "move_deadline": "调整期限", "report": "报结", "review_return": "退回重办",
         "close": "办结", "cancel": "撤销", "edit_closed": "修改办理结果", "delete": "删除"}  # fmt: skip


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("path", type=Path)
    ap.add_argument("--items", type=int, default=20000)
    ap.add_argument("--commits", type=int, default=100000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--checkout", action="store_true", help="also check the files out (git reset --hard)")
    args = ap.parse_args(argv)
    synth = SynthHistory(args.items, args.commits, args.seed)
    planted = synth.write(args.path, checkout=args.checkout)
    json.dump(planted.as_dict(), sys.stdout, ensure_ascii=False, indent=2)
    print()


if __name__ == "__main__":
    main()
