"""Real bulletins rebuilt as ledgers: the kinds county and city offices publish, drafted, read and verified.

Each test is a real git repository with fixed dates (tests/gitutil.py) holding the items such a bulletin
reports on, and checks the figures and the sections a clerk would expect to find:

- a county standing meeting's decisions without deadlines (已办结 / 正在办理 with whole-percent shares, the
  lagging items named by their 序号 in the meeting's list and by unit, worded for a county);
- a year-end review by meeting type and by each meeting;
- a work-report mid-year review by 序时进度 class;
- a mayor's-mailbox month with 结案率 over 应结案 and the change against the previous month's issue.
"""

from __future__ import annotations

import datetime as dt
import re

import yaml
from click.testing import CliRunner

from ducha.cli import main
from gitutil import make_item, make_repo

D = dt.date.fromisoformat


def cli(*args, code=0):
    result = CliRunner().invoke(main, [str(a) for a in args])
    assert code is None or result.exit_code == code, result.output
    return result


def life(item_id, assigned, closed=None, **fields):
    """An item assigned on ``assigned`` (a string date), in progress two days later, closed on ``closed``."""
    day = D(assigned)
    data = dict(assigned=day, approval={"opinion": "请牵头单位抓紧办理。", "by": "mayor_zhang", "date": day},
                progress=[{"date": day + dt.timedelta(days=2), "by": fields.get("lead_unit", "fgw"), "text": "已制定工作方案。"}])  # fmt: skip
    if closed:
        end = D(closed)
        data.update(result={"reported": end - dt.timedelta(days=1), "text": "已完成。"}, closed=end,
                    reviews=[{"date": end, "result": "passed", "opinion": "同意办结。"}])  # fmt: skip
    data.update(fields)
    return make_item(item_id, "closed" if closed else "in_progress", **data)


def versions(item: dict) -> list[tuple[dt.date, dict]]:
    """The versions a clerk commits of ``item``, each on the day it records (a record committed weeks late
    would not count: the history decides, ``ledger.trust``): registered, each progress report, the result,
    the closure."""
    base = {k: v for k, v in item.items() if k not in ("progress", "result", "reviews", "closed")}
    out = [(item["assigned"], {**base, "status": "assigned"})]
    progress = item.get("progress") or []
    for n, entry in enumerate(progress, 1):
        out.append((entry["date"], {**base, "status": "in_progress", "progress": progress[:n]}))
    if "result" in item:
        out.append((item["result"]["reported"], {**out[-1][1], "status": "reported", "result": item["result"]}))
    if item.get("closed"):
        out.append((item["closed"], dict(item)))
    return out


def replay(repo, items: list[dict], message: str) -> None:
    """Commit every version of ``items`` on its own day, in date order."""
    by_day: dict[dt.date, list[dict]] = {}
    for item in items:
        for day, data in versions(item):
            by_day.setdefault(day, []).append(data)
    for day in sorted(by_day):
        for data in by_day[day]:
            repo.write_item(data)
        repo.commit(f"{message}（{day.isoformat()}）", day.isoformat())


def rules(repo, batches: str, **replace) -> None:
    text = repo.read("items/ledger.yml")
    text = re.sub(r"(?m)^batches:\n(  .*\n)*", "", text)
    if batches:
        text = text.replace("\nlights:", "\nbatches:\n" + batches + "\nlights:", 1)
    for old, new in replace.items():
        assert old in text, old
        text = text.replace(old, new)
    repo.write("items/ledger.yml", text)


def draft(repo, *args) -> tuple[str, dict, str]:
    """(path, front matter, body as a reader sees it) of a written draft, verified with every body number checked."""
    out = cli("bulletin", "new", "--root", repo.path, *args).output
    path = re.search(r"：(bulletins/\S+\.md)", out).group(1)
    text = (repo.path / path).read_text(encoding="utf-8")
    verified = cli("bulletin", "verify", repo.path / path, "--root", repo.path).output
    assert "一致" in verified and "未核对" not in verified and "B1" not in verified, verified
    _, front, body = text.split("---\n", 2)
    return path, yaml.safe_load(front), re.sub(r"<!--fig:[^>]*-->", "", body)


def section(body: str, heading: str) -> str:
    return body.split(heading, 1)[1].split("\n## ", 1)[0]


# -- a county standing meeting, no deadlines ---------------------------------------------------------------


