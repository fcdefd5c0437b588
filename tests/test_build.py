"""``ducha build`` replaces ``site/`` in one step, one build at a time, and cleans up after killed builds."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from ducha.cli import main

BUILD = [sys.executable, "-c", "from ducha.cli import main; main()", "build"]


def _ledger(tmp_path: Path) -> Path:
    root = tmp_path / "ledger"
    result = CliRunner().invoke(main, ["init", str(root), "--office", "测试市人民政府督查室", "--issuer", "测试市人民政府办公室",
                                       "--code", "测府督办"])  # fmt: skip
    assert result.exit_code == 0, result.output
    return root


def _whole(site: Path) -> None:
    assert site.is_dir() and not site.is_symlink()
    assert (site / "index.html").is_file() and (site / "search" / "search_index.json").is_file()
    assert (site / "sitemap.xml").is_file()


def _leftovers(root: Path) -> list[str]:
    """What killed builds left (the last site kept to build the next one in is no leftover)."""
    return sorted(p.name for p in root.iterdir() if p.name.startswith((".site-build-", ".site-old-")) and p.name != ".site-old-spare")


def test_a_killed_build_leaves_the_old_site_and_the_next_build_cleans_up(tmp_path):
    root = _ledger(tmp_path)
    assert CliRunner().invoke(main, ["build", "--root", str(root)]).exit_code == 0
    (root / "site" / "marker.txt").write_text("old", encoding="utf-8")
    proc = subprocess.Popen([*BUILD, "--root", str(root)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    # kill it in the middle: once its build folder has pages in it
    while not [p for p in root.glob(".site-build-*/**/*.html")] and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert (root / "site" / "marker.txt").read_text(encoding="utf-8") == "old", "the old site is untouched"
    _whole(root / "site")
    assert _leftovers(root), "the killed build left its folder (the kernel released its lock)"
    # and one from an older crash, between the renames of the fallback swap
    (root / ".site-old-abc123" / "site").mkdir(parents=True)
    result = CliRunner().invoke(main, ["build", "--root", str(root)])
    assert result.exit_code == 0, result.output
    assert "已清理上次中断的生成留下的目录" in result.output
    assert _leftovers(root) == []
    _whole(root / "site")
    assert not (root / "site" / "marker.txt").exists(), "the new site replaced the old one"


def test_overlapping_builds_run_one_after_the_other(tmp_path):
    root = _ledger(tmp_path)
    procs = [subprocess.Popen([*BUILD, "--root", str(root)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(3)]  # fmt: skip
    outs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], outs
    assert not [err for _, err in outs if "Traceback" in err]
    assert any("另一次网站生成正在写入" in err for _, err in outs), "a later build waited for the lock"
    _whole(root / "site")
    assert _leftovers(root) == []


def test_leftover_folders_are_ignored_by_git(tmp_path):
    root = _ledger(tmp_path)
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    for name in (".site-build-x1y2", ".site-old-z3"):
        (root / name).mkdir()
        (root / name / "index.html").write_text("x", encoding="utf-8")
    (root / ".site.lock").touch()
    status = subprocess.run(["git", "status", "--porcelain", "--untracked-files=all"], cwd=root, capture_output=True,
                            text=True, check=True).stdout  # fmt: skip
    assert ".site" not in status, status
    assert "/.site-build-*/" in (Path(__file__).resolve().parents[1] / ".gitignore").read_text(encoding="utf-8")


def test_a_site_link_is_replaced_by_the_built_folder(tmp_path):
    from ducha.site import sitedir

    target = tmp_path / "elsewhere"
    target.mkdir()
    (target / "keep.txt").write_text("x", encoding="utf-8")
    final = tmp_path / "site"
    final.symlink_to(target)
    built = sitedir.new_build_dir(final)
    (built / "index.html").write_text("new", encoding="utf-8")
    sitedir.swap_in(built, final)
    assert final.is_dir() and not final.is_symlink() and (final / "index.html").read_text(encoding="utf-8") == "new"
    assert (target / "keep.txt").is_file(), "what the link pointed at is not deleted"
    assert _leftovers(tmp_path) == []


def test_without_the_exchange_the_swap_falls_back_to_two_renames(tmp_path, monkeypatch):
    from ducha.site import sitedir

    monkeypatch.setattr(sitedir, "_exchange", lambda a, b: False)  # as on a system without renameat2
    final = tmp_path / "site"
    final.mkdir()
    (final / "index.html").write_text("old", encoding="utf-8")
    built = sitedir.new_build_dir(final)
    (built / "index.html").write_text("new", encoding="utf-8")
    sitedir.swap_in(built, final)
    assert (final / "index.html").read_text(encoding="utf-8") == "new"
    assert _leftovers(tmp_path) == []


def test_a_page_that_cannot_be_written_fails_the_build_with_its_path_and_keeps_the_old_site(tmp_path):
    # the generated pages are written by a process beside the rendering: its failure is the build's, in words
    root = _ledger(tmp_path)
    assert CliRunner().invoke(main, ["build", "--root", str(root)]).exit_code == 0
    (root / "site" / "marker.txt").write_text("old", encoding="utf-8")
    (root / "site_src" / "items").write_text("a file where the item pages' folder goes", encoding="utf-8")
    proc = subprocess.run([*BUILD, "--root", str(root)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert "无法写入网站页面 items/index.html" in proc.stderr and "路径上已有同名文件" in proc.stderr, proc.stderr
    assert "网站生成失败，原有网站未改动" in proc.stderr
    assert (root / "site" / "marker.txt").read_text(encoding="utf-8") == "old"
    assert _leftovers(root) == []


@pytest.mark.parametrize("kind", ["BackgroundWriter", "SyncWriter"])
def test_the_page_writer_writes_every_file_and_reports_the_first_failure(tmp_path, kind):
    # SyncWriter: the same work in this process, where no process can be started for it
    from ducha.files import write as writers

    BackgroundWriter = getattr(writers, kind)
    writer = BackgroundWriter()
    writer.write(str(tmp_path / "a" / "b" / "index.html"), "第一页 \udcff")
    writer.write(str(tmp_path / "c.html"), "二")
    writer.close()
    assert (tmp_path / "a" / "b" / "index.html").read_bytes() == "第一页 &#56575;".encode()  # as MkDocs encodes
    assert (tmp_path / "c.html").read_text(encoding="utf-8") == "二"

    (tmp_path / "blocker").write_text("", encoding="utf-8")
    writer = BackgroundWriter()
    writer.write(str(tmp_path / "d.html"), "before")
    writer.write(str(tmp_path / "blocker" / "x" / "index.html"), "blocked")
    writer.write(str(tmp_path / "e.html"), "after the failure: not written")
    with pytest.raises(OSError) as caught:
        writer.close()
    assert caught.value.filename == str(tmp_path / "blocker" / "x" / "index.html")
    assert (tmp_path / "d.html").is_file() and not (tmp_path / "e.html").exists()

    # within a folder of an earlier build, what stands in the way is removed instead
    (tmp_path / "old" / "a").mkdir(parents=True)
    (tmp_path / "old" / "a" / "index.html").write_text("old", encoding="utf-8")
    (tmp_path / "old" / "b").write_text("a file where a folder goes", encoding="utf-8")
    (tmp_path / "old" / "c" / "index.html").mkdir(parents=True)
    writer = BackgroundWriter(clear_within=str(tmp_path / "old"))
    for name in "abc":
        writer.write(str(tmp_path / "old" / name / "index.html"), name)
    writer.write(str(tmp_path / "blocker" / "y" / "index.html"), "outside it: still a failure")
    with pytest.raises(OSError):
        writer.close()
    assert [(tmp_path / "old" / n / "index.html").read_text(encoding="utf-8") for n in "abc"] == ["a", "b", "c"]


@pytest.mark.parametrize("kind", ["BackgroundWriter", "SyncWriter"])
def test_a_file_written_over_holds_exactly_the_new_text(tmp_path, kind):
    # an earlier site's file is written from its start and cut to the new length, not emptied first
    from ducha.files import write as writers

    old = tmp_path / "old"
    old.mkdir()
    (old / "longer.html").write_text("旧的内容比新的长很多" * 100, encoding="utf-8")
    (old / "shorter.html").write_text("短", encoding="utf-8")
    (old / "same.html").write_text("abc", encoding="utf-8")
    writer = getattr(writers, kind)(clear_within=str(old))
    for name, text in (("longer.html", "新"), ("shorter.html", "新的内容更长" * 50), ("same.html", "xyz"), ("new.html", ""), ("new2.html", "新文件")):
        writer.write(str(old / name), text)
    writer.close()
    assert (old / "longer.html").read_text(encoding="utf-8") == "新"
    assert (old / "shorter.html").read_text(encoding="utf-8") == "新的内容更长" * 50
    assert (old / "same.html").read_text(encoding="utf-8") == "xyz"
    assert (old / "new.html").read_bytes() == b"" and (old / "new2.html").read_text(encoding="utf-8") == "新文件"
    mask = os.umask(0)
    os.umask(mask)
    assert all((old / n).stat().st_mode & 0o777 == 0o666 & ~mask for n in ("new.html", "new2.html"))


def test_an_aborted_background_writer_leaves_no_process(tmp_path):
    from ducha.files.write import BackgroundWriter

    writer = BackgroundWriter()
    writer.write(str(tmp_path / "a.html"), "x")
    writer.abort()
    assert writer._proc.poll() is not None


def _files(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in sorted(site.rglob("*")) if p.is_file() and not p.is_symlink()}


def _modes(site: Path) -> dict[str, str]:
    """Every entry of the site (folders too, the site itself as "."), with its kind and permissions."""
    return {(p.relative_to(site).as_posix() or "."): oct(p.lstat().st_mode) for p in [site, *sorted(site.rglob("*"))]}


def test_a_build_made_over_the_last_site_equals_a_fresh_build(tmp_path, isolated_git):
    # the site before the current one is kept (.site-old-spare) and the next build writes over its files;
    # whatever that folder holds, the site that comes out is the one a build into an empty folder makes
    import os
    import shutil

    from gitutil import PROJECT, item_path, make_item, make_repo

    repo = make_repo(tmp_path / "ledger")
    ids = [f"DC-2026-{n:04d}" for n in range(1, 7)]
    for item_id in ids:
        repo.write_item(make_item(item_id, "in_progress", title=f"推进第{item_id[-1]}项重点工作"))
    shutil.copy(PROJECT / "mkdocs.yml", repo.path / "mkdocs.yml")
    shutil.copytree(PROJECT / "site_src", repo.path / "site_src")
    repo.commit("登记事项", "2026-11-25")
    root = repo.path
    build = ["build", "--root", str(root), "--as-of", "2026-11-30"]
    for _ in range(2):
        result = CliRunner().invoke(main, build)
        assert result.exit_code == 0, result.output
    spare = root / ".site-old-spare"
    assert spare.is_dir() and (spare / "items" / ids[0] / "index.html").is_file(), "the last site is kept to build in"
    assert _leftovers(root) == []

    # what the spare may hold: a page of an item since deleted, a stray file, a page hard-linked elsewhere, a
    # symbolic link to a file outside, a file where a page's folder goes, a folder where a page's file goes
    repo.remove(item_path(ids[4]))
    repo.commit("删除事项", "2026-11-26")
    (spare / "stray.txt").write_text("x", encoding="utf-8")
    copy = tmp_path / "hard-linked-copy.html"
    os.link(spare / "items" / ids[0] / "index.html", copy)
    kept = copy.read_bytes()
    outside = tmp_path / "outside.html"
    outside.write_text("outside", encoding="utf-8")
    (spare / "items" / ids[1] / "index.html").unlink()
    (spare / "items" / ids[1] / "index.html").symlink_to(outside)
    shutil.rmtree(spare / "items" / ids[2])
    (spare / "items" / ids[2]).write_text("a file where a folder goes", encoding="utf-8")
    (spare / "items" / ids[3] / "index.html").unlink()
    (spare / "items" / ids[3] / "index.html").mkdir()
    (spare / "sitemap.xml").unlink()
    (spare / "sitemap.xml").mkdir()
    # an empty folder, the page of the deleted item hard-linked elsewhere (its folder must go), a FIFO where a
    # page goes (it would block the writer), and permissions a build under another umask or a chmod left
    (spare / "empty" / "deeper").mkdir(parents=True)
    os.link(spare / "items" / ids[4] / "index.html", tmp_path / "deleted-copy.html")
    (spare / "items" / ids[5] / "index.html").unlink()
    os.mkfifo(spare / "items" / ids[5] / "index.html")
    (spare / "index.html").chmod(0o600)
    (spare / "items" / ids[0]).chmod(0o700)
    (spare / "assets").chmod(0o750)
    spare.chmod(0o700)

    result = CliRunner().invoke(main, build)
    import traceback
    assert result.exit_code == 0, result.output + "".join(traceback.format_exception(*result.exc_info))
    assert copy.read_bytes() == kept and outside.read_text(encoding="utf-8") == "outside", "nothing written through a link"

    mine, my_modes = _files(root / "site"), _modes(root / "site")
    shutil.rmtree(spare)  # the same build again, into an empty folder
    result = CliRunner().invoke(main, build)
    assert result.exit_code == 0, result.output
    theirs = _files(root / "site")
    their_modes = _modes(root / "site")
    assert {p: m for p, m in my_modes.items() if their_modes.get(p) != m} == {}, "entries or permissions a fresh build has not"
    assert sorted(my_modes) == sorted(their_modes)
    assert f"items/{ids[4]}/index.html" not in mine and "stray.txt" not in mine and f"items/{ids[2]}/index.html" in mine
    assert sorted(mine) == sorted(theirs)
    import difflib
    diff = [p for p in theirs if mine[p] != theirs[p]]
    assert diff == [], "\n".join(difflib.unified_diff(theirs[diff[0]].decode().splitlines(), mine[diff[0]].decode().splitlines(), lineterm="", n=1))
    assert not [p for p in (root / "site").rglob("*") if p.is_symlink()]


def test_a_forked_process_does_not_keep_the_page_writer_waiting(tmp_path):
    # a process forked while the writer runs (the item pages' worker, the history's warmer) inherits its pipe;
    # it lets go of it, so the writer sees the end of its input when this process closes it
    import os

    from ducha.files.write import BackgroundWriter

    writer = BackgroundWriter()
    writer.write(str(tmp_path / "a.html"), "a")
    pid = os.fork()
    if pid == 0:  # a child that outlives the writer's close
        writer.write(str(tmp_path / "from-the-child.html"), "x")
        import time

        time.sleep(30)
        os._exit(0)
    try:
        import threading

        done = threading.Event()
        threading.Thread(target=lambda: (writer.close(), done.set()), daemon=True).start()
        assert done.wait(20), "the writer waited for the forked child"
        assert (tmp_path / "a.html").read_text(encoding="utf-8") == "a"
        assert not (tmp_path / "from-the-child.html").exists()
    finally:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)


def test_a_plugin_after_ducha_sees_every_page_and_its_output_is_written(tmp_path, isolated_git):
    # ducha writes its generated pages itself only when nothing takes a page after it; a hook's on_post_page
    # (a minifier, a proofer) gets every page whole, and what it returns is what the site holds
    import shutil

    from gitutil import PROJECT, make_item, make_repo

    repo = make_repo(tmp_path / "ledger")
    repo.write_item(make_item("DC-2026-0001", "in_progress", title="推进重点工作"))
    shutil.copy(PROJECT / "mkdocs.yml", repo.path / "mkdocs.yml")
    shutil.copytree(PROJECT / "site_src", repo.path / "site_src")
    (repo.path / "hooks.py").write_text(
        "def on_post_page(output, page, config):\n"
        "    assert '</html>' in output, page.file.src_uri\n"
        "    return output + '<!-- checked by a hook -->'\n", encoding="utf-8")  # fmt: skip
    config = (repo.path / "mkdocs.yml").read_text(encoding="utf-8")
    (repo.path / "mkdocs.yml").write_text(config + "\nhooks:\n  - hooks.py\n", encoding="utf-8")
    repo.commit("登记事项", "2026-11-25")
    build = ["build", "--root", str(repo.path), "--as-of", "2026-11-30"]
    for _ in range(2):  # into an empty folder, then over the last site
        result = CliRunner().invoke(main, build)
        assert result.exit_code == 0, result.output
        page = (repo.path / "site" / "items" / "DC-2026-0001" / "index.html").read_text(encoding="utf-8")
        assert "推进重点工作" in page and page.endswith("</html><!-- checked by a hook -->")
        pages = [p for p in (repo.path / "site").rglob("*.html")]
        assert pages and all(p.read_text(encoding="utf-8").endswith("<!-- checked by a hook -->") for p in pages if p.name != "404.html")


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="giving a folder to another user needs root (CI runs as root)")
def test_a_spare_left_by_another_user_is_not_built_in(tmp_path):
    # a site once built with sudo: its files cannot be given a new build's owner, so it is removed, not written over
    from ducha.site import sitedir

    final = tmp_path / "site"
    spare = sitedir.spare_of(final)
    (spare / "items").mkdir(parents=True)
    (spare / "items" / "index.html").write_text("old", encoding="utf-8")
    os.chown(spare, 12345, 12345)
    assert sitedir.take_spare(final) is None
    assert not spare.exists()
    (spare / "x").mkdir(parents=True)
    os.chown(spare, os.geteuid(), os.getegid())
    spare.chmod(0o700)
    built = sitedir.take_spare(final)
    assert built is not None and (built / "x").is_dir() and oct(built.stat().st_mode & 0o777) == "0o755"
