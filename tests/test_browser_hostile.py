"""No text on the site can run script: hostile payloads planted through every channel, in real Chromium.

The sample ledger is copied into a git repository and payloads are planted through each channel text
reaches the site by:

- item fields (title, source, summary, progress), shown on item pages and lists, and copied by
  ``ducha bulletin new`` into the next bulletin's Markdown;
- names from the rules file (a unit, a category, a leader, a meeting's or document's title), in every table
  and in the drafted bulletin; an item's measurable target (its name and unit), quoted where it lags;
- a bulletin body written by staff (Markdown with ``attr_list``: event attributes, ``javascript:`` links
  inline and by reference, ``data:`` images, raw HTML);
- commit metadata (author name and e-mail, message), on the audit page and in item histories;
- paths: a folder or file name with markup is refused before anything is published (``D212``/``B107``).

Every payload, if it ran, would set a global ``window.__x_<name>``. Each page is loaded, every element of
the content is hovered and focused (``onmouseover``/``onfocus``), and the page must have set no such
global, hold no event attribute, no ``javascript:``/``data:`` link and no script, iframe or object in its
content. The site is served twice: plain, and under the Content-Security-Policy of ``deploy/nginx.conf``
(which must not need ``'unsafe-inline'`` for scripts: the theme's own scripts must still run, and no
page may log a CSP violation).
"""

from __future__ import annotations

import functools
import os
import re
import subprocess
import shutil
import threading
from http.server import ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from ducha.cli import main
from browsing import GIT_ENV, REPO, QuietHandler, Session, copy_sample, sample as _sample, write_item as _write_item

HOSTILE_ID = "DC-2026-0911"
HOSTILE_WORD = "渣土消纳"  # in the planted title, for search
UNIT, CATEGORY, LEADER = "rsj", "superior_assignment", "vmayor_chen"  # the planted item's (see DC-2026-0001)


def _payloads(tag: str, short: bool = False) -> str:
    """Markdown and HTML that would run script setting ``window.__x_<tag>_<n>`` (``short``: the three
    that fit in a title of 200 characters)."""
    g = f"window.__x_{tag}"
    if short:
        return f"![附](data:,x){{onerror='{g}_1=1'}}[附件](javascript:{g}_2=1)<img src=x onerror={g}_3=1>"
    return (
        f"![附]({'data:image/svg+xml,x'}){{onerror='{g}_1=1'}}"
        f"[附件](javascript:{g}_2=1)"
        f"<img src=x onerror={g}_3=1>"
        f'<a href="javascript:{g}_4=1">链接</a>'
        f"[点击]({'JaVaScRiPt'}:{g}_5=1){{onmouseover='{g}_6=1'}}"
        f"<svg onload={g}_7=1>"
        f"&lt;img src=x onerror={g}_8=1&gt;"
    )


HOSTILE_BODY = """

## 附加说明 {{onmouseover="window.__x_body_h=1" tabindex=0}}

### 目录标签 {{data-toc-label='<img src=x onerror=window.__x_body_toc=1>'}}

见![附](data:image/svg+xml,x){{onerror="window.__x_body_img=1"}}和[附件](javascript:window.__x_body_link=1)，
另见[参考附件][ref]、[大小写](JaVaScRiPt:window.__x_body_case=1)、[实体](&#106;avascript:window.__x_body_ent=1)、
[数据](data:text/html,<script>window.top.__x_body_data=1</script>)、<javascript:window.__x_body_auto=1>。

[焦点链接](https://example.invalid/){{onfocus="window.__x_body_focus=1" autofocus=""}}
[属性链接](../){{href="javascript:window.__x_body_attr=1"}}

<script>window.__x_body_script=1</script>
<iframe src="javascript:window.top.__x_body_iframe=1"></iframe>
<img src=x onerror="window.__x_body_raw=1">

<div markdown="1" onmouseover="window.__x_body_div=1">**加粗**</div>

{payloads}

[ref]: javascript:window.__x_body_ref=1
"""


