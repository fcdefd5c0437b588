"""The work tree's check cache (``ledger.checkcache``): unchanged files are not checked again, and every
change that could alter a finding — an edit, a rename, a deletion, a new file, the rules, the day, ducha's
version, a damaged cache — gives exactly what a check without the cache gives."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys

import pytest

import ducha
from ducha.core.findings import Finding
from ducha.ledger import checkcache, checked
from ducha.ledger.sources import load_ledger

from gitutil import dump_item, item_path, make_item, make_repo

AS_OF = dt.date(2026, 11, 25)
SENTINEL = "缓存中的校验结果（测试标记）"


def _findings(ledger) -> list[tuple]:
    return sorted((f.path, f.line, f.code, f.field, f.message) for f in ledger.findings)


def _same_as_uncached(root, as_of=AS_OF, **kw):
    """Check with the cache and without it: the findings, ids and files must be the same."""
    cached = load_ledger(root, as_of, **kw)
    plain = load_ledger(root, as_of, use_cache=False, **kw)
    assert _findings(cached) == _findings(plain)
    assert sorted(cached.items) == sorted(plain.items)
    assert cached.files == plain.files
    for item_id in plain.items:  # an item kept as bytes parses to what the check made of it
        assert cached.items[item_id].data == plain.items[item_id].data
    return cached


def _ledger(tmp_path):
    repo = make_repo(tmp_path)
    repo.write_item(make_item("DC-2026-0001", "assigned"))
    repo.write_item(make_item("DC-2026-0002", "in_progress", deadline=dt.date(2026, 11, 20)))  # overdue as of AS_OF
    repo.write_item(make_item("DC-2026-0003", "closed"))
    repo.commit("登记", "2026-11-16")
    return repo


def _plant(root, rel: str) -> None:
    """Replace the cached findings of ``rel`` by a marker, under the cache's own key: it shows whenever
    the cached result is used instead of checking the file."""
    rules_raw = (root / "items" / "ledger.yml").read_bytes()
    cache = checkcache.open_cache(root, rules_raw, AS_OF)
    blob, item_id, loadable, _, claim, checked, stable = cache.entries[rel]
    cache.entries[rel] = (blob, item_id, loadable, [Finding(rel, None, "D202", "", SENTINEL)], claim, checked, stable)
    cache.changed = True
    cache.save()


def _planted(ledger) -> bool:
    return any(f.message == SENTINEL for f in ledger.findings)


def test_unchanged_files_come_from_the_cache(tmp_path):
    repo = _ledger(tmp_path)
    first = _same_as_uncached(repo.path)
    assert (repo.path / ".git" / "ducha" / checkcache.CACHE_NAME).is_file()
    assert any(f.path == item_path("DC-2026-0002") for f in first.findings)  # the overdue warning is there
    _plant(repo.path, item_path("DC-2026-0001"))
    assert _planted(load_ledger(repo.path, AS_OF))  # not checked again: the cached result is used
    assert not _planted(load_ledger(repo.path, AS_OF, use_cache=False))


def test_a_warm_check_that_changes_nothing_does_not_rewrite_the_cache(tmp_path):
    repo = _ledger(tmp_path)
    load_ledger(repo.path, AS_OF)
    path = repo.path / ".git" / "ducha" / checkcache.CACHE_NAME
    before = path.stat().st_mtime_ns, path.read_bytes()
    load_ledger(repo.path, AS_OF)
    assert (path.stat().st_mtime_ns, path.read_bytes()) == before


def test_an_edited_file_is_checked_again(tmp_path):
    repo = _ledger(tmp_path)
    load_ledger(repo.path, AS_OF)
    rel = item_path("DC-2026-0001")
    _plant(repo.path, rel)
    data = make_item("DC-2026-0001", "assigned", lead_unit="no_such_unit")  # an unknown unit: an error
    repo.write_item(data)
    ledger = _same_as_uncached(repo.path)
    assert not _planted(ledger)
    assert any(f.path == rel and f.is_error for f in ledger.findings)
    repo.write_item(make_item("DC-2026-0001", "assigned"))  # and back: clean again
    assert not any(f.path == rel and f.is_error for f in _same_as_uncached(repo.path).findings)


def test_a_file_that_no_longer_parses_and_then_parses_again(tmp_path):
    repo = _ledger(tmp_path)
    load_ledger(repo.path, AS_OF)
    rel = item_path("DC-2026-0003")
    good = repo.read(rel)
    repo.write(rel, good + "status: [\n")
    ledger = _same_as_uncached(repo.path)
    assert "DC-2026-0003" not in ledger.items and ledger.errors
    repo.write(rel, good)
    ledger = _same_as_uncached(repo.path)
    assert "DC-2026-0003" in ledger.items and not ledger.errors


def test_a_renamed_file_is_checked_under_its_new_name(tmp_path):
    repo = _ledger(tmp_path)
    load_ledger(repo.path, AS_OF)
    _plant(repo.path, item_path("DC-2026-0001"))
    (repo.path / item_path("DC-2026-0001")).rename(repo.path / "items/2026/DC-2026-0009.yml")  # id ≠ file name
    ledger = _same_as_uncached(repo.path)
    assert not _planted(ledger)
    assert any(f.path == "items/2026/DC-2026-0009.yml" and f.is_error for f in ledger.findings)
    (repo.path / "items/2025").mkdir()
    (repo.path / "items/2026/DC-2026-0009.yml").rename(repo.path / "items/2025/DC-2026-0001.yml")
    ledger = _same_as_uncached(repo.path)
    assert any(f.path == "items/2025/DC-2026-0001.yml" and f.code == "D209" for f in ledger.findings)  # wrong year


def test_deleted_and_new_files_recompute_what_is_compared_across_files(tmp_path):
    repo = _ledger(tmp_path)
    load_ledger(repo.path, AS_OF)
    twin = "items/2025/DC-2026-0001.yml"
    repo.write(twin, dump_item(make_item("DC-2026-0001", "assigned")))  # a new file claiming another's id
    ledger = _same_as_uncached(repo.path)
    assert {f.code for f in ledger.findings if f.path == twin} >= {"D208"}
    repo.remove(twin)
    ledger = _same_as_uncached(repo.path)
    assert not any(f.path == twin for f in ledger.findings)
    repo.remove(item_path("DC-2026-0002"))
    ledger = _same_as_uncached(repo.path)
    assert "DC-2026-0002" not in ledger.items and not any(f.path == item_path("DC-2026-0002") for f in ledger.findings)
    entries = checkcache.open_cache(repo.path, (repo.path / "items/ledger.yml").read_bytes(), AS_OF).entries
    assert item_path("DC-2026-0002") not in entries and twin not in entries  # pruned


def test_a_changed_rules_file_discards_the_cache(tmp_path):
    repo = _ledger(tmp_path)
    load_ledger(repo.path, AS_OF)
    _plant(repo.path, item_path("DC-2026-0001"))
    rules = repo.read("items/ledger.yml")
    units = rules.index("\n  fgw:")
    assert units > 0
    repo.write("items/ledger.yml", rules.replace("\n  fgw:", "\n  fgw_renamed:", 1))  # the items' unit is gone
    ledger = _same_as_uncached(repo.path)
    assert not _planted(ledger)
    assert any(f.path == item_path("DC-2026-0001") and f.is_error for f in ledger.findings)


def test_another_day_checks_again_the_files_whose_findings_count_days(tmp_path):
    repo = _ledger(tmp_path)
    load_ledger(repo.path, AS_OF)
    _plant(repo.path, item_path("DC-2026-0001"))
    earlier = dt.date(2026, 11, 18)
    ledger = _same_as_uncached(repo.path, earlier)
    assert not _planted(ledger)
    assert not any(f.path == item_path("DC-2026-0002") and "超期" in f.message for f in ledger.findings)


def _closed_ledger(tmp_path):
    """Three items: one the unit still owes (overdue: its D601 counts days), one closed, one cancelled."""
    repo = make_repo(tmp_path)
    repo.write_item(make_item("DC-2026-0002", "in_progress", deadline=dt.date(2026, 11, 20)))
    repo.write_item(make_item("DC-2026-0003", "closed", deadline=dt.date(2026, 11, 20)))
    repo.write_item(make_item("DC-2026-0004", "cancelled"))
    repo.commit("登记", "2026-11-16")
    return repo


def test_a_new_day_serves_the_closed_and_cancelled_items_from_the_cache_and_checks_the_open_ones(tmp_path):
    repo = _closed_ledger(tmp_path)
    load_ledger(repo.path, AS_OF)
    for item_id in ("DC-2026-0002", "DC-2026-0003", "DC-2026-0004"):
        _plant(repo.path, item_path(item_id))
    tomorrow = AS_OF + dt.timedelta(days=1)
    ledger = load_ledger(repo.path, tomorrow)
    served = {f.path for f in ledger.findings if f.message == SENTINEL}
    assert served == {item_path("DC-2026-0003"), item_path("DC-2026-0004")}
    overdue = [f for f in ledger.findings if f.path == item_path("DC-2026-0002") and f.code == "D601"]
    assert len(overdue) == 1 and "（6 天）" in overdue[0].message  # counted for tomorrow, not taken from today
    # without the planted markers, tomorrow's check through the cache is tomorrow's check
    load_ledger(repo.path, AS_OF, use_cache=False)
    (repo.path / ".git" / "ducha" / checkcache.CACHE_NAME).unlink()
    load_ledger(repo.path, AS_OF)
    _same_as_uncached(repo.path, tomorrow)


def test_a_day_before_a_closed_items_latest_date_checks_it_again(tmp_path):
    """An as-of day before the item's closure (a report on an earlier day): it was open then."""
    repo = _closed_ledger(tmp_path)
    load_ledger(repo.path, AS_OF)
    _plant(repo.path, item_path("DC-2026-0003"))
    closed = load_ledger(repo.path, AS_OF, use_cache=False).items["DC-2026-0003"].closed
    ledger = _same_as_uncached(repo.path, closed - dt.timedelta(days=1))
    assert not _planted(ledger)