def test_a_county_standing_meeting_without_deadlines(tmp_path):
    repo = make_repo(tmp_path, date="2026-01-05")
    rules(repo, "  xcw_2026_05: {kind: standing_meeting, number: 5, date: 2026-03-10, title: 县政府2026年第5次常务会议}",
          **{"name: 江州市人民政府督查室": "name: 西河县人民政府督查室", "statistics:\n  decimals: 1\n": "statistics:\n  decimals: 0\n",
             "zjj:   {name: 市住房和城乡建设局": "zjj:   {name: 县住房和城乡建设局", "nyncj: {name: 市农业农村局": "nyncj: {name: 县农业农村局",
             "jtysj: {name: 市交通运输局": "jtysj: {name: 县交通运输局"})  # fmt: skip
    meeting = dict(category="meeting_no_deadline", deadline=None, batch="xcw_2026_05", source="县政府2026年第5次常务会议纪要", co_units=None)
    sewer = {"value": 20, "unit": "公里", "name": "县城污水管网改造"}
    items = [
        life("DC-2026-0001", "2026-03-12", lead_unit="zjj", seq=1, target=sewer, title="推进县城污水管网改造",
             **{**meeting, "progress": [{"date": D("2026-09-20"), "by": "zjj", "value": 6, "text": "已完成改造6公里，主城区段受雨季影响推迟。"}]}),  # fmt: skip
        life("DC-2026-0002", "2026-03-12", "2026-06-20", lead_unit="fgw", seq=2, title="编制县域商业体系建设方案", **meeting),
        life("DC-2026-0003", "2026-03-12", lead_unit="jtysj", seq=3, target={"value": 10, "unit": "座"}, title="新建农村公路桥梁10座",
             **{**meeting, "progress": [{"date": D("2026-09-25"), "by": "jtysj", "value": 9, "text": "已建成9座。"}]}),  # fmt: skip
        life("DC-2026-0004", "2026-03-12", lead_unit="nyncj", seq=4, target={"value": 5000, "unit": "亩", "name": "高标准农田"},
             title="新建高标准农田5000亩", **{**meeting, "progress": [{"date": D("2026-04-01"), "by": "nyncj", "text": "正在选址。"}]}),  # fmt: skip
        life("DC-2026-0005", "2026-03-12", "2026-08-15", lead_unit="czj", seq=5, title="设立县级产业引导基金", **meeting),
        life("DC-2026-0006", "2026-03-12", lead_unit="fgw", seq=6, title="谋划储备一批重大项目", **meeting),
    ]
    replay(repo, items, "县政府第5次常务会议确定事项")

    path, meta, body = draft(repo, "--kind", "通报", "--batch", "县政府2026年第5次常务会议", "--as-of", "2026-09-30", "--date", "2026-10-08")
    assert meta["title"] == "关于县政府2026年第5次常务会议确定事项落实情况的通报"
    assert meta["recipients"] == ["各乡镇人民政府、街道办事处", "县政府各部门、各直属机构"]
    assert "已办结 2 件，办结率 33%（2/6）；正在办理 4 件，占 67%。" in body  # whole-percent shares (statistics.decimals: 0)
    assert "4 件没有明确办理时限，按进展督办，不计超期" in body  # open without a deadline: never overdue
    assert "超期未办结单位" not in body and "通报批评" not in body and "市政府" not in body
    assert "西河县人民政府督查室" in meta["issuer"] and "县政府督查室对截至2026年9月30日各项确定事项的落实情况进行了跟踪督查" in body
    lagging = section(body, "、进展滞后的事项")
    assert "欠进度 1 项、未启动 1 项" in lagging
    assert lagging.index("**（一）县住房和城乡建设局**") < lagging.index("**（二）县农业农村局**")  # by unit, in the rules' order
    assert ("县政府2026年第5次常务会议第1件：推进县城污水管网改造。目标县城污水管网改造20公里；"
            "完成 30%，序时进度 75%，落后 45 个百分点，欠进度。最新进展：已完成改造6公里，主城区段受雨季影响推迟。") in lagging
    assert "县政府2026年第5次常务会议第4件：新建高标准农田5000亩。目标高标准农田5000亩；尚未报告完成情况，序时进度 75%，落后 75 个百分点，未启动。" in lagging
    assert "第3件" not in lagging  # 90% against 75%: ahead of schedule
    annex = section(body, "## 附件")
    rows = re.findall(r"(?m)^\| (\d+) \| 江府督办〔2026〕(\d+)号 \|", annex)
    assert rows == [(str(n), str(n)) for n in range(1, 7)]  # the meeting's own list, by 序号
    assert "| 无 | 办理中，欠进度 | 已完成改造6公里，主城区段受雨季影响推迟。 |" in annex


