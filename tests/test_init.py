"""``ducha init DIR``: a new, empty ledger that ``ducha check`` and ``ducha build`` accept at once,
created only where it overwrites nothing, from templates that survive packaging."""

from __future__ import annotations

from pathlib import Path

import yaml
from click.testing import CliRunner
from gitutil import LedgerRepo

from ducha.intake import scaffold
from ducha.cli import main
from ducha import load_rules

PROJECT = Path(__file__).resolve().parents[1]
PACKAGE_TEMPLATES = PROJECT / "scripts" / "ducha" / "templates"

EXPECTED = {
    "items/ledger.yml",
    "items/ledger.schema.json",
    "items/item.schema.json",
    "bulletins/.gitkeep",
    "mkdocs.yml",
    ".gitignore",
    ".pre-commit-config.yaml",
    "site_src/overrides/main.html",
    ".gitlab-ci.yml",
    ".gitea/workflows/ducha.yml",
    ".github/workflows/ducha.yml",
    "deploy/nginx.conf",
}


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def files_under(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file() and ".git/" not in p.as_posix()}


def test_init_creates_a_ledger_that_check_and_build_accept_at_once(tmp_path):
    target = tmp_path / "ledger"
    result = run("init", target, "--office", "江北市人民政府督查室", "--issuer", "江北市人民政府办公室", "--code", "江北督办")
    assert result.exit_code == 0, result.output
    assert files_under(target) == EXPECTED
    # next steps, in Chinese: git is the user's job
    assert f"已在 {target} 创建新台账（{len(EXPECTED)} 个文件）。" in result.output
    assert "git init -b main && git add . && git commit" in result.output
    assert not (target / ".git").exists()

    rules = load_rules(target / "items", target)
    assert (rules.office_name, rules.issuer, rules.doc_code) == ("江北市人民政府督查室", "江北市人民政府办公室", "江北督办")
    assert rules.display_number("DC-2026-0012") == "江北督办〔2026〕12号"
    mk = yaml.safe_load((target / "mkdocs.yml").read_text(encoding="utf-8"))
    assert mk["site_name"] == "江北市人民政府督查室 · 督查督办台账"
    assert "__DUCHA_" not in "".join((target / f).read_text(encoding="utf-8") for f in EXPECTED)

    check = run("check", "--root", target)
    assert check.exit_code == 0, check.output
    assert check.output.strip() == "检查了 1 个文件：0 个错误，0 个警告。"
    # not a git repository yet: the site builds (the missing history is a warning, so not --strict)
    build = run("build", "--root", target)
    assert build.exit_code == 0, build.output
    assert (target / "site" / "index.html").is_file()
    assert "江北市人民政府督查室" in (target / "site" / "index.html").read_text(encoding="utf-8")


def test_init_then_git_then_strict_build(tmp_path):
    target = tmp_path / "ledger"
    assert run("init", target).exit_code == 0
    repo = LedgerRepo(target)
    repo.git("init", "-q", "-b", "main")
    repo.commit("台账初始化", "2026-11-02")
    tracked = set(repo.git("ls-files").split())
    assert tracked == EXPECTED  # .gitignore keeps nothing of ours out; dotfiles are committed
    build = run("build", "--strict", "--root", target)
    assert build.exit_code == 0, build.output
    assert run("audit", "--root", target).stdout.strip() == "共 0 条审计发现。"  # notices go to stderr


def test_init_refuses_a_non_empty_directory_and_writes_nothing(tmp_path):
    target = tmp_path / "ledger"
    target.mkdir()
    (target / "notes.txt").write_text("已有的材料", encoding="utf-8")
    result = run("init", target)
    assert result.exit_code == 1
    assert f"错误：目录 {target} 不是空的（有 notes.txt）。为避免覆盖已有文件" in result.output
    assert files_under(target) == {"notes.txt"}
    assert (target / "notes.txt").read_text(encoding="utf-8") == "已有的材料"

    a_file = tmp_path / "plain.txt"
    a_file.write_text("x", encoding="utf-8")
    result = run("init", a_file)
    assert result.exit_code == 2  # click: DIR must be a directory
    assert a_file.read_text(encoding="utf-8") == "x"


