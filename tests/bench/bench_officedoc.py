"""How long the sample ledger's largest bulletin takes to export as an official document.

    python tests/bench/bench_officedoc.py [--runs 3]

Prints the largest bulletin under ``bulletins/`` (by bytes), the time of ``ducha bulletin export`` as .docx
(in process: verify, mask, lay out, write; the issue's budget is 5 s) and as PDF (one LibreOffice run,
cold, with its own profile), and the PDF's page count.  Run from the repository root.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from click.testing import CliRunner

from ducha.cli import main

ROOT = Path(__file__).resolve().parents[2]


def timed(args: list[str]) -> float:
    start = time.perf_counter()
    result = CliRunner().invoke(main, args, catch_exceptions=False)
    took = time.perf_counter() - start
    if result.exit_code:
        sys.exit(result.output)
    return took


def main_() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    opts = parser.parse_args()
    largest = max((p for p in (ROOT / "bulletins").rglob("*.md") if "templates" not in p.parts), key=lambda p: p.stat().st_size)
    print(f"largest bulletin: {largest.relative_to(ROOT)} ({largest.stat().st_size} bytes)")
    with tempfile.TemporaryDirectory() as out:
        base = ["bulletin", "export", "--root", str(ROOT), str(largest), "--output", out]
        docx = [timed(base + ["--format", "docx"]) for _ in range(opts.runs)]
        print(f"docx: {min(docx):.2f} s best, {statistics.median(docx):.2f} s median of {opts.runs} (budget 5 s)")
        pdf = [timed(base + ["--format", "pdf"]) for _ in range(opts.runs)]
        print(f"pdf:  {min(pdf):.2f} s best, {statistics.median(pdf):.2f} s median of {opts.runs} (docx + one LibreOffice run)")
        import pdfplumber

        with pdfplumber.open(str(Path(out) / (largest.stem + ".pdf"))) as doc:
            print(f"pages: {len(doc.pages)}; docx {(Path(out) / (largest.stem + '.docx')).stat().st_size} bytes, "
                  f"pdf {(Path(out) / (largest.stem + '.pdf')).stat().st_size} bytes")


if __name__ == "__main__":
    main_()
