"""``ducha audit``: each audit code (A1xx) planted once in an otherwise clean history, and a clean
history giving nothing.  Real git repositories with fixed dates and authors (tests/gitutil.py)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import shutil
import subprocess

import pytest
from click.testing import CliRunner
from gitutil import OUTSIDER, WU, ZHOU, item_path, make_item, make_repo

from ducha.core import codes
from ducha.cli import main

D = dt.date.fromisoformat
ITEM = "DC-2026-0001"
OTHER = "DC-2026-0002"
REQUEST = {"requested": D("2026-11-17"), "reason": "征地协调需要更多时间。"}
DECISION = {"approved_by": "mayor_zhang", "approved": D("2026-11-19"), "new_deadline": D("2026-12-30")}


AUDIT_AS_OF = "2026-12-31"  # later than every commit of these tests: no A117 (commit dated after the as-of day)


def audit(repo, *args):
    result = CliRunner().invoke(main, ["audit", "--root", str(repo.path), "--format", "json", "--as-of", AUDIT_AS_OF, *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def found(findings):
    return [(f["code"], f["item"], f["commit"]) for f in findings]


def history(tmp_path, **audit_rules):
    """A clean history: every change to an item came through a --no-ff merge by staff on the day it
    records; an extension requested on one day and decided two days later in another pull request."""
    repo = make_repo(tmp_path, **audit_rules)
    repo.pull_request("register", [("2026-11-16", make_item(ITEM, "assigned")), ("2026-11-16", make_item(OTHER, "assigned"))])
    repo.pull_request("progress", [("2026-11-18", make_item(ITEM, "in_progress"))])
    repo.pull_request("extension", [("2026-11-17", make_item(OTHER, "assigned", extensions=[REQUEST]))], "2026-11-18")
    repo.pull_request("decide", [("2026-11-19", make_item(OTHER, "assigned", extensions=[{**REQUEST, **DECISION}]))], merger=WU)
    return repo


def pr(repo, name, date, data, **kw):
    return repo.pull_request(name, [(date, data)], **kw)


def test_clean_history_has_no_findings(tmp_path):
    repo = history(tmp_path)
    repo.pull_request(
        "report-and-close",
        [
            ("2026-11-20", make_item(ITEM, "reported")),
            ("2026-11-23", make_item(ITEM, "closed")),
        ],
        merge_date="2026-11-23",  # the report written on 11-20 enters main 3 days later: within tolerance
        merger=WU,
    )
    assert audit(repo) == []


def test_a101_backdated_closure(tmp_path):
    repo = history(tmp_path)
    pr(repo, "report", "2026-11-20", make_item(ITEM, "reported"))
    reviewed = make_item(ITEM, "reported", reviews=make_item(ITEM, "closed")["reviews"])
    pr(repo, "review", "2026-11-23", reviewed)
    sha = pr(repo, "close", "2026-12-13", make_item(ITEM, "closed"))  # closed: 2026-11-23, written 20 days later
    findings = audit(repo)
    assert found(findings) == [("A101", ITEM, sha)]
    assert findings[0]["message"] == "closed 记为 2026-11-23，而写入它的提交在 2026-12-13，提交比记录日期晚 20 天（容许 3 天）。"
    assert (findings[0]["author"], findings[0]["date"]) == (ZHOU[0], "2026-12-13T10:00:00+08:00")


def test_a101_future_dated_progress(tmp_path):
    repo = history(tmp_path)
    data = make_item(ITEM, "in_progress")
    data["progress"] = [*data["progress"], {"date": D("2026-11-30"), "by": "fgw", "text": "主体工程完工。"}]
    sha = pr(repo, "progress-2", "2026-11-20", data)
    findings = audit(repo)
    assert found(findings) == [("A101", ITEM, sha)]
    assert findings[0]["message"] == (
        "progress[1].date 记为 2026-11-30，而写入它的提交在 2026-11-20，提交比记录日期早 10 天（容许 3 天）。"
    )


def test_a101_tolerance_comes_from_the_rules(tmp_path):
    repo = history(tmp_path, backdating_tolerance_days=30)
    pr(repo, "report", "2026-11-20", make_item(ITEM, "reported"))
    pr(repo, "review", "2026-11-23", make_item(ITEM, "reported", reviews=make_item(ITEM, "closed")["reviews"]))
    pr(repo, "close", "2026-12-13", make_item(ITEM, "closed"))
    assert audit(repo) == []


def test_a102_deadline_moved_without_extension(tmp_path):
    repo = history(tmp_path)
    sha = pr(repo, "deadline", "2026-11-25", make_item(ITEM, "in_progress", deadline=D("2026-12-31")))
    findings = audit(repo)
    assert found(findings) == [("A102", ITEM, sha)]
    assert findings[0]["message"] == "办理期限从 2026-12-15 改为 2026-12-31：没有同时追加经批准的延期。"


def test_a103_edit_of_a_closed_item(tmp_path):
    repo = history(tmp_path)
    pr(repo, "report", "2026-11-20", make_item(ITEM, "reported"))
    pr(repo, "close", "2026-11-23", make_item(ITEM, "closed"))
    sha = pr(repo, "retitle", "2026-11-25", make_item(ITEM, "closed", title="加快推进地铁3号线一期建设"))
    findings = audit(repo)
    assert found(findings) == [("A103", ITEM, sha)]
    assert findings[0]["message"] == "事项已办结，不能再修改 title。"


def test_a104_deleted_item(tmp_path):
    repo = history(tmp_path)
    repo.checkout("delete", new=True)
    repo.remove(item_path(OTHER))
    repo.commit("删除事项", "2026-11-25")
    repo.checkout("main")
    sha = repo.merge("delete", "2026-11-25")
    findings = audit(repo)
    assert found(findings) == [("A104", OTHER, sha)]
    assert findings[0]["message"] == f"删除了事项文件 {item_path(OTHER)}。"


def test_a105_direct_commit_on_main(tmp_path):
    repo = history(tmp_path)
    repo.write_item(make_item(ITEM, "in_progress", title="加快推进地铁3号线建设（调整）"))
    sha = repo.commit("直接改主分支", "2026-11-25")
    findings = audit(repo)
    assert found(findings) == [("A105", "", sha)]
    assert findings[0]["message"] == "提交“直接改主分支”直接进入主分支，没有经过合并请求。"


def test_a105_not_fired_when_merges_are_not_required(tmp_path):
    repo = history(tmp_path, require_merge=False)
    repo.write_item(make_item(ITEM, "in_progress", title="加快推进地铁3号线建设（调整）"))
    repo.commit("直接改主分支", "2026-11-25")
    assert audit(repo) == []


def test_a106_author_not_in_staff(tmp_path):
    repo = history(tmp_path)
    data = make_item(ITEM, "in_progress")
    data["progress"] = [*data["progress"], {"date": D("2026-11-25"), "by": "fgw", "text": "主体开工。"}]
    sha = pr(repo, "outsider", "2026-11-25", data, merger=OUTSIDER)
    findings = audit(repo)
    assert found(findings) == [("A106", "", sha)]
    assert findings[0]["message"] == f"提交人 {OUTSIDER[0]} <{OUTSIDER[1]}> 不在督查室人员名单中。"
    assert findings[0]["author"] == OUTSIDER[0]


def test_a108_rewritten_history(tmp_path):
    repo = history(tmp_path)
    old_head = repo.head()
    assert audit(repo) == []  # builds the cache under .git/ducha
    repo.git("reset", "-q", "--hard", "HEAD~1")
    data = make_item(OTHER, "assigned", extensions=[{**REQUEST, **DECISION, "approved": D("2026-11-25")}])
    new_head = pr(repo, "decide-again", "2026-11-25", data)
    findings = audit(repo)
    assert found(findings) == [("A108", "", new_head)]
    assert old_head[:10] in findings[0]["message"]
    assert findings[0]["message"] == f"上次读取历史时的最新提交 {old_head[:10]} 已不在主分支历史中（强制推送或变基）。"
    assert found(audit(repo)) == [("A108", "", new_head)]  # remembered, not forgotten on the next run


def test_a109_skipped_workflow_step(tmp_path):
    repo = history(tmp_path)
    skipped = make_item(ITEM, "closed", result={"reported": D("2026-11-22"), "text": "3号线一期主体工程已开工。"})
    sha = pr(repo, "close", "2026-11-23", skipped)  # in_progress → closed: never reported
    findings = audit(repo)
    assert found(findings) == [("A109", ITEM, sha)]
    assert findings[0]["message"] == "状态从“办理中”直接改为“已办结”不符合办理流程；当前状态下一步只能是：已撤销、已报结。"


def test_a109_skip_inside_a_multi_commit_pull_request(tmp_path):
    """Looking inside a merged pull request must not excuse a skip made by one of its commits."""
    repo = history(tmp_path)
    skipped = make_item(ITEM, "closed", result={"reported": D("2026-11-22"), "text": "3号线一期主体工程已开工。"})
    circulated = {**skipped, "circulation": [{"leader": "mayor_zhang", "sent": dt.datetime(2026, 11, 23, 9, 0), "kind": "normal"}]}
    sha = repo.pull_request("close", [("2026-11-23", skipped), ("2026-11-23", circulated)])
    assert found(audit(repo)) == [("A109", ITEM, sha)]


def test_a110_edited_progress_entry(tmp_path):
    repo = history(tmp_path)
    data = make_item(ITEM, "in_progress")
    data["progress"] = [{**data["progress"][0], "text": "征地拆迁已全部完成。"}]
    sha = pr(repo, "rewrite-progress", "2026-11-25", data)
    findings = audit(repo)
    assert found(findings) == [("A110", ITEM, sha)]
    assert findings[0]["message"] == "修改了 progress 的第 1 条已有记录；记录只能在末尾追加。"


def test_a110_deleted_progress_entry(tmp_path):
    repo = history(tmp_path)
    sha = pr(repo, "drop-progress", "2026-11-25", make_item(ITEM, "in_progress", progress=None))
    assert found(audit(repo)) == [("A110", ITEM, sha)]


# -- signatures -----------------------------------------------------------------------------

needs_ssh_keygen = pytest.mark.skipif(shutil.which("ssh-keygen") is None, reason="ssh-keygen not installed")


@pytest.fixture
def signing_key(tmp_path):
    key = tmp_path / "keys" / "zhou"
    key.parent.mkdir()
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", ZHOU[1], "-f", str(key)], check=True)
    return key


def signed_history(tmp_path, key, unsigned_merge: bool):
    repo = make_repo(tmp_path, allowed_signers=".allowed_signers")
    public = key.with_suffix(".pub").read_text().split()
    repo.write(".allowed_signers", f'{ZHOU[1]} namespaces="git" {public[0]} {public[1]}\n')
    # the root commit was made unsigned by make_repo: redo it signed
    repo.git("add", ".allowed_signers")
    repo.git("-c", "gpg.format=ssh", "-c", f"user.signingkey={key}", "commit", "-q", "-S", "--amend", "--no-edit", date="2026-11-01")
    for name, date, data in (
        ("register", "2026-11-16", make_item(ITEM, "assigned")),
        ("progress", "2026-11-18", make_item(ITEM, "in_progress")),
    ):
        repo.checkout(name, new=True)
        repo.write_item(data)
        repo.commit(name, date)  # commits inside a pull request are not on main's first-parent line
        repo.checkout("main")
        last = repo.merge(name, date, sign_key=None if (unsigned_merge and name == "progress") else key)
    return repo, last


@needs_ssh_keygen
def test_a107_unsigned_commit(tmp_path, signing_key):
    repo, unsigned = signed_history(tmp_path, signing_key, unsigned_merge=True)
    findings = audit(repo)
    assert found(findings) == [("A107", "", unsigned)]
    assert findings[0]["message"] == "提交没有签名（%G?=N）。"


@needs_ssh_keygen
def test_a107_not_fired_for_ssh_signed_commits(tmp_path, signing_key):
    repo, _ = signed_history(tmp_path, signing_key, unsigned_merge=False)
    assert audit(repo) == []


@needs_ssh_keygen
def test_a107_signature_by_a_key_not_in_allowed_signers(tmp_path, signing_key):
    repo, _ = signed_history(tmp_path, signing_key, unsigned_merge=False)
    stranger = tmp_path / "keys" / "stranger"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(stranger)], check=True)
    repo.checkout("third", new=True)
    repo.write_item(make_item(OTHER, "assigned"))
    repo.commit("third", "2026-11-20")
    repo.checkout("main")
    sha = repo.merge("third", "2026-11-20", sign_key=stranger)
    findings = audit(repo)
    assert [(f["code"], f["commit"]) for f in findings] == [("A107", sha)]
    assert findings[0]["message"] == "提交签名者未受信任（%G?=U）。"


def test_a107_unsigned_without_ssh(tmp_path):
    """Signing required but nothing is signed: every commit on main's first-parent line is reported."""
    repo = history(tmp_path, allowed_signers=".allowed_signers")
    repo.write(".allowed_signers", "")
    first_parent = repo.git("rev-list", "--first-parent", "--reverse", "HEAD").split()
    findings = audit(repo)
    assert sorted((f["code"], f["commit"]) for f in findings) == sorted(("A107", sha) for sha in first_parent)
    assert {f["message"] for f in findings} == {"提交没有签名（%G?=N）。"}