def _stable_cases():
    """Item files to check on many days: the sample ledger's, the corpus's, and each sample item again
    with every status (its fields as they are: many then fail a check, which is the point)."""
    from pathlib import Path

    from gitutil import PROJECT

    files = sorted((PROJECT / "items").glob("*/*.yml")) + sorted((Path(__file__).parent / "corpus").glob("*/*.yml"))
    cases = [(f"items/2026/{f.name}", f.read_bytes()) for f in files]
    import re

    from ducha.core import schema

    for f in sorted((PROJECT / "items").glob("*/*.yml"))[::3]:
        raw = f.read_bytes()
        for status in schema.STATUSES:
            cases.append((f"items/2026/{f.name}", re.sub(rb"(?m)^status: .*$", b"status: " + status.encode(), raw)))
    return cases


def test_stable_from_holds_over_the_sample_the_corpus_and_every_status():
    """``validate.stable_from``'s promise, checked where it can be: a file with a day gets the same
    findings on that day and any later one; and where it says None, the findings do change."""
    from ducha.core.validate import Checker, stable_from
    from ducha.ledger.rulesfile import load_rules
    from gitutil import PROJECT

    rules = load_rules(PROJECT / "items")
    cases = _stable_cases()
    later = (0, 1, 7, 40, 400, 3000)
    steady = changing = 0
    for path, raw in cases:
        stem = path.rsplit("/", 1)[1][:-4]
        start = stable_from(raw)
        if start == dt.date.min:
            days = [AS_OF - dt.timedelta(days=3000), AS_OF, AS_OF + dt.timedelta(days=400)]
        else:
            days = [(start or AS_OF) + dt.timedelta(days=n) for n in later]
        seen = []
        for day in days:
            item, findings = Checker(rules, day).load(raw, path, stem)
            seen.append([(f.line, f.code, f.field, f.message) for f in findings])
        if start is not None:
            steady += 1
            assert all(s == seen[0] for s in seen), (path, start, raw[:200])
        elif any(s != seen[0] for s in seen):
            changing += 1
    assert steady > 40 and changing > 10  # both kinds are there: the check above can fail
