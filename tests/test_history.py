"""The history engine on real git repositories: field-level timelines, moves, merges, the cache,
refusals, ``ducha history`` and the ledger restored as of a past date."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from gitutil import OUTSIDER, WU, ZHOU, item_path, make_repo
from gitutil import make_item as _make_item

from ducha.files import cache as cachefile
from ducha.cli import main
from ducha import HistoryUnavailable
from ducha import History, load_history
from ducha.history.commits import CacheWarmer, item_events
from ducha import load_ledger_at

D = dt.date


def make_item(item_id: str, status: str, **fields) -> dict:
    """gitutil's valid item with the dates these tests assert on pinned here."""
    return _make_item(item_id, status, **{"deadline": D(2026, 12, 31), **fields})


pytestmark = pytest.mark.usefixtures("isolated_git")


def changes(h: History, item_id: str) -> list[tuple[str, list[tuple]]]:
    """(action, [(field, old, new), ...]) per version, oldest first."""
    return [(v[3], list(v[4])) for v in h.items[item_id]]


def snapshot(h: History):
    return h.head, h.commits, h.items, h.current, h.rules_versions


def cache_file(repo) -> Path:
    (path,) = (repo.path / ".git" / "ducha").glob("history-*.pickle")
    return path


def mark_cache(repo) -> int:
    """Plant a marker item in the cached History; a rebuild would drop it.  Returns the file's mtime."""
    path = cache_file(repo)
    h = cachefile.read(path)
    h.items["MARKER"] = []
    cachefile.write(path, h)
    return path.stat().st_mtime_ns


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


# -- field-level changes -----------------------------------------------------------


def test_field_level_changes_scalars_added_removed_and_log_entries(tmp_path):
    repo = make_repo(tmp_path)
    item = make_item("DC-2026-0001", "assigned")
    repo.write_item(item)
    repo.commit("登记 DC-2026-0001", "2026-11-16")
    item = make_item("DC-2026-0001", "in_progress", co_units=None)
    repo.write_item(item)
    repo.commit("进展", "2026-11-18")
    p1 = {"date": D(2026, 11, 25), "by": "fgw", "text": "主体结构完成。"}
    p2 = {"date": D(2026, 11, 30), "by": "czj", "text": "资金已拨付。"}
    item["progress"] = item["progress"] + [p1, p2]
    item["deadline"] = D(2027, 1, 15)
    repo.write_item(item)
    repo.commit("两次进展，改期限", "2026-11-30")

    h = load_history(repo.path)
    (a, created), (m1, first), (m2, second) = changes(h, "DC-2026-0001")
    assert (a, m1, m2) == ("A", "M", "M")
    assert ("status", None, "assigned") in created and ("deadline", None, D(2026, 12, 31)) in created
    assert first == [
        ("status", "assigned", "in_progress"),
        ("progress[0]", None, {"date": D(2026, 11, 18), "by": "fgw", "text": "已完成征地拆迁方案。"}),
        ("co_units", ["czj"], None),
    ]
    assert second == [("deadline", D(2026, 12, 31), D(2027, 1, 15)), ("progress[1]", None, p1), ("progress[2]", None, p2)]
    assert h.current == {"DC-2026-0001": ("items/2026/DC-2026-0001.yml", repo.git("rev-parse", "HEAD:items/2026/DC-2026-0001.yml").strip())}
    assert [idx for idx, *_ in h.rules_versions] == [0]


def test_deleted_item_readded_and_unreadable_version(tmp_path):
    repo = make_repo(tmp_path)
    repo.write_item(make_item("DC-2026-0001", "assigned"))
    repo.commit("登记", "2026-11-16")
    good = repo.read(item_path("DC-2026-0001"))
    repo.write(item_path("DC-2026-0001"), good + "status: [unclosed\n")
    repo.commit("写坏了", "2026-11-17")
    repo.write_item(make_item("DC-2026-0001", "in_progress"))
    repo.commit("修好并报进展", "2026-11-18")
    repo.remove(item_path("DC-2026-0001"))
    repo.commit("删除事项", "2026-11-19")
    repo.write_item(make_item("DC-2026-0001", "assigned"))
    repo.commit("恢复事项", "2026-11-20")

    h = load_history(repo.path)
    versions = changes(h, "DC-2026-0001")
    assert [a for a, _ in versions] == ["A", "M", "M", "D", "A"]
    assert versions[1][1] == [("(file)", None, "无法读取的版本：D106 YAML 语法错误。")]
    assert [v[5] for v in h.items["DC-2026-0001"]] == [True, False, True, True, True]
    # the version after the unreadable one is diffed against the last readable one
    assert [f for f, _, _ in versions[2][1]] == ["status", "progress[0]"]
    deleted = dict((f, o) for f, o, _ in versions[3][1])
    assert deleted["status"] == "in_progress" and all(n is None for _, _, n in versions[3][1])
    assert ("status", None, "assigned") in versions[4][1]  # re-added: diffed against nothing
    assert h.items["DC-2026-0001"][3][2] is None


