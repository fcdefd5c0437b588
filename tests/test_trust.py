"""Numbers that cannot be quietly improved: the history decides the deadline and when a record counts.

Real repositories with fixed dates (tests/gitutil.py). Each test makes the ledger look better in a file and
checks that every count still uses the conservative value, that the audit names the finding the count
follows, and that a reviewed-and-accepted finding restores the written value.
"""

from __future__ import annotations

import datetime as dt
import json

from click.testing import CliRunner

from ducha.cli import main
from gitutil import make_item, make_repo

ITEM = "DC-2026-0001"
D = dt.date.fromisoformat
AS_OF_AUDIT = "2026-12-31"


def cli(*args):
    result = CliRunner().invoke(main, [str(a) for a in args])
    assert result.exit_code == 0, result.output
    return result


def stats(repo, as_of, *extra):
    out = cli("stats", "--root", repo.path, "--as-of", as_of, "--format", "json", "--ids", *extra).stdout
    return json.loads(out)["totals"]


def audit(repo, *extra):
    return json.loads(cli("audit", "--root", repo.path, "--format", "json", "--as-of", AS_OF_AUDIT, *extra).stdout)


def assigned_item(deadline="2026-11-25", **fields):
    return make_item(ITEM, "in_progress", deadline=D(deadline), **fields)


def moved_deadline(tmp_path, **audit_rules):
    """Assigned with a 11-25 deadline; a merged pull request of 11-24 moves it to 12-31 with no extension."""
    repo = make_repo(tmp_path, **audit_rules)
    repo.pull_request("register", [("2026-11-16", assigned_item())])
    moved = repo.pull_request("move", [("2026-11-24", assigned_item("2026-12-31"))])
    return repo, moved


def test_a_deadline_moved_without_an_extension_counts_the_original(tmp_path):
    repo, moved = moved_deadline(tmp_path)
    totals = stats(repo, "2026-11-30")
    assert totals["ids"]["overdue_open"] == [ITEM]  # past the 11-25 term it was assigned with
    assert totals["ids"]["due"] == [ITEM]
    assert totals["rate_on_time"]["numerator"] == 0 and totals["rate_on_time"]["denominator"] == 1
    listed = json.loads(cli("list", "--root", repo.path, "--as-of", "2026-11-30", "--format", "json").stdout)
    assert [(r["id"], r["deadline"], r["light"]) for r in listed] == [(ITEM, "2026-11-25", "red")]
    a102 = [f for f in audit(repo) if f["code"] == "A102"]
    assert [(f["item"], f["commit"], f["field"]) for f in a102] == [(ITEM, moved, "deadline")]


def test_a_deadline_moved_with_an_approved_extension_counts(tmp_path):
    repo = make_repo(tmp_path)
    repo.pull_request("register", [("2026-11-16", assigned_item())])
    ext = [{"requested": D("2026-11-23"), "reason": "征地协调需要更多时间。", "approved_by": "mayor_zhang",
            "approved": D("2026-11-24"), "new_deadline": D("2026-12-31")}]  # fmt: skip
    repo.pull_request("extend", [("2026-11-24", assigned_item(extensions=ext))])
    totals = stats(repo, "2026-11-30")
    assert totals["ids"]["overdue_open"] == [] and totals["ids"]["due"] == []
    assert [f for f in audit(repo) if f["code"] in ("A101", "A102")] == []


def late_closure(tmp_path, landed="2026-12-05", **audit_rules):
    """Deadline 11-25; closed "on 11-24" (reported 11-20, reviewed 11-24) in a pull request merged on ``landed``."""
    repo = make_repo(tmp_path, **audit_rules)
    repo.pull_request("register", [("2026-11-16", assigned_item())])
    closed = make_item(ITEM, "closed", deadline=D("2026-11-25"))
    closed["reviews"] = [{"date": D("2026-11-24"), "result": "passed", "opinion": "同意办结。"}]
    closed["closed"] = D("2026-11-24")
    merge = repo.pull_request("close", [(landed, closed)])
    return repo, merge


