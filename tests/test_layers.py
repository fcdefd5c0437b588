"""The library and its adapters: the library's messages name no command-line option."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import click

from ducha.cli import main

PACKAGE = Path(__file__).resolve().parents[1] / "scripts" / "ducha"
ADAPTERS = {"cli", "plugin"}  # subpackages: the two adapters
_HAN = re.compile(r"[\u4e00-\u9fff]")


def _options(command: click.Command) -> set[str]:
    out = {opt for p in command.params for opt in getattr(p, "opts", []) if opt.startswith("--")}
    for sub in getattr(command, "commands", {}).values():
        out |= _options(sub)
    return out


def test_library_messages_name_no_cli_option():
    """A message is for whoever called the library: ``ducha build`` has no --worktree, the MkDocs plugin
    has no options at all. The library says what would fix an error as a ``Hint``; each adapter words it."""
    options = _options(main) - {"--help"}
    pattern = re.compile(r"(?<![\w-])(" + "|".join(map(re.escape, sorted(options, key=len, reverse=True))) + r")(?![\w-])")
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.relative_to(PACKAGE).parts[0] in ADAPTERS:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = {id(n.body[0].value) for n in ast.walk(tree) if isinstance(n, (ast.Module, ast.ClassDef, ast.FunctionDef)) and n.body and isinstance(n.body[0], ast.Expr)}
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
                if _HAN.search(node.value) and (m := pattern.search(node.value)):
                    found.append(f"{path.relative_to(PACKAGE)}:{node.lineno}: {m.group(1)} in {node.value[:60]!r}")
    assert not found, "\n".join(found)


def test_each_adapter_words_the_hint_for_its_own_options(tmp_path):
    import shutil

    from click.testing import CliRunner
    from gitutil import PROJECT, make_repo

    repo = make_repo(tmp_path)
    shutil.copy(PROJECT / "mkdocs.yml", repo.path / "mkdocs.yml")
    shutil.copytree(PROJECT / "site_src", repo.path / "site_src")
    run = lambda *a: CliRunner().invoke(main, [*a, "--root", str(repo.path)])  # noqa: E731
    listed = run("list", "--as-of", "2020-01-01")
    assert listed.exit_code == 1 and "无法还原当时的台账。要按工作区文件计算，请加 --worktree。" in listed.output
    built = run("build", "--as-of", "2020-01-01")  # build has no --worktree
    assert built.exit_code == 1 and "--worktree" not in built.output
    assert "无法还原当时的台账。要按工作区文件生成网站，请不要指定截止日。" in built.output
    noticed = run("notice", "--unit", "nosuchunit")
    assert noticed.exit_code == 1 and "未在台账规则中登记" in noticed.output


def test_office_timezone_other_than_beijing_is_refused(tmp_path):
    """Every day boundary is Beijing time; a rules file that says otherwise is refused, not ignored."""
    from ducha.core.rules import parse_rules
    from gitutil import LEDGER_YML

    text = LEDGER_YML.read_text(encoding="utf-8")
    assert "  timezone: Asia/Shanghai" in text
    rules, findings = parse_rules(text.replace("timezone: Asia/Shanghai", "timezone: Europe/Berlin").encode(), "items/ledger.yml")
    assert rules is None
    assert [(f.code, f.field, f.line) for f in findings] == [("R102", "office.timezone", 7)]
    assert "只能是 'Asia/Shanghai'" in findings[0].message
    rules, findings = parse_rules(text.encode(), "items/ledger.yml")
    assert rules is not None and not findings
