"""Documents: ``ducha bulletin new|verify`` and ``ducha notice``."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from ..core.findings import format_text
from .usage import Choice
from ..core.paths import ITEMS_DIR
from ..ledger.rulesfile import load_rules
from .common import AS_OF, AsOf, FORMAT, REV, ROOT, WORKTREE, codes_for, library_errors, load_for, root_dir, say, today


@click.group()
def bulletin():
    """督查通报、督查专报、督查通知、政务督查：起草（new）和核对数字（verify）。"""


@bulletin.command("new")
@click.option("--kind", required=True, help="类别：通报、专报、通知、政务督查（或 bulletin、special、notice、briefing）。")
@click.option(
    "--as-of",
    type=AsOf(),
    default=None,
    help="数字截至哪一天（默认今天）：按当天结束时（北京时间）主分支上最后一次提交还原台账计算，并把该提交记入通报。",
)
@click.option("--period", type=Choice({"month": "月", "quarter": "季度", "year": "年"}), default=None, help="统计期（通报、政务督查默认 month）：写“本月/本季度/本年交办、办结”的数字。")
@click.option("--category", "categories", multiple=True, help="只统计这些类别的事项（可多次；专报常用，如 mayor_mailbox）。")
@click.option("--unit", "units", multiple=True, help="只统计这些牵头单位的事项（可多次）。")
@click.option("--batch", "batches", multiple=True, help="只统计这次会议或这份文件的事项（batches 中的代码或名称；可多次）。")
@click.option("--date", "issued", type=AsOf(), default=None, help="印发日期（默认今天）；期号按它的年份连续编排。")
@click.option("--title", default=None, help="标题（默认按类别和统计期生成）。")
@click.option("--rev", default=None, help="按指定提交起草（默认 --as-of 当天最后一次提交）。")
@click.option("--due-within", type=click.IntRange(1, 30), default=5, show_default=True, help="“即将到期”指几个工作日内到期。")
@click.option("--print", "print_only", is_flag=True, help="只把草稿输出到屏幕，不写文件。")
@ROOT
def bulletin_new(kind, as_of, period, categories, units, batches, issued, title, rev, due_within, print_only, root):
    """起草一期通报：按模板写出导语、总体情况、表扬、超期事项、通报批评、下步要求和附件，
    自动分配下一个期号，写到 bulletins/<年份>/。

    前言记录数字所依据的提交（commit）和截止日（as_of），以及全部数字（figures）；
    请只修改正文文字，不要改前言中的数字（ducha bulletin verify 会逐个核对）。
    模板可由台账覆盖：bulletins/templates/<类别>.md.j2。
    """
    from ..documents.bulletins import KINDS
    from ..documents.drafting import draft_bulletin, write_new
    from ..history.repo import open_repo, worktree_changes

    root = root_dir(root)
    as_of = as_of or today()
    with library_errors():
        rules = load_rules(root / ITEMS_DIR, root)
    categories = codes_for(rules, "category", categories, "--category")
    units = codes_for(rules, "unit", units, "--unit")
    batches = codes_for(rules, "batch", batches, "--batch")
    with library_errors():
        changed = worktree_changes(open_repo(root))
        draft = draft_bulletin(
            root,
            kind,
            as_of,
            issued or today(),
            period=period,
            scope={"category": list(categories), "unit": list(units), "batch": list(batches)},
            title=title,
            commit=rev,
            due_within_days=due_within,
        )
        if print_only:
            click.echo(draft.text, nl=False)
            return
        write_new(draft.path, draft.text)
    if changed:
        say(f"注意：工作区有 {len(changed)} 个未提交的事项文件修改，未计入（按提交 {draft.commit[:10]} 计算）。")
    meta = draft.meta
    shown = draft.path.relative_to(root).as_posix()
    click.echo(f"已起草《{KINDS[meta['kind']]}》{meta['year']}年第{meta['number']}期：{shown}")
    click.echo(f"数字截至 {meta['as_of']}，依据提交 {draft.commit[:10]}。")
    click.echo(f"下一步：修改正文文字（不要改前言中的数字），运行 ducha bulletin verify {shown}，提交合并请求。")


@bulletin.command("verify")
@click.argument("files", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--all", "all_", is_flag=True, help="核对 bulletins/ 下的全部通报。")
@FORMAT
@ROOT
def bulletin_verify(files, all_, fmt, root):
    """按通报记录的提交和截止日重新计算它记录的每一个数字，与通报核对。

    有任何一个数字对不上（如被手工改过），指出是哪个数字、记录值和重新计算的值，退出码为 1。
    正文中起草时写入的数字（前有看不见的标记）也逐个核对，改过的指出行号、统计项、记录值和正文所写的值（B108），
    同样退出码为 1；正文中没有对应统计项的数字逐行列出，未核对（B109，提示）。
    """
    from ..documents.bulletins import bulletin_files, link_findings, parse_bulletin
    from ..documents.verify import Verifier

    root = root_dir(root)
    if not files and not all_:
        raise click.UsageError("请给出要核对的通报文件，或用 --all 核对全部通报。")
    paths = list(files) + ([p for p in bulletin_files(root) if p not in files] if all_ else [])
    verifier = Verifier(root)
    results, parse_errors = [], []
    with library_errors(fmt):
        for path in paths:
            if Path(path).is_symlink():  # never followed (as ``load_bulletins``)
                parse_errors += link_findings([Path(path).as_posix()])
                continue
            path = Path(path).resolve()
            try:
                shown = path.relative_to(root).as_posix()
            except ValueError:
                shown = str(path)
            parsed, findings = parse_bulletin(path.read_bytes(), shown)
            if parsed is None:
                parse_errors += findings
                continue
            results.append(verifier.verify(parsed))
    unavailable = [r for r in results if r.status == "unavailable"]
    failed = [r for r in results if r.status == "mismatch"]
    if fmt == "json":
        rows = [
            {"path": r.path, "status": r.status, "commit": r.commit, "message": r.message, "findings": [f.as_dict() for f in r.findings]}
            for r in results
        ] + [{"path": f.path, "status": "invalid", "commit": None, "message": f.message, "findings": [f.as_dict()]} for f in parse_errors]
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
    else:
        if not paths:
            click.echo("bulletins/ 下没有通报，无需核对。")
            return
        label = {"ok": "一致", "no_figures": "无数字", "mismatch": "不一致", "unavailable": "无法核对"}
        for r in results:
            click.echo(f"{r.path}  {label[r.status]}：{r.message}" if r.message else f"{r.path}  {label[r.status]}")
            if r.findings:
                click.echo(format_text(r.findings))
        if parse_errors:
            click.echo(format_text(parse_errors))
        click.echo(f"核对了 {len(results) + len({f.path for f in parse_errors})} 期通报：{sum(r.ok for r in results)} 期一致，"
                   f"{len(failed)} 期不一致，{len(unavailable)} 期无法核对，{len({f.path for f in parse_errors})} 期前言有错误。")
    if failed or unavailable or parse_errors:
        sys.exit(1)


@bulletin.command("annex")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="写到这个 .xlsx 文件（默认与通报同名，放在通报旁边）。")
@ROOT
def bulletin_annex(file, output, root):
    """把通报的附件（督查事项办理情况汇总表）写成 Excel 表格。

    按通报记录的提交和截止日重新计算，先核对通报的数字；数字对不上的通报不生成附件。
    """
    from ..documents.annex import bulletin_annex as make_annex
    from ..documents.bulletins import parse_bulletin
    from ..files.write import write_atomic

    root = root_dir(root)
    path = Path(file).resolve()
    try:
        shown = path.relative_to(root).as_posix()
    except ValueError:
        shown = str(path)
    with library_errors("text"):
        parsed, findings = parse_bulletin(path.read_bytes(), shown)
        if parsed is None:
            raise click.ClickException("通报前言有错误，不能生成附件：\n" + format_text(findings))
        data = make_annex(root, parsed)
    target = output or path.with_suffix(".xlsx")
    write_atomic(target, data)
    click.echo(f"已写出附件清单：{target}")


DOC_FORMAT = click.option("--format", "formats", type=click.Choice(["docx", "pdf"]), multiple=True,
                          help="docx（Word，默认）或 pdf（经 LibreOffice 转换；可两者都要：--format docx --format pdf）。")  # fmt: skip


def _shown(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root).as_posix()
    except ValueError:
        return str(path)


@bulletin.command("export")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@DOC_FORMAT
@click.option("--output", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="写到这个目录（默认与各通报同一目录，文件名相同）。")  # fmt: skip
@ROOT
def bulletin_export(files, formats, output, root):
    """把通报排成公文（GB/T 9704）：Word 文件（.docx），或经 LibreOffice 转换的 PDF。

    红色版头、标题、主送机关、正文、附件和版记按党政机关公文格式排版（A4，版心 156×225 毫米，
    3号仿宋每页 22 行、每行 28 字）。内容是核对一致的通报：数字标记去掉、个人信息按网站的规则遮盖，
    不含核对表；文档属性记录数字所依据的提交和截止日。数字对不上提交的通报不生成（B119）。
    """
    from ..documents.bulletins import parse_bulletin
    from ..documents.export import bulletin_official, write_documents
    from ..documents.verify import Verifier

    root = root_dir(root)
    formats = tuple(dict.fromkeys(formats or ("docx",)))
    verifier = Verifier(root)
    written = []
    with library_errors("text"):
        for path in files:
            if Path(path).is_symlink():
                raise click.ClickException(f"B105 {path} 是符号链接，不读取。")
            path = Path(path).resolve()
            parsed, findings = parse_bulletin(path.read_bytes(), _shown(path, root))
            if parsed is None:
                raise click.ClickException(f"{_shown(path, root)} 前言有错误，不能生成公文：\n" + format_text(findings))
            doc = bulletin_official(root, parsed, verifier)
            written += write_documents({path.stem: doc}, output or path.parent, formats)
    for item in written:
        click.echo(f"已写出 {'Word 文件' if item.format == 'docx' else 'PDF'}：{_shown(item.path, root)}")


@click.command()
@click.option("--unit", "units", multiple=True, help="单位（代码、全称或简称；可多次）：输出该单位的督查通知单。")
@click.option("--all", "all_", is_flag=True, help="为每个有超期、即将到期或应报进展事项的单位各写一份通知单。")
@AS_OF
@click.option("--output", type=click.Path(path_type=Path), default=None,
              help="--unit：写入这个文件（默认输出到屏幕）；--all：写入这个目录（默认 notices/<截止日>/）。")  # fmt: skip
@click.option("--due-within", type=click.IntRange(1, 30), default=5, show_default=True, help="“即将到期”指几个工作日内到期。")
@click.option("--overwrite", is_flag=True, help="--all：连生成后被人工修改过的通知单也覆盖（修改将丢失）。")
@click.option("--format", "fmt", type=click.Choice(["md", "docx", "pdf"]), default="md", show_default=True,
              help="md（Markdown）；docx 或 pdf：按公文格式排版的通知单（--unit 默认写到 notices/<截止日>/<单位>.docx）。")  # fmt: skip
@WORKTREE
@REV
@ROOT
def notice(units, all_, as_of, output, due_within, overwrite, fmt, worktree, rev, root):
    """督查通知单：一个承办单位牵头或配合办理的已超期、即将到期和未按时报告进展的事项，
    写明办理期限和办理要求，Markdown 格式，可直接发送。

    已报结、等待督查室审核的事项不列入。已撤并的单位，其事项列入承接单位的通知单。
    """
    from ..documents.notices import unit_notices, write_notices

    if bool(units) == bool(all_):
        raise click.UsageError("请用 --unit 指定单位，或用 --all 为所有单位生成（二者选一）。")
    ledger = load_for(root, as_of, worktree=worktree, rev=rev)
    units = codes_for(ledger.rules, "unit", units, "--unit")
    with library_errors():
        notices = unit_notices(ledger, ledger.as_of, list(units) or None, root=root_dir(root), due_within_days=due_within)
    if fmt != "md":
        _notice_documents(ledger, notices, fmt, output, bool(units))
        return
    if units:
        text = "\n\n---\n\n".join(n.text for n in notices)
        if output:
            Path(output).write_text(text, encoding="utf-8")
            click.echo(f"已写入 {output}")
        else:
            click.echo(text, nl=False)
        return
    folder = Path(output) if output else Path("notices") / ledger.as_of.isoformat()
    try:
        with library_errors():
            write_notices(folder, notices, overwrite=overwrite)
    except click.ClickException as exc:
        exc.message += "请先另存修改过的文件；确认不要这些修改，加 --overwrite 覆盖。"
        raise
    sent = [n for n in notices if n.count]
    for n in sent:
        click.echo(f"{folder / (n.unit + '.md')}  {n.name}：超期 {len(n.overdue)} 件，即将到期 {len(n.due_soon)} 件，应报进展 {len(n.progress_late)} 件")
    quiet = [n.name for n in notices if not n.count]
    click.echo(f"共写出 {len(sent)} 份督查通知单到 {folder}/（截至 {ledger.as_of}）。")
    if quiet:
        click.echo(f"以下 {len(quiet)} 个单位没有需要提醒的事项，未生成：{'、'.join(quiet)}。")
    click.echo("发出后请在各事项的 reminders 中登记催办：method: notice（督查通知单）。")


def _notice_documents(ledger, notices, fmt: str, output, one_by_one: bool) -> None:
    """``ducha notice --format docx|pdf``: each notice (every asked-for unit, or with ``--all`` those with
    items) as an official document, ``<unit>.<fmt>`` in the output folder (or the one file ``--output`` names)."""
    from ..documents.export import notice_document, write_documents

    rules = ledger.rules
    chosen = [n for n in notices if one_by_one or n.count]
    docs = {n.unit: notice_document(n, rules.office_name, ledger.as_of, ledger.as_of, ledger.commit) for n in chosen}
    target = Path(output) if output else Path("notices") / ledger.as_of.isoformat()
    single = one_by_one and len(docs) == 1 and output is not None and target.suffix.lower() == f".{fmt}"
    with library_errors():
        written = write_documents(docs, target.parent if single else target, (fmt,))
        if single:
            only = written[0].path
            only.replace(target)
            written[0].path = target
    for item, n in zip(written, chosen):
        click.echo(f"{item.path}  {n.name}：超期 {len(n.overdue)} 件，即将到期 {len(n.due_soon)} 件，应报进展 {len(n.progress_late)} 件")
    click.echo(f"共写出 {len(written)} 份督查通知单（{fmt}，截至 {ledger.as_of}）。")