def test_a_closure_recorded_late_counts_from_the_day_it_landed(tmp_path):
    repo, merge = late_closure(tmp_path)
    totals = stats(repo, "2026-12-10")
    assert totals["ids"]["closed_late"] == [ITEM]
    assert totals["ids"]["closed_on_time"] == []
    found = {(f["code"], f["field"]) for f in audit(repo) if f["commit"] == merge}
    assert ("A101", "closed") in found
    # as of a day between the written closure and the landing, the item was still open (and overdue)
    assert stats(repo, "2026-11-30")["ids"]["overdue_open"] == [ITEM]


def test_a_closure_landing_within_the_tolerance_counts_as_written(tmp_path):
    repo, _ = late_closure(tmp_path, landed="2026-11-26")  # 2 days after 11-24, tolerance 3
    totals = stats(repo, "2026-12-10")
    assert totals["ids"]["closed_on_time"] == [ITEM]


def register(repo, key, decision="属实已核", day="2026-12-08"):
    repo.write("audit/reviews.yml", f"reviews:\n  - finding: {key}\n    reviewer: 吴昊\n    date: {day}\n    decision: {decision}\n    note: 经核对纸质台账，11月24日已办结，系补录。\n")


def test_an_accepted_review_restores_the_written_value(tmp_path):
    repo, merge = late_closure(tmp_path)
    key = next(f"A101:{ITEM}:{merge[:10]}:closed" for f in audit(repo) if f["field"] == "closed")
    register(repo, key)
    repo.commit("复核登记：补录的办结日期属实", "2026-12-08")
    assert stats(repo, "2026-12-10")["ids"]["closed_on_time"] == [ITEM]
    reviewed = [f for f in audit(repo) if f["field"] == "closed" and f["code"] == "A101"]
    assert [f["review"] for f in reviewed] == ["accepted"]
    # before the review was committed, the conservative value counted
    assert stats(repo, "2026-12-07")["ids"]["closed_late"] == [ITEM]


def test_a_rejected_review_keeps_the_conservative_value(tmp_path):
    repo, merge = late_closure(tmp_path)
    register(repo, f"A101:{ITEM}:{merge[:10]}:closed", decision="不予认可")
    repo.commit("复核登记", "2026-12-08")
    assert stats(repo, "2026-12-10")["ids"]["closed_late"] == [ITEM]
    assert [f["review"] for f in audit(repo) if f["code"] == "A101" and f["field"] == "closed"] == ["rejected"]


def test_an_accepted_deadline_move_counts_the_new_deadline(tmp_path):
    repo, moved = moved_deadline(tmp_path)
    register(repo, f"A102:{ITEM}:{moved[:10]}:deadline", day="2026-11-26")
    repo.commit("复核登记：期限调整经市政府常务会议同意", "2026-11-26")
    assert stats(repo, "2026-11-30")["ids"]["overdue_open"] == []


def test_history_up_to_the_baseline_is_taken_as_written(tmp_path):
    repo, merge = late_closure(tmp_path, baseline="2026-12-05")
    assert stats(repo, "2026-12-10")["ids"]["closed_on_time"] == [ITEM]
    assert [f for f in audit(repo) if f["item"] == ITEM] == []


def test_the_register_is_checked(tmp_path):
    repo, _ = late_closure(tmp_path)
    repo.write("audit/reviews.yml", "reviews:\n  - finding: A101:DC-2026-0001:zzz:closed\n    reviewer: 吴昊\n    date: 2026-12-08\n    decision: 同意\n"
               "  - finding: A101:DC-2026-0001:abcdef1234:closed\n    reviewer: 吴昊\n    date: 2026-12-08\n    decision: 好\n")  # fmt: skip
    result = CliRunner().invoke(main, ["check", "--root", str(repo.path), "--format", "json"])
    codes = sorted(f["code"] for f in json.loads(result.stdout) if f["path"] == "audit/reviews.yml")
    assert codes == ["V102", "V103"]
    lines = sorted(f["line"] for f in json.loads(result.stdout) if f["path"] == "audit/reviews.yml")
    assert lines == [2, 9]  # each names its line: the bad finding, the bad decision
    assert result.exit_code == 1


