"""The ``ducha`` command: a thin click adapter over the library."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import sys
from pathlib import Path

import click

from ..core import schema as schema_mod
from ..core.schema import TZ
from ..core.deadlines import LIGHTS, effective_deadline, light
from ..core.findings import DuchaError, Hint, LedgerError, format_text, summary
from ..ledger.checked import find_root, load_ledger
from ..core.paths import ITEMS_DIR
from ..ledger.rulesfile import load_rules



def today() -> dt.date:
    """Today in Asia/Shanghai: the only place the CLI reads the clock."""
    return dt.datetime.now(TZ).date()


class AsOf(click.ParamType):
    name = "YYYY-MM-DD"

    def convert(self, value, param, ctx):
        if isinstance(value, dt.date):
            return value
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            self.fail(f"“{value}”不是有效日期，应写成 YYYY-MM-DD，如 2026-06-30。", param, ctx)


AS_OF = click.option(
    "--as-of",
    type=AsOf(),
    default=None,
    help="截止日：按当天结束时（北京时间）主分支上最后一次提交还原台账并计算（默认今天、按工作区）。",
)
ROOT = click.option(
    "--root",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="台账根目录（含 items/ledger.yml）；默认从当前目录向上查找。",
)


def hint_text(hint: Hint | None) -> str:
    """The library's ``Hint`` in this command's own options: "请加 --worktree。", "请用 --unit sjj。"."""
    if hint is None:
        return ""
    ctx = click.get_current_context(silent=True)
    params = {p.name: p for p in (ctx.command.params if ctx is not None else [])}
    option = params.get(hint.parameter)
    if hint.parameter == "root":
        return "请在台账目录中运行，或用 --root 指定。"
    if option is None:
        if hint.parameter == "worktree" and "as_of" in params:  # ducha build: no --worktree, the work tree is the default
            return "要按工作区文件生成，请去掉 --as-of。"
        return ""
    flag = option.opts[0]
    if getattr(option, "is_flag", False):
        return f"要按工作区文件计算，请加 {flag}。" if hint.parameter == "worktree" else f"请加 {flag}。"
    return f"请用 {flag} {hint.value}。" if hint.value else f"请用 {flag} 指定。"


def _message(exc: DuchaError) -> str:
    return f"{exc}{hint_text(exc.hint)}"


@contextlib.contextmanager
def library_errors(fmt: str = "text"):
    """Turn the library's errors into ``Error:`` lines and exit code 1 (findings first, as JSON when asked)."""
    try:
        yield
    except LedgerError as exc:
        if exc.findings and fmt == "json":
            click.echo(json.dumps([f.as_dict() for f in exc.findings], ensure_ascii=False, indent=2))
            click.echo(f"Error: {_message(exc)}", err=True)
            sys.exit(1)
        if exc.findings:
            click.echo(format_text(exc.findings), err=True)
        raise click.ClickException(_message(exc)) from None
    except DuchaError as exc:
        raise click.ClickException(_message(exc)) from None


def _root(root: Path | None) -> Path:
    try:
        return Path(root).resolve() if root else find_root()
    except LedgerError as exc:
        raise click.ClickException(_message(exc)) from None


WORKTREE = click.option(
    "--worktree",
    is_flag=True,
    help="按工作区中的文件（含未提交的修改）计算，而不是按 --as-of 当天的提交还原历史。",
)
REV = click.option("--rev", default=None, help="按指定提交（或分支、标签）还原台账，而不是工作区。")
FORMAT = click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True, help="输出格式。")


def _notice(message: str) -> None:
    click.echo(message, err=True)


def _unread_notice(ledger) -> None:
    """Say that files under items/ were not read (links, misnamed files): they are in no list or figure."""
    from ..ledger.checked import NOT_READ

    unread = sorted({f.path for f in ledger.findings if f.code in NOT_READ})
    if unread:
        shown = "、".join(unread[:5]) + (f" 等 {len(unread)} 个" if len(unread) > 5 else "")
        _notice(f"注意：{shown} 未读取（符号链接，或扩展名不是 .yml），不计入以下结果；运行 ducha check 查看原因。")


