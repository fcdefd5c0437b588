"""Odd input in the git history never breaks a command: file names that are not UTF-8, commits with a
malformed time-zone offset, damaged caches, oversized old versions, a rewrite seen before the cache was
rebuilt.  Each is a finding or a one-line notice, on real repositories, through the CLI as well."""

from __future__ import annotations

import datetime as dt
import os
import random
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from gitutil import PROJECT, dump_item, item_path, make_item, make_repo

from ducha.files import cache as cachefile
from ducha import audit_repository
from ducha.review.audit import PER_GROUP, audit
from ducha.cli import main
from ducha import load_history
from ducha import load_ledger_at
from ducha import load_rules
from ducha.site.auditpages import PER_PAGE

D = dt.date
GBK_TXT = "items/2026/附件.txt".encode("gbk")
GBK_YML = "items/2026/督查事项.yml".encode("gbk")
GBK_OUTSIDE = "材料/会议纪要.docx".encode("gbk")


pytestmark = pytest.mark.usefixtures("isolated_git")


def run(*args):
    result = CliRunner().invoke(main, [str(a) for a in args])
    # a ClickException or an exit code is an answer; any other exception is a traceback for the user
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert "Traceback" not in result.output
    return result


def rules(repo):
    return load_rules(repo.path / "items", repo.path)


def ledger_with_item(tmp_path, **audit_settings):
    repo = make_repo(tmp_path, **audit_settings)
    repo.write_item(make_item("DC-2026-0001", "assigned"))
    repo.commit("登记 DC-2026-0001", "2026-11-16")
    return repo


def with_site(repo):
    """The sample ledger's mkdocs.yml and pages beside ``repo``'s items, committed."""
    shutil.copy(PROJECT / "mkdocs.yml", repo.path / "mkdocs.yml")
    shutil.copytree(PROJECT / "site_src", repo.path / "site_src")
    repo.commit("网站配置", "2026-11-25")


def odd_repo(tmp_path, names: bool = True):
    """Non-UTF-8 names inside and outside items/ (unless not ``names``), and a commit whose offset is +9999."""
    repo = ledger_with_item(tmp_path)
    if names:
        repo.write_raw(GBK_TXT)
        repo.write_raw(GBK_YML, repo.read(item_path("DC-2026-0001")).encode())
        repo.write_raw(GBK_OUTSIDE)
    names = repo.commit("从 Windows 解压的材料", "2026-11-17")
    item = make_item("DC-2026-0001", "in_progress")
    repo.write_item(item)
    bad_tz = repo.commit_object("进展（手工提交）", 1_763_600_000, "+9999")
    return repo, names, bad_tz


# -- 5: file names that are not UTF-8, malformed time-zone offsets -------------------------------------


def test_non_utf8_file_names_are_findings_inside_items_and_ignored_outside(tmp_path):
    repo, names, _ = odd_repo(tmp_path)
    h = load_history(repo.path)
    assert sorted(h.items) == ["DC-2026-0001"]  # a name that is not UTF-8 is never an item
    a111 = [p for p in h.problems if p[0] == "A111"]
    assert [h.commits[idx].sha for _, idx, _, _ in a111] == [names, names]
    assert any("按 GBK 读作“items/2026/督查事项.yml”" in msg for *_, msg in a111)
    assert any("按 GBK 读作“items/2026/附件.txt”" in msg for *_, msg in a111)
    assert any("不在 items/ 下的文件名不是 UTF-8 编码" in n.text and "材料/会议纪要.docx" in n.text for n in h.notices)

    findings = audit(h, rules(repo))
    assert sorted(f.code for f in findings if f.commit == names and f.code.startswith("A11")) == ["A111", "A111"]
    # deleting the file is the fix: no finding for that commit
    repo.git("rm", "-q", "--", os.fsdecode(GBK_TXT))
    fixed = repo.commit("删除错误文件", "2026-11-20")
    assert not [f for f in audit(load_history(repo.path), rules(repo)) if f.commit == fixed and f.code == "A111"]


