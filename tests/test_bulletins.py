"""Bulletins drafted in a real git repository with fixed dates, verified, tampered with, numbered."""

from __future__ import annotations

import datetime as dt
import posixpath
import re
import shutil
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from ducha.cli import main
from ducha.documents.bodymarks import strip
from gitutil import PROJECT, make_item, make_repo

AS_OF = "2026-11-25"  # a Wednesday


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture
def repo(tmp_path):
    """Four items committed on 2026-11-24; as of 11-25: one closed on time (fgw), two overdue at zjj
    (DC-2026-0003 explained, DC-2026-0002 not), one due on 11-27 (czj)."""
    repo = make_repo(tmp_path)
    repo.write_item(make_item("DC-2026-0001", "closed"))
    repo.write_item(make_item("DC-2026-0002", "assigned", lead_unit="zjj", deadline=dt.date(2026, 11, 20)))
    explained = make_item("DC-2026-0003", "in_progress", lead_unit="zjj", deadline=dt.date(2026, 11, 19))
    explained["progress"][0]["delay_reason"] = "征地补偿方案需报省里审批，预计12月上旬批复。"
    repo.write_item(explained)
    repo.write_item(make_item("DC-2026-0004", "assigned", lead_unit="czj", co_units=None, deadline=dt.date(2026, 11, 27)))
    repo.commit("登记四个事项", "2026-11-24")
    return repo


