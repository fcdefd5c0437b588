"""Where a bulletin's body states its figures, and reading those places back (what people read is verified).

**The marker.** Every number a draft takes from a figure is written right after an HTML comment naming it::

    督办事项共 <!--fig:totals.total-->79 件，办结率 <!--fig:totals.rate_closed-->48.1%（38/79）

An HTML comment has no attributes, is invisible wherever Markdown is shown (the forge's file view, an
editor's preview) and survives re-wrapping and edits around it; the number a reader sees is the first
number after it (``79``, ``48.1%（38/79）``, ``40.0%``, ``—（0/0）``). The site removes every marker before
the body is rendered (``strip``), and its sanitiser drops any other comment, so no marker text is published.
A clerk who retypes a number leaves the marker in front of the new one, and ``check_body`` compares it.

Marker keys (``fig:<key>``):

- a figure path of the front matter (``totals.overdue_open``, ``categories.mayor_mailbox.rate_closed``,
  ``period.assigned``): a count, or a rate stated as a percentage with or without ``（n/d）``;
- ``<path>#n``: how many entries a recorded list or table has (``named.good_units#n`` units commended,
  ``named.overdue_open#n`` units with overdue items, ``named.overdue_open.zjj#n`` items of one unit);
- ``params.due_within_days``: the parameter the figures were computed with;
- ``items.<id>.overdue_days``: how many days one listed item is overdue (recomputed like the figures).

Markers come from the drafting: the template context's figures are ``Marked`` values (``marked``), and
the drafting ``finalize`` and the ``rate``/``pct``/``length`` filters write the marker in front of the
number, so the package's templates and the ledger's own ones (``bulletins/templates/``) mark alike.
The draft's front matter records how many times it marked each key (``body_figures``): a marker gone
from the body (a number retyped without it, a sentence deleted) is reported (B110) rather than passed over,
except a count that is 0 both as the front matter records it and as recomputed (``Expected.says_nothing``):
a draft leaves out the sections that have nothing in them (no unit commended, no item overdue or criticised,
an empty 附件), and a clerk who deletes such a sentence or section from an older draft hides no figure.  A
count that is 0 now but was recorded otherwise is a B104 of the front matter anyway; a rate is never nothing.

**Reading back** (``check_body``): each marker's number against the recomputed value (B108 when it
differs; B111 for a marker that names no figure or has no number after it); every other number in the body
is listed as not verified (B109, a notice) unless it is a date (2026年11月27日, 11月底, 2026-11-09, 10:30),
an item id (DC-2026-0012), a document number (江府督办〔2026〕86号), a 序号 (第1期, ``1. `` list items, the
序号 column of a table) or a telephone number.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from ..core.findings import Finding
from ..core.formats import DEFAULT_DECIMALS, percent
from ..core.markup import MdSafe

BODY_FIGURES = "body_figures"  # the front-matter key listing every marker key the draft wrote
MARK = re.compile(r"<!--\s*fig:\s*([^\s>]*)\s*-->")
_WIDE = str.maketrans("０１２３４５６７８９．％／（）", "0123456789.%/()")
_STATED = re.compile(r"\s*(—|\d+(?:\.\d+)?%?)(?:\s*\(\s*(\d+)\s*/\s*(\d+)\s*\))?")
_NOT_FIGURES = re.compile(
    r"\d{4}-\d{1,2}-\d{1,2}|\d{1,2}:\d{2}(?::\d{2})?"  # ISO dates, times
    r"|\d+\s*年(?:\s*\d+\s*月(?:\s*\d+\s*日)?)?|\d+\s*月(?:\s*\d+\s*日|份)?|\d+\s*日"  # Chinese dates
    r"|[A-Za-z]+-\d{4}-\d+"  # item ids
    r"|[〔\[(]\s*\d{4}\s*[〕\])]\s*\d+\s*号"  # document numbers 〔2026〕86号
    r"|第\s*\d+"  # 第1期 第9次 第1件
    r"|\+?86[\s-]?1\d{10}|1[3-9]\d{9}|0\d{2,3}[-\s]?\d{7,8}"  # telephone numbers
)
_NUMBER = re.compile(r"\d+(?:\.\d+)?%?")
_LIST_ITEM = re.compile(r"^\s*\d+[.)、]\s")
_CELL_SPLIT = re.compile(r"(?<!\\)\|")


# -- drafting: values that know which figure they are ---------------------------------------------


class Marked(int):
    """A count in a template context that knows its marker key."""

    key: str

    def __new__(cls, value: int, key: str):
        obj = super().__new__(cls, value)
        obj.key = key
        return obj


class MarkedFloat(float):
    """A recorded average (平均办理天数) in a template context that knows its marker key."""

    key: str

    def __new__(cls, value: float, key: str):
        obj = super().__new__(cls, value)
        obj.key = key
        return obj


class MarkedList(list):
    """A recorded list (a rate ``[n, d]``, unit codes, item ids) that knows its marker key."""

    def __init__(self, values, key: str):
        super().__init__(values)
        self.key = key


class MarkedDict(dict):
    """A recorded mapping whose entries, read in a template, are marked with their paths."""

    def __init__(self, values, key: str = ""):
        super().__init__(values)
        self.key = key

    def _child(self, name):
        return f"{self.key}.{name}" if self.key else str(name)

    def __getitem__(self, name):
        return marked(super().__getitem__(name), self._child(name))

    def get(self, name, default=None):
        return self[name] if name in self else default

    def items(self):
        return [(k, self[k]) for k in self.keys()]

    def values(self):
        return [self[k] for k in self.keys()]


def marked(value, key: str):
    """``value`` (a figure, a list or a mapping of figures) as a value that carries its marker key."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return Marked(value, key)
    if isinstance(value, float):
        return MarkedFloat(value, key)
    if isinstance(value, dict):
        return MarkedDict(value, key)
    if isinstance(value, list):
        return MarkedList(value, key)
    return value


