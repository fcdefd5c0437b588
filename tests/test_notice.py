"""督查通知单 per unit (ducha notice) from a git ledger with fixed dates, and for every unit of the sample."""

from __future__ import annotations

import datetime as dt

import pytest
from click.testing import CliRunner

from ducha.cli import main
from ducha import load_ledger
from ducha import unit_notices
from ducha.core.rules import current_units
from gitutil import PROJECT, make_item, make_repo

AS_OF = "2026-11-25"


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture
def repo(tmp_path):
    """As of 11-25: at zjj one item overdue without explanation (co-unit czj) and one explained;
    one due on 11-27 at czj; one reported and overdue at zjj (waits for the office, not the unit);
    one in progress at fgw whose last progress report is 20 days old."""
    repo = make_repo(tmp_path)
    repo.write_item(make_item("DC-2026-0001", "assigned", lead_unit="zjj", deadline=dt.date(2026, 11, 20),
                              summary="会议要求：11月20日前完成地铁3号线二期征地拆迁补偿方案。"))  # fmt: skip
    explained = make_item("DC-2026-0002", "in_progress", lead_unit="zjj", co_units=None, deadline=dt.date(2026, 11, 19))
    explained["progress"][0]["delay_reason"] = "补偿方案需报省里审批。"
    repo.write_item(explained)
    repo.write_item(make_item("DC-2026-0003", "assigned", lead_unit="czj", co_units=None, deadline=dt.date(2026, 11, 27)))
    repo.write_item(make_item("DC-2026-0004", "reported", lead_unit="zjj", co_units=None, deadline=dt.date(2026, 11, 19)))
    quiet = make_item("DC-2026-0005", "in_progress", co_units=None, assigned=dt.date(2026, 10, 20),
                      deadline=dt.date(2026, 12, 31))  # fmt: skip
    quiet["approval"]["date"] = dt.date(2026, 10, 20)
    quiet["progress"][0]["date"] = dt.date(2026, 11, 5)
    repo.write_item(quiet)
    repo.commit("登记", "2026-11-24")
    return repo


def test_notice_for_a_unit_lists_overdue_and_due_items_with_what_is_required(repo):
    result = run("notice", "--unit", "zjj", "--as-of", AS_OF, "--root", repo.path)
    assert result.exit_code == 0, result.output
    text = result.output
    assert text.startswith("# 督查通知单\n\n**市住房和城乡建设局：**\n\n截至2026年11月25日，你单位牵头或配合办理的督办事项中，有 2 件已超过办理期限尚未办结。")
    assert "## 一、已超期未办结的事项（2 件）" in text and "即将到期" not in text
    first = text.index("### 1. 江府督办〔2026〕2号　加快推进地铁3号线建设")  # 6 days late before 5
    second = text.index("### 2. 江府督办〔2026〕1号　加快推进地铁3号线建设")
    assert first < second
    one = text[second:]
    assert "- 你单位职责：牵头办理（配合单位：市财政局）" in one
    assert "- 办理期限：2026-11-20（交办时明确的办理期限 2026-11-20），**已超期 5 天**" in one
    assert "- 办理要求：会议要求：11月20日前完成地铁3号线二期征地拆迁补偿方案。" in one
    assert "- 请于2026年11月30日前：书面报告办理进展并说明超期原因；确需延期的，按程序提出延期申请。" in one
    assert "报告最新办理进展和预计办结时间" in text[first:second]  # explained: no threat of criticism
    assert "江府督办〔2026〕4号" not in text  # reported: waiting for the office's review
    assert text.rstrip().endswith(f"（本通知单由督查台账生成，数据截至 2026-11-25，提交 {repo.head()[:10]}。）")


def test_co_units_progress_reports_and_merged_units(repo):
    czj = run("notice", "--unit", "czj", "--as-of", AS_OF, "--root", repo.path).output
    assert "有 1 件已超过办理期限尚未办结，有 1 件将于 5 个工作日内到期" in czj
    assert "- 你单位职责：配合市住房和城乡建设局办理" in czj and "配合牵头单位加快办理" in czj
    assert "## 二、即将到期的事项（1 件）" in czj and "**剩 2 个工作日**" in czj
    fgw = run("notice", "--unit", "fgw", "--as-of", AS_OF, "--root", repo.path).output
    assert "## 一、未按规定报告进展的事项（1 件）" in fgw and "最近一次报告进展：2026-11-05" in fgw
    nothing = run("notice", "--unit", "jyj", "--as-of", AS_OF, "--root", repo.path)
    assert nothing.exit_code == 0 and "没有超期、即将到期或未按时报告进展的事项" in nothing.output
    merged = run("notice", "--unit", "zwfwj", "--as-of", AS_OF, "--root", repo.path)
    assert merged.exit_code == 1 and "请用 --unit sjj" in merged.output
    assert run("notice", "--as-of", AS_OF, "--root", repo.path).exit_code == 2
    assert run("notice", "--unit", "zjj", "--all", "--root", repo.path).exit_code == 2
    assert run("notice", "--unit", "nosuch", "--as-of", AS_OF, "--root", repo.path).exit_code == 2  # a usage error


