"""Bulletins (督查通报 / 督查专报 / 督查通知 / 政务督查): Markdown files with front matter.

A bulletin records the commit and as-of date its figures were computed from,
and the figures themselves, so ``ducha bulletin verify`` can recompute every
one of them and catch a number edited by hand.

**Size.** A bulletin is not an item: the item files' limit (``yamlio.MAX_BYTES``, D105) does not apply to it.
A bulletin lists every overdue and due-soon item of its scope, in its body (sections 三、四 and the 附件
table) and in its front matter (the named lists, ``items``, ``body_figures``): a drafted 督查通报 over 900
overdue items measured about 610 KB.  Its own limit is ``MAX_BYTES`` (2 MB, about 3,000 listed items; B116),
checked before anything is decoded, so a damaged or hostile file is still refused cheaply.  The 附件 stays in
the bulletin's one file: one file is what the office issues, edits in one pull request, verifies (every marker
and its line) and publishes as one page; a scope too large for that limit is too large for one document, and
is drafted per lead unit or category instead (the drafting says so, B116, before anything is written).
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from ..files import tree
from ..core import yamlio
from ..core.findings import Finding
from ..core.paths import BULLETINS_DIR
from ..core.markup import plain_name
from ..core.model import to_date
from ..core.validate import classified_mark, classified_secrecy

KINDS = {
    "bulletin": "督查通报",
    "special": "督查专报",
    "notice": "督查通知",
    "briefing": "政务督查",
}
KIND_ALIASES = {**{v: k for k, v in KINDS.items()}, **{v[2:]: k for k, v in KINDS.items() if v.startswith("督查")}, "政务督查": "briefing"}
REQUIRED = ("kind", "year", "number", "date", "title", "issuer", "recipients")
TEMPLATES_DIR = "templates"  # bulletins/templates/: the ledger's own drafting templates, not bulletins
REFUSED_BULLETINS = ("B105", "B106")  # a linked or classified bulletin stops the site build
SECRECY_KEYS = ("secrecy", "密级")  # front-matter keys a bulletin's 密级 may be written under
MAX_BYTES = 2 * 1024 * 1024  # a bulletin file, front matter and body (B116); items have their own (D105)
_FRONT = re.compile(r"\A---\n(.*?)\n---\n?(.*)\Z", re.S)


def kind_code(value: str) -> str | None:
    """``通报``/``督查通报``/``bulletin`` → ``bulletin``."""
    if value in KINDS:
        return value
    return KIND_ALIASES.get(value)


@dataclass
class Bulletin:
    path: str
    meta: dict
    body: str
    text: str = field(repr=False, default="")
    front_text: str = field(repr=False, default="")  # the YAML between the --- lines (for line numbers)

    @property
    def kind(self) -> str:
        return self.meta["kind"]

    @property
    def kind_name(self) -> str:
        return KINDS[self.kind]

    @property
    def year(self) -> int:
        return int(self.meta["year"])

    @property
    def number(self) -> int:
        return int(self.meta["number"])

    @property
    def date(self) -> dt.date:
        return to_date(self.meta["date"])

    @property
    def title(self) -> str:
        return self.meta["title"]

    @property
    def display_number(self) -> str:
        """《督查通报》2026年第3期."""
        return f"《{self.kind_name}》{self.year}年第{self.number}期"

    @property
    def items(self) -> list[str]:
        return list(self.meta.get("items") or [])

    @property
    def slug(self) -> str:
        return f"{self.year}/{self.kind}-{self.number:02d}"

    @property
    def recipients(self) -> list[str]:
        value = self.meta.get("recipients") or []
        return [value] if isinstance(value, str) else [str(v) for v in value]


def path_findings(path: str) -> list[Finding]:
    """B107 for a bulletin path other than ``bulletins/<year>/<name>.md`` with plain names (its path is
    published as the page's edit link, so nothing in it may read as markup)."""
    parts = path.split("/")[1:]
    if len(parts) == 2 and all(plain_name(p) for p in parts):
        return []
    return [Finding(path, None, "B107", "", "通报文件应放在 bulletins/<年份>/ 目录下（如 bulletins/2026/bulletin-03.md），"
                    "文件夹名和文件名只能用字母、数字和 - _ .。此文件未读取。")]


def size_finding(path: str, size: int) -> Finding:
    """B116: a bulletin file larger than ``MAX_BYTES``."""
    return Finding(path, None, "B116", "", f"通报文件大小 {size // 1024} KB，超过通报文件上限 {MAX_BYTES // 1024} KB；"
                   "请按牵头单位或事项类别分别起草。")


def parse_bulletin(raw: bytes, path: str) -> tuple[Bulletin | None, list[Finding]]:
    """The bulletin and no findings, or None and every finding.  One carrying a classified marking (B106,
    in its front matter or body) is never returned: not checked further, numbered, verified or published."""
    if len(raw) > MAX_BYTES:
        return None, [size_finding(path, len(raw))]
    text, findings = yamlio.decode(raw, path, limit=None)
    if text is None:
        return None, findings
    secret = []
    mark = classified_mark(text)
    if mark:
        secret.append(Finding(path, mark[0], "B106", "", f"通报中出现密级标志“{mark[1]}”，涉密内容一律不得录入本系统，该通报不发布。"))
    m = _FRONT.match(text)
    if not m:
        return None, secret + [Finding(path, 1, "B101", "", "通报文件应以 --- 包围的 YAML 前言开头（kind、year、number、date、title 等）。")]
    parsed = yamlio.parse_text(m.group(1), path)
    if parsed.data is None:
        return None, secret + parsed.findings
    meta = parsed.data
    out = secret

    def at(fld):
        line = yamlio.line_for(m.group(1), fld)
        return line + 1 if line else None

    for key in SECRECY_KEYS:
        if classified_secrecy(meta.get(key)):
            out.append(Finding(path, at(key), "B106", key, f"密级“{meta[key]}”属于国家秘密，涉密通报一律不得录入本系统，该通报不发布。"))
    for key in REQUIRED:
        if key not in meta or meta[key] in (None, "", []):
            out.append(Finding(path, None, "B101", key, f"通报前言缺少 {key}。"))
    if "kind" in meta and kind_code(str(meta["kind"])) is None:
        out.append(Finding(path, at("kind"), "B101", "kind", f"通报类别“{meta['kind']}”不在：{'、'.join(f'{k}（{v}）' for k, v in KINDS.items())}。"))
    elif "kind" in meta:
        meta["kind"] = kind_code(str(meta["kind"]))
    for key in ("year", "number"):
        if key in meta and not isinstance(meta[key], int):
            out.append(Finding(path, at(key), "B101", key, f"{key} 应为整数。"))
    for key in ("date", "as_of"):
        if key in meta:
            try:
                meta[key] = to_date(meta[key])
            except (TypeError, ValueError):
                out.append(Finding(path, at(key), "B101", key, f"{key} 不是有效日期（YYYY-MM-DD）。"))
    if "figures" in meta and not isinstance(meta["figures"], dict):
        out.append(Finding(path, at("figures"), "B101", "figures", "figures 应是“名称: 数字”的映射。"))
    items = meta.get("items")
    if items is not None and (not isinstance(items, list) or not all(isinstance(i, str) for i in items)):
        out.append(Finding(path, at("items"), "B101", "items", "items 应是事项编号的列表，如 [DC-2026-0012, DC-2026-0031]。"))
    if isinstance(meta.get("commit"), (int, float)):  # 1234567 reads as a number: keep the digits
        meta["commit"] = str(meta["commit"])
    if out:
        return None, out
    return Bulletin(path, meta, m.group(2), text, m.group(1)), []


def bulletin_files(root: Path) -> list[Path]:
    """``bulletins/**.md`` except the ledger's drafting templates in ``bulletins/templates/`` (regular files only)."""
    return [Path(root) / rel for rel in _scan(root)[0]]


def _scan(root: Path) -> tuple[list[str], list[str]]:
    """(bulletin files, symbolic links met) under ``bulletins/`` as paths relative to ``root``."""
    files, links = tree.walk(root, BULLETINS_DIR)
    templates = f"{BULLETINS_DIR}/{TEMPLATES_DIR}/"
    return [rel for rel in files if rel.endswith(".md") and not rel.startswith(templates)], links


def link_findings(links: list[str]) -> list[Finding]:
    """B105 for each symbolic link under ``bulletins/``: never followed, read or published."""
    return [
        Finding(rel, None, "B105", "", "这是符号链接，ducha 不跟随、不读取、不发布它指向的内容（链接目标不在任何提交中）；"
                "请删除链接，把通报文件本身放在 bulletins/ 下提交。")
        for rel in links
    ]


def load_bulletins(root: Path, rules=None) -> tuple[list[Bulletin], list[Finding]]:
    root = Path(root)
    bulletins, findings = [], []
    files, links = _scan(root)
    for rel in files:
        bad_path = path_findings(rel)
        if bad_path:
            findings += bad_path
            continue
        b, f = parse_bulletin((root / rel).read_bytes(), rel)
        findings += f
        if b is not None:
            bulletins.append(b)
    findings += link_findings(links)
    findings += numbering_findings(bulletins, rules)
    return bulletins, findings


def numbering_findings(bulletins: list[Bulletin], rules=None) -> list[Finding]:
    """期号 per kind per year: no duplicates (B102), no gaps (B103) from the year's first number (1, or
    ``bulletins.first_number`` in the rules)."""
    out = []
    series = defaultdict(list)
    for b in bulletins:
        series[(b.kind, b.year)].append(b)
    for (kind, year), group in sorted(series.items()):
        numbers = defaultdict(list)
        for b in group:
            numbers[b.number].append(b)
        for number, same in numbers.items():
            if len(same) > 1:
                for b in same:
                    others = "、".join(o.path for o in same if o is not b)
                    out.append(Finding(b.path, None, "B102", "number", f"{year}年《{KINDS[kind]}》第{number}期与 {others} 重号。"))
        first = rules.first_number(kind, year) if rules is not None else 1
        expected = set(range(first, max(numbers) + 1))
        missing = sorted(expected - set(numbers))
        if missing:
            last = max(group, key=lambda b: b.number)
            gaps = "、".join(str(n) for n in missing)
            out.append(Finding(last.path, None, "B103", "number", f"{year}年《{KINDS[kind]}》缺少第 {gaps} 期（期号应从 {first} 起连续编排）。"))
    return out


def next_number(bulletins: list[Bulletin], kind: str, year: int, first: int = 1) -> int:
    """The next 期号 of ``kind`` in ``year``: one past the highest issued (gaps are B103, not refilled);
    ``first`` for the year's first (``Rules.first_number``)."""
    return max((b.number for b in bulletins if b.kind == kind and b.year == year), default=first - 1) + 1


def bulletin_path(root: Path, kind: str, year: int, number: int) -> Path:
    """``bulletins/2026/bulletin-03.md``: the file of a bulletin (its ``slug``)."""
    return Path(root) / BULLETINS_DIR / str(year) / f"{kind}-{number:02d}.md"