def _plant_hostile_item(root: Path) -> None:
    """Open and long overdue with no reason given: listed for criticism in the next bulletin."""
    data = _sample("DC-2026-0001")
    for done in ("result", "reviews", "closed"):
        data.pop(done, None)
    for p in data.get("progress") or []:
        p.pop("delay_reason", None)
    data["extensions"] = []
    data.update(id=HOSTILE_ID, status="in_progress", title=f"{HOSTILE_WORD}专项整治{_payloads('title', short=True)}")
    data["source"] = f"市政府第9次常务会议纪要{_payloads('source')}"
    data["summary"] = f"拉网式排查。{_payloads('summary')}"
    data["progress"][0]["text"] = f"已组织联合执法检查。{_payloads('progress')}"
    # a work-report target behind schedule: its batch title, target name and unit are quoted by the bulletin
    data.update(batch="zfgzbg_2026", seq=99, target={"value": 100, "unit": f"户{_payloads('tunit', short=True)}",
                                                    "name": f"整治点位{_payloads('tname')}"})  # fmt: skip
    data["progress"][0]["value"] = 10
    if not data["extensions"]:
        data.pop("extensions")
    _write_item(root, data)


def _plant_hostile_names(root: Path) -> None:
    """A unit, a category and a leader whose names in the rules file carry payloads."""
    path = root / "items" / "ledger.yml"
    text = path.read_text(encoding="utf-8")

    def name(value: str) -> str:
        return yaml.safe_dump(value, allow_unicode=True, width=10_000, default_style='"').strip()

    text, n1 = re.subn(r"(?m)^(  rsj:\s+\{name: )市人力资源和社会保障局", lambda m: m.group(1) + name("市人力资源和社会保障局" + _payloads("unit")), text)
    text, n2 = re.subn(r"(?m)^(    name: )上级交办事项$", lambda m: m.group(1) + name("上级交办事项" + _payloads("category")), text)
    text, n3 = re.subn(r"(?m)^(  vmayor_chen:\s+\{name: )陈静", lambda m: m.group(1) + name("陈静" + _payloads("leader")), text)
    text, n4 = re.subn(r"(?m)^(  zfgzbg_2026: \{kind: work_report, number: 3, date: 2026-01-20, title: )[^}]*\}",
                       lambda m: m.group(1) + name("2026年市政府工作报告目标任务分解" + _payloads("batch")) + "}", text)
    assert (n1, n2, n3, n4) == (1, 1, 1, 1), "the sample's rules file changed: update the planting"
    path.write_text(text, encoding="utf-8")


def _git(root: Path, *args: str, date: str | None = None, env: dict | None = None) -> None:
    full = {**os.environ, **GIT_ENV, **(env or {})}
    if date:
        full["GIT_AUTHOR_DATE"] = full["GIT_COMMITTER_DATE"] = date
    subprocess.run(["git", *args], cwd=root, check=True, env=full, capture_output=True)


def _cli(*args: str):
    return CliRunner().invoke(main, [str(a) for a in args])


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("hostile-ledger")
    copy_sample(root)
    _plant_hostile_names(root)
    _plant_hostile_item(root)
    _git(root, "init", "-q", "-b", "main")
    _git(root, "add", "-A")
    _git(root, "commit", "-qm", "台账", date="2026-11-25T18:00:00+08:00")
    # the drafted bulletin copies item titles and unit names; staff then write hostile Markdown into it
    result = _cli("bulletin", "new", "--kind", "通报", "--as-of", "2026-11-25", "--date", "2026-11-26", "--root", root)
    assert result.exit_code == 0, result.output
    drafted = sorted((root / "bulletins" / "2026").glob("bulletin-*.md"))[-1]
    text = drafted.read_text(encoding="utf-8")
    assert HOSTILE_WORD in text, "the planted item is not in the drafted bulletin"
    drafted.write_text(text + HOSTILE_BODY.format(payloads=_payloads("body")), encoding="utf-8")
    # the same commit records progress on the item, so its history (修改记录) shows the commit's metadata
    item = root / "items" / "2026" / f"{HOSTILE_ID}.yml"
    data = yaml.safe_load(item.read_text(encoding="utf-8"))
    data["progress"].append({"date": "2026-11-26", "by": UNIT, "text": "已完成第二轮排查。"})
    _write_item(root, data)
    _git(root, "add", "-A")
    # commit metadata: git drops < and > from names, so the payloads use quotes and Markdown instead
    env = dict(
        GIT_AUTHOR_NAME='周敏" onmouseover="window.__x_author=1',
        GIT_AUTHOR_EMAIL='zhoumin"onmouseover="window.__x_mail=1"@dcs.jiangzhou.gov.cn',
    )
    message = f"起草通报{_payloads('commit')}\n\n说明：{_payloads('commitbody')}"
    _git(root, "commit", "-qm", message, date="2026-11-26T09:00:00+08:00", env=env)
    result = _cli("build", "--strict", "--root", root)
    assert result.exit_code == 0, result.output
    site = root / "site"
    assert (site / "items" / HOSTILE_ID / "index.html").is_file()
    return site


