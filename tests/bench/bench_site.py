"""Site build benchmark: ``ducha build`` of a generated ledger WITH history, against its anchor.

The anchor, measured in the same run: a bare ``mkdocs build`` of one plain Markdown page per
item carrying the same text (title, fields, summary, approval, progress, reviews, result), with
the same theme and search settings (Material, ``language: zh``, ``font: false``, search ``lang: zh``
with jieba), pages kept out of the navigation as ducha keeps items out of it.

    python tests/bench/bench_site.py --items 6000 --commits 12000 [--rounds 3]
    python tests/bench/bench_site.py --items 30000 --commits 60000 --no-anchor

Each round: a build on what a fresh clone has (no history cache, no site), a second build (the history
cache warm; its old site is kept beside), and a third, made over the files of the site before the last
(``site.sitedir``): what a build machine that keeps its clone does from then on.

Targets (issue "The intranet site"): 6,000 items ≤ 0.5 × the anchor and ≤ 1 GB peak RSS;
30,000 items ≤ 4 min with a search index ≤ 30 MB.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
PROJECT = HERE.parents[1]
sys.path.insert(0, str(HERE))

from synth_git import SynthHistory  # noqa: E402

BIN = Path(sys.executable).parent
ANCHOR_MKDOCS = """\
site_name: anchor
docs_dir: docs
site_dir: site
theme:
  name: material
  language: zh
  font: false
  features: [navigation.tabs, navigation.top, search.highlight]
plugins:
  - search:
      lang: zh
markdown_extensions: [tables, attr_list, md_in_html, admonition]
not_in_nav: |
  /items/
nav:
  - index.md