def _load(root, as_of, only=None, worktree=False, rev=None, fmt="text", checks=True):
    """The ledger of ``--as-of``/``--rev``/``--worktree`` (``ledger.open_ledger``), its notices on stderr."""
    from ..ledger.checked import open_ledger

    root = _root(root)
    committed = not worktree and (as_of is not None or rev is not None)
    with library_errors(fmt):
        opened = open_ledger(root, as_of or today(), committed=committed, rev=rev, only=only, checks=checks)
    for notice in opened.notices:
        _notice(f"{notice.text}{hint_text(notice.hint)}")
    return opened.ledger


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="ducha")
def main():
    """ducha：督查事项台账的校验、统计、通报与内网网站。"""


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@AS_OF
@FORMAT
@click.option("--base", default=None, help="合并请求检查：与目标分支（如 origin/main）比较，校验改动过的事项及其状态变更。")
@WORKTREE
@REV
@ROOT
def check(paths, as_of, fmt, base, worktree, rev, root):
    """校验台账：规则文件和全部（或指定的）事项文件。

    有错误时退出码为 1，只有警告或没有问题时为 0。
    """
    if base:
        from ..review.pullrequest import check_base

        with library_errors(fmt):
            ledger = check_base(_root(root), base, as_of or today())
    else:
        ledger = _load(root, as_of, only=list(paths) if paths else None, worktree=worktree, rev=rev, fmt=fmt)
        if not paths and ledger.commit is None:
            from ..documents.bulletins import bulletin_files, load_bulletins

            _, bulletin_findings = load_bulletins(Path(ledger.root))
            ledger.findings += bulletin_findings
            ledger.files += len(bulletin_files(Path(ledger.root)))
    findings = sorted(ledger.findings, key=lambda f: f.sort_key())
    if fmt == "json":
        click.echo(json.dumps([f.as_dict() for f in findings], ensure_ascii=False, indent=2))
    else:
        if findings:
            click.echo(format_text(findings))
            click.echo("")
        click.echo(summary(findings, ledger.files))
    sys.exit(1 if ledger.errors else 0)


def _item_row(item, ledger, cal=None):
    rules = ledger.rules
    cal = cal or rules.calendar()
    dl = effective_deadline(item, rules, cal)
    return {
        "id": item.id,
        "number": rules.display_number(item.id),
        "title": item.title,
        "status": item.status,
        "light": light(item, rules, cal, ledger.as_of, dl),
        "lead_unit": item["lead_unit"],
        "category": item["category"],
        "deadline": dl.date.isoformat() if dl else None,
        "path": item.path,
    }


@main.command("list")
@click.option("--status", type=click.Choice(list(schema_mod.STATUSES)), multiple=True, help="按状态筛选（可多次）。")
@click.option("--unit", multiple=True, help="按牵头单位代码筛选（可多次）。")
@click.option("--category", multiple=True, help="按类别代码筛选（可多次）。")
@click.option("--light", "lights", type=click.Choice(list(LIGHTS)), multiple=True, help="按灯色筛选（可多次）。")
@click.option("--overdue", is_flag=True, help="只列超期未办结事项。")
@AS_OF
@FORMAT
@WORKTREE
@REV
@ROOT
def list_(status, unit, category, lights, overdue, as_of, fmt, worktree, rev, root):
    """列出事项，可按状态、单位、类别、灯色筛选。"""
    ledger = _load(root, as_of, worktree=worktree, rev=rev)
    _unread_notice(ledger)
    rows = []
    cal = ledger.rules.calendar()  # one calendar, so working days are cached across rows
    for item in ledger.sorted_items():
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
        click.echo(
            f"{r['id']}  {schema_mod.STATUSES[r['status']]:<4}  {LIGHTS[r['light']]:<4}  "
            f"{r['deadline'] or '':<10}  {rules.unit_name(r['lead_unit'])}  {r['title']}"
        )
    click.echo(f"共 {len(rows)} 项（截至 {ledger.as_of.isoformat()}）。")


