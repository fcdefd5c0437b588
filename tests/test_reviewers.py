"""``ducha reviewers --base``: who must review a pull request, by category and lead unit (what CODEOWNERS cannot say)."""

from __future__ import annotations

import json

from click.testing import CliRunner
from gitutil import item_path, make_item, make_repo

from ducha.cli import main


def run(*args):
    return CliRunner().invoke(main, [*args])


def test_reviewers_by_category_and_unit_before_and_after(tmp_path):
    repo = make_repo(tmp_path)
    # meeting_decision / fgw: neither has reviewers of its own
    repo.write_item(make_item("DC-2026-0001", "assigned"))
    repo.write_item(make_item("DC-2026-0002", "assigned", category="leader_instruction", lead_unit="hpq"))
    repo.write_item(make_item("DC-2026-0003", "assigned", lead_unit="dtjs"))
    repo.commit("登记", "2026-11-16")
    repo.checkout("feature", new=True)
    repo.write_item(make_item("DC-2026-0001", "in_progress"))  # → the office's heads
    repo.write_item(make_item("DC-2026-0002", "in_progress", category="leader_instruction", lead_unit="hpq"))
    repo.commit("报进展", "2026-11-18")
    # uncommitted: DC-2026-0003 handed from dtjs (@zhengxy) to jhq (@wuhao); a new mailbox item; a bulletin
    repo.write_item(make_item("DC-2026-0003", "assigned", lead_unit="jhq"))
    repo.write_item(make_item("DC-2026-0004", "draft", category="mayor_mailbox", lead_unit="fgw"))
    repo.write("bulletins/2026/bulletin-01.md", "---\ntitle: x\n---\n")
    result = run("reviewers", "--base", "main", "--root", str(repo.path), "--format", "json")
    assert result.exit_code == 0, result.output
    out = {r["owner"]: r for r in json.loads(result.output)["reviewers"]}
    assert sorted(out) == ["@fengtao", "@wuhao", "@zhengxy", "@zhoumin"]
    assert out["@zhoumin"]["items"] == ["DC-2026-0001"] and out["@zhoumin"]["files"] == ["bulletins/2026/bulletin-01.md"]
    assert out["@zhengxy"]["items"] == ["DC-2026-0002", "DC-2026-0003"]  # 领导批示件; dtjs before the hand-over
    assert out["@zhengxy"]["roles"] == ["类别 领导批示件（leader_instruction）", "单位 市轨道交通建设指挥部（dtjs）"]
    assert out["@wuhao"]["items"] == ["DC-2026-0002", "DC-2026-0003"]  # hpq; jhq after the hand-over
    assert out["@fengtao"]["items"] == ["DC-2026-0004"]
    text = run("reviewers", "--base", "main", "--root", str(repo.path))
    assert text.exit_code == 0 and "  @zhoumin  督查室负责人：DC-2026-0001、bulletins/2026/bulletin-01.md" in text.output


def test_no_change_and_unknown_base(tmp_path):
    repo = make_repo(tmp_path)
    repo.write_item(make_item("DC-2026-0001", "assigned"))
    repo.commit("登记", "2026-11-16")
    result = run("reviewers", "--base", "main", "--root", str(repo.path))
    assert result.exit_code == 0 and "没有需要审核的事项或文件" in result.output
    result = run("reviewers", "--base", "origin/nope", "--root", str(repo.path))
    assert result.exit_code == 1 and "git fetch origin nope" in result.output and "Traceback" not in result.output
    assert (repo.path / item_path("DC-2026-0001")).is_file()