# -- moves -------------------------------------------------------------------------


def raw_statuses(repo) -> list[str]:
    return repo.git("log", "-1", "--format=", "--raw", "-M", "--no-abbrev").split("\n")


def test_moves_between_year_folders_keep_one_timeline(tmp_path):
    repo = make_repo(tmp_path)
    old = "items/2025/DC-2025-0007.yml"
    item = make_item("DC-2025-0007", "in_progress", assigned=D(2025, 12, 1))
    repo.write_item(item, old)
    long_texts = {"progress": [{"date": D(2025, 12, d), "by": "fgw", "text": f"第{d}次进展：" + "征地拆迁与管线迁改协调" * 6} for d in range(2, 9)]}
    repo.write_item(dict(item, **long_texts), old)
    repo.commit("登记 2025 年事项", "2025-12-10")
    repo.write_item(make_item("DC-2025-0008", "assigned", assigned=D(2025, 12, 1)), "items/2025/DC-2025-0008.yml")
    repo.commit("登记另一事项", "2025-12-11")

    # 1. a plain move that git sees as a rename
    (repo.path / "items/2026").mkdir()
    repo.git("mv", "items/2025/DC-2025-0008.yml", "items/2026/DC-2025-0008.yml")
    repo.commit("结转到 2026 年目录", "2026-01-05")
    assert any(line.split("\t")[0].endswith("R100") for line in raw_statuses(repo))

    # 2. a move with most of the content rewritten: git sees a delete and an add
    repo.remove(old)
    rewritten = make_item("DC-2025-0007", "reported", assigned=D(2025, 12, 1), title="另行起草的标题" * 4,
                          progress=[{"date": D(2026, 1, 6), "by": "czj", "text": "全部重写的进展说明。" * 8}])  # fmt: skip
    repo.write_item(rewritten, "items/2026/DC-2025-0007.yml")
    repo.commit("结转并整理", "2026-01-06")
    statuses = sorted(line.split()[4] for line in raw_statuses(repo) if line)
    assert statuses == ["A", "D"], "the test needs a move git does not detect"

    h = load_history(repo.path)
    assert set(h.items) == {"DC-2025-0007", "DC-2025-0008"}
    moved = changes(h, "DC-2025-0008")
    assert [a for a, _ in moved] == ["A", "R"]
    assert moved[1][1] == [("(path)", "items/2025/DC-2025-0008.yml", "items/2026/DC-2025-0008.yml")]
    rewritten_versions = changes(h, "DC-2025-0007")
    assert [a for a, _ in rewritten_versions] == ["A", "R"]
    fields = [f for f, _, _ in rewritten_versions[1][1]]
    assert fields[0] == "(path)" and "status" in fields and "title" in fields and "progress[0]" in fields
    assert h.current["DC-2025-0007"][0] == "items/2026/DC-2025-0007.yml"


def test_git_rename_between_two_different_items_is_a_deletion_and_a_new_item(tmp_path):
    repo = make_repo(tmp_path)
    repo.write_item(make_item("DC-2026-0001", "assigned"))
    repo.commit("登记", "2026-11-16")
    repo.remove(item_path("DC-2026-0001"))
    repo.write_item(make_item("DC-2026-0002", "assigned"))
    repo.commit("删一个，登记一个相似的", "2026-11-17")
    assert [line.split()[4][0] for line in raw_statuses(repo) if line] == ["R"], "the test needs git to guess a rename"

    h = load_history(repo.path)
    assert [a for a, _ in changes(h, "DC-2026-0001")] == ["A", "D"]
    assert [a for a, _ in changes(h, "DC-2026-0002")] == ["A"]
    assert set(h.current) == {"DC-2026-0002"}


