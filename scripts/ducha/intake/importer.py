"""Importing a task-decomposition sheet (任务分解表, .xlsx) as new items.

The usual way 政府工作报告 targets or a meeting's decisions are split among units: one row per task,
with 序号 / 事项 / 牵头单位 / 配合单位 / 完成时限 / 责任领导 ... columns under a title row.  Unit and
leader names are matched to the codes of the rules (full names, former names, the usual short forms
such as 市发改委, and codes); deadlines may be dates or the words such sheets use (12月底前, 三季度末,
年底前).  Every row is checked like ``ducha check`` checks a file; nothing is written unless every row is
valid (``plan_import`` then ``write_import``).
"""

from __future__ import annotations

import calendar as _calendar
import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..core import schema
from ..core.findings import DuchaError, Hint
from ..core.names import names_of
from ..core.rules import Rules, current_units, successor

# column key -> header names a sheet may use (matched after removing spaces and bracketed notes)
COLUMNS = {
    "seq": ("序号", "编号", "序"),
    "title": ("事项", "事项名称", "工作任务", "重点任务", "目标任务", "主要目标任务", "任务", "任务内容", "具体任务",
              "议定事项", "决定事项", "工作事项", "督办事项"),
    "summary": ("具体要求", "工作要求", "目标要求", "主要内容", "工作措施", "任务要求"),
    "note": ("备注",),
    "lead_unit": ("牵头单位", "牵头部门", "责任单位", "主办单位", "承办单位", "责任部门"),
    "co_units": ("配合单位", "配合部门", "协办单位", "参与单位", "协同单位"),
    "deadline": ("完成时限", "办理时限", "办理期限", "完成时间", "办结时限", "时限", "完成期限"),
    "leader": ("责任领导", "分管领导", "责任市领导", "分管市领导", "牵头市领导", "交办领导"),
    "category": ("类别", "事项类别"),
    "source": ("来源", "事项来源"),
    "urgency": ("紧急程度", "缓急"),
    "assigned": ("交办日期", "交办时间"),
    # a measurable target (序时进度): 目标值 3200 with 计量单位 户 (or 3200户 / 6万人 in one cell), its 指标 name
    "target_value": ("目标值", "目标数", "年度目标值", "全年目标", "目标数值", "量化目标"),
    "target_unit": ("计量单位", "目标单位"),
    "target_name": ("指标", "指标名称", "量化指标"),
}  # fmt: skip
COLUMN_NAMES = {"seq": "序号", "title": "事项", "summary": "具体要求", "lead_unit": "牵头单位", "co_units": "配合单位",
                "deadline": "完成时限", "leader": "责任领导", "category": "类别", "source": "来源",
                "urgency": "紧急程度", "assigned": "交办日期", "note": "备注", "target_value": "目标值",
                "target_unit": "计量单位", "target_name": "指标"}  # fmt: skip
# item field (as findings name it) -> column key
FIELD_COLUMNS = {"title": "title", "summary": "summary", "lead_unit": "lead_unit", "co_units": "co_units",
                 "deadline": "deadline", "leader": "leader", "category": "category", "source": "source",
                 "urgency": "urgency", "assigned": "assigned", "target": "target_value"}  # fmt: skip
_SPLIT = re.compile(r"[、，,；;／/\s]+")
_SPLIT_MARKS = re.compile(r"[、，,；;／/]+")
_BRACKETS = re.compile(r"[（(【\[].*?[）)】\]]")
_QUARTERS = {"一": 3, "1": 3, "二": 6, "2": 6, "三": 9, "3": 9, "四": 12, "4": 12}
_CN_MONTHS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10, "十一": 11, "十二": 12}


class ImportError_(DuchaError):
    """The sheet cannot be read at all (not an .xlsx file, no header row, no such sheet)."""


