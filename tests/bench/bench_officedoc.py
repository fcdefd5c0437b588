"""How long the sample ledger's largest bulletin takes to export as an official document.

    python tests/bench/bench_officedoc.py [--runs 3]

Prints the largest bulletin under ``bulletins/`` (by bytes) and the time of ``ducha bulletin export`` (in
process: verify, mask, lay out, write; the issue's budget for the .docx is 5 s): as .docx without
LibreOffice, as .docx with it (the document laid out by LibreOffice first, to place the 版记), and as PDF
(one cold LibreOffice run with its own profile), and the PDF's page count.  Run from the repository root.
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
        import os

        saved = os.environ.get("DUCHA_SOFFICE")
        os.environ["DUCHA_SOFFICE"] = str(Path(out) / "no-soffice")
        plain = [timed(base + ["--format", "docx"]) for _ in range(opts.runs)]
        if saved is None:
            del os.environ["DUCHA_SOFFICE"]
        else:
            os.environ["DUCHA_SOFFICE"] = saved
        print(f"docx without LibreOffice: {min(plain):.2f} s best, {statistics.median(plain):.2f} s median of {opts.runs} (budget 5 s)")
        docx = [timed(base + ["--format", "docx"]) for _ in range(opts.runs)]
        print(f"docx with LibreOffice:    {min(docx):.2f} s best, {statistics.median(docx):.2f} s median of {opts.runs} (budget 5 s)")
        pdf = [timed(base + ["--format", "pdf"]) for _ in range(opts.runs)]
        print(f"pdf:                      {min(pdf):.2f} s best, {statistics.median(pdf):.2f} s median of {opts.runs} (docx + one LibreOffice run)")
        import pdfplumber

        with pdfplumber.open(str(Path(out) / (largest.stem + ".pdf"))) as doc:
            print(f"pages: {len(doc.pages)}; docx {(Path(out) / (largest.stem + '.docx')).stat().st_size} bytes, "
                  f"pdf {(Path(out) / (largest.stem + '.pdf')).stat().st_size} bytes")


if __name__ == "__main__":
    main_()