def test_item_events_pairs_by_stem_and_handles_the_rules_file():
    entries = [
        ("D", "items/2025/DC-2025-0001.yml", "items/2025/DC-2025-0001.yml", "0" * 40),
        ("A", "items/2026/DC-2025-0001.yml", "items/2026/DC-2025-0001.yml", "a" * 40),
        ("R", "items/2026/DC-2026-0001.yml", "archive/DC-2026-0001.yml", "b" * 40),
        ("R", "notes/DC-2026-0009.yml", "items/2026/DC-2026-0009.yml", "c" * 40),
        ("M", "items/ledger.yml", "items/ledger.yml", "d" * 40),
        ("M", "items/item.schema.json", "items/item.schema.json", "e" * 40),
    ]
    events, rules = item_events(entries)
    assert sorted(events) == [
        ("A", "items/2026/DC-2026-0009.yml", "items/2026/DC-2026-0009.yml", "c" * 40),
        ("D", "items/2026/DC-2026-0001.yml", "items/2026/DC-2026-0001.yml", None),
        ("R", "items/2025/DC-2025-0001.yml", "items/2026/DC-2025-0001.yml", "a" * 40),
    ]
    assert rules == ("d" * 40,)


# -- merges ------------------------------------------------------------------------


def test_merged_branch_is_attributed_to_the_merge_commit(tmp_path):
    repo = make_repo(tmp_path)
    repo.write_item(make_item("DC-2026-0001", "assigned"))
    direct = repo.commit("直接登记", "2026-11-16")
    merge = repo.pull_request(
        "progress-0001",
        [("2026-11-17", make_item("DC-2026-0001", "in_progress")), ("2026-11-18", make_item("DC-2026-0001", "reported"))],
        merge_date="2026-11-19", author=WU, merger=ZHOU,
    )  # fmt: skip
    h = load_history(repo.path)
    versions = h.timeline("DC-2026-0001")
    assert [v["commit"] for v in versions] == [direct, merge]
    assert versions[1]["author"] == "周敏" and versions[1]["email"] == ZHOU[1]
    assert versions[1]["message"] == "合并请求：progress-0001"
    assert versions[1]["date"] == "2026-11-19T10:00:00+08:00"
    # the two branch commits collapse into one field-level step: in_progress was never on main
    assert [c["field"] for c in versions[1]["changes"]] == ["status", "progress[0]", "result"]
    assert versions[1]["changes"][0] == {"field": "status", "old": "assigned", "new": "reported"}
    assert [c.parents for c in h.commits] == [0, 1, 2]
    assert WU[1] not in {c.email for c in h.commits}


# -- the cache ---------------------------------------------------------------------


def _ledger_with_history(tmp_path):
    repo = make_repo(tmp_path)
    repo.write_item(make_item("DC-2026-0001", "assigned"))
    repo.commit("登记 1", "2026-11-16")
    repo.write(item_path("DC-2026-0002"), "id: DC-2026-0002\ntitle: [broken\n")
    repo.commit("登记 2（格式错误）", "2026-11-17")
    repo.write(item_path("DC-2026-0001"), repo.read(item_path("DC-2026-0001")) + "status: [broken\n")
    repo.commit("写坏 1", "2026-11-18")
    return repo


def _more_commits(repo, start_day: int, n: int = 3):
    for k in range(n):
        item = make_item("DC-2026-0001", "in_progress")
        item["progress"] = item["progress"] + [{"date": D(2026, 11, start_day + k), "by": "fgw", "text": f"进展 {k}"}]
        repo.write_item(item)
        if k == 0:  # repair the unreadable item: diffed against nothing readable before
            repo.write_item(make_item("DC-2026-0002", "assigned"))
        repo.commit(f"进展 {start_day + k}", f"2026-11-{start_day + k}")


def test_second_load_comes_from_the_cache(tmp_path):
    repo = _ledger_with_history(tmp_path)
    first = load_history(repo.path)
    mtime = mark_cache(repo)
    again = load_history(repo.path)
    assert "MARKER" in again.items and again.head == first.head == repo.head()
    assert cache_file(repo).stat().st_mtime_ns == mtime  # nothing to write
    fresh = load_history(repo.path, use_cache=False)
    assert "MARKER" not in fresh.items and snapshot(fresh) == snapshot(first)


