"""A clerk's mistakes answered in the clerk's words: the exact message for each.

``tests/corpus/clerk/`` holds one item file per mistake office staff make (a name where a code belongs, a
full-width code, a typo in a code, ``status:assigned``, a progress report appended under the wrong list ...).
Each says where it lives and the one finding ``ducha check`` must give, message included::

    # path: items/2026/DC-2026-3101.yml
    # expect: D204 8 lead_unit
    # message: “市住建局”是单位的简称，应写代码 zjj（市住房和城乡建设局）。

The message is the contract here: it names the code to write (with its name), the line, and the closest
codes when the value names nothing.  Mistakes on the command line are in ``test_cli_chinese.py``.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from ducha.cli import main

CORPUS = Path(__file__).parent / "corpus"
LEDGER_RULES = Path(__file__).parent.parent / "items" / "ledger.yml"
AS_OF = "2026-11-26"
CASES = sorted((CORPUS / "clerk").glob("*.yml"))
_HEADER = re.compile(r"^# path: (\S+)\n# expect: ([A-Z]\d{3}) (\d+|-) (\S*)\n# message: (.+)$", re.M)
# how Python writes a value, which a clerk never should read
PYTHON = re.compile(r"'[^'\s]*'|\bNone\b|\bTrue\b|\bFalse\b|\['|'\]|\[\d|datetime\.|u'|\\u[0-9a-f]{4}")


def _expected(path: Path):
    found = _HEADER.search(path.read_text(encoding="utf-8"))
    assert found, f"{path.name}: no '# path/# expect/# message' header"
    dest, code, line, field, message = found.groups()
    return dest, (code, None if line == "-" else int(line), field, message)


@pytest.fixture(scope="module")
def findings(tmp_path_factory) -> dict[str, list[tuple]]:
    root = tmp_path_factory.mktemp("clerk")
    (root / "items" / "2026").mkdir(parents=True)
    shutil.copy(LEDGER_RULES, root / "items" / "ledger.yml")
    for path in CASES:
        dest, _ = _expected(path)
        assert not (root / dest).exists(), f"two corpus files share {dest}"
        shutil.copy(path, root / dest)
    result = CliRunner().invoke(main, ["check", "--root", str(root), "--worktree", "--as-of", AS_OF, "--format", "json"])
    assert result.exit_code == 1, result.output
    out: dict[str, list[tuple]] = {}
    for f in json.loads(result.stdout):
        out.setdefault(f["path"], []).append((f["code"], f["line"], f["field"], f["message"]))
    return out


def test_the_corpus_has_at_least_25_mistakes():
    assert len(CASES) >= 25


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem)
def test_each_mistake_gets_its_one_exact_message(findings, path):
    dest, expected = _expected(path)
    assert findings.get(dest) == [expected]


def test_no_message_shows_a_python_value(findings, tmp_path):
    """Here, and for every bad file of the check corpus (``tests/corpus/bad``)."""
    (tmp_path / "items" / "2026").mkdir(parents=True)
    shutil.copy(LEDGER_RULES, tmp_path / "items" / "ledger.yml")
    for path in sorted((CORPUS / "bad").glob("*.yml")):
        dest = re.search(rb"^# path: (\S+)$", path.read_bytes(), re.M)
        target = tmp_path / (dest.group(1).decode() if dest else f"items/2026/{path.name}")
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, target)
    result = CliRunner().invoke(main, ["check", "--root", str(tmp_path), "--worktree", "--as-of", AS_OF, "--format", "json"])
    messages = [m for got in findings.values() for *_, m in got] + [f["message"] for f in json.loads(result.stdout)]
    assert len(messages) > 100
    assert [m for m in messages if PYTHON.search(m)] == []