def front(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8").split("---\n")[1])


def draft(repo, *args) -> Path:
    result = run("bulletin", "new", "--root", repo.path, "--as-of", AS_OF, "--date", "2026-11-26", *args)
    assert result.exit_code == 0, result.output
    shown = re.search(r"：(bulletins/\S+\.md)", result.output).group(1)
    return repo.path / shown


def test_draft_records_commit_as_of_and_every_figure(repo):
    path = draft(repo, "--kind", "通报")
    assert path == repo.path / "bulletins/2026/bulletin-01.md"
    meta = front(path)
    assert meta["kind"] == "督查通报" and meta["year"] == 2026 and meta["number"] == 1
    assert meta["date"] == dt.date(2026, 11, 26) and meta["as_of"] == dt.date(2026, 11, 25)
    assert meta["commit"] == repo.head()
    assert meta["issuer"] == "江州市人民政府督查室"
    assert meta["period"] == {"kind": "month", "start": dt.date(2026, 11, 1), "end": dt.date(2026, 11, 30)}
    f = meta["figures"]
    assert f["totals"] == {
        "total": 4, "closed": 1, "open": 3, "due": 3, "closed_on_time": 1, "closed_late": 0, "overdue_open": 2,
        "overdue_unexplained": 1, "due_soon": 1, "rate_closed": [1, 4], "rate_open": [3, 4], "rate_settled": [1, 3],
        "rate_on_time": [1, 3], "open_no_deadline": 0, "days_to_close": 7.0,
    }  # fmt: skip
    assert f["period"] == {"assigned": 4, "closed": 1}
    body = re.sub(r"<!--fig:[^>]*-->", "", path.read_text(encoding="utf-8"))
    assert "已办结 1 件，办结率 25.0%（1/4）；正在办理 3 件，占 75.0%。" in body  # shares of the total
    assert "（应办结）3 件，结案率 33.3%（1/3），按期办结 1 件" in body  # 结案率 over 应结案
    assert f["categories"] == {"meeting_decision": {"total": 4, "closed": 1, "overdue_open": 2, "rate_closed": [1, 4]}}
    assert f["named"] == {
        "good_units": [],  # fgw has one item due: fewer than the two it takes
        "overdue_open": {"zjj": ["DC-2026-0003", "DC-2026-0002"]},  # most overdue first
        "overdue_unexplained": {"zjj": ["DC-2026-0002"]},
        "due_soon": {"czj": ["DC-2026-0004"]},
    }
    assert meta["items"] == ["DC-2026-0003", "DC-2026-0002", "DC-2026-0004"]
    marked = path.read_text(encoding="utf-8").split("---\n", 2)[2]
    body = strip(marked)  # what a reader sees
    assert "督办事项共 <!--fig:totals.total-->4 件，已办结 <!--fig:totals.closed-->1 件，办结率 <!--fig:totals.rate_closed-->25.0%（1/4）" in marked
    assert meta["body_figures"]["totals.overdue_open"] == 2 and meta["body_figures"]["items.DC-2026-0002.overdue_days"] == 3
    for heading in ("# 关于2026年11月督查事项办理情况的通报", "## 一、总体情况", "## 二、超期未办结单位及事项",
                    "## 三、通报批评", "## 四、下步要求", "## 附件"):  # fmt: skip
        assert f"\n{heading}" in "\n" + body, heading
    assert "按期办结较好的单位" not in body  # no unit to commend: the section is left out, the next ones renumbered
    assert "督办事项共 4 件，已办结 1 件，办结率 25.0%（1/4）" in body
    assert "按期办结 1 件，按期办结率 33.3%（1/3）" in body
    assert "**（一）市住房和城乡建设局**（2 件）" in body
    assert "承办单位既未说明延期原因，也未申请延期：" in body  # DC-2026-0002 is within its progress interval
    assert "- 市住房和城乡建设局：江府督办〔2026〕2号“加快推进地铁3号线建设”（超期 5 天）。" in body
    assert "| 4 | 江府督办〔2026〕4号 | 加快推进地铁3号线建设 | 市财政局 | 2026-11-27 | 已交办，剩 2 个工作日 | （未报告） |" in body
    assert run("bulletin", "verify", path, "--root", repo.path).exit_code == 0


def test_verify_passes_then_fails_naming_the_edited_figure(repo):
    path = draft(repo, "--kind", "通报")
    sha = repo.head()[:10]
    result = run("bulletin", "verify", "--all", "--root", repo.path)
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        f"bulletins/2026/bulletin-01.md  一致：前言 25 个数字与提交 {sha} 截至 2026-11-25 重新计算的结果一致；正文 26 个数字已核对一致",
        "核对了 1 期通报：1 期一致，0 期不一致，0 期无法核对，0 期前言有错误。",
    ]
    text = path.read_text(encoding="utf-8")
    # staff edit the prose: still verified
    path.write_text(text.replace("现将有关情况通报如下", "现将11月份有关情况通报如下"), encoding="utf-8")
    assert run("bulletin", "verify", path, "--root", repo.path).exit_code == 0
    # someone edits a number by hand (and the list of units named as late)
    tampered, n = re.subn(r"(?m)^    overdue_open: 2$", "    overdue_open: 1", text)
    assert n == 1
    tampered = tampered.replace("zjj: [DC-2026-0003, DC-2026-0002]", "zjj: [DC-2026-0003]")
    path.write_text(tampered, encoding="utf-8")
    line = next(n for n, t in enumerate(tampered.splitlines(), 1) if t == "    overdue_open: 1")
    named = next(n for n, t in enumerate(tampered.splitlines(), 1) if t.strip() == "zjj: [DC-2026-0003]")
    result = run("bulletin", "verify", path, "--root", repo.path)
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        "bulletins/2026/bulletin-01.md  不一致：正文 26 个数字已核对一致",
        "bulletins/2026/bulletin-01.md",
        f"  第 {line} 行  B104 错误 figures.totals.overdue_open：超期未办结数：通报记录为 1，按提交 {sha} 截至 2026-11-25 重新计算为 2。",
        f"  第 {named} 行  B104 错误 figures.named.overdue_open.zjj：超期未办结事项 · 市住房和城乡建设局：通报记录为 [DC-2026-0003]，"
        f"按提交 {sha} 截至 2026-11-25 重新计算为 [DC-2026-0003、DC-2026-0002]。",
        "核对了 1 期通报：0 期一致，1 期不一致，0 期无法核对，0 期前言有错误。",
    ]


def test_verify_catches_rates_unknown_figures_left_out_units_and_foreign_commits(repo):
    path = draft(repo, "--kind", "通报")
    text = path.read_text(encoding="utf-8")
    bad = text.replace("rate_on_time: [1, 3]", "rate_on_time: [1, 2]").replace("    total: 4\n", "    total: 4\n    speed: 9\n", 1)
    bad = bad.replace("      czj: [DC-2026-0004]\n", "")
    path.write_text(bad, encoding="utf-8")
    out = run("bulletin", "verify", path, "--format", "json", "--root", repo.path)
    assert out.exit_code == 1
    fields = {f["field"] for f in __import__("json").loads(out.output)[0]["findings"]}
    assert fields == {"figures.totals.rate_on_time", "figures.totals.speed", "figures.named.due_soon.czj"}
    path.write_text(text.replace(repo.head(), "0123456789abcdef0123456789abcdef01234567"), encoding="utf-8")
    out = run("bulletin", "verify", path, "--root", repo.path)
    assert out.exit_code == 1 and "无法核对" in out.output and "提交 0123456789abcdef0123456789abcdef01234567 不在本仓库中" in out.output