def test_a_background_warmer_leaves_a_current_cache_and_is_not_started_again(tmp_path):
    repo = _ledger_with_history(tmp_path)
    warmer = CacheWarmer.start(repo.path)
    assert warmer is not None
    warmer.wait()
    assert warmer.process.exitcode == 0
    mtime = cache_file(repo).stat().st_mtime_ns
    warmed = load_history(repo.path)
    assert cache_file(repo).stat().st_mtime_ns == mtime  # the caller found it current: nothing rebuilt
    assert snapshot(warmed) == snapshot(load_history(repo.path, use_cache=False))
    assert CacheWarmer.start(repo.path) is None  # the cache's head is HEAD already
    _more_commits(repo, 20, n=1)
    again = CacheWarmer.start(repo.path)
    assert again is not None
    again.wait()
    assert load_history(repo.path).head == repo.head()


def test_a_stopped_warmer_leaves_no_partial_cache_and_a_failing_one_stays_quiet(tmp_path, capfd):
    repo = _ledger_with_history(tmp_path)
    warmer = CacheWarmer.start(repo.path)
    warmer.stop()
    assert list((repo.path / ".git").rglob("*.tmp")) == []
    assert snapshot(load_history(repo.path)) == snapshot(load_history(repo.path, use_cache=False))
    clone = tmp_path / "shallow"
    repo.git("clone", "-q", "--depth", "1", f"file://{repo.path}", str(clone))
    capfd.readouterr()
    shallow = CacheWarmer.start(clone)
    shallow.wait()
    assert shallow.process.exitcode == 1 and capfd.readouterr().err == ""  # the caller reports, not the warmer


def test_cached_items_stay_pickled_until_read(tmp_path):
    repo = _ledger_with_history(tmp_path)
    built = load_history(repo.path)
    warm = load_history(repo.path)
    assert {type(v) for v in warm.items._data.values()} == {bytes}
    assert warm.items["DC-2026-0001"] == built.items["DC-2026-0001"]
    assert type(warm.items._data["DC-2026-0001"]) is list and type(warm.items._data["DC-2026-0002"]) is bytes
    assert dict(warm.items) == dict(built.items) and len(warm.items) == 2 and "DC-2026-0002" in warm.items


def test_new_commits_extend_the_cache_incrementally(tmp_path):
    repo = _ledger_with_history(tmp_path)
    load_history(repo.path)
    mark_cache(repo)
    _more_commits(repo, 20)
    (repo.path / "items/2027").mkdir()
    repo.git("mv", item_path("DC-2026-0002"), "items/2027/DC-2026-0002.yml")
    repo.commit("移动", "2026-11-24")
    extended = load_history(repo.path)
    assert "MARKER" in extended.items  # extended, not rebuilt
    del extended.items["MARKER"]
    assert snapshot(extended) == snapshot(load_history(repo.path, use_cache=False))
    assert extended.head == repo.head() and extended.rewrites == []
    assert "MARKER" in load_history(repo.path).items  # the extension was saved


def test_the_items_each_commit_changed_are_kept_and_equal_what_the_versions_say(tmp_path):
    repo = _ledger_with_history(tmp_path)
    load_history(repo.path)
    _more_commits(repo, 20)
    (repo.path / "items/2027").mkdir()
    repo.git("mv", item_path("DC-2026-0002"), "items/2027/DC-2026-0002.yml")
    repo.write_item(make_item("DC-2026-0003", "assigned"))
    repo.write(item_path("DC-2026-0001").replace("2026/", "2027/"), repo.read(item_path("DC-2026-0001")))  # a second file of one id
    repo.commit("移动、登记、重复", "2026-11-24")
    repo.remove(item_path("DC-2026-0003"))
    repo.commit("删除 3", "2026-11-25")
    extended, fresh = load_history(repo.path), load_history(repo.path, use_cache=False)
    every = range(len(fresh.commits))
    for h in (extended, fresh):
        assert len(h.touched) == len(h.commits)
        from_touched = h.items_changed(every)
        from_versions = {i: [] for i in every}  # what every item's versions say, in the order of the items
        for item_id, versions in h.items.items():
            for v in versions:
                from_versions[v[0]].append(item_id)
        assert from_touched == from_versions
    assert from_touched[len(fresh.commits) - 2] == ["DC-2026-0001", "DC-2026-0002", "DC-2026-0003"]
    assert from_touched[len(fresh.commits) - 1] == ["DC-2026-0003"]
    assert [ids for _, ids in sorted(from_touched.items())][:3] == [[], ["DC-2026-0001"], ["DC-2026-0002"]]  # the rules, then 登记 1, 2


