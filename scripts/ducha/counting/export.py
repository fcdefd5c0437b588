"""Statistics out of the library: a JSON-ready dict, CSV, an Excel workbook, a text table.

Rates always travel with their counts: ``{"numerator", "denominator", "value"}`` in JSON, the two
count columns beside the rate column in CSV and Excel, ``60.0%（3/5）`` in the text table.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from pathlib import Path

from ..core import schema
from ..core.deadlines import LIGHTS
from ..core.formats import percent_format, rounded_percent
from .scoring import EVENTS, UnitScore
from .stats import COUNTS, GROUPINGS, RATES, Group, Stats, headers

AVERAGE_HEADER = "平均办结天数"

# what a spreadsheet reads as the start of a formula (OWASP, CSV injection), full-width forms included
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")


def safe_cell(value):
    """A value from the ledger or the history as a CSV or Excel cell that no spreadsheet runs as a formula:
    text starting with = + - @, a tab or a carriage return (or ＝＋－＠) gets a leading single quote, as
    OWASP advises; numbers, dates and empty cells stay as they are. Every writer here goes through it."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def group_dict(group: Group, ids: bool = False) -> dict:
    out: dict = {k: group.count(k) for k in COUNTS}
    for k in RATES:
        r = group.rate(k)
        out[k] = {"numerator": r.numerator, "denominator": r.denominator, "value": None if r.value is None else round(r.value, 4)}
    avg = group.days_to_close
    out["days_to_close"] = {"days": avg.days, "count": avg.count, "value": avg.value}
    if ids:
        out["ids"] = {k: list(group[k].ids) for k in COUNTS}
    return out


def stats_dict(stats: Stats, by: str = "unit", ids: bool = False) -> dict:
    by_groups = {}
    for g in stats.groups[by]:
        by_groups[g.key] = {"name": g.name, **group_dict(g, ids)}
    return {
        "as_of": stats.as_of.isoformat(),
        "commit": stats.commit,
        "group_by": by,
        "due_within_days": stats.due_within_days,
        "excluded": {k: (list(f.ids) if ids else f.count) for k, f in stats.excluded.items()},
        "unknown_years": list(stats.unknown_years),
        "corrected": list(stats.corrected) if ids else len(stats.corrected),
        "totals": group_dict(stats.totals, ids),
        "by": by_groups,
    }


def scores_dict(stats: Stats, scores: list[UnitScore]) -> dict:
    return {
        "as_of": stats.as_of.isoformat(),
        "commit": stats.commit,
        "units": [
            {
                "rank": u.rank,
                "unit": u.unit,
                "name": u.name,
                "score": u.score,
                "raw": u.raw,
                "base": u.base,
                "items": u.items,
                "lines": [
                    {"item": ln.item, "event": ln.event, "role": ln.role, "date": ln.date.isoformat() if ln.date else None,
                     "points": ln.points, "note": ln.note}
                    for ln in u.lines
                ],
            }
            for u in scores
        ],
    }


# -- rows (CSV and Excel share them) -----------------------------------------------------------


def columns(stats: Stats, grouping: str | None) -> list[tuple[str, str]]:
    """(key, Chinese header) of a grouping table; each rate right after its two counts' columns."""
    head = headers(stats.due_within_days)
    key_name = GROUPINGS.get(grouping, "分组")
    cols = [("key", f"{key_name}代码"), ("name", key_name)]
    done = set()
    for k in COUNTS:
        cols.append((k, head[k]))
        done.add(k)
        for rk, (name, num, den) in RATES.items():
            if rk not in done and num in done and den in done:
                cols.append((rk, name))
                done.add(rk)
    cols.append(("days_to_close", AVERAGE_HEADER))
    return cols


def _cell(group: Group, key: str, shown: bool = False):
    """``shown``: a rate as the percentage shown everywhere (rounded half up to the rules' decimals), for a
    sheet that formats it as a percentage; else its value to 4 decimals, as in JSON."""
    if key == "key":
        return group.key or "合计"
    if key == "name":
        return group.name
    if key in RATES:
        r = group.rate(key)
        if r.value is None:
            return None
        return float(rounded_percent(r.numerator, r.denominator, r.decimals) / 100) if shown else round(r.value, 4)
    if key == "days_to_close":
        return group.days_to_close.value
    return group.count(key)


