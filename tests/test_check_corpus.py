"""The check corpus: every failure class yields its documented code, file, line and field.

``tests/corpus/bad/`` holds one small item file per failure class, named after the
code it must produce.  Each file says, in its leading comments, where it lives in
the ledger and exactly what ``ducha check`` must report about it::

    # path: items/2026/DC-2026-0301.yml      (default: items/2026/<corpus file name>)
    # expect: D301 9 lead_unit               (code, line or "-" for the whole file, field)

The expected findings of a file are exact: no more, no fewer.  All bad files are
checked in one ledger, side by side with the valid items of ``tests/corpus/good/``,
which must still be loaded and produce nothing.  The published codes page
(``codes.docs_markdown()``) is the contract: every code is documented, every code
the package uses is on it, and every code has a corpus case or a stated reason
why no item file can produce it.
"""

from __future__ import annotations

import json
import re
import shutil
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

import ducha
from ducha.core import codes
from ducha.cli import main
from ducha.core.yamlio import MAX_BYTES

CORPUS = Path(__file__).parent / "corpus"
LEDGER_RULES = Path(__file__).parent.parent / "items" / "ledger.yml"
AS_OF = "2026-11-26"

_PATH = re.compile(rb"^# path: (\S+)$", re.M)
_EXPECT = re.compile(rb"^# expect: ([DR]\d{3}) (\d+|-)(?: (\S+))?$", re.M)

# D codes no item file can produce through ``ducha check`` (the R1xx codes are about
# the rules file and have their own tests below).
NOT_FROM_ITEM_FILES = {
    "D111": "a symbolic link, not a file's content (tests/test_refusals.py)",
    "D112": "a file that is not read because of its name (tests/test_refusals.py)",
    "R107": "the rules file as a symbolic link (tests/test_refusals.py)",
    "D213": "a 序号 without a batch, against rules with batches (tests/test_batches.py)",
    "D214": "two files claiming one batch's 序号: a ledger-level check (tests/test_batches.py)",
    "D307": "an item naming a batch the rules lack (tests/test_batches.py)",
}


@dataclass(frozen=True)
class Case:
    name: str  # corpus file name
    dest: str  # path in the ledger, as ducha reports it
    raw: bytes
    expected: tuple[tuple[str, int | None, str], ...]  # (code, line, field)

    def __str__(self):
        return self.name


def _case(path: Path) -> Case:
    raw = path.read_bytes()
    header = raw.decode("utf-16").encode() if raw.startswith((b"\xff\xfe", b"\xfe\xff")) else raw
    dest = _PATH.search(header)
    expected = tuple(
        (code.decode(), None if line == b"-" else int(line), (field or b"").decode())
        for code, line, field in _EXPECT.findall(header)
    )
    return Case(path.name, dest.group(1).decode() if dest else f"items/2026/{path.name}", raw, expected)


def _oversized() -> Case:
    """D105 is generated rather than committed: a valid-looking item padded past the size limit."""
    head = "# yaml-language-server: $schema=../item.schema.json\nid: DC-2026-0105\ntitle: 超大文件\n"
    filler = "# 附件材料全文不应写进事项文件。\n" * (MAX_BYTES // 40)
    raw = (head + filler).encode()
    assert len(raw) > MAX_BYTES
    return Case("D105-too-large.yml (generated)", "items/2026/D105-too-large.yml", raw, (("D105", None, ""),))


BAD = [_case(p) for p in sorted((CORPUS / "bad").glob("*.yml"))] + [_oversized()]
GOOD = sorted((CORPUS / "good").glob("*.yml"))


def _run(*args) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args])


def _assert_clean_exit(result, code: int):
    """Returned, or exited through ``sys.exit``/``ClickException``: never an uncaught exception."""
    assert result.exit_code == code, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exc_info
    assert "Traceback" not in result.output


def _make_ledger(root: Path, rules: str | None) -> Path:
    (root / "items" / "2026").mkdir(parents=True)
    if rules is not None:
        (root / "items" / "ledger.yml").write_text(rules, encoding="utf-8")
    for good in GOOD:
        shutil.copy(good, root / "items" / "2026" / good.name)
    return root


@pytest.fixture(scope="module")
def ledger(tmp_path_factory) -> Path:
    root = _make_ledger(tmp_path_factory.mktemp("corpus"), LEDGER_RULES.read_text(encoding="utf-8"))
    for case in BAD:
        target = root / case.dest
        assert not target.exists(), f"two corpus files share {case.dest}"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(case.raw)
    return root


@pytest.fixture(scope="module")
def checked(ledger):
    result = _run("check", "--root", ledger, "--worktree", "--as-of", AS_OF, "--format", "json")
    findings: dict[str, list[dict]] = {}
    for f in json.loads(result.stdout):
        findings.setdefault(f["path"], []).append(f)
    return result, findings


def test_corpus_has_a_file_per_failure_class():
    assert len(BAD) >= 35
    for case in BAD:
        assert case.expected, f"{case.name}: no '# expect:' line"
        assert case.name[:4] in {code for code, _, _ in case.expected}, f"{case.name} does not expect its own code"