@main.command()
@click.argument("item_id")
@AS_OF
@FORMAT
@WORKTREE
@REV
@ROOT
def show(item_id, as_of, fmt, worktree, rev, root):
    """显示一个事项：字段、有效期限及其由来、灯色。"""
    ledger = _load(root, as_of, worktree=worktree, rev=rev)
    item = ledger.items.get(item_id)
    if item is None:
        raise click.ClickException(f"台账中没有编号为 {item_id} 的事项（或该事项文件有错误，请先运行 ducha check）。")
    rules = ledger.rules
    cal = rules.calendar()
    dl = effective_deadline(item, rules, cal)
    lt = light(item, rules, cal, ledger.as_of, dl)
    if fmt == "json":
        click.echo(
            json.dumps(
                {
                    **schema_mod.jsonable(item.data),
                    "number": rules.display_number(item.id),
                    "path": item.path,
                    "effective_deadline": dl.date.isoformat() if dl else None,
                    "deadline_basis": dl.explanation if dl else None,
                    "light": lt,
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
        f"交办日期：{item.assigned}    紧急程度：{schema_mod.URGENCIES[d['urgency']]}    密级：{schema_mod.SECRECY[d['secrecy']]}",
        f"状态：{schema_mod.STATUSES[item.status]}    灯色：{LIGHTS[lt]}（截至 {ledger.as_of}）",
    ]
    if dl:
        lines.append(f"有效期限：{dl.date}（{dl.explanation}）")
    from ..core.record import events

    lines.append("办理过程：")
    for e in events(item, rules):
        who = f" {e.who}" if e.who else ""
        text = f"：{e.text.strip()}" if e.text else ""
        lines.append(f"  {e.date} {e.kind}{who}{text}")
        if e.reason:
            lines.append(f"    说明原因：{e.reason.strip()}")
    lines.append(f"文件：{item.path}")
    click.echo("\n".join(lines))


def _history(root, rev="HEAD", signatures=False):
    from ..history.commits import load_history

    with library_errors():
        h = load_history(_root(root), rev=rev, signatures=signatures)
    for notice in h.notices:
        _notice(notice.text)
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


@main.command()
@click.argument("item_id")
@click.option("--rev", default="HEAD", show_default=True, help="沿哪个分支的第一父提交链读取历史。")
@FORMAT
@ROOT
def history(item_id, rev, fmt, root):
    """一个事项的修改时间线（从早到晚）：谁、何时、在哪个提交改了哪些字段。

    改名或移动到其他年份目录的文件保持同一条时间线；合并请求记在合并提交上。
    """
    h = _history(root, rev)
    timeline = h.timeline(item_id)
    if not timeline:
        raise click.ClickException(f"历史中没有编号为 {item_id} 的事项。")
    if fmt == "json":
        click.echo(json.dumps(schema_mod.jsonable(timeline), ensure_ascii=False, indent=2))
        return
    action = {"A": "新建", "M": "修改", "R": "移动/改名", "D": "删除"}
    for entry in timeline:
        click.echo(f"{entry['date']}  {entry['commit'][:10]}  {entry['author']} <{entry['email']}>  {action[entry['action']]}")
        click.echo(f"    {entry['message'].splitlines()[0] if entry['message'] else ''}")
        for ch in entry["changes"]:
            if ch["old"] is None:
                click.echo(f"    + {ch['field']}: {_value(ch['new'])}")
            elif ch["new"] is None:
                click.echo(f"    - {ch['field']}: {_value(ch['old'])}")
            else:
                click.echo(f"    ~ {ch['field']}: {_value(ch['old'])} → {_value(ch['new'])}")


@main.command()
@click.option("--since", type=AsOf(), default=None, help="只看这一天及以后的提交（北京时间）。")
@click.option("--until", type=AsOf(), default=None, help="只看这一天及以前的提交（北京时间）。")
@click.option("--rev", default="HEAD", show_default=True, help="审计哪个分支（沿第一父提交链）。")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "csv"]), default="text", show_default=True, help="输出格式。")
@ROOT
def audit(since, until, rev, fmt, root):
    """审计台账的提交历史：倒签日期、未经批准改期限、改动已办结事项、删除事项、
    绕过合并请求、名单外提交人、缺少签名、历史被改写。

    发现问题时仍以 0 退出（审计发现供核实，不是校验错误）；无法读取历史时以 1 退出。
    """
    from ..review.audit import audit_repository

    root = _root(root)
    with library_errors():
        rules = load_rules(root / ITEMS_DIR, root)
        result = audit_repository(root, rules, since, until, rev)
    for notice in result.notices:
        _notice(notice.text)
    findings = result.findings
    rows = [f.as_dict() for f in findings]
    if fmt == "json":
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
    elif fmt == "csv":
        import csv

        from ..counting.export import safe_cell

        writer = csv.DictWriter(sys.stdout, fieldnames=["code", "item", "commit", "author", "date", "message"], lineterminator="\n")
        writer.writeheader()
        writer.writerows({k: safe_cell(v) for k, v in row.items()} for row in rows)
    else:
        from ..core import codes

        for f in findings:
            where = f" {f.item}" if f.item else ""
            click.echo(f"{f.date}  {f.commit[:10]}  {f.code} {codes.get(f.code).title}{where}：{f.message}（{f.author}）")
        click.echo(f"共 {len(findings)} 条审计发现。")


