"""Measuring a PDF as printed (pdfplumber): lines of characters with their size, position and colour,
and the rules (drawn lines) on each page.  Millimetres throughout, from the page's top-left corner."""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from dataclasses import dataclass

MM = 72 / 25.4  # points per millimetre


@dataclass
class Line:
    page: int
    size: float
    top: float  # mm, the characters' tops
    bottom: float
    x0: float
    x1: float
    text: str
    fonts: tuple[str, ...]
    color: tuple

    @property
    def units(self) -> float:
        """Characters the line takes: CJK and full-width 1, others (digits, Latin, spaces) half."""
        return sum(1 if unicodedata.east_asian_width(c) in "WF" else 0.5 for c in self.text)


@dataclass
class Rule:
    page: int
    x0: float
    x1: float
    y: float
    width: float  # stroke, pt
    color: tuple


@dataclass
class Page:
    number: int
    width: float
    height: float
    lines: list[Line]
    rules: list[Rule]


def _color(value) -> tuple:
    if value is None:
        return (0,)
    if isinstance(value, (int, float)):
        return (float(value),)
    return tuple(round(float(v), 2) for v in value)


def measure(path) -> list[Page]:
    import pdfplumber

    pages = []
    with pdfplumber.open(str(path)) as pdf:
        for number, page in enumerate(pdf.pages, 1):
            groups = defaultdict(list)
            for c in page.chars:
                groups[(round(c["size"], 1), round(c["bottom"] / MM, 1))].append(c)
            lines = []
            for (size, _), chars in groups.items():
                chars.sort(key=lambda c: c["x0"])
                lines.append(Line(number, size, min(c["top"] for c in chars) / MM, max(c["bottom"] for c in chars) / MM,
                                  chars[0]["x0"] / MM, chars[-1]["x1"] / MM, "".join(c["text"] for c in chars),
                                  tuple(sorted({c["fontname"] for c in chars})), _color(chars[0].get("non_stroking_color"))))  # fmt: skip
            lines.sort(key=lambda ln: (ln.bottom, ln.x0))
            rules = []
            for obj in page.lines + page.rects:
                if abs(obj["top"] - obj["bottom"]) > 2:  # a rule is horizontal and thin
                    continue
                color = obj.get("stroking_color") if obj["object_type"] == "line" else obj.get("non_stroking_color")
                width = obj.get("linewidth") or abs(obj["bottom"] - obj["top"])
                rules.append(Rule(number, obj["x0"] / MM, obj["x1"] / MM, (obj["top"] + obj["bottom"]) / 2 / MM, width, _color(color)))
            pages.append(Page(number, page.width / MM, page.height / MM, lines, rules))
    return pages


def is_red(color: tuple) -> bool:
    return len(color) == 3 and color[0] > 0.8 and color[1] < 0.2 and color[2] < 0.2 or (len(color) == 4 and color[1] > 0.8 and color[2] > 0.8 and color[3] < 0.2)