def test_an_item_renamed_to_a_non_utf8_name_is_deleted_in_its_timeline(tmp_path):
    repo = ledger_with_item(tmp_path)
    text = (repo.path / item_path("DC-2026-0001")).read_bytes()
    repo.remove(item_path("DC-2026-0001"))
    repo.write_raw(GBK_YML, text)
    moved = repo.commit("改名", "2026-11-17")
    assert repo.git("show", "--name-status", "--format=", moved).startswith("R100")  # git saw a rename
    h = load_history(repo.path)
    assert [v[3] for v in h.items["DC-2026-0001"]] == ["A", "D"]
    assert "DC-2026-0001" not in h.current
    assert [(p[0], h.commits[p[1]].sha) for p in h.problems] == [("A111", moved)]


def test_malformed_time_zone_offset_is_a_finding_naming_the_commit(tmp_path):
    repo, _, bad_tz = odd_repo(tmp_path, names=False)
    h = load_history(repo.path)
    commit = next(c for c in h.commits if c.sha == bad_tz)
    assert commit.when == dt.datetime.fromtimestamp(1_763_600_000, dt.timezone.utc)  # the instant, recovered
    findings = audit(h, rules(repo))
    (a112,) = [f for f in findings if f.code == "A112"]
    assert a112.commit == bad_tz and bad_tz[:10] in a112.message and "+99:99" in a112.message
    # the commit is still audited: its change to the item is read
    assert [v[0] for v in h.items["DC-2026-0001"]][-1] == h.commits.index(commit)


@pytest.mark.parametrize("what", ["names", "tz"])
def test_cli_history_audit_and_check_base_answer_on_odd_commits(tmp_path, what):
    repo, names, bad_tz = odd_repo(tmp_path, names=what == "names")
    base = f"{names}~1" if what == "names" else f"{bad_tz}~1"
    hist = run("history", "DC-2026-0001", "--root", repo.path)
    assert hist.exit_code == 0 and "新建" in hist.output
    for fmt in ("text", "json", "csv"):
        result = run("audit", "--format", fmt, "--root", repo.path)
        assert result.exit_code == 0
        assert ("A111" in result.output) == (what == "names") and "A112" in result.output
    check = run("check", "--base", base, "--root", repo.path)
    assert check.exit_code in (0, 1) and "检查了" in check.output
    if what == "names":
        assert "D212" in check.output  # the GBK-named .yml added since the base is checked, as a file


def test_build_answers_on_odd_commits_and_lists_them_on_the_audit_page(tmp_path):
    repo, _, _ = odd_repo(tmp_path)
    repo.git("rm", "-q", "--", os.fsdecode(GBK_YML))  # the ledger now checks clean; its history keeps the names
    with_site(repo)
    result = run("build", "--root", repo.path)
    assert result.exit_code == 0, result.output
    page = (repo.path / "site" / "audit" / "index.html").read_text(encoding="utf-8")
    assert "A111" in page and "A112" in page and "按 GBK 读作" in page
    assert "未能核查历史改写" in page  # the first read of this branch: nothing to compare with


# -- 6: damaged caches -----------------------------------------------------------------------------------


def history_repo(tmp_path, items: int = 12):
    repo = make_repo(tmp_path)
    for n in range(1, items + 1):
        repo.write_item(make_item(f"DC-2026-{n:04d}", "assigned"))
        repo.commit(f"登记 {n}", "2026-11-16")
    for n in range(1, items + 1, 2):
        repo.write_item(make_item(f"DC-2026-{n:04d}", "in_progress"))
        repo.commit(f"进展 {n}", "2026-11-18")
    return repo


def everything(h):
    """What a history holds, every lazily unpickled item list read."""
    return h.head, h.commits, {k: h.items[k] for k in h.items}, h.current, h.rules_versions, h.rewrites


def flipped(data: bytes, spot: int) -> bytes:
    return data[:spot] + bytes([data[spot] ^ 0x01]) + data[spot + 1 :]


