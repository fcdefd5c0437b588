"""Every page kind of the site on a phone (390 × 844) and on a desktop (1400 × 900), in headless Chromium.

The sample ledger is built once per session, with a second change merged from a branch (a deadline moved
without an extension, so the 审计 pages have findings and filter pages) and a mayor's-mailbox letter carrying
a bank card number and a unit's published office line. Each page must fit its window (no sideways
scrolling of the page: a wide table scrolls inside its own box), no table cell may be narrower than two
characters of its font, and no id, document number, commit hash or review key may break across lines
(``layout_probe.js`` measures all three). A screenshot of each kind at each width goes to
``artifacts/screenshots/layout/`` (``<kind>-<width>.png``).
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from browsing import GIT_ENV, REPO, Session, copy_sample, git, sample, serve, write_item
from ducha.cli import main

SCREENSHOTS = REPO / "artifacts" / "screenshots" / "layout"
PROBE = (Path(__file__).parent / "layout_probe.js").read_text(encoding="utf-8")
VIEWPORTS = {"phone": (390, 844), "desktop": (1400, 900)}

MOVED = "DC-2026-0066"  # its deadline moved without an extension in a merged branch: A102
LETTER = "DC-2026-0903"
UNIT_LINE = "0791-86123456"  # 市数据资源局's office line, listed in the rules
CARD = "6222021234567890128"  # 19 digits, Luhn-valid
CARD_GROUPED = "6222 0212 3456 7890 128"

PAGES = {  # kind -> path
    "dashboard": "",
    "items": "items/",
    "list": "lists/all/overdue_open/",
    "batch-list": "lists/batch/cwhy_2026_04/total/",
    "stats-unit": "status/unit/",
    "stats-batch": "status/batch/",
    "scores": "status/scores/",
    "basis": "reference/stats/",
    "item": "items/DC-2026-0047/",
    "item-merged": f"items/{MOVED}/",
    "letter": f"items/{LETTER}/",
    "bulletins": "bulletins/",
    "bulletin": "bulletins/2026/notice-01/",
    "audit": "audit/",
    "audit-code": "lists/audit/code/A102/all/",
    "audit-item": f"lists/audit/item/{MOVED}/all/",
    "guide": "guide/",
    "guide-workflow": "guide/workflow/",
    "codes": "reference/codes/",
}


def _git_as(root: Path, author: tuple[str, str], date: str, *args: str) -> None:
    env = {**os.environ, **GIT_ENV, "GIT_AUTHOR_NAME": author[0], "GIT_AUTHOR_EMAIL": author[1],
           "GIT_COMMITTER_NAME": author[0], "GIT_COMMITTER_EMAIL": author[1],
           "GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date}  # fmt: skip
    subprocess.run(["git", *args], cwd=root, check=True, env=env, capture_output=True)


def _plant_letter(root: Path) -> None:
    data = sample("DC-2026-0055")
    data["id"] = LETTER
    data["summary"] = f"来信人反映：补贴未到账，银行卡号{CARD}（另一张 {CARD_GROUPED}）。"
    data["reply"]["text"] = f"已答复来信人：可致电市数据资源局办公室 {UNIT_LINE} 查询办理进度。"
    write_item(root, data)


@pytest.fixture(scope="session")
def layout_site(tmp_path_factory) -> Path:
    root = copy_sample(tmp_path_factory.mktemp("layout-ledger"))
    rules = root / "items" / "ledger.yml"
    assert f'phones: ["{UNIT_LINE}"]' in rules.read_text(encoding="utf-8")  # the sample lists the unit's office line
    _plant_letter(root)
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "台账", date="2026-11-25T18:00:00+08:00")
    git(root, "checkout", "-q", "-b", "deadline")
    item = root / "items" / "2026" / f"{MOVED}.yml"
    text = item.read_text(encoding="utf-8")
    item.write_text(text.replace("assigned: 2026-10-27\n", "assigned: 2026-10-27\ndeadline: 2026-12-31\n"), encoding="utf-8")
    clerk = ("吴昊", "wuhao@dcs.jiangzhou.gov.cn")
    _git_as(root, clerk, "2026-11-26T09:00:00+08:00", "commit", "-qam", f"{MOVED} 期限改为年底")
    git(root, "checkout", "-q", "main")
    git(root, "merge", "--no-ff", "-q", "-m", "合并请求：deadline", "deadline", date="2026-11-26T10:00:00+08:00")
    result = CliRunner().invoke(main, ["build", "--strict", "--root", str(root), "--as-of", "2026-11-30"])
    assert result.exit_code == 0, result.output
    site = root / "site"
    for kind, path in PAGES.items():
        assert (site / path / "index.html").is_file(), f"{kind}: {path} was not built"
    return site


@pytest.fixture(scope="module")
def layout_url(layout_site):
    with serve(layout_site) as url:
        yield url


def _problems(page) -> list[str]:
    found = page.evaluate(PROBE)
    out = []
    if found["width"] > found["viewport"]:
        out.append(f"page is {found['width']} px wide in a {found['viewport']} px window: {found['wide']}")
    out += [f"cell narrower than two characters: {c}" for c in found["narrow"][:5]]
    out += [f"broken over two lines: {t}" for t in found["broken"][:5]]
    return out


@pytest.mark.parametrize("device", VIEWPORTS)
def test_every_page_kind_fits_the_window(chromium, layout_url, device):
    width, height = VIEWPORTS[device]
    session = Session(chromium, layout_url, viewport={"width": width, "height": height})
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    problems = []
    try:
        for kind, path in PAGES.items():
            page = session.goto(path)
            problems += [f"{kind} ({path or '/'}): {p}" for p in _problems(page)]
            shot = SCREENSHOTS / f"{kind}-{width}.png"
            page.screenshot(path=str(shot))
            assert shot.stat().st_size > 5_000
        assert not session.errors, session.errors
        assert not session.external(), session.external()
    finally:
        session.close()
    assert not problems, f"at {width}×{height}:\n" + "\n".join(problems)


def test_the_probe_finds_what_it_looks_for(chromium, layout_url, tmp_path):
    """A page made to fail: a table wider than a phone, a squeezed cell, an id and a hash in a narrow box."""
    bad = """<!doctype html><meta charset="utf-8"><article style="font-size:16px">
    <table><tr><td style="width:1px;max-width:1px">市发展和改革委员会</td><td>x</td></tr></table>
    <div style="width:7em;overflow-wrap:anywhere">编号 DC-2026-0047 与提交 65bb5e19430cafe0</div>
    <table style="width:900px"><tr><td>宽表</td></tr></table></article>"""
    session = Session(chromium, layout_url, viewport={"width": 390, "height": 844})
    try:
        session.page.set_content(bad)
        found = session.page.evaluate(PROBE)
    finally:
        session.close()
    assert found["width"] > 390
    assert any(c.startswith("市发展和改革委员会") for c in found["narrow"])
    assert set(found["broken"]) >= {"DC-2026-0047", "65bb5e19430cafe0"}, found["broken"]


def test_phone_item_tables_are_cards_and_figures_scroll_in_their_box(chromium, layout_url):
    session = Session(chromium, layout_url, viewport={"width": 390, "height": 844})
    try:
        page = session.goto("")
        row = page.locator("#overdue ~ table.ducha-items tbody tr").first
        assert row.evaluate("r => getComputedStyle(r).display") == "block"
        assert "牵头单位" in row.locator("td[data-label='牵头单位']").evaluate("td => getComputedStyle(td, '::before').content")
        page = session.goto("status/unit/")
        box = page.locator(".ducha-scroll").first
        assert box.evaluate("b => b.scrollWidth > b.clientWidth"), "the table of figures is wider than a phone: it scrolls in its box"
        first = page.locator(".ducha-figures tbody td:first-child").first
        before = first.bounding_box()["x"]
        box.evaluate("b => { b.scrollLeft = 300; }")
        assert abs(first.bounding_box()["x"] - before) < 1, "the first column stays while the figures scroll"
        number = page.locator(".ducha-figures tbody td.ducha-n").first
        assert number.evaluate("td => getComputedStyle(td).textAlign") == "right"
    finally:
        session.close()


def test_unit_office_lines_stay_and_bank_cards_are_masked(layout_site):
    html = (layout_site / "items" / LETTER / "index.html").read_text(encoding="utf-8")
    assert UNIT_LINE in html, "a unit's office line listed in the rules is published as written"
    assert CARD not in html and "6222***********0128" in html
    assert CARD_GROUPED not in html and "6222 **** **** ***0 128" in html
    index = json.loads((layout_site / "search" / "search_index.json").read_text(encoding="utf-8"))
    text = json.dumps(index, ensure_ascii=False)
    assert CARD not in text and CARD_GROUPED not in text


def test_the_merged_change_names_its_author_and_who_merged_it(layout_site):
    html = (layout_site / "items" / MOVED / "index.html").read_text(encoding="utf-8")
    history = html.split("修改记录（git）", 1)[1]
    assert '<td data-label="修改人">吴昊</td><td data-label="合并">周敏</td>' in history
    assert "新增 办理期限：2026-12-31" in history
