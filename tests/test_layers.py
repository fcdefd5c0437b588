"""The library and its adapters: the library's messages name no command-line option."""

from __future__ import annotations

import ast
import functools
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
    assert noticed.exit_code == 2 and "未在台账规则中登记" in noticed.output


def test_office_timezone_other_than_beijing_is_refused(tmp_path):
    """Every day boundary is Beijing time; a rules file that says otherwise is refused, not ignored."""
    from ducha import parse_rules
    from gitutil import LEDGER_YML

    text = LEDGER_YML.read_text(encoding="utf-8")
    assert "  timezone: Asia/Shanghai" in text
    rules, findings = parse_rules(text.replace("timezone: Asia/Shanghai", "timezone: Europe/Berlin").encode(), "items/ledger.yml")
    assert rules is None
    assert [(f.code, f.field, f.line) for f in findings] == [("R102", "office.timezone", 7)]
    assert "只能是 “Asia/Shanghai”" in findings[0].message
    rules, findings = parse_rules(text.encode(), "items/ledger.yml")
    assert rules is not None and not findings


# -- the folders are the architecture ---------------------------------------------------------------

# Each subpackage may import its own modules and those of the layers before it, never a later one.
LAYERS = [{"core"}, {"files"}, {"history"}, {"ledger"}, {"review", "counting"}, {"documents"}, {"intake"}, {"site"}, {"cli", "plugin"}]
PURE_FORBIDDEN = {"subprocess", "git", "os", "shutil", "tempfile", "fcntl", "glob", "pathlib", "io", "multiprocessing", "mkdocs", "click"}


def _module_name(path: Path) -> str:
    parts = ["ducha", *path.relative_to(PACKAGE).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> list[tuple[int, str, list[str]]]:
    """Every import in the file, at any depth (imports inside functions count): (line, module, names)."""
    mod = _module_name(path)
    package = mod if path.name == "__init__.py" else mod.rpartition(".")[0]
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name, []) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            names = [a.name for a in node.names]
            if node.level and not node.module:  # from . import a, b: each may be a module
                out += [(node.lineno, f"{target}.{n}" if (PACKAGE.parent / f"{target}.{n}".replace(".", "/")).with_suffix(".py").exists()
                         or (PACKAGE.parent / f"{target}.{n}".replace(".", "/")).is_dir() else target, [n]) for n in names]  # fmt: skip
            else:
                out.append((node.lineno, target, names))
    return out


@functools.cache
def _graph() -> dict[str, dict[str, list[tuple[int, list[str]]]]]:
    graph = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        edges = graph.setdefault(_module_name(path), {})
        for line, target, names in _imports(path):
            edges.setdefault(target, []).append((line, names))
    return graph


def _layer(module: str) -> int | None:
    parts = module.split(".")
    if parts[0] != "ducha" or len(parts) < 2:
        return None
    return next((i for i, layer in enumerate(LAYERS) if parts[1] in layer), None)


def test_every_module_lives_in_a_layer():
    loose = [m for m in _graph() if m != "ducha" and _layer(m) is None]
    assert not loose, f"modules outside the layered subpackages: {loose}"


def test_subpackages_import_only_their_own_layer_and_those_before_it():
    wrong = []
    for module, edges in _graph().items():
        here = _layer(module)
        for target, uses in edges.items():
            there = _layer(target)
            if here is not None and there is not None and there > here:
                wrong.append(f"{module} (line {uses[0][0]}) imports {target}")
            if here == there and here is not None and module.split(".")[1] != target.split(".")[1]:
                wrong.append(f"{module} (line {uses[0][0]}) imports {target}, a sibling of the same layer")
    assert not wrong, "\n".join(wrong)


def test_only_the_adapters_import_click_or_mkdocs():
    wrong = [f"{m} imports {t}" for m, edges in _graph().items() for t in edges
             if t.split(".")[0] in ("click", "mkdocs") and m.split(".")[1:2] not in (["cli"], ["plugin"])]  # fmt: skip
    assert not wrong, "\n".join(wrong)


def test_the_pure_layer_runs_no_git_and_touches_no_files():
    wrong = [f"{m} imports {t}" for m, edges in _graph().items() if m.startswith("ducha.core") for t in edges
             if t.split(".")[0] in PURE_FORBIDDEN]  # fmt: skip
    assert not wrong, "\n".join(wrong)
    for path in (PACKAGE / "core").rglob("*.py"):
        calls = [n.lineno for n in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
                 if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == "open"]  # fmt: skip
        assert not calls, f"{path.relative_to(PACKAGE)} opens files (lines {calls})"


def test_no_import_cycles():
    modules = set(_graph()) - {"ducha"}
    graph = {m: {t for t in edges if t in modules} for m, edges in _graph().items()}
    cycles = []
    state: dict[str, int] = {}

    def visit(m, stack):
        state[m] = 1
        for t in sorted(graph.get(m, ())):
            if t == m:
                continue
            if state.get(t) == 1:
                cycles.append(" -> ".join(stack[stack.index(t):] + [t]))
            elif t not in state:
                visit(t, stack + [t])
        state[m] = 2

    for m in sorted(graph):
        if m not in state:
            visit(m, [m])
    assert not cycles, "\n".join(cycles)


def test_no_module_imports_another_modules_private_names():
    wrong = [f"{m} (line {line}) imports {t}.{n}" for m, edges in _graph().items() for t, uses in edges.items()
             if t.startswith("ducha") and t != m for line, names in uses for n in names
             if n.startswith("_") and not n.startswith("__")]  # fmt: skip
    assert not wrong, "\n".join(wrong)


def test_the_public_api_names_what_the_adapters_call():
    """``ducha.X`` resolves for every public name, to the function its module defines (imported on first use)."""
    import importlib

    import ducha

    for name, where in ducha._API.items():
        module, _, attr = where.partition(":")
        assert getattr(ducha, name) is getattr(importlib.import_module(f"ducha.{module}"), attr or name), name
    assert "open_ledger" in dir(ducha) and "audit_repository" in ducha.__all__
