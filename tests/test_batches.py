"""Batches: the meeting or document an item came from, with its 序号 in that meeting's list.

Real repositories with fixed dates (tests/gitutil.py). A ledger holding two standing meetings' decisions and a
work report's targets: each can be counted, listed and reported on its own.
"""

from __future__ import annotations

import datetime as dt
import json
import re

from click.testing import CliRunner

from ducha.cli import main
from gitutil import make_item, make_repo

D = dt.date.fromisoformat
BATCHES = """
batches:
  cwhy_2026_09: {kind: standing_meeting, number: 9, date: 2026-11-10, title: 市政府第9次常务会议}
  cwhy_2026_10: {kind: standing_meeting, number: 10, date: 2026-11-12, title: 市政府第10次常务会议}
  zfgzbg_2026: {kind: work_report, date: 2026-01-20, title: 2026年市政府工作报告目标任务分解}
"""


def with_batches(rules: str) -> str:
    """The sample rules with this test's batches instead of the sample's own."""
    rules = re.sub(r"(?m)^batches:\n(  .*\n)*", "", rules)
    return rules.replace("\nlights:", BATCHES + "\nlights:", 1)


def cli(*args, code=0):
    result = CliRunner().invoke(main, [str(a) for a in args])
    assert result.exit_code == code, result.output
    return result


def ledger(tmp_path, extra=None):
    """Meeting 9: items 1 (seq 1, closed), 2 (seq 2, overdue on 11-30); meeting 10: item 3 (seq 1, open,
    not yet due); item 4 names no batch."""
    repo = make_repo(tmp_path)
    repo.write("items/ledger.yml", with_batches(repo.read("items/ledger.yml")))
    repo.write_item(make_item("DC-2026-0001", "closed", batch="cwhy_2026_09", seq=1))
    repo.write_item(make_item("DC-2026-0002", "in_progress", batch="cwhy_2026_09", seq=2, deadline=D("2026-11-25")))
    repo.write_item(make_item("DC-2026-0003", "in_progress", batch="cwhy_2026_10", seq=1))
    repo.write_item(make_item("DC-2026-0004", "in_progress"))
    for data in extra or []:
        repo.write_item(data)
    repo.commit("登记", "2026-11-23")
    return repo


def stats(repo, *args):
    return json.loads(cli("stats", "--root", repo.path, "--as-of", "2026-11-30", "--format", "json", "--ids", *args).stdout)


def test_batches_are_a_grouping_and_a_scope(tmp_path):
    repo = ledger(tmp_path)
    by = stats(repo, "--by", "batch")["by"]
    assert list(by) == ["cwhy_2026_09", "cwhy_2026_10"]  # date order; the work report has no items here
    assert by["cwhy_2026_09"]["name"] == "市政府第9次常务会议"
    assert by["cwhy_2026_09"]["ids"]["total"] == ["DC-2026-0001", "DC-2026-0002"]
    assert by["cwhy_2026_09"]["ids"]["overdue_open"] == ["DC-2026-0002"]
    kinds = stats(repo, "--by", "batch_kind")["by"]
    assert kinds["standing_meeting"]["name"] == "常务会议" and kinds["standing_meeting"]["total"] == 3
    one = stats(repo, "--batch", "市政府第9次常务会议")["totals"]  # by title as well as by code
    assert one["ids"]["total"] == ["DC-2026-0001", "DC-2026-0002"]
    assert one["rate_closed"]["numerator"] == 1 and one["rate_closed"]["denominator"] == 2


def test_an_unknown_batch_is_an_error_with_suggestions_not_an_empty_result(tmp_path):
    repo = ledger(tmp_path)
    result = cli("stats", "--root", repo.path, "--as-of", "2026-11-30", "--batch", "cwhy_2026_9", code=2)  # a usage error
    assert "错误：--batch 的值有误：会议或文件“cwhy_2026_9”未在台账规则中登记。是否指 cwhy_2026_09（市政府第9次常务会议）？" in result.output
    result = cli("list", "--root", repo.path, "--as-of", "2026-11-30", "--batch", "zzz", code=2)
    assert "会议或文件“zzz”未在台账规则中登记。" in result.output


def test_list_a_meeting_in_the_order_of_its_own_list(tmp_path):
    repo = ledger(tmp_path, extra=[make_item("DC-2026-0005", "assigned", batch="cwhy_2026_09", seq=3)])
    out = cli("list", "--root", repo.path, "--as-of", "2026-11-30", "--batch", "cwhy_2026_09").stdout
    assert re.findall(r"^第(\d)项  (DC-2026-\d{4})", out, re.M) == [("1", "DC-2026-0001"), ("2", "DC-2026-0002"), ("3", "DC-2026-0005")]
    rows = json.loads(cli("list", "--root", repo.path, "--as-of", "2026-11-30", "--batch", "cwhy_2026_09", "--format", "json").stdout)
    assert [(r["batch"], r["seq"]) for r in rows] == [("cwhy_2026_09", 1), ("cwhy_2026_09", 2), ("cwhy_2026_09", 3)]