def _csp() -> str:
    conf = (REPO / "deploy" / "nginx.conf").read_text(encoding="utf-8")
    return re.search(r'add_header Content-Security-Policy "([^"]+)"', conf).group(1)


def _serve(site: Path, headers: dict[str, str]):
    class Handler(QuietHandler):
        def end_headers(self):
            for key, value in headers.items():
                self.send_header(key, value)
            super().end_headers()

    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture(scope="module", params=["plain", "csp"])
def served(request, hostile_site):
    headers = {"Content-Security-Policy": _csp()} if request.param == "csp" else {}
    server = _serve(hostile_site, headers)
    yield request.param, f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


@pytest.fixture
def browser(chromium, served):
    session = Session(chromium, served[1])
    session.dialogs = []
    session.page.on("dialog", lambda d: (session.dialogs.append(d.message), d.dismiss()))
    yield session
    session.close()


_PROBE = """() => {
  const article = document.querySelector("article") || document.body;
  for (const el of article.querySelectorAll("*")) {
    for (const type of ["mouseover", "mouseenter", "focus", "click"]) {
      if (type === "click" && el.closest("a[href]")) continue;  // do not navigate away
      try { el.dispatchEvent(new Event(type, {bubbles: true})); } catch (e) {}
    }
  }
  const ran = Object.keys(window).filter(k => k.startsWith("__x_"));
  const handlers = [];
  for (const el of document.querySelectorAll("*"))
    for (const a of el.attributes) if (/^on/i.test(a.name)) handlers.push(el.tagName + " " + a.name);
  const urls = [];
  for (const el of document.querySelectorAll("[href],[src],[action],[formaction],[data]"))
    for (const name of ["href", "src", "action", "formaction", "data"]) {
      const v = (el.getAttribute(name) || "").replace(/[\\s\\u0000-\\u001f]/g, "").toLowerCase();
      if (/^(javascript|vbscript|data):/.test(v)) urls.push(el.tagName + " " + name + "=" + v.slice(0, 40));
    }
  const embedded = [...article.querySelectorAll("script,iframe,object,embed,frame,svg[onload],base,meta,form")]
    .map(e => e.tagName);
  return {ran, handlers, urls, embedded};
}"""


def _assert_inert(browser: Session, path: str, expect: str | None = None) -> str:
    page = browser.goto(path)
    page.wait_for_timeout(300)  # let onerror handlers of broken images fire, if any were left
    if expect is not None:
        assert expect in page.locator("article").inner_text(), f"{path}: the planted text is not on the page"
    found = page.evaluate(_PROBE)
    page.wait_for_timeout(100)
    found["ran"] = page.evaluate("() => Object.keys(window).filter(k => k.startsWith('__x_'))")
    assert found == {"ran": [], "handlers": [], "urls": [], "embedded": []}, f"{path}: {found}"
    assert not browser.dialogs, f"{path}: dialogs {browser.dialogs}"
    assert not browser.errors, f"{path}: console errors (a CSP violation is one):\n" + "\n".join(browser.errors)
    assert not browser.external(), f"{path}: requests left localhost: {browser.external()}"
    return page.content()


def _bulletin_path(site: Path) -> str:
    pages = sorted((site / "bulletins" / "2026").glob("bulletin-*/index.html"))
    return pages[-1].parent.relative_to(site).as_posix() + "/"


def test_item_page_is_inert(browser):
    _assert_inert(browser, f"items/{HOSTILE_ID}/", expect=HOSTILE_WORD)
    history = browser.page.locator("article").inner_text()
    assert "起草通报" in history and 'onmouseover="window.__x_author=1' in history, "the hostile commit is not in the item's history"


def test_drafted_bulletin_with_hostile_item_names_and_body_is_inert(browser, hostile_site):
    _assert_inert(browser, _bulletin_path(hostile_site), expect=HOSTILE_WORD)
    # shown as written, not dropped: the reader sees what the clerk typed
    text = browser.page.locator("article").inner_text()
    assert "{onerror='window.__x_title_1=1'}" in text
    assert "[附件](javascript:window.__x_title_2=1)" in text
    assert "附加说明" in text and "加粗" in text and "<img src=x onerror=window.__x_title_3=1>" in text