def test_a_damaged_history_cache_is_discarded_and_rebuilt_with_a_notice(tmp_path):
    repo = history_repo(tmp_path)
    expected = everything(load_history(repo.path, use_cache=False))
    load_history(repo.path)
    (cache,) = (repo.path / ".git" / "ducha").glob("history-*.pickle")
    good = cache.read_bytes()
    rng = random.Random(6)
    # most of the file is the items' lists, pickled inside the pickle and read only when asked for; a flip
    # inside a text (a commit message, an item's title) still unpickles, to the wrong text
    texts = [good.index("进展 3".encode()), good.index("地铁".encode())]
    spots = texts + [rng.randrange(len(good)) for _ in range(25)] + [len(good) - 1 - rng.randrange(len(good) // 2) for _ in range(25)]
    for spot in spots:
        cache.write_bytes(flipped(good, spot))
        h = load_history(repo.path)
        assert everything(h) == expected, spot
        assert [n.text for n in h.notices if "已损坏" in n.text], spot
        assert cachefile.read(cache) is not None  # rebuilt: the next run is quiet
        assert not [n for n in load_history(repo.path).notices if "已损坏" in n.text]
    cache.write_bytes(good[: len(good) // 2])  # a truncated copy
    assert everything(load_history(repo.path)) == expected


def test_cli_audit_and_history_answer_on_a_damaged_cache(tmp_path):
    repo = history_repo(tmp_path, items=4)
    expected = run("audit", "--format", "json", "--root", repo.path).stdout
    (cache,) = (repo.path / ".git" / "ducha").glob("history-*.pickle")
    good = cache.read_bytes()
    for spot in (len(good) // 3, len(good) - 40, good.index("登记".encode())):
        cache.write_bytes(flipped(good, spot))
        result = run("audit", "--format", "json", "--root", repo.path)
        assert result.exit_code == 0 and result.stdout == expected
        assert "历史缓存已损坏" in result.stderr
        cache.write_bytes(flipped(good, spot))
        assert run("history", "DC-2026-0001", "--root", repo.path).exit_code == 0


def test_a_damaged_item_cache_is_rebuilt(tmp_path):
    repo = history_repo(tmp_path, items=6)
    first = load_ledger_at(repo.path, D(2026, 11, 30), checks=False)
    cache = repo.path / ".git" / "ducha" / "items.pickle"
    good = cache.read_bytes()
    spots = [good.index("地铁".encode()), *range(len(good) // 2, len(good), max(1, len(good) // 20))]
    for spot in spots:
        cache.write_bytes(flipped(good, spot))
        again = load_ledger_at(repo.path, D(2026, 11, 30), checks=False)
        assert {i: it.data for i, it in again.items.items()} == {i: it.data for i, it in first.items.items()}, spot
        assert [n.text for n in again.notices] == ["注意：.git/ducha/ 中的事项缓存已损坏，已丢弃并重新读取事项文件。"]
    cache.write_bytes(flipped(good, len(good) // 2))
    stats = run("stats", "--as-of", "2026-11-30", "--root", repo.path)
    assert stats.exit_code == 0 and "事项缓存已损坏" in stats.stderr
    assert cachefile.read(cache) is not None


# -- 16: a rewrite is remembered beside the cache, and an unchecked one is said ----------------------------


def rewrite(repo):
    repo.git("reset", "-q", "--hard", "HEAD~1")
    repo.write_item(make_item("DC-2026-0002", "assigned"))
    return repo.commit("改写后的提交", "2026-11-19")


def test_a_rewrite_is_found_after_the_cache_is_gone_and_remembered_after_it_is_rebuilt(tmp_path):
    repo = history_repo(tmp_path, items=2)
    load_history(repo.path)
    old = repo.head()
    ducha = repo.path / ".git" / "ducha"
    for cache in ducha.glob("history-*.pickle"):
        cache.unlink()
    new = rewrite(repo)
    findings = audit_repository(repo.path, rules(repo)).findings
    assert [(f.code, f.commit) for f in findings if f.code == "A108"] == [("A108", new)]
    assert old[:10] in next(f.message for f in findings if f.code == "A108")
    for cache in ducha.glob("history-*.pickle"):  # damaged this time
        cache.write_bytes(b"\x80garbage")
    assert [f.commit for f in audit_repository(repo.path, rules(repo)).findings if f.code == "A108"] == [new]


def test_a_fresh_clone_says_it_could_not_check_for_rewrites_until_it_has_a_record(tmp_path):
    repo = history_repo(tmp_path, items=2)
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(repo.path), str(clone)], check=True, capture_output=True)
    first = run("audit", "--root", clone)
    assert first.exit_code == 0 and "未能核查历史改写" in first.stderr
    assert "未能核查历史改写" in run("audit", "--root", clone).stderr  # nothing compared yet
    repo.write_item(make_item("DC-2026-0003", "assigned"))
    repo.commit("登记 3", "2026-11-20")
    subprocess.run(["git", "pull", "-q", "--ff-only"], cwd=clone, check=True, capture_output=True)
    later = run("audit", "--root", clone)
    assert later.exit_code == 0 and "未能核查历史改写" not in later.stderr
    detached = run("audit", "--rev", repo.head(), "--root", clone)  # a commit, not a branch: nothing to compare
    assert detached.exit_code == 0 and "未能核查历史改写：读取的是单个提交" in detached.stderr


# -- 8: oversized history --------------------------------------------------------------------------------


def big_item_text(entries: int) -> str:
    """An item with ``entries`` progress reports, written as text (YAML dumping 100,000 entries is slow)."""
    head = dump_item(make_item("DC-2026-0009", "in_progress", progress=None))
    lines = ["progress:\n"]
    for n in range(entries):
        lines.append(f"  - date: 2026-11-{1 + n % 15:02d}\n    by: fgw\n    text: 第 {n} 次进展报告，内容较长以占用空间。\n")
    return head + "".join(lines)


def test_an_oversized_old_version_is_one_finding_and_the_audit_stays_small(tmp_path):
    repo = ledger_with_item(tmp_path)
    text = big_item_text(100_000)
    assert len(text.encode()) > 6 * 1024 * 1024
    repo.write(item_path("DC-2026-0009"), text)
    added = repo.commit("导入大量进展", "2026-12-20")
    repo.remove(item_path("DC-2026-0009"))
    repo.commit("删除", "2026-12-21")
    h = load_history(repo.path)
    findings = audit(h, rules(repo))
    assert len(findings) < 10, [f.code for f in findings]
    (a113,) = [f for f in findings if f.code == "A113"]
    assert a113.commit == added and a113.item == "DC-2026-0009" and "D105" in a113.message and "256 KB" in a113.message
    assert [f.code for f in findings if f.item == "DC-2026-0009"] == ["A113", "A104"]


def test_findings_are_capped_per_commit_item_and_code_with_a_summary(tmp_path):
    repo = ledger_with_item(tmp_path)
    item = make_item("DC-2026-0001", "in_progress")
    item["progress"] = [{"date": D(2026, 11, 18), "by": "fgw", "text": f"补录第 {n} 次进展。"} for n in range(PER_GROUP + 35)]
    repo.write_item(item)
    sha = repo.commit("补录进展", "2026-12-20")  # every entry 32 days before its commit: A101
    a101 = [f for f in audit_repository(repo.path, rules(repo)).findings if f.code == "A101" and f.commit == sha]
    assert len(a101) == PER_GROUP + 1
    assert a101[-1].message == "另有 35 条同类发现未列出。"
    assert all("progress[" in f.message for f in a101[:-1])


def test_the_audit_pages_list_every_finding_newest_first_a_page_at_a_time(tmp_path):
    repo = ledger_with_item(tmp_path)
    many = 2 * PER_PAGE // (PER_GROUP + 1) + 3  # each item: PER_GROUP findings and one that counts the rest
    for n in range(2, 2 + many):
        item = make_item(f"DC-2026-{n:04d}", "in_progress")
        item["progress"] = [{"date": D(2026, 11, 18), "by": "fgw", "text": f"补录第 {k} 次进展。"} for k in range(PER_GROUP + 5)]
        repo.write_item(item)
    repo.commit("批量补录", "2026-11-30")  # before the build's as-of day (today): no A117
    with_site(repo)
    findings = audit_repository(repo.path, rules(repo)).findings
    total = len(findings)
    assert total > 2 * PER_PAGE
    result = run("build", "--root", repo.path)
    assert result.exit_code == 0, result.output
    site = repo.path / "site"
    pages = -(-total // PER_PAGE)
    paths = [site / "audit" / "index.html"] + [site / "lists" / "audit" / "all" / f"all-{n}" / "index.html" for n in range(2, pages + 1)]
    assert not (site / "lists" / "audit" / "all" / f"all-{pages + 1}").exists()
    html = [p.read_text(encoding="utf-8") for p in paths]
    assert f"审计发现（{total} 条）" in html[0] and f"第 1 / {pages} 页" in html[0]
    rows = [page.count("<tr data-review=") for page in html]
    assert rows == [PER_PAGE] * (pages - 1) + [total - PER_PAGE * (pages - 1)]  # every finding, once
    assert all(len(page.encode()) < 600_000 for page in html)
    # newest first: the list opens with the last commit's findings (the site configuration's) and ends with the first's
    first_row = html[0].split("<tr data-review=")[1]
    last_row = html[-1].split("<tr data-review=")[-1]
    assert findings[-1].commit[:10] in first_row and findings[0].commit[:10] in last_row
    assert findings[-1].commit != findings[0].commit


# -- git's output read from a spool file: a missing object, a failing git -------------------------------


def test_a_missing_object_in_the_history_is_a_refusal_that_names_it_and_the_fix(tmp_path):
    repo = ledger_with_item(tmp_path)
    repo.write_item(make_item("DC-2026-0001", "in_progress"))
    repo.commit("进展 DC-2026-0001", "2026-11-17")
    blob = repo.git("rev-parse", "HEAD:" + item_path("DC-2026-0001")).strip()
    (repo.path / ".git" / "objects" / blob[:2] / blob[2:]).unlink()  # as a partial or damaged clone lacks it
    from ducha import HistoryUnavailable

    with pytest.raises(HistoryUnavailable) as refused:
        load_history(repo.path, use_cache=False)
    assert f"git 对象 {blob} 缺失" in str(refused.value) and "git fetch --refetch" in str(refused.value)
    result = CliRunner().invoke(main, ["history", "DC-2026-0001", "--root", str(repo.path)])
    assert result.exit_code != 0 and f"git 对象 {blob} 缺失" in result.output
    assert "Traceback" not in result.output


def test_a_failing_git_behind_a_spool_raises_its_message_and_leaves_no_process(tmp_path):
    from ducha.history.repo import BlobReader, HistoryUnavailable, Spool, open_repo

    repo = ledger_with_item(tmp_path)
    handle = open_repo(repo.path)
    with Spool(handle, ["log", "no-such-branch"]) as spool:
        with pytest.raises(HistoryUnavailable) as failed:
            b"".join(iter(spool.read, b""))
    assert "git log 未能完成" in str(failed.value) and "no-such-branch" in str(failed.value)
    assert spool.proc.returncode not in (None, 0) and spool.out.closed
    # blobs asked ahead and taken later, in order, across more than one read of the spool
    shas = [repo.git("rev-parse", f"HEAD:{p}").strip() for p in ("items/ledger.yml", item_path("DC-2026-0001"))]
    with BlobReader(handle) as reader:
        reader.submit(shas)
        reader.submit(shas[:1])
        first = reader.collect(shas)
        again = reader.collect(shas[:1])
    assert first[shas[0]] == again[shas[0]] == (repo.path / "items/ledger.yml").read_bytes()
    assert first[shas[1]] == (repo.path / item_path("DC-2026-0001")).read_bytes()
    assert reader.spool.proc.poll() is not None


def test_a_temporary_folder_git_cannot_write_to_is_a_message_naming_it_and_the_fix(tmp_path):
    """git's output goes to a spool file in the temporary folder: where git cannot write it (a full disk;
    here a file size limit of 64 KB on the process, which git inherits and is killed by) the command says
    so, no traceback."""
    import resource
    import sys

    repo = ledger_with_item(tmp_path)
    for n in range(2, 40):  # a first-parent log of some hundred KB
        repo.write_item(make_item(f"DC-2026-{n:04d}", "assigned", title="测试事项" * 40))
        repo.commit(f"登记 DC-2026-{n:04d}" + "，补充说明" * 200, "2026-11-16")

    def limited():
        resource.setrlimit(resource.RLIMIT_FSIZE, (64 << 10, 64 << 10))

    code = "from ducha.cli import main; main()"
    proc = subprocess.run([sys.executable, "-c", code, "history", "DC-2026-0001", "--root", str(repo.path)],
                          capture_output=True, text=True, preexec_fn=limited, env={**os.environ, "TMPDIR": str(tmp_path)})  # fmt: skip
    said = proc.stdout + proc.stderr
    assert proc.returncode != 0, said
    assert f"无法在临时目录 {tmp_path} 中存放 git 的输出" in said and "TMPDIR" in said, said
    assert "Traceback" not in said


def test_a_full_disk_in_gits_own_words_is_the_same_message():
    """git reports a write it could not make (ENOSPC: no full disk to be had in a test) in its own words."""
    from ducha.history.repo import _git_trouble

    said = _git_trouble("cat-file", 128, "fatal: write failure on 'stdout': No space left on device")
    assert said.startswith("无法在临时目录 ") and "No space left on device" in said and "TMPDIR" in said
    assert _git_trouble("log", 128, "usage: git log\nfatal: bad revision 'x'") == "git log 未能完成，无法读取台账历史：fatal: bad revision 'x'"


def test_a_spool_gives_back_to_the_disk_what_was_read(tmp_path):
    """Read as it grows, a spool file holds on disk little more than what git is ahead by (Linux)."""
    from ducha.history.repo import Spool, open_repo

    repo = ledger_with_item(tmp_path)
    big = repo.path / "big.bin"
    big.write_bytes(os.urandom(40 << 20))
    blob = repo.git("hash-object", "-w", str(big)).strip()
    handle = open_repo(repo.path)
    with Spool(handle, ["cat-file", "blob", blob]) as spool:
        total = 0
        while chunk := spool.read():
            total += len(chunk)
        held = os.fstat(spool.out.fileno()).st_blocks * 512
        size = os.fstat(spool.out.fileno()).st_size
    assert total == size == 40 << 20
    assert held < 20 << 20, f"{held} bytes still on disk of {size} read"


def test_without_pread_the_spool_is_read_through_its_own_handle_and_removed(tmp_path, monkeypatch):
    """Where ``os.pread`` is missing (Windows), the same history comes through a named spool file."""
    from ducha.history import repo as repo_mod

    repo = ledger_with_item(tmp_path)
    for n in range(2, 8):
        repo.write_item(make_item(f"DC-2026-{n:04d}", "in_progress"))
        repo.commit(f"登记 DC-2026-{n:04d}", f"2026-11-{n + 10}")
    plain = load_history(repo.path, use_cache=False)
    spools = tmp_path / "spools"
    spools.mkdir()
    monkeypatch.setenv("TMPDIR", str(spools))
    monkeypatch.setattr(repo_mod.tempfile, "tempdir", None)  # TMPDIR read again
    monkeypatch.setattr(repo_mod, "_PREAD", False)
    made = []
    real = repo_mod.tempfile.NamedTemporaryFile
    monkeypatch.setattr(repo_mod.tempfile, "NamedTemporaryFile", lambda **kw: made.append(real(**kw)) or made[-1])
    named = load_history(repo.path, use_cache=False)
    assert named.commits == plain.commits and dict(named.items) == dict(plain.items)
    assert len(made) >= 3 and all(Path(f.name).parent == spools for f in made)  # git log, cat-file, the side log
    assert list(spools.iterdir()) == []  # every spool file removed


def test_a_cat_file_that_died_is_a_message_when_more_blobs_are_asked_for(tmp_path):
    """Blobs are asked for a group ahead: the next ask, not only the next read, says git is gone."""
    import signal

    from ducha.history.repo import BlobReader, HistoryUnavailable, open_repo

    repo = ledger_with_item(tmp_path)
    with BlobReader(open_repo(repo.path)) as reader:
        reader.spool.proc.send_signal(signal.SIGKILL)
        reader.spool.proc.wait()
        with pytest.raises(HistoryUnavailable, match="git cat-file 未能完成"):
            reader.submit(["0" * 40] * 50_000)
