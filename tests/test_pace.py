"""Progress against schedule (序时进度): targets, reported figures, the expected share and the classes.

Real repositories with fixed dates (tests/gitutil.py): items with a ``target`` and progress entries that report
``value`` or ``percent``; the classes, the November example (11/12 = 91.7%), term basis, thresholds and lights,
the check codes with their lines, the statistics' ids per class and the item page's text.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil

from click.testing import CliRunner

from ducha.cli import main
from gitutil import PROJECT, make_item, make_repo

D = dt.date.fromisoformat
TARGET = {"value": 3200, "unit": "户", "name": "棚户区改造新开工"}


def cli(*args, code=0):
    result = CliRunner().invoke(main, [str(a) for a in args])
    assert result.exit_code == code, result.output
    return result


def target_item(item_id, *figures, **fields):
    """An in-progress work-report target assigned 2026-01-26, due 2026-12-31, reporting ``figures``:
    (date, {"value": n} | {"percent": p} | {}) each."""
    progress = [{"date": D(day), "by": "zjj", "text": f"第{i + 1}次报告。", **fig} for i, (day, fig) in enumerate(figures)]
    data = dict(category="work_report_target", lead_unit="zjj", co_units=["czj"], assigned=D("2026-01-26"),
                deadline=D("2026-12-31"), target=TARGET, progress=progress or None)  # fmt: skip
    data["approval"] = {"opinion": "请市住建局牵头办理。", "by": "mayor_zhang", "date": D("2026-01-26")}
    data.update(fields)
    return make_item(item_id, "in_progress" if progress else "assigned", **data)


def rules_with(repo, pace: str) -> None:
    text = repo.read("items/ledger.yml")
    text = re.sub(r"(?m)^pace:\n(  .*\n)*", "", text)
    repo.write("items/ledger.yml", text.replace("\nlights:", f"\n{pace}\nlights:", 1))


def ledger(tmp_path, pace: str = "pace:\n  basis: year\n", extra=()):
    """0001 超进度 (2980 of 3200 = 93.1%), 0002 欠进度 (50%), 0003 未启动, 0004 已完成 (percent 100),
    0005 达进度 (percent 91.7), 0006 no target (not counted in pace)."""
    repo = make_repo(tmp_path)
    rules_with(repo, pace)
    repo.write_item(target_item("DC-2026-0001", ("2026-10-12", {"value": 2760}), ("2026-11-10", {"value": 2980})))
    repo.write_item(target_item("DC-2026-0002", ("2026-11-10", {"value": 1600})))
    repo.write_item(target_item("DC-2026-0003", ("2026-11-10", {})))
    repo.write_item(target_item("DC-2026-0004", ("2026-11-10", {"percent": 100})))
    repo.write_item(target_item("DC-2026-0005", ("2026-11-10", {"percent": 91.7})))
    repo.write_item(make_item("DC-2026-0006", "in_progress"))
    for data in extra:
        repo.write_item(data)
    repo.commit("登记", "2026-11-23")
    return repo


def stats(repo, *args, as_of="2026-11-25"):
    return json.loads(cli("stats", "--root", repo.path, "--as-of", as_of, "--format", "json", "--ids", *args).stdout)


# -- the pure function ---------------------------------------------------------------------------


def _item(data):
    from ducha.core.model import Item

    return Item(data["id"], "items/2026/x.yml", data)


def test_the_november_example_and_every_class():
    from ducha.core.pace import PaceRules, classify

    rules = PaceRules()
    dl = D("2026-12-31")
    first = classify(_item(target_item("DC-2026-0001", ("2026-11-10", {"value": 2980}))), rules, D("2026-11-25"), dl)
    assert (first.cls, str(first.expected_percent), str(first.share_percent)) == ("ahead", "91.7", "93.1")
    assert first.text() == "完成 93.1%，序时进度 91.7%，超进度"
    on = classify(_item(target_item("DC-2026-0005", ("2026-11-10", {"percent": 91.7}))), rules, D("2026-11-25"), dl)
    assert on.cls == "on" and on.behind == 0  # compared as shown: 91.7% against 91.7%
    behind = classify(_item(target_item("DC-2026-0002", ("2026-11-10", {"value": 1600}))), rules, D("2026-11-30"), dl)
    assert (behind.cls, str(behind.behind)) == ("behind", "41.7")
    assert behind.text() == "完成 50.0%，序时进度 91.7%，欠进度（落后 41.7 个百分点）"
    none = classify(_item(target_item("DC-2026-0003", ("2026-11-10", {}))), rules, D("2026-11-30"), dl)
    assert none.cls == "not_started" and none.text() == "尚未报告完成数，序时进度 91.7%，未启动（落后 91.7 个百分点）"
    over = classify(_item(target_item("DC-2026-0007", ("2026-11-10", {"value": 3300}))), rules, D("2026-11-30"), dl)
    assert over.cls == "done" and over.bar_width() == "100%"
    closed = classify(_item(make_item("DC-2026-0008", "closed", target=TARGET)), rules, D("2026-11-30"), dl)
    assert closed.cls == "done"
    assert classify(_item(make_item("DC-2026-0009", "in_progress")), rules, D("2026-11-30"), dl) is None
    # a figure reported after the as-of day does not count yet; the year before and after the target's year
    assert classify(_item(target_item("DC-2026-0001", ("2026-11-10", {"value": 2980}))), rules, D("2026-11-09"), dl).cls == "not_started"
    later = classify(_item(target_item("DC-2026-0001", ("2026-11-10", {"value": 2980}))), rules, D("2027-01-05"), dl)
    assert later.expected_percent == 100 and later.cls == "behind"


def test_term_basis_and_thresholds():
    from ducha.core.pace import PaceRules, classify, pace_light

    item = _item(target_item("DC-2026-0001", ("2026-03-20", {"percent": 35}), ("2026-06-01", {"percent": 40}), assigned=D("2026-01-01"), deadline=D("2026-12-31")))
    term = PaceRules(basis="term")
    p = classify(item, term, D("2026-07-02"), D("2026-12-31"))  # 182 of 364 days: 50.0%
    assert (str(p.expected_percent), p.cls, str(p.behind)) == ("50.0", "behind", "10.0")
    assert pace_light(p, term) == "yellow"  # 10 points behind: yellow from 10
    assert classify(item, PaceRules(basis="term", behind_points=10), D("2026-07-02"), D("2026-12-31")).cls == "on"
    assert classify(item, PaceRules(basis="term"), D("2026-07-02"), None).expected_percent == Decimal("58.3")  # no deadline: year
    ahead = classify(item, PaceRules(basis="term", ahead_points=5), D("2026-04-01"), D("2026-12-31"))  # 24.7%
    assert ahead.cls == "ahead" and pace_light(ahead, term) == "green"
    far = classify(item, term, D("2026-11-01"), D("2026-12-31"))  # 83.5% expected, 40% reported
    assert pace_light(far, term) == "red" and pace_light(far, PaceRules(red_behind=50)) == "yellow"


from decimal import Decimal  # noqa: E402


# -- the item contract and the rules ------------------------------------------------------------


def test_figures_are_checked_with_codes_and_lines(tmp_path):
    bad = [
        make_item("DC-2026-0011", "in_progress", progress=[{"date": D("2026-11-18"), "by": "fgw", "text": "完成六成。", "percent": 60}]),
        target_item("DC-2026-0012", ("2026-11-10", {"percent": 120})),
        target_item("DC-2026-0013", ("2026-11-10", {"percent": 50, "value": 1600})),
        target_item("DC-2026-0014", ("2026-10-10", {"value": 2000}), ("2026-11-10", {"value": 1800})),
    ]
    repo = ledger(tmp_path, extra=bad)
    result = cli("check", "--root", repo.path, "--as-of", "2026-11-25", "--format", "json", code=1)
    found = [f for f in json.loads(result.stdout) if f["code"] in ("D215", "D216", "D217", "D218")]
    got = sorted((f["path"].split("/")[-1], f["code"], f["field"]) for f in found)
    assert got == [
        ("DC-2026-0011.yml", "D215", "progress[0].percent"),
        ("DC-2026-0012.yml", "D216", "progress[0].percent"),
        ("DC-2026-0013.yml", "D217", "progress[0]"),
        ("DC-2026-0014.yml", "D218", "progress[1].value"),
    ]
    for f in found:  # each on its own line of the file
        lines = (repo.path / f["path"]).read_text(encoding="utf-8").splitlines()
        key = f["field"].split(".")[-1] if "." in f["field"] else "date"
        assert key in lines[f["line"] - 1] or "- " in lines[f["line"] - 1], (f, lines[f["line"] - 1])
    assert next(f for f in found if f["code"] == "D218")["severity"] == "notice"  # allowed: said, not a failure


def test_bad_pace_rules_are_r_codes(tmp_path):
    for pace, code in [("pace:\n  basis: month\n", "R114"), ("pace:\n  red_behind: -5\n", "R115"),
                       ("pace:\n  yellow_behind: 40\n  red_behind: 30\n", "R115"), ("pace:\n  lights: yes please\n", "R116"),
                       ("pace:\n  colour: red\n", "R116")]:  # fmt: skip
        repo = make_repo(tmp_path / code / str(len(pace)))
        rules_with(repo, pace)
        result = cli("check", "--root", repo.path, "--worktree", "--as-of", "2026-11-25", "--format", "json", code=1)
        found = [(f["code"], f["line"]) for f in json.loads(result.stdout)]
        line = next(i for i, text in enumerate(repo.read("items/ledger.yml").splitlines(), 1) if text == "pace:")
        assert len(found) == 1 and found[0][0] == code and found[0][1] in (line, line + 1, line + 2), (pace, found)


def test_a_figure_may_be_added_to_an_existing_report_once_but_not_changed(tmp_path):
    repo = ledger(tmp_path)
    base = repo.head()
    repo.checkout("figures", new=True)
    repo.write_item(target_item("DC-2026-0001", ("2026-10-12", {"value": 2760}), ("2026-11-10", {"value": 2980})))
    repo.write_item(target_item("DC-2026-0003", ("2026-11-10", {"value": 900})))  # added to the old report
    repo.commit("补录完成数", "2026-11-24")
    cli("check", "--root", repo.path, "--as-of", "2026-11-25", "--base", base)
    repo.write_item(target_item("DC-2026-0001", ("2026-10-12", {"value": 2760}), ("2026-11-10", {"value": 3000})))
    repo.commit("改了完成数", "2026-11-24")
    out = cli("check", "--root", repo.path, "--as-of", "2026-11-25", "--base", base, code=1).output
    assert "T103" in out and "DC-2026-0001" in out


# -- counting, lights, the site ------------------------------------------------------------------


def test_stats_give_a_figure_per_class_with_ids_in_every_grouping(tmp_path):
    repo = ledger(tmp_path)
    data = stats(repo)
    ids = data["totals"]["ids"]
    assert ids["pace_total"] == ["DC-2026-0001", "DC-2026-0002", "DC-2026-0003", "DC-2026-0004", "DC-2026-0005"]
    assert (ids["pace_ahead"], ids["pace_behind"], ids["pace_not_started"], ids["pace_done"], ids["pace_on"]) == (
        ["DC-2026-0001"], ["DC-2026-0002"], ["DC-2026-0003"], ["DC-2026-0004"], ["DC-2026-0005"])
    assert data["totals"]["pace_behind"] == 1
    by_unit = stats(repo, "--by", "unit")["by"]
    assert by_unit["zjj"]["pace_total"] == 5 and by_unit["fgw"]["pace_total"] == 0
    csv = cli("stats", "--root", repo.path, "--as-of", "2026-11-25", "--format", "csv").stdout
    assert "欠进度数" in csv.splitlines()[0] and "有量化目标数" in csv.splitlines()[0]
    basis = cli("stats", "--root", repo.path, "--basis").stdout
    assert "序时进度" in basis and "11/12" in basis and "超进度" in basis


def test_lights_follow_pace_only_when_the_rules_say_so(tmp_path):
    def lights(repo):
        rows = json.loads(cli("list", "--root", repo.path, "--as-of", "2026-11-25", "--format", "json").stdout)
        return {r["id"]: r["light"] for r in rows}

    rows = json.loads(cli("list", "--root", ledger(tmp_path / "classes").path, "--as-of", "2026-11-25", "--format", "json").stdout)
    assert {r["id"]: r["pace"] for r in rows}["DC-2026-0002"] == "behind"  # the class in list JSON
    off = lights(ledger(tmp_path / "off"))
    assert set(off.values()) == {"green"}  # by the deadline (2026-12-31): all green
    on = lights(ledger(tmp_path / "on", "pace:\n  lights: true\n  yellow_behind: 10\n  red_behind: 30\n",
                       extra=[target_item("DC-2026-0007", ("2026-11-10", {"value": 2400}))]))  # fmt: skip
    assert on["DC-2026-0002"] == "red"  # 41.7 points behind
    assert on["DC-2026-0007"] == "yellow"  # 75% against 91.7%: 16.7 points behind
    assert on["DC-2026-0003"] == "red"  # nothing reported: 91.7 points behind
    assert on["DC-2026-0001"] == on["DC-2026-0004"] == on["DC-2026-0006"] == "green"


def test_the_item_page_shows_target_figure_bar_and_class_and_lists_show_the_class(tmp_path):
    repo = ledger(tmp_path)
    shutil.copy(PROJECT / "mkdocs.yml", repo.path / "mkdocs.yml")
    shutil.copytree(PROJECT / "site_src", repo.path / "site_src")
    repo.commit("网站配置", "2026-11-24")
    cli("build", "--root", repo.path, "--as-of", "2026-11-25")
    page = (repo.path / "site" / "items" / "DC-2026-0001" / "index.html").read_text(encoding="utf-8")
    assert "棚户区改造新开工 3200 户" in page
    assert "2980 户（2026-11-10 报告）" in page
    assert 'aria-label="完成 93.1%，序时进度 91.7%，超进度"' in page and "width: 93.1%" in page
    listing = (repo.path / "site" / "items" / "index.html").read_text(encoding="utf-8")
    assert "超进度" in listing and "欠进度" in listing and "未启动" in listing
    home = (repo.path / "site" / "index.html").read_text(encoding="utf-8")
    assert '序时进度（有量化目标 <a href="lists/all/pace_total/">5</a>）' in home
    assert '欠进度 <a href="lists/all/pace_behind/">1</a>' in home
    behind = (repo.path / "site" / "lists" / "all" / "pace_behind" / "index.html").read_text(encoding="utf-8")
    assert "DC-2026-0002" in behind and "DC-2026-0001" not in behind
