"""History engine benchmark: ``load_history`` on a generated ledger WITH history, against raw git.

    python tests/bench/bench_history.py                       # 20,000 items / 100,000 commits
    python tests/bench/bench_history.py --items 2000 --commits 10000 --rounds 1

Measured in the same run, round-robin so machine load hits every figure alike:

- anchor: ``git log --first-parent --diff-merges=first-parent -z --raw -M --no-abbrev`` to /dev/null
  (the one pass the engine makes), and plain ``git log -z --raw``;
- cold: a fresh process building the whole history without a cache (``use_cache=False``), and one that
  builds it and saves the cache (the first ``ducha history`` on a clone);
- warm: a fresh process loading the cache, no new commits;
- +N commits: after ``SynthHistory.extend`` adds N commits on main, a fresh process extending the cache.

Targets (issue "Git is the audit trail"): cold ≤ 1.5 × the first-parent anchor, warm ≤ 1 s,
+100 commits ≤ 2 s.  Wall seconds include the interpreter and imports (~0.2 s).  The cold build
keeps both cores busy (git log on one, parsing and cat-file on the other) while the anchor needs
one, so other work on the machine hurts the ratio: compare rounds taken at a low load average.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from synth_git import SynthHistory  # noqa: E402

from ducha.files import cache as cachefile  # noqa: E402

ANCHOR = ["git", "log", "--first-parent", "--diff-merges=first-parent", "-z", "--raw", "-M", "--no-abbrev"]
PLAIN = ["git", "log", "-z", "--raw"]
LOAD = "import sys; from ducha.history.commits import load_history; h = load_history(sys.argv[1], use_cache={cache}); print(len(h.commits))"


LOADS: list[float] = []


def run(cmd: list[str], cwd: Path | None = None) -> tuple[float, float, str]:
    """Wall seconds, CPU seconds (the process and its children) and stdout of a command."""
    LOADS.append(os.getloadavg()[0])
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode:
        sys.stderr.write(proc.stderr[-4000:])
        raise SystemExit(f"failed: {' '.join(cmd)}")
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return wall, cpu, proc.stdout


def load(root: Path, cache: bool) -> tuple[float, float, str]:
    return run([sys.executable, "-c", LOAD.format(cache=cache), str(root)])


def cache_files(root: Path) -> list[Path]:
    return sorted((root / ".git" / "ducha").glob("history-*.pickle"))


def drop_cache(root: Path) -> None:
    shutil.rmtree(root / ".git" / "ducha", ignore_errors=True)


def row(name: str, runs: list[tuple[float, float]], note: str = "") -> str:
    walls = [w for w, _ in runs]
    cpus = [c for _, c in runs]
    shown = " ".join(f"{w:6.2f}" for w in walls)
    return f"{name:<44} median {statistics.median(walls):6.2f} s  cpu {statistics.median(cpus):6.2f} s  runs [{shown}] {note}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--items", type=int, default=20000)
    ap.add_argument("--commits", type=int, default=100000)
    ap.add_argument("--extra", type=int, default=100, help="commits added before the incremental load")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--keep", type=Path, default=None, help="generate here and keep it (default: a temporary folder)")
    args = ap.parse_args(argv)

    base = args.keep or Path(tempfile.mkdtemp(prefix="ducha-bench-history-"))
    root = base / "ledger" if args.keep is None else base
    if root.exists():
        shutil.rmtree(root)
    print(f"git {subprocess.run(['git', '--version'], capture_output=True, text=True).stdout.split()[-1]}, "
          f"{os.cpu_count()} CPUs, load {os.getloadavg()[0]:.2f}")  # fmt: skip
    t = time.perf_counter()
    synth = SynthHistory(n_items=args.items, n_commits=args.commits, seed=args.seed)
    planted = synth.write(root)
    first_parent = int(run(["git", "rev-list", "--count", "--first-parent", "HEAD"], root)[2])
    print(f"generated {args.items:,} items / {args.commits:,} commits ({first_parent:,} first-parent) "
          f"in {time.perf_counter() - t:.1f} s at {root}; planted: "
          + ", ".join(f"{k} {len(v)}" for k, v in planted.as_dict().items()))  # fmt: skip

    anchor, plain, cold, cold_save, warm, extended = [], [], [], [], [], []
    for _ in range(args.rounds):
        anchor.append(run(ANCHOR, root)[:2])
        w, c, out = load(root, cache=False)
        cold.append((w, c))
        plain.append(run(PLAIN, root)[:2])
        drop_cache(root)
        cold_save.append(load(root, cache=True)[:2])
        for _ in range(2):
            warm.append(load(root, cache=True)[:2])
    versions = int(out)
    for _ in range(args.rounds):
        synth.extend(root, args.extra)
        extended.append(load(root, cache=True)[:2])
        warm.append(load(root, cache=True)[:2])

    (cache,) = cache_files(root)
    t = time.perf_counter()
    h = cachefile.read(cache)  # the checksum checked, then unpickled
    unpickle = time.perf_counter() - t
    t = time.perf_counter()
    run([sys.executable, "-c", "import ducha.history.commits"])
    imports = time.perf_counter() - t

    a = statistics.median(w for w, _ in anchor)
    print()
    print(row("anchor: git log --first-parent ... -M", anchor))
    print(row("plain: git log -z --raw", plain))
    print(row("cold: load_history(use_cache=False)", cold, f"= {statistics.median(w for w, _ in cold) / a:.2f} × anchor (target ≤ 1.5)"))
    pairs = " ".join(f"{c[0] / a_[0]:.2f}" for c, a_ in zip(cold, anchor))
    print(f"{'':<44} cold / anchor of the same round: {pairs}")
    wall = statistics.median(w for w, _ in cold) / a
    cpu = statistics.median(c for _, c in cold) / statistics.median(c for _, c in anchor)
    print(f"{'':<44} issue 17: cold ≤ 1.2 × the anchor's wall ({wall:.2f}: {'met' if wall <= 1.2 else 'NOT met'}) "
          f"and ≤ 2 × its CPU ({cpu:.2f}: {'met' if cpu <= 2 else 'NOT met'})")  # fmt: skip
    print(row("cold, saving the cache", cold_save, f"= {statistics.median(w for w, _ in cold_save) / a:.2f} × anchor"))
    print(row("warm: from the cache", warm, "(target ≤ 1 s)"))
    print(row(f"+{args.extra} commits: extend the cache", extended, "(target ≤ 2 s)"))
    print(f"{'':<44} {versions:,} commits in the history; cache {cache.stat().st_size / 2**20:.0f} MB, "
          f"unpickled in {unpickle:.2f} s; python + import ducha.history.commits {imports:.2f} s")  # fmt: skip
    print(f"{'':<44} {len(h.commits):,} commits, {len(h.items):,} items, {sum(len(v) for v in h.items.values()):,} versions")
    print(f"{'':<44} 1-minute load average before the runs: {min(LOADS):.2f}-{max(LOADS):.2f} "
          f"(other work on this machine; the engine needs both cores, the anchor one)")  # fmt: skip
    if args.keep is None:
        shutil.rmtree(base, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