# -- filtering and formats ------------------------------------------------------------------


def two_findings(tmp_path):
    repo = history(tmp_path)
    moved = pr(repo, "deadline", "2026-11-25", make_item(ITEM, "in_progress", deadline=D("2026-12-31")))
    data = make_item(ITEM, "in_progress", deadline=D("2026-12-31"))
    data["progress"] = [{**data["progress"][0], "text": "征地拆迁已全部完成。"}]
    edited = pr(repo, "rewrite-progress", "2026-11-27", data)
    return repo, moved, edited


def test_since_until(tmp_path):
    repo, moved, edited = two_findings(tmp_path)
    assert found(audit(repo)) == [("A102", ITEM, moved), ("A110", ITEM, edited)]
    assert found(audit(repo, "--since", "2026-11-26")) == [("A110", ITEM, edited)]
    assert found(audit(repo, "--until", "2026-11-26")) == [("A102", ITEM, moved)]
    assert found(audit(repo, "--since", "2026-11-25", "--until", "2026-11-25")) == [("A102", ITEM, moved)]
    assert audit(repo, "--since", "2026-11-28") == []


def test_csv_format(tmp_path):
    repo, moved, edited = two_findings(tmp_path)
    result = CliRunner().invoke(main, ["audit", "--root", str(repo.path), "--format", "csv", "--as-of", AUDIT_AS_OF])
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == "代码,事项,字段,提交,提交人,提交时间（北京时间）,入账日,说明,复核结论,复核编号"
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [(r["代码"], r["事项"], r["提交"], r["提交时间（北京时间）"]) for r in rows] == [
        ("A102", ITEM, moved, "2026-11-25 10:00"),
        ("A110", ITEM, edited, "2026-11-27 10:00"),
    ]