def test_another_ducha_version_discards_the_cache(tmp_path, monkeypatch):
    repo = _ledger(tmp_path)
    load_ledger(repo.path, AS_OF)
    _plant(repo.path, item_path("DC-2026-0001"))
    assert _planted(load_ledger(repo.path, AS_OF))
    monkeypatch.setattr(ducha, "__version__", ducha.__version__ + ".post1")
    assert not _planted(_same_as_uncached(repo.path))


def test_a_damaged_cache_is_discarded_with_a_notice(tmp_path):
    repo = _ledger(tmp_path)
    clean = _findings(load_ledger(repo.path, AS_OF))
    path = repo.path / ".git" / "ducha" / checkcache.CACHE_NAME
    data = bytearray(path.read_bytes())
    data[-5] ^= 0xFF
    path.write_bytes(bytes(data))
    ledger = load_ledger(repo.path, AS_OF)
    assert _findings(ledger) == clean
    assert any("校验缓存已损坏" in n.text for n in ledger.notices)
    assert not load_ledger(repo.path, AS_OF).notices  # rewritten: the next run is warm and quiet


def test_named_files_use_the_cache_and_keep_the_others(tmp_path):
    repo = _ledger(tmp_path)
    load_ledger(repo.path, AS_OF)
    _plant(repo.path, item_path("DC-2026-0001"))
    only = [repo.path / item_path("DC-2026-0001")]
    assert _planted(load_ledger(repo.path, AS_OF, only=only))
    _same_as_uncached(repo.path, only=[repo.path / item_path("DC-2026-0002")])
    entries = checkcache.open_cache(repo.path, (repo.path / "items/ledger.yml").read_bytes(), AS_OF).entries
    assert set(entries) >= {item_path(f"DC-2026-000{n}") for n in (1, 2, 3)}


