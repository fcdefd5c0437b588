"""The live preview's rebuilds (``mkdocs serve``) reuse the last build where the change does not reach, and
give byte for byte what a full build of the same files gives.

Each test builds exactly as ``mkdocs.commands.serve`` does: a fresh ``load_config`` into the same output folder
for every build, ``build(config, serve_url=..., dirty=False)``, and the plugins' ``on_serve`` after the first
build. The full build to compare with goes to a folder no preview serves.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path

import pytest
from mkdocs.commands.build import build as mkdocs_build
from mkdocs.config import load_config

from gitutil import PROJECT, dump_item, item_path, make_item, make_repo

SERVE_URL = "http://127.0.0.1:8000/"
AS_OF_DAY = dt.date(2026, 11, 30)
IDS = [f"DC-2026-{n:04d}" for n in range(1, 7)]


class _Server:  # what on_serve is handed: something that watches folders
    def __init__(self):
        self.watched = []

    def watch(self, path):
        self.watched.append(path)


def serve_build(root: Path, site_dir: Path):
    """One build as ``mkdocs serve``'s builder runs it (a fresh config each time, into its folder)."""
    config = load_config(config_file=str(root / "mkdocs.yml"), site_dir=str(site_dir))
    config.site_url = SERVE_URL
    mkdocs_build(config, serve_url=SERVE_URL, dirty=False)
    return config


def files_of(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in sorted(site.rglob("*")) if p.is_file()}


def stamps(site: Path) -> dict[str, tuple[int, int]]:
    return {p.relative_to(site).as_posix(): (p.stat().st_ino, p.stat().st_mtime_ns) for p in site.rglob("*.html")}


@pytest.fixture
def preview(tmp_path, isolated_git):
    """A small ledger in git, served: (repo, site folder, rebuild(), compare())."""
    repo = make_repo(tmp_path / "ledger")
    statuses = ["assigned", "in_progress", "in_progress", "reported", "closed", "assigned"]
    for item_id, status in zip(IDS, statuses):
        repo.write_item(make_item(item_id, status, title=f"推进第{item_id[-1]}项重点工作"))
    shutil.copy(PROJECT / "mkdocs.yml", repo.path / "mkdocs.yml")
    shutil.copytree(PROJECT / "site_src", repo.path / "site_src")
    repo.commit("登记事项", "2026-11-25")
    site = tmp_path / "serve-site"
    site.mkdir()
    config = serve_build(repo.path, site)
    server = config.plugins.on_serve(_Server(), config=config, builder=None)
    assert str(repo.path / "items") in server.watched
    assert str(repo.path / ".git" / "refs" / "heads") in server.watched  # a commit while serving rebuilds too
    fresh = iter(range(100))

    def rebuild():
        before = stamps(site)
        serve_build(repo.path, site)
        after = stamps(site)
        return {p for p in after if before.get(p) == after[p]}  # the pages whose file was kept

    def compare():
        full = tmp_path / f"full-{next(fresh)}"
        serve_build(repo.path, full)
        mine, theirs = files_of(site), files_of(full)
        assert sorted(mine) == sorted(theirs)
        assert [p for p in theirs if mine[p] != theirs[p]] == []
        return theirs

    return repo, site, rebuild, compare


def _page(item_id: str) -> str:
    return f"items/{item_id}/index.html"


def test_one_item_edit_rebuilds_what_it_touches_and_matches_a_full_build(preview):
    repo, site, rebuild, compare = preview
    dashboard = (site / "index.html").read_bytes()
    # a clerk reports progress and moves the item on: the dashboard's figures change
    repo.write_item(make_item(IDS[0], "in_progress", title="推进第1项重点工作"))
    kept = rebuild()
    full = compare()
    assert (site / "index.html").read_bytes() != dashboard
    assert _page(IDS[0]) not in kept
    assert "已完成征地拆迁方案" in full[_page(IDS[0])].decode()
    # the first edit after a commit changes every page's stamp (工作区); the next edit keeps the pages it does not touch
    repo.write_item(make_item(IDS[1], "reported", title="推进第2项重点工作"))
    kept = rebuild()
    compare()
    assert _page(IDS[1]) not in kept
    assert {_page(i) for i in IDS[2:]} <= kept
    assert "index.html" not in kept  # the dashboard is recomputed


def test_rules_file_change_rebuilds_everything(preview):
    repo, site, rebuild, compare = preview
    repo.write_item(make_item(IDS[0], "in_progress", title="推进第1项重点工作"))
    rebuild()
    rules = repo.path / "items" / "ledger.yml"
    text = rules.read_text(encoding="utf-8")
    assert "江州市人民政府督查室" in text
    rules.write_text(text.replace("江州市人民政府督查室", "江州市人民政府督查办公室", 1), encoding="utf-8")
    kept = rebuild()
    full = compare()
    assert not {_page(i) for i in IDS} & kept
    assert any("江州市人民政府督查办公室" in data.decode("utf-8", "replace") for p, data in full.items() if p.endswith(".html"))


def test_theme_change_rebuilds_everything(preview):
    repo, site, rebuild, compare = preview
    repo.write_item(make_item(IDS[0], "in_progress", title="推进第1项重点工作"))
    rebuild()
    overrides = sorted((repo.path / "site_src" / "overrides").rglob("*.html"))
    assert overrides
    target = overrides[0]
    target.write_text(target.read_text(encoding="utf-8") + "\n<!-- 主题已修改 -->\n", encoding="utf-8")
    kept = rebuild()
    compare()
    assert not {_page(i) for i in IDS} & kept