def test_csv_written_to_a_file_opens_in_excel(tmp_path):
    """With --output the CSV carries a BOM (Excel reads UTF-8 only then) and is the same rows as on screen."""
    repo, moved, edited = two_findings(tmp_path)
    args = ["audit", "--root", str(repo.path), "--format", "csv", "--as-of", AUDIT_AS_OF]
    shown = CliRunner().invoke(main, args).stdout
    out = tmp_path / "审计发现.csv"
    result = CliRunner().invoke(main, [*args, "--output", str(out)])
    assert result.exit_code == 0 and result.stdout == f"已写入 {out}（2 条审计发现）\n"
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and raw[3:].decode("utf-8") == shown
    assert raw[3:].decode("utf-8").startswith("代码,事项,字段,提交,提交人,提交时间（北京时间）")
    refused = CliRunner().invoke(main, ["audit", "--root", str(repo.path), "--output", str(tmp_path / "a.txt")])
    assert refused.exit_code == 2 and "错误：--output 的值有误：写入文件请同时用 --format csv 或 --format json。" in refused.stderr


def test_text_format(tmp_path):
    repo, moved, edited = two_findings(tmp_path)
    result = CliRunner().invoke(main, ["audit", "--root", str(repo.path), "--since", "2026-11-26", "--as-of", AUDIT_AS_OF])
    assert result.exit_code == 0
    assert result.stdout == (
        f"2026-11-27 10:00（北京时间）  2026-11-27 入账  {edited[:10]}  A110 修改或删除了已有记录 {ITEM}："
        f"修改了 progress 的第 1 条已有记录；记录只能在末尾追加。（{ZHOU[0]}）\n"
        f"    复核编号 A110:{ITEM}:{edited[:10]}:progress[0]\n"
        "共 1 条审计发现：待复核 1 条，已复核 0 条（属实已核 0，不予认可 0）。\n"
    )