def test_init_accepts_an_empty_directory_or_a_fresh_clone(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    assert run("init", empty).exit_code == 0
    assert files_under(empty) == EXPECTED

    clone = tmp_path / "clone"  # an empty repository just cloned from the forge holds only .git
    clone.mkdir()
    LedgerRepo(clone).git("init", "-q", "-b", "main")
    result = run("init", clone)
    assert result.exit_code == 0, result.output
    assert files_under(clone) == EXPECTED


def test_init_forge_choice_and_forgejo_folder(tmp_path):
    target = tmp_path / "ledger"
    result = run("init", target, "--forge", "forgejo")
    assert result.exit_code == 0, result.output
    pipelines = {f for f in files_under(target) if f.startswith((".git", ".forgejo"))} - {".gitignore"}
    assert pipelines == {".forgejo/workflows/ducha.yml"}
    assert "       .forgejo/workflows/ducha.yml" in result.output
    full = scaffold.ledger_files()
    assert (target / ".forgejo/workflows/ducha.yml").read_text(encoding="utf-8") == full[".gitea/workflows/ducha.yml"].decode()


def test_init_values_that_need_quoting_in_yaml(tmp_path):
    target = tmp_path / "ledger"
    office = "某市督查室: #1 '试点'"
    result = run("init", target, "--office", office, "--code", "@督办")
    assert result.exit_code == 0, result.output
    rules = load_rules(target / "items", target)
    assert (rules.office_name, rules.doc_code) == (office, "@督办")
    mk = (target / "mkdocs.yml").read_text(encoding="utf-8")
    assert yaml.safe_load(mk.split("\ndocs_dir:")[0])["site_name"] == f"{office} · 督查督办台账"


def test_ledger_template_is_commented_in_chinese_and_matches_the_rules_schema():
    text = (PACKAGE_TEMPLATES / "init" / "ledger.yml").read_text(encoding="utf-8")
    comments = [line for line in text.splitlines() if line.lstrip().startswith("#")]
    chinese = [line for line in comments if any("\u4e00" <= ch <= "\u9fff" for ch in line)]
    assert len(chinese) > 25 and len(chinese) > 0.8 * len(comments)
    files = scaffold.ledger_files()
    assert files["items/ledger.schema.json"] == run("schema", "--ledger-rules").output.encode()
    assert files["items/item.schema.json"] == run("schema").output.encode()


def test_package_templates_have_no_dotfiles():
    """setuptools' package-data globs (``templates/**/*``) skip names starting with a dot: a template named
    ``.gitlab-ci.yml`` would silently be missing from the wheel.  Dotfiles are renamed on copy instead."""
    dotted = [p.relative_to(PACKAGE_TEMPLATES).as_posix() for p in PACKAGE_TEMPLATES.rglob(".*")]
    assert dotted == []
    pyproject = (PROJECT / "pyproject.toml").read_text(encoding="utf-8")
    assert '"templates/**/*"' in pyproject


def test_init_site_config_matches_this_repositorys():
    """The plugin serves its own CSS/JS, so a new ledger carries no copies; its site settings follow ours."""
    assert not (PACKAGE_TEMPLATES / "init" / "site_src" / "assets").exists()
    mk_ours = yaml.safe_load((PROJECT / "mkdocs.yml").read_text(encoding="utf-8"))
    mk_init = yaml.safe_load(scaffold.ledger_files()["mkdocs.yml"])
    for key in ("theme", "plugins", "markdown_extensions", "exclude_docs", "not_in_nav"):
        assert mk_init[key] == mk_ours[key], f"mkdocs.yml `{key}` differs: update scripts/ducha/templates/init/mkdocs.yml"
    assert "extra_css" not in mk_ours and "extra_javascript" not in mk_ours