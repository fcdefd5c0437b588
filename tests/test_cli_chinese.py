"""Every message the command line gives a clerk is Chinese: usage errors, choices, prompts, help pages.

Click words its own errors in English ("Error: Invalid value for '--status' ...", "No such option",
"Missing argument"); ``ducha`` says them in Chinese with the command's usage line and exit code 2.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from ducha.cli import main

REPO = Path(__file__).resolve().parents[1]
# click's own English, as any version of click 8 words it
ENGLISH = re.compile(
    r"Error:|Usage:|Invalid value|Missing (argument|option|parameter)|No such (option|command)|is not one of|"
    r"Try '|for help|Did you mean|Options:|Commands:|Show this message|Aborted|does not exist|requires an argument|"
    r"is not a valid|is not in the range|unexpected extra|\[default:|\[required\]"
)


@pytest.fixture(scope="module")
def ledger(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("ledger")
    (root / "items" / "2026").mkdir(parents=True)
    shutil.copy(REPO / "items" / "ledger.yml", root / "items" / "ledger.yml")
    return root


def run(*args, input=None):
    return CliRunner().invoke(main, [str(a) for a in args], input=input)  # the group is named ducha


def _commands(group: click.Group, prefix=()):
    for name, cmd in group.commands.items():
        yield (*prefix, name), cmd
        if isinstance(cmd, click.Group):
            yield from _commands(cmd, (*prefix, name))


BAD = [
    (["lst"], "错误：没有 lst 这个命令。可用的命令：check、list、show、new、import、history、audit、build"),
    (["bulletin", "frob"], "错误：没有 frob 这个命令。可用的命令：new、verify、annex、export。"),
    (["list", "--bogus"], "错误：没有 --bogus 这个选项。"),
    (["list", "--stauts", "draft"], "错误：没有 --stauts 这个选项。是否指 --status？"),
    (["list", "--status", "doing"], "错误：--status 的值有误：“doing”不是可选的值；可选：draft（拟办）、assigned（已交办）、"
                                    "in_progress（办理中）、reported（已报结）、returned（退回重办）、closed（已办结）、cancelled（已撤销）。"),
    (["list", "--light", "蓝灯"], "错误：--light 的值有误：“蓝灯”不是可选的值；可选：green（绿灯）、yellow（黄灯）、red（红灯）"),
    (["list", "--format", "xml"], "错误：--format 的值有误：“xml”不是可选的值；可选：text、json。"),
    (["list", "extra"], "错误：多写了参数：extra（值里有空格时请加引号）。"),
    (["list", "--as-of"], "错误：选项 --as-of 后面要写一个值。"),
    (["list", "--as-of", "2026-13-01"], "错误：--as-of 的值有误：“2026-13-01”不是有效日期，应写成 YYYY-MM-DD，如 2026-06-30。"),
    (["show"], "错误：缺少参数 ITEM_ID。"),
    (["history"], "错误：缺少参数 ITEM_ID。"),
    (["stats", "--by", "单位"], "错误：--by 的值有误：“单位”不是可选的值；可选：unit（牵头单位）、co_unit（配合单位）"),
    (["stats", "--due-within", "99"], "错误：--due-within 的值有误：99 不在允许的范围 0<=x<=60 内。"),
    (["stats", "--due-within", "五"], "错误：--due-within 的值有误：“五”不是整数。"),
    (["check", "/no/such/file.yml"], "错误：PATHS 的值有误：/no/such/file.yml 不存在。"),
    (["new", "--urgency", "很急"], "错误：--urgency 的值有误：“很急”不是可选的值；可选：normal（一般）、urgent（急件）、critical（特急）。"),
    (["init", "--forge", "svn", "x"], "错误：--forge 的值有误：“svn”不是可选的值；可选：gitlab、gitea、forgejo、github。"),
    (["reviewers"], "错误：缺少选项 --base。"),
    (["bulletin", "new"], "错误：缺少选项 --kind。"),
    (["audit", "--format", "xlsx"], "错误：--format 的值有误：“xlsx”不是可选的值；可选：text、json、csv。"),
    (["list", "--worktree", "--unit", "zzz"], "错误：--unit 的值有误：单位“zzz”未在台账规则中登记。可写：fgw（市发展和改革委员会）"),
    (["list", "--worktree", "--unit", "住建委"], "错误：--unit 的值有误：单位“住建委”未在台账规则中登记。是否指 zjj（市住房和城乡建设局）？"),
    (["list", "--worktree", "--category", "会议"], "错误：--category 的值有误：“会议”可能是 meeting_decision（常务会议议定事项）、"),
    (["notice", "--unit", "市政府"], "错误：--unit 的值有误：单位“市政府”未在台账规则中登记。是否指 "),
    (["stats", "--worktree", "--batch", "第99次常务会议"], "错误：--batch 的值有误：会议或文件“第99次常务会议”未在台账规则中登记。是否指 "),
]  # fmt: skip


@pytest.mark.parametrize("args, said", BAD, ids=[" ".join(a) for a, _ in BAD])
def test_a_bad_invocation_is_said_in_chinese_with_exit_code_2(ledger, args, said):
    head = 2 if args[0] == "bulletin" else 1
    rooted = args[0] not in ("lst", "init") and args[:2] != ["bulletin", "frob"]
    result = run(*args[:head], *(["--root", ledger] if rooted else []), *args[head:])
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exc_info
    assert said in result.stderr, result.stderr
    assert "用法：ducha" in result.stderr and "查看说明。" in result.stderr
    assert not ENGLISH.search(result.output), result.output


def test_no_command_prints_the_help_page_in_chinese():
    result = run()
    assert result.exit_code == 2 and "用法：ducha [选项] 命令 [参数]..." in result.output
    assert "命令：" in result.output and not ENGLISH.search(result.output), result.output
    bulletin = run("bulletin")
    assert bulletin.exit_code == 2 and "用法：ducha bulletin [选项] 命令 [参数]..." in bulletin.output


@pytest.mark.parametrize("path", [p for p, _ in _commands(main)] + [()], ids=lambda p: " ".join(p) or "ducha")
def test_every_help_page_is_chinese(path):
    result = run(*path, "--help")
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"用法：{' '.join(('ducha', *path))} ")
    assert "选项：" in result.output and "显示本帮助并退出。" in result.output
    assert not ENGLISH.search(result.output), result.output


def test_version():
    result = run("--version")
    assert result.exit_code == 0 and re.fullmatch(r"ducha \S+\n", result.output)


def test_interactive_new_offers_numbered_choices_and_takes_a_number_a_code_or_a_name(tmp_path):
    (tmp_path / "items" / "2026").mkdir(parents=True)
    shutil.copy(REPO / "items" / "ledger.yml", tmp_path / "items" / "ledger.yml")
    # 类别 by its number (5: work_report_target), a wrong answer, then 领导 by title, 牵头单位 by short name
    answers = "\n".join(["推进城区公交站台提质改造", "5", "市政府第9次常务会议纪要", "王局长", "王副市长", "市交通局"]) + "\n"
    result = run("new", "--root", tmp_path, "--assigned", "2026-11-20", input=answers)
    assert result.exit_code == 0, result.output
    assert "   5. work_report_target（政府工作报告目标任务）\n" in result.output
    assert "   1. mayor_zhang（市长张建国）\n" in result.output and "  11. zjj（市住房和城乡建设局）\n" in result.output
    assert "类别（输入序号、代码或名称）：" in result.output
    assert "领导“王局长”未在台账规则中登记。" in result.stderr and "请重新输入。" in result.stderr
    text = (tmp_path / "items/2026/DC-2026-0001.yml").read_text(encoding="utf-8")
    assert "category: work_report_target\n" in text and "leader: vmayor_wang\n" in text and "lead_unit: jtysj\n" in text
    assert not ENGLISH.search(result.output), result.output


def test_new_takes_names_in_options_and_refuses_what_names_nothing(tmp_path):
    (tmp_path / "items" / "2026").mkdir(parents=True)
    shutil.copy(REPO / "items" / "ledger.yml", tmp_path / "items" / "ledger.yml")
    base = ["new", "--root", tmp_path, "--title", "事项", "--source", "批示", "--assigned", "2026-11-20"]
    named = run(*base, "--category", "领导批示件", "--leader", "张市长", "--lead-unit", "市住建局", "--co-unit", "ｃｚｊ")
    assert named.exit_code == 0, named.output
    text = (tmp_path / "items/2026/DC-2026-0001.yml").read_text(encoding="utf-8")
    assert "category: leader_instruction\n" in text and "leader: mayor_zhang\n" in text
    assert "lead_unit: zjj\n" in text and "co_units:\n- czj\n" in text
    wrong = run(*base, "--category", "领导批示件", "--leader", "mayor_zang", "--lead-unit", "zjj")
    assert wrong.exit_code == 2
    assert "错误：--leader 的值有误：领导“mayor_zang”未在台账规则中登记。是否指 mayor_zhang（市长张建国）？" in wrong.stderr
    aborted = run("new", "--root", tmp_path, input="")
    assert aborted.exit_code == 1 and "已中止。" in aborted.output and not ENGLISH.search(aborted.output)


def _bad_values(param: click.Parameter) -> list[str]:
    """Values click itself refuses for ``param`` (by its type), each to be said in Chinese."""
    kind = param.type
    if isinstance(param, click.Option) and (param.is_flag or param.count):
        return []
    if isinstance(kind, click.Choice):
        return ["zz-nope"]
    if isinstance(kind, (click.IntRange, click.FloatRange)):
        return ["zz", "-99999"]
    if isinstance(kind, (click.types.IntParamType, click.types.FloatParamType)):
        return ["zz"]
    if isinstance(kind, click.Path):
        return ["/no/such/path/zz"] if kind.exists else []
    if not isinstance(kind, click.types.StringParamType):  # the CLI's own types (dates …)
        return ["zz-nope"]
    return []


def _sweep():
    for path, cmd in _commands(main):
        if isinstance(cmd, click.Group):
            continue
        yield path, cmd, ["--zz-nope"]
        for param in cmd.params:
            name = param.opts[0] if isinstance(param, click.Option) else None
            for value in _bad_values(param):
                yield path, cmd, [name, value] if name else [value]


SWEEP = list(_sweep())


@pytest.mark.parametrize("path, cmd, args", SWEEP, ids=[" ".join((*p, *a)) for p, _, a in SWEEP])
def test_every_option_click_refuses_is_refused_in_chinese(ledger, path, cmd, args):
    """Not only the cases above: every command with an unknown option, and every option and argument with a
    value its type refuses, answers with exit code 2 and no English of click's."""
    rooted = any("--root" in p.opts for p in cmd.params if isinstance(p, click.Option))
    result = run(*path, *(["--root", ledger] if rooted else []), *args)
    assert result.exit_code == 2, (result.output, result.exc_info)
    assert "错误：" in result.stderr and not ENGLISH.search(result.output), result.output


def test_a_file_that_is_no_workbook_is_said_in_chinese(ledger, tmp_path):
    text = tmp_path / "事项.txt"
    text.write_text("序号,事项", encoding="utf-8")
    result = run("import", text, "--category", "meeting_decision", "--source", "纪要", "--root", ledger)
    assert result.exit_code == 1 and isinstance(result.exception, (SystemExit, type(None))), result.exc_info
    assert "只能导入 .xlsx 文件" in result.output and not ENGLISH.search(result.output), result.output
