"""The built intranet site in a real browser: headless Chromium through Playwright.

Once per session the sample ledger is copied into a temporary git repository
(fixed authors and dates), three items are planted — one whose title and
progress carry markup that must never run, one mayor's-mailbox letter with a
known phone and ID-card number that must never be published — and the site is
built with the real ``ducha build``.  A ``http.server`` thread serves it on a
free localhost port and Chromium clicks through it.

These tests never skip: without Chromium (``/usr/bin/chromium``, Debian package
``chromium``; CJK glyphs need ``fonts-noto-cjk``) they fail and say what is missing.
Screenshots for CI are written to ``artifacts/screenshots/``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import urljoin

import pytest
from click.testing import CliRunner

from browsing import GIT_ENV, REPO, Session, copy_sample, QuietHandler, git as _git, sample as _sample, serve, write_item as _write_item  # noqa: F401
from ducha.cli import main

SCREENSHOTS = REPO / "artifacts" / "screenshots"

# A sample item, and a word of its title as jieba segments it into the search index.
SAMPLE_ID = "DC-2026-0001"
SEARCH_WORD = "欠薪"

# Planted: markup in the title and in a progress entry.
XSS_ID = "DC-2026-0901"
XSS_SCRIPT = "<script>window.__pwned=1</script>"
XSS_TITLE_IMG = '<img src=x onerror="window.__pwned3=1">'
XSS_TITLE = f"渣土车抛洒滴漏专项整治{XSS_SCRIPT}{XSS_TITLE_IMG}"
XSS_PROGRESS = '已组织联合执法检查。<img src=x onerror="window.__pwned2=1">'
XSS_WORD = "渣土车"

# Planted: a mayor's-mailbox letter with personal data, in the citizen record and in free text.
MAILBOX_ID = "DC-2026-0902"
PHONE = "13912345678"
PHONE_MASKED = "139****5678"
ID_NUMBER = "110101199003071234"
ID_MASKED = "1101**********1234"
CITIZEN = "欧阳秀兰"
FULL_WIDTH_PHONE = "１３９１２３４５６７８"  # typed with a Chinese input method
OLD_ID_NUMBER = "110101900307123"  # first-generation, 15 digits
RAW_FORMS = [PHONE, "139-1234-5678", "139 1234 5678", ID_NUMBER, "110101 19900307 1234", FULL_WIDTH_PHONE, OLD_ID_NUMBER, CITIZEN]



# -- the site ------------------------------------------------------------------


def _plant_xss(root: Path) -> None:
    """Open and long overdue, so the item is also listed on the dashboard."""
    data = _sample(SAMPLE_ID)
    for done in ("result", "reviews", "closed"):
        data.pop(done)
    data.update(id=XSS_ID, title=XSS_TITLE, status="in_progress")
    data["progress"][0]["text"] = XSS_PROGRESS
    _write_item(root, data)


def _plant_mailbox(root: Path) -> None:
    data = _sample("DC-2026-0055")
    assert data["category"] == "mayor_mailbox"
    data["id"] = MAILBOX_ID
    data["citizen"] = {"name": CITIZEN, "phone": PHONE, "id_number": ID_NUMBER}
    data["summary"] = (
        f"来信人（身份证号{ID_NUMBER}，电话{PHONE}）反映：红星新村下水道堵塞反溢。"
        "来信人留有备用号码 139-1234-5678，并请答复到 +86 139 1234 5678；其子身份证号 110101 19900307 1234。"
        f"另留手机{FULL_WIDTH_PHONE}，其父旧身份证号{OLD_ID_NUMBER}。"
    )
    data["progress"][0]["text"] += f"已电话（{PHONE}）联系来信人确认清掏时间。"
    data["reply"]["text"] = f"街道工作人员拨打来信人电话 {PHONE} 告知处理结果。"
    _write_item(root, data)


@pytest.fixture(scope="session")
def built_site(tmp_path_factory) -> Path:
    """The sample ledger plus planted items, as a git repository, built with ``ducha build``."""
    root = tmp_path_factory.mktemp("browser-ledger")
    copy_sample(root)
    _plant_xss(root)
    _git(root, "init", "-q", "-b", "main")
    _git(root, "add", "-A")
    _git(root, "commit", "-qm", "台账", date="2026-11-25T18:00:00+08:00")
    _plant_mailbox(root)
    _git(root, "add", "-A")
    # Staff sometimes copy the letter's sender into the commit message.
    message = f"登记市长信箱来信 {MAILBOX_ID}（来信人{CITIZEN}，电话 {PHONE}）"
    _git(root, "commit", "-qm", message, date="2026-11-26T09:00:00+08:00")
    result = CliRunner().invoke(main, ["build", "--strict", "--root", str(root)])
    assert result.exit_code == 0, result.output
    site = root / "site"
    assert (site / "items" / MAILBOX_ID / "index.html").is_file()
    return site


@pytest.fixture(scope="session")
def base_url(built_site) -> str:
    with serve(built_site) as url:
        yield url


# -- the browser ---------------------------------------------------------------


@pytest.fixture
def browser(chromium, base_url):
    session = Session(chromium, base_url)
    yield session
    session.close()


def _no_errors(browser: Session):
    assert not browser.errors, "console errors:\n" + "\n".join(browser.errors)
    assert not browser.external(), f"requests left localhost: {browser.external()}"


# -- tests ---------------------------------------------------------------------


def test_dashboard_loads_without_console_errors(browser):
    page = browser.goto("/")
    assert "督查" in page.title()
    assert page.locator("h1").first.is_visible()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "dashboard.png"), full_page=True)
    assert (SCREENSHOTS / "dashboard.png").stat().st_size > 10_000
    _no_errors(browser)


def test_items_list_links_to_item_pages(browser, built_site):
    title = _sample(SAMPLE_ID)["title"]
    page = browser.goto("items/")
    rows = page.locator("table.ducha-table tbody tr")
    assert rows.count() == len(list((built_site / "items").glob("DC-*/index.html")))
    page.locator("table.ducha-table tbody a", has_text=title).first.click()
    page.wait_for_url(f"**/items/{SAMPLE_ID}/")
    assert page.locator("h1").first.inner_text() == title
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "item.png"), full_page=True)
    assert (SCREENSHOTS / "item.png").stat().st_size > 10_000
    _no_errors(browser)


def _dashboard_numbers(built_site: Path) -> list[tuple[str, int]]:
    """(list page URL, number) for every number on the dashboard that links to a list of items."""
    html = (built_site / "index.html").read_text(encoding="utf-8")
    article = html[html.index("<article") : html.index("</article>")]
    return [(href, int(n)) for href, n in re.findall(r'<a href="(lists/[^"#]+)">(\d+)</a>', article)]


def _list_total(built_site: Path, href: str) -> tuple[int, int]:
    """A list page's stated total ("共 N 项") and the rows of all its pages."""
    first = built_site / href / "index.html"
    html = first.read_text(encoding="utf-8")
    total = int(re.search(r"共 <strong>(\d+)</strong> 项", html).group(1))
    rows = 0
    for page in [first] + [built_site / f"{href.rstrip('/')}-{n}" / "index.html" for n in range(2, 1000)]:
        if not page.is_file():
            break
        text = page.read_text(encoding="utf-8")
        if "<tbody>" in text:
            rows += text.split("<tbody>", 1)[1].split("</tbody>", 1)[0].count("<tr")
    return total, rows