def test_uncommitted_edits_are_judged_as_landing_on_the_as_of_day(tmp_path):
    repo, _ = moved_deadline(tmp_path)
    repo.write_item(assigned_item("2027-01-31"))  # moved again, not committed
    result = CliRunner().invoke(main, ["stats", "--root", str(repo.path), "--worktree", "--format", "json", "--ids"])
    assert result.exit_code == 0, result.output
    assert "未提交的修改" in result.stderr and "入账判定" in result.stderr
    assert json.loads(result.stdout)["totals"]["ids"]["overdue_open"] == [ITEM]


def test_a_fast_forwarded_pull_request_lands_with_its_commits(tmp_path):
    repo = make_repo(tmp_path, require_merge=False)
    repo.pull_request("register", [("2026-11-16", assigned_item())])
    closed = make_item(ITEM, "closed", deadline=D("2026-11-25"))
    closed["reviews"] = [{"date": D("2026-11-24"), "result": "passed", "opinion": "同意办结。"}]
    closed["closed"] = D("2026-11-24")
    repo.checkout("late", new=True)
    repo.write_item(closed)
    sha = repo.commit("补录办结", "2026-12-05")
    repo.checkout("main")
    repo.git("merge", "--ff-only", "-q", "late")
    assert stats(repo, "2026-12-10")["ids"]["closed_late"] == [ITEM]
    assert ("A101", sha, "closed") in {(f["code"], f["commit"], f["field"]) for f in audit(repo)}


def test_a_commit_dated_before_its_parent_lands_no_earlier_than_the_parent(tmp_path):
    repo = make_repo(tmp_path, require_merge=False)
    repo.write_item(assigned_item())
    repo.commit("登记", "2026-11-16")
    repo.write("notes.txt", "x")
    repo.commit("其他", "2026-12-05")
    closed = make_item(ITEM, "closed", deadline=D("2026-11-25"))
    closed["reviews"] = [{"date": D("2026-11-24"), "result": "passed", "opinion": "同意办结。"}]
    closed["closed"] = D("2026-11-24")
    repo.write_item(closed)
    skewed = repo.commit("补录办结（时钟拨回）", "2026-11-24")  # committer clock set back to the written day
    findings = audit(repo, "--since", "2026-12-05")  # selected by landing day, not by the claimed date
    assert ("A115", skewed) in {(f["code"], f["commit"]) for f in findings}
    assert ("A101", skewed) in {(f["code"], f["commit"]) for f in findings}
    assert stats(repo, "2026-12-10")["ids"]["closed_late"] == [ITEM]


def test_a_commit_far_from_its_author_time_and_one_after_the_as_of_day(tmp_path):
    repo = make_repo(tmp_path, require_merge=False)
    repo.write_item(assigned_item())
    repo.git("add", "-A")
    env_date = "2026-11-20T10:00:00+08:00"
    repo.git("commit", "-q", "-m", "登记", date=env_date)
    sha = repo.head()
    repo.git("commit", "-q", "--amend", "--no-edit", "--date", "2026-11-01T10:00:00+08:00", date=env_date)
    amended = repo.head()
    assert amended != sha
    codes = {f["code"] for f in audit(repo) if f["commit"] == amended}
    assert "A116" in codes
    later = json.loads(cli("audit", "--root", repo.path, "--format", "json", "--as-of", "2026-11-19").stdout)
    assert "A117" in {f["code"] for f in later if f["commit"] == amended}