@dataclass
class RowError:
    row: int  # the sheet's row number (1-based, as Excel shows it)
    column: str | None  # column key; None: the whole row
    letter: str | None
    message: str
    hint: Hint | None = None  # what the whole import could be given instead (the adapter words it)

    def text(self) -> str:
        where = f"第 {self.row} 行"
        if self.column:
            where += f" {self.letter} 列（{COLUMN_NAMES.get(self.column, self.column)}）" if self.letter else f"（{COLUMN_NAMES.get(self.column, self.column)}）"
        return f"{where}：{self.message}"


@dataclass
class PlannedItem:
    row: int
    seq: str
    data: dict
    notes: list[str] = field(default_factory=list)
    item_id: str = ""


@dataclass
class ImportPlan:
    path: str
    sheet: str
    header_row: int
    columns: dict[str, str]  # column key -> letter
    items: list[PlannedItem] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    skipped: list[tuple[int, str]] = field(default_factory=list)  # (row, why)

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.items)


# -- matching names to codes ---------------------------------------------------------------------


def match_unit(rules: Rules, text: str, on: dt.date) -> tuple[str | None, str]:
    """(code, note) for a unit written in a sheet; (None, why) when it cannot be matched unambiguously.

    The names of the rules (``core.names``): the code; the current name; a former name; a short form
    (市发改委 → 市发展和改革委员会), which must fit exactly one unit.  A unit merged into another before
    ``on`` becomes the one that took it over.
    """
    names = names_of(rules)
    raw = text.strip()
    res = names.resolve("unit", raw)
    if res.ambiguous:
        shown = "、".join(f"{rules.units[c].name}（{c}）" for c in res.ambiguous)
        return None, f"“{raw}”可能是 {shown}，请写全称或单位代码"
    if res.code is None:
        close = f"；是否指 {'、'.join(names.label('unit', c) for c in res.closest)}" if res.closest else ""
        return None, f"“{raw}”不是台账规则中登记的单位（请写全称、常用简称或单位代码，见 items/ledger.yml 的 units）{close}"
    code = res.code
    note = {"former": f"“{raw}”为曾用名", "short": f"“{raw}”按简称匹配"}.get(res.how, "")
    later = successor(rules, code, on)
    if later != code:
        note = (note + "；" if note else "") + f"{rules.units[code].name}已并入{rules.unit_name(later, on)}"
        code = later
    return code, note


_ALL_OF_KIND = {
    "district": re.compile(r"^各区[、（(]?县[）)]?(?:人民)?政府$|^各区县$"),
    "township": re.compile(r"^各乡镇[（(、]?街道[）)]?(?:办事处)?$|^各乡镇人民政府[、，]?街道办事处$"),
}
_KIND_NAMES = {"district": "各区县政府", "township": "各乡镇（街道）"}


def match_units(rules: Rules, text: str, on: dt.date) -> list[tuple[str | None, str]]:
    """Every unit a cell names, split at 、，; and spaces; 各区县政府 / 各乡镇（街道） name every unit of that kind."""
    out: list[tuple[str | None, str]] = []
    pieces = []
    for piece in (x.strip() for x in _SPLIT_MARKS.split(text or "")):  # 市 财政局 is one unit, 市财政局 市民政局 two
        whole = names_of(rules).resolve("unit", piece) if re.search(r"\s", piece) else None
        pieces += [piece] if whole is None or whole.code is not None else [x for x in piece.split() if x]
    for name in (x for x in pieces if x):
        kind = next((k for k, rx in _ALL_OF_KIND.items() if rx.match(name)), None)
        if kind:
            codes = [c for c in current_units(rules, on) if rules.units[c].kind == kind]
            if not codes:
                out.append((None, f"“{name}”：台账规则中没有这类单位"))
            for n, c in enumerate(codes):
                out.append((c, f"“{name}”即 {'、'.join(rules.unit_name(x, on) for x in codes)}" if n == 0 else ""))
            continue
        out.append(match_unit(rules, name, on))
    return out


def match_leader(rules: Rules, text: str) -> tuple[str | None, str]:
    """A leader by code, name (张建国, 市长张建国) or how people address them (张市长, 王副市长)."""
    res = names_of(rules).resolve("leader", text)
    if res.code is not None:
        return res.code, ""
    if res.ambiguous:
        return None, names_of(rules).advice("leader", res).rstrip("。")
    return None, f"“{text.strip()}”不是台账规则中登记的领导（写姓名，如 {next(iter(rules.leaders.values()))['name']}，或领导代码）"


