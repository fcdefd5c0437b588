"""The CLI end to end on a small ledger in tmp_path: new, check, list, show, schema."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from ducha.core import schema
from ducha.cli import main

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def ledger(tmp_path: Path) -> Path:
    (tmp_path / "items" / "2026").mkdir(parents=True)
    shutil.copy(REPO / "items" / "ledger.yml", tmp_path / "items" / "ledger.yml")
    return tmp_path


def run(*args, input=None):
    result = CliRunner().invoke(main, [str(a) for a in args], input=input, catch_exceptions=False)
    return result


def new_item(root: Path, title: str, assigned: str = "2026-11-02", **extra) -> str:
    args = ["new", "--root", root, "--title", title, "--category", "meeting_decision", "--source", "市政府第9次常务会议纪要",
            "--leader", "mayor_zhang", "--lead-unit", "fgw", "--co-unit", "czj", "--assigned", assigned]  # fmt: skip
    for key, value in extra.items():
        args += [f"--{key.replace('_', '-')}", value]
    result = run(*args)
    assert result.exit_code == 0, result.output
    return re.search(r"已登记 (DC-\d{4}-\d{4})", result.output).group(1)


def test_new_allocates_sequential_ids_and_output_validates(ledger):
    assert new_item(ledger, "加快推进地铁3号线建设") == "DC-2026-0001"
    assert new_item(ledger, "推进老旧小区改造", deadline="2026-12-15") == "DC-2026-0002"
    text = (ledger / "items/2026/DC-2026-0002.yml").read_text(encoding="utf-8")
    assert text.startswith("# yaml-language-server: $schema=../item.schema.json\n")
    assert "id: DC-2026-0002\n" in text and "deadline: 2026-12-15\n" in text and "status: draft\n" in text
    result = run("check", "--root", ledger, "--as-of", "2026-11-26")
    assert result.exit_code == 0
    assert result.stdout == "检查了 3 个文件：0 个错误，0 个警告。\n"
    assert "不是 git 仓库" in result.stderr


def test_new_takes_a_measurable_target(ledger):
    item = new_item(ledger, "完成棚户区改造", target="3200户", target_name="棚户区改造新开工")
    text = (ledger / f"items/2026/{item}.yml").read_text(encoding="utf-8")
    assert "target:" in text and "value: 3200" in text and "unit: 户" in text and "name: 棚户区改造新开工" in text
    assert run("check", "--root", ledger, "--as-of", "2026-11-26").exit_code == 0
    bad = run("new", "--root", ledger, "--title", "x", "--category", "meeting_decision", "--source", "纪要", "--leader",
              "mayor_zhang", "--lead-unit", "fgw", "--target", "若干")  # fmt: skip
    assert bad.exit_code == 2 and "目标值“若干”不是数字" in bad.output and len(list((ledger / "items/2026").glob("*.yml"))) == 1


def test_new_fills_gaps_after_the_highest_number_and_never_overwrites(ledger):
    (ledger / "items/2026/DC-2026-0007.yml").write_text("placeholder", encoding="utf-8")
    assert new_item(ledger, "事项") == "DC-2026-0008"
    assert (ledger / "items/2026/DC-2026-0007.yml").read_text(encoding="utf-8") == "placeholder"


def test_new_prompts_for_missing_fields(ledger):
    answers = "\n".join(["市长信箱来信反映噪音扰民", "mayor_mailbox", "市长信箱第2026-1033号", "vmayor_chen", "sthjj"]) + "\n"
    result = CliRunner().invoke(main, ["new", "--root", str(ledger), "--assigned", "2026-11-20"], input=answers)
    assert result.exit_code == 0, result.output
    data = (ledger / "items/2026/DC-2026-0001.yml").read_text(encoding="utf-8")
    assert "category: mayor_mailbox" in data and "lead_unit: sthjj" in data


def test_new_rejects_unknown_codes_without_writing(ledger):
    result = CliRunner().invoke(
        main,
        ["new", "--root", str(ledger), "--title", "x", "--category", "nope", "--source", "s", "--leader", "mayor_zhang",
         "--lead-unit", "fgw", "--assigned", "2026-11-20"],
    )  # fmt: skip
    assert result.exit_code == 2
    assert "未在台账规则中登记" in result.output
    assert list((ledger / "items/2026").iterdir()) == []


def _approve(path: Path, status: str, extra: str = ""):
    text = path.read_text(encoding="utf-8").replace("status: draft\n", f"status: {status}\n")
    text += "approval:\n  opinion: 拟请市发改委牵头办理。\n  by: vmayor_li\n  date: 2026-11-01\n" + extra
    path.write_text(text, encoding="utf-8")


def test_list_filters_and_show(ledger):
    a = new_item(ledger, "超期事项", deadline="2026-11-10")
    b = new_item(ledger, "正常事项", assigned="2026-11-20", deadline="2026-12-30")
    _approve(ledger / f"items/2026/{a}.yml", "in_progress",
             "progress:\n  - date: 2026-11-20\n    by: fgw\n    text: 正在推进。\n    delay_reason: 征地协调未完成。\n")  # fmt: skip
    _approve(ledger / f"items/2026/{b}.yml", "assigned")
    result = run("list", "--root", ledger, "--as-of", "2026-11-26", "--overdue", "--format", "json")
    rows = json.loads(result.stdout)
    assert [r["id"] for r in rows] == [a]
    assert rows[0]["light"] == "red" and rows[0]["number"] == "江府督办〔2026〕1号"
    result = run("list", "--root", ledger, "--as-of", "2026-11-26", "--light", "green")
    assert b in result.stdout and a not in result.stdout and result.stdout.endswith("共 1 项（截至 2026-11-26）。\n")
    drafts = run("list", "--root", ledger, "--as-of", "2026-11-26", "--status", "draft")
    assert drafts.stdout == "共 0 项（截至 2026-11-26）。\n"
    shown = run("show", a, "--root", ledger, "--as-of", "2026-11-26")
    assert "有效期限：2026-11-10（交办时明确的办理期限 2026-11-10）" in shown.output
    assert "灯色：红灯" in shown.output and "说明原因：征地协调未完成。" in shown.output
    missing = CliRunner().invoke(main, ["show", "DC-2026-0099", "--root", str(ledger)])
    assert missing.exit_code == 1 and "错误：台账中没有编号为 DC-2026-0099 的事项" in missing.output


def test_check_exit_codes_and_usage_errors(ledger):
    new_item(ledger, "事项")
    bad = ledger / "items/2026/DC-2026-0002.yml"
    bad.write_text("# yaml-language-server: $schema=../item.schema.json\nid: DC-2026-0002\n", encoding="utf-8")
    result = run("check", "--root", ledger, "--as-of", "2026-11-26")
    assert result.exit_code == 1
    assert "items/2026/DC-2026-0002.yml\n  全文  D201 错误 assigned：缺少必填字段 assigned（交办日期）。\n  全文  D201 错误 category：" in result.stdout
    usage = CliRunner().invoke(main, ["check", "--root", str(ledger), "--as-of", "2026-13-01"])
    assert usage.exit_code == 2 and "不是有效日期" in usage.output
    no_ledger = CliRunner().invoke(main, ["check", "--root", str(ledger / "items")])
    assert no_ledger.exit_code == 1 and "找不到台账规则文件" in no_ledger.output and "Traceback" not in no_ledger.output


def test_committed_schema_is_current():
    committed = (REPO / "items" / "item.schema.json").read_text(encoding="utf-8")
    assert committed == schema.item_schema_json(), "run: ducha schema --output items/item.schema.json"
    assert run("schema").stdout == committed


def test_every_sample_item_points_at_the_schema():
    for path in (REPO / "items").glob("*/*.yml"):
        assert path.read_text(encoding="utf-8").startswith("# yaml-language-server: $schema=../item.schema.json\n"), path


def _commands(group, prefix=""):
    for name, cmd in group.commands.items():
        full = f"{prefix}{name}"
        if hasattr(cmd, "commands"):
            yield from _commands(cmd, full + " ")
        else:
            yield full, cmd


def test_every_command_and_option_is_documented_in_readme():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    for name, cmd in _commands(main):
        assert f"ducha {name}" in readme, f"README does not document `ducha {name}`"
        for param in cmd.params:
            for opt in getattr(param, "opts", []):
                if opt.startswith("--") and opt not in ("--help", "--root"):
                    assert opt in readme, f"README does not document {opt} of `ducha {name}`"


def test_show_and_the_item_page_list_the_same_record(tmp_path):
    """One record of events (record.events) for ``ducha show`` and the item page: the approval and the
    citizen reply are in both."""
    from ducha import load_ledger
    from ducha.core.record import events

    root = Path(__file__).resolve().parents[1]
    ledger = load_ledger(root, dt.date(2026, 11, 30), only=[root / "items" / "2026" / "DC-2026-0055.yml"])
    item = ledger.items["DC-2026-0055"]
    kinds = [e.kind for e in events(item, ledger.rules)]
    assert {"拟办意见", "答复来信人", "报结", "退回重办"} <= set(kinds)
    shown = CliRunner().invoke(main, ["show", "DC-2026-0055", "--root", str(root), "--worktree", "--as-of", "2026-11-30"])
    assert shown.exit_code == 0, shown.output
    listed = [line.split()[1] for line in shown.output.split("办理过程：\n", 1)[1].splitlines() if line.startswith("  20")]
    assert listed == kinds


def test_new_never_reuses_the_id_of_a_deleted_item(tmp_path):
    from gitutil import make_item, make_repo

    repo = make_repo(tmp_path)
    for n in (1, 2, 3):
        repo.write_item(make_item(f"DC-2026-000{n}", "assigned"))
    repo.commit("登记三个事项", "2026-11-16")
    (repo.path / "items/2026/DC-2026-0003.yml").unlink()
    repo.commit("删除误登记的事项", "2026-11-17")
    repo.checkout("feature", new=True)  # an item registered on a branch not merged yet
    repo.write_item(make_item("DC-2026-0005", "assigned"))
    repo.commit("分支上登记", "2026-11-17")
    repo.checkout("main")
    assert sorted(p.name for p in (repo.path / "items/2026").iterdir()) == ["DC-2026-0001.yml", "DC-2026-0002.yml"]
    assert new_item(repo.path, "新事项") == "DC-2026-0006"
    assert "DC-2026-0006" in (repo.path / "items/2026/DC-2026-0006.yml").read_text(encoding="utf-8")