class _Progress:
    """A click progress bar the plugin advances page by page."""

    def __init__(self):
        self.bar = None

    def start(self, total: int):
        self.bar = click.progressbar(length=total, label="生成页面", file=sys.stderr)
        self.bar.__enter__()

    def step(self):
        if self.bar is not None:
            self.bar.update(1)

    def close(self):
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


@main.command()
@AS_OF
@click.option("--strict", is_flag=True, help="有任何警告即失败（同 mkdocs build --strict）。")
@click.option("--config-file", type=click.Path(dir_okay=False, path_type=Path), default=None, help="MkDocs 配置文件（默认台账根目录下的 mkdocs.yml）。")
@ROOT
def build(as_of, strict, config_file, root):
    """校验台账并生成内网网站到 site/。

    先在临时目录中生成，成功后一步替换 site/；生成失败或中途被终止时原有网站保持不变。
    同一时间只进行一次生成：另一次生成正在进行时等它完成。
    给出 --as-of 时按当天结束时的提交还原台账（网站注明版本），否则按工作区。
    """
    import logging
    import shutil

    from mkdocs.commands.build import build as mkdocs_build
    from mkdocs.config import load_config
    from mkdocs.exceptions import Abort, ConfigurationError, PluginError

    from ..site import sitedir

    root = _root(root)
    config_file = Path(config_file) if config_file else root / "mkdocs.yml"
    handler = logging.StreamHandler(sys.stderr)
    handler.setLevel(logging.WARNING)
    handler.setFormatter(logging.Formatter("%(levelname)s - %(message)s"))
    mk_logger = logging.getLogger("mkdocs")
    mk_logger.addHandler(handler)
    progress = _Progress()
    tmp = None
    try:
        cfg = load_config(config_file=str(config_file), strict=strict)
        final = Path(cfg["site_dir"])
        plugin = cfg.plugins.get("ducha")
        if plugin is None:
            raise click.ClickException(f"{config_file} 没有启用 ducha 插件（plugins: - ducha）。")
        with sitedir.build_lock(final, on_wait=lambda: _notice(f"另一次网站生成正在写入 {final}，等待其完成……")):
            for leftover in sitedir.clean_leftovers(final):
                _notice(f"已清理上次中断的生成留下的目录：{leftover}")
            tmp = sitedir.new_build_dir(final)
            cfg["site_dir"] = str(tmp)
            plugin.as_of_override = as_of
            plugin.progress = progress
            mkdocs_build(cfg)
            progress.close()
            sitedir.swap_in(tmp, final)
            tmp = None
    except (Abort, ConfigurationError, PluginError) as exc:
        progress.close()
        raise click.ClickException(f"网站生成失败，原有网站未改动。{exc}") from None
    finally:
        mk_logger.removeHandler(handler)
        if tmp is not None and tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    click.echo(f"网站已生成：{final}")


@main.command()
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), default=None, help="写入文件而不是输出到屏幕。")
@click.option("--ledger-rules", is_flag=True, help="输出台账规则文件（ledger.yml）的 JSON Schema。")
def schema(output, ledger_rules):
    """输出事项文件的 JSON Schema（供编辑器自动补全、提示错误）。"""
    text = (
        json.dumps(schema_mod.rules_schema(), ensure_ascii=False, indent=2) + "\n"
        if ledger_rules
        else schema_mod.item_schema_json()
    )
    if output:
        output.write_text(text, encoding="utf-8")
        click.echo(f"已写入 {output}")
    else:
        click.echo(text, nl=False)


