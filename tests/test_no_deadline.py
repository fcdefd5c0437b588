"""Categories without a default deadline (``deadline: none``): their items that state none have no deadline.

Such an open item is 正在办理（无期限）: never due, overdue or due soon, its light 无期限; closed, it counts as
closed on time (no deadline, so not late).  Giving it a deadline after assignment tightens (no T102, and the
history then keeps that deadline); taking one away loosens (T102, A102, the counts keep the old one).
Real git repositories with fixed dates (tests/gitutil.py); the sample rules hold ``meeting_no_deadline``.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from gitutil import LEDGER_YML, item_path, make_item, make_repo

from ducha import effective_deadline, parse_rules
from ducha.cli import main
from ducha.core.model import Item

ITEM = "DC-2026-0001"  # of the category without a default deadline
DEFAULT = "DC-2026-0002"  # of a category with one (30 days from 11-16: 12-16)
OPEN_ENDED = "meeting_no_deadline"
D = dt.date.fromisoformat
PROJECT = Path(__file__).resolve().parents[1]


def cli(*args, code: int = 0):
    result = CliRunner().invoke(main, [str(a) for a in args])
    assert result.exit_code == code, result.output
    return result


def totals(repo, as_of: str) -> dict:
    out = cli("stats", "--root", repo.path, "--as-of", as_of, "--format", "json", "--ids").stdout
    return json.loads(out)["totals"]


def listed(repo, as_of: str) -> dict[str, tuple]:
    rows = json.loads(cli("list", "--root", repo.path, "--as-of", as_of, "--format", "json").stdout)
    return {r["id"]: (r["deadline"], r["light"]) for r in rows}


def no_deadline(status: str = "in_progress", item_id: str = ITEM, **fields) -> dict:
    return make_item(item_id, status, **{"category": OPEN_ENDED, "deadline": None, **fields})


def registered(tmp_path, *items, **audit_rules):
    repo = make_repo(tmp_path, **audit_rules)
    for data in items:
        repo.write_item(data)
    repo.commit("登记", "2026-11-18")
    return repo


# -- the deadline, the light and the counts ---------------------------------------------------------


def test_effective_deadline_says_none_apart_from_an_unknown_category():
    rules, findings = parse_rules(LEDGER_YML.read_bytes(), "items/ledger.yml")
    assert findings == [] and rules.categories[OPEN_ENDED].deadline is None and rules.open_ended == {OPEN_ENDED}
    cal = rules.calendar()
    dl = effective_deadline(Item(ITEM, item_path(ITEM), no_deadline()), rules, cal)
    assert (dl.date, dl.source, dl.none) == (None, "none", True)
    assert "没有默认期限" in dl.explanation
    stated = effective_deadline(Item(ITEM, item_path(ITEM), no_deadline(deadline=D("2026-12-31"))), rules, cal)
    assert (stated.date, stated.source) == (D("2026-12-31"), "deadline")
    assert effective_deadline(Item(ITEM, item_path(ITEM), no_deadline(category="nosuch")), rules, cal) is None


@pytest.mark.parametrize("as_of", ["2026-11-18", "2026-12-16", "2026-12-17", "2027-06-30"])
def test_an_open_item_without_a_deadline_is_never_overdue(tmp_path, as_of):
    repo = registered(tmp_path, no_deadline(), make_item(DEFAULT, "in_progress", deadline=None))
    t = totals(repo, as_of)
    ids = t["ids"]
    assert ids["open_no_deadline"] == [ITEM] and t["open_no_deadline"] == 1
    assert t["rate_open_no_deadline"] == {"numerator": 1, "denominator": 2, "value": 0.5}
    for figure in ("due", "overdue_open", "overdue_unexplained", "due_soon", "closed", "no_deadline",
                   "light_green", "light_yellow", "light_red"):  # fmt: skip
        assert ITEM not in ids[figure], figure
    assert ids["open"] == [ITEM, DEFAULT] and ids["progress_required"] == [ITEM, DEFAULT]
    assert listed(repo, as_of)[ITEM] == (None, "none")  # whatever its progress reports: no deadline is near
    late = as_of > "2026-12-16"
    assert (DEFAULT in ids["overdue_open"], listed(repo, as_of)[DEFAULT][1] == "red") == (late, late)


def test_show_and_the_text_list_say_no_deadline(tmp_path):
    repo = registered(tmp_path, no_deadline())
    shown = json.loads(cli("show", ITEM, "--root", repo.path, "--as-of", "2026-12-31", "--format", "json").stdout)
    assert (shown["effective_deadline"], shown["light"]) == (None, "none")
    text = cli("show", ITEM, "--root", repo.path, "--as-of", "2026-12-31").stdout
    assert "灯色：无期限（截至 2026-12-31）" in text and "有效期限：无期限（未注明期限" in text
    rows = cli("list", "--root", repo.path, "--as-of", "2026-12-31", "--light", "none").stdout
    assert rows.startswith(f"{ITEM}  办理中   无期限   无期限 ")
    table = cli("stats", "--root", repo.path, "--as-of", "2026-12-31", "--by", "category").stdout
    assert "正在办理（无期限）数" in table.splitlines()[0]


def test_a_closed_item_without_a_deadline_counts_as_closed_on_time(tmp_path):
    repo = make_repo(tmp_path)
    repo.write_item(no_deadline("closed"))  # closed 11-23
    repo.commit("办结", "2026-11-23")
    ids = totals(repo, "2027-03-31")["ids"]
    assert ids["closed"] == ids["due"] == ids["closed_on_time"] == [ITEM]
    assert ids["closed_late"] == ids["open_no_deadline"] == ids["open"] == []
    assert listed(repo, "2027-03-31")[ITEM] == (None, "closed_on_time")
    xlsx_free = cli("stats", "--root", repo.path, "--as-of", "2027-03-31", "--format", "csv", "--by", "category").stdout
    header = xlsx_free.lstrip("\ufeff").splitlines()[0].split(",")
    assert "正在办理（无期限）数" in header and "正在办理（无期限）占比" in header


def test_a_stated_deadline_still_counts_in_a_category_without_a_default(tmp_path):
    repo = registered(tmp_path, no_deadline(deadline=D("2026-11-25")))
    ids = totals(repo, "2026-11-30")["ids"]
    assert ids["overdue_open"] == [ITEM] and ids["open_no_deadline"] == []
    assert listed(repo, "2026-11-30")[ITEM] == ("2026-11-25", "red")


def test_the_basis_says_how_items_without_a_deadline_count():
    text = cli("stats", "--root", PROJECT, "--basis").stdout
    assert "**无期限事项。**" in text and "“常务会议议定事项（无期限）”" in text
    assert "| 正在办理（无期限）数 |" in text and "计为按期办结" in text


# -- the rules file ----------------------------------------------------------------------------------

SAMPLE = LEDGER_YML.read_text(encoding="utf-8")
NONE_LINE = next(line for line in SAMPLE.splitlines() if line.startswith("    deadline: none"))


@pytest.mark.parametrize(
    "written, code",
    [
        ("    deadline:", "R111"),
        ("    deadline: null", "R111"),
        ("    deadline: ~", "R111"),
        ("    deadline: {}", "R111"),
        ("    deadline: ''", "R111"),
        ("    deadline: None", "R112"),
        ("    deadline: NONE", "R112"),
        ("    deadline: 无期限", "R112"),
        ("    deadline: false", "R112"),
        ("    deadline: 0", "R112"),
        ("    deadline: [none]", "R112"),
        ("    deadline: {normal: none, urgent: {days: 5, unit: working}, critical: {days: 1, unit: working}}", "R113"),
        ("    deadline: {normal: {days: 5, unit: working}, urgent: null, critical: {days: 1, unit: working}}", "R113"),
    ],
)
def test_the_rules_refuse_an_unclear_no_deadline(written, code):
    text = SAMPLE.replace(NONE_LINE, written)
    rules, findings = parse_rules(text.encode(), "items/ledger.yml")
    assert rules is None
    assert [(f.code, f.field) for f in findings] == [(code, f"categories.{OPEN_ENDED}.deadline")]
    assert findings[0].line == SAMPLE.splitlines().index(NONE_LINE) + 1  # the line written instead
    assert "deadline: none" in findings[0].message


def test_a_category_without_any_deadline_is_r111_on_its_line(tmp_path):
    text = SAMPLE.replace(NONE_LINE + "\n", "")
    rules, findings = parse_rules(text.encode(), "items/ledger.yml")
    assert rules is None and [(f.code, f.line) for f in findings] == [("R111", text.splitlines().index(f"  {OPEN_ENDED}:") + 1)]
    assert "没有写默认期限" in findings[0].message
    repo = make_repo(tmp_path)
    repo.write("items/ledger.yml", text)
    out = cli("check", "--root", repo.path, "--worktree", code=1)
    assert f"R111 错误 categories.{OPEN_ENDED}.deadline：类别 {OPEN_ENDED} 没有写默认期限" in out.output


def test_the_rules_schema_offers_none_to_editors():
    out = json.loads(cli("schema", "--ledger-rules").stdout)
    deadline = out["properties"]["categories"]["additionalProperties"]["properties"]["deadline"]
    assert {"const": "none"}.items() <= deadline["anyOf"][1].items()


# -- the pull-request rule T102 ------------------------------------------------------------------------


def pr_check(repo, as_of: str = "2026-11-26"):
    result = CliRunner().invoke(main, ["check", "--base", "main", "--root", str(repo.path), "--as-of", as_of, "--format", "json"])
    return [(f["code"], f["field"]) for f in json.loads(result.stdout) if f["code"].startswith("T")]


@pytest.fixture
def branch(tmp_path):
    """main holds the item without a deadline and one with a stated deadline in the same category;
    HEAD is a fresh branch off it."""
    repo = registered(tmp_path, no_deadline(), no_deadline(item_id=DEFAULT, deadline=D("2026-12-15")), backdating_tolerance_days=10)
    repo.checkout("feature", new=True)
    return repo


@pytest.mark.parametrize(
    "fields",
    [
        {"deadline": D("2026-12-31")},  # a deadline given later: tightening
        {"category": "meeting_decision"},  # into a category with a default deadline: tightening
        {"assigned": D("2026-11-17")},  # nothing depends on it for the deadline
        {"urgency": "urgent"},
    ],
)
def test_giving_an_item_without_a_deadline_one_is_no_t102(branch, fields):
    branch.write_item(no_deadline(**fields))
    branch.commit("补充期限", "2026-11-24")
    assert pr_check(branch) == []


@pytest.mark.parametrize(
    "item_id, data, field",
    [
        (DEFAULT, no_deadline(item_id=DEFAULT), "deadline"),  # a stated deadline removed
        (DEFAULT, no_deadline(item_id=DEFAULT, deadline=D("2026-12-31")), "deadline"),  # moved, as always
    ],
)
def test_taking_a_deadline_away_or_moving_it_is_t102(branch, item_id, data, field):
    branch.write_item(data)
    branch.commit("改期限", "2026-11-24")
    assert pr_check(branch) == [("T102", field)]


def test_moving_an_item_with_a_default_deadline_into_a_category_without_one_is_t102(tmp_path):
    repo = registered(tmp_path, make_item(ITEM, "in_progress", deadline=None), backdating_tolerance_days=10)
    repo.checkout("feature", new=True)
    repo.write_item(make_item(ITEM, "in_progress", deadline=None, category=OPEN_ENDED))
    repo.commit("改类别", "2026-11-24")
    assert pr_check(repo) == [("T102", "category")]


# -- the history decides ----------------------------------------------------------------------------------


def history(tmp_path, *steps):
    """Assigned without a deadline on 11-18 (merged); then one merged pull request per (date, fields)."""
    repo = make_repo(tmp_path)
    repo.pull_request("register", [("2026-11-18", no_deadline())])
    for n, (day, fields) in enumerate(steps):
        repo.pull_request(f"step{n}", [(day, no_deadline(**fields))])
    return repo


def test_a_deadline_given_later_counts_and_then_holds(tmp_path):
    repo = history(tmp_path, ("2026-11-20", {"deadline": D("2026-11-25")}), ("2026-11-24", {"deadline": D("2026-12-31")}))
    t = totals(repo, "2026-11-30")
    assert t["ids"]["overdue_open"] == [ITEM]  # the 11-25 deadline it was given, not the 12-31 it was moved to
    findings = json.loads(cli("audit", "--root", repo.path, "--format", "json", "--as-of", "2026-12-31").stdout)
    assert [(f["code"], f["field"]) for f in findings if f["code"] == "A102"] == [("A102", "deadline")]


def test_a_deadline_removed_and_set_again_later_counts_the_first(tmp_path):
    repo = history(
        tmp_path,
        ("2026-11-20", {"deadline": D("2026-11-25")}),
        ("2026-11-24", {}),  # removed: loosening
        ("2026-11-26", {"deadline": D("2026-12-31")}),  # set again, later: still the move it is
    )
    assert totals(repo, "2026-11-30")["ids"]["overdue_open"] == [ITEM]
    assert listed(repo, "2026-11-30")[ITEM] == ("2026-11-25", "red")


def test_an_item_without_a_deadline_stays_without_one_in_the_history(tmp_path):
    repo = history(tmp_path, ("2026-11-20", {"urgency": "urgent"}))
    out = json.loads(cli("stats", "--root", repo.path, "--as-of", "2026-12-31", "--format", "json", "--ids").stdout)
    assert out["totals"]["ids"]["open_no_deadline"] == [ITEM] and out["corrected"] == []


# -- the site ----------------------------------------------------------------------------------------------


def test_the_site_shows_items_without_a_deadline(tmp_path):
    repo = registered(tmp_path, no_deadline(), no_deadline("closed", item_id=DEFAULT), require_merge=False)
    shutil.copy(PROJECT / "mkdocs.yml", repo.path / "mkdocs.yml")
    shutil.copytree(PROJECT / "site_src", repo.path / "site_src")
    repo.commit("网站配置", "2026-11-25")
    cli("build", "--root", repo.path, "--as-of", "2026-12-31")
    site = repo.path / "site"
    home = (site / "index.html").read_text(encoding="utf-8")
    assert "正在办理（无期限）" in home and "50.0%（1/2）" in home
    assert 'href="lists/all/open_no_deadline/">1</a>' in home
    listing = (site / "lists" / "all" / "open_no_deadline" / "index.html").read_text(encoding="utf-8")
    assert ITEM in listing and DEFAULT not in listing and "无期限" in listing
    page = (site / "items" / ITEM / "index.html").read_text(encoding="utf-8")
    assert 'class="ducha-light ducha-light--none"' in page and "没有默认期限" in page
    groups = (site / "status" / "category" / "index.html").read_text(encoding="utf-8")
    assert "<th>正在办理（无期限）数</th>" in groups
    basis = (site / "reference" / "stats" / "index.html").read_text(encoding="utf-8")
    assert "无期限事项" in basis
