"""Official documents (GB/T 9704-2012) measured as printed: a multi-page bulletin and a unit's notice are
exported as .docx through the CLI, converted to PDF by LibreOffice, and the PDF (not the XML) is measured.

Screenshots of page 1 and the last page of each go to ``artifacts/officedoc/`` (pdftoppm).  LibreOffice is
installed by ``.ci/run``, which sets ``DUCHA_REQUIRE_SOFFICE=1``: there these tests fail, never skip, when
``soffice`` is missing.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import subprocess
import zipfile

import pytest
from click.testing import CliRunner

from ducha.cli import main
from ducha.documents.soffice import find_soffice
from gitutil import PROJECT, make_item, make_repo
from pdfmeasure import is_red, measure

ARTIFACTS = PROJECT / "artifacts" / "officedoc"
AS_OF = "2026-11-25"
TOL = 1.5  # mm
PITCH = 225 / 22  # mm between body lines
UNITS = ["fgw", "jxj", "jyj", "kjj", "mzj", "czj", "rsj", "zrzyj", "sthjj", "zjj", "jtysj", "slj", "nyncj", "swj"]
TITLES = [
    "加快推进城市更新和老旧小区改造，完成年度改造任务并同步实施管网更新",
    "落实促进民营经济发展壮大的若干措施，清理拖欠企业账款",
    "推进义务教育优质均衡发展，新建改扩建中小学校八所",
    "开展安全生产治本攻坚三年行动，整治重大事故隐患",
]


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def _soffice_or_skip():
    if find_soffice():
        return
    if os.environ.get("DUCHA_REQUIRE_SOFFICE"):
        pytest.fail("LibreOffice（soffice）未安装，但本次运行要求测试公文的 PDF 版式（DUCHA_REQUIRE_SOFFICE）")
    pytest.skip("LibreOffice (soffice) is not installed")


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """A ledger of 28 items, 20 of them overdue at 14 units; its 通报 drafted as of 11-25 (with 抄送 added to
    the front matter) exported as .docx and .pdf, and 市住房和城乡建设局's notice as .pdf."""
    _soffice_or_skip()
    repo = make_repo(tmp_path_factory.mktemp("officedoc"))
    for n in range(1, 29):
        unit = UNITS[n % len(UNITS)]
        status = "assigned" if n % 3 == 0 else "in_progress"
        deadline = dt.date(2026, 11, 17 + n % 7) if n <= 20 else dt.date(2026, 12, 10)
        repo.write_item(make_item(f"DC-2026-{n:04d}", status, lead_unit=unit, co_units=None, deadline=deadline,
                                  title=f"{TITLES[n % len(TITLES)]}（第{n}项）"))  # fmt: skip
    repo.commit("登记督办事项", "2026-11-24")
    result = run("bulletin", "new", "--root", repo.path, "--kind", "通报", "--as-of", AS_OF, "--date", "2026-11-26")
    assert result.exit_code == 0, result.output
    path = repo.path / "bulletins/2026/bulletin-01.md"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("\nrecipients:", "\ncc: [市委督查室, 市人大常委会办公室, 市政协办公室]\nrecipients:", 1), encoding="utf-8")
    out = repo.path / "out"
    result = run("bulletin", "export", "--root", repo.path, path, "--format", "docx", "--format", "pdf", "--output", out)
    assert result.exit_code == 0, result.output
    assert "已写出 Word 文件" in result.output and "已写出 PDF" in result.output
    result = run("notice", "--root", repo.path, "--unit", "zjj", "--as-of", AS_OF, "--format", "pdf", "--output", out / "zjj.pdf")
    assert result.exit_code == 0, result.output
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    docs = {"bulletin": out / "bulletin-01.pdf", "notice": out / "zjj.pdf"}
    pages = {name: measure(pdf) for name, pdf in docs.items()}
    for name, pdf in docs.items():
        shutil.copyfile(pdf, ARTIFACTS / f"{name}.pdf")
        if shutil.which("pdftoppm"):
            last = len(pages[name])
            for label, number in (("page1", 1), ("last", last)):
                subprocess.run(["pdftoppm", "-r", "80", "-png", "-singlefile", "-f", str(number), "-l", str(number), str(pdf),
                                str(ARTIFACTS / f"{name}-{label}")], check=True, timeout=60)  # fmt: skip
    return {"repo": repo, "out": out, "pages": pages, "bulletin": path}