def match_category(rules: Rules, text: str) -> str | None:
    return names_of(rules).resolve("category", text).code


# -- deadlines ---------------------------------------------------------------------------------------


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, _calendar.monthrange(year, month)[1])


def parse_deadline(value, year: int, on: dt.date | None = None) -> tuple[dt.date | None, str]:
    """(date, "") or (None, why).  Words name the last day they allow: 6月底前 → 06-30, 12月31日前 → 12-31,
    三季度 → 09-30, 年底前 → 12-31, 11月中旬 → 11-20, 季度末 → the end of the quarter of ``on`` (the day of
    assignment); a year not written is ``year`` (the year of assignment)."""
    if isinstance(value, dt.datetime):
        return value.date(), ""
    if isinstance(value, dt.date):
        return value, ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if 20000 < value < 80000:  # an Excel date serial number in a cell not formatted as a date
            return dt.date(1899, 12, 30) + dt.timedelta(days=int(value)), ""
        return None, f"“{value}”不是日期"
    text = re.sub(r"\s+", "", str(value))
    text = re.sub(r"(之前|以前|前|止)$", "", text)
    m = re.fullmatch(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?", text)
    if m:
        try:
            return dt.date(int(m[1]), int(m[2]), int(m[3])), ""
        except ValueError:
            return None, f"“{value}”不是有效日期"
    m = re.fullmatch(r"(\d{1,2})月(\d{1,2})日", text)
    if m:
        try:
            return dt.date(year, int(m[1]), int(m[2])), ""
        except ValueError:
            return None, f"“{value}”不是有效日期"
    if re.fullmatch(r"(?:本|当)?季度(?:末|底)", text):
        if on is None:
            return None, f"“{value}”没有写明哪个季度（可写 三季度末）"
        return _month_end(on.year, (on.month - 1) // 3 * 3 + 3), ""
    m = re.fullmatch(r"(?:(\d{4})年)?(\d{1,2}|十[一二]?|[一二三四五六七八九])月(份|底|末|上旬|中旬|下旬)?", text)
    if m:
        y = int(m[1]) if m[1] else year
        month = int(m[2]) if m[2].isdigit() else _CN_MONTHS.get(m[2], 0)
        if not 1 <= month <= 12:
            return None, f"“{value}”中的月份不对"
        day = {"上旬": 10, "中旬": 20}.get(m[3] or "")
        return (dt.date(y, month, day) if day else _month_end(y, month)), ""
    m = re.fullmatch(r"(?:(\d{4})年)?(?:第)?([一二三四1234])季度(?:末|底)?", text)
    if m:
        y = int(m[1]) if m[1] else year
        return _month_end(y, _QUARTERS[m[2]]), ""
    m = re.fullmatch(r"(?:(\d{4})年)?(年底|年末|年内|全年|上半年|下半年|底|末)", text)
    if m:
        y = int(m[1]) if m[1] else year
        return (dt.date(y, 6, 30) if m[2] == "上半年" else dt.date(y, 12, 31)), ""
    if re.search(r"长期|持续|常态|每年|每月|按月|按季", text):
        return None, f"“{value}”不是具体期限；督办事项须有办理期限，请写明日期（如 {year}-12-31）或拆成分阶段的事项"
    return None, f"“{value}”无法识别为日期（可写 {year}-06-30、{year}年6月30日、6月底前、三季度末、年底前）"


# -- reading the sheet ---------------------------------------------------------------------------------


def _norm_header(value) -> str:
    return _BRACKETS.sub("", re.sub(r"\s+", "", str(value or "")))


def _header_key(text: str) -> str | None:
    for key, names in COLUMNS.items():
        if text in names:
            return key
    for key, names in COLUMNS.items():  # 完成时限（年月日） / 牵头单位名称 ...
        if any(text.startswith(n) for n in names if len(n) >= 2):
            return key
    return None


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def read_sheet(path: Path, sheet: str | None = None):
    """(sheet title, header row number, {key: (column index, letter)}, [(row number, [values])])."""
    import zipfile

    from openpyxl import load_workbook
    from openpyxl.utils import get_column_letter
    from openpyxl.utils.exceptions import InvalidFileException

    if not Path(path).is_file():
        raise ImportError_(f"找不到文件 {path}。")
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except InvalidFileException:  # named .txt, .xls, .csv …: openpyxl says so in English
        raise ImportError_(f"无法读取 {path}：只能导入 .xlsx 文件（Excel 工作簿）。.xls、.csv、.et 等请在 WPS/Excel 中“另存为 Excel 工作簿（*.xlsx）”。") from None
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise ImportError_(f"无法读取 {path}：不是有效的 .xlsx 文件（{exc}）。WPS/Excel 中请“另存为 Excel 工作簿（*.xlsx）”。") from None
    try:
        if sheet is not None and sheet not in wb.sheetnames:
            raise ImportError_(f"{path} 中没有名为“{sheet}”的工作表；有：{'、'.join(wb.sheetnames)}。")
        ws = wb[sheet] if sheet else wb.worksheets[0]
        rows = [(n, list(r)) for n, r in enumerate(ws.iter_rows(values_only=True), 1)]
    finally:
        wb.close()
    for n, values in rows[:15]:
        keys: dict[str, tuple[int, str]] = {}
        for i, v in enumerate(values):
            key = _header_key(_norm_header(v))
            if key and key not in keys:
                keys[key] = (i, get_column_letter(i + 1))
        if "title" in keys and "lead_unit" in keys:
            return ws.title, n, keys, [(m, vals) for m, vals in rows if m > n]
    raise ImportError_(
        f"{path} 的工作表“{ws.title}”前 15 行中找不到表头：至少要有“事项”（或 工作任务、重点任务）和“牵头单位”（或 责任单位）两列。"
    )


# -- planning --------------------------------------------------------------------------------------


@dataclass
class _Given:
    """The values given for the whole sheet (a column, where the sheet has one, overrides them row by row)."""

    category: str | None
    source: str | None
    leader: str | None
    assigned: dt.date
    urgency: str
    secrecy: str
    approved_by: str | None
    meeting: str | None = None  # the batch (meeting, document) every row belongs to; 序号 from the sheet


@dataclass
class _Batch:
    """One import under way: what every row is read against, and what the rows so far have taken."""

    rules: Rules
    cols: dict[str, tuple[int, str]]  # column key -> (index, letter)
    given: _Given
    plan: ImportPlan
    checker: object  # core.validate.Checker
    existing: set  # (title, source) of the ledger's items
    seen: dict[tuple, int]  # (title, source) -> the first row that had it
    year: int
    seq_next: int


@dataclass
class _Row:
    """One item row being planned: its cells, the item so far, what it notes and what is wrong with it."""

    n: int
    cell: dict
    text: dict[str, str]
    letters: dict[str, str]
    data: dict = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    def err(self, col, message, hint=None):
        self.errors.append(RowError(self.n, col, self.letters.get(col) if col else None, message, hint))


def _check_given(rules: Rules, cols: dict, given: _Given) -> None:
    """Resolve the given values to codes (a name or title that names exactly one thing will do) and refuse
    those the rules do not know, and a missing column nothing is given for."""
    names = names_of(rules)
    for param, kind in (("category", "category"), ("leader", "leader"), ("approved_by", "leader")):
        value = getattr(given, param)
        if value is not None:
            code, why = names.code_for(kind, value)
            if code is None:
                raise ImportError_(why.replace("领导“", "审批领导“" if param == "approved_by" else "交办领导“"), hint=Hint(param))
            setattr(given, param, code)
    if "category" not in cols and given.category is None:
        raise ImportError_("表中没有“类别”列，须统一指定这些事项的类别（如 work_report_target）。", hint=Hint("category"))
    if given.meeting is not None and given.meeting not in rules.batches:
        raise ImportError_(rules.unknown_batch(given.meeting, what="会议或文件"), hint=Hint("batch"))
    if given.meeting is not None and not given.source:
        given.source = rules.batches[given.meeting].title
    if "source" not in cols and not given.source:
        raise ImportError_("表中没有“来源”列，须统一写明来源（如“《2026年市政府工作报告》目标任务分解”）。", hint=Hint("source"))
    if "leader" not in cols and given.leader is None:
        raise ImportError_("表中没有“责任领导”列，须统一指定交办领导。", hint=Hint("leader"))


def plan_import(
    path: Path,
    rules: Rules,
    ledger_items: dict,
    items_dir: Path,
    *,
    category: str | None = None,
    source: str | None = None,
    leader: str | None = None,
    assigned: dt.date,
    urgency: str = "normal",
    secrecy: str = "internal",
    approved_by: str | None = None,
    sheet: str | None = None,
    today: dt.date | None = None,
    used=(),
    batch: str | None = None,
) -> ImportPlan:
    """Read and check every row; assign the ids the items would get (never one in ``used``).  Writes nothing."""
    from .newitem import next_sequence
    from ..core.validate import Checker

    title, header_row, cols, rows = read_sheet(Path(path), sheet)
    plan = ImportPlan(str(path), title, header_row, {k: v[1] for k, v in cols.items()})
    given = _Given(category, source, leader, assigned, urgency, secrecy, approved_by, batch)
    _check_given(rules, cols, given)
    batch = _Batch(
        rules, cols, given, plan,
        checker=Checker(rules, max(assigned, today or assigned)),
        existing={(i.get("title"), i.get("source")) for i in ledger_items.values()},
        seen={},
        year=assigned.year,
        seq_next=next_sequence(Path(items_dir) / str(assigned.year), assigned.year, used),
    )  # fmt: skip
    for n, values in rows:
        _plan_row(batch, n, values)
    if not plan.items and not plan.errors:
        plan.errors.append(RowError(header_row, None, None, "表头之下没有任何事项行"))
    return plan


def _plan_row(batch: _Batch, n: int, values: list) -> None:
    """Plan one sheet row: skip a blank row or a group heading, else add its item or its errors to the plan."""
    plan = batch.plan
    cell = {k: values[i] if i < len(values) else None for k, (i, _) in batch.cols.items()}
    text = {k: _cell_text(v) for k, v in cell.items()}
    if not any(text.values()):
        return
    if not text.get("title") and not text.get("lead_unit"):
        label = next((t for t in text.values() if t), "")
        plan.skipped.append((n, f"分组标题“{label}”" if label else "空行"))
        return
    row = _Row(n, cell, text, plan.columns)
    _row_title(row)
    _row_category(batch, row)
    _row_source(batch, row)
    _row_leader(batch, row)
    _row_assigned(batch, row)
    _row_units(batch, row)
    _row_deadline(row)
    _row_urgency(batch, row)
    row.data["secrecy"] = batch.given.secrecy
    _row_summary(row)
    _row_target(row)
    _row_status(batch, row)
    _row_duplicate(batch, row)
    if not row.errors:
        _row_as_item(batch, row)
    plan.errors += row.errors


def _row_title(row: _Row) -> None:
    if not row.text.get("title"):
        row.err("title", "事项为空")
    elif len(row.text["title"]) > 200:
        row.err("title", f"事项有 {len(row.text['title'])} 字，超过 200 字；请在“事项”列写简短名称，详细内容写在“具体要求”列")
    row.data["title"] = " ".join(row.text.get("title", "").split())


def _row_category(batch: _Batch, row: _Row) -> None:
    rules, text = batch.rules, row.text
    cat = batch.given.category
    if text.get("category"):
        cat = match_category(rules, text["category"])
        if cat is None:
            row.err("category", f"“{text['category']}”不是台账规则中的类别；可选：{'、'.join(c.name for c in rules.categories.values())}")
    row.data["category"] = cat


def _row_source(batch: _Batch, row: _Row) -> None:
    text = row.text
    src = text.get("source") or batch.given.source or ""
    if text.get("seq") and not text.get("source"):
        src = f"{src}第{text['seq']}项"
    row.data["source"] = src
    meeting = batch.given.meeting
    if meeting is not None:  # the sheet is one meeting's (document's) list: its 序号 is the item's seq
        row.data["batch"] = meeting
        seq = str(text.get("seq") or "").strip().rstrip("．.、")
        if seq.isdigit() and int(seq) >= 1:
            row.data["seq"] = int(seq)
        elif seq:
            row.err("seq", f"序号“{text['seq']}”不是正整数，无法作为该事项在会议或文件中的序号。")


def _row_leader(batch: _Batch, row: _Row) -> None:
    rules, text, leader = batch.rules, row.text, batch.given.leader
    lead_leader = leader
    if text.get("leader"):
        names = [x for x in _SPLIT.split(text["leader"]) if x]
        lead_leader, why = match_leader(rules, names[0])
        if lead_leader is None:
            row.err("leader", why)
        elif len(names) > 1:
            row.notes.append(f"责任领导写了 {len(names)} 位，以第一位 {rules.leader_name(lead_leader)} 为交办领导")
    if not lead_leader and "leader" in batch.cols and not text.get("leader") and leader is None:
        row.err("leader", "责任领导为空（也可为整张表统一指定交办领导）", hint=Hint("leader"))
    row.data["leader"] = lead_leader


def _row_assigned(batch: _Batch, row: _Row) -> None:
    day = batch.given.assigned
    if row.text.get("assigned"):
        got, why = parse_deadline(row.cell["assigned"], batch.year)
        if got is None:
            row.err("assigned", why.replace("期限", "交办日期"))
        else:
            day = got
    row.data["assigned"] = day


def _row_units(batch: _Batch, row: _Row) -> None:
    """The lead unit (the first one named; any others co-handle) and the co-handling units."""
    rules, text, notes, day = batch.rules, row.text, row.notes, row.data["assigned"]
    leads: list[str] = []
    if not text.get("lead_unit"):
        row.err("lead_unit", "牵头单位为空")
    else:
        for code, note in match_units(rules, text["lead_unit"], day):
            if code is None:
                row.err("lead_unit", note)
            else:
                leads.append(code)
                if note:
                    notes.append(note)
    co: list[str] = []
    for code, note in match_units(rules, text.get("co_units", ""), day):
        if code is None:
            row.err("co_units", note)
        else:
            co.append(code)
            if note and note not in notes:
                notes.append(note)
    if leads:
        row.data["lead_unit"] = leads[0]
        if len(leads) > 1:
            names = "、".join(rules.unit_name(c, day) for c in leads[1:])
            notes.append(f"牵头单位写了 {len(leads)} 个，以第一个为牵头单位，{names} 列为配合单位")
        co = [c for c in dict.fromkeys(leads[1:] + co) if c != leads[0]]
    row.data["co_units"] = co


def _row_deadline(row: _Row) -> None:
    text, cell, day = row.text, row.cell, row.data["assigned"]
    if not text.get("deadline"):
        row.notes.append("未写完成时限，按类别默认期限")
        return
    got, why = parse_deadline(cell["deadline"], day.year, day)
    if got is not None and got < day and isinstance(cell["deadline"], str) and not re.search(r"\d{4}", cell["deadline"]):
        got, why = parse_deadline(cell["deadline"], day.year + 1, day)  # 一季度 written in November: next year's
        row.notes.append(f"完成时限“{text['deadline']}”未写年份，按 {got.year} 年计")
    if got is None:
        row.err("deadline", why)
    elif got < day:
        row.err("deadline", f"完成时限 {got} 早于交办日期 {day}")
    else:
        row.data["deadline"] = got


def _row_urgency(batch: _Batch, row: _Row) -> None:
    urgency = batch.given.urgency
    urg = urgency
    if row.text.get("urgency"):
        urg = next((k for k, v in schema.URGENCIES.items() if row.text["urgency"] in (k, v)), None)
        if urg is None:
            row.err("urgency", f"“{row.text['urgency']}”不在：{'、'.join(schema.URGENCIES.values())}")
    row.data["urgency"] = urg or urgency


def _row_summary(row: _Row) -> None:
    parts = [row.text.get("summary", ""), f"备注：{row.text['note']}" if row.text.get("note") else ""]
    row.data["summary"] = "\n".join(t for t in parts if t) or None


_TARGET = re.compile(r"^(\d+(?:\.\d+)?)\s*(万|亿)?\s*(.*)$")
_SCALE = {None: 1, "万": 10_000, "亿": 100_000_000}


def parse_target(value, unit: str = "", name: str = "") -> tuple[dict | None, str]:
    """(target, "") or (None, why) for a sheet's 目标值 cell: 3200 with 计量单位 户, 3200户, 6万人 (60000 人),
    1.5万个; the unit from its own column when the sheet has one."""
    if isinstance(value, bool) or value is None or str(value).strip() == "":
        return None, ""
    if isinstance(value, (int, float)):
        number, rest = value, ""
    else:
        m = _TARGET.match(str(value).strip().replace(",", "").replace("，", ""))
        if m is None:
            return None, f"目标值“{value}”不是数字（应写如 3200、3200户、6万人）"
        number = float(m.group(1)) * _SCALE[m.group(2)]
        rest = m.group(3).strip()
    unit = (unit or "").strip() or rest
    if not unit:
        return None, f"目标值“{value}”没有计量单位（在“计量单位”列写，或写成 3200户）"
    if number <= 0:
        return None, f"目标值“{value}”应大于 0"
    number = int(number) if float(number).is_integer() else number
    return {"value": number, "unit": unit, **({"name": name.strip()} if name and name.strip() else {})}, ""


def _row_target(row: _Row) -> None:
    """A measurable target from the 目标值 / 计量单位 / 指标 columns, when the sheet has them."""
    text = row.text
    if not text.get("target_value"):
        if text.get("target_unit") or text.get("target_name"):
            row.err("target_value", "写了计量单位或指标，但目标值为空")
        return
    target, why = parse_target(row.cell["target_value"], text.get("target_unit", ""), text.get("target_name", ""))
    if target is None:
        row.err("target_value", why)
    else:
        row.data["target"] = target


def _row_status(batch: _Batch, row: _Row) -> None:
    """Assigned, with the approval, when an approving leader is given; else a draft."""
    data, approved_by = row.data, batch.given.approved_by
    if approved_by:
        day = data["assigned"]
        lead_name = batch.rules.unit_name(data.get("lead_unit", ""), day)
        data["status"] = "assigned"
        data["approval"] = {"opinion": f"按{data['source']}分解落实，由{lead_name}牵头办理。", "by": approved_by, "date": day}
    else:
        data["status"] = "draft"


def _row_duplicate(batch: _Batch, row: _Row) -> None:
    """A row already in the ledger, or repeating an earlier row (same title and source)."""
    data, seen = row.data, batch.seen
    dup_key = (data["title"], data["source"])
    if data["title"] and dup_key in batch.existing:
        row.err("title", "台账中已有同一来源的同名事项，可能已经导入过；请删去这一行")
    elif data["title"] and dup_key in seen:
        row.err("title", f"与第 {seen[dup_key]} 行重复")
    seen.setdefault(dup_key, row.n)


def _row_as_item(batch: _Batch, row: _Row) -> None:
    """Check the file this row would become as ``ducha check`` would; plan it as an item if nothing is wrong."""
    from .newitem import dump_item

    year, plan, day = batch.year, batch.plan, row.data["assigned"]
    item_id = f"DC-{year}-{batch.seq_next + len(plan.items):04d}"
    record = {k: v for k, v in row.data.items() if v not in (None, "", [])}
    raw = dump_item({**record, "id": item_id}).encode("utf-8")
    _, findings = batch.checker.load(raw, f"items/{year}/{item_id}.yml", item_id)
    for f in findings:
        if f.is_error:
            col = FIELD_COLUMNS.get(f.field.split(".")[0].split("[")[0])
            row.err(col, f"{f.message}（{f.code}）")
    if row.errors:
        return
    if day.year != year:
        row.err("assigned", f"交办日期 {day} 不在 {year} 年；同一次导入的事项须在同一年度交办（可统一指定交办日期）", hint=Hint("assigned"))
    else:
        plan.items.append(PlannedItem(row.n, row.text.get("seq", ""), record, row.notes, item_id))


def write_import(plan: ImportPlan, items_dir: Path, used=()) -> list[tuple[str, Path]]:
    """Write every planned item (next free ids, none in ``used``); on any failure remove what was written and re-raise."""
    from .newitem import write_new_item

    if not plan.ok:
        raise DuchaError("导入表有错误，未登记任何事项。")
    written: list[tuple[str, Path]] = []
    try:
        for p in plan.items:
            item_id, path = write_new_item(items_dir, p.data, year=p.data["assigned"].year, used=used)
            p.item_id = item_id
            written.append((item_id, path))
    except BaseException:
        for _, path in written:
            path.unlink(missing_ok=True)
        raise
    return written


# -- the sample sheet ----------------------------------------------------------------------------------

SAMPLE_TITLE = "市政府第25次常务会议议定事项任务分解表"
SAMPLE_HEADER = ["序号", "事项", "具体要求", "牵头单位", "配合单位", "责任领导", "完成时限", "备注"]
SAMPLE_ROWS = [
    ["一、稳增长、扩内需", None, None, None, None, None, None, None],
    [1, "加快推进2027年市级重大项目前期工作", "完成2027年市级重大项目清单编制，首批30个项目完成立项、用地预审和环评批复。",
     "市发改委", "市自然资源和规划局、市生态环境局、市财政局", "李文华", "2027年1月31日", None],
    [2, "落实稳就业政策，做好冬春季农民工返乡就业服务", "开展“春风行动”专场招聘会不少于20场，落实一次性扩岗补助。",
     "市人社局", "市财政局、各区县政府", "陈静", "2027年3月底", None],
    [3, "推进城区公交站台提质改造", "年内完成城区120个破损公交站台改造，增设候车亭60座。",
     "市交通局", "市城管局、和平区政府、江华区政府", "王晓东", "年底前", None],
    ["二、保民生、优服务", None, None, None, None, None, None, None],
    [4, "推进“一网通办”市民服务事项迁移上线", "12月底前完成87项高频市民服务事项迁移上线。",
     "市大数据管理中心", "市政务服务中心", "孙立新", dt.date(2026, 12, 31), "原市大数据管理中心承担"],
    [5, "做好冬季流感等呼吸道传染病防控", "落实发热门诊24小时开诊，加强重点人群疫苗接种。",
     "市卫健委", "市教育局、市民政局", "陈静", "12月中旬", None],
    [6, "开展冬季电梯安全专项检查", "对使用15年以上的老旧电梯逐台检查，重大隐患立即停用整改。",
     "市市场监管局", "市住建局、和平区政府", "赵志刚", "一季度", None],
]  # fmt: skip


def write_sample(path: Path) -> Path:
    """Write the sample 任务分解表 (never over an existing file)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    path = Path(path)
    if path.exists():
        raise DuchaError(f"{path} 已存在，未覆盖。")
    wb = Workbook()
    ws = wb.active
    ws.title = "任务分解"
    ws.append([SAMPLE_TITLE])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(SAMPLE_HEADER))
    ws["A1"].font = Font(bold=True, size=14)
    ws["A1"].alignment = Alignment(horizontal="center")
    ws.append(SAMPLE_HEADER)
    for cell in ws[2]:
        cell.font = Font(bold=True)
    for row in SAMPLE_ROWS:
        ws.append(row)
    for row in ws.iter_rows(min_row=3):
        if isinstance(row[6].value, dt.date):
            row[6].number_format = "yyyy-mm-dd"
    for letter, width in zip("ABCDEFGH", (6, 36, 48, 18, 30, 10, 14, 18)):
        ws.column_dimensions[letter].width = width
    wb.save(path)
    return path