"""


def timed(cmd: list[str], cwd: Path, env: dict | None = None) -> tuple[float, int]:
    """Wall seconds and peak RSS (KB) of a command, via GNU time."""
    out = Path(tempfile.mkstemp(suffix=".time")[1])
    proc = subprocess.run(["/usr/bin/time", "-f", "%e %M", "-o", str(out), *cmd], cwd=cwd, env=env,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)  # fmt: skip
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr[-4000:])
        raise SystemExit(f"failed: {' '.join(cmd)}")
    wall, rss = out.read_text().split()[-2:]
    out.unlink()
    return float(wall), int(rss)


def make_ledger(path: Path, items: int, commits: int) -> dt.date:
    synth = SynthHistory(n_items=items, n_commits=commits)
    synth.write(path)
    subprocess.run(["git", "reset", "-q", "--hard"], cwd=path, check=True)
    shutil.copy(PROJECT / "mkdocs.yml", path / "mkdocs.yml")
    shutil.copytree(PROJECT / "site_src", path / "site_src")
    last = subprocess.run(["git", "log", "-1", "--format=%cI"], cwd=path, check=True, capture_output=True, text=True)
    return dt.datetime.fromisoformat(last.stdout.strip()).astimezone(dt.timezone(dt.timedelta(hours=8))).date()


def _text(value) -> str:
    if isinstance(value, dict):
        return "；".join(f"{k}：{_text(v)}" for k, v in value.items())
    if isinstance(value, list):
        return "\n\n".join(_text(v) for v in value)
    return str(value)


def make_anchor(ledger: Path, dest: Path) -> int:
    """One plain Markdown page per item with the same text."""
    docs = dest / "docs" / "items"
    docs.mkdir(parents=True)
    (dest / "mkdocs.yml").write_text(ANCHOR_MKDOCS, encoding="utf-8")
    (dest / "docs" / "index.md").write_text("# 首页\n", encoding="utf-8")
    n = 0
    for path in sorted((ledger / "items").glob("*/*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        lines = [f"# {data['title']}", ""]
        for key, value in data.items():
            if key in ("title",):
                continue
            lines += [f"## {key}", "", _text(value), ""]
        (docs / f"{path.stem}.md").write_text("\n".join(lines), encoding="utf-8")
        n += 1
    return n


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--items", type=int, default=6000)
    ap.add_argument("--commits", type=int, default=12000)
    ap.add_argument("--no-anchor", action="store_true", help="skip the plain-Markdown anchor build")
    ap.add_argument("--keep", type=Path, default=None, help="work in this folder and keep it")
    ap.add_argument("--rounds", type=int, default=1, help="repeat cold build, warm build and anchor this many times")
    args = ap.parse_args(argv)
    work = args.keep or Path(tempfile.mkdtemp(prefix="ducha-bench-site-"))
    work.mkdir(parents=True, exist_ok=True)
    ledger, anchor = work / "ledger", work / "anchor"
    for p in (ledger, anchor):
        if p.exists():
            shutil.rmtree(p)
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    print(f"generating {args.items} items / {args.commits} commits ...", flush=True)
    as_of = make_ledger(ledger, args.items, args.commits)
    ducha = str(BIN / "ducha")
    build = [ducha, "build", "--as-of", as_of.isoformat()]
    if not args.no_anchor:
        n = make_anchor(ledger, anchor)
    rows = []
    for r in range(args.rounds):
        # every round starts where a fresh clone starts: no history cache, no site, no site kept from before
        # (timed builds only); the warm build is a second build: its old site is kept, not deleted
        shutil.rmtree(ledger / ".git" / "ducha", ignore_errors=True)
        shutil.rmtree(ledger / "site", ignore_errors=True)
        shutil.rmtree(ledger / ".site-old-spare", ignore_errors=True)
        cold, cold_rss = timed(build, ledger, env)
        warm, warm_rss = timed(build, ledger, env)
        again, again_rss = timed(build, ledger, env)  # the steady state: made over the site before the last
        print(f"round {r + 1}: ducha build, {args.items} items, history cache cold: {cold:7.1f} s  peak RSS {cold_rss / 1024:6.0f} MB")
        print(f"round {r + 1}: ducha build, {args.items} items, history cache warm: {warm:7.1f} s  peak RSS {warm_rss / 1024:6.0f} MB")
        print(f"round {r + 1}: ducha build, {args.items} items, warm, made in the site before (third build): {again:7.1f} s  "
              f"peak RSS {again_rss / 1024:6.0f} MB")  # fmt: skip
        base = None
        if not args.no_anchor:
            shutil.rmtree(anchor / "site", ignore_errors=True)
            base, base_rss = timed([str(BIN / "mkdocs"), "build", "-q"], anchor, env)
            base_index = anchor / "site" / "search" / "search_index.json"
            print(f"round {r + 1}: anchor: bare mkdocs build of {n} plain pages, same text/theme/search: {base:7.1f} s  "
                  f"peak RSS {base_rss / 1024:6.0f} MB  search index {base_index.stat().st_size / 1e6:.1f} MB")  # fmt: skip
            print(f"round {r + 1}: ratio ducha/anchor: cold {cold / base:.2f}  warm {warm / base:.2f}   (target ≤ 0.5)"
                  f"   third build {again / base:.2f}")  # fmt: skip
        rows.append((cold, warm, base, again))
    index = ledger / "site" / "search" / "search_index.json"
    pages = sum(1 for _ in (ledger / "site").rglob("index.html"))
    print(f"pages: {pages}   search index: {index.stat().st_size / 1e6:.1f} MB")
    if args.rounds > 1 and not args.no_anchor:
        colds = sorted(c / b for c, _, b, _ in rows)
        warms = sorted(w / b for _, w, b, _ in rows)
        thirds = sorted(a / b for _, _, b, a in rows)
        print(f"ratio over {args.rounds} rounds: cold median {statistics.median(colds):.2f} (worst {colds[-1]:.2f}), "
              f"warm median {statistics.median(warms):.2f} (worst {warms[-1]:.2f})   (target ≤ 0.5)")  # fmt: skip
        print(f"third builds (made in the site before): median {statistics.median(thirds):.2f} × the anchor")
        both = max(statistics.median(colds), statistics.median(warms))
        print(f"issue 17 (where people wait): cold and warm ≤ 0.25 × the anchor: {'met' if both <= 0.25 else 'NOT met'} "
              f"(medians {statistics.median(colds):.2f} / {statistics.median(warms):.2f})")  # fmt: skip
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