@main.command()
@click.option("--title", help="事项名称。")
@click.option("--category", help="类别代码（ledger.yml 的 categories）。")
@click.option("--source", help="来源：会议纪要、文件号、批示件、来信。")
@click.option("--leader", help="交办领导代码。")
@click.option("--lead-unit", help="牵头单位代码。")
@click.option("--co-unit", "co_units", multiple=True, help="配合单位代码（可多次）。")
@click.option("--assigned", type=AsOf(), default=None, help="交办日期（默认今天）。")
@click.option("--deadline", type=AsOf(), default=None, help="办理期限（不写则按类别默认期限）。")
@click.option("--urgency", type=click.Choice(list(schema_mod.URGENCIES)), default="normal", show_default=True, help="紧急程度。")
@click.option("--secrecy", type=click.Choice(list(schema_mod.SECRECY)), default="internal", show_default=True, help="密级。")
@click.option("--summary", "summary_text", default=None, help="交办内容与具体要求。")
@ROOT
def new(title, category, source, leader, lead_unit, co_units, assigned, deadline, urgency, secrecy, summary_text, root):
    """登记一个新事项（状态为拟办），自动分配下一个编号。

    缺少的必填项会逐项询问；也可全部用选项给出（适合脚本）。
    """
    from ..intake.newitem import ids_ever_committed, write_new_item
    from ..core.validate import Checker

    root = _root(root)
    with library_errors():
        rules = load_rules(root / ITEMS_DIR, root)

    def ask(value, prompt, choices):
        if value:
            if value not in choices:
                raise click.BadParameter(f"“{value}”未在台账规则中登记；可选：{'、'.join(choices)}")
            return value
        listing = "\n".join(f"  {k}  {v}" for k, v in choices.items())
        return click.prompt(f"{listing}\n{prompt}", type=click.Choice(list(choices)), show_choices=False)

    title = title or click.prompt("事项名称")
    category = ask(category, "类别", {k: c.name for k, c in rules.categories.items()})
    source = source or click.prompt("来源（会议纪要、文件号、批示件、来信）")
    leader = ask(leader, "交办领导", {k: rules.leader_name(k) for k in rules.leaders})
    lead_unit = ask(lead_unit, "牵头单位", {k: u.name for k, u in rules.units.items()})
    for u in co_units:
        ask(u, "配合单位", {k: x.name for k, x in rules.units.items()})
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


# -- ducha init: a new, empty ledger ---------------------------------------------


@main.command()
@click.argument("directory", metavar="DIR", type=click.Path(file_okay=False, path_type=Path))
@click.option("--office", default=None, help="督查室名称（写入 items/ledger.yml 和网站标题），如“某某市人民政府督查室”。")
@click.option("--issuer", default=None, help="发文机关名称，如“某某市人民政府办公室”。")
@click.option("--code", default=None, help="机关代字，如“某府督办”：事项显示编号为 某府督办〔2026〕12号。")
@click.option(
    "--forge",
    "forges",
    type=click.Choice(["gitlab", "gitea", "forgejo", "github"]),
    multiple=True,
    help="生成哪个代码托管平台的流水线文件（可多次）；默认 gitlab、gitea、github 三种都生成，各平台只读自己的文件。",
)
def init(directory, office, issuer, code, forges):
    """在 DIR 中创建一个新的空台账：规则文件模板（中文注释）、JSON Schema、mkdocs.yml、site_src/、
    bulletins/、合并请求流水线（GitLab CI、Gitea/Forgejo Actions、GitHub Actions）、pre-commit 配置和 nginx 配置。

    DIR 必须不存在、为空或只含 .git；不会覆盖任何已有文件。不会运行 git init，也不会提交。
    """
    from ..intake.scaffold import DEFAULT_CODE, DEFAULT_FORGES, DEFAULT_ISSUER, DEFAULT_OFFICE, init_ledger

    try:
        files = init_ledger(
            directory,
            office=office or DEFAULT_OFFICE,
            issuer=issuer or DEFAULT_ISSUER,
            code=code or DEFAULT_CODE,
            forges=forges or DEFAULT_FORGES,
        )
    except DuchaError as exc:
        raise click.ClickException(_message(exc)) from None
    shown = str(directory)
    pipelines = [f for f in files if f.startswith((".gitlab-ci", ".gitea/", ".forgejo/", ".github/"))]
    click.echo(f"已在 {shown} 创建新台账（{len(files)} 个文件）。")
    click.echo("下一步：")
    click.echo("  1. 编辑 items/ledger.yml：本单位名称、承办单位、领导、事项类别和期限、工作人员、审核人（reviewers）。")
    click.echo("     改完运行 ducha check；填好 reviewers 后运行 ducha codeowners 生成 CODEOWNERS。")
    click.echo(f"  2. 建立 git 仓库并提交：cd {shown} && git init -b main && git add . && git commit -m \"台账初始化\"")
    click.echo("  3. 在本单位代码托管平台上新建空仓库，推送主分支；保留本平台的流水线文件，删去其他平台的：")
    for f in pipelines:
        click.echo(f"       {f}")
    click.echo("     流水线安装 ducha 的来源（PyPI 镜像）和运行镜像请按文件中的说明修改；把合并请求检查设为合并前必须通过。")
    click.echo("  4. 登记事项：ducha new；生成网站：ducha build --strict（内网发布见 deploy/nginx.conf）。")