def test_every_a_code_is_on_the_codes_page():
    page = codes.docs_markdown()
    for n in range(101, 111):
        assert f'<span id="A{n}">A{n}</span>' in page


# -- one audit for the CLI and the site -----------------------------------------------------------


@needs_ssh_keygen
def test_site_audit_page_lists_what_ducha_audit_lists(tmp_path, signing_key):
    """Merged pull requests (one that goes 已报结 → 已办结 in two commits) and signing rules: the site's
    审计 page and ``ducha audit`` come from one composition, so they list the same findings."""
    import html
    import re

    from gitutil import PROJECT

    repo, unsigned = signed_history(tmp_path, signing_key, unsigned_merge=True)
    repo.pull_request(
        "report-and-close",
        [("2026-11-20", make_item(ITEM, "reported")), ("2026-11-23", make_item(ITEM, "closed"))],
    )
    shutil.copy(PROJECT / "mkdocs.yml", repo.path / "mkdocs.yml")
    shutil.copytree(PROJECT / "site_src", repo.path / "site_src")
    repo.commit("网站配置", "2026-11-24")
    cli = found(audit(repo))
    assert ("A107", "", unsigned) in cli and not [f for f in cli if f[0] == "A109"], cli
    result = CliRunner().invoke(main, ["build", "--root", str(repo.path), "--as-of", "2026-11-30"])
    assert result.exit_code == 0, result.output
    page = (repo.path / "site" / "audit" / "index.html").read_text(encoding="utf-8")
    table = page.split('id="findings"', 1)[1].split('id="recent"', 1)[0]
    rows = re.findall(r'<tr data-review="\w+" data-code="(A\d{3})">(.*?)</tr>', table, re.S)
    cells = [(code, re.findall(r"<td>(.*?)</td>", row, re.S)[1].split("<br>")[0],
              re.search(r'<code class="ducha-token" title="[0-9a-f]{40}">([0-9a-f]{10})</code>', row).group(1)) for code, row in rows]  # fmt: skip
    site = sorted((code, html.unescape(re.sub(r"<[^>]+>|（提交）", "", item)).strip(), commit) for code, item, commit in cells)
    assert site == sorted((code, item, commit[:10]) for code, item, commit in cli)


