"""Reading the rules file (``items/ledger.yml``) from the work tree: links refused, errors named."""

from __future__ import annotations

from pathlib import Path

from ..core.findings import Finding, LedgerError
from ..core.paths import RULES_FILE, RULES_PATH
from ..core.rules import Rules, parse_rules


def load_rules(items_dir: Path, display_root: Path | None = None) -> Rules:
    return parsed_rules(*rules_bytes(items_dir, display_root))


def rules_bytes(items_dir: Path, display_root: Path | None = None) -> tuple[bytes, str]:
    """The work tree's rules file's bytes and its name as shown (a link or a missing file is an error)."""
    path = Path(items_dir) / RULES_FILE
    shown = _display(path, display_root)
    if path.is_symlink() or Path(items_dir).is_symlink():
        raise LedgerError(*rules_link_refusal(shown))
    if not path.is_file():
        raise LedgerError(
            f"找不到台账规则文件 {shown}。",
            [Finding(shown, None, "R101", "", f"找不到台账规则文件 {shown}；新台账请用 `ducha init` 生成。")],
        )
    return path.read_bytes(), shown


def parsed_rules(raw: bytes, shown: str) -> Rules:
    """The rules of a work tree's rules file's bytes, or the error naming every finding."""
    rules, findings = parse_rules(raw, shown)
    if rules is None:
        raise LedgerError(f"台账规则文件 {shown} 有错误，无法继续检查事项。", findings)
    return rules


def committed_rules(raw: bytes) -> Rules:
    """The rules of a git tree (``items/ledger.yml``'s bytes), or the error naming every finding."""
    rules, findings = parse_rules(raw, RULES_PATH)
    if rules is None:
        raise LedgerError(f"台账规则文件 {RULES_PATH} 有错误，无法继续。", findings)
    return rules


def rules_link_refusal(shown: str, where: str = "") -> tuple[str, list[Finding]]:
    """The error (message, findings) for a rules file that is a symbolic link, or inside a linked ``items/``."""
    message = f"{where}台账规则文件 {shown} 是符号链接（或在链接的文件夹中），不读取它指向的内容。"
    fix = "规则文件必须是台账仓库中的普通文件：删除链接，把 ledger.yml 本身放在 items/ 下提交。"
    return message, [Finding(shown, None, "R107", "", message + fix)]


def _display(path: Path, root: Path | None) -> str:
    if root is not None:
        try:
            path = Path(path)
            return (path.parent.resolve() / path.name).relative_to(Path(root).resolve()).as_posix()
        except ValueError:
            pass
    return Path(path).as_posix()