# -- ducha codeowners: reviewers by path ----------------------------------------------


@main.command()
@click.option(
    "--output",
    type=click.Path(dir_okay=False, allow_dash=True, path_type=Path),
    default=None,
    help="写到哪个文件（默认台账根目录下的 CODEOWNERS；- 表示输出到屏幕）。",
)
@click.option("--check", "check_only", is_flag=True, help="不写文件，只检查 CODEOWNERS 是否与台账规则一致；不一致时退出码为 1。")
@ROOT
def codeowners(output, check_only, root):
    """根据台账规则中的 reviewers 生成 CODEOWNERS（GitHub、GitLab、Gitea、Forgejo 都能读取）。

    office.reviewers（督查室负责人）审核规则文件、通报、网站页面和流水线，并与各类别、各单位的
    reviewers 一起审核事项文件。CODEOWNERS 只能按路径指定审核人：事项文件按年份存放，类别和单位写在
    文件内容里，无法按路径区分，所以按类别、按单位的分工只写在文件的注释中。
    """
    from ..review.owners import FILE_NAME, codeowners_text

    root = _root(root)
    with library_errors():
        rules = load_rules(root / ITEMS_DIR, root)
        text = codeowners_text(rules)
    to_screen = output is not None and str(output) == "-"
    target = root / FILE_NAME if output is None else Path(output)
    if check_only:
        current = target.read_text(encoding="utf-8") if not to_screen and target.is_file() else None
        if current != text:
            click.echo(f"{target} 与台账规则中的 reviewers 不一致（或不存在）；请运行 ducha codeowners 并提交。", err=True)
            sys.exit(1)
        click.echo(f"{target} 与台账规则一致。")
    elif to_screen:
        click.echo(text, nl=False)
    else:
        target.write_text(text, encoding="utf-8")
        click.echo(f"已写入 {target}")


@main.command()
@click.option("--base", required=True, help="合并请求的目标分支，如 origin/main。")
@FORMAT
@ROOT
def reviewers(base, fmt, root):
    """列出本次修改（相对 --base 的共同祖先，含未提交的修改）需要哪些人审核。

    CODEOWNERS 只能按路径指定审核人；本命令按事项的类别和牵头单位（修改前后都算）找出
    categories / units 的 reviewers，没有指定审核人的事项和规则文件、通报、网站、流水线等
    由 office.reviewers（督查室负责人）审核。只输出，不改动任何文件。
    """
    from ..review.owners import reviewers_for_change

    root = _root(root)
    with library_errors(fmt):
        merge_base, reviews = reviewers_for_change(root, base)
    if fmt == "json":
        out = {"base": base, "merge_base": merge_base, "reviewers": [r.__dict__ for r in reviews]}
        click.echo(json.dumps(out, ensure_ascii=False, indent=2))
        return
    if not reviews:
        click.echo(f"相对 {base}（共同祖先 {merge_base[:10]}）没有需要审核的事项或文件。")
        return
    click.echo(f"相对 {base}（共同祖先 {merge_base[:10]}）的修改需要以下审核人：")
    for r in reviews:
        what = "、".join(r.items + r.files)
        click.echo(f"  {r.owner}  {'；'.join(r.roles)}：{what}")


# -- ducha bulletin: draft and verify bulletins ----------------------------------------------