def test_the_parallel_cold_check_fills_the_cache(tmp_path, monkeypatch):
    """A large ledger's cold check reads the files in worker processes: the cache is filled from the bytes
    they checked, and the warm check that follows agrees with one without the cache."""
    monkeypatch.setattr(checked, "PARALLEL_THRESHOLD", 2)
    repo = _ledger(tmp_path)
    for n in range(4, 12):
        repo.write_item(make_item(f"DC-2026-{n:04d}", "in_progress", deadline=dt.date(2026, 11, 10 + n),
                                  batch="cwhy_2026_09", seq=n if n != 5 else 4))  # 4 and 5 claim one 序号
    repo.write("items/2026/DC-2026-0012.yml", "id: [\n")
    repo.commit("登记", "2026-11-17")
    cold = load_ledger(repo.path, AS_OF, jobs=2)
    assert {f.path for f in cold.findings if f.code == "D214"} == {item_path("DC-2026-0004"), item_path("DC-2026-0005")}
    entries = checkcache.open_cache(repo.path, (repo.path / "items/ledger.yml").read_bytes(), AS_OF).entries
    assert len(entries) == 11  # every loadable file; the broken one is checked again next time
    assert _findings(_same_as_uncached(repo.path, jobs=2)) == _findings(cold)
    assert _findings(_same_as_uncached(repo.path, jobs=1)) == _findings(cold)
    repo.write_item(make_item("DC-2026-0005", "in_progress", deadline=dt.date(2026, 11, 15), batch="cwhy_2026_09", seq=5))
    assert not any(f.code == "D214" for f in _same_as_uncached(repo.path, jobs=2).findings)