def rows(stats: Stats, grouping: str, shown: bool = False) -> list[list]:
    cols = columns(stats, grouping)
    out = [[_cell(g, k, shown) for k, _ in cols] for g in stats.groups[grouping]]
    out.append([_cell(stats.totals, k, shown) for k, _ in cols])
    return out


def to_csv(stats: Stats, grouping: str) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow([h for _, h in columns(stats, grouping)])
    for row in rows(stats, grouping):
        w.writerow(["" if v is None else safe_cell(v) for v in row])
    return buf.getvalue()


def scores_csv(scores: list[UnitScore]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["名次", "单位代码", "单位", "得分", "未限定得分", "事项数", "事项", "事件", "身份", "日期", "分值", "说明"])
    for u in scores:
        for ln in u.lines or [None]:
            w.writerow([safe_cell(v) for v in [u.rank, u.unit, u.name, u.score, u.raw, u.items] + (
                [ln.item, EVENTS[ln.event], "牵头" if ln.role == "lead" else "配合", ln.date or "", ln.points, ln.note]
                if ln else [""] * 6)])  # fmt: skip
    return buf.getvalue()


ITEM_COLUMNS = [
    ("id", "编号"), ("title", "事项名称"), ("status", "状态"), ("light", "灯色"), ("category", "类别"),
    ("leader", "交办领导"), ("lead_unit", "牵头单位"), ("co_units", "配合单位"), ("urgency", "紧急程度"),
    ("assigned", "交办日期"), ("deadline", "有效期限"), ("deadline_source", "期限依据"), ("closed", "办结日期"),
    ("overdue_days", "超期天数"), ("days_to_close", "办结天数"), ("returned", "退回次数"), ("path", "文件"),
]  # fmt: skip
DEADLINE_SOURCES = {"extension": "批准延期", "deadline": "交办期限", "default": "类别默认期限", "none": "无期限"}


def item_rows(stats: Stats) -> list[list]:
    rules = stats.rules
    out = []
    for f in stats.items:
        cat = rules.categories.get(f.category)
        out.append([
            f.id, f.title, schema.STATUSES.get(f.status, f.status), LIGHTS.get(f.light, f.light),
            cat.name if cat else f.category, rules.leader_name(f.leader), rules.unit_name(f.lead_unit, stats.as_of),
            "、".join(rules.unit_name(u, stats.as_of) for u in f.co_units), schema.URGENCIES.get(f.urgency, f.urgency),
            f.assigned, f.deadline, DEADLINE_SOURCES.get(f.deadline_source, ""), f.closed, f.overdue_days or None,
            f.days_to_close, len(f.returned) or None, f.path,
        ])  # fmt: skip
    return out


# -- Excel -------------------------------------------------------------------------------------

SHEETS = {g: f"按{name}" for g, name in GROUPINGS.items()}