# -- a year-end review by meeting type and by meeting -------------------------------------------------


def test_a_year_end_review_by_meeting_type_and_by_meeting(tmp_path):
    repo = make_repo(tmp_path, date="2026-01-05")
    rules(repo, "  cw5: {kind: standing_meeting, number: 5, date: 2026-03-10, title: 市政府第5次常务会议}\n"
                "  cw6: {kind: standing_meeting, number: 6, date: 2026-04-14, title: 市政府第6次常务会议}\n"
                "  bg3: {kind: office_meeting, number: 3, date: 2026-05-06, title: 市政府第3次市长办公会议}")  # fmt: skip
    n, items = iter(range(1, 100)), []

    def add(batch, seq, closed=None, deadline="2026-12-20", **fields):
        items.append(life(f"DC-2026-{next(n):04d}", "2026-06-01", closed, batch=batch, seq=seq, deadline=D(deadline), co_units=None, **fields))

    for seq in (1, 2, 3):
        add("cw5", seq, "2026-09-10")
    add("cw6", 1, "2026-08-01")
    add("cw6", 2, "2026-11-30")
    add("cw6", 3, deadline="2026-11-30", lead_unit="zjj")  # overdue at the year's end
    add("cw6", 4, deadline="2027-03-31")
    add("bg3", 1, "2026-10-15", category="office_meeting")
    add("bg3", 2, deadline="2027-06-30", category="office_meeting")
    replay(repo, items, "会议确定事项")

    _, meta, body = draft(repo, "--kind", "通报", "--period", "year", "--as-of", "2026-12-31", "--date", "2027-01-08",
                          "--title", "关于2026年度市政府会议确定事项落实情况的通报")  # fmt: skip
    f = meta["figures"]
    assert f["batch_kinds"]["standing_meeting"] == {"total": 7, "closed": 5, "open": 2, "overdue_open": 1,
                                                    "rate_closed": [5, 7], "rate_open": [2, 7]}  # fmt: skip
    assert f["batches"]["cw6"]["total"] == 4 and f["batches"]["cw6"]["rate_closed"] == [2, 4]
    kinds = section(body, "按会议（文件）类别分：")
    assert "| 常务会议 | 7 | 5 | 71.4% | 2 | 1 |" in kinds and "| 市长办公会议 | 2 | 1 | 50.0% | 1 | 0 |" in kinds
    meetings = section(body, "按会议（文件）分：")
    assert meetings.index("| 市政府第5次常务会议 | 3 | 3 | 100.0% | 0 | 0 |") < meetings.index("| 市政府第6次常务会议 | 4 | 2 | 50.0% | 2 | 1 |")
    assert "| 市政府第3次市长办公会议 | 2 | 1 | 50.0% | 1 | 0 |" in meetings
    assert "2026年，新交办督办事项 9 件，办结 6 件。" in body
    overdue = section(body, "、超期未办结单位及事项")
    assert "江府督办〔2026〕6号（市政府第6次常务会议第3件）" in overdue


# -- a work-report mid-year review by 序时进度 class ---------------------------------------------------