@main.group()
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
@click.option("--period", type=click.Choice(["month", "quarter", "year"]), default=None, help="统计期（通报、政务督查默认 month）：写“本月/本季度/本年交办、办结”的数字。")
@click.option("--category", "categories", multiple=True, help="只统计这些类别的事项（可多次；专报常用，如 mayor_mailbox）。")
@click.option("--unit", "units", multiple=True, help="只统计这些牵头单位的事项（可多次）。")
@click.option("--date", "issued", type=AsOf(), default=None, help="印发日期（默认今天）；期号按它的年份连续编排。")
@click.option("--title", default=None, help="标题（默认按类别和统计期生成）。")
@click.option("--rev", default=None, help="按指定提交起草（默认 --as-of 当天最后一次提交）。")
@click.option("--due-within", type=click.IntRange(1, 30), default=5, show_default=True, help="“即将到期”指几个工作日内到期。")
@click.option("--print", "print_only", is_flag=True, help="只把草稿输出到屏幕，不写文件。")
@ROOT
def bulletin_new(kind, as_of, period, categories, units, issued, title, rev, due_within, print_only, root):
    """起草一期通报：按模板写出导语、总体情况、表扬、超期事项、通报批评、下步要求和附件，
    自动分配下一个期号，写到 bulletins/<年份>/。

    前言记录数字所依据的提交（commit）和截止日（as_of），以及全部数字（figures）；
    请只修改正文文字，不要改前言中的数字（ducha bulletin verify 会逐个核对）。
    模板可由台账覆盖：bulletins/templates/<类别>.md.j2。
    """
    from ..documents.bulletins import KINDS
    from ..documents.drafting import draft_bulletin, write_new
    from ..history.repo import open_repo, worktree_changes

    root = _root(root)
    as_of = as_of or today()
    with library_errors():
        changed = worktree_changes(open_repo(root))
        draft = draft_bulletin(
            root,
            kind,
            as_of,
            issued or today(),
            period=period,
            scope={"category": list(categories), "unit": list(units)},
            title=title,
            commit=rev,
            due_within_days=due_within,
        )
        if print_only:
            click.echo(draft.text, nl=False)
            return
        write_new(draft.path, draft.text)
    if changed:
        _notice(f"注意：工作区有 {len(changed)} 个未提交的事项文件修改，未计入（按提交 {draft.commit[:10]} 计算）。")
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
    """
    from ..documents.bulletins import bulletin_files, link_findings, parse_bulletin
    from ..documents.verify import Verifier

    root = _root(root)
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
            click.echo(f"{r.path}  {label[r.status]}：{r.message}" if r.message and r.status != "mismatch" else f"{r.path}  {label[r.status]}")
            if r.findings:
                click.echo(format_text(r.findings))
        if parse_errors:
            click.echo(format_text(parse_errors))
        click.echo(f"核对了 {len(results) + len({f.path for f in parse_errors})} 期通报：{sum(r.ok for r in results)} 期一致，"
                   f"{len(failed)} 期不一致，{len(unavailable)} 期无法核对，{len({f.path for f in parse_errors})} 期前言有错误。")
    if failed or unavailable or parse_errors:
        sys.exit(1)


# -- ducha notice: 督查通知单 per unit --------------------------------------------------------


@main.command()
@click.option("--unit", "units", multiple=True, help="单位代码（可多次）：输出该单位的督查通知单。")
@click.option("--all", "all_", is_flag=True, help="为每个有超期、即将到期或应报进展事项的单位各写一份通知单。")
@AS_OF
@click.option("--output", type=click.Path(path_type=Path), default=None,
              help="--unit：写入这个文件（默认输出到屏幕）；--all：写入这个目录（默认 notices/<截止日>/）。")  # fmt: skip
@click.option("--due-within", type=click.IntRange(1, 30), default=5, show_default=True, help="“即将到期”指几个工作日内到期。")
@click.option("--overwrite", is_flag=True, help="--all：连生成后被人工修改过的通知单也覆盖（修改将丢失）。")
@WORKTREE
@REV
@ROOT
def notice(units, all_, as_of, output, due_within, overwrite, worktree, rev, root):
    """督查通知单：一个承办单位牵头或配合办理的已超期、即将到期和未按时报告进展的事项，
    写明办理期限和办理要求，Markdown 格式，可直接发送。

    已报结、等待督查室审核的事项不列入。已撤并的单位，其事项列入承接单位的通知单。
    """
    from ..documents.notices import unit_notices, write_notices

    if bool(units) == bool(all_):
        raise click.UsageError("请用 --unit 指定单位，或用 --all 为所有单位生成（二者选一）。")
    ledger = _load(root, as_of, worktree=worktree, rev=rev)
    with library_errors():
        notices = unit_notices(ledger, ledger.as_of, list(units) or None, root=_root(root), due_within_days=due_within)
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


# -- ducha import: a task-decomposition sheet becomes items ------------------------------------


@main.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--category", default=None, help="事项类别代码（表中没有“类别”列时必填），如 work_report_target。")
@click.option("--source", default=None, help="来源（表中没有“来源”列时必填），如“《2026年市政府工作报告》目标任务分解”；各行自动加“第N项”。")
@click.option("--leader", default=None, help="交办领导代码（表中没有“责任领导”列或该格为空时用）。")
@click.option("--assigned", type=AsOf(), default=None, help="交办日期（默认今天）。")
@click.option("--urgency", type=click.Choice(list(schema_mod.URGENCIES)), default="normal", show_default=True, help="紧急程度（表中没有“紧急程度”列时）。")
@click.option("--secrecy", type=click.Choice(list(schema_mod.SECRECY)), default="internal", show_default=True, help="密级。")
@click.option("--approved-by", default=None, help="分解方案已经该领导审定：事项直接登记为已交办，拟办意见记为按分解方案落实。默认登记为拟办。")
@click.option("--sheet", default=None, help="工作表名称（默认第一个工作表）。")
@click.option("--dry-run", is_flag=True, help="试运行：只显示将登记哪些事项，不写任何文件。")
@click.option("--sample", is_flag=True, help="不导入，而是把一份示例任务分解表写到 FILE。")
@ROOT
def import_(file, category, source, leader, assigned, urgency, secrecy, approved_by, sheet, dry_run, sample, root):
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
    root = _root(root)
    with library_errors():
        rules = load_rules(root / ITEMS_DIR, root)
        ledger = load_ledger(root, today())
        used = ids_ever_committed(root)
        plan = plan_import(
            file, rules, ledger.items, root / ITEMS_DIR,
            category=category, source=source, leader=leader, assigned=assigned or today(), urgency=urgency,
            secrecy=secrecy, approved_by=approved_by, sheet=sheet, today=today(), used=used,
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



# -- ducha stats ---------------------------------------------------------------------------------


def _stats_ledger(root, as_of, worktree, rev):
    """As ``_load``, but a committed ledger is read through the parsed-item cache without the checks
    (statistics need the items, not the findings): ~1 s instead of ~10 s for 30,000 items."""
    return _load(root, as_of, worktree=worktree, rev=rev, checks=False)


@main.command()
@AS_OF
@click.option("--by", "by", type=click.Choice(["unit", "co_unit", "category", "leader", "month", "urgency"]), default="unit", show_default=True,
              help="分组：unit 牵头单位 | co_unit 配合单位 | category 类别 | leader 交办领导 | month 交办月份 | urgency 紧急程度。")  # fmt: skip
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv", "xlsx"]), default="table", show_default=True,
              help="输出格式；xlsx 每种分组一张工作表，另有事项明细、考核和统计口径，须同时给出 --output。")  # fmt: skip
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), default=None, help="写入文件而不是输出到屏幕。")
@click.option("--ids", is_flag=True, help="JSON 中给出每个数字所涉事项的编号（每组的 ids）。")
@click.option("--due-within", type=click.IntRange(0, 60), default=5, show_default=True, help="“即将到期”：截止日起多少个工作日内到期。")
@click.option("--scores", is_flag=True, help="输出各单位考核得分、名次和逐项加减分，而不是分组统计。")
@click.option("--basis", is_flag=True, help="输出统计口径（Markdown），说明每个数字如何计算。")
@WORKTREE
@REV
@ROOT
def stats(as_of, by, fmt, output, ids, due_within, scores, basis, worktree, rev, root):
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
    ledger = _stats_ledger(root, as_of, worktree, rev)
    _unread_notice(ledger)
    with library_errors():
        st = stats_mod.compute(ledger, ledger.as_of, due_within_days=due_within)
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


if __name__ == "__main__":  # pragma: no cover
    main()
