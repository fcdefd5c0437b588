"""History: ``ducha history`` (one item's commits) and ``ducha audit`` (the whole ledger's)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from ..core import schema as schema_mod
from ..core.formats import beijing, with_label
from ..core.paths import ITEMS_DIR
from ..ledger.rulesfile import load_rules
from .usage import Choice
from .common import today, AsOf, FORMAT, ROOT, library_errors, root_dir, say


# the audit CSV's columns (AuditFinding's fields, in order) and their headers
AUDIT_CSV = {"code": "代码", "item": "事项", "field": "字段", "commit": "提交", "author": "提交人", "date": with_label("提交时间"),
             "landed": "入账日", "message": "说明", "review": "复核结论", "key": "复核编号"}  # fmt: skip


def _history(root, rev="HEAD", signatures=False):
    from ..history.commits import load_history

    with library_errors():
        h = load_history(root_dir(root), rev=rev, signatures=signatures)
    for notice in h.notices:
        say(notice.text)
    return h


def _value(v) -> str:
    if v is None:
        return "（无）"
    if isinstance(v, dict):
        return "；".join(f"{k}: {_value(x)}" for k, x in v.items())
    if isinstance(v, list):
        return "、".join(_value(x) for x in v)
    text = str(v).strip().replace("\n", " ")
    return text if len(text) <= 60 else text[:59] + "…"


@click.command()
@click.argument("item_id")
@click.option("--rev", default="HEAD", show_default=True, help="沿哪个分支的第一父提交链读取历史。")
@FORMAT
@ROOT
def history(item_id, rev, fmt, root):
    """一个事项的修改时间线（从早到晚）：谁、何时、在哪个提交改了哪些字段。

    改名或移动到其他年份目录的文件保持同一条时间线；合并请求记在合并提交上。
    """
    from ..history.itemlog import register

    from ..core.findings import LedgerError

    h = _history(root, rev)
    try:
        rules = load_rules(root_dir(root) / ITEMS_DIR, root_dir(root))
    except LedgerError:  # the history is read all the same, units and leaders named by their codes
        rules = None
    steps = register(h, item_id, rules)
    if not steps:
        raise click.ClickException(f"历史中没有编号为 {item_id} 的事项。")
    if fmt == "json":
        click.echo(json.dumps(schema_mod.jsonable([s.as_json() for s in steps]), ensure_ascii=False, indent=2))
        return
    for s in steps:
        merged = f"  合并：{s.merged_by}" if s.merged_by else ""
        click.echo(f"{s.time_text}  {s.commit[:10]}  {s.action_label}  修改人：{'、'.join(s.made_by)}{merged}")
        click.echo(f"    {s.message.splitlines()[0] if s.message else ''}")
        if s.changes:
            click.echo(f"    {'；'.join(s.changes)}")
        for r in s.records:
            when = f" {r.date.isoformat()}" if r.date else ""
            who = f" {r.who}" if r.who else ""
            gone = "（后被改写）" if r.overwritten else ""
            click.echo(f"    · {r.kind}{gone}{when}{who}{'：' + _value(r.text) if r.text else ''}")


@click.command()
@click.option("--since", type=AsOf(), default=None, help="只看这一天及以后的提交（北京时间）。")
@click.option("--until", type=AsOf(), default=None, help="只看这一天及以前的提交（北京时间）。")
@click.option("--rev", default="HEAD", show_default=True, help="审计哪个分支（沿第一父提交链）。")
@click.option("--as-of", "as_of", type=AsOf(), default=None, help="审计截止日（默认今天）：提交时间晚于这一天的提交本身就是审计发现。")
@click.option("--format", "fmt", type=Choice(["text", "json", "csv"]), default="text", show_default=True, help="输出格式。")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="写入文件而不是输出到屏幕（CSV 带 BOM，Excel 直接打开不乱码）。")  # fmt: skip
@ROOT
def audit(since, until, rev, as_of, fmt, output, root):
    """审计台账的提交历史：倒签日期、未经批准改期限、改动已办结事项、删除事项、
    绕过合并请求、名单外提交人、缺少签名、历史被改写。

    发现问题时仍以 0 退出（审计发现供核实，不是校验错误）；无法读取历史时以 1 退出。
    """
    from ..review.audit import audit_repository

    if output and fmt == "text":
        raise click.BadParameter("写入文件请同时用 --format csv 或 --format json。", param_hint="--output")
    root = root_dir(root)
    with library_errors():
        rules = load_rules(root / ITEMS_DIR, root)
        result = audit_repository(root, rules, since, until, rev, as_of=as_of or today())
    for notice in result.notices:
        say(notice.text)
    findings = result.findings
    rows = [f.as_dict() for f in findings]
    if fmt in ("json", "csv"):
        text = json.dumps(rows, ensure_ascii=False, indent=2) + "\n" if fmt == "json" else _audit_csv(findings, rows)
        if output:
            output.write_text(text, encoding="utf-8-sig" if fmt == "csv" else "utf-8")
            click.echo(f"已写入 {output}（{len(findings)} 条审计发现）")
        else:
            click.echo(text, nl=False)
        return
    from ..core import codes

    from ..ledger.register import DECISION_LABELS

    for f in findings:
        where = f" {f.item}" if f.item else ""
        review = f"  [{DECISION_LABELS[f.review]}]" if f.review else ""
        click.echo(f"{beijing(f.date)}  {f.landed} 入账  {f.commit[:10]}  {f.code} {codes.get(f.code).title}{where}：{f.message}（{f.author}）{review}")
        click.echo(f"    复核编号 {f.key}")
    reviewed = [f for f in findings if f.review]
    accepted = sum(f.review == "accepted" for f in reviewed)
    if not findings:
        click.echo("共 0 条审计发现。")
        return
    click.echo(f"共 {len(findings)} 条审计发现：待复核 {len(findings) - len(reviewed)} 条，已复核 {len(reviewed)} 条"
               f"（属实已核 {accepted}，不予认可 {len(reviewed) - accepted}）。")  # fmt: skip


def _audit_csv(findings, rows) -> str:
    """The findings as CSV with Chinese headers (AUDIT_CSV), commit times in Beijing time."""
    import csv
    import io

    from ..counting.export import safe_cell
    from ..ledger.register import DECISION_LABELS

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(AUDIT_CSV.values())
    for f, row in zip(findings, rows):
        row = {**row, "key": f.key, "review": DECISION_LABELS.get(f.review, "待复核")}
        writer.writerow([safe_cell(beijing(row[k], label=False) if k == "date" else row[k]) for k in AUDIT_CSV])
    return buffer.getvalue()
