"""What every command shares: options, the clock, library errors and hints in this command's words, which ledger to load."""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import json
import sys
from pathlib import Path

import click

from ..core.schema import TZ
from ..core.findings import DuchaError, Hint, LedgerError, format_text
from ..ledger.sources import find_root
from .usage import Choice


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


def error_text(exc: DuchaError) -> str:
    return f"{exc}{hint_text(exc.hint)}"


@contextlib.contextmanager
def library_errors(fmt: str = "text"):
    """Turn the library's errors into ``Error:`` lines and exit code 1 (findings first, as JSON when asked)."""
    try:
        yield
    except LedgerError as exc:
        if exc.findings and fmt == "json":
            click.echo(json.dumps([f.as_dict() for f in exc.findings], ensure_ascii=False, indent=2))
            click.echo(f"错误：{error_text(exc)}", err=True)
            sys.exit(1)
        if exc.findings:
            click.echo(format_text(exc.findings), err=True)
        raise click.ClickException(error_text(exc)) from None
    except DuchaError as exc:
        raise click.ClickException(error_text(exc)) from None


def root_dir(root: Path | None) -> Path:
    try:
        return Path(root).resolve() if root else find_root()
    except LedgerError as exc:
        raise click.ClickException(error_text(exc)) from None


WORKTREE = click.option(
    "--worktree",
    is_flag=True,
    help="按工作区中的文件（含未提交的修改）计算，而不是按 --as-of 当天的提交还原历史。",
)


REV = click.option("--rev", default=None, help="按指定提交（或分支、标签）还原台账，而不是工作区。")


FORMAT = click.option("--format", "fmt", type=Choice(["text", "json"]), default="text", show_default=True, help="输出格式。")


def codes_for(rules, kind: str, values, option: str) -> list[str]:
    """Each value given to a filter option as the code it names (a code, a name, a short name, a title);
    a usage error (exit 2) naming every value that names no one thing, with the closest codes."""
    from ..core.names import names_of

    names = names_of(rules)
    codes, wrong = [], []
    for value in values:
        code, why = names.code_for(kind, value)
        codes.append(code) if code is not None else wrong.append(why)
    if wrong:
        raise click.BadParameter("".join(wrong), param_hint=option)
    return codes


def say(message: str) -> None:
    click.echo(message, err=True)


def say_unread(ledger) -> None:
    """Say that files under items/ were not read (links, misnamed files): they are in no list or figure."""
    from ..ledger.checked import NOT_READ

    unread = sorted({f.path for f in ledger.findings if f.code in NOT_READ})
    if unread:
        shown = "、".join(unread[:5]) + (f" 等 {len(unread)} 个" if len(unread) > 5 else "")
        say(f"注意：{shown} 未读取（符号链接，或扩展名不是 .yml），不计入以下结果；运行 ducha check 查看原因。")


def load_for(root, as_of, only=None, worktree=False, rev=None, fmt="text", checks=True, use_case=None):
    """The ledger of ``--as-of``/``--rev``/``--worktree``, its notices on stderr. ``use_case``: the library
    function that opens it (default ``ledger.sources.open_ledger``; ``ducha check`` passes ``check_ledger``)."""
    if use_case is None:
        from ..ledger.sources import open_ledger

        use_case = functools.partial(open_ledger, checks=checks, counted=True)
    root = root_dir(root)
    committed = not worktree and (as_of is not None or rev is not None)
    with library_errors(fmt):
        opened = use_case(root, as_of or today(), committed=committed, rev=rev, only=only)
    for notice in opened.notices:
        say(f"{notice.text}{hint_text(notice.hint)}")
    return opened.ledger


def stats_ledger_for(root, as_of, worktree, rev):
    """As ``load_for``, but a committed ledger is read through the parsed-item cache without the checks
    (statistics need the items, not the findings): ~1 s instead of ~10 s for 30,000 items."""
    return load_for(root, as_of, worktree=worktree, rev=rev, checks=False)