def test_a_force_push_that_rewrites_a_late_closure_is_found(tmp_path):
    repo, merge = late_closure(tmp_path, require_merge=False)
    cli("audit", "--root", repo.path, "--as-of", AS_OF_AUDIT)  # the branch as read today
    repo.git("reset", "-q", "--hard", f"{merge}^")
    closed = make_item(ITEM, "closed", deadline=D("2026-11-25"))
    closed["reviews"] = [{"date": D("2026-11-24"), "result": "passed", "opinion": "同意办结。"}]
    closed["closed"] = D("2026-11-24")
    repo.write_item(closed)
    repo.commit("办结（改写历史，日期倒签）", "2026-11-24")
    codes = {f["code"] for f in audit(repo)}
    assert "A108" in codes  # the earlier head is gone


def with_site(repo, day):
    import shutil
    from pathlib import Path

    project = Path(__file__).resolve().parents[1]
    shutil.copy(project / "mkdocs.yml", repo.path / "mkdocs.yml")
    shutil.copytree(project / "site_src", repo.path / "site_src")
    repo.commit("网站配置", day)


def test_the_site_counts_and_shows_the_history_decided_values(tmp_path):
    repo, moved = moved_deadline(tmp_path, require_merge=False)
    with_site(repo, "2026-11-25")
    cli("build", "--root", repo.path, "--as-of", "2026-11-30")
    site = repo.path / "site"
    page = (site / "items" / ITEM / "index.html").read_text(encoding="utf-8")
    assert "<del>2026-12-31</del>" in page and "<strong>2026-11-25</strong>" in page  # written struck, counted shown
    assert f"A102:{ITEM}:{moved[:10]}:deadline" in page  # the open finding, with its review key
    home = (site / "index.html").read_text(encoding="utf-8")
    assert "以历史为准" in home and "1 个事项</a>按提交历史核定" in home
    listed = (site / "lists" / "corrected" / "index.html").read_text(encoding="utf-8")
    assert ITEM in listed
    unit = (site / "status" / "unit" / "index.html").read_text(encoding="utf-8")
    assert "以历史为准" in unit


def test_the_sample_counts_its_planted_cases_conservatively():
    """This project's own history plants the cases (merged on 2026-12-02 after the baseline): DC-2026-0047's
    deadline moved without an extension, DC-2026-0058 closed "on 11-19" in a merge of 12-02, and
    DC-2026-0054 closed "on 11-24" in a merge of 12-02 whose findings the review register accepts."""
    from pathlib import Path

    project = Path(__file__).resolve().parents[1]
    out = cli("stats", "--root", project, "--as-of", "2026-12-02", "--format", "json", "--ids").stdout
    totals = json.loads(out)["totals"]["ids"]
    assert "DC-2026-0047" in totals["overdue_open"]  # still past its 09-30 term
    assert "DC-2026-0058" in totals["closed_late"]  # counted as closed on 12-02, after its 11-30 deadline
    assert "DC-2026-0054" in totals["closed_on_time"]  # accepted: closed on 11-24 as written
    assert sorted(json.loads(out)["corrected"]) == ["DC-2026-0047", "DC-2026-0058"]
    findings = json.loads(cli("audit", "--root", project, "--format", "json", "--as-of", "2026-12-02", "--since", "2026-12-02").stdout)
    planted = {(f["code"], f["item"], f["field"], f["review"]) for f in findings if f["item"]}
    assert ("A102", "DC-2026-0047", "deadline", "") in planted
    assert ("A101", "DC-2026-0058", "closed", "") in planted
    assert ("A101", "DC-2026-0054", "closed", "accepted") in planted