def mark(key: str, text) -> MdSafe:
    return MdSafe(f"<!--fig:{key}-->{text}")


def marked_length(value) -> int:
    """The ``length`` filter: marked when it counts a recorded list or table."""
    n = len(value)
    return Marked(n, f"{value.key}#n") if isinstance(value, (MarkedList, MarkedDict)) and value.key else n


def keys_in(text: str) -> dict[str, int]:
    """How many times ``text`` marks each key, in the order of their first marker."""
    return dict(Counter(MARK.findall(text)))


def strip(text: str) -> str:
    """``text`` without its markers: what a reader sees."""
    return MARK.sub("", str(text))


# -- reading back -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Expected:
    """What a marker's number should be: a count, a rate (numerator, denominator) shown to ``decimals``, or
    a number stated as text (``text``: ``93.1%``, ``23.4``, a share or an average as the draft wrote it)."""

    label: str
    value: int | None = None
    rate: tuple[int, int] | None = None
    recorded: object = None  # what the front matter records, when it records it
    figure: bool = True  # a figure of the ledger, not a parameter the figures were computed with
    decimals: int = DEFAULT_DECIMALS  # of a rate's percentage (the rules' statistics.decimals)
    text: str | None = None

    @property
    def says_nothing(self) -> bool:
        """A count that is 0, as drafted and as recomputed (an empty list, a section with nothing in it): a
        sentence or section stating it may be left out without hiding anything, so its marker is not missed
        (B110).  A rate is never nothing: 0.0%（0/5） says five items are not closed."""
        return self.figure and self.rate is None and self.text is None and self.value == 0 and self.recorded in (None, 0, "0")

    def _percent(self) -> str:
        return percent(*self.rate, self.decimals)

    def shown(self) -> str:
        if self.text is not None:
            return self.text
        if self.rate is None:
            return str(self.value)
        n, d = self.rate
        return f"{self._percent()}（{n}/{d}）" if d else f"—（{n}/0）"

    def matches(self, number: str, num: str | None, den: str | None) -> bool:
        if self.text is not None:
            return number == self.text and num is None
        if self.rate is None:
            return number == str(self.value)
        n, d = self.rate
        if num is not None and (int(num), int(den)) != (n, d):
            return False
        return number == self._percent()


@dataclass
class BodyCheck:
    """What reading a body back found: findings, and how many numbers were verified / not."""

    findings: list[Finding] = field(default_factory=list)
    verified: int = 0
    unverified: int = 0
    marked: Counter = field(default_factory=Counter)  # markers met, per key
    loose: list[tuple[int, list[str]]] = field(default_factory=list)  # (line, numbers) not verified

    @property
    def mismatches(self) -> list[Finding]:
        return [f for f in self.findings if f.is_error]