def test_a_work_report_mid_year_review_by_pace_class(tmp_path):
    repo = make_repo(tmp_path, date="2026-01-05")
    rules(repo, "  bg2026: {kind: work_report, date: 2026-01-20, title: 2026年市政府工作报告目标任务分解}")
    text = re.sub(r"(?m)^pace:\n(  .*\n)*", "", repo.read("items/ledger.yml"))
    repo.write("items/ledger.yml", text.replace("\nlights:", "\npace:\n  basis: year\n  ahead_points: 5\n  behind_points: 5\n\nlights:", 1))
    report = dict(category="work_report_target", batch="bg2026", deadline=D("2026-12-31"), lead_unit="fgw", co_units=None)
    items = []

    def target(seq, title, goal, figure=None, closed=None, **fields):
        progress = [{"date": D("2026-06-20"), "by": fields.get("lead_unit", "fgw"), "text": f"上半年{title}进展。", **(figure or {})}]
        items.append(life(f"DC-2026-{seq:04d}", "2026-01-26", closed, seq=seq, title=title, target=goal,
                          **{**report, **fields, "progress": progress}))  # fmt: skip

    target(1, "新增城镇就业6万人", {"value": 60000, "unit": "人"}, {"value": 61000}, lead_unit="rsj")  # 已完成 (≥ 100%)
    target(2, "新建5G基站3000个", {"value": 3000, "unit": "个"}, {"value": 2100}, lead_unit="jxj")  # 70%: 超进度
    target(3, "完成造林绿化2万亩", {"value": 20000, "unit": "亩"}, {"percent": 52}, lead_unit="nyncj")  # 52%: 达进度
    target(4, "完成棚户区改造3200户", {"value": 3200, "unit": "户", "name": "棚户区改造新开工"}, {"value": 960}, lead_unit="zjj")  # 30%
    target(5, "新增公共停车泊位8000个", {"value": 8000, "unit": "个"}, None, lead_unit="cgj")  # nothing reported: 未启动
    replay(repo, items, "政府工作报告目标任务")

    path, meta, body = draft(repo, "--kind", "通报", "--batch", "bg2026", "--as-of", "2026-06-30", "--date", "2026-07-06",
                             "--title", "关于2026年政府工作报告目标任务上半年推进情况的通报")  # fmt: skip
    t = meta["figures"]["totals"]
    assert [t[k] for k in ("pace_total", "pace_done", "pace_ahead", "pace_on", "pace_behind", "pace_not_started")] == [5, 1, 1, 1, 1, 1]
    assert meta["figures"]["named"]["pace_behind"] == {"zjj": ["DC-2026-0004"]}
    assert meta["figures"]["named"]["pace_not_started"] == {"cgj": ["DC-2026-0005"]}
    assert "有量化目标的 5 项任务中，对照序时进度已完成 1 项，超进度 1 项，达进度 1 项，欠进度 1 项，未启动 1 项。" in body
    lagging = section(body, "、进展滞后的事项")
    assert ("2026年市政府工作报告目标任务分解第4件：完成棚户区改造3200户。目标棚户区改造新开工3200户；"
            "完成 30.0%，序时进度 50.0%，落后 20.0 个百分点，欠进度。") in lagging
    assert "第5件：新增公共停车泊位8000个。目标8000个；尚未报告完成情况，序时进度 50.0%，落后 50.0 个百分点，未启动。" in lagging
    assert "第2件" not in lagging and "第3件" not in lagging
    _, _, special = draft(repo, "--kind", "专报", "--batch", "bg2026", "--as-of", "2026-06-30", "--date", "2026-07-06")
    problems = section(special, "、存在的问题")  # the leaders' report names the same items, verified alike
    assert "一是部分目标任务进展滞后于序时进度" in problems and "第4件“完成棚户区改造3200户”" in problems and "第5件" in problems
    # the figures quoted for a named item are verified like every other: a retyped share is named by line
    file = repo.path / path
    text = file.read_text(encoding="utf-8")
    file.write_text(text.replace("<!--fig:items.DC-2026-0004.pace_share-->30.0%", "<!--fig:items.DC-2026-0004.pace_share-->45.0%"), encoding="utf-8")
    failed = cli("bulletin", "verify", file, "--root", repo.path, code=1).output
    assert "B108" in failed and "江府督办〔2026〕4号 完成比例”正文写为 45.0%" in failed and "为 30.0%" in failed


# -- a mailbox month against the previous month ----------------------------------------------------------