@pytest.mark.parametrize("how", ["reset", "amend"])
def test_rewritten_history_is_rebuilt_and_recorded(tmp_path, how):
    repo = _ledger_with_history(tmp_path)
    _more_commits(repo, 20)
    old_head = load_history(repo.path).head
    mark_cache(repo)
    if how == "reset":
        repo.git("reset", "-q", "--hard", "HEAD~2")
        _more_commits(repo, 25, n=1)
    else:
        repo.git("commit", "-q", "--amend", "-m", "改写的说明", date="2026-11-26")
    rebuilt = load_history(repo.path)
    assert "MARKER" not in rebuilt.items
    assert rebuilt.rewrites == [(old_head, repo.head())]
    assert snapshot(rebuilt) == snapshot(load_history(repo.path, use_cache=False))
    assert load_history(repo.path).rewrites == [(old_head, repo.head())]  # remembered in the cache


def test_other_branches_have_their_own_cache_and_no_false_rewrite(tmp_path):
    repo = _ledger_with_history(tmp_path)
    load_history(repo.path)
    repo.checkout("side", new=True, start="HEAD~1")
    _more_commits(repo, 20, n=1)
    side = load_history(repo.path)
    repo.checkout("main")
    main_again = load_history(repo.path)
    assert side.rewrites == [] and main_again.rewrites == []
    assert len(list((repo.path / ".git" / "ducha").glob("history-*.pickle"))) == 2
    assert load_history(repo.path, rev=side.head).head == side.head  # a bare commit works too


def test_head_merged_from_the_side_is_rebuilt_without_a_rewrite(tmp_path):
    """A "foxtrot": main's old head is still an ancestor but no longer on the first-parent chain."""
    repo = _ledger_with_history(tmp_path)
    repo.checkout("feature", new=True, start="HEAD~1")
    repo.write_item(make_item("DC-2026-0003", "assigned"))
    repo.commit("分支上登记 3", "2026-11-18")
    main_head = load_history(repo.path, rev="main").head
    repo.merge("main", "2026-11-19", message="把 main 合入分支")
    repo.checkout("main")
    repo.git("merge", "-q", "--ff-only", "feature")
    h = load_history(repo.path, rev="main")
    assert h.rewrites == []
    assert main_head not in [c.sha for c in h.commits]
    assert snapshot(h) == snapshot(load_history(repo.path, rev="main", use_cache=False))


def test_signature_letters_are_filled_for_commits_added_without_them(tmp_path):
    repo = _ledger_with_history(tmp_path)
    load_history(repo.path)
    _more_commits(repo, 20, n=2)
    assert {c.signature for c in load_history(repo.path).commits} == {"-"}
    signed = load_history(repo.path, signatures=True)
    assert signed.signatures_known and {c.signature for c in signed.commits} == {"N"}
    assert [c.signature for c in load_history(repo.path).commits] == ["N"] * len(signed.commits)
    assert load_history(repo.path, signatures=True, use_cache=False).commits == signed.commits
    _more_commits(repo, 25, n=1)  # extended by a run that does not ask for signatures
    assert load_history(repo.path).commits[-1].signature == "-"
    assert {c.signature for c in load_history(repo.path, signatures=True).commits} == {"N"}


# -- refusals ----------------------------------------------------------------------


def test_shallow_clone_is_refused(tmp_path):
    repo = _ledger_with_history(tmp_path)
    clone = tmp_path / "shallow"
    repo.git("clone", "-q", "--depth", "1", f"file://{repo.path}", str(clone))
    with pytest.raises(HistoryUnavailable, match="git fetch --unshallow"):
        load_history(clone)
    result = run("history", "DC-2026-0001", "--root", clone)
    assert result.exit_code == 1 and "浅克隆" in result.output and "Traceback" not in result.output