def check_body(path: str, body: str, first_line: int, expect, drafted: dict[str, int], where: str, quoted=()) -> BodyCheck:
    """Read every line of ``body`` (its first line is ``first_line`` of the file): markers against
    ``expect(key)`` (an ``Expected``, or None for a key that is no figure), other numbers listed as not
    verified unless they are inside one of ``quoted`` (the listed items' titles: data, not figures); then
    each of ``drafted`` (how many times the draft marked each key) marked fewer times now.
    ``where`` says what the values were recomputed from (按提交 … 截至 … 重新计算)."""
    out = BodyCheck()
    columns: set[int] | None = None  # the 序号 columns of the table being read
    for n, line in enumerate(body.split("\n"), first_line):
        columns = _table_columns(line, columns)
        rest = _check_marks(out, path, n, line, expect, where)
        numbers = _loose_numbers(rest, columns)
        if numbers:  # only then look for quoted text (thousands of titles and progress texts in a large scope)
            for text in quoted:
                if text in rest:
                    rest = rest.replace(text, " ")
            numbers = _loose_numbers(rest, columns)
        if numbers:
            out.unverified += len(numbers)
            out.loose.append((n, numbers))
            out.findings.append(Finding(path, n, "B109", "", f"正文数字 {'、'.join(numbers)} 没有对应的统计项，未核对。"))
    for key, times in drafted.items():
        lost = times - out.marked[key]
        exp = expect(key) if lost > 0 else None
        if lost > 0 and not (exp is not None and exp.says_nothing):
            label = exp.label if exp else key
            where_ = f"{times} 处，现在有 {lost} 处" if times > 1 else "这一处，现在"
            out.findings.append(Finding(path, None, "B110", key, f"起草时正文写有“{label}”{where_}找不到它的标记"
                                        "（数字被删改或标记被删去），无法核对。"))
    return out


def _check_marks(out: BodyCheck, path: str, n: int, line: str, expect, where: str) -> str:
    """Check the markers of one line; the line with each marker and its number blanked out."""
    rest, at = [], 0
    for m in MARK.finditer(line):
        key = m.group(1)
        out.marked[key] += 1
        stated = _STATED.match(line[m.end():].translate(_WIDE))
        end = m.end() + (stated.end() if stated else 0)
        rest += [line[at:m.start()], " "]
        at = end
        exp = expect(key)
        if exp is None:
            out.findings.append(Finding(path, n, "B111", key, f"标记 fig:{key} 不是可以核对的统计项。"))
        elif stated is None:
            following = strip(line[m.end():]).strip()[:6] or "行尾"
            out.findings.append(Finding(path, n, "B111", key, f"“{exp.label}”的标记后面不是数字（是“{following}”），无法核对。"))
        elif exp.matches(*stated.groups()):
            out.verified += 1
        else:
            text = line[m.end():end].strip()
            recorded = f"通报前言记录为 {exp.recorded}，" if exp.recorded is not None else ""
            out.findings.append(Finding(path, n, "B108", key, f"“{exp.label}”正文写为 {text}，{recorded}{where}为 {exp.shown()}。"))
    rest.append(line[at:])
    return "".join(rest)


def _table_columns(line: str, columns: set[int] | None) -> set[int] | None:
    """The 序号 columns while inside a table (from its header row), None outside tables."""
    text = line.strip()
    if not text.startswith("|"):
        return None
    if columns is None:
        cells = [strip(c).strip() for c in _CELL_SPLIT.split(text)]
        return {i for i, c in enumerate(cells) if c == "序号"}
    return columns


def _loose_numbers(text: str, columns: set[int] | None) -> list[str]:
    """The numbers of a line that are no date, id, document number, 序号 or telephone number."""
    text = strip(text).translate(_WIDE)
    if _LIST_ITEM.match(text):
        text = _LIST_ITEM.sub(" ", text, count=1)
    if columns:
        cells = _CELL_SPLIT.split(text)
        text = "|".join(" " if i in columns else c for i, c in enumerate(cells))
    text = _NOT_FIGURES.sub(" ", text)
    return [m.group(0) for m in _NUMBER.finditer(text) if not _inside_word(text, m)]


def _inside_word(text: str, m: re.Match) -> bool:
    """Digits that are part of a Latin word or a code (``B104``, ``x2``, ``v1_2``), not a number."""
    before = text[m.start() - 1] if m.start() else ""
    after = text[m.end()] if m.end() < len(text) else ""
    return any(ch and ch.isascii() and (ch.isalpha() or ch in "_-") for ch in (before, after))
