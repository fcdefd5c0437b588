"""What ducha refuses to read or publish: symbolic links, misnamed item files, classified markings in
bulletins and commit messages, and items above the site's ``max_secrecy`` (issue 10, items 10-14).

Every test builds a real git repository in ``tmp_path`` with fixed dates (``tests/gitutil.py``).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil

import pytest
from click.testing import CliRunner

from ducha.cli import main
from gitutil import PROJECT, make_item, make_repo

AS_OF = "2026-11-25"
SECRET = "外部文件内容-不在任何提交中"


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def clean(result, code: int):
    assert result.exit_code == code, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exc_info
    assert "Traceback" not in result.output


def findings(result) -> dict[str, list[str]]:
    """path -> codes, from ``--format json`` output."""
    out: dict[str, list[str]] = {}
    for f in json.loads(result.stdout):
        out.setdefault(f["path"], []).append(f["code"])
    return out


@pytest.fixture
def repo(tmp_path):
    repo = make_repo(tmp_path)
    repo.write_item(make_item("DC-2026-0001", "assigned"))
    repo.commit("登记 DC-2026-0001", "2026-11-16")
    return repo


@pytest.fixture
def outside(tmp_path):
    """A folder outside the repository with an item-looking file and a bulletin-looking file."""
    folder = tmp_path / "outside"
    folder.mkdir()
    item = make_item("DC-2026-0009", "assigned", title=SECRET)
    from gitutil import dump_item

    (folder / "DC-2026-0009.yml").write_text(dump_item(item), encoding="utf-8")
    (folder / "bulletin-09.md").write_text(f"---\nkind: 通报\nyear: 2026\nnumber: 9\n---\n{SECRET}\n", encoding="utf-8")
    return folder


# -- 13. symbolic links under items/ and bulletins/ ----------------------------------------------


def test_symlinks_under_items_and_bulletins_are_refused_not_read(repo, outside):
    (repo.path / "items/2026/DC-2026-0009.yml").symlink_to(outside / "DC-2026-0009.yml")
    (repo.path / "items/2026/linked").symlink_to(outside, target_is_directory=True)
    (repo.path / "bulletins/2026").mkdir(parents=True)
    (repo.path / "bulletins/2026/bulletin-01.md").symlink_to(outside / "bulletin-09.md")
    checked = run("check", "--root", repo.path, "--worktree", "--as-of", AS_OF, "--format", "json")
    clean(checked, 1)
    assert SECRET not in checked.output
    assert findings(checked) == {
        "items/2026/DC-2026-0009.yml": ["D111"],
        "items/2026/linked": ["D111"],
        "bulletins/2026/bulletin-01.md": ["B105"],
    }
    listed = run("list", "--root", repo.path, "--worktree", "--as-of", AS_OF, "--format", "json")
    clean(listed, 0)
    assert [row["id"] for row in json.loads(listed.stdout)] == ["DC-2026-0001"]
    # named on the command line, a link is still refused, not followed
    one = run("check", repo.path / "items/2026/DC-2026-0009.yml", "--root", repo.path, "--as-of", AS_OF, "--format", "json")
    clean(one, 1)
    assert findings(one) == {"items/2026/DC-2026-0009.yml": ["D111"]}
    verify = run("bulletin", "verify", repo.path / "bulletins/2026/bulletin-01.md", "--root", repo.path)
    clean(verify, 1)
    assert "B105" in verify.output and SECRET not in verify.output


def test_a_linked_rules_file_or_items_folder_is_refused(repo, tmp_path):
    rules = repo.path / "items/ledger.yml"
    copy = tmp_path / "ledger-elsewhere.yml"
    shutil.copy(rules, copy)
    rules.unlink()
    rules.symlink_to(copy)
    result = run("check", "--root", repo.path, "--worktree")
    clean(result, 1)
    assert "items/ledger.yml\n  全文  R107 错误：" in result.stderr
    rules.unlink()
    shutil.copy(copy, rules)
    shutil.move(repo.path / "items", tmp_path / "items-elsewhere")
    (repo.path / "items").symlink_to(tmp_path / "items-elsewhere", target_is_directory=True)
    result = run("list", "--root", repo.path, "--worktree")
    clean(result, 1)
    assert "items/ledger.yml\n  全文  R107 错误：" in result.stderr


def test_a_symlink_blob_in_the_git_tree_is_refused(repo, outside):
    (repo.path / "items/2026/DC-2026-0009.yml").symlink_to(outside / "DC-2026-0009.yml")
    repo.commit("误提交了一个链接", "2026-11-17")
    assert repo.git("ls-tree", "HEAD", "items/2026/DC-2026-0009.yml").startswith("120000 ")
    result = run("check", "--root", repo.path, "--as-of", AS_OF, "--format", "json")
    clean(result, 1)
    assert findings(result) == {"items/2026/DC-2026-0009.yml": ["D111"]}
    stats = run("stats", "--root", repo.path, "--as-of", AS_OF, "--format", "json")
    clean(stats, 0)
    assert SECRET not in stats.output


# -- 14. item files that are not *.yml ------------------------------------------------------------


@pytest.mark.parametrize("name", ["DC-2026-0002.yaml", "DC-2026-0002.YML", "DC-2026-0002.yml.txt"])
def test_a_misnamed_item_file_is_reported_in_the_work_tree_and_the_git_tree(repo, name):
    repo.write(f"items/2026/{name}", repo.read("items/2026/DC-2026-0001.yml").replace("DC-2026-0001", "DC-2026-0002"))
    worktree = run("check", "--root", repo.path, "--worktree", "--as-of", AS_OF)
    clean(worktree, 1)
    assert f"items/2026/{name}\n  全文  D112 错误：文件名 {name} 不以 .yml 结尾，ducha 不读取这个文件" in worktree.stdout
    assert "请改名为 DC-2026-0002.yml。" in worktree.stdout
    repo.commit("登记 DC-2026-0002", "2026-11-17")
    committed = run("check", "--root", repo.path, "--as-of", AS_OF, "--format", "json")
    clean(committed, 1)
    assert findings(committed) == {f"items/2026/{name}": ["D112"]}
    # list and stats (the committed ledger through the item cache, and the work tree) say so too
    for args in (("list",), ("stats",), ("list", "--worktree"), ("stats", "--worktree")):
        result = run(*args, "--root", repo.path, "--as-of", AS_OF)
        clean(result, 0)
        assert f"注意：items/2026/{name} 未读取（符号链接，或扩展名不是 .yml），不计入以下结果" in result.stderr, args


def test_other_files_and_hidden_files_under_items_are_not_misnamed_items(repo):
    repo.write("items/2026/.DC-2026-0001.yml.swp", "editor swap file")
    repo.write("items/README.md", "说明")
    result = run("check", "--root", repo.path, "--worktree", "--as-of", AS_OF, "--format", "json")
    clean(result, 0)
    assert findings(result) == {}


# -- 10. classified markings in bulletins ---------------------------------------------------------


def _bulletin(body: str = "正文。", **extra) -> str:
    meta = {"kind": "通报", "year": 2026, "number": 1, "date": "2026-11-26", "title": "关于督查事项办理情况的通报",
            "issuer": "江州市人民政府督查室", "recipients": ["各有关单位"], **extra}
    return "---\n" + "".join(f"{k}: {json.dumps(v, ensure_ascii=False)}\n" for k, v in meta.items()) + "---\n" + body + "\n"


@pytest.mark.parametrize(
    "text, line, field",
    [
        (_bulletin("# 通报\n\n依据《关于某事项的通知》（机密★1年）办理。"), 12, ""),
        (_bulletin(title="关于某事项的通报（绝密 ★ 长期）"), 6, ""),
        (_bulletin(secrecy="机密"), 9, "secrecy"),
        (_bulletin(密级="秘密"), 9, "密级"),
    ],
    ids=["body", "title", "secrecy", "密级"],
)
def test_a_classified_bulletin_fails_check_and_the_build(repo, text, line, field):
    repo.write("bulletins/2026/bulletin-01.md", text)
    _site_files(repo)
    checked = run("check", "--root", repo.path, "--format", "json")
    clean(checked, 1)
    rows = [f for f in json.loads(checked.stdout) if f["path"] == "bulletins/2026/bulletin-01.md"]
    assert [(f["code"], f["line"], f["field"]) for f in rows] == [("B106", line, field)]
    built = run("build", "--root", repo.path)
    clean(built, 1)
    assert "B106" in built.stderr and "网站未生成" in built.stderr
    assert not (repo.path / "site").exists()


def _site_files(repo):
    shutil.copy(PROJECT / "mkdocs.yml", repo.path / "mkdocs.yml")
    shutil.copytree(PROJECT / "site_src", repo.path / "site_src", dirs_exist_ok=True)


# -- 10 and 11. commit messages with a classified marking; items above max_secrecy ------------------

HIDDEN_TITLE = "内部事项乙不得上公开网站"
MARKED = "依据机密★1年文件补充进展"


@pytest.fixture(scope="module")
def public_site(tmp_path_factory):
    """A ledger published with ``max_secrecy: public``: DC-2026-0001 is public, DC-2026-0002 internal.
    Both are overdue and named in a drafted bulletin; 0002 gets an audit finding (deadline changed without
    an extension); a commit message carries a classified marking."""
    repo = make_repo(tmp_path_factory.mktemp("public"))
    repo.write("items/ledger.yml", repo.read("items/ledger.yml").replace("max_secrecy: internal", "max_secrecy: public"))
    repo.commit("站点只发布公开事项", "2026-11-02")
    public = make_item("DC-2026-0001", "in_progress", title="公开事项甲", secrecy="public", deadline=dt.date(2026, 11, 19))
    hidden = make_item("DC-2026-0002", "assigned", title=HIDDEN_TITLE, lead_unit="zjj", deadline=dt.date(2026, 11, 20))
    repo.write_item(public)
    repo.write_item(hidden)
    repo.commit(f"登记 DC-2026-0001 与 DC-2026-0002（{HIDDEN_TITLE}）", "2026-11-16")
    repo.write_item({**hidden, "deadline": dt.date(2026, 11, 21)})
    repo.commit("调整期限", "2026-11-21")
    public["progress"].append({"date": dt.date(2026, 11, 24), "by": "fgw", "text": "已开工。"})
    repo.write_item(public)
    repo.commit(f"{MARKED}\n\n详见江府督办〔2026〕2号。", "2026-11-24")
    drafted = run("bulletin", "new", "--root", repo.path, "--as-of", AS_OF, "--date", "2026-11-25", "--kind", "通报")
    clean(drafted, 0)
    _site_files(repo)
    repo.commit("通报第1期与网站配置", "2026-11-25")
    built = run("build", "--root", repo.path, "--as-of", AS_OF)
    clean(built, 0)
    return repo


def _site_text(repo) -> dict[str, str]:
    site = repo.path / "site"
    return {p.relative_to(site).as_posix(): p.read_text(encoding="utf-8") for p in site.rglob("*") if p.suffix in (".html", ".json", ".xml")}


def test_the_bulletin_names_the_hidden_item_in_the_ledger_repository(public_site):
    text = (public_site.path / "bulletins/2026/bulletin-01.md").read_text(encoding="utf-8")
    assert "DC-2026-0002" in text and HIDDEN_TITLE in text and "江府督办〔2026〕2号" in text  # the planted payload


def test_an_item_above_max_secrecy_is_named_nowhere_on_the_site(public_site):
    pages = _site_text(public_site)
    assert "search/search_index.json" in pages and "audit/index.html" in pages
    for needle in ("DC-2026-0002", HIDDEN_TITLE, "江府督办〔2026〕2号"):
        leaks = [name for name, text in pages.items() if needle in text]
        assert leaks == [], f"{needle} published in {leaks}"
    assert "DC-2026-0001" in pages["items/DC-2026-0001/index.html"]
    bulletin = pages["bulletins/2026/bulletin-01/index.html"]
    assert "公开事项甲" in bulletin and "另有 1 项不在本站公开" in bulletin


def test_audit_findings_about_a_hidden_item_are_left_out_of_the_site_not_the_audit(public_site):
    audited = run("audit", "--root", public_site.path, "--format", "json")
    clean(audited, 0)
    codes_by_item = {(f["code"], f["item"]) for f in json.loads(audited.stdout)}
    assert ("A102", "DC-2026-0002") in codes_by_item  # ducha audit still reports it
    audit_page = _site_text(public_site)["audit/index.html"]
    assert "A102" not in audit_page.split('id="recent"')[0]
    assert "A105" in audit_page  # direct commits are still shown, their subjects without the hidden item


def test_a_commit_message_with_a_classified_marking_is_withheld_and_an_audit_finding(public_site):
    audited = run("audit", "--root", public_site.path, "--format", "json")
    marked = [f for f in json.loads(audited.stdout) if f["code"] == "A114"]
    assert len(marked) == 1 and "机密" not in marked[0]["message"] and "★" not in audited.stdout
    pages = _site_text(public_site)
    assert [name for name, text in pages.items() if "机密★1年" in text or MARKED in text] == []
    assert "（提交说明含密级标志，未公开）" in pages["audit/index.html"]
    assert "（提交说明含密级标志，未公开）" in pages["items/DC-2026-0001/index.html"]
    assert "A114" in pages["audit/index.html"]
    history = run("history", "DC-2026-0001", "--root", public_site.path)
    clean(history, 0)
    assert "★" not in history.output and "（提交说明含密级标志，未公开）" in history.output


def test_the_pull_request_check_refuses_an_added_link_and_a_misnamed_item(repo, outside):
    repo.checkout("feature", new=True)
    (repo.path / "items/2026/DC-2026-0009.yml").symlink_to(outside / "DC-2026-0009.yml")
    repo.write("items/2026/DC-2026-0002.yaml", repo.read("items/2026/DC-2026-0001.yml").replace("DC-2026-0001", "DC-2026-0002"))
    repo.commit("登记两个事项", "2026-11-17")
    result = run("check", "--base", "main", "--root", repo.path, "--as-of", AS_OF, "--format", "json")
    clean(result, 1)
    assert SECRET not in result.output
    assert findings(result) == {"items/2026/DC-2026-0009.yml": ["D111"], "items/2026/DC-2026-0002.yaml": ["D112"]}


def test_a_linked_drafting_template_is_not_read(repo, outside):
    (outside / "bulletin.md.j2").write_text(SECRET + "\n", encoding="utf-8")
    (repo.path / "bulletins/templates").mkdir(parents=True)
    (repo.path / "bulletins/templates/bulletin.md.j2").symlink_to(outside / "bulletin.md.j2")
    result = run("bulletin", "new", "--root", repo.path, "--as-of", AS_OF, "--date", "2026-11-26", "--kind", "通报")
    clean(result, 1)
    assert "通报模板 bulletin.md.j2 经过符号链接 bulletins/templates/bulletin.md.j2" in result.output
    assert not list((repo.path / "bulletins").rglob("bulletin-01.md"))