def test_later_commits_do_not_change_a_drafted_bulletin(repo):
    path = draft(repo, "--kind", "通报")
    late = make_item("DC-2026-0002", "in_progress", lead_unit="zjj", deadline=dt.date(2026, 11, 20))
    late["progress"][0].update(date=dt.date(2026, 11, 26), delay_reason="资金未到位。")
    repo.write_item(late)
    repo.commit("补报进展", "2026-11-26")
    assert run("bulletin", "verify", path, "--root", repo.path).exit_code == 0
    second = draft(repo, "--kind", "通报", "--as-of", "2026-11-26")
    assert second.name == "bulletin-02.md" and front(second)["commit"] == repo.head()
    assert front(second)["figures"]["totals"]["overdue_unexplained"] == 0


def test_numbering_per_kind_per_year_and_check_reports_gaps_and_duplicates(repo):
    first = draft(repo, "--kind", "通报")
    second = draft(repo, "--kind", "bulletin")
    special = draft(repo, "--kind", "专报", "--unit", "zjj")
    assert (first.name, second.name, special.name) == ("bulletin-01.md", "bulletin-02.md", "special-01.md")
    assert front(special)["figures"]["totals"]["total"] == 2 and front(special)["scope"] == {"unit": ["zjj"]}
    next_year = run("bulletin", "new", "--kind", "通报", "--as-of", AS_OF, "--date", "2027-01-05", "--root", repo.path)
    assert "bulletins/2027/bulletin-01.md" in next_year.output
    check = run("check", "--root", repo.path)
    assert check.exit_code == 0 and "B10" not in check.output
    second.write_text(second.read_text(encoding="utf-8").replace("number: 2\n", "number: 3\n"), encoding="utf-8")
    check = run("check", "--root", repo.path)
    assert check.exit_code == 1 and "B103 错误 number：2026年《督查通报》缺少第 2 期（期号应从 1 起连续编排）。" in check.output
    second.write_text(second.read_text(encoding="utf-8").replace("number: 3\n", "number: 1\n"), encoding="utf-8")
    check = run("check", "--root", repo.path)
    assert check.exit_code == 1
    assert "B102 错误 number：2026年《督查通报》第1期与 bulletins/2026/bulletin-01.md 重号。" in check.output


def test_templates_are_overridable_by_the_ledger_and_not_bulletins(repo):
    own = repo.path / "bulletins" / "templates"
    own.mkdir(parents=True)
    (own / "notice.md.j2").write_text("# {{ title }}\n\n超期 {{ t.overdue_open }} 件，即将到期 {{ t.due_soon }} 件。\n", encoding="utf-8")
    (own / "README.md").write_text("本目录是本台账的通报模板。\n", encoding="utf-8")
    path = draft(repo, "--kind", "通知")
    # the ledger's own template marks its figures as the package's do
    assert path.read_text(encoding="utf-8").endswith(
        "---\n\n# 关于抓紧办理即将到期和超期督查事项的通知\n\n超期 <!--fig:totals.overdue_open-->2 件，即将到期 <!--fig:totals.due_soon-->1 件。\n"
    )
    check = run("check", "--root", repo.path)
    assert check.exit_code == 0 and "B101" not in check.output


def test_drafting_refuses_without_history_and_prints_without_writing(repo, tmp_path):
    printed = run("bulletin", "new", "--kind", "政务督查", "--as-of", AS_OF, "--date", "2026-11-26", "--print", "--root", repo.path)
    assert printed.exit_code == 0 and printed.output.startswith("---\nkind: 政务督查\n")
    assert not (repo.path / "bulletins").exists()
    plain = tmp_path / "plain"
    shutil.copytree(repo.path / "items", plain / "items")
    result = run("bulletin", "new", "--kind", "通报", "--root", plain)
    assert result.exit_code == 1 and "不是 git 仓库" in result.output
    bad = run("bulletin", "new", "--kind", "周报", "--as-of", AS_OF, "--root", repo.path)
    assert bad.exit_code == 1 and "通报类别“周报”不在" in bad.output


