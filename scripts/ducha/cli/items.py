"""The items: ``ducha list``, ``show``, ``new`` and ``import``."""

from __future__ import annotations

import json
from pathlib import Path

import click

from ..core import schema as schema_mod
from ..core.deadlines import LIGHTS, standing
from ..core.findings import format_text
from ..core.names import names_of
from ..ledger.sources import load_ledger
from ..core.paths import ITEMS_DIR
from ..ledger.rulesfile import load_rules
from .usage import Choice
from .common import AS_OF, AsOf, FORMAT, REV, ROOT, WORKTREE, codes_for, hint_text, library_errors, load_for, root_dir, say_unread, today


def _item_row(item, ledger, cal=None):
    rules = ledger.rules
    cal = cal or rules.calendar()
    st = standing(item, rules, cal, ledger.as_of)
    return {
        "id": item.id,
        "number": rules.display_number(item.id),
        "title": item.title,
        "status": item.status,
        "light": st.light,
        "lead_unit": item["lead_unit"],
        "category": item["category"],
        "deadline": st.date.isoformat() if st.date else None,
        "batch": item.get("batch"),
        "seq": item.get("seq"),
        "pace": st.pace.cls if st.pace else None,  # 序时进度 class of an item with a measurable target
        "path": item.path,
    }


@click.command("list")
@click.option("--status", type=Choice(schema_mod.STATUSES), multiple=True, help="按状态筛选（可多次）。")
@click.option("--unit", multiple=True, help="按牵头单位筛选（代码、全称或简称，如 zjj、市住建局；可多次）。")
@click.option("--category", multiple=True, help="按类别筛选（代码或名称，如 leader_instruction、领导批示件；可多次）。")
@click.option("--light", "lights", type=Choice(LIGHTS), multiple=True, help="按灯色筛选（可多次）。")
@click.option("--overdue", is_flag=True, help="只列超期未办结事项。")
@click.option("--batch", default=None, help="只列一次会议或一份文件的事项（batches 中的代码或名称），按序号排列。")
@AS_OF
@FORMAT
@WORKTREE
@REV
@ROOT
def list_(status, unit, category, lights, overdue, batch, as_of, fmt, worktree, rev, root):
    """列出事项，可按状态、单位、类别、灯色、会议或文件筛选。"""
    from ..ledger.checked import batch_scope

    ledger = load_for(root, as_of, worktree=worktree, rev=rev)
    say_unread(ledger)
    unit = codes_for(ledger.rules, "unit", unit, "--unit")
    category = codes_for(ledger.rules, "category", category, "--category")
    if batch is not None:
        batch = codes_for(ledger.rules, "batch", [batch], "--batch")[0]
        with library_errors(fmt):
            ledger = batch_scope(ledger, batch)
    rows = []
    cal = ledger.rules.calendar()  # one calendar, so working days are cached across rows
    items = ledger.sorted_items()
    if batch is not None:  # in the order of the meeting's (document's) own list
        items.sort(key=lambda i: (i.get("seq") is None, i.get("seq") or 0, i.id))
    for item in items:
        if status and item.status not in status:
            continue
        if unit and item["lead_unit"] not in unit:
            continue
        if category and item["category"] not in category:
            continue
        row = _item_row(item, ledger, cal)
        if lights and row["light"] not in lights:
            continue
        if overdue and row["light"] != "red":
            continue
        rows.append(row)
    if fmt == "json":
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    rules = ledger.rules
    for r in rows:
        seq = f"第{r['seq']}项  " if batch is not None and r["seq"] else ""
        click.echo(
            f"{seq}{r['id']}  {schema_mod.STATUSES[r['status']]:<4}  {LIGHTS[r['light']]:<4}  "
            f"{r['deadline'] or '无期限':<10}  {rules.unit_name(r['lead_unit'])}  {r['title']}"
        )
    click.echo(f"共 {len(rows)} 项（截至 {ledger.as_of.isoformat()}）。")