def to_xlsx(stats: Stats, scores: list[UnitScore] | None, target, basis: str | None = None) -> None:
    """One sheet per grouping (a 合计 row last), 事项明细, 考核 (when ``scores``), 统计口径 (when ``basis``)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    wb.remove(wb.active)
    bold = Font(bold=True)
    stamp = f"截至 {stats.as_of.isoformat()}，版本 {stats.commit or '工作区（含未提交的修改）'}"

    def sheet(title: str, head: list[str], body: list[list], percent_cols=(), date_cols=()):
        ws = wb.create_sheet(title)
        ws.append([stamp])
        ws.append(head)
        for c in ws[2]:
            c.font = bold
            c.alignment = Alignment(wrap_text=True, vertical="top")
        for row in body:
            ws.append([safe_cell(v) for v in row])
        for col in percent_cols:
            for (cell,) in ws.iter_rows(min_row=3, min_col=col, max_col=col):
                cell.number_format = percent_format(stats.rules.decimals)
        for col in date_cols:
            for (cell,) in ws.iter_rows(min_row=3, min_col=col, max_col=col):
                cell.number_format = "yyyy-mm-dd"
        for i, h in enumerate(head, 1):
            ws.column_dimensions[get_column_letter(i)].width = max(8, min(40, _width(h) + 2))
        ws.freeze_panes = "C3"
        return ws

    for grouping, title in SHEETS.items():
        cols = columns(stats, grouping)
        body = rows(stats, grouping, shown=True)
        ws = sheet(title, [h for _, h in cols], body, percent_cols=[i for i, (k, _) in enumerate(cols, 1) if k in RATES])
        for c in ws[ws.max_row]:
            c.font = bold
    date_cols = [i for i, (k, _) in enumerate(ITEM_COLUMNS, 1) if k in ("assigned", "deadline", "closed")]
    ws = sheet("事项明细", [h for _, h in ITEM_COLUMNS], item_rows(stats), date_cols=date_cols)
    ws.column_dimensions["B"].width = 40
    if scores is not None:
        lines = list(csv.reader(io.StringIO(scores_csv(scores))))
        body = [[_num(v) for v in row] for row in lines[1:]]
        sheet("考核", lines[0], body)
    if basis:
        ws = wb.create_sheet("统计口径")
        for line in basis.splitlines():
            ws.append([line])
        ws.column_dimensions["A"].width = 120
    if isinstance(target, (str, Path)):
        wb.save(str(target))
    else:
        wb.save(target)


def _num(v: str):
    try:
        return int(v)
    except ValueError:
        try:
            return float(v)
        except ValueError:
            return v


# -- text table ---------------------------------------------------------------------------------


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in str(text))


def _pad(text: str, width: int, right: bool = False) -> str:
    gap = " " * max(0, width - _width(text))
    return gap + text if right else text + gap


TABLE = ["total", "closed", "rate_closed", "due", "closed_on_time", "rate_on_time", "overdue_open", "closed_late",
         "due_soon", "light_red", "light_yellow"]  # fmt: skip


def to_table(stats: Stats, grouping: str) -> str:
    head = {**headers(stats.due_within_days), **{k: v[0] for k, v in RATES.items()}}

    columns = TABLE + (["open_no_deadline"] if stats.rules.open_ended else [])  # a category without a default deadline

    def cells(g: Group) -> list[str]:
        return [g.rate(k).text() if k in RATES else str(g.count(k)) for k in columns]

    groups = stats.groups[grouping] + [stats.totals]
    table = [[GROUPINGS[grouping]] + [head[k] for k in columns]] + [[g.name] + cells(g) for g in groups]
    widths = [max(_width(r[i]) for r in table) for i in range(len(table[0]))]
    lines = []
    for n, r in enumerate(table):
        lines.append("  ".join(_pad(c, widths[i], right=i > 0 and n > 0) for i, c in enumerate(r)).rstrip())
    t = stats.totals
    version = f"提交 {stats.commit[:10]}" if stats.commit else "工作区"
    lines += [
        "",
        f"截至 {stats.as_of.isoformat()}（{version}）：",
        f"  超期未说明原因 {t.count('overdue_unexplained')} 件；退回重办 {t.count('returned')} 次；"
        f"平均办结天数 {t.days_to_close.value if t.days_to_close.value is not None else '—'}（{t.days_to_close.count} 件）",
        f"  进展报告按时率 {t.rate('rate_progress').text()}；批阅按时率 {t.rate('rate_reading').text()}",
        f"  市长信箱办理率 {t.rate('rate_mailbox_handled').text()}；回复率 {t.rate('rate_mailbox_replied').text()}",
        "  未计入：" + "；".join(f"{name} {stats.excluded[k].count} 件" for k, name in
                               {"draft": "拟办", "not_assigned": "尚未交办", "cancelled": "已撤销"}.items()),  # fmt: skip
    ]
    if stats.unknown_years:
        years = "、".join(str(y) for y in stats.unknown_years)
        lines.append(f"  注意：期限计算涉及 {years} 年，该年节假日安排尚未收录，暂按周末休息计算。")
    return "\n".join(lines) + "\n"


def scores_table(scores: list[UnitScore], detail: bool = True) -> str:
    lines = []
    for u in scores:
        capped = f"（未限定 {u.raw}）" if u.raw != u.score else ""
        lines.append(f"{u.rank:>3}  {_pad(u.name, 24)}  {u.score}{capped}  事项 {u.items} 件")
        if detail:
            for ln in u.lines:
                sign = "+" if ln.points > 0 else ""
                role = "" if ln.role == "lead" else "（配合）"
                lines.append(f"       {sign}{ln.points}  {ln.item}{role} {EVENTS[ln.event]}：{ln.note}")
    return "\n".join(lines) + "\n"
