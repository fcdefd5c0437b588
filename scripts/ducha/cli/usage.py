"""Click in Chinese: usage errors, help pages and choices as a clerk reads them.

Click words its own messages in English ("Error: Invalid value for '--status': 'x' is not one of …",
"No such option", "Missing argument").  The group ``main`` runs every command through ``Chinese.main``,
which shows each error in Chinese (``错误：…``, usage errors with the command's usage line and exit code 2);
``Choice`` accepts a code or its name and lists its choices as 代码（名称）; ``HelpFormatter`` gives the
help pages Chinese headings.
"""

from __future__ import annotations

import errno
import functools
import re
import sys

import click

from ..core.names import half_width

# click's English, as it says it in 8.x, and the Chinese said instead
_CLICK_MESSAGES = (
    (r"Option '(.+?)' requires an argument\.", "选项 {0} 后面要写一个值。"),
    (r"Option '(.+?)' requires (\d+) arguments\.", "选项 {0} 后面要写 {1} 个值。"),
    (r"Option '(.+?)' does not take a value\.", "选项 {0} 后面不能写值。"),
    (r"Got unexpected extra arguments? \((.*)\)", "多写了参数：{0}（值里有空格时请加引号）。"),
    (r"'?(.*?)'? is not a valid integer range\.", "“{0}”不是整数。"),
    (r"'?(.*?)'? is not a valid integer\.", "“{0}”不是整数。"),
    (r"'?(.*?)'? is not a valid float( range)?\.", "“{0}”不是数字。"),
    (r"'?(.*?)'? is not a valid boolean\.", "“{0}”不是 true 或 false。"),
    (r"(-?[\d.]+) is not in the range (.+)\.", "{0} 不在允许的范围 {1} 内。"),
    (r"(File|Directory|Path) '(.*)' does not exist\.", "{1} 不存在。"),
    (r"File '(.*)' is a directory\.", "{0} 是文件夹，这里要写文件。"),
    (r"Directory '(.*)' is a file\.", "{0} 是文件，这里要写文件夹。"),
    (r"(?:File|Directory|Path) '(.*)' is not (readable|writable|executable)\.",
     "{0} 不可{1}。"),
    (r"'(.*)' is not one of (.*)\.", "“{0}”不是可选的值；可选：{1}。"),
    (r"'(.*)' is not '(.*)'\.", "“{0}”不是可选的值；只能是 {1}。"),
)  # fmt: skip
_ACCESS = {"readable": "读", "writable": "写", "executable": "执行"}
_HELP_WORDS = (
    ("Show this message and exit.", "显示本帮助并退出。"),
    ("Show the version and exit.", "显示版本号并退出。"),
    ("[default: ", "[默认："),
    ("[required]", "[必填]"),
    ("[OPTIONS]", "[选项]"),
    ("COMMAND [ARGS]...", "命令 [参数]..."),
    (" INTEGER RANGE", " 整数"),
    (" INTEGER", " 整数"),
    (" FLOAT", " 数字"),
    (" TEXT", " 文字"),
    (" PATH", " 路径"),
    (" FILENAME", " 文件"),
)
_HEADINGS = {"Options": "选项", "Commands": "命令", "Arguments": "参数"}


def chinese(message: str) -> str:
    """One of click's own messages in Chinese; a message that already is Chinese as it is."""
    for pattern, said in _CLICK_MESSAGES:
        m = re.fullmatch(pattern, message.strip(), re.S)
        if m:
            groups = [_ACCESS.get(g, g) for g in m.groups(default="")]
            return said.format(*groups)
    return message


class HelpFormatter(click.HelpFormatter):
    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        super().write_usage(prog, args, "用法：" if prefix is None else prefix)

    def write_heading(self, heading: str) -> None:
        self.write(f"{'':>{self.current_indent}}{_HEADINGS.get(heading, heading)}：\n")

    def write_dl(self, rows, *args, **kwargs) -> None:
        super().write_dl([(_help_words(term), _help_words(text)) for term, text in rows], *args, **kwargs)

    def getvalue(self) -> str:
        return _help_words(super().getvalue())


def _help_words(text: str) -> str:
    for english, said in _HELP_WORDS:
        text = text.replace(english, said)
    return text


class Context(click.Context):
    formatter_class = HelpFormatter


class Choice(click.Choice):
    """A choice of codes that also takes a code's name (``--status 办理中``), full-width or not, and says its
    choices as 代码（名称）."""

    def __init__(self, choices, case_sensitive: bool = True):
        self.labels = dict(choices) if isinstance(choices, dict) else {c: "" for c in choices}
        super().__init__(list(self.labels), case_sensitive)

    def shown(self) -> str:
        return "、".join(f"{c}（{n}）" if n else c for c, n in self.labels.items())

    def convert(self, value, param, ctx):
        text = half_width(str(value))[0].strip()
        for probe in (text, text.lower()):
            if probe in self.labels:
                return probe
        hits = [c for c, n in self.labels.items() if n == text] or [
            c for c, n in self.labels.items() if n and len(text) >= 2 and text in n]  # fmt: skip
        if len(hits) == 1:
            return hits[0]
        self.fail(f"“{value}”不是可选的值；可选：{self.shown()}。", param, ctx)