def body_lines(page):
    return [ln for ln in page.lines if abs(ln.size - 16) < 0.5]


def test_bulletin_is_multi_page_a4(exported):
    pages = exported["pages"]["bulletin"]
    assert len(pages) >= 4
    for p in pages:
        assert abs(p.width - 210) < TOL and abs(p.height - 297) < TOL


def test_margins_and_text_block(exported):
    """天头 37 mm, 订口 28 mm, 版心 156 × 225 mm: measured from the body's lines (the first and the 22nd
    line's centres half a line in from the text block's edges)."""
    for name in ("bulletin", "notice"):
        pages = exported["pages"][name]
        lines = [ln for p in pages for ln in body_lines(p)]
        left = min(ln.x0 for ln in lines)
        right = max(ln.x1 for ln in lines)
        assert abs(left - 28) < TOL, (name, left)
        assert abs(right - left - 156) < TOL, (name, right - left)
        for p in pages[1:-1]:
            mine = body_lines(p)
            if len(mine) == 22:
                top = (mine[0].top + mine[0].bottom) / 2 - PITCH / 2
                bottom = (mine[-1].top + mine[-1].bottom) / 2 + PITCH / 2
                assert abs(top - 37) < TOL, (name, p.number, top)
                assert abs(bottom - top - 225) < TOL, (name, p.number, bottom - top)


def test_22_lines_of_28_characters(exported):
    """A full page of body text has 22 lines at a pitch of 225/22 mm, and a full line of Chinese text 28 characters."""
    pages = exported["pages"]["bulletin"]
    counts = {p.number: len(body_lines(p)) for p in pages}
    assert max(counts.values()) == 22, counts
    full_pages = [p for p in pages if counts[p.number] == 22]
    for p in full_pages:
        tops = [ln.top for ln in body_lines(p)]
        gaps = [b - a for a, b in zip(tops, tops[1:])]
        assert all(abs(g - PITCH) < 0.15 for g in gaps), (p.number, gaps)
    full = [ln for p in pages for ln in body_lines(p) if abs(ln.x0 - 28) < 0.5 and ln.x1 > 182.5]
    chinese = [ln for ln in full if all(c not in " 0123456789.%/-" and ord(c) > 0x2000 for c in ln.text)]
    assert len(chinese) >= 5, [ln.text for ln in full]
    for ln in chinese:
        assert abs(len(ln.text) - 28) <= 1, (ln.page, ln.text)
    for ln in full:  # lines with digits too (a digit counted half; digits and the space beside them take more)
        assert 25 <= ln.units <= 29, (ln.page, ln.units, ln.text)


def test_sizes_body_16_title_22(exported):
    pages = exported["pages"]["bulletin"]
    first = pages[0]
    title = next(ln for ln in first.lines if ln.text.startswith("关于"))
    assert abs(title.size - 22) < 0.5
    sizes = {round(ln.size, 1) for p in pages[1:] for ln in p.lines if not re.fullmatch(r"— \d+ —", ln.text)}
    body = [ln for p in pages for ln in p.lines if "办理期限" in ln.text and not ln.text.startswith("序号")]
    assert body and all(abs(ln.size - 16) < 0.5 for ln in body[:5])
    assert 16.0 in sizes


def test_letterhead_red_mark_and_rule(exported):
    """版头: the issuer mark in red, centred, its top 35 mm below the text block's top; the 期号 line; the
    issuer and date line; a red rule as wide as the text block 4 mm below it."""
    for name, mark in (("bulletin", "督查通报"), ("notice", "督查通知单")):
        first = exported["pages"][name][0]
        line = next(ln for ln in first.lines if ln.text.replace(" ", "") == mark)
        assert is_red(line.color) and line.size >= 30
        assert abs(line.top - (37 + 35)) < TOL, (name, line.top)
        assert abs((line.x0 + line.x1) / 2 - (28 + 78)) < TOL
        issuer = next(ln for ln in first.lines if ln.text.startswith("江州市人民政府督查室") and "日" in ln.text)
        red = [r for r in first.rules if is_red(r.color)]
        assert red, first.rules
        rule = red[0]
        assert abs(rule.x0 - 28) < TOL and abs(rule.x1 - 184) < TOL
        assert abs(rule.y - issuer.bottom - 4) < 1.0, (rule.y, issuer.bottom)
        assert rule.y < min(ln.top for ln in first.lines if ln.text.startswith("关于"))
    first = exported["pages"]["bulletin"][0]
    assert any(ln.text == "2026年第1期" for ln in first.lines)


