"""How long does a cold ``ducha check`` take over a large synthetic ledger?

    .venv/bin/python tests/bench/bench_check.py                  # 30,000 items, 3 runs each
    .venv/bin/python tests/bench/bench_check.py --items 5000 --runs 1 --dir /tmp/ledger-5k

Every figure is measured in a fresh process (no ducha caches; the files are in the OS page cache, which
an untimed first read warms so that every figure sees the same disk state):

- ``ducha check``: the real command, as a user runs it (interpreter start, imports, rules, every item,
  output), cold (its cache under ``.git/ducha/`` removed first); wall time and per-file cost.
  Target (issue 17): ≤ 3 s for 30,000 items on the 2-core reference machine.
- ``ducha check warm``: the same again with the cache of the previous check (nothing changed), and
  ``warm, 1 edited``: after a clerk's edit of one item file (a progress entry added).  Target: ≤ 1 s.
- ``ducha check, next day``: the first check of the next day, nothing changed, with the cache of today's
  check: only the items whose units still owe work are checked again (their overdue days count up).
- ``anchor``: the same files only read and parsed with ``yaml_rs`` (what the check cannot avoid).
- ``load_ledger jobs=1`` / ``jobs=2``: the library call alone, sequential and with two processes.
- ``startup``: ``python -c "import ducha.cli"``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import synth  # noqa: E402

AS_OF = synth.DEFAULT_AS_OF.isoformat()
NEXT_DAY = (synth.DEFAULT_AS_OF + dt.timedelta(days=1)).isoformat()
TARGET_S = 3.0
WARM_TARGET_S = 1.0
GIT_ENV = {"GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1", "GIT_AUTHOR_NAME": "bench",
           "GIT_AUTHOR_EMAIL": "bench@example.invalid", "GIT_COMMITTER_NAME": "bench",
           "GIT_COMMITTER_EMAIL": "bench@example.invalid", "GIT_AUTHOR_DATE": "2026-11-20T10:00:00+08:00",
           "GIT_COMMITTER_DATE": "2026-11-20T10:00:00+08:00"}  # fmt: skip

ANCHOR = """
import sys, time, os
t0 = time.perf_counter()
import yaml_rs
limits = yaml_rs.AliasLimits(max_total_replayed_events=2_000, max_replay_stack_depth=8, max_alias_expansions_per_anchor=20)
root = os.path.join(sys.argv[1], "items")
n = 0
for dirpath, dirnames, filenames in os.walk(root):
    for name in filenames:
        if name.startswith("DC-") and name.endswith(".yml"):
            with open(os.path.join(dirpath, name), "rb") as fh:
                yaml_rs.loads(fh.read().decode("utf-8"), parse_datetime=True, alias_limits=limits)
            n += 1