@click.command()
@click.argument("item_id")
@AS_OF
@FORMAT
@WORKTREE
@REV
@ROOT
def show(item_id, as_of, fmt, worktree, rev, root):
    """显示一个事项：字段、有效期限及其由来、灯色。"""
    ledger = load_for(root, as_of, worktree=worktree, rev=rev)
    item = ledger.items.get(item_id)
    if item is None:
        raise click.ClickException(f"台账中没有编号为 {item_id} 的事项（或该事项文件有错误，请先运行 ducha check）。")
    rules = ledger.rules
    cal = rules.calendar()
    st = standing(item, rules, cal, ledger.as_of)
    dl, lt = st.deadline, st.light
    if fmt == "json":
        click.echo(
            json.dumps(
                {
                    **schema_mod.jsonable(item.data),
                    "number": rules.display_number(item.id),
                    "path": item.path,
                    "effective_deadline": dl.date.isoformat() if dl and dl.date else None,
                    "deadline_basis": dl.explanation if dl else None,
                    "light": lt,
                    "pace": st.pace.as_dict() if st.pace else None,
                    "as_of": ledger.as_of.isoformat(),
                },
                ensure_ascii=False,
                indent=2,
            )
        )
        return
    d = item.data
    lines = [
        f"{rules.display_number(item.id)}  {item.id}",
        f"事项：{d['title']}",
        f"类别：{rules.categories[d['category']].name}    来源：{d['source']}",
        f"交办领导：{rules.leader_name(d['leader'])}",
        f"牵头单位：{rules.unit_name(d['lead_unit'], item.assigned)}"
        + (f"    配合单位：{'、'.join(rules.unit_name(u, item.assigned) for u in d.get('co_units') or [])}" if d.get("co_units") else ""),
        *([f"会议或文件：{rules.batch_label(d.get('batch'), d.get('seq'))}"] if d.get("batch") else []),
        f"交办日期：{item.assigned}    紧急程度：{schema_mod.URGENCIES[d['urgency']]}    密级：{schema_mod.SECRECY[d['secrecy']]}",
        f"状态：{schema_mod.STATUSES[item.status]}    灯色：{LIGHTS[lt]}（截至 {ledger.as_of}）",
    ]
    if dl:
        lines.append(f"有效期限：{dl.date or '无期限'}（{dl.explanation}）")
    if st.pace:
        from ..core.pace import measure_text

        lines.append(f"序时进度：目标{measure_text(d['target'])}，{st.pace.text()}")
    trust = ledger.trust
    for c in trust.corrections.get(item.id, []) if trust is not None else []:
        written = "（无）" if c.written is None else c.written
        lines.append(f"核查：{c.label} 文件写 {written}，按 {c.counted} 计——{c.reason}（{c.code}）")
    from ..core.record import events

    lines.append("办理过程：")
    for e in events(ledger.written.get(item.id, item), rules):
        who = f" {e.who}" if e.who else ""
        text = f"：{e.text.strip()}" if e.text else ""
        lines.append(f"  {e.date} {e.kind}{who}{text}")
        if e.reason:
            lines.append(f"    说明原因：{e.reason.strip()}")
    lines.append(f"文件：{item.path}")
    click.echo("\n".join(lines))