def test_every_dashboard_number_is_the_length_of_its_list(built_site):
    numbers = _dashboard_numbers(built_site)
    assert len(numbers) >= 8, numbers
    for href, n in numbers:
        assert _list_total(built_site, href) == (n, n), href


def test_dashboard_number_links_to_its_list_and_on_to_an_item(browser, built_site):
    page = browser.goto("/")
    href, n = next((h, n) for h, n in _dashboard_numbers(built_site) if h.endswith("overdue_open/"))
    assert 0 < n <= 200, "the sample has overdue items, all on the list's first page"
    page.locator(f'article a[href="{href}"]').first.click()
    page.wait_for_url(f"**/{href}")
    rows = page.locator("table.ducha-table tbody tr")
    assert rows.count() == n
    assert f"共 {n} 项" in page.locator("article").inner_text()
    first = rows.first.locator("td a").nth(1)
    title = first.inner_text()
    target = first.get_attribute("href")
    first.click()
    page.wait_for_url(re.compile(r".*/items/DC-\d{4}-\d{4}/$"))
    assert page.url.rstrip("/").endswith(target.rstrip("/").rsplit("/", 1)[-1])
    assert page.locator("h1").first.inner_text() == title
    assert "超期" in page.locator("article").inner_text()
    _no_errors(browser)


def test_searching_a_chinese_word_of_a_title_finds_the_item(browser):
    browser.goto("/")
    link = browser.search(SEARCH_WORD, f"items/{SAMPLE_ID}/")
    link.first.click()
    browser.page.wait_for_url(f"**/items/{SAMPLE_ID}/**")
    assert SEARCH_WORD in browser.page.locator("h1").first.inner_text()
    _no_errors(browser)