def test_page_numbers_alternate_sides(exported):
    """"— N —" in 4号 (14 pt) 7 mm below the text block: odd pages right, even pages left, one character in."""
    for name in ("bulletin", "notice"):
        for p in exported["pages"][name]:
            number = [ln for ln in p.lines if re.fullmatch(r"— \d+ —", ln.text)]
            assert len(number) == 1, (name, p.number, [ln.text for ln in p.lines[-3:]])
            ln = number[0]
            assert ln.text == f"— {p.number} —"
            assert abs(ln.size - 14) < 0.5
            assert abs(ln.top - (37 + 225 + 7)) < TOL, ln.top
            one = 14 / (72 / 25.4)
            if p.number % 2:
                assert abs(ln.x1 - (184 - one)) < TOL, (p.number, ln.x1)
            else:
                assert abs(ln.x0 - (28 + one)) < TOL, (p.number, ln.x0)


def test_imprint_at_the_bottom_of_the_last_page(exported):
    """版记: 抄送 and 印发 in 4号 between a thick, a thin and a thick rule as wide as the text block, the last
    on the text block's bottom edge."""
    last = exported["pages"]["bulletin"][-1]
    rules = sorted((r for r in last.rules if not is_red(r.color) and r.x1 - r.x0 > 150), key=lambda r: r.y)
    ys = sorted({round(r.y, 1) for r in rules})[-3:]  # the 版记's, below whatever table ends above them
    rules = [r for r in rules if round(r.y, 1) in ys]
    assert len(ys) == 3, rules
    assert abs(ys[-1] - 262) < TOL
    widths = {round(r.y, 1): r.width for r in rules}
    assert widths[ys[0]] > widths[ys[1]] < widths[ys[2]]
    for r in rules:
        assert abs(r.x0 - 28) < TOL and abs(r.x1 - 184) < TOL
    cc = next(ln for ln in last.lines if ln.text.startswith("抄送"))
    printed = next(ln for ln in last.lines if ln.text.endswith("印发"))
    assert abs(cc.size - 14) < 0.5 and abs(printed.size - 14) < 0.5
    assert ys[0] < cc.top < ys[1] < printed.top < ys[2]
    assert "2026年11月26日印发" in printed.text
    notice_last = exported["pages"]["notice"][-1]
    assert any(ln.text.endswith("印发") for ln in notice_last.lines)


def test_annex_on_a_new_page_and_headings(exported):
    pages = exported["pages"]["bulletin"]
    annex = next(p for p in pages if p.lines and p.lines[0].text == "附件")
    head = annex.lines[0]
    assert abs(head.x0 - 28) < TOL and abs(head.size - 16) < 0.5
    assert any("Sans" in f for f in head.fonts)  # 黑体 (its fallback on Linux)
    headings = [ln for p in pages for ln in p.lines if re.match(r"[一二三四五]、", ln.text)]
    assert headings and all(any("Sans" in f for f in ln.fonts) for ln in headings)
    tables = [ln for p in pages[pages.index(annex):] for ln in p.lines if ln.text.startswith("序号")]
    assert len(tables) >= 1
    after = pages[pages.index(annex) + 1 :]
    if after:  # the annex table runs on: its header row repeats at the top of the next page
        assert after[0].lines[0].text.startswith("序号")


def test_docx_properties_and_stable_bytes(exported):
    repo, out = exported["repo"], exported["out"]
    data = (out / "bulletin-01.docx").read_bytes()
    with zipfile.ZipFile(out / "bulletin-01.docx") as z:
        core = z.read("docProps/core.xml").decode()
        doc = z.read("word/document.xml").decode()
    assert f"commit={repo.head()}" in core and "as_of=2026-11-25" in core
    assert "2026-11-25T00:00:00" in core
    assert "<!--fig" not in doc and "文中数字" not in doc
    import docx
    from lxml import etree

    etree.fromstring(doc.encode())  # well-formed
    opened = docx.Document(str(out / "bulletin-01.docx"))
    assert opened.sections[0].page_width.mm == pytest.approx(210, abs=0.1) and opened.sections[0].top_margin.mm == pytest.approx(37, abs=0.1)
    assert opened.settings.odd_and_even_pages_header_footer
    assert "仿宋_GB2312" in doc and "方正小标宋简体" in doc and "黑体" in doc and any(p.text.startswith("一、") for p in opened.paragraphs)
    again = out / "again"
    result = run("bulletin", "export", "--root", repo.path, exported["bulletin"], "--output", again)
    assert result.exit_code == 0, result.output
    assert (again / "bulletin-01.docx").read_bytes() == data