def test_check_fails_cleanly(checked):
    result, _ = checked
    _assert_clean_exit(result, 1)


@pytest.mark.parametrize("case", BAD, ids=str)
def test_bad_file_reports_its_code_line_and_field(checked, case):
    _, findings = checked
    got = Counter((f["code"], f["line"], f["field"]) for f in findings.get(case.dest, []))
    assert got == Counter(case.expected)
    for f in findings[case.dest]:
        assert f["severity"] == codes.get(f["code"]).severity
        assert f["message"] and re.search(r"[\u4e00-\u9fff]", f["message"]), f


def test_nothing_reported_outside_the_corpus(checked):
    _, findings = checked
    assert set(findings) <= {case.dest for case in BAD}


def test_good_files_beside_the_bad_ones_are_checked_and_clean(ledger, checked):
    _, findings = checked
    for good in GOOD:
        assert f"items/2026/{good.name}" not in findings
    listed = _run("list", "--root", ledger, "--worktree", "--as-of", AS_OF, "--format", "json")
    _assert_clean_exit(listed, 0)
    ids = {row["id"] for row in json.loads(listed.stdout)}
    assert {good.stem for good in GOOD} <= ids
    text = _run("check", "--root", ledger, "--worktree", "--as-of", AS_OF)
    _assert_clean_exit(text, 1)
    assert f"检查了 {len(BAD) + len(GOOD) + 1} 个文件" in text.stdout


def test_text_output_of_one_file(ledger):
    result = _run("check", ledger / "items/2026/DC-2026-0301.yml", "--root", ledger, "--worktree", "--as-of", AS_OF)
    _assert_clean_exit(result, 1)
    assert result.stdout == (
        "items/2026/DC-2026-0301.yml\n"
        "  第 9 行  D301 错误 lead_unit：单位代码“jsj”未在台账规则中登记。"
        "是否指 jtysj（市交通运输局）？\n"
        "\n"
        "检查了 2 个文件：1 个错误，0 个警告。\n"
    )


def test_text_output_groups_findings_by_file(ledger):
    result = _run(
        "check",
        ledger / "items/2026/old/DC-2026-0208.yml",
        ledger / "items/2026/D104-tab-indentation.yml",
        "--root",
        ledger,
        "--worktree",
        "--as-of",
        AS_OF,
    )
    _assert_clean_exit(result, 1)
    assert result.stdout == (
        "items/2026/D104-tab-indentation.yml\n"
        "  第 17 行  D104 错误：这一行用 Tab 缩进，YAML 只能用空格缩进。\n"
        "\n"
        "items/2026/old/DC-2026-0208.yml\n"
        "  全文  D208 错误 id：编号 DC-2026-0208 同时被 items/2026/DC-2026-0208.yml 使用。\n"
        "  全文  D212 错误：事项文件应直接放在 items/<年份>/ 目录下，不能再分子目录。此文件未读取。\n"
        "\n"
        "检查了 3 个文件：3 个错误，0 个警告。\n"
    )


# -- the rules file ------------------------------------------------------------------

RULES_CASES = {
    # code: (text in ledger.yml, its replacement, the text on the reported line, field)
    "R102": ("yellow_working_days: 3", "yellow_working_days: -1", "yellow_working_days: -1", "lights.yellow_working_days"),
    "R103": ("merged_into: sjj}", "merged_into: sjjj}", "zwfwj:", "units.zwfwj.merged_into"),
    "R104": (
        "holiday_overrides: {}",
        "holiday_overrides:\n  2027:\n    holidays: [2027-01-01, 2026-12-31]\n    workdays: []",
        "  2027:",
        "holiday_overrides.2027",
    ),
    "R105": ("  min: 0\n  max: 120", "  min: 130\n  max: 120", "  min: 130", "scoring.min"),
    "R106": ("valid_until: 2026-06-30", "valid_until: 2026-06-31", "zwfwj:", "units.zwfwj.valid_until"),
    "R108": ("  decimals: 1", "  decimals: 3", "  decimals: 3", "statistics.decimals"),
    # a category without a default deadline says so as ``deadline: none``, nothing vaguer
    "R111": ("    deadline: none ", "    deadline: ", "    deadline: ", "categories.meeting_no_deadline.deadline"),
    "R112": ("    deadline: none ", "    deadline: 无 ", "    deadline: 无 ", "categories.meeting_no_deadline.deadline"),
    "R113": ("市长办公会议决定事项\n    deadline:\n      normal:   {days: 30, unit: calendar}",
             "市长办公会议决定事项\n    deadline:\n      normal:   none", "    deadline:\n      normal:   none",
             "categories.office_meeting.deadline"),
    "R114": ("  basis: year", "  basis: month", "  basis: month", "pace.basis"),
    "R115": ("  red_behind: 30", "  red_behind: 5", "  yellow_behind: 10", "pace.yellow_behind"),
    "R116": ("  lights: true", "  lights: 1", "  lights: 1", "pace.lights"),
}


