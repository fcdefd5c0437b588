"""Text from data, escaped for where it goes (``ducha.core.markup``): Markdown source and HTML made from it."""

from __future__ import annotations

import html
import re

import markdown
import pytest

from ducha.core.markup import md_cell, md_text, sanitize_html, url_path

# The site's Markdown extensions (mkdocs.yml)
EXTENSIONS = ["tables", "attr_list", "md_in_html", "admonition", "toc"]

HOSTILE = [
    "![附](data:image/svg+xml,x){onerror='alert(1)'}",
    "[附件](javascript:alert(1))",
    "[附件][r]\n\n[r]: javascript:alert(1)",
    "# 标题 {onmouseover=alert(1)}",
    "标题 {: onclick=alert(1) }",
    "<img src=x onerror=alert(1)>",
    "<script>alert(1)</script>",
    "&lt;img src=x onerror=alert(1)&gt; &#60;b&#62;",
    "<javascript:alert(1)>",
    "`<b>` **粗** *斜* _下_ __双__",
    "| a | b |\n|---|---|\n| c | d |",
    "- 列表\n+ 列表\n1. 编号\n> 引用\n## 二级",
    "!!! danger \"警告\"\n    内容",
    "<div markdown=\"1\">**x**</div>",
    "反斜杠 \\ 和 \\[ 与 \\*",
    "12.5% 的增长，A&B 公司，3 < 5 > 2",
]


def _render(text: str) -> str:
    return markdown.markdown(text, extensions=EXTENSIONS)


@pytest.mark.parametrize("text", HOSTILE)
def test_md_text_reads_as_written_and_makes_no_markup(text):
    out = _render(md_text(text))
    tags = set(re.findall(r"</?([a-zA-Z0-9]+)", out))
    assert tags <= {"p"}, out  # no link, image, heading, list, table, emphasis, code or raw HTML
    shown = html.unescape(re.sub(r"</?p>", "", out))
    assert " ".join(shown.split()) == " ".join(text.split())


@pytest.mark.parametrize("text", HOSTILE)
def test_md_cell_stays_in_its_table_cell(text):
    table = f"| 事项 | 单位 |\n|---|---|\n| {md_cell(text)} | 市财政局 |\n"
    out = _render(table)
    cells = re.findall(r"<td>(.*?)</td>", out, re.S)
    assert len(cells) == 2 and cells[1] == "市财政局", out
    assert not re.search(r"<(?!/?td)[a-zA-Z]", cells[0]), out
    assert html.unescape(cells[0]) == " ".join(text.split())


def test_sanitiser_keeps_the_site_markup_and_drops_what_runs():
    made = _render(
        "## 一、总体情况 {#total .lead onmouseover=alert(1)}\n\n"
        "| 单位 | 件数 |\n|:--|--:|\n| [市财政局](../units/czj/) | 3 |\n\n"
        '!!! warning "数据来源"\n    依据提交 `abc1234`。\n\n'
        "![图](../assets/a.png){width=100 onerror=alert(2)} ![外](https://example.org/x.png) ![data](data:image/png;base64,AAAA)\n\n"
        "[附件](javascript:alert(3)) [邮件](mailto:dcs@example.gov.cn) [外网](https://example.org/)\n\n"
        '<div markdown="1" onclick="alert(4)" style="position:fixed">**重要**</div>\n'
    )
    clean = sanitize_html(made)
    assert 'id="total"' in clean and 'class="lead"' in clean
    assert '<td style="text-align:right">3</td>' in clean and 'href="../units/czj/"' in clean
    assert 'class="admonition warning"' in clean and "<code>abc1234</code>" in clean
    assert 'src="../assets/a.png"' in clean and 'width="100"' in clean
    assert 'href="mailto:dcs@example.gov.cn"' in clean and 'href="https://example.org/"' in clean
    assert "<strong>重要</strong>" in clean
    for gone in ("onmouseover", "onerror", "onclick", "javascript:", "data:image", "example.org/x.png", "position:fixed"):
        assert gone not in clean, gone


def test_url_path_cannot_end_an_attribute():
    assert url_path("items/2026/DC-2026-0001.yml") == "items/2026/DC-2026-0001.yml"
    quoted = url_path('items/"><img src=x onerror=alert(1)>/2026/a b.yml')
    assert not set(quoted) & set("\"'<> ")


def test_one_line_joins_wrapped_chinese_without_spaces():
    from ducha.core.markup import md_cell, one_line

    assert one_line("来信人不满意。 请尽快\n  答复。") == "来信人不满意。请尽快答复。"
    assert one_line("市财政局 市民政局") == "市财政局 市民政局"  # a space typed on one line stays
    assert one_line("PM2.5\n  monitoring  data\n数据") == "PM2.5 monitoring data 数据"
    assert md_cell("第一行\n第二行*强调*") == "第一行第二行\\*强调\\*"  # joined, then escaped