def _where(exc: click.ClickException) -> str:
    param = getattr(exc, "param", None)
    if param is None:
        hint = getattr(exc, "param_hint", None)
        return hint if isinstance(hint, str) else " / ".join(hint) if hint else ""
    if isinstance(param, click.Option):
        return "、".join(param.opts)
    return param.human_readable_name


def message_of(exc: click.ClickException) -> str:
    """What went wrong, in Chinese."""
    if isinstance(exc, click.NoSuchOption):
        close = f"是否指 {'、'.join(exc.possibilities)}？" if exc.possibilities else ""
        return f"没有 {exc.option_name} 这个选项。{close}"
    if isinstance(exc, click.MissingParameter):
        kind = "选项" if isinstance(exc.param, click.Option) or exc.param_type == "option" else "参数"
        return f"缺少{kind} {_where(exc)}。"
    if isinstance(exc, click.BadParameter):
        where = _where(exc)
        return f"{where} 的值有误：{chinese(exc.message)}" if where else chinese(exc.message)
    if isinstance(exc, click.UsageError):
        m = re.fullmatch(r"No such command '(.+?)'\.(?:\s*Did you mean '(.+?)'\?)?", exc.message.strip())
        if m:
            group = exc.ctx.command if exc.ctx is not None else None
            known = "、".join(getattr(group, "commands", {})) if group is not None else ""
            close = f"是否指 {m.group(2)}？" if m.group(2) else f"可用的命令：{known}。"
            return f"没有 {m.group(1)} 这个命令。{close}"
    return chinese(exc.format_message())


def show(exc: click.ClickException) -> None:
    """``exc`` on stderr in Chinese: a usage error with the command's usage line and where help is."""
    if isinstance(exc, click.UsageError) and exc.ctx is not None:
        ctx = exc.ctx
        if type(exc).__name__ == "NoArgsIsHelpError":  # a group run without a command: its help page
            click.echo(ctx.get_help(), err=True)
            return
        click.echo(ctx.get_usage(), err=True)
        helper = ctx.help_option_names[0] if ctx.command.get_help_option(ctx) is not None else ""
        if helper:
            click.echo(f"运行“{ctx.command_path} {helper}”查看说明。", err=True)
        click.echo("", err=True)
    click.echo(f"错误：{message_of(exc)}", err=True)


class Group(click.Group):
    """The ``ducha`` group: every command's context formats help in Chinese, every error is shown in Chinese.

    ``lazy`` names commands by ``"module:attribute"`` (relative to this package), in the order they are
    listed: a command's module is imported only when that command runs (or help lists them all), so
    ``ducha check`` before each commit does not import what ``ducha stats`` or ``ducha build`` need."""

    context_class = Context

    def __init__(self, *args, lazy: dict[str, str] | None = None, **kwargs):
        self._lazy = dict(lazy or {})
        self._order = list(self._lazy)
        self._loaded: dict[str, click.Command] = {}
        super().__init__(*args, **kwargs)

    @property
    def commands(self) -> dict[str, click.Command]:
        """Every command, each module imported (help, documentation checks); in the listed order."""
        for name in list(self._lazy):
            self._load(name)
        first = {name: self._loaded[name] for name in self._order if name in self._loaded}
        return {**first, **self._loaded}

    @commands.setter
    def commands(self, value) -> None:
        self._loaded = dict(value or {})

    def _load(self, name: str) -> None:
        import importlib

        module, attr = self._lazy.pop(name).split(":")
        self.add_command(getattr(importlib.import_module(module, __package__), attr), name)

    def add_command(self, cmd: click.Command, name: str | None = None) -> None:
        _chinese_contexts(cmd)
        name = name or cmd.name
        if name is None:
            raise TypeError("Command has no name.")
        self._loaded[name] = cmd

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self._lazy:
            self._load(cmd_name)
        return self._loaded.get(cmd_name)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self._loaded, *self._lazy})

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        try:
            rv = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except click.ClickException as exc:
            show(exc)
            sys.exit(exc.exit_code)
        except click.Abort:
            click.echo("已中止。", err=True)
            sys.exit(1)
        except OSError as exc:  # a closed pipe (ducha list | head): as click does, quietly
            if exc.errno != errno.EPIPE:
                raise
            sys.exit(1)
        sys.exit(rv if isinstance(rv, int) else 0)


def _parse_args(parse, ctx: click.Context, args: list[str]):
    """The command's own parsing, its usage errors carrying the context (the parser raises some without
    one, and a usage error is shown with the command's usage line)."""
    try:
        return parse(ctx, args)
    except click.UsageError as exc:
        if exc.ctx is None:
            exc.ctx = ctx
        raise


def _chinese_contexts(cmd: click.Command) -> None:
    cmd.context_class = Context
    cmd.parse_args = functools.partial(_parse_args, cmd.parse_args)
    for sub in getattr(cmd, "commands", {}).values():
        _chinese_contexts(sub)