def test_batch_references_are_checked(tmp_path):
    repo = ledger(tmp_path, extra=[
        make_item("DC-2026-0005", "assigned", batch="cwhy_2026_99", seq=1),  # unknown batch
        make_item("DC-2026-0006", "assigned", seq=4),  # a 序号 of no batch
        make_item("DC-2026-0007", "assigned", batch="cwhy_2026_10", seq=1),  # the same 序号 as DC-2026-0003
    ])  # fmt: skip
    result = cli("check", "--root", repo.path, "--as-of", "2026-11-30", "--format", "json", code=1)
    found = sorted((f["path"].split("/")[-1], f["code"], f["field"], f["line"] is not None) for f in json.loads(result.stdout) if f["code"] in ("D213", "D214", "D307"))
    assert found == [
        ("DC-2026-0003.yml", "D214", "seq", True),
        ("DC-2026-0005.yml", "D307", "batch", True),
        ("DC-2026-0006.yml", "D213", "seq", True),
        ("DC-2026-0007.yml", "D214", "seq", True),
    ]


def test_a_bulletin_of_one_meeting_is_titled_as_offices_title_it_and_verifies(tmp_path):
    repo = ledger(tmp_path)
    cli("bulletin", "new", "--root", repo.path, "--kind", "通报", "--as-of", "2026-11-30", "--date", "2026-11-30", "--batch", "cwhy_2026_09")
    path = repo.path / "bulletins" / "2026" / "bulletin-01.md"
    text = path.read_text(encoding="utf-8")
    assert "title: 关于市政府第9次常务会议确定事项落实情况的通报" in text
    assert re.search(r"scope:\n\s+batch: \[?-? ?cwhy_2026_09", text)  # the front matter records the scope
    repo.commit("通报", "2026-11-30")
    out = cli("bulletin", "verify", "--root", repo.path, str(path)).stdout
    assert "bulletins/2026/bulletin-01.md  一致" in out and "1 期一致，0 期不一致" in out
    assert "totals:\n    total: 2\n" in text  # the meeting's two items, not the ledger's four


def test_the_site_has_a_page_per_grouping_of_batches_and_item_pages_name_theirs(tmp_path):
    import shutil
    from pathlib import Path

    repo = ledger(tmp_path)
    project = Path(__file__).resolve().parents[1]
    shutil.copy(project / "mkdocs.yml", repo.path / "mkdocs.yml")
    shutil.copytree(project / "site_src", repo.path / "site_src")
    repo.commit("网站配置", "2026-11-25")
    cli("build", "--root", repo.path, "--as-of", "2026-11-30")
    site = repo.path / "site"
    page = (site / "status" / "batch" / "index.html").read_text(encoding="utf-8")
    assert "市政府第9次常务会议" in page and "市政府第10次常务会议" in page and "各行相加不等于合计" in page
    item = (site / "items" / "DC-2026-0002" / "index.html").read_text(encoding="utf-8")
    assert "市政府第9次常务会议（2026-11-10）第2项" in item
    assert "按会议或文件类别" in (site / "status" / "batch_kind" / "index.html").read_text(encoding="utf-8")


def test_a_closed_item_may_be_filed_under_its_meeting_once_but_not_moved(tmp_path):
    from gitutil import make_repo as _make_repo

    repo = _make_repo(tmp_path)
    repo.write("items/ledger.yml", with_batches(repo.read("items/ledger.yml")))
    repo.write_item(make_item("DC-2026-0001", "closed"))
    repo.commit("登记", "2026-11-23")
    repo.checkout("feature", new=True)
    repo.write_item(make_item("DC-2026-0001", "closed", batch="cwhy_2026_09", seq=1))
    repo.commit("记入所属会议", "2026-11-24")
    result = cli("check", "--base", "main", "--root", repo.path, "--as-of", "2026-11-24", "--format", "json")
    assert [f["code"] for f in json.loads(result.stdout) if f["code"].startswith("T")] == []
    repo.write_item(make_item("DC-2026-0001", "closed", batch="cwhy_2026_10", seq=1))
    repo.commit("改到另一次会议", "2026-11-24")
    result = cli("check", "--base", "main", "--root", repo.path, "--as-of", "2026-11-24", "--format", "json", code=1)
    assert [(f["code"], f["field"]) for f in json.loads(result.stdout) if f["code"].startswith("T")] == [("T104", "batch")]