def test_planted_batch_title_and_target_are_quoted_as_text_where_the_bulletin_names_the_lagging_item(browser, hostile_site):
    _assert_inert(browser, _bulletin_path(hostile_site), expect="进展滞后的事项")
    text = browser.page.locator("article").inner_text()
    assert "第99件" in text and "整治点位" in text and "[附件](javascript:window.__x_tname_2=1)" in text
    assert "2026年市政府工作报告目标任务分解" in text and "<img src=x onerror=window.__x_batch_3=1>" in text


@pytest.mark.parametrize(
    "path",
    ["", "items/", "bulletins/", "audit/", "status/unit/", "status/category/", "status/leader/", "status/batch/", "status/batch_kind/",
     "status/scores/", "reference/stats/"],
)
def test_pages_with_planted_names_and_commits_are_inert(browser, path):
    _assert_inert(browser, path)


def test_audit_page_shows_the_hostile_commit_as_text(browser):
    _assert_inert(browser, "audit/", expect="起草通报")


def test_figure_lists_of_the_bulletin_are_inert(browser, hostile_site):
    lists = sorted((hostile_site / "lists" / "bulletins").rglob("index.html"))
    assert lists, "the bulletin's figures link to no list pages"
    for page in lists[:5]:
        _assert_inert(browser, page.parent.relative_to(hostile_site).as_posix() + "/")


def test_search_results_for_the_hostile_item_are_inert(browser, served):
    page = browser.goto("")
    browser.search(HOSTILE_WORD, f"items/{HOSTILE_ID}/")
    page.wait_for_timeout(300)
    ran = page.evaluate("() => Object.keys(window).filter(k => k.startsWith('__x_'))")
    assert ran == [] and not browser.errors, (ran, browser.errors)


def test_theme_scripts_run_under_the_csp(browser, served):
    """The CSP has no 'unsafe-inline' for scripts, and the theme still works under it: search opens,
    tables sort (ducha.js and tablesort), and no page logs a refused inline script."""
    assert "'unsafe-inline'" not in re.search(r"script-src([^;]*)", _csp()).group(1)
    page = browser.goto("items/")
    assert page.evaluate("() => typeof __md_get === 'function' && typeof __md_scope === 'object'")
    header = page.locator("table.ducha-table thead th").first
    header.click()
    assert page.locator("table.ducha-table thead th[aria-sort]").count() >= 1
    browser.search(HOSTILE_WORD, f"items/{HOSTILE_ID}/")
    assert not browser.errors, browser.errors


# -- paths: refused before anything is published --------------------------------------------------


def test_markup_in_item_and_bulletin_paths_is_refused(tmp_path):
    from gitutil import make_item, make_repo

    repo = make_repo(tmp_path)
    repo.write_item(make_item("DC-2026-0001", "assigned"), rel='items/"><img src=x onerror=alert(1)>/2026/DC-2026-0001.yml')
    repo.write_item(make_item("DC-2026-0002", "assigned"), rel="items/2026/DC-2026-0002.yml")
    shutil.copy(REPO / "mkdocs.yml", repo.path / "mkdocs.yml")
    shutil.copytree(REPO / "site_src", repo.path / "site_src")
    repo.commit("登记", "2026-11-16")
    for args in (["--worktree"], []):  # the work tree, and the committed ledger as of a day
        result = _cli("check", "--root", repo.path, "--as-of", "2026-11-20", *args)
        assert result.exit_code == 1, result.output
        assert "D212" in result.output and "此文件未读取" in result.output, result.output
    result = _cli("build", "--root", repo.path, "--as-of", "2026-11-20")
    assert result.exit_code != 0 and "D212" in result.output, result.output
    assert not (repo.path / "site").exists()


def test_bulletin_in_a_markup_folder_is_not_published(tmp_path):
    from ducha import load_bulletins

    (tmp_path / "bulletins" / "2026" / '"><img src=x onerror=alert(1)>').mkdir(parents=True)
    bad = tmp_path / "bulletins" / "2026" / '"><img src=x onerror=alert(1)>' / "bulletin-01.md"
    bad.write_text("---\nkind: bulletin\n---\n正文\n", encoding="utf-8")
    deep = tmp_path / "bulletins" / "old" / "2026" / "bulletin-01.md"
    deep.parent.mkdir(parents=True)
    deep.write_text("---\nkind: bulletin\n---\n正文\n", encoding="utf-8")
    bulletins, findings = load_bulletins(tmp_path)
    assert bulletins == []
    assert sorted((f.code, f.path) for f in findings) == sorted(
        [("B107", bad.relative_to(tmp_path).as_posix()), ("B107", deep.relative_to(tmp_path).as_posix())]
    )
