"""The site built through the real MkDocs plugin, from a copy of the sample ledger."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from browsing import copy_sample

from ducha.cli import main

REPO = Path(__file__).resolve().parents[1]
ENV = {
    "GIT_AUTHOR_NAME": "周敏",
    "GIT_AUTHOR_EMAIL": "zhoumin@dcs.jiangzhou.gov.cn",
    "GIT_COMMITTER_NAME": "周敏",
    "GIT_COMMITTER_EMAIL": "zhoumin@dcs.jiangzhou.gov.cn",
    "GIT_AUTHOR_DATE": "2026-11-25T18:00:00+08:00",
    "GIT_COMMITTER_DATE": "2026-11-25T18:00:00+08:00",
}


def copy_ledger(dest: Path) -> Path:
    return copy_sample(dest)


def git_commit(root: Path, message: str = "台账"):
    import os

    env = {**os.environ, **ENV}
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=root, check=True, env=env)
    subprocess.run(["git", "add", "-A"], cwd=root, check=True, env=env)
    subprocess.run(["git", "commit", "-qm", message], cwd=root, check=True, env=env)


def build(root: Path, *args) -> object:
    return CliRunner().invoke(main, ["build", "--root", str(root), *args])


@pytest.fixture(scope="module")
def sample_site(tmp_path_factory) -> Path:
    root = copy_ledger(tmp_path_factory.mktemp("ledger"))
    git_commit(root)
    result = build(root, "--strict")
    assert result.exit_code == 0, result.output
    return root


def test_strict_build_of_the_sample(sample_site):
    site = sample_site / "site"
    assert (site / "index.html").is_file()
    assert (site / "items" / "DC-2026-0001" / "index.html").is_file()
    assert (site / "audit" / "index.html").is_file()
    codes_page = (site / "reference" / "codes" / "index.html").read_text(encoding="utf-8")
    assert "D101" in codes_page and "A108" in codes_page


def test_items_are_not_in_the_navigation(sample_site):
    site = sample_site / "site"
    home = (site / "index.html").read_text(encoding="utf-8")
    assert "DC-2026-0001/" not in home.split('<nav class="md-nav md-nav--primary', 1)[1].split("</nav>", 1)[0]
    html = (site / "items" / "DC-2026-0002" / "index.html").read_text(encoding="utf-8")
    assert "md-nav--primary" not in html, "item pages do not render the navigation tree (ducha/page.html)"
    assert 'class="md-tabs' in html, "the top tabs stay"
    assert len(html) < 40_000, "an item page stays small: items are never in the nav"


def test_item_page_edit_link_points_at_the_yaml_file(sample_site):
    html = (sample_site / "site" / "items" / "DC-2026-0001" / "index.html").read_text(encoding="utf-8")
    assert 'href="http://git.dcs.jiangzhou.gov.cn/dcs/ledger/-/edit/main/items/2026/DC-2026-0001.yml"' in html
    assert "数据截至" in html and "版本 <code>" in html


def test_mailbox_personal_data_is_masked_everywhere(sample_site):
    import yaml

    secrets = []
    for path in (sample_site / "items" / "2026").glob("*.yml"):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        citizen = data.get("citizen") or {}
        secrets += [str(citizen[k]) for k in ("phone", "id_number") if citizen.get(k)]
        if citizen.get("private") and citizen.get("name"):
            secrets.append(citizen["name"])
    assert len(secrets) >= 10
    for page in (sample_site / "site").rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        leaked = [s for s in secrets if s in text]
        assert not leaked, f"{page}: {leaked}"
    index = (sample_site / "site" / "search" / "search_index.json").read_text(encoding="utf-8")
    assert not [s for s in secrets if s in index]


def _item(root: Path, item_id: str, **fields) -> Path:
    text = (REPO / "items" / "2026" / "DC-2026-0001.yml").read_text(encoding="utf-8").replace("DC-2026-0001", item_id)
    for key, value in fields.items():
        text = re.sub(rf"(?m)^{key}: .*$", f"{key}: {value}", text)
    path = root / "items" / "2026" / f"{item_id}.yml"
    path.write_text(text, encoding="utf-8")
    return path


def test_item_text_is_escaped_and_secrecy_is_respected(tmp_path):
    root = copy_ledger(tmp_path)
    _item(root, "DC-2026-0901", title="'<script>alert(1)</script>标题'", secrecy="public")
    rules = root / "items" / "ledger.yml"
    rules.write_text(rules.read_text(encoding="utf-8").replace("max_secrecy: internal", "max_secrecy: public"), encoding="utf-8")
    result = build(root)
    assert result.exit_code == 0, result.output
    page = (root / "site" / "items" / "DC-2026-0901")
    internal = [p.stem for p in (REPO / "items" / "2026").glob("*.yml") if "secrecy: internal" in p.read_text(encoding="utf-8")]
    assert internal, "the sample has internal items"
    for item_id in internal:
        assert not (root / "site" / "items" / item_id).exists(), f"{item_id} is internal and must not be published"
    html = (page / "index.html").read_text(encoding="utf-8")
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;标题" in html
    assert "<title>＜script＞alert(1)＜/script＞标题" in html.replace("江府督办〔2026〕901号 ", "")


def test_a_ledger_with_errors_fails_the_build_and_keeps_the_old_site(tmp_path):
    root = copy_ledger(tmp_path)
    assert build(root).exit_code == 0
    marker = root / "site" / "marker.txt"
    marker.write_text("old", encoding="utf-8")
    _item(root, "DC-2026-0902", lead_unit="nosuchunit")
    result = build(root)
    assert result.exit_code == 1
    assert "网站生成失败，原有网站未改动" in result.output
    assert "D301" in result.output and "items/2026/DC-2026-0902.yml" in result.output
    assert marker.read_text(encoding="utf-8") == "old"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".site-build-")]


def test_plain_mkdocs_build_uses_the_plugin(tmp_path):
    root = copy_ledger(tmp_path)
    git_commit(root)
    proc = subprocess.run(
        [str(Path(shutil.which("mkdocs") or REPO / ".venv/bin/mkdocs")), "build", "--strict", "-q"],
        cwd=root, capture_output=True, text=True,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert (root / "site" / "items" / "DC-2026-0085" / "index.html").is_file()


def test_theme_shell_cache_gives_the_same_pages_as_full_rendering(sample_site, tmp_path):
    """Generated pages are wrapped in a theme shell rendered once per shape: byte for byte what the theme renders."""
    root = copy_ledger(tmp_path)
    git_commit(root)
    config = root / "mkdocs.yml"
    config.write_text(config.read_text(encoding="utf-8").replace("      per_page: 200", "      per_page: 200\n      shell_cache: false"), encoding="utf-8")
    assert "shell_cache: false" in config.read_text(encoding="utf-8")
    assert build(root).exit_code == 0
    fast, full = sample_site / "site", root / "site"
    pages = sorted(p.relative_to(full) for p in full.rglob("*.html"))
    assert len(pages) > 200
    differ = [str(p) for p in pages if (fast / p).read_bytes() != (full / p).read_bytes()]
    assert differ == []
    # and the fast build did take the shortcut
    from mkdocs.commands.build import build as mkdocs_build
    from mkdocs.config import load_config

    config.write_text(config.read_text(encoding="utf-8").replace("shell_cache: false", "shell_cache: true"), encoding="utf-8")
    cfg = load_config(config_file=str(config), site_dir=str(tmp_path / "fast-site"))
    mkdocs_build(cfg)
    shells = cfg.plugins["ducha"]._shells
    assert shells and all(shells.values())


def test_item_pages_rendered_in_a_forked_worker_are_the_same(sample_site, monkeypatch):
    import datetime as dt

    from ducha import gather_inputs
    from ducha.site.pages import SiteBuilder

    from ducha.plugin import MaterialSearchIndexer

    inputs = gather_inputs(sample_site, dt.date(2026, 11, 26), from_history=False, warn=lambda m: None)
    indexer = MaterialSearchIndexer(search_plugin=None)
    serial = {p.src_uri: (p.html, p.search_html, p.search_entries) for p in inputs.builder(search_indexer=indexer).build()}
    monkeypatch.setattr(SiteBuilder, "PARALLEL_ITEMS", 10)
    forked = {p.src_uri: (p.html, p.search_html, p.search_entries) for p in inputs.builder(search_indexer=indexer).build()}
    assert len(serial) > 85 and forked == serial and list(forked) == list(serial)  # the pages and their order
    assert sum(1 for _, _, entries in serial.values() if entries) >= 85


def test_a_build_that_fails_while_the_forked_worker_renders_leaves_no_process(sample_site, monkeypatch):
    import datetime as dt
    import multiprocessing

    import pytest

    from ducha import gather_inputs
    from ducha.site.pages import SiteBuilder

    inputs = gather_inputs(sample_site, dt.date(2026, 11, 26), from_history=False, warn=lambda m: None)
    monkeypatch.setattr(SiteBuilder, "PARALLEL_ITEMS", 10)

    def broken(self):
        assert multiprocessing.active_children()  # the worker was started before the other pages
        raise RuntimeError("统计页出错（测试）")

    monkeypatch.setattr(SiteBuilder, "stats_pages", broken)
    with pytest.raises(RuntimeError, match="测试"):
        inputs.builder().build()
    assert multiprocessing.active_children() == []


def test_search_entries_made_with_the_item_pages_equal_materials_own(sample_site, tmp_path):
    """Item summaries indexed while item pages render give the very index Material's search plugin makes."""
    root = copy_ledger(tmp_path)
    git_commit(root)
    config = root / "mkdocs.yml"
    config.write_text(config.read_text(encoding="utf-8").replace("      per_page: 200", "      per_page: 200\n      presegment_search: false"), encoding="utf-8")
    assert build(root).exit_code == 0
    ours = (sample_site / "site" / "search" / "search_index.json").read_text(encoding="utf-8")
    material = (root / "site" / "search" / "search_index.json").read_text(encoding="utf-8")
    assert any("\u200b" in doc["text"] for doc in json.loads(material)["docs"])  # segmented by jieba
    assert ours == material
    full = root / "site"
    differ = [str(p) for p in full.rglob("*.html") if (sample_site / "site" / p.relative_to(full)).read_bytes() != p.read_bytes()]
    assert differ == []
    # and the default build did make them itself
    from mkdocs.commands.build import build as mkdocs_build
    from mkdocs.config import load_config

    config.write_text(config.read_text(encoding="utf-8").replace("presegment_search: false", "presegment_search: true"), encoding="utf-8")
    cfg = load_config(config_file=str(config), site_dir=str(tmp_path / "fast-site"))
    mkdocs_build(cfg)
    indexer = cfg.plugins["ducha"]._indexer
    assert indexer is not None and len(indexer._cuts) > 85