@click.command()
@click.option("--title", help="事项名称。")
@click.option("--category", help="类别（ledger.yml 的 categories 中的代码或名称）。")
@click.option("--source", help="来源：会议纪要、文件号、批示件、来信。")
@click.option("--leader", help="交办领导（代码、姓名或称呼，如 mayor_zhang、张建国、张市长）。")
@click.option("--lead-unit", help="牵头单位（代码、全称或简称，如 zjj、市住建局）。")
@click.option("--co-unit", "co_units", multiple=True, help="配合单位（代码、全称或简称；可多次）。")
@click.option("--assigned", type=AsOf(), default=None, help="交办日期（默认今天）。")
@click.option("--deadline", type=AsOf(), default=None, help="办理期限（不写则按类别默认期限）。")
@click.option("--urgency", type=Choice(schema_mod.URGENCIES), default="normal", show_default=True, help="紧急程度。")
@click.option("--secrecy", type=Choice(schema_mod.SECRECY), default="internal", show_default=True, help="密级。")
@click.option("--summary", "summary_text", default=None, help="交办内容与具体要求。")
@click.option("--target", "target_text", default=None, help="可量化的目标（按序时进度评价）：目标值和计量单位，如 3200户、6万人。")
@click.option("--target-name", default=None, help="目标的指标名称，如 棚户区改造新开工（与 --target 一起用）。")
@ROOT
def new(title, category, source, leader, lead_unit, co_units, assigned, deadline, urgency, secrecy, summary_text, target_text,
        target_name, root):
    """登记一个新事项（状态为拟办），自动分配下一个编号。

    缺少的必填项会逐项询问；也可全部用选项给出（适合脚本）。
    """
    from ..intake.importer import parse_target
    from ..intake.newitem import ids_ever_committed, write_new_item
    from ..core.validate import Checker

    target, why = parse_target(target_text, name=target_name or "") if target_text else (None, "")
    if why:
        raise click.UsageError(f"--target：{why}。")
    if target_name and not target_text:
        raise click.UsageError("写了 --target-name，但没有写 --target（目标值和计量单位，如 3200户）。")
    root = root_dir(root)
    with library_errors():
        rules = load_rules(root / ITEMS_DIR, root)

    names = names_of(rules)

    def ask(value, prompt, kind, option):
        """The code ``value`` names, or the one chosen from a numbered list of codes and names."""
        if value:
            return codes_for(rules, kind, [value], option)[0]
        codes = list(names.choices(kind))
        listing = "\n".join(f"  {n:>2}. {names.label(kind, c)}" for n, c in enumerate(codes, 1))
        click.echo(listing)
        while True:
            answer = click.prompt(f"{prompt}（输入序号、代码或名称）", prompt_suffix="：").strip()
            if answer.isdigit() and 1 <= int(answer) <= len(codes):
                return codes[int(answer) - 1]
            code, why = names.code_for(kind, answer)
            if code is not None:
                return code
            click.echo(f"{why}请重新输入。", err=True)

    title = title or click.prompt("事项名称", prompt_suffix="：")
    category = ask(category, "类别", "category", "--category")
    source = source or click.prompt("来源（会议纪要、文件号、批示件、来信）", prompt_suffix="：")
    leader = ask(leader, "交办领导", "leader", "--leader")
    lead_unit = ask(lead_unit, "牵头单位", "unit", "--lead-unit")
    co_units = codes_for(rules, "unit", co_units, "--co-unit")
    assigned = assigned or today()
    data = {
        "title": title,
        "category": category,
        "source": source,
        "leader": leader,
        "lead_unit": lead_unit,
        "co_units": list(co_units),
        "assigned": assigned,
        "deadline": deadline,
        "urgency": urgency,
        "secrecy": secrecy,
        "status": "draft",
        "summary": summary_text,
        "target": target,
    }
    item_id, path = write_new_item(root / ITEMS_DIR, data, used=ids_ever_committed(root))
    shown = path.relative_to(root).as_posix()
    item, findings = Checker(rules, max(assigned, today())).load(path.read_bytes(), shown, path.stem)
    errors = [f for f in findings if f.is_error]
    if errors:
        path.unlink()
        click.echo(format_text(errors), err=True)
        raise click.ClickException("新事项未通过校验，已撤回，未写入任何文件。")
    click.echo(f"已登记 {item_id}（{rules.display_number(item_id)}）：{shown}")
    click.echo("下一步：补充拟办意见（approval），经领导审批后改为已交办（assigned），提交合并请求。")