print(n, time.perf_counter() - t0)
"""

LIBRARY = """
import sys, time, datetime as dt
t0 = time.perf_counter()
from ducha import load_ledger
ledger = load_ledger(sys.argv[1], dt.date.fromisoformat(sys.argv[2]), jobs=int(sys.argv[3]), use_cache=False)
print(len(ledger.items), len(ledger.errors), time.perf_counter() - t0)
"""


def _ducha() -> str:
    exe = Path(sys.executable).with_name("ducha")
    return str(exe) if exe.exists() else "ducha"


def _cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def _timed(cmd: list[str], before=None) -> tuple[float, float, str]:
    """Wall time, CPU time (user + system, the process and its worker processes) and stdout; ``before``
    (untimed) prepares the run."""
    if before is not None:
        before()
    cpu, start = _cpu(), time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, "PYTHONHASHSEED": "0"})
    wall = time.perf_counter() - start
    if done.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(cmd)} failed ({done.returncode}):\n{done.stderr}")
    return wall, _cpu() - cpu, done.stdout


def _warm(root: Path) -> int:
    n = 0
    for path in (root / "items").rglob("*.yml"):
        path.read_bytes()
        n += 1
    return n


def _row(name: str, runs: list[tuple[float, float]], files: int, note: str = "") -> str:
    walls = [w for w, _ in runs]
    best, med, cpu = min(walls), statistics.median(walls), min(c for _, c in runs)
    return f"{name:<26} {best:7.2f} s  {med:7.2f} s  {cpu:7.2f} s  {best / files * 1000:8.3f} ms  {note}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=30_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=3, help="fresh processes per figure (best and median shown)")
    parser.add_argument("--dir", type=Path, default=None, help="ledger folder: reused when it already holds the items")
    args = parser.parse_args(argv)

    root = args.dir or Path(tempfile.gettempdir()) / f"ducha-bench-{args.items}-{args.seed}"
    marker = root / ".synth"
    wanted = f"{args.items} {args.seed} {AS_OF} v{synth.VERSION}\n"
    if not (marker.is_file() and marker.read_text() == wanted):
        t0 = time.perf_counter()
        items = synth.generate_items(args.items, args.seed)
        synth.write_ledger(root, items)
        marker.write_text(wanted)
        print(f"generated {args.items} items into {root} in {time.perf_counter() - t0:.1f} s")
    if not (root / ".git").is_dir():  # a clerk's ledger is a git repository (the cache lives in .git/ducha/)
        env = {**os.environ, **GIT_ENV}
        for cmd in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-q", "-m", "synthetic ledger"]):
            subprocess.run(["git", *cmd], cwd=root, env=env, check=True)
    files = _warm(root) - 1  # item files, the rules file not counted
    size = sum(p.stat().st_size for p in (root / "items").rglob("DC-*.yml"))
    print(f"ledger: {root}  {files} item files, {size / files:.0f} B average, {os.cpu_count()} CPUs, as of {AS_OF}")

    check_cmd = [_ducha(), "check", "--root", str(root), "--as-of", AS_OF, "--worktree"]
    next_cmd = [*check_cmd[:4], "--as-of", NEXT_DAY, "--worktree"]
    cache = root / ".git" / "ducha" / "check.pickle"
    every = sorted((root / "items").rglob("DC-*.yml"))
    edited = next(p for p in every[len(every) // 2 :] if b"\nstatus: in_progress\n" in p.read_bytes())
    original = edited.read_bytes()
    edits = iter(range(1, 1_000))

    def cold():
        cache.unlink(missing_ok=True)

    def warm():
        edited.write_bytes(original)  # as committed
        subprocess.run(check_cmd, capture_output=True)  # the cache holds every file as it is

    def edit():
        warm()
        # a progress report of the as-of day appended to an open item's list, as a clerk types it
        text = original.decode()
        unit = re.search(r"(?m)^lead_unit: (\S+)", text).group(1)
        extra = f"  - date: {AS_OF}\n    by: {unit}\n    text: 第{next(edits)}次补充进展：已完成阶段性任务。\n"
        at = text.find("\nprogress:\n")
        if at < 0:
            text += "progress:\n" + extra
        else:
            end = re.compile(r"\n(?=[^ \n-])").search(text, at + len("\nprogress:\n"))
            cut = end.start() + 1 if end else len(text)
            text = text[:cut] + extra + text[cut:]
        edited.write_bytes(text.encode())

    commands = {
        "ducha check": check_cmd,
        "ducha check warm": check_cmd,
        "ducha check warm, 1 edited": check_cmd,
        "ducha check, next day": next_cmd,
        "anchor: read+yaml_rs": [sys.executable, "-c", ANCHOR, str(root)],
        "load_ledger jobs=1": [sys.executable, "-c", LIBRARY, str(root), AS_OF, "1"],
        "load_ledger jobs=2": [sys.executable, "-c", LIBRARY, str(root), AS_OF, "2"],
        "startup: import ducha.cli": [sys.executable, "-c", "import ducha.cli"],
    }
    load_before = os.getloadavg()[0]
    runs: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
    outputs: dict[str, list[str]] = {name: [] for name in commands}
    prepare = {"ducha check": cold, "ducha check warm": warm, "ducha check warm, 1 edited": edit,
               "ducha check, next day": warm}  # fmt: skip
    for _ in range(args.runs):  # round-robin, so that other load on the machine hits every figure alike
        for name, cmd in commands.items():
            wall, cpu, out = _timed(cmd, prepare.get(name))
            runs[name].append((wall, cpu))
            outputs[name].append(out)
    edited.write_bytes(original)
    figures = [_row(name, runs[name], files, outputs[name][-1].strip().splitlines()[-1]) for name in prepare]
    inner = min(float(o.split()[1]) for o in outputs["anchor: read+yaml_rs"])
    figures.append(_row("anchor: read+yaml_rs", runs["anchor: read+yaml_rs"], files, f"(parse loop alone {inner:.2f} s)"))
    for jobs in (1, 2):
        name = f"load_ledger jobs={jobs}"
        n_items, n_errors = outputs[name][-1].split()[:2]
        inner = min(float(o.split()[2]) for o in outputs[name])
        figures.append(_row(name, runs[name], files, f"(in process {inner:.2f} s; {n_items} items, {n_errors} errors)"))
    figures.append(_row("startup: import ducha.cli", runs["startup: import ducha.cli"], files))

    print(f"command: {' '.join(check_cmd)}")
    print(f"{'':<26} {'best wall':>9}  {'median':>9}  {'best cpu':>9}  {'per file':>11}")
    print("\n".join(figures))
    load_after = os.getloadavg()[0]
    print(f"1-minute load average before/after: {load_before:.2f} / {load_after:.2f} "
          f"(other processes on the {os.cpu_count()} CPUs inflate wall times; cpu = user + system of the process and its workers)")  # fmt: skip
    for name, target in (("ducha check", TARGET_S), ("ducha check warm", WARM_TARGET_S),
                         ("ducha check warm, 1 edited", WARM_TARGET_S)):  # fmt: skip
        med = statistics.median(w for w, _ in runs[name])
        verdict = "meets" if med <= target else "MISSES"
        print(f"{name} {verdict} the {target:.0f} s target for {files} items (median of {args.runs}: {med:.2f} s).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
