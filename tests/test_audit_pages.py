"""The 审计 pages: every finding newest first, summarised by code (the counts ``ducha audit`` gives), filtered by
code, unit, item and review state in static pages, and the dashboard and item lists marking the items with open
findings.  A real ledger with a review register, built with ``ducha build`` and read in Chromium."""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
import shutil
import threading
from collections import Counter
from http.server import ThreadingHTTPServer

import pytest
from click.testing import CliRunner
from gitutil import OUTSIDER, PROJECT, make_item, make_repo

from browsing import QuietHandler, Session
from ducha.cli import main

D = dt.date.fromisoformat
ROW = re.compile(r'<tr data-review="(\w+)" data-code="(A\d{3})">(.*?)</tr>', re.S)


def run(*args):
    result = CliRunner().invoke(main, [str(a) for a in args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result


def late(item_id: str, unit: str, written: str) -> dict:
    """Closed "on ``written``": result, review and closure all dated that day (the commit lands later)."""
    data = make_item(item_id, "closed", lead_unit=unit)
    data["result"]["reported"] = data["reviews"][0]["date"] = data["closed"] = D(written)
    return data


@pytest.fixture(scope="module")
def ledger(tmp_path_factory):
    """Three items of two units; findings on four commits (the last one by an outsider); a review register
    that accepts one finding and rejects another; built with the sample site's configuration."""
    repo = make_repo(tmp_path_factory.mktemp("audit-pages"))
    repo.pull_request("register", [("2026-11-16", make_item(f"DC-2026-000{n}", "assigned", lead_unit=u)) for n, u in ((1, "fgw"), (2, "zjj"), (3, "fgw"))])
    repo.write_item(make_item("DC-2026-0002", "in_progress", lead_unit="zjj"))
    repo.commit("直接补录进展", "2026-11-18")  # A105, and its progress dated 11-18: no A101
    repo.pull_request("close-1", [("2026-11-27", late("DC-2026-0001", "fgw", "2026-11-20"))])  # A101 x4, A109
    repo.pull_request("close-2", [("2026-11-28", late("DC-2026-0002", "zjj", "2026-11-21"))], merger=OUTSIDER)  # A101, A109, A106
    findings = json.loads(run("audit", "--root", repo.path, "--format", "json").stdout)
    closed_1 = next(f for f in findings if f["item"] == "DC-2026-0001" and f["field"] == "closed")
    closed_2 = next(f for f in findings if f["item"] == "DC-2026-0002" and f["field"] == "closed")
    key = lambda f: f"{f['code']}:{f['item']}:{f['commit'][:10]}:{f['field']}"  # noqa: E731
    entry = "  - finding: {}\n    reviewer: 吴昊\n    date: 2026-11-29\n    decision: {}\n    note: 已核对纸质台账。\n"
    repo.write("audit/reviews.yml", "reviews:\n" + entry.format(key(closed_1), "属实已核") + entry.format(key(closed_2), "不予认可"))
    shutil.copy(PROJECT / "mkdocs.yml", repo.path / "mkdocs.yml")
    shutil.copytree(PROJECT / "site_src", repo.path / "site_src")
    repo.pull_request("review", [("2026-11-29", None)])
    built = run("build", "--root", repo.path)
    assert built.exit_code == 0, built.output
    return repo


def audited(repo) -> list[dict]:
    return json.loads(run("audit", "--root", repo.path, "--format", "json").stdout)


def page(repo, path: str) -> str:
    return (repo.path / "site" / path / "index.html").read_text(encoding="utf-8")


def keys(html: str) -> list[str]:
    return [re.sub(r"<[^>]+>", "", m) for m in re.findall(r'<code class="ducha-key"[^>]*>(.*?)</code>', html)]


def test_the_audit_page_lists_every_finding_newest_first(ledger):
    findings = audited(ledger)
    assert {f["review"] for f in findings} == {"", "accepted", "rejected"}
    commits = [c for c in ledger.git("log", "--first-parent", "--format=%H").split()]  # newest first
    expected = sorted(findings, key=lambda f: commits.index(f["commit"]))  # stable: a commit's own order kept
    html = page(ledger, "audit")
    assert f"审计发现（{len(findings)} 条）" in html
    assert keys(html) == [f"{f['code']}:{f['item'] or '-'}:{f['commit'][:10]}:{f['field'] or '-'}" for f in expected]
    assert findings[0]["commit"] != expected[0]["commit"]  # ducha audit lists oldest first, the page newest first
    first = ROW.search(html).group(3)
    assert expected[0]["commit"][:10] in first and expected[0]["landed"] in first and "王五" in first


def test_the_summary_counts_each_code_as_ducha_audit_does(ledger):
    findings = audited(ledger)
    html = page(ledger, "audit")
    table = html.split('class="ducha-table ducha-audit-summary"')[1].split("</table>")[0]
    shown = {}
    for code, cells in re.findall(r'<tr><td><a href="[^"]*#(A\d{3})">A\d{3}</a></td>(.*?)</tr>', table, re.S):
        shown[code] = [int(re.sub(r"<[^>]+>", "", c)) for c in re.findall(r"<td>(.*?)</td>", cells)[1:]]
    want = {c: [0, 0, 0] for c in {f["code"] for f in findings}}
    for f in findings:
        want[f["code"]][0 if not f["review"] else 1] += 1
        want[f["code"]][2] += 1
    assert shown == want and set(want) == {"A101", "A105", "A106", "A109"}
    # each count links to its filtered list, which lists exactly those findings
    assert '<a href="../lists/audit/code/A101/reviewed/">2</a>' in table
    reviewed = page(ledger, "lists/audit/code/A101/reviewed")
    assert sorted(m[0] for m in ROW.findall(reviewed)) == ["accepted", "rejected"]
    assert "属实已核" in reviewed and "不予认可" in reviewed


def test_the_filters_by_unit_and_commit_list_the_findings_of_each(ledger):
    findings = audited(ledger)
    fgw = page(ledger, "lists/audit/unit/fgw/all")
    assert sorted(keys(fgw)) == sorted(k for k, f in _keyed(findings) if f["item"] == "DC-2026-0001")
    assert "市发展和改革委员会" in fgw
    commit_level = page(ledger, "lists/audit/commit/all")
    assert Counter(m[1] for m in ROW.findall(commit_level)) == Counter(f["code"] for f in findings if not f["item"])
    open_ = page(ledger, "lists/audit/all/open")
    assert len(ROW.findall(open_)) == sum(1 for f in findings if not f["review"])
    assert {m[0] for m in ROW.findall(open_)} == {"open"}


def _keyed(findings):
    return [(f"{f['code']}:{f['item'] or '-'}:{f['commit'][:10]}:{f['field'] or '-'}", f) for f in findings]


def test_the_dashboard_counts_and_lists_the_items_with_open_findings(ledger):
    findings = audited(ledger)
    with_open = sorted({f["item"] for f in findings if f["item"] and not f["review"]})
    assert with_open == ["DC-2026-0001", "DC-2026-0002"]
    dashboard = page(ledger, "")
    link = f'<a href="lists/audit/items-open/">{len(with_open)} 个事项有待复核的审计发现</a>'
    assert link in dashboard
    listed = page(ledger, "lists/audit/items-open")
    assert sorted(set(re.findall(r'href="../../../items/(DC-2026-\d{4})/"', listed))) == with_open
    # each row marks its open findings, linked to that item's findings
    n = sum(1 for f in findings if f["item"] == "DC-2026-0001" and not f["review"])
    assert f'<a class="ducha-audit-mark" href="../item/DC-2026-0001/all/" title="{n} 条审计发现待复核">审计 {n}</a>' in listed
    everything = page(ledger, "items")
    assert everything.count('class="ducha-audit-mark"') == 2  # DC-2026-0003 has none
    item_findings = page(ledger, "lists/audit/item/DC-2026-0001/all")
    assert len(ROW.findall(item_findings)) == sum(1 for f in findings if f["item"] == "DC-2026-0001")


@pytest.fixture(scope="module")
def served(ledger):
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(ledger.path / "site")))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