def test_outside_git_there_is_no_cache(tmp_path):
    repo = _ledger(tmp_path)
    import shutil

    shutil.rmtree(repo.path / ".git")
    _same_as_uncached(repo.path)
    assert not any(p.name == checkcache.CACHE_NAME for p in repo.path.rglob("*"))


def test_ducha_check_twice_prints_the_same(tmp_path):
    repo = _ledger(tmp_path)
    repo.write_item(make_item("DC-2026-0001", "assigned", lead_unit="no_such_unit"))
    cmd = [sys.executable, "-m", "ducha.cli", "check", "--root", str(repo.path), "--as-of", AS_OF.isoformat(), "--worktree"]
    runs = [subprocess.run(cmd, capture_output=True, text=True) for _ in range(2)]
    assert runs[0].returncode == runs[1].returncode == 1
    assert runs[0].stdout == runs[1].stdout and "no_such_unit" in runs[0].stdout
    assert runs[0].stderr == runs[1].stderr


@pytest.mark.parametrize("line", ["gitdir: ../real.git", "gitdir: {abs}"])
def test_a_worktree_git_file_points_at_its_git_dir(tmp_path, line):
    real = tmp_path / "real.git"
    real.mkdir()
    work = tmp_path / "work"
    (work / "items").mkdir(parents=True)
    (work / ".git").write_text(line.format(abs=real) + "\n", encoding="utf-8")
    assert checkcache.git_dir(work / "items").resolve() == real.resolve()


@pytest.mark.parametrize("flag", ["--assume-unchanged", "--skip-worktree"])
def test_a_file_git_is_told_not_to_look_at_is_read(tmp_path, flag):
    """git reports no change to a file marked assume-unchanged or skip-worktree, whatever is in it: the cache
    must not take the index's blob id for its content."""
    repo = _ledger(tmp_path)
    load_ledger(repo.path, AS_OF)
    rel = item_path("DC-2026-0001")
    repo.git("update-index", flag, rel)
    repo.write_item(make_item("DC-2026-0001", "assigned", lead_unit="no_such_unit"))
    assert repo.git("ls-files", "-m", "--", rel) == ""  # git itself does not see the edit
    ledger = _same_as_uncached(repo.path)
    assert any(f.path == rel and f.is_error for f in ledger.findings)


def test_a_staged_edit_and_an_untracked_file_are_read(tmp_path):
    repo = _ledger(tmp_path)
    load_ledger(repo.path, AS_OF)
    rel = item_path("DC-2026-0001")
    repo.write_item(make_item("DC-2026-0001", "assigned", lead_unit="no_such_unit"))
    repo.git("add", rel)  # index = work tree, both differ from the cache
    new = repo.write_item(make_item("DC-2026-0007", "assigned", lead_unit="no_such_unit"))  # untracked
    ledger = _same_as_uncached(repo.path)
    assert {f.path for f in ledger.findings if f.is_error} >= {rel, new}


def test_worktree_status_names_every_kind_of_uncommitted_change(tmp_path):
    from ducha.history.status import NoHistory, WorktreeStatus

    repo = _ledger(tmp_path)
    repo.write("notes.txt", "不是事项\n")  # outside items/: not counted
    repo.git("mv", item_path("DC-2026-0001"), "items/2026/DC-2026-0011.yml")  # a staged rename: both paths
    repo.write_item(make_item("DC-2026-0002", "in_progress", title="改了名称"))  # unstaged edit
    repo.remove(item_path("DC-2026-0003"))  # deleted
    repo.write("items/2026/DC 2026 新.yml", "id: x\n")  # untracked, a name with spaces
    assert WorktreeStatus(repo.path).result() == sorted([
        item_path("DC-2026-0001"), "items/2026/DC-2026-0011.yml", item_path("DC-2026-0002"),
        item_path("DC-2026-0003"), "items/2026/DC 2026 新.yml"])  # fmt: skip
    with pytest.raises(NoHistory):
        WorktreeStatus(repo.path / "items").result()  # not the top of the repository
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    subprocess.run(["git", "init", "-q"], cwd=fresh, check=True)
    with pytest.raises(NoHistory):
        WorktreeStatus(fresh).result()  # no commit yet