def test_the_judgement_cache_gives_the_same_counts_and_survives_damage(tmp_path):
    repo, merge = late_closure(tmp_path)
    first = stats(repo, "2026-12-10")
    cache = repo.path / ".git" / "ducha" / "trust.pickle"
    assert cache.is_file()
    assert stats(repo, "2026-12-10") == first  # from the cache
    cache.write_bytes(cache.read_bytes()[:-7] + b"garbage")  # a damaged cache is no cache
    assert stats(repo, "2026-12-10") == first
    register(repo, f"A101:{ITEM}:{merge[:10]}:closed")  # a new head and a new register: judged afresh
    repo.commit("复核登记", "2026-12-08")
    assert stats(repo, "2026-12-10")["ids"]["closed_on_time"] == [ITEM]


def test_a_new_uncommitted_item_with_a_record_dated_long_ago_counts_from_the_as_of_day(tmp_path):
    repo = make_repo(tmp_path)
    repo.write_item(make_item("DC-2026-0002", "assigned"))
    repo.commit("登记", "2026-11-16")
    closed = make_item(ITEM, "closed", deadline=D("2026-11-25"))  # never committed: closed "on 11-23"
    repo.write_item(closed)
    result = CliRunner().invoke(main, ["stats", "--root", str(repo.path), "--worktree", "--format", "json", "--ids"])
    assert result.exit_code == 0, result.output
    ids = json.loads(result.stdout)["totals"]["ids"]
    assert ITEM in ids["closed_late"]  # judged as landing today, after its 11-25 deadline


def friday_closure(path, unit: str):
    """Tolerance 3 days counted in ``unit``; closed "on Friday 11-20", landed on Wednesday 11-25 (5 calendar
    days, 3 working days). Returns the repository and the merge that landed it."""
    repo = make_repo(path)
    rules = repo.read("items/ledger.yml").replace("  backdating_tolerance_days: 3", f"  backdating_tolerance_days: 3\n  backdating_tolerance_unit: {unit}", 1)
    repo.write("items/ledger.yml", rules)
    repo.commit("规则", "2026-11-02")
    repo.pull_request("register", [("2026-11-16", assigned_item(deadline="2026-11-23"))])
    closed = make_item(ITEM, "closed", deadline=D("2026-11-23"))
    closed["reviews"] = [{"date": D("2026-11-20"), "result": "passed", "opinion": "同意办结。"}]
    closed["closed"] = D("2026-11-20")
    return repo, repo.pull_request("close", [("2026-11-25", closed)])


def test_the_tolerance_may_count_working_days(tmp_path):
    """Closed "on Friday 11-20", landed on Wednesday 11-25: 5 calendar days, 3 working days."""
    for unit, expected in (("calendar", "closed_late"), ("working", "closed_on_time")):
        repo, merge = friday_closure(tmp_path / unit, unit)
        assert stats(repo, "2026-11-30")["ids"][expected] == [ITEM], unit
        a101 = [f for f in audit(repo) if f["code"] == "A101" and f["commit"] == merge and f["field"] == "closed"]
        if unit == "calendar":
            assert a101[0]["message"].endswith("提交比记录日期晚 5 天（容许 3 天）。")
        else:
            assert a101 == []


def test_an_uncommitted_rules_edit_is_judged_by_the_work_trees_rules_not_a_cached_judgement(tmp_path):
    """Closed "on Friday 11-20", landed on Wednesday 11-25, 3 working days (tolerance 3): on time. Then the
    work tree's rules make Saturday 11-21 a working day (调休), not yet committed: 4 working days, late."""
    repo, _ = friday_closure(tmp_path, "working")
    assert stats(repo, "2026-11-30", "--worktree")["ids"]["closed_on_time"] == [ITEM]
    assert (repo.path / ".git" / "ducha" / "trust.pickle").is_file()  # judged and kept
    makeup = "holiday_overrides:\n  2026:\n    holidays: []\n    workdays: [2026-11-21]\n"
    repo.write("items/ledger.yml", repo.read("items/ledger.yml").replace("holiday_overrides: {}\n", makeup, 1))
    assert stats(repo, "2026-11-30", "--worktree")["ids"]["closed_late"] == [ITEM]
