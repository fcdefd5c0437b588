"""A bulletin's 附件 as a spreadsheet: the scope's whole item list (督查事项办理情况汇总表) with each item's
status, 序时进度 and latest progress, recomputed from the commit and as-of the bulletin records, so the
file offered beside a bulletin can never drift from it (``bulletin annex``, the site's bulletin pages).
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile

from ..core.findings import DuchaError
from ..files.write import stable_zip
from .drafting import ItemCatalog, annex_order

COLUMNS = ("序号", "编号", "事项", "会议（文件）及序号", "牵头单位", "配合单位", "交办日期", "办理期限", "状态",
           "办理情况", "序时进度", "完成比例", "最新进展")  # fmt: skip


def annex_rows(ledger, source, only=None) -> list[list]:
    """One row per counted item of the bulletin's scope, in the 附件's order (``annex_order``); ``only``: the
    ids that may be shown (the site leaves out what it does not publish)."""
    catalog = ItemCatalog(ledger, source.stats)
    rows = []
    ids = [i for i in annex_order(ledger.rules, source.stats.items) if only is None or i in only]
    for n, item_id in enumerate(ids, 1):
        i = catalog(item_id)
        share = i.pace_figures[0] if i.pace_figures else None
        rows.append([
            n, i.number, i.title, f"{i.batch_title}{i.ref}" if i.seq is not None else i.batch_title, i.lead_unit_name,
            "、".join(i.co_unit_names), i.assigned, i.deadline or "无", i.status_label,
            "" if i.status == "closed" else i.due_text, i.pace_label, share or "", i.latest or "（未报告）",
        ])  # fmt: skip
    return rows


def annex_workbook(bulletin, ledger, source, only=None) -> bytes:
    """The .xlsx of a bulletin's 附件: a title line, the commit and as-of line, the header, one row per item
    (of ``only`` when given: the rest are said to be left out)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter
    from openpyxl.writer.excel import ExcelWriter

    from ..counting.export import safe_cell

    meta = bulletin.meta
    wb = Workbook()
    ws = wb.active
    ws.title = "督查事项办理情况汇总表"
    ws.append([f"{bulletin.display_number} {bulletin.title} 附件：督查事项办理情况汇总表"])
    rows = annex_rows(ledger, source, only)
    left_out = len(source.stats.items) - len(rows)
    ws.append([f"数据截至 {meta['as_of'].isoformat()}，依据台账提交 {source.stats.commit}；共 {len(source.stats.items)} 件"
               + (f"，其中 {left_out} 件不在本站公开，未列出" if left_out else "")])
    ws.append(list(COLUMNS))
    for cell in ws[3]:
        cell.font = Font(bold=True)
    for row in rows:
        ws.append([safe_cell(v) for v in row])
    widths = {"序号": 6, "编号": 20, "事项": 40, "会议（文件）及序号": 28, "牵头单位": 22, "最新进展": 60}
    for col, head in enumerate(COLUMNS, 1):
        ws.column_dimensions[get_column_letter(col)].width = widths.get(head, 12)
        if head in ("事项", "最新进展", "会议（文件）及序号"):
            for (cell,) in ws.iter_rows(min_row=4, min_col=col, max_col=col):
                cell.alignment = Alignment(wrap_text=True, vertical="top")
        if head in ("交办日期", "办理期限"):
            for (cell,) in ws.iter_rows(min_row=4, min_col=col, max_col=col):
                cell.number_format = "yyyy-mm-dd"
    ws.freeze_panes = "C4"
    ws.print_title_rows = "3:3"  # the header repeats on every printed page
    when = dt.datetime.combine(meta["as_of"], dt.time())  # dated by what it states: the same bytes in every build
    wb.properties.title = f"{bulletin.display_number} 附件"
    wb.properties.description = f"as_of={meta['as_of'].isoformat()} commit={source.stats.commit}"
    wb.properties.creator = wb.properties.last_modified_by = "ducha"
    wb.properties.created = wb.properties.modified = when
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(wb, archive).save()  # not ``wb.save``: that stamps the time of saving
    return stable_zip(out.getvalue(), when)


def bulletin_annex(root, bulletin) -> bytes:
    """The 附件 spreadsheet of ``bulletin``, from its recorded commit and as-of (verified first: a bulletin whose
    figures no longer match gets no attachment that would pretend otherwise)."""
    from .verify import Verifier

    verifier = Verifier(root)
    check = verifier.verify(bulletin)
    if check.status != "ok" or check.source is None:
        raise DuchaError(f"{bulletin.path} 的数字未能按其提交核对一致（{check.message}），不生成附件清单；"
                         "请先运行通报核对并改正。")
    return annex_workbook(bulletin, verifier.ledger(check.commit, check.source.spec.as_of), check.source)
