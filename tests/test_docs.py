"""The staff guide must not rot: every command, option and code it names exists."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from ducha.core import codes
from ducha.cli import main

REPO = Path(__file__).resolve().parents[1]
GUIDE = REPO / "site_src" / "guide"
_CMD = re.compile(r"ducha ((?:[a-z]+)(?: [a-z]+)?)((?: +(?:--[a-z-]+|[^\s`|]+))*)")


def _command(words: str):
    cmd, used = main, []
    for word in words.split():
        sub = getattr(cmd, "commands", {}).get(word)
        if sub is None:
            break
        cmd, used = sub, used + [word]
    return cmd, " ".join(used)


def guide_texts():
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(GUIDE.glob("*.md"))}


def test_guide_exists_and_is_in_the_navigation():
    config = (REPO / "mkdocs.yml").read_text(encoding="utf-8")
    nav = yaml.safe_load("nav:" + config.split("\nnav:", 1)[1])["nav"]
    flat = repr(nav)
    assert "使用指南" in flat
    for name in guide_texts():
        assert f"guide/{name}" in flat, f"guide/{name} is not in the navigation"


def test_every_command_and_option_in_the_guide_exists():
    seen = set()
    for name, text in guide_texts().items():
        for m in _CMD.finditer(text):
            cmd, used = _command(m.group(1))
            assert used, f"{name}: `ducha {m.group(1)}` is not a command"
            seen.add(used)
            options = {o for p in cmd.params for o in getattr(p, "opts", [])}
            for opt in re.findall(r"--[a-z-]+", m.group(2) or ""):
                assert opt in options, f"{name}: `ducha {used} {opt}` is not an option"
    assert {"new", "check", "history", "audit"} <= seen


def test_every_code_in_the_guide_exists():
    for name, text in guide_texts().items():
        for code in re.findall(r"\b([DRTAB]\d{3})\b", text):
            assert code in codes.CODES, f"{name} names {code}, which is not a code"


def test_readme_lists_every_site_plugin_option_and_no_other():
    from ducha.plugin import DuchaConfig

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    table = readme.split("### The site plugin", 1)[1].split("\n\n")[2]
    documented = set(re.findall(r"^\| `([a-z_]+)` \|", table, re.M))
    assert documented == {key for key, _ in DuchaConfig._schema}
