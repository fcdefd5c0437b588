"""Official documents (公文) as Word files, laid out per GB/T 9704-2012 (党政机关公文格式).

A4; top margin (天头) 37 mm, binding margin (订口) 28 mm, text block (版心) 156 × 225 mm; 3号仿宋 body,
22 lines × 28 characters.  The grid is made without Word's document grid: LibreOffice lays out a Word
character grid with negative ``charSpace`` at about half the characters, so every paragraph has exact line
spacing (225 mm / 22 ≈ 28.95 pt, 579 twips) and 3号 characters condensed by 0.3 pt (156 mm holds 28 of them,
not 29) — the same 22 × 28 in Word, WPS and LibreOffice.

版头: the red issuer mark in 小标宋 centred, its top 35 mm below the text block's top, the 期号 line, the
issuer and date line and a red rule as wide as the text block 4 mm below it.  Title 2号小标宋 centred (long
titles split between words, upper line not shorter), main recipients flush left, headings 一、 黑体, （一）
楷体, 1. and （1） 仿宋; tables as wide as the text block with their header row repeated on every page; 附件
on a new page with "附件" in 3号黑体; 版记 (抄送, 印发 in 4号仿宋 between a thick, thin and thick rule as
wide as the text block) in a text box anchored to the bottom of the last page's text block (LibreOffice
drops a ``framePr`` frame whose paragraphs have borders and keeps a full-width floating table inline; an
anchored text box lands where Word puts it); page numbers "— 1 —" in 4号宋体 7 mm below the text block,
odd pages right, even pages left, each one character in from the edge.

Fonts are named as offices have them (方正小标宋简体, 仿宋_GB2312, 黑体, 楷体_GB2312, 宋体) with an
``altName`` Word uses where they are missing; ``FALLBACKS`` lists what a Linux machine has (``soffice``
hands them to fontconfig).  No font file is shipped.  The bytes are a function of the content: every zip
entry and the document properties are dated by the document's as-of day.
"""

from __future__ import annotations

import copy
import datetime as dt
import io
import re
import unicodedata
from dataclasses import dataclass, field

from .mdblocks import Block, Run, parse

# -- the page (GB/T 9704-2012, 5.2) -------------------------------------------------------------------
MM = 1440 / 25.4  # twips per millimetre
PAGE_W, PAGE_H = 210, 297
TOP, LEFT, BLOCK_W, BLOCK_H = 37, 28, 156, 225
RIGHT, BOTTOM = PAGE_W - LEFT - BLOCK_W, PAGE_H - TOP - BLOCK_H  # 26, 35
LINES, CHARS = 22, 28
BODY_PT = 16  # 3号
LINE = 579  # twips: 225 mm / 22 lines = 28.99 pt, a hair less so 22 lines always fit
CONDENSE = -6  # twentieths of a point: 3号 characters 0.3 pt narrower, 28 (not 29) fill 156 mm
TEXT_TW = round((PAGE_W - LEFT - RIGHT) * MM) - 0  # text block width in twips (8844)
CHAR_TW = BODY_PT * 20 + CONDENSE  # one body character's advance in twips (314)
MARK_TOP = 35  # mm from the text block's top to the top of the issuer mark
RED = "FF0000"

# -- fonts --------------------------------------------------------------------------------------------
FANGSONG, XBS, HEI, KAI, SONG = "仿宋_GB2312", "方正小标宋简体", "黑体", "楷体_GB2312", "宋体"
ALT_NAMES = {FANGSONG: "仿宋", XBS: "宋体", KAI: "楷体", HEI: "SimHei", SONG: "SimSun"}  # Word's own fallback
FALLBACKS = {  # what to use on a machine without the office's fonts, best first (fontconfig aliases)
    FANGSONG: ("仿宋", "FangSong", "STFangsong", "Noto Serif CJK SC", "Source Han Serif SC"),
    XBS: ("华文中宋", "STZhongsong", "Noto Serif CJK SC", "Source Han Serif SC"),
    HEI: ("SimHei", "Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Zen Hei"),
    KAI: ("楷体", "KaiTi", "STKaiti", "AR PL UKai CN", "Noto Serif CJK SC"),
    SONG: ("SimSun", "Noto Serif CJK SC", "Source Han Serif SC"),
}
BOLD_FALLBACK = (XBS,)  # 小标宋 is a heavy 宋: its fallback is taken bold

# sizes (half-points) by 号
SIZE = {"初号": 84, "小初": 72, "一号": 52, "二号": 44, "三号": 32, "四号": 28, "小四": 24}


@dataclass
class Letterhead:
    """The 版头: ``mark`` (督查通报), ``number_line`` (2026年第1期, may be empty), ``issuer`` and ``date``."""

    mark: str
    number_line: str
    issuer: str
    date: dt.date