def test_a_site_builds_first_load_goes_through_the_cache_and_its_later_loads_through_its_own_record(tmp_path):
    """A site build loads the work tree with a record of its own (``reuse``, empty in a new process): that
    first load takes unchanged files from the check cache; a preview's later loads compare with the record."""
    repo = _ledger(tmp_path)
    load_ledger(repo.path, AS_OF)
    _plant(repo.path, item_path("DC-2026-0003"))
    record: dict = {}
    first = load_ledger(repo.path, AS_OF, reuse=record)
    assert _planted(first)
    assert sorted(first.items) == ["DC-2026-0001", "DC-2026-0002", "DC-2026-0003"]
    assert record[item_path("DC-2026-0003")][2].data == first.items["DC-2026-0003"].data  # parsed, kept
    plain = load_ledger(repo.path, AS_OF, use_cache=False)
    others = item_path("DC-2026-0003")
    assert [f for f in _findings(first) if f[0] != others] == [f for f in _findings(plain) if f[0] != others]
    _plant(repo.path, item_path("DC-2026-0001"))
    again = load_ledger(repo.path, AS_OF, reuse=record)
    assert not any(f.path == item_path("DC-2026-0001") and f.message == SENTINEL for f in again.findings)
    # and without a cache to go through (outside git: none), the first load checks every file
    (repo.path / ".git" / "ducha" / checkcache.CACHE_NAME).unlink()
    fresh = load_ledger(repo.path, AS_OF, reuse={})
    assert _findings(fresh) == _findings(plain)


def test_another_holiday_package_discards_the_cache(tmp_path, monkeypatch):
    """D604 (a year whose holidays are not known) and D512 depend on the years the holiday package knows."""
    from ducha.core import workdays

    repo = _ledger(tmp_path)
    load_ledger(repo.path, AS_OF)
    _plant(repo.path, item_path("DC-2026-0003"))
    assert _planted(load_ledger(repo.path, AS_OF))
    monkeypatch.setattr(workdays, "calendar_stamp", lambda: "chinese_calendar 9.9 2004-2031")
    assert not _planted(_same_as_uncached(repo.path))


def test_a_date_written_with_an_escape_gives_no_stable_day():
    """A double-quoted scalar may write a date with escapes; the bytes then do not show it, so no day is
    worked out (the date does count: D404 before it, none after)."""
    from ducha.core.validate import Checker, stable_from
    from ducha.ledger.rulesfile import load_rules
    from gitutil import PROJECT

    closed = next(f for f in sorted((PROJECT / "items" / "2026").glob("*.yml")) if b"\nstatus: closed\n" in f.read_bytes())
    raw = closed.read_bytes()
    assert stable_from(raw) is not None
    text = raw.decode()
    at = text.index("\nclosed: ") + len("\nclosed: ")
    later = (dt.date.fromisoformat(text[at : at + 10]) + dt.timedelta(days=300)).isoformat()
    # the closure written "YYYY-\x3M-DD": a quoted scalar the parser reads as that date
    escaped = (text[:at] + f'"{later[:5]}\\x3{later[5]}{later[6:]}"' + text[at + 10 :]).encode()
    later = dt.date.fromisoformat(later)
    assert stable_from(escaped) is None
    rules = load_rules(PROJECT / "items")
    path = f"items/2026/{closed.name}"

    def codes(on):
        return {f.code for f in Checker(rules, on).load(escaped, path, closed.stem)[1]}

    assert "D404" in codes(later - dt.timedelta(days=1)) and "D404" not in codes(later)