def test_csv_neutralises_formulas_in_author_names(tmp_path):
    repo = history(tmp_path)
    data = make_item(ITEM, "in_progress")
    data["progress"] = [*data["progress"], {"date": D("2026-11-25"), "by": "fgw", "text": "主体开工。"}]
    pr(repo, "outsider", "2026-11-25", data, merger=("=HYPERLINK(\"http://x.example\",\"点我\")", "x@example.com"))
    result = CliRunner().invoke(main, ["audit", "--root", str(repo.path), "--format", "csv", "--as-of", AUDIT_AS_OF])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [r["提交人"] for r in rows if r["代码"] == "A106"] == ["'=HYPERLINK(\"http://x.example\",\"点我\")"]
    assert all(not v.startswith(("=", "+", "-", "@")) for r in rows for v in r.values())


def test_the_findings_are_kept_in_a_cache_that_follows_what_they_depend_on(tmp_path):
    # .git/ducha/audit.pickle keeps the findings of a history under its rules and day; a change of the rules
    # file (not committed), of the day or of the history is audited afresh, and a damaged cache is no cache
    from gitutil import rules_text

    repo = history(tmp_path)
    repo.write_item(make_item(ITEM, "in_progress", title="加快推进地铁3号线建设（调整）"))
    sha = repo.commit("直接改主分支", "2026-11-25")
    assert found(audit(repo)) == [("A105", "", sha)]
    cache = repo.path / ".git" / "ducha" / "audit.pickle"
    assert cache.is_file()
    assert found(audit(repo)) == [("A105", "", sha)]
    repo.write("items/ledger.yml", rules_text(require_merge=False))
    assert audit(repo) == [], "the rules changed: audited afresh"
    repo.write("items/ledger.yml", rules_text())
    assert found(audit(repo)) == [("A105", "", sha)]
    assert [f["code"] for f in audit(repo, "--as-of", "2026-11-24")] == ["A105", "A117"], "another day: afresh"
    repo.write_item(make_item(ITEM, "in_progress", title="加快推进地铁3号线建设（再调整）"))
    later = repo.commit("又直接改主分支", "2026-11-26")
    assert found(audit(repo)) == [("A105", "", sha), ("A105", "", later)], "a new commit: afresh"
    cache.write_bytes(b"damaged")
    assert found(audit(repo)) == [("A105", "", sha), ("A105", "", later)]