def test_no_repository_and_unknown_revision_are_refused(tmp_path):
    plain = tmp_path / "plain"
    (plain / "items").mkdir(parents=True)
    with pytest.raises(HistoryUnavailable, match="不是 git 仓库"):
        load_history(plain)
    repo = _ledger_with_history(tmp_path)
    with pytest.raises(HistoryUnavailable, match="找不到提交“nope”"):
        load_history(repo.path, rev="nope")


# -- ducha history -----------------------------------------------------------------


def test_cli_history_json_is_the_timeline_oldest_first(tmp_path):
    repo = make_repo(tmp_path)
    repo.write_item(make_item("DC-2026-0001", "assigned"))
    first = repo.commit("登记 DC-2026-0001\n\n按第9次常务会议纪要。", "2026-11-16")
    repo.write_item(make_item("DC-2026-0001", "in_progress", deadline=D(2027, 1, 31)))
    second = repo.commit("市发改委报送进展", "2026-11-18", author=OUTSIDER)
    result = run("history", "DC-2026-0001", "--format", "json", "--root", repo.path)
    assert result.exit_code == 0, result.output
    timeline = json.loads(result.stdout)
    assert [t["commit"] for t in timeline] == [first, second]
    assert {k for t in timeline for k in t} >= {"commit", "author", "email", "date", "message", "changes"}
    assert timeline[0]["message"] == "登记 DC-2026-0001\n\n按第9次常务会议纪要。"
    assert timeline[1] | {"changes": None, "records": None} == {
        "commit": second, "author": "王五", "email": "wangwu@example.com", "date": "2026-11-18T10:00:00+08:00",
        "message": "市发改委报送进展", "path": "items/2026/DC-2026-0001.yml", "action": "M", "changes": None,
        "made_by": ["王五"], "merged_by": "", "time_beijing": "2026-11-18 10:00", "records": None,
        "summary": ["修改 办理期限：2026-12-31 → 2027-01-31", "修改 状态：已交办 → 办理中", "新增 第1条进展"],
    }  # fmt: skip
    assert timeline[1]["records"] == [{"kind": "进展", "date": "2026-11-18", "who": "市发展和改革委员会",
                                       "text": "已完成征地拆迁方案。", "overwritten": False}]  # fmt: skip
    assert timeline[1]["changes"] == [
        {"field": "deadline", "old": "2026-12-31", "new": "2027-01-31"},
        {"field": "status", "old": "assigned", "new": "in_progress"},
        {"field": "progress[0]", "old": None, "new": {"date": "2026-11-18", "by": "fgw", "text": "已完成征地拆迁方案。"}},
    ]
    text = run("history", "DC-2026-0001", "--root", repo.path)
    assert text.exit_code == 0
    assert "    修改 办理期限：2026-12-31 → 2027-01-31；修改 状态：已交办 → 办理中；新增 第1条进展\n" in text.stdout
    assert "    · 进展 2026-11-18 市发展和改革委员会：已完成征地拆迁方案。\n" in text.stdout
    assert "2026-11-18 10:00（北京时间）  " + second[:10] + "  修改  修改人：王五\n" in text.stdout
    missing = run("history", "DC-2026-0099", "--root", repo.path)
    assert missing.exit_code == 1 and "DC-2026-0099" in missing.output
    bad_rev = run("history", "DC-2026-0001", "--rev", "nope", "--root", repo.path)
    assert bad_rev.exit_code == 1 and "找不到提交" in bad_rev.output and "Traceback" not in bad_rev.output


def test_cli_history_shows_commit_times_in_beijing_time_and_says_so(tmp_path):
    """Commits made in New York (-05:00) and in UTC: the text shows Beijing time, labelled; JSON keeps the
    committer's own ISO 8601 time with its offset."""
    repo = make_repo(tmp_path)
    repo.write_item(make_item("DC-2026-0001", "assigned"))
    repo.commit("登记", "2026-05-20T01:03:00-05:00")  # 2026-05-20 14:03 in Beijing
    repo.write_item(make_item("DC-2026-0001", "in_progress"))
    repo.commit("报送进展", "2026-05-20T16:30:00+00:00")  # 2026-05-21 00:30 in Beijing: the next day
    text = run("history", "DC-2026-0001", "--root", repo.path)
    assert text.exit_code == 0, text.output
    heads = [line for line in text.stdout.splitlines() if not line.startswith(" ")]
    assert [h.split("  ")[0] for h in heads] == ["2026-05-20 14:03（北京时间）", "2026-05-21 00:30（北京时间）"]
    assert "-05:00" not in text.stdout and "T01:03" not in text.stdout
    timeline = json.loads(run("history", "DC-2026-0001", "--format", "json", "--root", repo.path).stdout)
    assert [t["date"] for t in timeline] == ["2026-05-20T01:03:00-05:00", "2026-05-20T16:30:00+00:00"]