@click.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--category", default=None, help="事项类别代码（表中没有“类别”列时必填），如 work_report_target。")
@click.option("--source", default=None, help="来源（表中没有“来源”列时必填），如“《2026年市政府工作报告》目标任务分解”；各行自动加“第N项”。")
@click.option("--batch", default=None, help="这张表是哪次会议或哪份文件的任务清单（batches 中的代码）：各事项记入该批次，序号列即其序号；不写 --source 时来源为该批次名称。")
@click.option("--leader", default=None, help="交办领导代码（表中没有“责任领导”列或该格为空时用）。")
@click.option("--assigned", type=AsOf(), default=None, help="交办日期（默认今天）。")
@click.option("--urgency", type=Choice(schema_mod.URGENCIES), default="normal", show_default=True, help="紧急程度（表中没有“紧急程度”列时）。")
@click.option("--secrecy", type=Choice(schema_mod.SECRECY), default="internal", show_default=True, help="密级。")
@click.option("--approved-by", default=None, help="分解方案已经该领导审定：事项直接登记为已交办，拟办意见记为按分解方案落实。默认登记为拟办。")
@click.option("--sheet", default=None, help="工作表名称（默认第一个工作表）。")
@click.option("--dry-run", is_flag=True, help="试运行：只显示将登记哪些事项，不写任何文件。")
@click.option("--sample", is_flag=True, help="不导入，而是把一份示例任务分解表写到 FILE。")
@ROOT
def import_(file, category, source, batch, leader, assigned, urgency, secrecy, approved_by, sheet, dry_run, sample, root):
    """导入任务分解表（.xlsx）：每行一个事项（序号、事项、牵头单位、配合单位、完成时限、责任领导……）。

    单位名称按全称、曾用名、常用简称（如“市发改委”）或代码匹配；“各区县政府”展开为各区县。
    逐行校验，有任何一行出错则列出所有错误（第几行、哪一列），不登记任何事项。
    """
    from ..intake.importer import COLUMN_NAMES, plan_import, write_import, write_sample
    from ..intake.newitem import ids_ever_committed

    if sample:
        with library_errors():
            write_sample(file)
        click.echo(f"已写出示例任务分解表：{file}")
        click.echo(f"试导入：ducha import {file} --category meeting_decision --source 市政府第25次常务会议纪要 --dry-run")
        return
    if not Path(file).is_file():
        raise click.BadParameter(f"文件“{file}”不存在。", param_hint="FILE")
    root = root_dir(root)
    with library_errors():
        rules = load_rules(root / ITEMS_DIR, root)
        ledger = load_ledger(root, today())
        used = ids_ever_committed(root)
        plan = plan_import(
            file, rules, ledger.items, root / ITEMS_DIR,
            category=category, source=source, leader=leader, assigned=assigned or today(), urgency=urgency,
            secrecy=secrecy, approved_by=approved_by, sheet=sheet, today=today(), used=used, batch=batch,
        )  # fmt: skip
    head = f"{file}：工作表“{plan.sheet}”，表头在第 {plan.header_row} 行"
    cols = "、".join(f"{COLUMN_NAMES[k]} {v}" for k, v in plan.columns.items())
    if plan.errors:
        click.echo(f"{head}（识别的列：{cols}）。", err=True)
        for e in plan.errors:
            click.echo(f"  {e.text()}{hint_text(e.hint)}", err=True)
        rows = len({e.row for e in plan.errors})
        raise click.ClickException(f"{rows} 行有错误（共 {len(plan.errors)} 处），未登记任何事项；请改正后重新导入。")
    status = "已交办" if approved_by else "拟办"
    click.echo(f"{head}（识别的列：{cols}）。")
    click.echo(f"{'将' if dry_run else '已'}登记 {len(plan.items)} 个事项（状态：{status}）：")
    written = dict() if dry_run else {i: p for i, p in write_import(plan, root / ITEMS_DIR, used)}
    for p in plan.items:
        d = p.data
        co = "、".join(rules.unit_name(u, d["assigned"]) for u in d.get("co_units") or [])
        click.echo(f"  第 {p.row} 行  {p.item_id}  {d['title']}")
        click.echo(f"      牵头：{rules.unit_name(d['lead_unit'], d['assigned'])}（{d['lead_unit']}）" + (f"  配合：{co}" if co else ""))
        click.echo(f"      交办领导：{rules.leader_name(d['leader'])}  交办：{d['assigned']}  期限：{d.get('deadline') or '按类别默认期限'}  来源：{d['source']}")
        if p.notes:
            click.echo(f"      说明：{'；'.join(p.notes)}")
    if plan.skipped:
        click.echo("跳过：" + "；".join(f"第 {n} 行 {why}" for n, why in plan.skipped) + "。")
    if dry_run:
        click.echo("试运行：未写入任何文件。去掉 --dry-run 即登记以上事项（编号以实际写入时为准）。")
    else:
        click.echo(f"已写入 {len(written)} 个事项文件到 items/{plan.items[0].data['assigned'].year}/；请运行 ducha check 后提交合并请求。")
