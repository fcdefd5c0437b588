"""Issue 13 (item 5, B1–B3): bulletins of a large ledger, the criticism saying exactly what is missing, and
sections with nothing in them left out — drafted in real git repositories with fixed dates."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import yaml
from click.testing import CliRunner

from ducha.cli import main
from ducha.documents.bodymarks import strip
from ducha.documents.bulletins import MAX_BYTES, parse_bulletin
from gitutil import make_item, make_repo

AS_OF = "2026-11-25"  # a Wednesday
UNITS = ("fgw", "jxj", "jyj", "kjj", "gaj", "mzj", "czj", "rsj", "zrzyj", "sthjj", "zjj", "jtysj", "slj", "nyncj", "swj")


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def front(text: str) -> dict:
    return yaml.safe_load(text.split("---\n")[1])


def body_of(text: str) -> str:
    return strip(text.split("---\n", 2)[2])


def new(repo, kind: str, *args):
    return run("bulletin", "new", "--kind", kind, "--root", repo.path, "--as-of", AS_OF, "--date", "2026-11-26", *args)


# -- B1: a bulletin is not an item file -------------------------------------------------------------


@pytest.fixture(scope="module")
def big(tmp_path_factory):
    """900 items overdue on 2026-11-25 across 15 units; every fifth one in progress gave a reason."""
    repo = make_repo(tmp_path_factory.mktemp("big"))
    for k in range(1, 901):
        status = "in_progress" if k % 3 else "assigned"
        item = make_item(f"DC-2026-{k:04d}", status, lead_unit=UNITS[k % len(UNITS)], co_units=None,
                         deadline=dt.date(2026, 11, 17) + dt.timedelta(days=k % 7),
                         title=f"加快推进第{k}批老旧小区改造和城市内涝治理工作并按期报送进展")  # fmt: skip
        if k % 5 == 0 and status == "in_progress":
            item["progress"][0]["delay_reason"] = "征地补偿方案需报省里审批。"
        repo.write_item(item)
    repo.commit("登记九百个事项", "2026-11-24")
    return repo


def test_a_bulletin_of_900_overdue_items_is_drafted_verified_and_published(big):
    from ducha import gather_inputs

    printed = new(big, "bulletin", "--print")
    assert printed.exit_code == 0, printed.output[:500]
    size = len(printed.output.encode("utf-8"))
    assert 256 * 1024 < size < MAX_BYTES  # over the item files' limit (D105), within the bulletins' own
    assert "D105" not in printed.output and not (big.path / "bulletins").exists()
    meta = front(printed.output)
    assert meta["figures"]["totals"]["overdue_open"] == 900 and len(meta["items"]) == 900
    assert printed.output.count("| 已交办，已超期 ") + printed.output.count("| 办理中，已超期 ") == 900  # the 附件 lists every item, in the bulletin itself
    written = new(big, "通报")
    assert written.exit_code == 0, written.output
    verified = run("bulletin", "verify", "--all", "--root", big.path)
    assert verified.exit_code == 0 and "1 期一致" in verified.output and "B1" not in verified.output, verified.output
    checked = run("check", "--root", big.path, "--as-of", AS_OF)
    assert "D105" not in checked.output and "B116" not in checked.output
    inputs = gather_inputs(big.path, dt.date(2026, 11, 25), from_history=True, history=False, warn=pytest.fail)
    pages = {p.src_uri: p for p in inputs.builder().build() if p.src_uri.startswith("bulletins/")}
    page = pages["bulletins/2026/bulletin-01.md"].markdown
    assert "已按该提交重新计算核对" in page and page.count("| 已交办，已超期 ") + page.count("| 办理中，已超期 ") == 900 and "<!--" not in page


def test_an_annex_too_large_for_the_file_moves_to_the_spreadsheet_alone(big, monkeypatch):
    from ducha.documents import drafting

    whole = new(big, "bulletin", "--print").output
    monkeypatch.setattr(drafting, "MAX_BYTES", len(whole.encode("utf-8")) - 1)  # a limit only the annex table breaks
    printed = new(big, "bulletin", "--print")
    assert printed.exit_code == 0, printed.output[:500]
    annex = printed.output.split("## 附件")[1]
    assert "全部 900 件事项的清单篇幅较大，见网站本期通报页面所附的电子表格（.xlsx）。" in annex and "| 序号 |" not in annex
    assert printed.output.count("| 已交办，已超期 ") == 0 and "、通报批评\n" in printed.output  # the rest as before


def test_a_bulletin_over_its_own_limit_is_refused_by_name_and_never_written(tmp_path):
    text = "---\nkind: 督查通报\n---\n" + "超期事项清单。\n" * (MAX_BYTES // 20)
    bulletin, findings = parse_bulletin(text.encode("utf-8"), "bulletins/2026/bulletin-01.md")
    assert bulletin is None and [f.code for f in findings] == ["B116"]
    assert findings[0].message == f"通报文件大小 {len(text.encode()) // 1024} KB，超过通报文件上限 2048 KB；请按牵头单位或事项类别分别起草。"
    from ducha.core.codes import docs_markdown

    assert '<span id="B116">B116</span> | 错误 | 通报文件过大 |' in docs_markdown()


# -- B2: the criticism says what is missing, item by item --------------------------------------------


@pytest.fixture
def criticized(tmp_path):
    """As of 2026-11-25, three items of zjj overdue without explanation, each missing something else:
    0001 reported progress on 11-18 (within 15 days) and was refused an extension: only the reason is missing;
    0002 reported progress on 11-18 and asked for nothing: reason and extension;
    0003 assigned on 11-01, no progress ever (24 days > 15): progress, reason and extension.
    0004 at czj gave a reason (not criticised)."""
    repo = make_repo(tmp_path)
    refused = make_item("DC-2026-0001", "in_progress", lead_unit="zjj", deadline=dt.date(2026, 11, 20))
    refused["extensions"] = [{"requested": dt.date(2026, 11, 19), "reason": "资金未到位。", "approved_by": "mayor_zhang",
                              "rejected": dt.date(2026, 11, 19)}]  # fmt: skip
    repo.write_item(refused)
    repo.write_item(make_item("DC-2026-0002", "in_progress", lead_unit="zjj", deadline=dt.date(2026, 11, 19)))
    silent = make_item("DC-2026-0003", "assigned", lead_unit="zjj", deadline=dt.date(2026, 11, 18), assigned=dt.date(2026, 11, 1))
    silent["approval"]["date"] = dt.date(2026, 11, 1)
    repo.write_item(silent)
    reason = make_item("DC-2026-0004", "in_progress", lead_unit="czj", co_units=None, deadline=dt.date(2026, 11, 20))
    reason["progress"][0]["delay_reason"] = "需报省里审批。"
    repo.write_item(reason)
    repo.commit("登记四个事项", "2026-11-24")
    return repo


def test_the_criticism_names_exactly_what_each_item_lacks(criticized):
    result = new(criticized, "通报")
    assert result.exit_code == 0, result.output
    path = criticized.path / "bulletins/2026/bulletin-01.md"
    text = path.read_text(encoding="utf-8")
    assert front(text)["figures"]["named"]["overdue_unexplained"] == {"zjj": ["DC-2026-0003", "DC-2026-0002", "DC-2026-0001"]}
    body = body_of(text)
    assert "既未报告进展、说明原因" not in body
    assert "对以下单位予以通报批评。这些事项已超过办理期限，承办单位未说明延期原因：" in body  # what all three lack
    assert ("- 市住房和城乡建设局：江府督办〔2026〕3号“加快推进地铁3号线建设”（超期 7 天，也未按规定报告进展、申请延期）；"
            "江府督办〔2026〕2号“加快推进地铁3号线建设”（超期 6 天，也未申请延期）；"
            "江府督办〔2026〕1号“加快推进地铁3号线建设”（超期 5 天）。") in body  # fmt: skip
    assert "江府督办〔2026〕4号：加快推进地铁3号线建设。办理期限 2026-11-20，已超期 5 天，目前办理中，已说明延期原因。" in body
    assert run("bulletin", "verify", path, "--root", criticized.path).exit_code == 0


def test_one_unexplained_item_is_said_in_one_sentence_and_the_other_kinds_say_the_same(criticized):
    from ducha.documents.drafting import lacking_text

    assert lacking_text(("reason",)) == "未说明延期原因"
    assert lacking_text(("reason", "extension")) == "既未说明延期原因，也未申请延期"
    assert lacking_text(("progress", "reason", "extension")) == "既未按规定报告进展、说明延期原因，也未申请延期"
    special = new(criticized, "专报", "--print")
    assert ("二是个别单位超期后未说明延期原因：\n\n- 市住房和城乡建设局：江府督办〔2026〕3号（也未按规定报告进展、申请延期）、"
            "江府督办〔2026〕2号（也未申请延期）、江府督办〔2026〕1号。") in body_of(special.output)  # fmt: skip
    notice = body_of(new(criticized, "通知", "--print").output)
    assert "江府督办〔2026〕3号：加快推进地铁3号线建设。办理期限 2026-11-18，已超期 7 天，既未按规定报告进展、说明延期原因，也未申请延期。" in notice
    assert "江府督办〔2026〕1号：加快推进地铁3号线建设。办理期限 2026-11-20，已超期 5 天，未说明延期原因。" in notice


# -- B3: sections with nothing in them are left out ---------------------------------------------------


@pytest.fixture
def quiet(tmp_path):
    """As of 2026-11-25 nothing is overdue or due soon: two items of fgw closed on time, one open until 12-15."""
    repo = make_repo(tmp_path)
    repo.write_item(make_item("DC-2026-0001", "closed"))
    repo.write_item(make_item("DC-2026-0002", "closed", deadline=dt.date(2026, 11, 30)))
    repo.write_item(make_item("DC-2026-0003", "in_progress", lead_unit="zjj"))
    repo.commit("登记三个事项", "2026-11-24")
    return repo


def headings(text: str) -> list[str]:
    return re.findall(r"(?m)^## (.+)$", body_of(text))


@pytest.mark.parametrize("kind, expected, absent", [
    ("通报", ["一、总体情况", "二、按期办结较好的单位", "三、下步要求", "附件　督查事项办理情况汇总表"],
     ["超期未办结单位", "通报批评", "进展滞后", "本期没有"]),
    ("专报", ["一、基本情况", "二、各单位办理情况", "三、下步工作建议"], ["存在的问题", "一是", "约谈", "没有超期"]),
    ("通知", ["一、有关要求"], ["即将到期的事项", "已超期的事项", "没有"]),
    ("政务督查", ["一、督查工作总体情况", "二、重点事项进展", "三、下步工作安排"], ["需要关注的问题", "没有超期"]),
])  # fmt: skip
def test_sections_with_nothing_in_them_are_left_out_and_the_rest_renumbered(quiet, kind, expected, absent):
    result = new(quiet, kind)
    assert result.exit_code == 0, result.output
    path = next((quiet.path / "bulletins/2026").glob("*.md"))
    text = path.read_text(encoding="utf-8")
    assert headings(text) == expected
    body = body_of(text)
    for word in absent:
        assert word not in body, word
    if kind == "通报":  # nobody overdue or criticised: the two requirements that address them are left out too
        assert "（二）市政府督查室将继续跟踪督办" in body and "（三）" not in body
        annex = body.split("## 附件")[1]  # the whole list of the scope, each item once, with its latest progress
        assert len(re.findall(r"(?m)^\| \d+ \| 江府督办", annex)) == 3 and "最新进展" in annex
    verified = run("bulletin", "verify", path, "--root", quiet.path)
    assert verified.exit_code == 0 and "B110" not in verified.output and "未核对" not in verified.output, verified.output


def test_a_zero_whose_section_a_clerk_removed_is_not_missed_but_a_number_is(repo_with_old_draft):
    """An older draft wrote the empty sections; removing them hides no figure (no B110), removing a
    sentence that stated a figure other than 0 still does."""
    repo, path, text = repo_with_old_draft
    assert "本期没有超期未说明原因的事项" in text and "fig:named.overdue_open#n" not in text
    removed = re.sub(r"(?s)## 三、超期未办结单位及事项.*?## 五、下步要求", "## 五、下步要求", text)
    removed = removed.replace("其中既未说明原因也未申请延期的 <!--fig:totals.overdue_unexplained-->0 件。", "")
    path.write_text(removed, encoding="utf-8")
    result = run("bulletin", "verify", path, "--root", repo.path)
    assert result.exit_code == 0 and "B110" not in result.output, result.output
    path.write_text(removed.replace("已办结 <!--fig:totals.closed-->2 件，", ""), encoding="utf-8")
    result = run("bulletin", "verify", path, "--root", repo.path)
    assert result.exit_code == 0 and "B110 警告 totals.closed：起草时正文写有“办结数”这一处" in result.output, result.output


@pytest.fixture
def repo_with_old_draft(quiet):
    """A bulletin in the shape drafts had before empty sections were left out (its 三、四 say there is nothing),
    with the markers and ``body_figures`` such a draft recorded."""
    result = new(quiet, "通报")
    assert result.exit_code == 0, result.output
    path = quiet.path / "bulletins/2026/bulletin-01.md"
    text = path.read_text(encoding="utf-8")
    old = ("## 三、超期未办结单位及事项\n\n截至2026年11月25日，没有超期未办结的事项。\n\n"
           "## 四、通报批评\n\n本期没有超期未说明原因的事项，不作通报批评。\n\n## 五、下步要求")  # fmt: skip
    text = text.replace("## 三、下步要求", old)
    text = text.replace("超期未办结 <!--fig:totals.overdue_open-->0 件。",
                        "超期未办结 <!--fig:totals.overdue_open-->0 件，其中既未说明原因也未申请延期的 <!--fig:totals.overdue_unexplained-->0 件。")
    meta = front(text)
    drafted = meta["body_figures"]
    drafted["totals.overdue_unexplained"] = 1
    text = text.replace("body_figures:\n", "body_figures:\n  totals.overdue_unexplained: 1\n", 1)
    assert front(text)["body_figures"]["totals.overdue_unexplained"] == 1
    path.write_text(text, encoding="utf-8")
    assert run("bulletin", "verify", path, "--root", quiet.path).exit_code == 0
    return quiet, path, text