def test_screenshots_are_written(exported):
    if not shutil.which("pdftoppm"):
        pytest.skip("pdftoppm (poppler-utils) is not installed")
    for name in ("bulletin", "notice"):
        for label in ("page1", "last"):
            assert (ARTIFACTS / f"{name}-{label}.png").stat().st_size > 10_000


# -- without LibreOffice: what is said, and nothing half-written ------------------------------------------


@pytest.fixture
def small(tmp_path):
    repo = make_repo(tmp_path)
    repo.write_item(make_item("DC-2026-0001", "assigned", deadline=dt.date(2026, 11, 20)))
    repo.commit("登记", "2026-11-24")
    result = run("bulletin", "new", "--root", repo.path, "--kind", "通报", "--as-of", AS_OF, "--date", "2026-11-26")
    assert result.exit_code == 0, result.output
    return repo, repo.path / "bulletins/2026/bulletin-01.md"


def test_pdf_without_libreoffice_says_how_to_install(small, monkeypatch):
    repo, path = small
    monkeypatch.setenv("DUCHA_SOFFICE", str(repo.path / "no-such-soffice"))
    out = repo.path / "out"
    result = run("bulletin", "export", "--root", repo.path, path, "--format", "docx", "--format", "pdf", "--output", out)
    assert result.exit_code == 1
    assert "B117" in result.output and "libreoffice-writer-nogui" in result.output and "Traceback" not in result.output
    assert not out.exists() or not any(out.iterdir())  # not even the .docx: nothing is written when the PDF fails


def test_failed_or_slow_conversion_writes_nothing(small, monkeypatch, tmp_path):
    from ducha.documents.soffice import ConversionError, docx_to_pdf

    failing = tmp_path / "fail-soffice"
    failing.write_text("#!/bin/sh\necho 'source file could not be loaded' >&2\nexit 1\n")
    failing.chmod(0o755)
    repo, path = small
    monkeypatch.setenv("DUCHA_SOFFICE", str(failing))
    result = run("bulletin", "export", "--root", repo.path, path, "--format", "pdf", "--output", repo.path / "out")
    assert result.exit_code == 1 and "B118" in result.output and "could not be loaded" in result.output
    assert not (repo.path / "out" / "bulletin-01.pdf").exists()
    slow = tmp_path / "slow-soffice"
    slow.write_text("#!/bin/sh\nsleep 5\n")
    slow.chmod(0o755)
    with pytest.raises(ConversionError) as err:
        docx_to_pdf({"x": b"PK"}, timeout=1, soffice=str(slow))
    assert err.value.code == "B118" and "1 秒" in str(err.value)


def test_a_bulletin_that_does_not_verify_gets_no_document(small):
    repo, path = small
    text = path.read_text(encoding="utf-8")
    path.write_text(re.sub(r"(?m)^(    total: )\d+", r"\g<1>99", text, count=1), encoding="utf-8")
    result = run("bulletin", "export", "--root", repo.path, path, "--output", repo.path / "out")
    assert result.exit_code == 1 and "B119" in result.output and "Traceback" not in result.output
    assert not (repo.path / "out" / "bulletin-01.docx").exists()


def test_long_titles_split_between_words():
    from ducha.documents.officedoc import split_title, width_units

    title = "关于市政府第25次常务会议确定事项和市长办公会议决定事项落实情况的通报"
    lines = split_title(title, 20)
    assert len(lines) == 2 and "".join(lines) == title, lines
    assert width_units(lines[0]) >= width_units(lines[1]) - 0.5 and all(width_units(x) <= 20 for x in lines)
    assert not lines[1].startswith(("的", "和", "情况", "事项", "会议")), lines
    assert split_title("关于抓紧办理的通知", 20) == ["关于抓紧办理的通知"]


# -- on the site ------------------------------------------------------------------------------------------