def shown_rows(page) -> list[tuple[str, str]]:
    rows = page.locator("table.ducha-audit tbody tr")
    return [(rows.nth(i).get_attribute("data-code"), rows.nth(i).get_attribute("data-review")) for i in range(rows.count())]


@pytest.mark.parametrize("script", [True, False], ids=["js", "no-js"])
def test_filtering_by_code_and_review_state_in_chromium(ledger, served, chromium, script):
    findings = audited(ledger)
    phone = {} if script else {"java_script_enabled": False, "viewport": {"width": 390, "height": 800}}
    session = Session(chromium, served, **phone)
    try:
        page = session.goto("audit/")
        assert len(shown_rows(page)) == len(findings)
        page.locator(".ducha-filters a.ducha-chip", has_text="A101").click()
        page.wait_for_load_state("load")
        assert {c for c, _ in shown_rows(page)} == {"A101"}
        assert len(shown_rows(page)) == sum(1 for f in findings if f["code"] == "A101")
        page.locator(".ducha-filters a.ducha-chip", has_text="待复核").click()
        page.wait_for_load_state("load")
        want = sum(1 for f in findings if f["code"] == "A101" and not f["review"])
        assert set(shown_rows(page)) == {("A101", "open")} and len(shown_rows(page)) == want
        assert page.locator(".ducha-chip--on").all_inner_texts() == [f"待复核 {want}", f"A101 {want}"]
        page.locator(".ducha-filters a.ducha-chip", has_text="已复核").click()
        page.wait_for_load_state("load")
        assert sorted(r for _, r in shown_rows(page)) == ["accepted", "rejected"]
        assert session.external() == [] and session.errors == []
    finally:
        session.close()