# every form of a citizen's number that must not reach the site, as written in an item
PLANTED = {
    "title": "\"来信人（0571）86012345、(0571)86023456、0571 86034567、0571-8888-1234、"
             "139\\u00a01234\\u00a05601、139.1234.5602、139\\u20131234\\u20135603、139\\u20141234\\u20145604反映路灯\"",
}
SECRETS = ["057186012345", "057186023456", "057186034567", "057188881234", "13912345601", "13912345602",
           "13912345603", "13912345604", "110101199003071234", "6222021234567890128"]  # fmt: skip


def test_planted_numbers_are_masked_in_every_output_file(tmp_path):
    root = copy_ledger(tmp_path)
    path = _item(root, "DC-2026-0903")
    text = re.sub(r"(?m)^title: .*$", lambda _: f"title: {PLANTED['title']}", path.read_text(encoding="utf-8"))
    # an ID number split over two lines of the | block, and a bank card, in the summary
    text = text.replace("summary: |\n", "summary: |\n  来信人身份证号110101\n  199003071234，银行卡号6222021234567890128。\n", 1)
    path.write_text(text, encoding="utf-8")
    # the office's own numbers: one in the rules file, one on a bulletin's contact line
    rules = root / "items" / "ledger.yml"
    rules.write_text(rules.read_text(encoding="utf-8").replace("  code: 江府督办", '  phones: ["0791-86000001"]\n  code: 江府督办', 1),
                     encoding="utf-8")  # fmt: skip
    bulletin = root / "bulletins" / "2026" / "notice-01.md"
    bulletin.write_text(bulletin.read_text(encoding="utf-8").replace(
        "联系人：市政府督查室督查一科　周敏", "联系人：市政府督查室督查一科　周敏　联系电话：0791-86123456").replace(
        "title: 关于抓紧办理即将到期和超期督查事项的通知", "title: 关于来信人13912345601反映问题的通知"), encoding="utf-8")  # fmt: skip
    # (a bulletin's title too: on its page, the archive and the dashboard)
    _item(root, "DC-2026-0904", title="请拨打督查室电话0791-86000001咨询")
    result = build(root)
    assert result.exit_code == 0, result.output
    leaks = {s: re.compile(r"\D{0,12}?".join(s)) for s in SECRETS}
    reached = []
    for page in (root / "site").rglob("*"):
        if page.suffix not in (".html", ".json", ".xml", ".txt", ".md"):
            continue
        content = page.read_text(encoding="utf-8")
        if page.suffix == ".json":  # \u00a0 and friends may be escaped
            content = json.dumps(json.loads(content), ensure_ascii=False)
        assert not [s for s, p in leaks.items() if p.search(content)], page
        if "路灯" in content and "(0571)****3456" in content:
            reached.append(page.relative_to(root / "site").as_posix())
    assert "search/search_index.json" in reached and "items/DC-2026-0903/index.html" in reached, reached
    published = (root / "site" / "bulletins" / "2026" / "notice-01" / "index.html")
    assert "0791-86123456" in published.read_text(encoding="utf-8")
    assert "0791-86000001" in (root / "site" / "items" / "DC-2026-0904" / "index.html").read_text(encoding="utf-8")


