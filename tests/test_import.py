"""ducha import: a task-decomposition sheet (任务分解表) becomes items, or nothing is written."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import Workbook, load_workbook

from ducha.cli import main
from ducha.intake.importer import SAMPLE_HEADER, SAMPLE_ROWS, SAMPLE_TITLE, match_unit, parse_deadline
from ducha import load_rules

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "tests" / "data" / "import-sample.xlsx"
MEETING = ["--category", "meeting_decision", "--source", "市政府第25次常务会议纪要", "--assigned", "2026-11-27"]


@pytest.fixture
def ledger(tmp_path: Path) -> Path:
    (tmp_path / "items" / "2026").mkdir(parents=True)
    shutil.copy(REPO / "items" / "ledger.yml", tmp_path / "items" / "ledger.yml")
    shutil.copy(REPO / "items" / "item.schema.json", tmp_path / "items" / "item.schema.json")
    return tmp_path


@pytest.fixture
def rules():
    return load_rules(REPO / "items")


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def sheet(path: Path, rows: list[list], header=("序号", "工作任务", "牵头单位", "配合单位", "责任领导", "完成时限（年月日）")) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.append(["2026年政府工作报告重点任务分解表"])
    ws.append(list(header))
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


def files(ledger: Path) -> list[str]:
    return sorted(p.name for p in (ledger / "items" / "2026").glob("*.yml"))


def test_the_shipped_sample_is_what_import_sample_writes(tmp_path):
    written = tmp_path / "s.xlsx"
    assert run("import", written, "--sample").exit_code == 0
    values = lambda p: [list(r) for r in load_workbook(p).active.iter_rows(values_only=True)]  # noqa: E731
    assert values(SAMPLE) == values(written)
    assert values(SAMPLE)[0][0] == SAMPLE_TITLE and values(SAMPLE)[1] == SAMPLE_HEADER
    assert len(values(SAMPLE)) == 2 + len(SAMPLE_ROWS)
    assert run("import", written, "--sample").exit_code == 1  # never overwritten


def test_dry_run_shows_what_will_be_created_and_writes_nothing(ledger):
    result = run("import", SAMPLE, *MEETING, "--dry-run", "--root", ledger)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == (
        f"{SAMPLE}：工作表“任务分解”，表头在第 2 行（识别的列：序号 A、事项 B、具体要求 C、牵头单位 D、配合单位 E、"
        "责任领导 F、完成时限 G、备注 H）。"
    )
    assert lines[1] == "将登记 6 个事项（状态：拟办）："
    assert lines[2:6] == [
        "  第 4 行  DC-2026-0001  加快推进2027年市级重大项目前期工作",
        "      牵头：市发展和改革委员会（fgw）  配合：市自然资源和规划局、市生态环境局、市财政局",
        "      交办领导：常务副市长李文华  交办：2026-11-27  期限：2027-01-31  来源：市政府第25次常务会议纪要第1项",
        "      说明：“市发改委”按简称匹配",
    ]
    assert "      说明：“市人社局”按简称匹配；“各区县政府”即 和平区人民政府、江华区人民政府、北山区人民政府、西河县人民政府" in lines
    assert "      说明：“市大数据管理中心”为曾用名；市政务服务中心已并入市数据资源局" in lines
    assert "  第 10 行  DC-2026-0006  开展冬季电梯安全专项检查" in lines
    assert lines[-2] == "跳过：第 3 行 分组标题“一、稳增长、扩内需”；第 7 行 分组标题“二、保民生、优服务”。"
    assert lines[-1].startswith("试运行：未写入任何文件。")
    assert files(ledger) == []


def test_import_writes_valid_items(ledger):
    result = run("import", SAMPLE, *MEETING, "--root", ledger)
    assert result.exit_code == 0, result.output
    assert files(ledger) == [f"DC-2026-000{n}.yml" for n in range(1, 7)]
    text = (ledger / "items/2026/DC-2026-0004.yml").read_text(encoding="utf-8")
    assert "lead_unit: sjj\n" in text and "co_units" not in text and "deadline: 2026-12-31\n" in text
    assert "source: 市政府第25次常务会议纪要第4项\n" in text and "status: draft\n" in text
    assert "备注：原市大数据管理中心承担" in text
    six = (ledger / "items/2026/DC-2026-0006.yml").read_text(encoding="utf-8")
    assert "deadline: 2027-03-31\n" in six and "co_units:\n- zjj\n- hpq\n" in six  # 一季度 written in November
    check = run("check", "--root", ledger, "--as-of", "2026-11-27")
    assert check.exit_code == 0, check.output
    again = run("import", SAMPLE, *MEETING, "--root", ledger)
    assert again.exit_code == 1 and "台账中已有同一来源的同名事项，可能已经导入过" in again.output
    assert len(files(ledger)) == 6


def test_approved_decompositions_are_assigned_at_once(ledger):
    result = run("import", SAMPLE, *MEETING, "--approved-by", "vmayor_li", "--root", ledger)
    assert result.exit_code == 0 and "已登记 6 个事项（状态：已交办）：" in result.output
    text = (ledger / "items/2026/DC-2026-0001.yml").read_text(encoding="utf-8")
    assert "status: assigned\n" in text and "opinion: 按市政府第25次常务会议纪要第1项分解落实，由市发展和改革委员会牵头办理。" in text
    assert run("check", "--root", ledger, "--as-of", "2026-11-27").exit_code == 0


def test_row_level_errors_name_row_and_column_and_nothing_is_written(ledger, tmp_path):
    path = sheet(tmp_path / "bad.xlsx", [
        [1, "全年新增城镇就业6万人以上", "市人社局", "各区县政府", "陈静", "年底前"],
        [2, "推进重大项目建设", "市发改局", "市财政局", "李文华", dt.date(2026, 12, 31)],
        [3, "优化营商环境", "市局", None, "李文华", "2026-12-31"],
        [4, "稳步推进城市更新", "市住建局", "市城管局", "李局长", "持续推进"],
        [5, None, "市交通局", None, "王晓东", "12月底"],
        [6, "推进数字政府建设", None, None, "孙立新", "2026年12月31日"],
        [7, "做好防汛抗旱准备", "市水利局", None, "赵志刚", "2026-02-30"],
    ])  # fmt: skip
    result = run("import", path, "--category", "work_report_target", "--source", "《2026年市政府工作报告》目标任务分解",
                 "--assigned", "2026-11-27", "--root", ledger)  # fmt: skip
    assert result.exit_code == 1
    errors = [line.strip() for line in result.output.splitlines() if line.startswith("  第 ")]
    assert errors == [
        "第 4 行 C 列（牵头单位）：“市发改局”不是台账规则中登记的单位（请写全称、常用简称或单位代码，见 items/ledger.yml 的 units）"
        "；是否指 fgw（市发展和改革委员会）",
        "第 5 行 C 列（牵头单位）：“市局”可能是 " + errors[1].split("可能是 ")[1],
        "第 6 行 E 列（责任领导）：“李局长”不是台账规则中登记的领导（写姓名，如 张建国，或领导代码）",
        "第 6 行 F 列（完成时限）：“持续推进”不是具体期限；督办事项须有办理期限，请写明日期（如 2026-12-31）或拆成分阶段的事项",
        "第 7 行 B 列（事项）：事项为空",
        "第 8 行 C 列（牵头单位）：牵头单位为空",
        "第 9 行 F 列（完成时限）：“2026-02-30”不是有效日期",
    ]
    assert "市公安局（gaj）" in errors[1] and errors[1].endswith("请写全称或单位代码")
    assert "错误：6 行有错误（共 7 处），未登记任何事项；请改正后重新导入。" in result.output
    assert files(ledger) == []


def test_missing_columns_and_options_are_said_plainly(ledger, tmp_path):
    path = sheet(tmp_path / "no-leader.xlsx", [[1, "推进数字政府建设", "市数据资源局"]], header=("序号", "重点任务", "责任单位"))
    result = run("import", path, "--category", "work_report_target", "--source", "报告", "--root", ledger)
    assert result.exit_code == 1 and "表中没有“责任领导”列，须统一指定交办领导。请用 --leader 指定。" in result.output
    ok = run("import", path, "--category", "work_report_target", "--source", "报告", "--leader", "dir_sun",
             "--assigned", "2026-11-27", "--dry-run", "--root", ledger)  # fmt: skip
    assert ok.exit_code == 0, ok.output
    assert "期限：按类别默认期限" in ok.output and "说明：未写完成时限，按类别默认期限" in ok.output
    plain = tmp_path / "notes.xlsx"
    sheet(plain, [["随便写写"]], header=("备注",))
    result = run("import", plain, "--category", "work_report_target", "--source", "报告", "--root", ledger)
    assert result.exit_code == 1 and "找不到表头" in result.output
    (tmp_path / "fake.xlsx").write_text("不是表格", encoding="utf-8")
    result = run("import", tmp_path / "fake.xlsx", "--root", ledger)
    assert result.exit_code == 1 and "不是有效的 .xlsx 文件" in result.output


def test_unit_names_match_codes_full_former_and_short_names(rules):
    on = dt.date(2026, 11, 27)
    assert match_unit(rules, "fgw", on) == ("fgw", "")
    assert match_unit(rules, "市发展和改革委员会", on) == ("fgw", "")
    assert match_unit(rules, "市发改委", on) == ("fgw", "“市发改委”按简称匹配")
    assert match_unit(rules, "发改委", on) == ("fgw", "“发改委”按简称匹配")
    assert match_unit(rules, "市大数据管理中心", on) == ("sjj", "“市大数据管理中心”为曾用名")
    assert match_unit(rules, "市政务服务中心", dt.date(2026, 5, 1)) == ("zwfwj", "")
    assert match_unit(rules, "市政务服务中心", on) == ("sjj", "市政务服务中心已并入市数据资源局")
    assert match_unit(rules, "和平区政府", on) == ("hpq", "“和平区政府”按简称匹配")
    code, why = match_unit(rules, "市局", on)
    assert code is None and "请写全称或单位代码" in why


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2026-06-30", dt.date(2026, 6, 30)),
        ("2026/6/30", dt.date(2026, 6, 30)),
        ("2026年6月30日前", dt.date(2026, 6, 30)),
        ("6月底前", dt.date(2026, 6, 30)),
        ("2027年3月底", dt.date(2027, 3, 31)),
        ("十二月", dt.date(2026, 12, 31)),
        ("11月中旬", dt.date(2026, 11, 20)),
        ("三季度末", dt.date(2026, 9, 30)),
        ("第四季度", dt.date(2026, 12, 31)),
        ("上半年", dt.date(2026, 6, 30)),
        ("年底前", dt.date(2026, 12, 31)),
        (dt.datetime(2026, 7, 1, 0, 0), dt.date(2026, 7, 1)),
        (46204, dt.date(2026, 7, 1)),  # an Excel serial number
    ],
)
def test_deadline_words(text, expected):
    assert parse_deadline(text, 2026) == (expected, "")


def test_deadline_words_that_are_not_deadlines():
    for text in ("长期坚持", "持续推进", "按月报送", "尽快", "13月底"):
        got, why = parse_deadline(text, 2026)
        assert got is None and why, text


def test_import_never_reuses_the_id_of_a_deleted_item(tmp_path):
    from gitutil import make_item, make_repo

    repo = make_repo(tmp_path)
    repo.write_item(make_item("DC-2026-0004", "assigned"))
    repo.commit("登记", "2026-11-16")
    (repo.path / "items/2026/DC-2026-0004.yml").unlink()
    repo.commit("删除", "2026-11-17")
    planned = run("import", SAMPLE, *MEETING, "--dry-run", "--root", repo.path)
    assert planned.exit_code == 0, planned.output
    assert "DC-2026-0005" in planned.output and "DC-2026-0004" not in planned.output
    result = run("import", SAMPLE, *MEETING, "--root", repo.path)
    assert result.exit_code == 0, result.output
    assert files(repo.path) == [f"DC-2026-{n:04d}.yml" for n in range(5, 11)]


def test_a_meeting_sheet_fills_batch_and_seq(ledger):
    rules = ledger / "items" / "ledger.yml"
    text = re.sub(r"(?m)^batches:\n(  .*\n)*", "", rules.read_text(encoding="utf-8"))  # the sample's own batches, if any
    rules.write_text(text.replace("\nlights:", "\nbatches:\n  cwhy_2026_25: {kind: standing_meeting, number: 25, date: 2026-11-24, title: 市政府第25次常务会议}\n\nlights:", 1), encoding="utf-8")
    result = run("import", SAMPLE, "--category", "meeting_decision", "--batch", "cwhy_2026_25", "--assigned", "2026-11-27", "--root", ledger)
    assert result.exit_code == 0, result.output
    four = (ledger / "items/2026/DC-2026-0004.yml").read_text(encoding="utf-8")
    assert "source: 市政府第25次常务会议第4项\nbatch: cwhy_2026_25\nseq: 4\n" in four  # 序号 of the sheet, source from the batch
    check = run("check", "--root", ledger, "--as-of", "2026-11-27")
    assert check.exit_code == 0, check.output
    unknown = run("import", SAMPLE, "--category", "meeting_decision", "--batch", "cwhy_2026_26", "--assigned", "2026-11-27", "--root", ledger)
    assert unknown.exit_code == 1 and "会议或文件“cwhy_2026_26”未在台账规则的 batches 中登记" in unknown.output


@pytest.mark.parametrize(
    "text, expected",
    [
        ("12月31日前", dt.date(2026, 12, 31)),
        ("6月30日", dt.date(2026, 6, 30)),
        ("季度末", dt.date(2026, 12, 31)),  # the quarter of the day of assignment (2026-11-27)
        ("本季度末", dt.date(2026, 12, 31)),
        ("12月底前", dt.date(2026, 12, 31)),
        ("年底前", dt.date(2026, 12, 31)),
    ],
)
def test_more_deadline_words(text, expected):
    assert parse_deadline(text, 2026, dt.date(2026, 11, 27)) == (expected, "")
    assert parse_deadline("2月30日前", 2026, dt.date(2026, 11, 27)) == (None, "“2月30日前”不是有效日期")


def test_leaders_by_name_or_title_and_units_written_with_a_space(ledger, tmp_path, rules):
    from ducha.intake.importer import match_leader, match_units

    assert match_leader(rules, "王副市长") == ("vmayor_wang", "")
    assert match_leader(rules, "张市长") == ("mayor_zhang", "")
    assert match_leader(rules, "刘秘书长") == ("sg_liu", "")
    code, why = match_leader(rules, "副市长")
    assert code is None and why.startswith("“副市长”可能是 vmayor_wang（副市长王晓东）、vmayor_chen（副市长陈静）")
    on = dt.date(2026, 11, 27)
    assert [c for c, _ in match_units(rules, "市 财政局、市民政局", on)] == ["czj", "mzj"]
    assert [c for c, _ in match_units(rules, "市财政局 市民政局", on)] == ["czj", "mzj"]
    path = sheet(tmp_path / "t.xlsx", [[1, "推进城区公交站台提质改造", "市交通局", "市 财政局", "王副市长", "12月31日前"]])
    result = run("import", path, "--category", "领导批示件", "--source", "批示", "--approved-by", "张市长",
                 "--assigned", "2026-11-27", "--root", ledger)  # fmt: skip
    assert result.exit_code == 0, result.output
    text = (ledger / "items/2026/DC-2026-0001.yml").read_text(encoding="utf-8")
    assert "category: leader_instruction\n" in text and "leader: vmayor_wang\n" in text
    assert "co_units:\n- czj\n" in text and "deadline: 2026-12-31\n" in text and "  by: mayor_zhang\n" in text
    refused = run("import", path, "--category", "meeting_decision", "--source", "批示", "--approved-by", "mayor_zang",
                  "--assigned", "2026-11-27", "--root", ledger)  # fmt: skip
    assert refused.exit_code == 1
    assert "审批领导“mayor_zang”未在台账规则中登记。是否指 mayor_zhang（市长张建国）？" in refused.output


def test_a_work_report_sheet_fills_measurable_targets(ledger, tmp_path):
    """目标值 / 计量单位 / 指标 columns become the item's ``target`` (序时进度); 6万人 and 3200户 read in one cell."""
    path = sheet(tmp_path / "targets.xlsx", [
        [1, "新增城镇就业", "市人社局", "", "陈静", "12月31日前", "6万人", "", "新增城镇就业"],
        [2, "完成棚户区改造", "市住建局", "", "王晓东", "年底前", 3200, "户", "棚户区改造新开工"],
        [3, "优化营商环境", "市发展改革委", "", "李文华", "年底前", "", "", ""],
        [4, "新建5G基站", "市工信局", "", "李文华", "年底前", "若干", "个", ""],
    ], header=("序号", "工作任务", "牵头单位", "配合单位", "责任领导", "完成时限", "目标值", "计量单位", "指标"))  # fmt: skip
    args = ("import", path, "--category", "work_report_target", "--source", "2026年市政府工作报告", "--assigned", "2026-01-26", "--root", ledger)
    refused = run(*args)
    assert refused.exit_code == 1 and "第 6 行" in refused.output and "目标值“若干”不是数字" in refused.output, refused.output
    wb = load_workbook(path)
    wb.active.delete_rows(6)
    wb.save(path)
    result = run(*args)
    assert result.exit_code == 0, result.output
    one = (ledger / "items/2026/DC-2026-0001.yml").read_text(encoding="utf-8")
    two = (ledger / "items/2026/DC-2026-0002.yml").read_text(encoding="utf-8")
    assert "target: {value: 60000, unit: 人, name: 新增城镇就业}" in one or "value: 60000\n  unit: 人\n  name: 新增城镇就业" in one
    assert "value: 3200" in two and "unit: 户" in two and "name: 棚户区改造新开工" in two
    assert "\ntarget:" not in (ledger / "items/2026/DC-2026-0003.yml").read_text(encoding="utf-8")
    check = run("check", "--root", ledger, "--as-of", "2026-01-26")
    assert check.exit_code == 0, check.output