def test_all_writes_one_notice_per_unit_that_needs_one(repo, tmp_path):
    out = tmp_path / "notices"
    result = run("notice", "--all", "--as-of", AS_OF, "--output", out, "--root", repo.path)
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == [".ducha-written.json", "czj.md", "fgw.md", "zjj.md"]
    assert (out / "zjj.md").read_text(encoding="utf-8") == run("notice", "--unit", "zjj", "--as-of", AS_OF, "--root", repo.path).output
    assert f"共写出 3 份督查通知单到 {out}/（截至 2026-11-25）。" in result.output
    assert "没有需要提醒的事项，未生成：市工业和信息化局、" in result.output


def test_every_unit_of_the_sample_ledger_gets_a_notice(tmp_path):
    ledger = load_ledger(PROJECT, dt.date(2026, 11, 27))
    units = current_units(ledger.rules, dt.date(2026, 11, 27))
    notices = unit_notices(ledger, dt.date(2026, 11, 27), units)
    assert [n.unit for n in notices] == units and len(units) == len(ledger.rules.units) - 1  # zwfwj merged into sjj
    for n in notices:
        assert n.text.startswith(f"# 督查通知单\n\n**{n.name}：**\n")
        for i in n.items:
            assert i.number in n.text and i.id in {f.id for f in ledger.sorted_items()}
    assert sum(1 for n in notices if n.count) >= 10
    result = run("notice", "--all", "--as-of", "2026-11-27", "--worktree", "--output", tmp_path / "all", "--root", PROJECT)
    assert result.exit_code == 0
    assert len(list((tmp_path / "all").glob("*.md"))) == sum(1 for n in notices if n.count)


def test_all_never_overwrites_a_notice_staff_edited(repo, tmp_path):
    out = tmp_path / "notices"
    args = ("notice", "--all", "--as-of", AS_OF, "--output", out, "--root", repo.path)
    assert run(*args).exit_code == 0
    original = {p.name: p.read_text(encoding="utf-8") for p in out.glob("*.md")}
    again = run(*args)  # unchanged files: written again without a word
    assert again.exit_code == 0, again.output
    edited = original["zjj.md"].replace("督查通知单", "督查通知单（已核改）", 1)
    (out / "zjj.md").write_text(edited, encoding="utf-8")
    (out / "czj.md").write_text("手写的通知", encoding="utf-8")
    refused = run(*args)
    assert refused.exit_code == 1
    assert f"{out / 'zjj.md'}\n  全文  N101 错误" in refused.output and f"{out / 'czj.md'}" in refused.output
    assert "2 份督查通知单在生成后被修改过，未写出任何通知单" in refused.output and "--overwrite" in refused.output
    assert "Traceback" not in refused.output
    assert (out / "zjj.md").read_text(encoding="utf-8") == edited and (out / "czj.md").read_text(encoding="utf-8") == "手写的通知"
    assert (out / "fgw.md").read_text(encoding="utf-8") == original["fgw.md"]
    forced = run(*args, "--overwrite")
    assert forced.exit_code == 0, forced.output
    assert {p.name: p.read_text(encoding="utf-8") for p in out.glob("*.md")} == original


def test_wrapped_lines_join_without_stray_spaces_inside_chinese_text(tmp_path):
    """A summary written over several YAML lines (a block the clerk wrapped) reads as one sentence in the notice:
    no space between Chinese characters where the lines were joined, Latin words still apart."""
    repo = make_repo(tmp_path)
    item = make_item("DC-2026-0001", "assigned", lead_unit="zjj", deadline=dt.date(2026, 11, 20),
                     summary="来信人对答复不满意。\n请重新核实 GPS 定位和\n  现场照片后再答复。\n")  # fmt: skip
    repo.write_item(item)
    repo.commit("登记", "2026-11-24")
    text = run("notice", "--unit", "zjj", "--as-of", AS_OF, "--root", repo.path).output
    assert "- 办理要求：来信人对答复不满意。请重新核实 GPS 定位和现场照片后再答复。" in text


def test_wrapped_chinese_text_is_joined_without_stray_spaces(tmp_path):
    """A requirement typed over several lines (YAML keeps a block's line breaks and folds a plain value's
    into spaces) reads as one sentence: no space inside Chinese text, one between Latin words."""
    repo = make_repo(tmp_path)
    item = make_item("DC-2026-0001", "assigned", lead_unit="zjj", deadline=dt.date(2026, 11, 20))
    repo.write_item(item)
    path = repo.path / "items/2026/DC-2026-0001.yml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text + "summary: |\n  来信人对答复不满意。\n  请市住建局重新核查\n  并于本周内答复 PM2.5\n  monitoring 数据。\n", encoding="utf-8")
    repo.commit("登记", "2026-11-24")
    result = run("notice", "--unit", "zjj", "--as-of", AS_OF, "--root", repo.path)
    assert result.exit_code == 0, result.output
    assert "- 办理要求：来信人对答复不满意。请市住建局重新核查并于本周内答复 PM2.5 monitoring 数据。\n" in result.output