@pytest.mark.parametrize("code", sorted(RULES_CASES))
def test_rules_file_errors(tmp_path, code):
    old, new, marker, field = RULES_CASES[code]
    rules = LEDGER_RULES.read_text(encoding="utf-8")
    assert rules.count(old) == 1
    rules = rules.replace(old, new)
    line = rules[: rules.index(marker)].count("\n") + 1
    root = _make_ledger(tmp_path, rules)
    result = _run("check", "--root", root, "--worktree", "--as-of", AS_OF)
    _assert_clean_exit(result, 1)
    assert f"items/ledger.yml\n  第 {line} 行  {code} 错误 {field}：" in result.stderr
    assert "错误：台账规则文件 items/ledger.yml 有错误，无法继续检查事项。" in result.stderr


def test_scoring_base_outside_its_bounds(tmp_path):
    rules = LEDGER_RULES.read_text(encoding="utf-8").replace("  base: 100\n  min: 0\n  max: 120", "  base: 150\n  min: 0\n  max: 120")
    line = rules[: rules.index("  base: 150")].count("\n") + 1
    result = _run("check", "--root", _make_ledger(tmp_path, rules), "--worktree", "--as-of", AS_OF)
    _assert_clean_exit(result, 1)
    assert f"第 {line} 行  R105 错误 scoring.base：考核基础分 base（150）不在最低分 min（0）与最高分 max（120）之间。" in result.stderr


def _impossible_dates() -> tuple[str, list[tuple[int, str, str]]]:
    """The sample rules with a day no calendar has in each kind of date field: the rules text and the
    (line, field, value) ``ducha`` must report for each."""
    rules = LEDGER_RULES.read_text(encoding="utf-8")
    for old, new in (
        ("until: 2026-03-31}", "until: 2026-04-31}"),
        ("valid_until: 2026-06-30", "valid_until: 2026-06-31"),
        ("holiday_overrides: {}", "holiday_overrides:\n  2027:\n    holidays:\n      - 2027-01-01\n      - 2027-02-30\n"
         "    workdays: [2027-02-07, 2027-13-01]"),
    ):
        assert rules.count(old) == 1
        rules = rules.replace(old, new)
    line = lambda marker: rules[: rules.index(marker)].count("\n") + 1  # noqa: E731
    return rules, [
        (line("市大数据管理中心, until: 2026-04-31"), "units.sjj.former_names[0].until", "2026-04-31"),
        (line("zwfwj:"), "units.zwfwj.valid_until", "2026-06-31"),
        (line("      - 2027-02-30"), "holiday_overrides.2027.holidays[1]", "2027-02-30"),
        (line("    workdays: [2027-02-07, 2027-13-01]"), "holiday_overrides.2027.workdays[1]", "2027-13-01"),
    ]


@pytest.mark.parametrize("command", ["check", "list", "stats", "build"])
def test_impossible_dates_in_the_rules_are_all_reported_by_every_command(tmp_path, command):
    rules, expected = _impossible_dates()
    root = _make_ledger(tmp_path, rules)
    shutil.copy(LEDGER_RULES.parents[1] / "mkdocs.yml", root / "mkdocs.yml")
    shutil.copytree(LEDGER_RULES.parents[1] / "site_src", root / "site_src")
    result = _run(command, "--root", root, *(() if command == "build" else ("--worktree", "--as-of", AS_OF)))
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exc_info
    assert "Traceback" not in result.output and "out of range" not in result.output
    for line, field, value in expected:
        assert f"  第 {line} 行  R106 错误 {field}：“{value}”不是实际存在的日期。" in result.stderr
    assert "R103" not in result.stderr, "a merged unit's impossible valid_until is not also a missing one"


def test_missing_rules_file(tmp_path):
    root = _make_ledger(tmp_path, None)
    result = _run("check", "--root", root, "--worktree", "--as-of", AS_OF)
    _assert_clean_exit(result, 1)
    assert "items/ledger.yml\n  全文  R101 错误：找不到台账规则文件 items/ledger.yml；" in result.stderr
    assert "错误：找不到台账规则文件 items/ledger.yml。" in result.stderr


# -- the codes page is the contract ------------------------------------------------


def test_every_code_is_on_the_published_page():
    page = codes.docs_markdown()
    for code, c in codes.CODES.items():
        assert f'<span id="{code}">{code}</span>' in page
        assert c.title in page and c.fix in page


def test_every_code_used_in_the_package_is_documented():
    used = set()
    for source in Path(ducha.__file__).parent.rglob("*.py"):
        used |= set(re.findall(r"""["']([A-Z]\d{3})["']""", source.read_text(encoding="utf-8")))
    assert used, "no codes found: has the package moved?"
    assert used - set(codes.CODES) == set()


def test_every_file_code_has_a_corpus_case_or_a_reason():
    """D (item file) and R (rules file) codes; T and A codes come from git history and have their own tests."""
    file_codes = {code for code in codes.CODES if code[0] in "DR"}
    covered = {code for case in BAD for code, _, _ in case.expected} | set(RULES_CASES) | {"R101"}
    assert file_codes - covered == set(NOT_FROM_ITEM_FILES)
