"""An item's history as a register (``ducha.history.itemlog``): who made each change and who merged it,
Chinese field names with list positions, Beijing time, and every report and review in order, a report a
later one overwrote in the file too. ``ducha history`` and the item page read the same composition."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess

import pytest
from click.testing import CliRunner
from gitutil import PROJECT, WU, ZHOU, make_item, make_repo

from ducha.cli import main
from ducha.history.commits import load_history
from ducha.history.itemlog import describe, record_events, register
from ducha import load_ledger

pytestmark = pytest.mark.usefixtures("isolated_git")
D = dt.date


@pytest.fixture(scope="module")
def returned_and_reported_again(tmp_path_factory):
    """登记 (direct), 报结 by 吴昊 merged by 周敏, 退回重办, then a second 报结 that kept the first one's date,
    and a fix 吴昊 wrote and 周敏 committed (a rebase): the life the issue measured."""
    repo = make_repo(tmp_path_factory.mktemp("register"))
    repo.write_item(make_item("DC-2026-0001", "assigned"))
    first = repo.commit("登记", "2026-11-16T10:00:00+08:00")
    reported = repo.pull_request("report", [("2026-11-20", make_item("DC-2026-0001", "reported"))],
                                 merge_date="2026-11-20T15:00:00+08:00", author=WU, merger=ZHOU)  # fmt: skip
    returned = make_item("DC-2026-0001", "returned")
    back = repo.pull_request("return", [("2026-11-23", returned)], merge_date="2026-11-23T16:00:00+08:00")
    again = make_item("DC-2026-0001", "reported", reviews=returned["reviews"])
    again["progress"].append({"date": D(2026, 11, 25), "by": "fgw", "text": "已补充资金落实情况。"})
    again["result"] = {"reported": D(2026, 11, 20), "text": "3号线一期主体工程已开工，资金已落实。"}
    second = repo.pull_request("report2", [("2026-11-25T02:00:00+00:00", again)],
                               merge_date="2026-11-25T03:00:00+00:00", author=WU, merger=ZHOU)  # fmt: skip
    again["urgency"] = "urgent"
    repo.write_item(again)
    repo.git("add", "-A")
    env = {**repo.env("2026-11-26", WU), "GIT_COMMITTER_NAME": ZHOU[0], "GIT_COMMITTER_EMAIL": ZHOU[1]}
    subprocess.run(["git", "commit", "-qm", "改为急件"], cwd=repo.path, env=env, check=True)
    return repo, [first, reported, back, second, repo.head()]


def test_each_change_names_who_made_it_and_who_merged_it(returned_and_reported_again):
    repo, shas = returned_and_reported_again
    steps = register(load_history(repo.path), "DC-2026-0001", load_ledger(repo.path, D(2026, 11, 30)).rules)
    assert [s.commit for s in steps] == shas
    assert [(s.made_by, s.merged_by) for s in steps] == [
        (("周敏",), ""),  # a direct commit
        (("吴昊",), "周敏"),  # the branch commit's author, the merge's
        (("周敏",), "周敏"),
        (("吴昊",), "周敏"),
        (("吴昊",), "周敏"),  # written by 吴昊, committed (rebased) by 周敏
    ]
    # every time in Beijing time: the second report's merge was made at 03:00 UTC
    assert steps[3].time_text == "2026-11-25 11:00（北京时间）"
    assert steps[0].changes == () and steps[0].action_label == "新建"
    assert steps[1].changes == ("修改 状态：已交办 → 已报结", "新增 报结", "新增 第1条进展")
    assert steps[2].changes == ("修改 状态：已报结 → 退回重办", "新增 第1条审核")
    assert steps[3].changes == ("修改 状态：退回重办 → 已报结", "修改 报结", "新增 第2条进展")
    assert steps[4].changes == ("修改 紧急程度：一般 → 急件",)
    # the records each change wrote: the first report is kept, marked as overwritten
    assert [(r.kind, r.date, r.overwritten) for r in steps[1].records] == [("进展", D(2026, 11, 18), False), ("报结", D(2026, 11, 20), True)]
    assert [(r.kind, r.text) for r in steps[2].records] == [("退回重办", "请补充资金落实情况。")]
    assert [(r.kind, r.text, r.overwritten) for r in steps[3].records][-1] == ("重新报结", "3号线一期主体工程已开工，资金已落实。", False)


def test_list_positions_are_counted_from_one_and_an_edited_entry_is_named_once():
    changes = [
        ("extensions[0]", {"requested": "2026-11-01"}, None),
        ("extensions[0]", None, {"requested": "2026-11-01", "approved": "2026-11-03"}),
        ("progress[1]", None, {"date": "2026-11-02"}),
        ("progress[2]", None, {"date": "2026-11-05"}),
        ("reviews[0]", {"date": "2026-11-04"}, None),
        ("summary", "旧", "新"),
    ]
    assert describe(changes, _Names()) == ["修改 交办内容", "修改 第1条延期申请", "新增 第2、3条进展", "删除 第1条审核"]


class _Names:
    categories: dict = {}

    def unit_name(self, code, on=None):
        return code

    def leader_name(self, code):
        return code


def test_both_reports_appear_in_order_around_the_return(returned_and_reported_again):
    repo, _ = returned_and_reported_again
    ledger = load_ledger(repo.path, D(2026, 11, 30))
    events = record_events(ledger.items["DC-2026-0001"], ledger.rules, load_history(repo.path))
    kinds = [(e.kind, e.date) for e in events if e.kind not in ("拟办意见", "交办")]
    assert kinds == [
        ("进展", D(2026, 11, 18)),
        ("报结（已被取代）", D(2026, 11, 20)),
        ("退回重办", D(2026, 11, 23)),
        ("进展", D(2026, 11, 25)),
        ("重新报结", D(2026, 11, 20)),  # its date left as it was: placed on the day it landed
    ]
    assert events[-1].text == "3号线一期主体工程已开工，资金已落实。"
    assert [e.text for e in events if e.kind.startswith("报结")] == ["3号线一期主体工程已开工。"]


def test_ducha_history_prints_the_register(returned_and_reported_again):
    repo, shas = returned_and_reported_again
    result = CliRunner().invoke(main, ["history", "DC-2026-0001", "--root", str(repo.path)])
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert f"2026-11-20 15:00（北京时间）  {shas[1][:10]}  修改  修改人：吴昊  合并：周敏\n" in out
    assert "    修改 状态：退回重办 → 已报结；修改 报结；新增 第2条进展\n" in out
    assert "    · 报结（后被改写） 2026-11-20：3号线一期主体工程已开工。\n" in out
    assert "reviews[" not in out and "status" not in out and "+08:00" not in out


def test_the_item_page_shows_the_register_and_both_reports(returned_and_reported_again, tmp_path):
    repo, shas = returned_and_reported_again
    root = tmp_path / "copy"
    shutil.copytree(repo.path, root)
    shutil.copy(PROJECT / "mkdocs.yml", root / "mkdocs.yml")
    shutil.copytree(PROJECT / "site_src", root / "site_src")
    result = CliRunner().invoke(main, ["build", "--root", str(root), "--as-of", "2026-11-30"])
    assert result.exit_code == 0, result.output
    html = (root / "site" / "items" / "DC-2026-0001" / "index.html").read_text(encoding="utf-8")
    history = html.split("修改记录（git）", 1)[1]
    assert "<th>修改人</th><th>合并</th>" in history
    assert re.search(rf"<code class=\"ducha-token\">{shas[1][:10]}</code></td><td data-label=\"修改人\">吴昊</td><td data-label=\"合并\">周敏</td>", history)
    assert "直接提交" in history and "新增 第1条审核" in history and "（后被改写）" in history
    assert not re.search(r"reviews\[|progress\[|<code>status</code>", history)
    process = html.split("办理过程", 1)[1].split("修改记录", 1)[0]
    order = [process.index(s) for s in ("报结（已被取代）", "退回重办", "重新报结")]
    assert order == sorted(order)


@pytest.fixture(scope="module")
def branches_of_every_shape(tmp_path_factory):
    """Pull requests of every shape the history reads authors from: one author (no diff needed), two
    authors changing different and the same items, a branch off an older main, and a merge that changes an
    item itself."""
    repo = make_repo(tmp_path_factory.mktemp("shapes"))
    for n in (1, 2, 3, 4, 5):
        repo.write_item(make_item(f"DC-2026-000{n}", "assigned"))
    repo.commit("登记", "2026-11-16T10:00:00+08:00")
    ids = {}
    # one author, two commits, two items
    repo.pull_request("one", [("2026-11-17T09:00:00+08:00", make_item("DC-2026-0001", "reported")),
                              ("2026-11-17T10:00:00+08:00", make_item("DC-2026-0002", "reported"))],
                      merge_date="2026-11-17T11:00:00+08:00", author=WU, merger=ZHOU)  # fmt: skip
    ids["one"] = repo.head()
    # two authors: 吴昊 changes 3, 周敏 changes 4, then 吴昊 changes 4 again
    repo.checkout("two", new=True)
    repo.write_item(make_item("DC-2026-0003", "reported"))
    repo.commit("3 报结", "2026-11-18T09:00:00+08:00", author=WU)
    repo.write_item(make_item("DC-2026-0004", "reported"))
    repo.commit("4 报结", "2026-11-18T10:00:00+08:00", author=ZHOU)
    repo.write_item(make_item("DC-2026-0004", "reported", urgency="urgent"))
    repo.commit("4 急件", "2026-11-18T11:00:00+08:00", author=WU)
    repo.checkout("main")
    ids["two"] = repo.merge("two", "2026-11-18T12:00:00+08:00", author=ZHOU)
    # one author on a branch off an older main (main moved on meanwhile): its diffs are read
    repo.checkout("old", new=True, start="HEAD~1")
    repo.write_item(make_item("DC-2026-0005", "reported"))
    repo.commit("5 报结", "2026-11-19T09:00:00+08:00", author=WU)
    repo.checkout("main")
    ids["old"] = repo.merge("old", "2026-11-19T10:00:00+08:00", author=ZHOU)
    # a merge that changes item 1 itself (a conflict resolved by hand): the merge made that change
    repo.checkout("own", new=True)
    repo.write_item(make_item("DC-2026-0002", "returned"))
    repo.commit("2 退回", "2026-11-20T09:00:00+08:00", author=WU)
    repo.checkout("main")
    repo.git("merge", "--no-ff", "--no-commit", "-q", "own", date="2026-11-20T10:00:00+08:00")
    repo.write_item(make_item("DC-2026-0001", "reported", urgency="urgent"))
    repo.commit("合并请求：own", "2026-11-20T10:00:00+08:00", author=ZHOU)
    ids["own"] = repo.head()
    return repo, ids


@pytest.mark.parametrize(
    "item, merge, made_by",
    [
        ("DC-2026-0001", "one", ("吴昊",)),
        ("DC-2026-0002", "one", ("吴昊",)),
        ("DC-2026-0003", "two", ("吴昊",)),
        ("DC-2026-0004", "two", ("周敏", "吴昊")),  # both, oldest first
        ("DC-2026-0005", "old", ("吴昊",)),
        ("DC-2026-0002", "own", ("吴昊",)),
        ("DC-2026-0001", "own", ("周敏",)),  # no branch commit touched it: the merge (its author) made it
    ],
)
def test_who_made_a_merged_change_whatever_the_shape_of_the_branch(branches_of_every_shape, item, merge, made_by):
    repo, ids = branches_of_every_shape
    steps = register(load_history(repo.path, use_cache=False), item)
    (step,) = [s for s in steps if s.commit == ids[merge]]
    assert step.made_by == made_by
