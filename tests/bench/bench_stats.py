"""Statistics benchmark: ``ducha stats`` as of a date over a generated ledger WITH history.

    python tests/bench/bench_stats.py                              # 30,000 items / 60,000 commits
    python tests/bench/bench_stats.py --items 3000 --commits 6000 --rounds 1

The ledger comes from ``synth_git.SynthHistory`` (kept under the temp folder and reused by later runs
with the same parameters).  Measured, each in a fresh process, round-robin so machine load hits every
figure alike:

- cold: the ledger at the as-of commit with no parsed-item cache (``.git/ducha/items.pickle`` removed) and no
  cached judgement (``trust.pickle``): every item file read with ``git cat-file`` and parsed, the history
  judged, then the statistics;
- warm: the same with the parsed-item cache (``ducha.ledger.itemcache``) filled by an earlier run: ``git ls-tree``,
  one pickle, the history's judgement of what counts (``apply_trust``, through the warm history cache), the
  statistics — split into load, trust and compute;
- cli: ``ducha stats --as-of D --format json`` end to end (interpreter, imports, JSON), warm.

The history cache is warmed first (``load_history``), as the issue's target assumes; the stats path reads
it to decide what counts (``ledger.trust``).  Target (statistics issue): warm ≤ 2 s.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from synth_git import SynthHistory  # noqa: E402

TARGET = 2.0
RUN = """
import sys, time, datetime as dt
t0 = time.perf_counter()
from pathlib import Path
from ducha import load_ledger_at
from ducha.counting.stats import compute
from ducha.ledger.sources import apply_trust
t1 = time.perf_counter()
day = dt.date.fromisoformat(sys.argv[2])
ledger = load_ledger_at(sys.argv[1], day, checks=False)
t2 = time.perf_counter()
apply_trust(ledger, Path(sys.argv[1]).resolve())  # what ducha stats does: the history decides what counts
t3 = time.perf_counter()
st = compute(ledger, day)
t4 = time.perf_counter()
print(t1 - t0, t2 - t1, t4 - t3, len(ledger.items), st.totals.count("total"), st.totals.count("overdue_open"), t3 - t2)
"""


def ledger(items: int, commits: int, seed: int) -> Path:
    path = Path(tempfile.gettempdir()) / f"ducha-bench-stats-{items}-{commits}-{seed}"
    if not (path / ".git" / "ducha-bench-ready").exists():
        import shutil

        shutil.rmtree(path, ignore_errors=True)
        t = time.perf_counter()
        SynthHistory(items, commits, seed).write(path)
        (path / ".git" / "ducha-bench-ready").write_text("ok\n")
        print(f"generated {items} items / {commits} commits in {time.perf_counter() - t:.1f} s: {path}")
    return path


def run(path: Path, day: str) -> list[float]:
    out = subprocess.run([sys.executable, "-c", RUN, str(path), day], capture_output=True, text=True, check=True).stdout
    return [float(x) for x in out.split()]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--items", type=int, default=30000)
    ap.add_argument("--commits", type=int, default=60000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--as-of", default=None, help="default: 60 days before the last commit")
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args(argv)
    path = ledger(args.items, args.commits, args.seed)
    last = subprocess.run(["git", "-C", str(path), "log", "-1", "--format=%cs"], capture_output=True, text=True).stdout.strip()
    import datetime as dt

    day = args.as_of or (dt.date.fromisoformat(last) - dt.timedelta(days=60)).isoformat()
    from ducha import load_history

    t = time.perf_counter()
    load_history(path)
    print(f"history cache warm ({time.perf_counter() - t:.1f} s)")
    cache = path / ".git" / "ducha" / "items.pickle"
    cold, warm, cli = [], [], []
    judged = path / ".git" / "ducha" / "trust.pickle"
    for _ in range(args.rounds):
        cache.unlink(missing_ok=True)
        judged.unlink(missing_ok=True)  # cold: neither parsed items nor the history's judgement cached
        t = time.perf_counter()
        r = run(path, day)
        cold.append((time.perf_counter() - t, r))
        t = time.perf_counter()
        r = run(path, day)
        warm.append((time.perf_counter() - t, r))
        t = time.perf_counter()
        out = subprocess.run([str(Path(sys.executable).parent / "ducha"), "stats", "--root", str(path), "--as-of", day, "--format", "json"],
                             capture_output=True, text=True, check=True).stdout  # fmt: skip
        cli.append(time.perf_counter() - t)
        assert json.loads(out)["totals"]["total"] == r[4]
    _, imports, load, compute, n_items, total, overdue, trust = [warm[0][0], *warm[0][1]]
    print(f"ledger: {int(n_items)} items at {day}, {int(total)} counted, {int(overdue)} overdue open")

    def med(xs):
        return statistics.median(xs)

    print(f"cold (no caches), wall:      {med([w for w, _ in cold]):6.2f} s  (load {med([r[1] for _, r in cold]):.2f} s, trust {med([r[6] for _, r in cold]):.2f} s, compute {med([r[2] for _, r in cold]):.2f} s)")
    print(f"warm, wall:                  {med([w for w, _ in warm]):6.2f} s  (imports {med([r[0] for _, r in warm]):.2f} s, load {med([r[1] for _, r in warm]):.2f} s, compute {med([r[2] for _, r in warm]):.2f} s)")
    print(f"warm, of which trust:        {med([r[6] for _, r in warm]):6.2f} s  (deadline moves and late records judged from the history)")
    inproc = med([r[1] + r[2] + r[6] for _, r in warm])
    print(f"warm, load + trust + compute: {inproc:5.2f} s  target ≤ {TARGET} s: {'OK' if inproc <= TARGET else 'MISSED'}")
    print(f"ducha stats --format json:   {med(cli):6.2f} s  (fresh process, warm)")
    print(f"item cache: {cache.stat().st_size / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
