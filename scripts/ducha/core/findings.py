"""Findings (what a check reports) and the library's exceptions."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from . import codes


@dataclass(frozen=True)
class Hint:
    """What would fix an error, in the library's own terms: give the failed call's ``parameter`` (with
    ``value`` when one is known). The library names no command-line option; each adapter words the hint
    for its own options (``ducha.cli.hint_text``, the plugin's ``_hint_text``)."""

    parameter: str  # worktree | root | units | category | source | leader | assigned
    value: str | None = None


class DuchaError(Exception):
    """Base of every error the library raises; the CLI prints ``错误：<message>`` and its wording of
    ``hint``, when there is one."""

    def __init__(self, message: str = "", hint: Hint | None = None):
        super().__init__(message)
        self.hint = hint


class LedgerError(DuchaError):
    """The ledger cannot be used at all (no rules file, rules invalid, ...).

    ``findings`` holds the detailed findings when there are any.
    """

    def __init__(self, message: str, findings: list["Finding"] | None = None, hint: Hint | None = None):
        super().__init__(message, hint)
        self.findings = findings or []


@dataclass(frozen=True)
class Finding:
    path: str
    line: int | None
    code: str
    field: str
    message: str
    severity: str = field(default="")

    def __post_init__(self):
        if not (self.path.isascii() and self.message.isascii()):  # a name from git or the disk that is not UTF-8
            object.__setattr__(self, "path", shown_path(self.path))
            object.__setattr__(self, "message", printable(self.message))
        if not self.severity:
            object.__setattr__(self, "severity", codes.get(self.code).severity)

    @property
    def is_error(self) -> bool:
        return self.severity == codes.ERROR

    def as_dict(self) -> dict:
        return asdict(self)

    def sort_key(self):
        return (self.path, self.line or 0, self.code, self.field)


def foreign(text: str) -> bool:
    """Whether text decoded with ``surrogateescape`` (a path from git or the disk) came from bytes that are
    not UTF-8: it then holds lone surrogates, which no terminal, file or page can take."""
    if text.isascii():
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def printable(text: str) -> str:
    """``text`` with the bytes that are not UTF-8 shown as ``\\xNN``."""
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace") if foreign(text) else text


def shown_path(path: str) -> str:
    """A path that is not UTF-8, as text to show: its odd bytes as ``\\xNN`` and, when the bytes read as
    GBK (a name from Windows), that reading too."""
    if not foreign(path):
        return path
    raw = path.encode("utf-8", "surrogateescape")
    try:
        return f"{printable(path)}（按 GBK 读作“{raw.decode('gb18030')}”）"
    except UnicodeDecodeError:
        return printable(path)


def format_text(findings: list[Finding]) -> str:
    """Group findings by file, like ruff: ``  12 | D301 错误 lead_unit: ...``."""
    label = codes.SEVERITY_NAMES
    out: list[str] = []
    current = None
    for f in sorted(findings, key=Finding.sort_key):
        if f.path != current:
            if current is not None:
                out.append("")
            out.append(f.path)
            current = f.path
        where = f"第 {f.line} 行" if f.line else "全文"
        fld = f" {f.field}" if f.field else ""
        out.append(f"  {where}  {f.code} {label[f.severity]}{fld}：{f.message}")
    return "\n".join(out)


def summary(findings: list[Finding], files: int) -> str:
    errors = sum(1 for f in findings if f.is_error)
    warnings = sum(1 for f in findings if f.severity == codes.WARNING)
    return f"检查了 {files} 个文件：{errors} 个错误，{warnings} 个警告。"


@dataclass(frozen=True)
class Notice:
    """Something the caller should tell its user about where the numbers come from (not an error)."""

    text: str
    hint: Hint | None = None
