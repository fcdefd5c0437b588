"""Live-preview benchmark: ``mkdocs serve``'s rebuild after a clerk saves one item file, against a full build.

Builds the synthetic ledger with its history (``bench_site.make_ledger``), then builds the site exactly as
``mkdocs serve`` does (a fresh ``load_config`` into one output folder for every build, ``build(config,
serve_url=..., dirty=False)``, the plugins' ``on_serve`` after the first build). Each round a clerk edits
one open item the way a clerk does (appends a progress report and, every other round, reports the item
as done), the rebuild is timed, and a full build of the same files into a folder no preview serves is timed
and compared with the rebuilt folder byte for byte.

    python tests/bench/bench_serve.py --items 6000 [--rounds 3]

Round 1 is the first save since the last commit: every page's stamp changes from the commit to
工作区（含未提交的修改）, so every generated page is written again (none is rendered again).
Target (issue 17): ≤ 3 s from saving one item file to the rebuilt pages.
"""

from __future__ import annotations

import argparse
import datetime as dt
import filecmp
import os
import re
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")

from bench_site import make_ledger  # noqa: E402

SERVE_URL = "http://127.0.0.1:8000/"


class _Server:
    def watch(self, path):
        pass


def serve_build(root: Path, site_dir: Path):
    """One build as ``mkdocs serve``'s builder runs it."""
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    config = load_config(config_file=str(root / "mkdocs.yml"), site_dir=str(site_dir))
    config.site_url = SERVE_URL
    build(config, serve_url=SERVE_URL, dirty=False)
    return config


def open_items(root: Path) -> list[Path]:
    out = []
    for path in sorted((root / "items").glob("*/*.yml")):
        text = path.read_text(encoding="utf-8")
        if re.search(r"(?m)^status: in_progress$", text) and re.search(r"(?m)^progress:$", text):
            out.append(path)
    return out


def clerk_edit(path: Path, day: dt.date, report: bool) -> None:
    """Append a progress report (the last entry of ``progress:``) and, with ``report``, report the item done."""
    lines = path.read_text(encoding="utf-8").split("\n")
    unit = next(line.split(":", 1)[1].strip() for line in lines if line.startswith("lead_unit:"))
    start = lines.index("progress:")
    end = start + 1
    while end < len(lines) and lines[end].startswith("  "):
        end += 1
    entry = [f"  - date: {day.isoformat()}", f"    by: {unit}", "    text: 已召开专题推进会，明确下步工作安排。"]
    lines[end:end] = entry
    if report:
        lines = ["status: reported" if line == "status: in_progress" else line for line in lines]
        if lines[-1] == "":
            lines.pop()
        lines += ["result:", f"  reported: {day.isoformat()}", "  text: 已按要求办理完毕，请审核。", ""]
    path.write_text("\n".join(lines), encoding="utf-8")


def same_tree(a: Path, b: Path) -> bool:
    files_a = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file())
    files_b = sorted(p.relative_to(b) for p in b.rglob("*") if p.is_file())
    if files_a != files_b:
        return False
    return all(filecmp.cmp(a / p, b / p, shallow=False) for p in files_a)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--items", type=int, default=6000)
    ap.add_argument("--commits", type=int, default=None, help="default: twice the items")
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--keep", type=Path, default=None, help="work in this folder and keep it")
    ap.add_argument("--no-compare", action="store_true", help="skip the byte-for-byte comparison")
    args = ap.parse_args(argv)
    import logging

    logging.getLogger("mkdocs").setLevel(logging.ERROR)
    work = args.keep or Path(tempfile.mkdtemp(prefix="ducha-bench-serve-"))
    work.mkdir(parents=True, exist_ok=True)
    ledger = work / "ledger"
    if ledger.exists():
        shutil.rmtree(ledger)
    print(f"generating {args.items} items / {args.commits or 2 * args.items} commits ...", flush=True)
    make_ledger(ledger, args.items, args.commits or 2 * args.items)
    site = work / "serve-site"
    shutil.rmtree(site, ignore_errors=True)
    site.mkdir()
    t = time.perf_counter()
    config = serve_build(ledger, site)
    first = time.perf_counter() - t
    config.plugins.on_serve(_Server(), config=config, builder=None)
    print(f"first build (mkdocs serve starting, history cache cold): {first:.1f} s", flush=True)
    today = dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).date()
    candidates = open_items(ledger)
    rebuilds, fulls = [], []
    for r in range(args.rounds):
        path = candidates[(r * 7919) % len(candidates)]
        clerk_edit(path, today, report=r % 2 == 1)
        t = time.perf_counter()
        serve_build(ledger, site)
        rebuilt = time.perf_counter() - t
        full_dir = work / f"full-{r}"
        shutil.rmtree(full_dir, ignore_errors=True)
        t = time.perf_counter()
        serve_build(ledger, full_dir)
        full = time.perf_counter() - t
        same = "not compared" if args.no_compare else ("identical" if same_tree(site, full_dir) else "DIFFERENT")
        shutil.rmtree(full_dir, ignore_errors=True)
        rebuilds.append(rebuilt)
        fulls.append(full)
        print(f"round {r + 1}: edited {path.relative_to(ledger)}: rebuild {rebuilt:.2f} s, full build {full:.1f} s, "
              f"output {same}", flush=True)  # fmt: skip
        if same == "DIFFERENT":
            return 1
    print(f"rebuild after one item edit: {statistics.median(rebuilds):.2f} s (full build {statistics.median(fulls):.1f} s)")
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