def test_no_request_leaves_localhost(browser):
    pages = ["/", "items/", "lists/all/overdue_open/", "status/unit/", f"items/{SAMPLE_ID}/", f"items/{MAILBOX_ID}/"]
    for path in pages + ["audit/", "reference/codes/", "404.html"]:
        browser.page.goto(urljoin(browser.base, path))
        browser.page.wait_for_load_state("networkidle")
    browser.search(SEARCH_WORD, f"items/{SAMPLE_ID}/")
    browser.page.wait_for_load_state("networkidle")
    assert any(u.endswith("search/search_index.json") for u in browser.requests), "the search index was never loaded"
    assert not browser.external(), "requests left localhost:\n" + "\n".join(browser.external())


def test_markup_in_item_text_is_shown_not_run(browser):
    page = browser.goto(f"items/{XSS_ID}/")
    h1 = page.locator("h1").first.inner_text()
    assert XSS_SCRIPT in h1 and XSS_TITLE_IMG in h1, h1
    assert XSS_PROGRESS in page.locator(".ducha-timeline").inner_text()
    assert page.locator("img[src=x]").count() == 0
    assert page.evaluate("[window.__pwned, window.__pwned2, window.__pwned3]") == [None, None, None]
    for path in ("/", "items/", "lists/all/overdue_open/"):
        page = browser.goto(path)
        assert XSS_SCRIPT in page.locator("table.ducha-table", has_text=XSS_WORD).first.inner_text(), path
        assert page.evaluate("[window.__pwned, window.__pwned2, window.__pwned3]") == [None, None, None]
    # the search index holds the title too: its results must show it as text
    results = browser.search(XSS_WORD, f"items/{XSS_ID}/")
    assert "<script>" in results.first.inner_text()
    assert page.locator(".md-search-result img").count() == 0
    assert page.evaluate("[window.__pwned, window.__pwned2, window.__pwned3]") == [None, None, None]
    _no_errors(browser)


def test_personal_data_is_masked_on_every_page(browser, built_site):
    files = sorted(built_site.rglob("*.html")) + [built_site / "search" / "search_index.json"]
    assert len(files) > 90
    for path in files:
        text = path.read_text(encoding="utf-8")
        if path.suffix == ".json":
            text = json.dumps(json.loads(text), ensure_ascii=False).replace("\u200b", "")
        leaked = [raw for raw in RAW_FORMS if raw in text]
        joined = re.sub(r"(?<=\d)[\s\-\u200b]+(?=\d)", "", text)
        if not leaked and (PHONE in joined or ID_NUMBER in joined):
            leaked = ["a raw number written with separators"]
        assert not leaked, f"{path.relative_to(built_site)} publishes {leaked}"
    page = browser.goto(f"items/{MAILBOX_ID}/")
    body = page.locator("article").inner_text()
    assert f"电话 {PHONE_MASKED}" in body and f"证件号 {ID_MASKED}" in body
    assert f"身份证号{ID_MASKED}，电话{PHONE_MASKED}" in body
    assert "备用号码 139-****-5678" in body and "+86 139 **** 5678" in body and "其子身份证号 1101** ******** 1234" in body
    assert "另留手机１３９****５６７８，其父旧身份证号1101********123。" in body
    assert "欧***" in body and f"来信人欧***，电话 {PHONE_MASKED}" in body  # the commit message in the history table
    page = browser.goto("audit/")
    assert f"来信人欧***，电话 {PHONE_MASKED}" in page.locator("#recent ~ table").inner_text()
    assert PHONE not in page.content() and ID_NUMBER not in page.content()
    _no_errors(browser)


def test_a_bulletin_page_prints_as_the_bulletin_without_its_figure_table(browser, built_site, tmp_path):
    """Printed from the browser (Chromium's own PDF, A4): the bulletin's text with its 数据来源与核对 note, none of
    the site's header, navigation or the 文中数字 table, which lists every figure with its items and stays online."""
    import unicodedata

    import pdfplumber

    page = browser.goto("bulletins/2026/bulletin-01/")
    assert page.locator("h2#figures ~ * table, h2#figures ~ table").count() >= 1  # on screen the table is there
    pdf = tmp_path / "printed.pdf"
    page.emulate_media(media="print")
    page.pdf(path=str(pdf), format="A4", print_background=False)
    with pdfplumber.open(pdf) as doc:
        text = unicodedata.normalize("NFKC", "".join(p.extract_text() or "" for p in doc.pages))  # ⽉ (a radical) → 月
        pages = len(doc.pages)
    assert "关于2026年11月督查事项办理情况的通报" in text and "数据来源与核对" in text
    assert "所涉事项" not in text and "督查督办台账" not in text  # the figure table's header, the site's title bar
    assert pages <= 8, pages
