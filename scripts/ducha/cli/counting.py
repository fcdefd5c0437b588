"""``ducha stats``: figures, scores and the 统计口径."""

from __future__ import annotations

import json
from pathlib import Path

import click

from ..counting.stats import GROUPINGS
from ..ledger.checked import batch_scope
from .usage import Choice
from .common import AS_OF, REV, ROOT, WORKTREE, codes_for, library_errors, say_unread, stats_ledger_for


@click.command()
@AS_OF
@click.option("--by", "by", type=Choice(GROUPINGS), default="unit", show_default=True,
              help="分组：" + " | ".join(f"{k} {v}" for k, v in GROUPINGS.items()) + "。")  # fmt: skip
@click.option("--batch", default=None, help="只统计一次会议或一份文件的事项（ledger.yml 的 batches 中的代码或名称）。")
@click.option("--format", "fmt", type=Choice(["table", "json", "csv", "xlsx"]), default="table", show_default=True,
              help="输出格式；xlsx 每种分组一张工作表，另有事项明细、考核和统计口径，须同时给出 --output。")  # fmt: skip
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), default=None, help="写入文件而不是输出到屏幕。")
@click.option("--ids", is_flag=True, help="JSON 中给出每个数字所涉事项的编号（每组的 ids）。")
@click.option("--due-within", type=click.IntRange(0, 60), default=5, show_default=True, help="“即将到期”：截止日起多少个工作日内到期。")
@click.option("--scores", is_flag=True, help="输出各单位考核得分、名次和逐项加减分，而不是分组统计。")
@click.option("--basis", is_flag=True, help="输出统计口径（Markdown），说明每个数字如何计算。")
@WORKTREE
@REV
@ROOT
def stats(as_of, by, batch, fmt, output, ids, due_within, scores, basis, worktree, rev, root):
    """统计：办结率、按期办结率、超期、即将到期、灯色、进展报告与批阅时限、市长信箱办理率与回复率，
    按单位、类别、领导、月份、紧急程度分组；考核得分与排名。

    给出 --as-of 时按当天结束时（北京时间）主分支上的提交还原台账计算，结果注明提交编号，可复核；
    否则按工作区计算截至今天的数字。比率一律同时给出分子和分母。
    """
    from ..counting import export
    from ..counting import stats as stats_mod
    from ..counting.basis import basis_markdown
    from ..counting.scoring import score_units

    if fmt == "xlsx" and output is None:
        raise click.BadParameter("xlsx 格式须用 --output 指定文件。", param_hint="--output")
    ledger = stats_ledger_for(root, as_of, worktree, rev)
    say_unread(ledger)
    if batch is not None:
        batch = codes_for(ledger.rules, "batch", [batch], "--batch")[0]
    with library_errors():
        if batch is not None:
            ledger = batch_scope(ledger, batch)
        shown = None if fmt == "xlsx" else (by,)  # the xlsx has a sheet per grouping; the rest show one
        st = stats_mod.compute(ledger, ledger.as_of, due_within_days=due_within, groupings=shown)
        ranking = score_units(st) if scores or fmt == "xlsx" else None
        if basis:
            text = basis_markdown(ledger.rules, due_within)
        elif fmt == "xlsx":
            export.to_xlsx(st, ranking, output, basis=basis_markdown(ledger.rules, due_within))
            click.echo(f"已写入 {output}（截至 {st.as_of.isoformat()}，{('提交 ' + st.commit[:10]) if st.commit else '工作区'}）")
            return
        elif fmt == "json":
            data = export.scores_dict(st, ranking) if scores else export.stats_dict(st, by, ids=ids)
            text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
        elif fmt == "csv":
            text = export.scores_csv(ranking) if scores else export.to_csv(st, by)
        else:
            text = export.scores_table(ranking) if scores else export.to_table(st, by)
    if output:
        output.write_text(text, encoding="utf-8-sig" if fmt == "csv" else "utf-8")
        click.echo(f"已写入 {output}")
    else:
        click.echo(text, nl=False)
