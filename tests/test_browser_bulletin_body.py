"""A bulletin whose body was edited, as a reader sees its page in Chromium: the counts of the numbers verified
and not verified are stated truthfully, the edited number is listed, and no marker shows."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from browsing import Session, copy_sample, git, serve
from ducha.cli import main


def _cli(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """The sample ledger in a new repository; a bulletin drafted from it, then its body edited: a marked
    number retyped (共 90 件) and a sentence with a number no figure backs (约谈3家单位)."""
    root = tmp_path_factory.mktemp("body-ledger")
    copy_sample(root, names=("items", "site_src"))
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "台账", date="2026-11-25T18:00:00+08:00")
    result = _cli("bulletin", "new", "--kind", "通报", "--as-of", "2026-11-25", "--date", "2026-11-26", "--root", root)
    assert result.exit_code == 0, result.output
    path = root / "bulletins" / "2026" / "bulletin-01.md"
    text = path.read_text(encoding="utf-8")
    total = next(line for line in text.splitlines() if line.startswith("    total: "))[len("    total: "):]
    marked = f"共 <!--fig:totals.total-->{total} 件"
    assert marked in text
    text = text.replace(marked, "共 <!--fig:totals.total-->90 件").replace("现将有关情况通报如下", "现将有关情况（约谈3家单位）通报如下")
    path.write_text(text, encoding="utf-8")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "起草通报", date="2026-11-26T09:00:00+08:00")
    result = _cli("build", "--root", root)  # not --strict: the edited number is a warning of the build
    assert result.exit_code == 0, result.output
    assert "B108" in result.output
    return root / "site"


def test_the_page_states_what_was_verified_and_what_was_not(chromium, site):
    with serve(site) as url:
        browser = Session(chromium, url)
        try:
            _read_the_page(browser, site)
        finally:
            browser.close()


def _read_the_page(browser: Session, site: Path) -> None:
    page = browser.goto("bulletins/2026/bulletin-01/")
    text = page.locator("article").inner_text()
    assert "以下数字与通报记录不一致" in text
    assert "1 个数字与统计项不符或无法核对，1 个数字无对应统计项未核对" in text
    assert "正文写为 90" in text and "“事项数”" in text
    assert "正文中无对应统计项、未核对的数字（1 个）" in text
    assert "全部一致" not in text
    assert "共 90 件" in text and "约谈3家单位" in text  # the body as edited, as a reader reads it
    assert "fig:" not in text and "<!--" not in text
    html = (site / "bulletins" / "2026" / "bulletin-01" / "index.html").read_text(encoding="utf-8")
    assert "fig:" not in html
    assert not browser.errors and not browser.external()
    archive = browser.goto("bulletins/").locator("article").inner_text()
    assert "不一致" in archive
