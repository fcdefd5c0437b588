"""``ducha check --base main``: each workflow rule (T1xx) firing along a pull request, and not firing
on legal changes.  Real git repositories with fixed dates and authors (tests/gitutil.py)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from click.testing import CliRunner
from gitutil import item_path, make_item, make_repo

from ducha.core import codes
from ducha.cli import main
from ducha.core.schema import STATUSES
from ducha.core.workflow import compare, legal_transition

AS_OF = "2026-11-26"
D = dt.date.fromisoformat

ASSIGNED = "DC-2026-0001"  # assigned
WORKING = "DC-2026-0002"  # in_progress, two progress entries
DRAFT = "DC-2026-0003"  # draft
CLOSED = "DC-2026-0004"  # closed
PENDING = "DC-2026-0005"  # assigned, one extension request not yet decided
REPORTED = "DC-2026-0006"  # reported
DEFAULT = "DC-2026-0008"  # assigned, no explicit deadline: the category's default applies

PROGRESS_2 = [
    {"date": D("2026-11-18"), "by": "fgw", "text": "已完成征地拆迁方案。"},
    {"date": D("2026-11-19"), "by": "czj", "text": "资金已落实。"},
]
REQUEST = {"requested": D("2026-11-20"), "reason": "征地协调需要更多时间。"}
APPROVAL = {"approved_by": "mayor_zhang", "approved": D("2026-11-21"), "new_deadline": D("2026-12-30")}


def base_items() -> dict[str, dict]:
    return {
        ASSIGNED: make_item(ASSIGNED, "assigned"),
        WORKING: make_item(WORKING, "in_progress", progress=PROGRESS_2),
        DRAFT: make_item(DRAFT, "draft"),
        CLOSED: make_item(CLOSED, "closed"),
        PENDING: make_item(PENDING, "assigned", extensions=[dict(REQUEST)]),
        REPORTED: make_item(REPORTED, "reported"),
        DEFAULT: make_item(DEFAULT, "assigned", deadline=None),
    }


@pytest.fixture
def repo(tmp_path):
    """main holds a valid ledger; HEAD is a fresh branch ``feature`` off it.  The records follow the standard
    life of tests/gitutil.py (11-16 … 11-23), checked on 11-26: a tolerance of 10 days keeps T108 (a record
    dated too long before it can land) out of the tests about other rules; test_t108_* use the default 3."""
    r = make_repo(tmp_path, backdating_tolerance_days=10)
    for data in base_items().values():
        r.write_item(data)
    r.commit("登记督办事项", "2026-11-23")
    r.checkout("feature", new=True)
    return r


def check(repo, fmt="json"):
    result = CliRunner().invoke(
        main, ["check", "--base", "main", "--root", str(repo.path), "--as-of", AS_OF, "--format", fmt]
    )
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    if fmt == "json":
        return result.exit_code, json.loads(result.stdout)
    return result.exit_code, result.stdout


def found(findings):
    """(code, path, field) of every finding, in report order."""
    return [(f["code"], f["path"], f["field"]) for f in findings]


def edit(repo, item_id, message, date="2026-11-24", **fields):
    """Commit a new version of a base item with ``fields`` changed."""
    data = base_items()[item_id]
    data.update(fields)
    for key in [k for k, v in fields.items() if v is None]:
        del data[key]
    repo.write_item(data)
    return repo.commit(message, date)


# -- the base ledger itself is clean ---------------------------------------------------------


def test_no_changes_is_clean(repo):
    assert check(repo) == (0, [])


# -- T101 status transitions ----------------------------------------------------------------


@pytest.mark.parametrize(
    "item_id, new_status, expected",
    [
        (ASSIGNED, "closed", [("T101", "status")]),
        (DRAFT, "in_progress", [("T101", "status")]),
        (REPORTED, "in_progress", [("T101", "status")]),
        # reopening a closed item: illegal step, and the closed item's fields changed
        (CLOSED, "in_progress", [("T101", "status"), ("T104", "closed")]),
    ],
)
def test_t101_illegal_transition(repo, item_id, new_status, expected):
    old = base_items()[item_id]
    data = make_item(item_id, new_status)
    if "progress" in old:
        data["progress"] = old["progress"]
    repo.write_item(data)
    sha = repo.commit("改状态", "2026-11-24")
    code, findings = check(repo)
    assert code == 1
    assert sorted((c, f) for c, p, f in found(findings)) == expected
    assert {f["path"] for f in findings} == {item_path(item_id)}
    assert all(f["message"].endswith(f"（提交 {sha[:10]}）") for f in findings)


def test_t101_message_names_the_allowed_next_states(repo):
    edit(repo, ASSIGNED, "直接办结", **{k: v for k, v in make_item(ASSIGNED, "closed").items()})
    _, findings = check(repo)
    assert findings[0]["message"].startswith("状态从“已交办”直接改为“已办结”不符合办理流程；当前状态下一步只能是：已撤销、办理中。")


def test_legal_path_across_three_commits_passes(repo):
    for n, status in enumerate(("in_progress", "reported", "closed")):
        repo.write_item(make_item(ASSIGNED, status))
        repo.commit(f"第 {n + 1} 步：{status}", f"2026-11-{18 + 2 * n}")
    assert check(repo) == (0, [])


def test_legal_return_and_resubmit(repo):
    repo.write_item(make_item(REPORTED, "returned"))
    repo.commit("退回重办", "2026-11-23")
    resubmitted = make_item(REPORTED, "reported", reviews=make_item(REPORTED, "returned")["reviews"])
    resubmitted["result"] = {"reported": D("2026-11-24"), "text": "已补充资金落实情况。"}
    repo.write_item(resubmitted)
    repo.commit("重新报结", "2026-11-24")
    assert check(repo) == (0, [])


def test_cancelling_an_open_item_is_legal(repo):
    repo.write_item(make_item(ASSIGNED, "cancelled"))
    repo.commit("撤销", "2026-11-24")
    assert check(repo) == (0, [])


def test_each_commit_is_judged_not_only_the_net_change(repo):
    """assigned → closed → in_progress nets out as a legal step, but the middle commit skipped steps."""
    repo.write_item(make_item(ASSIGNED, "closed"))
    skipped = repo.commit("误改为办结", "2026-11-23")
    repo.write_item(make_item(ASSIGNED, "in_progress"))
    reopened = repo.commit("改回办理中", "2026-11-24")
    code, findings = check(repo)
    assert code == 1
    assert sorted(found(findings)) == [
        ("T101", item_path(ASSIGNED), "status"),
        ("T101", item_path(ASSIGNED), "status"),
        ("T104", item_path(ASSIGNED), "closed"),
    ]
    messages = sorted(f["message"] for f in findings)
    assert any(m.endswith(f"（提交 {skipped[:10]}）") for m in messages)
    assert sum(m.endswith(f"（提交 {reopened[:10]}）") for m in messages) == 2


# -- T102 deadline --------------------------------------------------------------------------


def test_t102_deadline_moved_without_extension(repo):
    edit(repo, ASSIGNED, "改期限", deadline=D("2026-12-31"))
    code, findings = check(repo)
    assert code == 1
    assert found(findings) == [("T102", item_path(ASSIGNED), "deadline")]
    assert findings[0]["message"].startswith("办理期限从 2026-12-15 改为 2026-12-31：没有同时追加经批准的延期。")


def test_t102_deadline_removed_moves_it_to_the_default(repo):
    edit(repo, ASSIGNED, "删除期限", deadline=None)
    code, findings = check(repo)
    assert (code, found(findings)) == (1, [("T102", item_path(ASSIGNED), "deadline")])


def test_t102_assignment_date_moved_when_deadline_is_the_default(repo):
    """No explicit deadline: the default counts from ``assigned``; moving it moves the deadline."""
    edit(repo, DEFAULT, "改交办日期", assigned=D("2026-11-17"))
    code, findings = check(repo)
    assert (code, found(findings)) == (1, [("T102", item_path(DEFAULT), "assigned")])


def test_deadline_set_while_still_a_draft_is_legal(repo):
    """A draft has not been assigned: its deadline is being set, not moved."""
    edit(repo, DRAFT, "拟办时确定期限", deadline=D("2026-12-18"))
    assert check(repo) == (0, [])


def test_newly_approved_extension_moves_the_deadline_legally(repo):
    edit(repo, ASSIGNED, "批准延期", extensions=[{**REQUEST, **APPROVAL}])
    assert check(repo) == (0, [])


def test_deadline_field_edited_even_to_the_newly_approved_extension_is_t102(repo):
    """`deadline` keeps the term set at assignment; the extension's new_deadline supersedes it.
    One rule for the PR check and item validation (which would otherwise judge the extension
    against the edited deadline and report D512)."""
    edit(repo, ASSIGNED, "批准延期并改期限", extensions=[{**REQUEST, **APPROVAL}], deadline=APPROVAL["new_deadline"])
    _, findings = check(repo)
    t102 = [f for f in findings if f["code"] == "T102"]
    assert len(t102) == 1 and "deadline 应保持交办时的原期限" in t102[0]["message"]


# -- T103 append-only logs ------------------------------------------------------------------


def test_deciding_a_pending_extension_is_legal(repo):
    edit(repo, PENDING, "批准延期", extensions=[{**REQUEST, **APPROVAL}])
    assert check(repo) == (0, [])


def test_t103_editing_a_decided_extension(repo):
    edit(repo, PENDING, "批准延期", extensions=[{**REQUEST, **APPROVAL}])
    edit(repo, PENDING, "改新期限", "2026-11-25", extensions=[{**REQUEST, **APPROVAL, "new_deadline": D("2026-12-31")}])
    code, findings = check(repo)
    assert (code, found(findings)) == (1, [("T103", item_path(PENDING), "extensions[0]")])


def test_t103_editing_an_old_progress_entry(repo):
    edit(repo, WORKING, "改进展", progress=[PROGRESS_2[0], {**PROGRESS_2[1], "text": "资金已全部到位。"}])
    code, findings = check(repo)
    assert code == 1
    assert found(findings) == [("T103", item_path(WORKING), "progress[1]")]
    assert findings[0]["message"].startswith("修改了 progress 的第 2 条已有记录；记录只能在末尾追加。")


def test_t103_deleting_a_progress_entry(repo):
    edit(repo, WORKING, "删进展", progress=PROGRESS_2[:1])
    code, findings = check(repo)
    assert code == 1
    assert found(findings) == [("T103", item_path(WORKING), "progress")]
    assert findings[0]["message"].startswith("删除了 progress 的第 2 条记录（共 2 条，现 1 条）。")


def test_appending_progress_is_legal(repo):
    edit(repo, WORKING, "追加进展", progress=[*PROGRESS_2, {"date": D("2026-11-24"), "by": "fgw", "text": "主体开工。"}])
    assert check(repo) == (0, [])


# -- T104 closed items ----------------------------------------------------------------------


def test_t104_editing_a_closed_item(repo):
    edit(repo, CLOSED, "改标题", title="加快推进地铁3号线一期建设")
    code, findings = check(repo)
    assert code == 1
    assert found(findings) == [("T104", item_path(CLOSED), "title")]
    assert findings[0]["line"] == 3
    assert findings[0]["message"].startswith("事项已办结，不能再修改 title。（提交 ")


def test_adding_reply_and_circulation_to_a_closed_item_is_legal(repo):
    sent = dt.datetime(2026, 11, 24, 9, 0)
    edit(
        repo, CLOSED, "送阅并答复",
        circulation=[{"leader": "mayor_zhang", "sent": sent, "kind": "normal", "document": "办结报告"}],
        reply={"date": D("2026-11-24"), "method": "phone", "text": "已电话答复来信人。"},
    )  # fmt: skip
    edit(
        repo, CLOSED, "批阅退回", "2026-11-25",
        circulation=[{"leader": "mayor_zhang", "sent": sent, "kind": "normal", "document": "办结报告",
                      "returned": dt.datetime(2026, 11, 25, 8, 30)}],
        reply={"date": D("2026-11-24"), "method": "phone", "text": "已电话答复来信人。"},
    )  # fmt: skip
    assert check(repo) == (0, [])


def test_t104_changing_the_reply_of_a_closed_item(repo):
    reply = {"date": D("2026-11-24"), "method": "phone", "text": "已电话答复来信人。"}
    edit(repo, CLOSED, "答复", reply=reply)
    edit(repo, CLOSED, "改答复", "2026-11-25", reply={**reply, "text": "已书面答复。"})
    code, findings = check(repo)
    assert (code, found(findings)) == (1, [("T104", item_path(CLOSED), "reply")])


# -- T105 deleted files ---------------------------------------------------------------------


def test_t105_deleting_an_item_file(repo):
    repo.remove(item_path(ASSIGNED))
    sha = repo.commit("删除事项", "2026-11-24")
    code, findings = check(repo)
    assert code == 1
    assert findings == [
        {
            "path": item_path(ASSIGNED),
            "line": None,
            "code": "T105",
            "field": "",
            "message": f"删除了事项文件（提交 {sha[:10]}）；事项不能删除，只能撤销。",
            "severity": "error",
        }
    ]


def test_deleting_and_recreating_a_file_is_still_judged_against_the_base(repo):
    """Deleting a file in one commit and re-adding it must not launder an illegal status change."""
    repo.remove(item_path(ASSIGNED))
    repo.commit("删除事项", "2026-11-23")
    repo.write_item(make_item(ASSIGNED, "closed"))
    repo.commit("重新建立", "2026-11-24")
    code, findings = check(repo)
    assert (code, found(findings)) == (1, [("T101", item_path(ASSIGNED), "status")])


def test_a_new_item_added_and_removed_within_the_branch_is_not_t105(repo):
    repo.write_item(make_item("DC-2026-0009", "draft"))
    repo.commit("新建", "2026-11-23")
    repo.remove(item_path("DC-2026-0009"))
    repo.commit("不要了", "2026-11-24")
    assert check(repo) == (0, [])


# -- T106 id taken on the target branch -----------------------------------------------------


def test_t106_new_id_meanwhile_taken_on_main(repo):
    new_id = "DC-2026-0007"
    repo.checkout("main")
    repo.write_item(make_item(new_id, "draft", title="另一项工作"))
    repo.commit("主分支上登记 0007", "2026-11-24")
    repo.checkout("feature")
    repo.write_item(make_item(new_id, "draft"))
    repo.commit("登记 0007", "2026-11-24")
    code, findings = check(repo)
    assert code == 1
    assert found(findings) == [("T106", item_path(new_id), "id")]
    assert findings[0]["line"] == 2
    assert findings[0]["message"] == f"编号 {new_id} 在目标分支 main 上已被 {item_path(new_id)} 使用。"


def test_a_new_id_free_on_main_is_legal(repo):
    repo.write_item(make_item("DC-2026-0007", "draft"))
    repo.commit("登记 0007", "2026-11-24")
    assert check(repo) == (0, [])


# -- T107 id changed ------------------------------------------------------------------------


def test_t107_id_changed_in_place(repo):
    repo.write_item(make_item(ASSIGNED, "assigned", id="DC-2026-0099"), rel=item_path(ASSIGNED))
    repo.commit("改编号", "2026-11-24")
    code, findings = check(repo)
    assert code == 1
    assert sorted(found(findings)) == [("D207", item_path(ASSIGNED), "id"), ("T107", item_path(ASSIGNED), "id")]


# -- the work tree --------------------------------------------------------------------------


def test_uncommitted_changes_are_checked(repo):
    repo.write_item(make_item(ASSIGNED, "in_progress"))
    repo.commit("开始办理", "2026-11-24")
    repo.write_item(make_item(ASSIGNED, "closed"))  # not committed: in_progress → closed skips reported
    code, findings = check(repo)
    assert code == 1
    assert found(findings) == [("T101", item_path(ASSIGNED), "status")]
    assert findings[0]["message"].endswith("（未提交的修改）")


def test_uncommitted_deletion_is_checked(repo):
    repo.remove(item_path(CLOSED))
    code, findings = check(repo)
    assert (code, found(findings)) == (1, [("T105", item_path(CLOSED), "")])
    assert findings[0]["message"] == "删除了事项文件（未提交的修改）；事项不能删除，只能撤销。"


def test_uncommitted_move_to_another_folder_is_not_a_deletion(repo):
    """items/2026/X.yml moved to items/2025/X.yml without git mv: a deleted and an untracked path."""
    text = repo.read(item_path(ASSIGNED))
    repo.remove(item_path(ASSIGNED))
    repo.write(f"items/2025/{ASSIGNED}.yml", text)
    code, findings = check(repo)
    assert [f["code"] for f in findings] == ["D209"]  # wrong year folder: a warning, nothing more
    assert code == 0


def test_text_output(repo):
    repo.write_item(make_item(ASSIGNED, "closed"))
    code, out = check(repo, fmt="text")
    assert code == 1
    assert out == (
        f"{item_path(ASSIGNED)}\n"
        "  第 14 行  T101 错误 status：状态从“已交办”直接改为“已办结”不符合办理流程；"
        "当前状态下一步只能是：已撤销、办理中。（未提交的修改）\n"
        "\n"
        "检查了 2 个文件：1 个错误，0 个警告。\n"
    )


# -- workflow.compare on its own ----------------------------------------------------------


def violations(old, new):
    return [(v.code, v.field, v.message) for v in compare(old, new)]


def test_t104_message_for_a_cancelled_item():
    old = make_item(ASSIGNED, "cancelled")
    assert violations(old, {**old, "title": "另一标题"}) == [("T104", "title", "事项已撤销，不能再修改 title。")]


CIRCULATED = {"leader": "mayor_zhang", "sent": dt.datetime(2026, 11, 24, 9, 0), "kind": "normal"}


@pytest.mark.parametrize(
    "before, after, expected",
    [
        ([], [CIRCULATED], []),  # appended
        ([CIRCULATED], [{**CIRCULATED, "returned": dt.datetime(2026, 11, 25, 8, 0)}], []),  # leader sent it back
        ([CIRCULATED], [], ["circulation"]),  # removed
        ([CIRCULATED], [{**CIRCULATED, "sent": dt.datetime(2026, 11, 23, 9, 0)}], ["circulation"]),  # rewritten
        (
            [{**CIRCULATED, "returned": dt.datetime(2026, 11, 25, 8, 0)}],
            [{**CIRCULATED, "returned": dt.datetime(2026, 11, 26, 8, 0)}],
            ["circulation"],
        ),  # return time rewritten
    ],
)
def test_circulation_of_a_closed_item(before, after, expected):
    old = make_item(CLOSED, "closed", circulation=before or None)
    new = make_item(CLOSED, "closed", circulation=after or None)
    assert [(c, f) for c, f, _ in violations(old, new)] == [("T104", f) for f in expected]


def test_legal_transitions_table():
    legal = {(a, b) for a in STATUSES for b in STATUSES if a != b and legal_transition(a, b)}
    assert legal == {
        ("draft", "assigned"), ("assigned", "in_progress"), ("in_progress", "reported"),
        ("reported", "closed"), ("reported", "returned"), ("returned", "in_progress"), ("returned", "reported"),
        *((s, "cancelled") for s in ("draft", "assigned", "in_progress", "reported", "returned")),
    }  # fmt: skip


# -- the codes are documented ---------------------------------------------------------------


def test_every_t_code_is_on_the_codes_page():
    page = codes.docs_markdown()
    for code in ("T101", "T102", "T103", "T104", "T105", "T106", "T107"):
        assert f'<span id="{code}">{code}</span>' in page


def test_t108_a_record_dated_before_the_check_beyond_the_tolerance_is_a_warning(tmp_path):
    r = make_repo(tmp_path)  # tolerance 3 days
    r.write_item(make_item(REPORTED, "reported"))  # reported 11-20
    r.commit("登记督办事项", "2026-11-20")
    r.checkout("feature", new=True)
    closed = make_item(REPORTED, "closed", closed=D("2026-11-20"))  # closed "on 11-20", checked on 11-26
    closed["reviews"] = [{"date": D("2026-11-20"), "result": "passed", "opinion": "同意办结。"}]
    r.write_item(closed)
    r.commit("补录办结", "2026-11-25")
    code, findings = check(r)
    assert code == 0  # a warning: the record may be genuine; it counts from the day it lands
    t108 = sorted((f["field"], f["severity"]) for f in findings if f["code"] == "T108")
    assert t108 == [("closed", "warning"), ("reviews[0].date", "warning")]
    closed_warning = next(f for f in findings if f["code"] == "T108" and f["field"] == "closed")
    assert closed_warning["line"] and "2026-11-26" in closed_warning["message"] and "2026-11-20" in closed_warning["message"]


def test_a_deadline_given_or_removed_is_worded_without_none(tmp_path):
    r = make_repo(tmp_path)
    r.write_item(make_item(ASSIGNED, "assigned"))
    r.commit("登记督办事项", "2026-11-20")
    r.checkout("feature", new=True)
    r.write_item(make_item(ASSIGNED, "assigned", deadline=None))  # the stated deadline removed
    r.commit("删去期限", "2026-11-25")
    code, findings = check(r)
    t102 = [f["message"] for f in findings if f["code"] == "T102"]
    assert t102 and "None" not in t102[0] and "改为 （未写）" in t102[0]