def test_site_offers_each_bulletin_as_docx_and_pdf(small, monkeypatch, tmp_path):
    """A verified bulletin's page links its .docx and .pdf, made from the body the page shows (a citizen's
    number masked there is masked in the document); two builds give the same bytes; without LibreOffice
    the build says so and offers the .docx alone."""
    from test_site import build

    _soffice_or_skip()
    repo, path = small
    shutil.copy(PROJECT / "mkdocs.yml", repo.path / "mkdocs.yml")
    shutil.copytree(PROJECT / "site_src", repo.path / "site_src")
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("\n## 一、", "\n来信人留言电话13912345678，请转告。\n\n## 一、", 1), encoding="utf-8")
    result = build(repo.path, "--strict")
    assert result.exit_code == 0, result.output
    folder = repo.path / "site" / "bulletins" / "2026"
    page = (folder / "bulletin-01" / "index.html").read_text(encoding="utf-8")
    assert 'href="../bulletin-01.docx"' in page and 'href="../bulletin-01.pdf"' in page
    assert "13912345678" not in page
    notices = (folder.parent / "notices" / "index.html").read_text(encoding="utf-8")
    assert "市发展和改革委员会" in notices and 'href="fgw.docx"' in notices
    with zipfile.ZipFile(folder.parent / "notices" / "fgw.docx") as z:
        assert "督查通知单" in z.read("word/document.xml").decode()
    assert 'href="notices/"' in (folder.parent / "index.html").read_text(encoding="utf-8")
    files = ("bulletin-01.docx", "bulletin-01.pdf")
    first = {name: (folder / name).read_bytes() for name in files}
    with zipfile.ZipFile(folder / "bulletin-01.docx") as z:
        doc = z.read("word/document.xml").decode()
    assert "<!--fig" not in doc and "文中数字" not in doc and "数据来源与核对" not in doc
    assert "13912345678" not in doc and "来信人留言电话139" in doc
    result = build(repo.path, "--strict")
    assert result.exit_code == 0, result.output
    assert {name: (folder / name).read_bytes() for name in files} == first
    monkeypatch.setenv("DUCHA_SOFFICE", str(tmp_path / "no-such-soffice"))
    result = build(repo.path, "--strict")
    assert result.exit_code == 0, result.output
    assert "未安装 LibreOffice" in result.output, result.output
    page = (folder / "bulletin-01" / "index.html").read_text(encoding="utf-8")
    assert 'href="../bulletin-01.docx"' in page and "bulletin-01.pdf" not in page
    assert not (folder / "bulletin-01.pdf").exists()


@pytest.mark.parametrize("lines, alone", [(14, False), (20, True)])
def test_imprint_alone_on_its_page_has_no_page_number(tmp_path, lines, alone):
    """When the 版记 does not fit under the body's last line it starts a page of its own, which carries no page
    number; when it fits, it sits at the bottom of the body's last page."""
    from ducha.documents.export import settle
    from ducha.documents.mdblocks import Block, Run
    from ducha.documents.officedoc import Letterhead, OfficialText

    _soffice_or_skip()
    blocks = [Block("heading", [Run("附件")], level=2)] + [Block("para", [Run("督查事项办理情况说明" * 2)]) for _ in range(lines)]
    doc = OfficialText(Letterhead("督查通报", "2026年第9期", "江州市人民政府督查室", dt.date(2026, 11, 26)), "关于测试的通报",
                       "各区县人民政府：", blocks, cc="市委督查室", printed_by="江州市人民政府督查室", printed_on=dt.date(2026, 11, 26))  # fmt: skip
    _, pdfs = settle({"doc": doc})
    (tmp_path / "doc.pdf").write_bytes(pdfs["doc"])
    pages = measure(tmp_path / "doc.pdf")
    numbers = {p.number: [ln.text for ln in p.lines if re.fullmatch(r"— \d+ —", ln.text)] for p in pages}
    last = pages[-1]
    assert any(ln.text.endswith("印发") for ln in last.lines)
    if alone:
        assert len(pages) == 3 and numbers[3] == [] and numbers[2] == ["— 2 —"]
        assert all(ln.size < 15 for ln in last.lines)  # the 版记 alone
        assert abs(max(r.y for r in last.rules) - 262) < TOL
    else:
        assert len(pages) == 2 and numbers[2] == ["— 2 —"]