# -- the ledger as of a past date ----------------------------------------------------


def test_ledger_as_of_a_day_counts_commits_until_midnight_in_beijing(tmp_path):
    repo = make_repo(tmp_path, date="2026-02-27")
    repo.write_item(make_item("DC-2026-0001", "assigned"))
    late_evening = repo.commit("登记 1", "2026-03-01T23:30:00+08:00")
    repo.write_item(make_item("DC-2026-0002", "assigned"))
    after_midnight = repo.commit("登记 2", "2026-03-02T00:10:00+08:00")
    repo.write_item(make_item("DC-2026-0003", "assigned"))
    repo.commit("登记 3（UTC 时间写的提交，北京时间 3 月 3 日 00:05）", "2026-03-02T16:05:00+00:00")

    day1 = load_ledger_at(repo.path, D(2026, 3, 1))
    assert day1.commit == late_evening and sorted(day1.items) == ["DC-2026-0001"]
    day2 = load_ledger_at(repo.path, D(2026, 3, 2))
    assert day2.commit == after_midnight and sorted(day2.items) == ["DC-2026-0001", "DC-2026-0002"]
    assert sorted(load_ledger_at(repo.path, D(2026, 3, 3)).items) == ["DC-2026-0001", "DC-2026-0002", "DC-2026-0003"]
    assert load_ledger_at(repo.path, D(2026, 2, 27)).items == {}
    with pytest.raises(HistoryUnavailable, match="还没有任何提交"):
        load_ledger_at(repo.path, D(2026, 2, 26))


def test_check_as_of_ignores_uncommitted_work_and_says_so(tmp_path):
    repo = make_repo(tmp_path, date="2026-02-27")
    repo.write_item(make_item("DC-2026-0001", "assigned"))
    repo.commit("登记 1", "2026-03-01T23:30:00+08:00")
    repo.write_item(make_item("DC-2026-0002", "assigned"))  # not committed
    repo.write_item(make_item("DC-2026-0001", "in_progress"))  # modified, not committed

    committed = run("check", "--as-of", "2026-03-01", "--root", repo.path)
    assert "检查了 2 个文件" in committed.stdout
    assert "工作区有 2 个未提交的事项文件修改，未计入" in committed.stderr
    worktree = run("check", "--as-of", "2026-03-01", "--worktree", "--root", repo.path)
    assert "检查了 3 个文件" in worktree.stdout
    before = run("check", "--as-of", "2026-02-26", "--root", repo.path)
    assert before.exit_code == 1 and "还没有任何提交" in before.output


# -- a synthetic ledger with history -------------------------------------------------


def test_synthetic_history_audit_finds_exactly_the_planted_cases(tmp_path):
    from bench.synth_git import SynthHistory

    from ducha import audit_repository
    from ducha import load_rules

    synth = SynthHistory(n_items=80, n_commits=500, seed=3)
    planted = synth.write(tmp_path / "synth", checkout=True)
    root = tmp_path / "synth"
    assert int(subprocess.run(["git", "rev-list", "--count", "HEAD"], cwd=root, capture_output=True, text=True).stdout) == 500
    assert subprocess.run(["git", "fsck", "--full", "--strict"], cwd=root, capture_output=True).returncode == 0
    findings = audit_repository(root, load_rules(root / "items", root)).findings
    by_code: dict[str, set] = {}
    for f in findings:
        by_code.setdefault(f.code, set()).add(f.item or f.commit)
    assert by_code == {
        "A101": set(planted.backdated_closure), "A102": set(planted.deadline_moved),
        "A103": set(planted.edited_after_close), "A104": set(planted.deleted),
        "A105": set(planted.direct_commits), "A106": set(planted.unknown_author),
    }  # fmt: skip
    assert all(by_code.values())
    synth.extend(root, 21)
    extended = load_history(root)
    assert len(extended.commits) == len(load_history(root, use_cache=False).commits)
    assert snapshot(extended) == snapshot(load_history(root, use_cache=False))