def test_site_pages_link_each_figure_to_its_items(repo):
    from ducha import gather_inputs

    draft(repo, "--kind", "通报")
    inputs = gather_inputs(repo.path, dt.date(2026, 11, 25), from_history=True, history=False, warn=pytest.fail)
    pages = {p.src_uri: p for p in inputs.builder().build()}
    page = pages["bulletins/2026/bulletin-01.md"]
    assert page.edit_path == "bulletins/2026/bulletin-01.md"
    assert f"依据台账提交 `{repo.head()[:10]}`。已按该提交重新计算核对：前言记录的 25 个数字一致；正文 26 个数字已核对一致。" in page.markdown
    assert "全部一致" not in page.markdown and "<!--" not in page.markdown and "fig:" not in page.markdown
    link = re.search(r"\| 超期未办结数 \| 2 \| \[2 项\]\(([^)]+)\) \|", page.markdown).group(1)
    target = pages[posixpath.normpath(posixpath.join("bulletins/2026", link))]
    assert target.title == "《督查通报》2026年第1期 · 超期未办结数"
    assert "DC-2026-0002" in target.html and "DC-2026-0003" in target.html and "DC-2026-0004" not in target.html
    archive = pages["bulletins/index.md"].markdown
    assert "| [第1期](2026/bulletin-01.md) | 关于2026年11月督查事项办理情况的通报 | 2026-11-26 | 2026-11-25 | 一致 |" in archive
    item = pages["items/DC-2026-0002.md"].html
    assert "提及本事项的通报" in item and "《督查通报》2026年第1期" in item


def test_the_sample_bulletins_verify_and_a_tampered_copy_does_not(tmp_path):
    """The sample ledger's bulletins were drafted from this repository's history (needs a full clone)."""
    files = sorted((PROJECT / "bulletins").rglob("*.md"))
    kinds = {front(p)["kind"] for p in files}
    assert len(files) >= 3 and len(kinds) >= 3
    result = run("bulletin", "verify", "--all", "--root", PROJECT)
    assert result.exit_code == 0, result.output
    assert result.output.count("  一致：") == len(files)
    copy = tmp_path / "bulletin-01.md"
    text = (PROJECT / "bulletins/2026/bulletin-01.md").read_text(encoding="utf-8")
    total = front(PROJECT / "bulletins/2026/bulletin-01.md")["figures"]["totals"]["closed"]
    copy.write_text(re.sub(rf"(?m)^    closed: {total}$", f"    closed: {total + 1}", text), encoding="utf-8")
    result = run("bulletin", "verify", copy, "--root", PROJECT)
    assert result.exit_code == 1 and f"figures.totals.closed：办结数：通报记录为 {total + 1}" in result.output


# -- the body: what people read ----------------------------------------------------------------


def _line(text: str, part: str) -> int:
    return next(n for n, t in enumerate(text.splitlines(), 1) if part in t)


def test_an_edited_body_number_names_its_line_figure_and_both_values(repo):
    path = draft(repo, "--kind", "通报")
    sha = repo.head()[:10]
    text = path.read_text(encoding="utf-8")
    edited = text.replace("共 <!--fig:totals.total-->4 件，已办结 <!--fig:totals.closed-->1 件",
                          "共 <!--fig:totals.total-->90 件，已办结 <!--fig:totals.closed-->４５ 件")  # a Chinese IME's digits too
    edited = edited.replace("已超期 <!--fig:items.DC-2026-0002.overdue_days-->5 天，", "已超期五天，")
    assert edited.count("90 件") == 1 and "已超期五天" in edited
    path.write_text(edited, encoding="utf-8")
    result = run("bulletin", "verify", path, "--root", repo.path)
    assert result.exit_code == 1
    line, fm = _line(edited, "共 <!--fig:totals.total-->90 件"), _line(edited, "body_figures:")
    overdue = _line(edited, "已超期五天")
    assert result.output.splitlines() == [
        "bulletins/2026/bulletin-01.md  不一致：正文 23 个数字已核对一致，2 个数字与统计项不符或无法核对，1 个起草时写入的统计项在正文中找不到",
        "bulletins/2026/bulletin-01.md",
        f"  第 {fm} 行  B110 警告 items.DC-2026-0002.overdue_days：起草时正文写有“江府督办〔2026〕2号 超期天数”3 处，"
        "现在有 1 处找不到它的标记（数字被删改或标记被删去），无法核对。",
        f"  第 {line} 行  B108 错误 totals.closed：“办结数”正文写为 ４５，通报前言记录为 1，按提交 {sha} 截至 2026-11-25 重新计算为 1。",
        f"  第 {line} 行  B108 错误 totals.total：“事项数”正文写为 90，通报前言记录为 4，按提交 {sha} 截至 2026-11-25 重新计算为 4。",
        "核对了 1 期通报：0 期一致，1 期不一致，0 期无法核对，0 期前言有错误。",
    ]
    assert overdue not in (line, fm)
    # a rate, and a number rewritten in Chinese behind its marker
    edited = text.replace("<!--fig:totals.rate_closed-->25.0%（1/4）", "<!--fig:totals.rate_closed-->25.0%（1/3）")
    edited = edited.replace("<!--fig:totals.due_soon-->1 件", "<!--fig:totals.due_soon-->一件")
    path.write_text(edited, encoding="utf-8")
    out = run("bulletin", "verify", path, "--format", "json", "--root", repo.path)
    assert out.exit_code == 1
    found = {(f["code"], f["field"]): f["message"] for f in __import__("json").loads(out.output)[0]["findings"]}
    assert found == {
        ("B108", "totals.rate_closed"): f"“办结率”正文写为 25.0%（1/3），通报前言记录为 1/4，按提交 {sha} 截至 2026-11-25 重新计算为 25.0%（1/4）。",
        ("B111", "totals.due_soon"): "“5个工作日内到期数”的标记后面不是数字（是“一件将于 5”），无法核对。",
    }


