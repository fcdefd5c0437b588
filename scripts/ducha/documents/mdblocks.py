"""A bulletin's or notice's Markdown body as the blocks an official document is made of.

Only the Markdown ducha's drafts and staff edits use: ATX headings, paragraphs, ``1.``/``-`` lists, pipe
tables, ``**bold**`` runs and backslash escapes (``md_text``); HTML entities read as the characters they
stand for.  Anything else stays text: an official document shows no link, image or HTML, it prints what
the reader of the page reads.  Markers (``<!--fig:…-->``) are removed before (``bodymarks.strip``).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_ORDERED = re.compile(r"^\s{0,3}(\d{1,3})[.、]\s+(.*)$")
_BULLET = re.compile(r"^\s{0,3}[-*+]\s+(.*)$")
_RULE = re.compile(r"^\s{0,3}([-*_])(\s*\1){2,}\s*$")
_TABLE_SEP = re.compile(r"^\s*\|?\s*:?-{1,}:?\s*(\|\s*:?-{1,}:?\s*)*\|?\s*$")
_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|<>~])")
_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")  # a link prints as its text
_ATTRS = re.compile(r"\s*\{[#.][^}]*\}\s*$")  # a heading's {#anchor}
_TAG = re.compile(r"<[^>]{0,200}>")


@dataclass
class Run:
    text: str
    bold: bool = False


@dataclass
class Block:
    """``kind``: heading (``level`` 1–6), para, item (``marker``: ``1.`` or empty for a bullet), table, rule."""

    kind: str
    runs: list[Run] = field(default_factory=list)
    level: int = 0
    marker: str = ""
    header: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    align: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "".join(r.text for r in self.runs)

    @property
    def all_bold(self) -> bool:
        return bool(self.runs) and all(r.bold or not r.text.strip() for r in self.runs)


def plain(text: str) -> str:
    """Inline Markdown as the text it shows: escapes undone, links as their text, tags dropped, entities read."""
    text = _LINK.sub(lambda m: m.group(1), text)
    text = text.replace("**", "").replace("__", "")
    return _unescape(text)


def _unescape(text: str) -> str:
    text = _TAG.sub("", text.replace("&lt;", "\x00lt\x00"))
    text = _ESCAPE.sub(r"\1", text)
    return html.unescape(text.replace("\x00lt\x00", "&lt;"))


def runs(text: str) -> list[Run]:
    """``text`` split into runs, ``**bold**`` ones marked (an escaped ``\\*`` is a star, not emphasis)."""
    out: list[Run] = []
    bold = False
    buf = []
    i = 0
    text = _LINK.sub(lambda m: m.group(1), text)
    while i < len(text):
        if text[i] == "\\" and i + 1 < len(text):
            buf.append(text[i : i + 2])
            i += 2
            continue
        if text.startswith("**", i) or text.startswith("__", i):
            if buf:
                out.append(Run(_unescape("".join(buf)), bold))
                buf = []
            bold = not bold
            i += 2
            continue
        buf.append(text[i])
        i += 1
    if buf:
        out.append(Run(_unescape("".join(buf)), bold))
    return [r for r in out if r.text]


def _cells(line: str) -> list[str]:
    line = line.strip()
    if line.startswith("|"):
        line = line[1:]
    if line.endswith("|") and not line.endswith("\\|"):
        line = line[:-1]
    cells, buf, i = [], [], 0
    while i < len(line):
        if line[i] == "\\" and i + 1 < len(line):
            buf.append(line[i : i + 2])
            i += 2
            continue
        if line[i] == "|":
            cells.append("".join(buf))
            buf = []
        else:
            buf.append(line[i])
        i += 1
    cells.append("".join(buf))
    return [plain(c.strip()) for c in cells]


def _align(sep: str) -> list[str]:
    out = []
    for cell in sep.strip().strip("|").split("|"):
        cell = cell.strip()
        out.append("right" if cell.endswith(":") and not cell.startswith(":") else "center" if cell.startswith(":") and cell.endswith(":") else "left")
    return out


def parse(body: str) -> list[Block]:
    """The blocks of ``body`` in order (blank lines separate paragraphs; a paragraph's lines are joined)."""
    lines = body.replace("\r\n", "\n").split("\n")
    blocks: list[Block] = []
    para: list[str] = []

    def flush():
        if para:
            blocks.append(Block("para", runs("".join(s.strip() for s in para))))
            para.clear()

    i = 0
    while i < len(lines):
        line = lines[i]
        if not line.strip():
            flush()
            i += 1
            continue
        m = _HEADING.match(line)
        if m:
            flush()
            blocks.append(Block("heading", runs(_ATTRS.sub("", m.group(2))), level=len(m.group(1))))
            i += 1
            continue
        if "|" in line and i + 1 < len(lines) and _TABLE_SEP.match(lines[i + 1]) and "-" in lines[i + 1]:
            flush()
            table = Block("table", header=_cells(line), align=_align(lines[i + 1]))
            i += 2
            while i < len(lines) and lines[i].strip() and "|" in lines[i]:
                row = _cells(lines[i])
                width = len(table.header)
                table.rows.append((row + [""] * width)[:width])
                i += 1
            blocks.append(table)
            continue
        if _RULE.match(line) and not para:
            blocks.append(Block("rule"))
            i += 1
            continue
        m = _ORDERED.match(line)
        b = _BULLET.match(line) if not m else None
        if m or b:
            flush()
            text = m.group(2) if m else b.group(1)
            i += 1
            while i < len(lines) and lines[i].startswith(("  ", "\t")) and lines[i].strip() and not _ORDERED.match(lines[i]) and not _BULLET.match(lines[i]):
                text += lines[i].strip()
                i += 1
            blocks.append(Block("item", runs(text), marker=f"{m.group(1)}." if m else ""))
            continue
        para.append(line)
        i += 1
    flush()
    return blocks