def test_a_hotline_month_with_the_settled_rate_and_the_change_against_last_month(tmp_path):
    repo = make_repo(tmp_path, date="2026-01-05")
    rules(repo, "")
    letter = dict(category="mayor_mailbox", lead_unit="xfj", co_units=None, urgency="normal")
    october, november = [], []

    def add(month, n, assigned, closed=None, deadline=None):
        month.append(life(f"DC-2026-{n:04d}", assigned, closed, deadline=D(deadline), **letter))

    # by 10-31: 6 letters, 4 due of which 2 closed → 结案率 50.0%; three more close in November
    add(october, 1, "2026-09-25", "2026-10-10", deadline="2026-10-16")
    add(october, 2, "2026-09-28", "2026-10-20", deadline="2026-10-19")
    add(november, 3, "2026-09-29", "2026-11-05", deadline="2026-10-20")
    add(november, 4, "2026-10-08", "2026-11-12", deadline="2026-10-29")
    add(november, 5, "2026-10-20", "2026-11-09", deadline="2026-11-10")
    add(october, 6, "2026-10-26", deadline="2026-11-16")
    add(november, 7, "2026-11-05", deadline="2026-11-26")
    add(november, 8, "2026-11-20", deadline="2026-12-11")
    replay(repo, october + november, "来信")
    _, first, _ = draft(repo, "--kind", "通报", "--category", "mayor_mailbox", "--as-of", "2026-10-31", "--date", "2026-11-03")
    assert first["figures"]["totals"]["rate_settled"] == [2, 4] and "previous" not in first
    path, second, body = draft(repo, "--kind", "通报", "--category", "mayor_mailbox", "--as-of", "2026-11-30", "--date", "2026-12-02")
    assert second["number"] == 2 and second["previous"]["number"] == 1 and second["previous"]["as_of"] == D("2026-10-31")
    assert second["figures"]["previous"]["totals"]["rate_settled"] == [2, 4]  # recomputed from October's own commit
    assert second["figures"]["totals"]["rate_settled"] == [5, 7]
    assert "结案率 71.4%（5/7），较上期（第1期）提高 21.4 个百分点" in body  # 71.4 − 50.0, as shown
    assert "办结率 62.5%（5/8），较上期（第1期）提高 29.2 个百分点" in body  # 62.5 − 33.3
    # what October recorded is checked against October's commit, not against November's
    file = repo.path / path
    text = file.read_text(encoding="utf-8")
    file.write_text(text.replace("rate_settled: [2, 4]", "rate_settled: [3, 4]", 1), encoding="utf-8")
    failed = cli("bulletin", "verify", file, "--root", repo.path, code=1).output
    assert "figures.previous.totals.rate_settled" in failed and "上期 · 结案率" in failed


# -- an office's series continued -------------------------------------------------------------------------


def test_the_first_drafted_issue_continues_the_offices_printed_series(tmp_path):
    repo = make_repo(tmp_path, date="2026-01-05")
    rules(repo, "", **{"\nlights:": "\nbulletins:\n  first_number: {bulletin: {2026: 17}}\n\nlights:"})
    replay(repo, [life("DC-2026-0001", "2026-11-16", co_units=None)], "登记")
    _, meta, body = draft(repo, "--kind", "通报", "--as-of", "2026-11-18", "--date", "2026-11-20")
    assert meta["number"] == 17 and "《督查通报》2026年第17期" in body  # 第1–16期 were printed before ducha
    assert "B103" not in cli("check", "--root", repo.path, "--worktree", code=None).output
    _, second, _ = draft(repo, "--kind", "通报", "--as-of", "2026-11-19", "--date", "2026-11-20")
    assert second["number"] == 18
    # without the setting, an issue 17 alone is a gap in the series
    repo.write("items/ledger.yml", repo.read("items/ledger.yml").replace("\nbulletins:\n  first_number: {bulletin: {2026: 17}}\n", ""))
    checked = cli("check", "--root", repo.path, "--worktree", code=None).output
    assert "B103" in checked and "缺少第 1、2、3" in checked and "期号应从 1 起连续编排" in checked


def test_the_annex_spreadsheet_keeps_planted_formulas_as_text(tmp_path):
    """A title or progress text that a spreadsheet would run as a formula is written as text in the .xlsx."""
    from openpyxl import load_workbook

    repo = make_repo(tmp_path, date="2026-01-05")
    rules(repo, "")
    planted = life("DC-2026-0001", "2026-11-16", co_units=None, title='=HYPERLINK("http://x.invalid","点此")',
                   progress=[{"date": D("2026-11-18"), "by": "fgw", "text": "+1+1 @SUM(A1)"}])  # fmt: skip
    replay(repo, [planted], "登记")
    path, _, _ = draft(repo, "--kind", "通报", "--as-of", "2026-11-18", "--date", "2026-11-20")
    out = tmp_path / "annex.xlsx"
    cli("bulletin", "annex", repo.path / path, "--output", out, "--root", repo.path)
    row = [c.value for c in load_workbook(out).active[4]]
    assert row[2] == '\'=HYPERLINK("http://x.invalid","点此")' and row[-1] == "'+1+1 @SUM(A1)", row
