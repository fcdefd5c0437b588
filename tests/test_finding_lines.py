"""A finding's line read off the text (``validate._line_for``) is the line the YAML composer gives
(``yamlio.line_for``), for every log entry path of every corpus file and for texts made to mislead it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ducha.core import yamlio
from ducha.core.validate import _entry_line, _line_for

HERE = Path(__file__).resolve().parent
ENTRY = re.compile(r"([A-Za-z_]\w*)\[(\d+)\](?:\.([A-Za-z_]\w*))?")


def _entry_paths(text: str) -> list[str]:
    paths = {p for p in yamlio.locate(text) if ENTRY.fullmatch(p)}
    for p in list(paths):
        entry = p.split("]")[0] + "]"
        paths |= {entry, entry + ".nosuchkey", entry.replace("[", "[9") }
    return sorted(p for p in paths if ENTRY.fullmatch(p))


def test_every_entry_path_of_the_corpus_and_the_sample_ledger_gets_the_composers_line():
    files = sorted((HERE / "corpus").rglob("*.yml")) + sorted((HERE.parent / "items").rglob("*.yml"))
    checked = read_off = 0
    for f in files:
        try:
            text = f.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        for path in _entry_paths(text):
            assert _line_for(text, path) == yamlio.line_for(text, path), (f, path)
            checked += 1
            m = ENTRY.fullmatch(path)
            read_off += _entry_line(text, m.group(1), int(m.group(2)), m.group(3)) is not None
    assert checked > 1000 and read_off > checked // 3  # most are read off the lines, all agree


PLAIN = "id: DC-2026-0001\nprogress:\n  - date: 2026-11-02\n    by: fgw\n    text: 第一次\n  - date: 2026-11-09\n    by: fgw\n    text: 第二次\nstatus: assigned\n"


@pytest.mark.parametrize(
    "text",
    [
        PLAIN,
        PLAIN.replace("  - date: 2026-11-09", "\n  # 注释\n  - date: 2026-11-09"),
        PLAIN.replace("    text: 第一次", '    text: "第一次\n      - date: 2026-12-01"'),  # a quoted scalar over lines
        PLAIN.replace("    text: 第一次", "    text: |\n      - date: 2026-12-01\n      by: x"),  # a block scalar
        PLAIN.replace("    by: fgw\n    text: 第一次", "    by: fgw\n    by: wjw\n    text: 第一次"),  # a repeated key
        PLAIN.replace("  - date: 2026-11-02\n    by: fgw\n    text: 第一次", "  - {date: 2026-11-02, by: fgw}"),
        PLAIN.replace("  - date: 2026-11-09", "  - &x date: 2026-11-09"),
        PLAIN.replace("progress:\n", "progress:\n- date: 2026-10-01\n  by: czj\n"),  # a sequence at the key's column
        PLAIN.replace("    by: fgw\n    text: 第一次", "    by:\n    - fgw\n    text: 第一次"),
        PLAIN.replace("    by: fgw\n    text: 第一次", '    "by": fgw\n    text: 第一次'),
        PLAIN + "---\nprogress:\n  - date: 2026-11-30\n",
        PLAIN.replace("  - date: 2026-11-02", "  -   date: 2026-11-02"),
        PLAIN.replace("progress:\n", "progress: # 进展\n"),
    ],
)
def test_texts_made_to_mislead_the_line_reading_get_the_composers_line(text):
    for path in ("progress[0]", "progress[1]", "progress[2]", "progress[0].by", "progress[1].text", "progress[0].x", "progress[1].date"):
        assert _line_for(text, path) == yamlio.line_for(text, path), path