def test_a_file_saved_while_git_is_asked_is_cached_under_the_bytes_read(tmp_path, monkeypatch):
    # git vouches for a file's blob, the cache has no result for it, and the editor saves it before ducha
    # reads it: the result must be kept under what was read, or undoing the edit would serve its findings
    import ducha.ledger.sources as sources

    repo = _ledger(tmp_path)
    load_ledger(repo.path, AS_OF)
    rel = item_path("DC-2026-0001")
    rules_raw = (repo.path / "items" / "ledger.yml").read_bytes()
    cache = checkcache.open_cache(repo.path, rules_raw, AS_OF)
    del cache.entries[rel]  # a miss for this file only
    cache.changed = True
    cache.save()
    path = repo.path / rel
    original = path.read_bytes()
    real = sources._unchanged

    class SavedMeanwhile:
        def __init__(self, root):
            self.inner = real(root)

        def result(self):
            known = self.inner.result()
            assert rel in known  # git vouched for the committed bytes
            path.write_bytes(original.replace(b"\nstatus: assigned\n", b"\nstatus: finished\n"))
            return known

    monkeypatch.setattr(sources, "_unchanged", SavedMeanwhile)
    saved = load_ledger(repo.path, AS_OF)
    assert any(f.path == rel and f.code.startswith("D") for f in saved.findings)
    monkeypatch.undo()
    path.write_bytes(original)  # the edit undone before any other check
    _same_as_uncached(repo.path)


def test_a_cache_of_the_right_key_but_another_shape_is_discarded(tmp_path):
    from ducha.files import cache as cachefile

    repo = _ledger(tmp_path)
    clean = _findings(load_ledger(repo.path, AS_OF))
    path = repo.path / ".git" / "ducha" / checkcache.CACHE_NAME
    key = checkcache.open_cache(repo.path, (repo.path / "items" / "ledger.yml").read_bytes(), AS_OF).key
    for data in ({"key": key, "entries": {}, "rules": "junk"}, {"key": key, "entries": {item_path("DC-2026-0001"): ("x",)}},
                 {"key": key, "entries": ["x"]}):  # fmt: skip
        cachefile.write(path, data)
        ledger = load_ledger(repo.path, AS_OF)
        assert _findings(ledger) == clean
        assert any("校验缓存已损坏" in n.text for n in ledger.notices)


@pytest.mark.parametrize("text", [
    '{"id": "DC-2026-0001", "status": in_progress, "note": "x\nstatus: closed\n"}',  # a flow document
    'id: DC-2026-0001\n"status": in_progress\nnote: "x\nstatus: closed\n"\n',  # the key quoted
    "id: DC-2026-0001\nstatus : in_progress\nnote: 'x\nstatus: closed\n'\n",  # a space before the colon
    "id: DC-2026-0001\n? status\n: in_progress\nnote: 'x\nstatus: closed\n'\n",  # a complex key
    "id: DC-2026-0001\nbase: &b {status: in_progress}\nstatus: closed\n",  # an anchor (what it names may be merged in)
])  # fmt: skip
def test_a_status_line_that_may_not_be_the_items_status_gives_no_stable_day(text):
    from ducha.core.validate import stable_from

    assert stable_from(text.encode()) is None
    assert stable_from(b"id: DC-2026-0001\nstatus: closed\nclosed: 2026-11-20\n") == dt.date(2026, 11, 20)


def test_the_cache_file_is_readable_as_any_new_file_is(tmp_path):
    # mkstemp makes a private file: another user of a shared repository could not read the cache and would be
    # told on every check that it is damaged
    import os

    repo = _ledger(tmp_path)
    load_ledger(repo.path, AS_OF)
    path = repo.path / ".git" / "ducha" / checkcache.CACHE_NAME
    mask = os.umask(0o022)
    os.umask(mask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~mask