@dataclass
class OfficialText:
    """What a document says: its 版头, title, main recipients, the body's blocks (the title, 期号 line and
    recipients line already taken out of them), the 版记's 抄送 and 印发, and the document properties."""

    letterhead: Letterhead
    title: str
    recipients: str
    blocks: list[Block]
    cc: str = ""
    printed_by: str = ""
    printed_on: dt.date | None = None
    properties: dict = field(default_factory=dict)
    imprint: str = "bottom"  # the 版记: bottom of the last page | alone (its own page, no number) | none (a probe)


def cn_date(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def width_units(text: str) -> float:
    """Characters a line of ``text`` takes: a CJK or full-width character 1, any other half."""
    return sum(1 if unicodedata.east_asian_width(c) in "WF" else 0.5 for c in text)


# -- long titles ---------------------------------------------------------------------------------------
_NO_START = set("，。、；：？！）》」』”’的之和与及或等")
_NO_END = set("（《「『“‘")


def split_title(title: str, capacity: float) -> list[str]:
    """``title`` in lines of at most ``capacity`` characters, broken between words (jieba), never before a
    particle or closing mark nor after an opening one, the lines as even as possible and none longer than
    the one above it only when no such split exists (GB/T 9704 7.3.1: 梯形或菱形, 词意完整)."""
    if width_units(title) <= capacity:
        return [title]
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)
    words = [w for w in jieba.cut(title, HMM=False) if w]
    cuts = [0]
    for w in words:
        cuts.append(cuts[-1] + len(w))
    breaks = [c for c in cuts[1:-1] if title[c] not in _NO_START and title[c - 1] not in _NO_END]
    # keep whole 《…》 and （…） together
    depth, inside = 0, set()
    for i, ch in enumerate(title):
        if ch in "《（(":
            depth += 1
        elif ch in "》）)":
            depth = max(0, depth - 1)
        if depth:
            inside.add(i + 1)
    breaks = [c for c in breaks if c not in inside] or list(range(1, len(title)))
    n = int(-(-width_units(title) // capacity))
    best = None
    for lines_n in (n, n + 1):
        best = _best_split(title, breaks, lines_n, capacity) or best
        if best:
            break
    return best or [title[i : i + int(capacity)] for i in range(0, len(title), int(capacity))]


def _best_split(title: str, breaks: list[int], n: int, capacity: float) -> list[str] | None:
    import itertools

    best, best_cost = None, None
    for combo in itertools.combinations(breaks, n - 1) if len(breaks) < 40 else []:
        parts = [title[a:b] for a, b in zip((0, *combo), (*combo, len(title)))]
        widths = [width_units(p) for p in parts]
        if max(widths) > capacity:
            continue
        mean = sum(widths) / n
        cost = sum((w - mean) ** 2 for w in widths)
        cost += sum(4 for a, b in zip(widths, widths[1:]) if b > a + 0.5)  # prefer the upper line longer
        if best_cost is None or cost < best_cost:
            best, best_cost = parts, cost
    return best


# -- XML helpers ---------------------------------------------------------------------------------------


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def _fonts(name: str) -> str:
    n = _esc(name)
    return f'<w:rFonts w:ascii="{n}" w:hAnsi="{n}" w:eastAsia="{n}" w:cs="{n}" w:hint="eastAsia"/>'


def _rpr(font: str, half_points: int, bold=False, color: str | None = None, spacing: int | None = None) -> str:
    out = _fonts(font)
    if bold:
        out += "<w:b/><w:bCs/>"
    if color:
        out += f'<w:color w:val="{color}"/>'
    if spacing:
        out += f'<w:spacing w:val="{spacing}"/>'
    out += f'<w:sz w:val="{half_points}"/><w:szCs w:val="{half_points}"/>'
    return f"<w:rPr>{out}</w:rPr>"


def _run(text: str, rpr: str = "") -> str:
    lines = []
    for line in text.split("\n"):
        pieces = line.split("\t")
        lines.append("<w:tab/>".join(f'<w:t xml:space="preserve">{_esc(p)}</w:t>' if p else "" for p in pieces))
    return f"<w:r>{rpr}{'<w:br/>'.join(lines)}</w:r>"


# Punctuation at a line's end stays inside the text block.  Measured: LibreOffice 7.4 reads ``overflowPunct``
# inverted (``w:val="0"`` makes its paragraphs hang punctuation past the right edge, ``"1"`` keeps it in);
# Word reads ``"1"`` as its own default (a closing mark may hang), so ``"1"`` is what holds the block in both.
HANGING = '<w:overflowPunct w:val="1"/>'


@dataclass(frozen=True)
class Style:
    """A paragraph's look: font, size (half-points), alignment, line (twips, exact), indents in twips."""

    font: str = FANGSONG
    size: int = SIZE["三号"]
    align: str = "both"
    line: int = LINE
    first: int = 2 * CHAR_TW
    left: int = 0
    right: int = 0
    before: int = 0
    after: int = 0
    color: str | None = None
    bold: bool = False
    spacing: int | None = CONDENSE
    keep_next: bool = False
    page_break: bool = False

    def ppr(self, extra: str = "") -> str:
        out = ""
        if self.keep_next:
            out += "<w:keepNext/>"
        if self.page_break:
            out += "<w:pageBreakBefore/>"
        out += "<w:widowControl w:val=\"0\"/>" + extra + HANGING
        out += f'<w:spacing w:before="{self.before}" w:after="{self.after}" w:line="{self.line}" w:lineRule="exact"/>'
        out += f'<w:ind w:left="{self.left}" w:right="{self.right}" w:firstLine="{self.first}"/>'
        out += f'<w:jc w:val="{self.align}"/>'
        return f"<w:pPr>{out}</w:pPr>"

    def rpr(self, bold: bool | None = None, font: str | None = None) -> str:
        return _rpr(font or self.font, self.size, self.bold if bold is None else bold, self.color, self.spacing)


BODY = Style()
FLUSH = Style(first=0)  # 顶格: the main recipients, the 附件 mark
TITLE = Style(font=XBS, size=SIZE["二号"], align="center", line=round(22 * 20 * 1.55), first=0, spacing=None)
H1 = Style(font=HEI, keep_next=True)
H2 = Style(font=KAI, keep_next=True)
H3 = Style(keep_next=True)
TABLE_PT = SIZE["小四"]
CELL = Style(size=TABLE_PT, align="left", line=round(12 * 20 * 1.25), first=0, spacing=None)
HEAD_CELL = Style(font=HEI, size=TABLE_PT, align="center", line=round(12 * 20 * 1.25), first=0, spacing=None)
NOTE = Style(font=FANGSONG, size=SIZE["四号"], align="left", line=round(14 * 20 * 1.5), first=0, spacing=None)  # 版记
PAGE_NO = Style(font=SONG, size=SIZE["四号"], line=14 * 20, first=0, spacing=None)


def para(style: Style, runs: list[Run] | str, extra_ppr: str = "", tail: str = "") -> str:
    if isinstance(runs, str):
        runs = [Run(runs)]
    body = "".join(_run(r.text, style.rpr(bold=r.bold or style.bold)) for r in runs)
    return f"<w:p>{style.ppr(extra_ppr)}{body}{tail}</w:p>"


def blank(style: Style = BODY) -> str:
    return f"<w:p>{style.ppr()}<w:r>{style.rpr()}</w:r></w:p>"


# -- headings and paragraphs ---------------------------------------------------------------------------
_LEVEL1 = re.compile(r"^[一二三四五六七八九十]+、")
_LEVEL2 = re.compile(r"^（[一二三四五六七八九十]+）")
_LEVEL3 = re.compile(r"^(\d+[.．]|（\d+）)")
_ANNEX = re.compile(r"^附件\s*(\d*)[\s　:：]*(.*)$")
_CN_DATE = re.compile(r"^\d{4}年\d{1,2}月\d{1,2}日$")


def _heading_style(text: str, level: int) -> Style:
    if _LEVEL1.match(text):
        return H1
    if _LEVEL2.match(text):
        return H2
    if _LEVEL3.match(text):
        return H3
    return {1: H1, 2: H1, 3: H2}.get(level, H3)


class Composer:
    """The body XML of one document, block by block."""

    def __init__(self, doc: OfficialText):
        self.doc = doc
        self.out: list[str] = []
        self.in_annex = False

    def compose(self, section: str = "") -> str:
        """The body XML; ``section``: the main section's ``sectPr`` (with its numbered footers), ending it before
        a 版记 that stands alone on its page (``imprint == "alone"``)."""
        self.letterhead()
        self.title()
        if self.doc.recipients:
            self.out.append(para(FLUSH, self.doc.recipients))
        blocks = self.doc.blocks
        for i, block in enumerate(blocks):
            self.block(block, blocks[i + 1] if i + 1 < len(blocks) else None)
        if self.doc.imprint == "alone":
            self.end_section(section)
        if self.doc.imprint != "none":
            self.out.append(self.imprint())
        return "".join(self.out)

    def end_section(self, section: str) -> None:
        """End the numbered section with the body's last paragraph (after a table, a paragraph one twip high), so
        the 版记 starts a page of its own whose footer is left blank (GB/T 9704 7.5: a 版记 page with nothing else
        on it carries no page number)."""
        last = self.out[-1] if self.out else ""
        if last.startswith("<w:p>") and "</w:pPr>" in last:
            at = last.rindex("</w:pPr>")
            self.out[-1] = last[:at] + section + last[at:]
        else:
            self.out.append(f'<w:p><w:pPr><w:spacing w:before="0" w:after="0" w:line="20" w:lineRule="exact"/>{section}</w:pPr></w:p>')

    # 版头 ------------------------------------------------------------------------------------------------
    MARK_PT = 42  # 初号

    def letterhead(self) -> None:
        lh = self.doc.letterhead
        # an exact-height spacer puts the mark's top MARK_TOP mm below the text block's top (the mark's line is
        # exact too: its glyphs sit ``MARK_GAP`` below the top of their line)
        mark_line = round(self.MARK_PT * 20 * 1.2)
        spacer = round(MARK_TOP * MM) - self.MARK_GAP
        self.out.append(f'<w:p>{Style(line=spacer, first=0).ppr()}</w:p>')
        spread = max(0, min(20 * 20, round((BLOCK_W * MM - width_units(lh.mark) * self.MARK_PT * 20) / max(1, len(lh.mark)) * 0.5)))
        mark = Style(font=XBS, size=self.MARK_PT * 2, align="center", line=mark_line, first=0, color=RED, spacing=spread or None)
        self.out.append(para(mark, lh.mark))
        if lh.number_line:
            self.out.append(para(Style(align="center", first=0), lh.number_line, extra_ppr=""))
        # issuer left, date right (one character in from each edge), the red rule 4 mm below
        rule = f'<w:pBdr><w:bottom w:val="single" w:sz="12" w:space="{self.RULE_SPACE}" w:color="{RED}"/></w:pBdr>'
        style = Style(first=0, align="left")
        self.out.append(para(style, _spread(lh.issuer, cn_date(lh.date), style, CHAR_TW), extra_ppr=rule + _tabs(CHAR_TW)))

    MARK_GAP = -34  # calibrated against LibreOffice's PDF (tests/test_officedoc.py measures it)
    RULE_SPACE = 5  # points between the issuer/date line's box and the rule (≈ 4 mm below the characters)

    def title(self) -> None:
        self.out.append(blank())
        capacity = int(BLOCK_W * MM // (SIZE["二号"] * 10))
        lines = split_title(self.doc.title, capacity)
        self.out.append(para(TITLE, [Run("\n".join(lines))]))
        self.out.append(blank())

    # body --------------------------------------------------------------------------------------------------
    def block(self, block: Block, following: Block | None) -> None:
        if block.kind == "heading":
            text = block.text
            annex = _ANNEX.match(text)
            if annex and block.level <= 2:
                self.annex(annex.group(1), annex.group(2))
                return
            self.out.append(para(_heading_style(text, block.level), [Run(text)]))
        elif block.kind == "para":
            self.paragraph(block, following)
        elif block.kind == "item":
            runs = ([Run(block.marker + " ")] if block.marker else []) + block.runs
            self.out.append(para(BODY, runs))
        elif block.kind == "table":
            self.out.append(table(block))
        # a thematic break prints nothing

    def paragraph(self, block: Block, following: Block | None) -> None:
        text = block.text.strip()
        issuer = self.doc.letterhead.issuer
        if text.startswith("附件：") or text.startswith("附件:"):
            self.out.append(blank())
            self.out.append(para(BODY, block.runs))
            return
        if text == issuer:
            date = following.text.strip() if following is not None and following.kind == "para" else ""
            self.signature = (text, date if _CN_DATE.match(date) else "")
            self.out.append(blank())
            self.out.append(para(self._signed(text, date), [Run(text)]))
            return
        if _CN_DATE.match(text) and getattr(self, "signature", ("", ""))[1] == text:
            self.out.append(para(self._signed(text, text, date_line=True), [Run(text)]))
            return
        if block.all_bold and _LEVEL2.match(text):
            self.out.append(para(H2, [Run(r.text) for r in block.runs]))
            return
        if block.runs and block.runs[0].bold and _LEVEL2.match(block.runs[0].text):
            head, rest = block.runs[0], block.runs[1:]
            self.out.append(para(H2, [Run(head.text)] + [Run(r.text, r.bold) for r in rest]))
            return
        self.out.append(para(BODY, block.runs))

    def _signed(self, issuer: str, date: str, date_line: bool = False) -> Style:
        """署名 right, the date four characters in from the right (GB/T 9704 7.3.5.2), the issuer centred over it."""
        w_issuer, w_date = width_units(self.signature[0]), width_units(self.signature[1] or self.signature[0])
        date_right = 4.0
        issuer_right = date_right + (w_date - w_issuer) / 2
        if issuer_right < 2:
            date_right += 2 - issuer_right
            issuer_right = 2
        right = date_right if date_line else issuer_right
        return Style(first=0, align="right", right=round(right * CHAR_TW))

    def annex(self, number: str, name: str) -> None:
        """附件 on a new page: "附件" (with its number) in 3号黑体 flush left, its title centred on the third line."""
        self.in_annex = True
        self.out.append(para(Style(font=HEI, first=0, align="left", page_break=True, keep_next=True), f"附件{number}"))
        if name:
            self.out.append(blank())
            capacity = int(BLOCK_W * MM // (SIZE["二号"] * 10))
            self.out.append(para(TITLE, [Run("\n".join(split_title(name, capacity)))], extra_ppr="<w:keepNext/>"))
            self.out.append(blank())

    # 版记 --------------------------------------------------------------------------------------------------
    def imprint(self) -> str:
        """The 版记 as a text box anchored to the bottom of the text block on the page where the document
        ends: 抄送 (when there is one) and 印发 lines between a thick, a thin and a thick rule."""
        doc = self.doc
        thick = 'w:val="single" w:sz="8" w:space="1" w:color="000000"'  # 0.35 mm (GB/T 9704 7.4.1)
        thin = 'w:val="single" w:sz="6" w:space="1" w:color="000000"'  # 0.25 mm
        rows = []
        printed = [doc.printed_by, f"{cn_date(doc.printed_on)}印发" if doc.printed_on else ""]
        tabs = _tabs(SIZE["四号"] * 10)
        if doc.cc:
            border = f"<w:pBdr><w:top {thick}/><w:bottom {thin}/></w:pBdr>"
            cc = f"抄送：{doc.cc}" + ("" if doc.cc.endswith("。") else "。")
            rows.append(para(NOTE, _spread(cc, "", NOTE, SIZE["四号"] * 10), extra_ppr=border + tabs))
            border = f"<w:pBdr><w:bottom {thick}/></w:pBdr>"
        else:
            border = f"<w:pBdr><w:top {thick}/><w:bottom {thick}/></w:pBdr>"
        rows.append(para(NOTE, _spread(printed[0], printed[1], NOTE, SIZE["四号"] * 10), extra_ppr=border + tabs))
        height_pt = (len(rows) * NOTE.line) / 20 + 8
        box = _text_box("".join(rows), BLOCK_W, height_pt * 25.4 / 72)
        # as Word writes a text box: the DrawingML shape for whoever reads ``wps`` (Word 2010 on, WPS, LibreOffice)
        box = f'<mc:AlternateContent><mc:Choice Requires="wps">{box}</mc:Choice></mc:AlternateContent>'
        return f"<w:p>{Style(first=0, line=LINE).ppr()}<w:r>{box}</w:r></w:p>"


def _tabs(inset: int) -> str:
    """Tab stops ``inset`` twips in from each edge of the text block (left, and right-aligned)."""
    return f'<w:tabs><w:tab w:val="left" w:pos="{inset}"/><w:tab w:val="right" w:pos="{TEXT_TW - inset}"/></w:tabs>'


def _spread(left: str, right: str, style: Style, inset: int) -> list[Run]:
    """``left`` one tab in from the left edge and ``right`` against the right tab: a line whose paragraph
    (and so its border, a rule as wide as the text block) keeps no indent."""
    out = [Run("\t" + left)]
    if right:
        out.append(Run("\t" + right))
    return out


def _text_box(content: str, width_mm: float, height_mm: float) -> str:
    """A DrawingML text box as wide as the text block, its bottom on the text block's bottom edge, text
    wrapping above and below it (so it never covers the body), no line, no fill, no insets."""
    cx, cy = round(width_mm * 36000), round(height_mm * 36000)
    return (
        '<w:drawing><wp:anchor distT="0" distB="0" distL="0" distR="0" simplePos="0" relativeHeight="2" behindDoc="0" '
        'locked="1" layoutInCell="1" allowOverlap="0">'
        '<wp:simplePos x="0" y="0"/>'
        '<wp:positionH relativeFrom="margin"><wp:posOffset>0</wp:posOffset></wp:positionH>'
        '<wp:positionV relativeFrom="margin"><wp:align>bottom</wp:align></wp:positionV>'
        f'<wp:extent cx="{cx}" cy="{cy}"/><wp:effectExtent l="0" t="0" r="0" b="0"/><wp:wrapTopAndBottom/>'
        '<wp:docPr id="1" name="版记"/><wp:cNvGraphicFramePr/>'
        '<a:graphic xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main">'
        '<a:graphicData uri="http://schemas.microsoft.com/office/word/2010/wordprocessingShape">'
        '<wps:wsp><wps:cNvSpPr txBox="1"/>'
        f'<wps:spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="{cx}" cy="{cy}"/></a:xfrm>'
        '<a:prstGeom prst="rect"><a:avLst/></a:prstGeom><a:noFill/><a:ln><a:noFill/></a:ln></wps:spPr>'
        f'<wps:txbx><w:txbxContent>{content}</w:txbxContent></wps:txbx>'
        '<wps:bodyPr rot="0" vert="horz" wrap="square" lIns="0" tIns="0" rIns="0" bIns="0" anchor="b" anchorCtr="0">'
        '<a:noAutofit/></wps:bodyPr></wps:wsp></a:graphicData></a:graphic></wp:anchor></w:drawing>'
    )


# -- tables ----------------------------------------------------------------------------------------------


def table_layout(header: list[str], rows: list[list[str]], total: int = TEXT_TW) -> tuple[int, list[int]]:
    """(font size in half-points, column widths): 小四 when the long-text columns keep ``FLEX_MIN`` characters
    beside the others at full width (numbers and document numbers unbroken, other text in two lines at
    most), else 五号."""
    for size in TABLE_SIZES[:-1]:
        widths = column_widths(header, rows, total, size, strict=True)
        if widths:
            return size, widths
    return TABLE_SIZES[-1], column_widths(header, rows, total, TABLE_SIZES[-1])


TABLE_SIZES = (SIZE["小四"], 21)  # 小四, 五号


def column_widths(header: list[str], rows: list[list[str]], total: int, size: int = SIZE["小四"], strict: bool = False) -> list[int] | None:
    """Twips per column summing to ``total``.  Every column gets its longest cell (header included) when
    that fits; otherwise the long-text columns (事项, 最新进展) give way first, down to ``FLEX_MIN``
    characters, then the others down to two lines (numbers, dates and document numbers such as
    江府督办〔2026〕65号 not at all when ``strict``), then all alike.  ``strict``: None when that last step
    would be needed."""
    char = size * 10  # one character of the table's size, in twips
    pad = 2 * 60 + 40  # cell margins and a little
    cols = range(len(header))
    natural = [max(_cell_units(c) for c in [r[i] for r in rows if i < len(r)] + [header[i]]) for i in cols]
    room = (total - pad * len(header)) / char  # characters the table's cells hold side by side
    widths = list(natural)
    deficit = sum(natural) - room
    if deficit > 0:
        flex = [i for i in cols if natural[i] >= 14] or [natural.index(max(natural))]
        unbroken = [all(_cell_units(r[i]) <= 12 and any(ch.isdigit() for ch in r[i]) for r in rows if i < len(r) and r[i])
                    for i in cols]  # fmt: skip
        floor = [min(natural[i], FLEX_MIN) if i in flex else
                 natural[i] if strict and unbroken[i] else
                 max(_cell_units(part) for r in rows if i < len(r) for part in r[i].split(BREAK) + [header[i]]) if unbroken[i] else
                 max(2.0, min(natural[i], max(natural[i] / 2 + 0.5, min(4, width_units(header[i]))))) for i in cols]  # fmt: skip
        for group in ([i for i in cols if i in flex], [i for i in cols if i not in flex]):
            slack = sum(widths[i] - floor[i] for i in group)
            if slack <= 0 or deficit <= 0:
                continue
            take = min(deficit, slack)
            for i in group:
                widths[i] -= take * (widths[i] - floor[i]) / slack
            deficit -= take
        if strict and deficit > 0.01:
            return None
    if sum(widths) > room:  # still too wide: everything above a short header's own width gives way alike
        hard = [min(widths[i], width_units(header[i]) + 0.2 if width_units(header[i]) <= 4 else 2.0) for i in cols]
        give = (sum(widths) - room) / max(0.01, sum(widths) - sum(hard))
        widths = [h + (w - h) * max(0.0, 1 - give) for w, h in zip(widths, hard)]
    scale = room / sum(widths)
    twips = [round(w * scale * char + pad) for w in widths]
    twips[-1] += total - sum(twips)
    return twips


FLEX_MIN = 10  # characters a long-text column keeps at least
BREAK = "\u200b"  # a break opportunity: before the 〔 of a document number (江府督办 / 〔2026〕65号)
_DOC_NUMBER = re.compile(r"(?<=\S)〔(?=\d{4}〕)")


def _cell_units(text: str) -> float:
    """Like ``width_units``, with Latin letters and digits a little wider than half (the fallback fonts' are)."""
    return sum(1 if unicodedata.east_asian_width(c) in "WF" else 0.6 for c in text)


def table(block: Block) -> str:
    body = [[_DOC_NUMBER.sub(BREAK + "〔", c) for c in r] for r in block.rows]
    size, widths = table_layout(block.header, body, TEXT_TW)
    line = round(size * 10 * 1.3)
    border = 'w:val="single" w:sz="4" w:space="0" w:color="000000"'
    grid = "".join(f'<w:gridCol w:w="{w}"/>' for w in widths)
    tblpr = (
        f'<w:tblPr><w:tblW w:w="{TEXT_TW}" w:type="dxa"/><w:jc w:val="center"/><w:tblInd w:w="0" w:type="dxa"/>'
        f"<w:tblBorders><w:top {border}/><w:left {border}/><w:bottom {border}/><w:right {border}/>"
        f"<w:insideH {border}/><w:insideV {border}/></w:tblBorders><w:tblLayout w:type=\"fixed\"/>"
        '<w:tblCellMar><w:top w:w="30" w:type="dxa"/><w:left w:w="60" w:type="dxa"/><w:bottom w:w="30" w:type="dxa"/>'
        '<w:right w:w="60" w:type="dxa"/></w:tblCellMar><w:tblLook w:val="0000"/></w:tblPr>'
    )

    def row(cells, head=False):
        trpr = "<w:trPr><w:cantSplit/>" + ("<w:tblHeader/>" if head else "") + "</w:trPr>"
        out = []
        for i, (cell, w) in enumerate(zip(cells, widths)):
            align = "center" if head else {"right": "right", "center": "center"}.get(block.align[i] if i < len(block.align) else "", "left")
            style = HEAD_CELL if head else CELL
            style = Style(**{**style.__dict__, "align": align, "size": size, "line": line})
            out.append(f'<w:tc><w:tcPr><w:tcW w:w="{w}" w:type="dxa"/><w:vAlign w:val="center"/></w:tcPr>{para(style, cell)}</w:tc>')
        return f"<w:tr>{trpr}{''.join(out)}</w:tr>"

    rows = [row(block.header, head=True)] + [row(r) for r in body]
    # a table is followed by a paragraph in Word; an empty line also separates it from what follows
    return f"<w:tbl>{tblpr}<w:tblGrid>{grid}</w:tblGrid>{''.join(rows)}</w:tbl>"


# -- the package ------------------------------------------------------------------------------------------


def _page_number_footer(odd: bool) -> str:
    """"— N —" in 4号宋体, odd pages right and even pages left, one character in from the edge."""
    ind = f'<w:ind w:left="{0 if odd else SIZE["四号"] * 10}" w:right="{SIZE["四号"] * 10 if odd else 0}" w:firstLine="0"/>'
    ppr = f'<w:pPr><w:spacing w:before="0" w:after="0" w:line="{PAGE_NO.line}" w:lineRule="exact"/>{ind}<w:jc w:val="{"right" if odd else "left"}"/></w:pPr>'
    rpr = PAGE_NO.rpr()
    field = (f'<w:r>{rpr}<w:fldChar w:fldCharType="begin"/></w:r><w:r>{rpr}<w:instrText xml:space="preserve"> PAGE </w:instrText></w:r>'
             f'<w:r>{rpr}<w:fldChar w:fldCharType="separate"/></w:r><w:r>{rpr}<w:t>1</w:t></w:r><w:r>{rpr}<w:fldChar w:fldCharType="end"/></w:r>')  # fmt: skip
    return f"<w:p>{ppr}{_run('— ', rpr)}{field}{_run(' —', rpr)}</w:p>"


FOOTER_GAP = 7  # mm from the text block's bottom edge to the top of the page number's characters
FOOTER_TUNE = 1.0  # mm: LibreOffice sets the characters' top this far above the footer line's top


NS = (
    'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
    'xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" '
    'xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape" '
    'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"'
)
_BODY_SLOT = "DUCHA-BODY-SLOT"
_SKELETON: list[tuple[str, int, bytes]] | None = None  # the package's parts, made once per process


def _skeleton() -> list[tuple[str, int, bytes]]:
    """The parts of every document but its body and properties, made once with python-docx: the page, the
    styles, the odd and even page-number footers, the settings and the font table.  ``word/document.xml``
    carries ``_BODY_SLOT`` where the body goes."""
    global _SKELETON
    if _SKELETON is not None:
        return _SKELETON
    import zipfile

    import docx
    from docx.oxml import parse_xml
    from docx.shared import Mm

    d = docx.Document()
    _styles(d)
    body = d.element.body
    sect = body.find("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}sectPr")
    sect.addprevious(parse_xml(f'<w:p {NS}><w:r><w:t>{_BODY_SLOT}</w:t></w:r></w:p>'))
    section = d.sections[0]
    section.page_width, section.page_height = Mm(PAGE_W), Mm(PAGE_H)
    section.top_margin, section.bottom_margin = Mm(TOP), Mm(BOTTOM)
    section.left_margin, section.right_margin = Mm(LEFT), Mm(RIGHT)
    section.header_distance = Mm(15)
    section.footer_distance = Mm(BOTTOM - FOOTER_GAP - FOOTER_TUNE) - PAGE_NO.line * 635  # twips → EMU
    d.settings.odd_and_even_pages_header_footer = True
    for footer, odd in ((section.footer, True), (section.even_page_footer, False)):
        footer.is_linked_to_previous = False
        el = footer._element
        for p in list(el):
            el.remove(p)
        el.append(parse_xml(f"<w:ftr {NS}>{_page_number_footer(odd)}</w:ftr>")[0])
    _settings(d)
    _font_table(d)
    out = io.BytesIO()
    d.save(out)
    with zipfile.ZipFile(io.BytesIO(out.getvalue())) as z:
        parts = [(i.filename, i.external_attr, z.read(i.filename)) for i in z.infolist() if i.filename != "docProps/thumbnail.jpeg"]
    text = dict((n, d) for n, _, d in parts)
    xml = text["word/document.xml"]
    at = xml.index(_BODY_SLOT.encode())
    start, end = xml.rindex(b"<w:p", 0, at), xml.index(b"</w:p>", at) + len(b"</w:p>")
    xml = xml[:start] + _BODY_SLOT.encode() + xml[end:]
    parts = [(n, a, xml if n == "word/document.xml" else d) for n, a, d in parts]
    parts = [(n, a, re.sub(rb'<Relationship [^>]*thumbnail[^>]*/>', b"", d) if n == "_rels/.rels" else d) for n, a, d in parts]
    parts = [(n, a, re.sub(rb'<Override [^>]*thumbnail[^>]*/>', b"", d) if n == "[Content_Types].xml" else d) for n, a, d in parts]
    _SKELETON = parts
    return parts


def _core(doc: OfficialText, when: dt.datetime) -> bytes:
    stamp = when.strftime("%Y-%m-%dT%H:%M:%SZ")
    props = doc.properties

    def el(tag, value):
        return f"<{tag}>{_esc(str(value))}</{tag}>" if value else f"<{tag}/>"

    return (
        "<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n"
        '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
        'xmlns:dcmitype="http://purl.org/dc/dcmitype/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        + el("dc:title", doc.title) + el("dc:subject", props.get("subject")) + el("dc:creator", doc.letterhead.issuer)
        + el("cp:keywords", props.get("keywords")) + el("dc:description", props.get("description"))
        + el("cp:lastModifiedBy", "ducha") + "<cp:revision>1</cp:revision>"
        + f'<cp:lastPrinted>{stamp}</cp:lastPrinted>'
        + f'<dcterms:created xsi:type="dcterms:W3CDTF">{stamp}</dcterms:created>'
        + f'<dcterms:modified xsi:type="dcterms:W3CDTF">{stamp}</dcterms:modified>'
        + el("cp:category", doc.letterhead.mark) + "</cp:coreProperties>"
    ).encode("utf-8")


def build_docx(doc: OfficialText) -> bytes:
    """The .docx of ``doc``: the same bytes for the same content (every zip entry and the properties dated by
    the document's as-of day, or its date)."""
    import zipfile

    when = dt.datetime.combine(doc.properties.get("as_of") or doc.letterhead.date, dt.time())
    parts = _skeleton()
    xml = next(d for n, _, d in parts if n == "word/document.xml")
    section = re.search(rb"<w:sectPr\b.*?</w:sectPr>", xml, re.S).group(0)
    body = Composer(doc).compose(section.decode("utf-8")).encode("utf-8")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, attr, data in parts:
            if name == "word/document.xml":
                data = data.replace(_BODY_SLOT.encode(), body)
                if doc.imprint == "alone":  # the 版记's one-page section: its first-page footer, never defined, is blank
                    head, grid, tail = data.rpartition(b"<w:docGrid")
                    data = head + b"<w:titlePg/>" + grid + tail
            elif name == "docProps/core.xml":
                data = _core(doc, when)
            info = zipfile.ZipInfo(name, date_time=when.timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = attr
            z.writestr(info, data)
    return out.getvalue()


def _styles(d) -> None:
    """docDefaults: 3号仿宋, exact lines, zh-CN; no theme fonts."""
    from docx.oxml import parse_xml

    styles = d.styles.element
    w = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
    old = styles.find(f"{w}docDefaults")
    new = parse_xml(
        '<w:docDefaults xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        f'<w:rPrDefault>{BODY.rpr()[:-len("</w:rPr>")]}<w:lang w:val="zh-CN" w:eastAsia="zh-CN" w:bidi="ar-SA"/></w:rPr></w:rPrDefault>'
        f'<w:pPrDefault><w:pPr><w:widowControl w:val="0"/><w:spacing w:before="0" w:after="0" w:line="{LINE}" w:lineRule="exact"/>'
        '<w:jc w:val="both"/></w:pPr></w:pPrDefault></w:docDefaults>'
    )
    old.addprevious(new)
    styles.remove(old)


def _settings(d) -> None:
    w = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
    settings = d.settings.element
    lang = settings.find(f"{w}themeFontLang")
    if lang is not None:
        lang.set(f"{w}eastAsia", "zh-CN")
    for tag in ("rsids", "savePreviewPicture"):
        el = settings.find(f"{w}{tag}")
        if el is not None:
            settings.remove(el)
    w14 = "{http://schemas.microsoft.com/office/word/2010/wordml}docId"
    el = settings.find(w14)
    if el is not None:
        settings.remove(el)


def _font_table(d) -> None:
    """Name the office fonts in the font table with an ``altName`` (what Word substitutes where they are missing)."""
    part = next(p for p in d.part.package.iter_parts() if str(p.partname) == "/word/fontTable.xml")
    xml = part.blob.decode("utf-8")
    entries = "".join(
        f'<w:font w:name="{_esc(name)}"><w:altName w:val="{_esc(alt)}"/><w:charset w:val="86"/>'
        f'<w:family w:val="{"modern" if name in (FANGSONG, KAI, HEI) else "roman"}"/><w:pitch w:val="fixed"/></w:font>'
        for name, alt in ALT_NAMES.items()
    )
    xml = xml.replace("</w:fonts>", entries + "</w:fonts>")
    part._blob = xml.encode("utf-8")


def copy_blocks(blocks: list[Block]) -> list[Block]:
    return copy.deepcopy(blocks)


__all__ = ["OfficialText", "Letterhead", "build_docx", "parse", "split_title", "width_units", "FALLBACKS"]