def test_deleted_and_new_items_match_a_full_build(preview):
    repo, site, rebuild, compare = preview
    repo.write_item(make_item(IDS[0], "in_progress", title="推进第1项重点工作"))
    rebuild()
    repo.remove(item_path(IDS[2]))
    kept = rebuild()
    full = compare()
    assert _page(IDS[2]) not in full and not (site / "items" / IDS[2]).exists()
    assert {_page(i) for i in IDS[3:]} <= kept
    repo.write(item_path("DC-2026-0007"), dump_item(make_item("DC-2026-0007", "assigned", title="新登记的第7项工作")))
    kept = rebuild()
    full = compare()
    assert _page("DC-2026-0007") in full and _page("DC-2026-0007") not in kept
    assert {_page(i) for i in IDS[3:]} <= kept


def test_a_failed_rebuild_is_followed_by_a_full_one(preview):
    repo, site, rebuild, compare = preview
    path = repo.path / item_path(IDS[3])
    good = path.read_text(encoding="utf-8")
    path.write_text(good.replace("status: reported", "status: no-such-status"), encoding="utf-8")
    with pytest.raises(Exception):
        rebuild()
    path.write_text(good.replace("推进第4项重点工作", "推进第4项重点工作（修订）"), encoding="utf-8")
    rebuild()
    compare()


def test_the_sample_ledger_with_bulletins_and_notices(tmp_path, isolated_git):
    """The sample: bulletins (verified, their figure lists and documents), 督查通知单, audit pages."""
    from browsing import copy_sample
    from gitutil import LedgerRepo

    root = copy_sample(tmp_path / "ledger", names=("items", "site_src", "bulletins", "audit"))
    repo = LedgerRepo(root)
    repo.git("init", "-q", "-b", "main")
    repo.git("add", "-A")
    repo.git("commit", "-qm", "台账", date="2026-11-25")
    site = tmp_path / "serve-site"
    config = serve_build(root, site)
    config.plugins.on_serve(_Server(), config=config, builder=None)
    path = root / "items" / "2026" / "DC-2026-0005.yml"
    text = path.read_text(encoding="utf-8")
    assert "status: in_progress" in text
    path.write_text(text.replace("完成棚户区改造3200户", "完成棚户区改造3300户", 1), encoding="utf-8")
    serve_build(root, site)
    path = root / "items" / "2026" / "DC-2026-0012.yml"
    path.write_text(path.read_text(encoding="utf-8").replace("做好春节期间", "切实做好春节期间", 1), encoding="utf-8")
    before = stamps(site)
    serve_build(root, site)
    after = stamps(site)
    full = tmp_path / "full"
    serve_build(root, full)
    mine, theirs = files_of(site), files_of(full)
    assert sorted(mine) == sorted(theirs)
    assert [p for p in theirs if mine[p] != theirs[p]] == []
    assert "切实做好春节期间" in theirs["items/DC-2026-0012/index.html"].decode()
    assert before["items/DC-2026-0001/index.html"] == after["items/DC-2026-0001/index.html"]


def test_a_preview_running_past_midnight_utc_dates_its_sitemap_as_a_full_build(preview, monkeypatch):
    # MkDocs dates every page in sitemap.xml with the build's (UTC) day; a page kept from the last build
    # must take this build's date, as a full build's page does
    repo, site, rebuild, compare = preview
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1796083200")  # 2026-12-01 00:00 UTC
    repo.write_item(make_item(IDS[0], "in_progress", title="推进第1项重点工作"))
    rebuild()
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(1796083200 + 86400))  # the next day
    repo.write_item(make_item(IDS[1], "reported", title="推进第2项重点工作"))
    kept = rebuild()
    full = compare()
    assert {_page(i) for i in IDS[2:]} <= kept
    assert b"2026-12-02" in full["sitemap.xml"] and b"2026-12-01" not in full["sitemap.xml"]


def test_the_allowed_signers_file_is_part_of_what_a_preview_rebuilds_everything_for(tmp_path):
    # which commits are signed by a known key (A107) depends on the file the rules name: a change to it is
    # a new generation, and the preview watches it
    from ducha.site.inputs import _generation, signers_file

    repo = make_repo(tmp_path / "ledger", allowed_signers=".allowed_signers")
    repo.write(".allowed_signers", "zhou@example.gov.cn namespaces=\"git\" ssh-ed25519 AAAAC3Nza...\n")
    repo.commit("登记", "2026-11-25")
    assert signers_file(repo.path) == repo.path / ".allowed_signers"
    before = _generation(repo.path, AS_OF_DAY, False, True, "env")
    assert _generation(repo.path, AS_OF_DAY, False, True, "env") == before
    (repo.path / ".allowed_signers").write_text("", encoding="utf-8")
    assert _generation(repo.path, AS_OF_DAY, False, True, "env") != before


def test_a_file_put_back_with_its_old_size_and_time_is_a_change(tmp_path):
    # `cp -p` of an older copy of a bulletin or template: same size, same modification time, other bytes
    from ducha.site.incremental import fingerprint

    folder = tmp_path / "bulletins"
    folder.mkdir()
    page = folder / "2026-11.md"
    page.write_text("一月通报：甲单位\n", encoding="utf-8")
    older = tmp_path / "older.md"
    older.write_text("一月通报：乙单位\n", encoding="utf-8")  # the same size
    st = page.stat()
    os.utime(older, ns=(st.st_atime_ns, st.st_mtime_ns))
    before = fingerprint(folder)
    shutil.copy2(older, page)
    assert page.stat().st_size == st.st_size and page.stat().st_mtime_ns == st.st_mtime_ns
    assert fingerprint(folder) != before