def test_numbers_no_figure_backs_are_listed_as_not_verified_with_their_lines(repo):
    path = draft(repo, "--kind", "通报")
    text = path.read_text(encoding="utf-8")
    added = ("现将有关情况通报如下", "现将有关情况通报如下。11月份督查室约谈3家单位，召开第2次调度会，"
             "依据江府办〔2026〕86号于2026年11月20日、11月23日 10:30 两次实地督查，共发出督查通知单 12 份")
    edited = text.replace(*added)
    path.write_text(edited, encoding="utf-8")
    result = run("bulletin", "verify", path, "--root", repo.path)
    assert result.exit_code == 0, result.output
    line = _line(edited, "约谈3家单位")
    assert result.output.splitlines()[:3] == [
        f"bulletins/2026/bulletin-01.md  一致：前言 25 个数字与提交 {repo.head()[:10]} 截至 2026-11-25 重新计算的结果一致；"
        "正文 26 个数字已核对一致，2 个数字无对应统计项未核对",
        "bulletins/2026/bulletin-01.md",
        f"  第 {line} 行  B109 提示：正文数字 3、12 没有对应的统计项，未核对。",
    ]


def test_every_kind_of_untouched_draft_verifies_every_number_of_its_body(repo):
    for kind in ("通报", "专报", "通知", "政务督查"):
        path = draft(repo, "--kind", kind)
        result = run("bulletin", "verify", path, "--root", repo.path)
        assert result.exit_code == 0, result.output
        assert "个数字已核对一致" in result.output and "未核对" not in result.output and "B1" not in result.output, result.output
        assert sum(front(path)["body_figures"].values()) == int(re.search(r"正文 (\d+) 个数字已核对一致", result.output).group(1))


def test_the_site_states_both_counts_and_the_mismatches_and_shows_no_marker(repo):
    from ducha import gather_inputs

    path = draft(repo, "--kind", "通报")
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("现将有关情况通报如下", "现将有关情况（约谈3家单位）通报如下"), encoding="utf-8")
    second = draft(repo, "--kind", "通报")
    edited = second.read_text(encoding="utf-8").replace("共 <!--fig:totals.total-->4 件", "共 <!--fig:totals.total-->90 件")
    second.write_text(edited, encoding="utf-8")
    warned = []
    inputs = gather_inputs(repo.path, dt.date(2026, 11, 25), from_history=True, history=False, warn=warned.append)
    pages = {p.src_uri: p for p in inputs.builder().build()}
    first = pages["bulletins/2026/bulletin-01.md"].markdown
    assert "前言记录的 25 个数字一致；正文 26 个数字已核对一致，1 个数字无对应统计项未核对。" in first
    assert f"    - 第 {_line(text, '现将有关情况通报如下')} 行：3" in first
    page = pages["bulletins/2026/bulletin-02.md"].markdown
    assert "以下数字与通报记录不一致（见“文中数字”）；正文 25 个数字已核对一致，1 个数字与统计项不符或无法核对。" in page
    assert f"    - 第 {_line(edited, '共 <!--fig:totals.total-->90 件')} 行 totals.total：“事项数”正文写为 90，通报前言记录为 4" in page
    for markdown in (first, page):
        assert "全部一致" not in markdown and "<!--" not in markdown and "fig:" not in markdown
    archive = pages["bulletins/index.md"].markdown
    assert "| 2026-11-26 | 2026-11-25 | 一致（正文 1 个数字未核对） |" in archive and "| **不一致** |" in archive
    assert len(warned) == 1 and "bulletin-02.md" in warned[0] and "B108" in warned[0]