def test_commit_times_are_beijing_time_and_rates_use_the_rules_decimals(tmp_path):
    """Commits made at -05:00 and +00:00 show on the item page and the 审计 page in Beijing time under a
    header that says so; with ``statistics.decimals: 2`` the dashboard and the tables show 1/16 as 6.25%."""
    from gitutil import make_item, make_repo

    repo = make_repo(tmp_path)
    rules = repo.read("items/ledger.yml")
    repo.write("items/ledger.yml", rules.replace("statistics:\n  decimals: 1\n", "statistics:\n  decimals: 2\n"))
    for n in range(1, 17):
        repo.write_item(make_item(f"DC-2026-{n:04d}", "closed" if n == 1 else "assigned"))
    paper = {"leader": "vmayor_wang", "sent": "2026-11-20 09:00", "returned": "2026-11-20 15:30", "kind": "urgent"}
    repo.write_item(make_item("DC-2026-0002", "assigned", circulation=[paper]))
    repo.commit("登记", "2026-11-23T01:03:00-05:00")  # 2026-11-23 14:03 in Beijing
    shutil.copy(REPO / "mkdocs.yml", repo.path / "mkdocs.yml")
    shutil.copytree(REPO / "site_src", repo.path / "site_src")
    repo.commit("网站配置", "2026-11-24T02:00:00+00:00")  # 2026-11-24 10:00 in Beijing
    result = build(repo.path, "--as-of", "2026-11-30")
    assert result.exit_code == 0, result.output
    site = repo.path / "site"
    item = (site / "items" / "DC-2026-0001" / "index.html").read_text(encoding="utf-8")
    history = item.split("修改记录（git）", 1)[1]
    assert "<th>时间（北京时间）</th>" in history and ">2026-11-23 14:03</td>" in history
    assert "01:03" not in history and "-05:00" not in history
    audit = (site / "audit" / "index.html").read_text(encoding="utf-8")
    findings, recent = audit.split('id="findings"', 1)[1].split('id="recent"', 1)
    assert "提交时间 2026-11-23 14:03（北京时间）" in findings and "-05:00" not in findings  # A101 of 登记: landing day shown, commit time in Beijing time on hover
    assert "<th>时间（北京时间）</th>" in recent
    assert ">2026-11-24 10:00</td>" in recent and ">2026-11-23 14:03</td>" in recent and "02:00" not in recent
    paper_page = (site / "items" / "DC-2026-0002" / "index.html").read_text(encoding="utf-8")
    assert "<th>送阅（北京时间）</th><th>退回（北京时间）</th>" in paper_page and 'data-label="退回">2026-11-20 15:30</td>' in paper_page
    home = (site / "index.html").read_text(encoding="utf-8")
    assert '<div class="ducha-num">6.25%</div>' in home  # 办结率 1/16
    assert "6.25%（1/16）" in (site / "status" / "unit" / "index.html").read_text(encoding="utf-8")
    assert "百分比四舍五入保留2位小数" in (site / "reference" / "stats" / "index.html").read_text(encoding="utf-8")


def test_the_callers_own_work_runs_while_the_history_is_read_in_the_background(tmp_path):
    # gather_inputs' ``meanwhile`` (the plugin loads jieba's dictionary there) runs before this process waits for
    # the warmer that reads the history, and not at all when there is nothing to wait for (the cache is current)
    import datetime as dt
    import shutil

    from ducha import gather_inputs

    root = copy_ledger(tmp_path)
    git_commit(root)
    shutil.rmtree(root / ".git" / "ducha", ignore_errors=True)
    seen = []

    def meanwhile():
        seen.append(True)

    gather_inputs(root, dt.date(2026, 11, 26), from_history=False, warn=lambda m: None, meanwhile=meanwhile)
    assert len(seen) == 1, "called once, the history's warmer started"
    assert sorted((root / ".git" / "ducha").glob("history-*.pickle")), "the warmer wrote the cache"
    gather_inputs(root, dt.date(2026, 11, 26), from_history=False, warn=lambda m: None, meanwhile=meanwhile)
    assert len(seen) == 1, "the cache is current: no warmer, nothing to wait for"
