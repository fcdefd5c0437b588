"""Setting up: ``ducha init``, ``schema``, ``codeowners`` and ``reviewers``."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from ..core import schema as schema_mod
from ..core.findings import DuchaError
from ..core.paths import ITEMS_DIR
from ..ledger.rulesfile import load_rules
from .usage import Choice
from .common import FORMAT, ROOT, error_text, library_errors, root_dir


@click.command()
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), default=None, help="写入文件而不是输出到屏幕。")
@click.option("--ledger-rules", is_flag=True, help="输出台账规则文件（ledger.yml）的 JSON Schema。")
def schema(output, ledger_rules):
    """输出事项文件的 JSON Schema（供编辑器自动补全、提示错误）。"""
    text = (
        json.dumps(schema_mod.rules_schema(), ensure_ascii=False, indent=2) + "\n"
        if ledger_rules
        else schema_mod.item_schema_json()
    )
    if output:
        output.write_text(text, encoding="utf-8")
        click.echo(f"已写入 {output}")
    else:
        click.echo(text, nl=False)


@click.command()
@click.argument("directory", metavar="DIR", type=click.Path(file_okay=False, path_type=Path))
@click.option("--office", default=None, help="督查室名称（写入 items/ledger.yml 和网站标题），如“某某市人民政府督查室”。")
@click.option("--issuer", default=None, help="发文机关名称，如“某某市人民政府办公室”。")
@click.option("--code", default=None, help="机关代字，如“某府督办”：事项显示编号为 某府督办〔2026〕12号。")
@click.option(
    "--forge",
    "forges",
    type=Choice(["gitlab", "gitea", "forgejo", "github"]),
    multiple=True,
    help="生成哪个代码托管平台的流水线文件（可多次）；默认 gitlab、gitea、github 三种都生成，各平台只读自己的文件。",
)
def init(directory, office, issuer, code, forges):
    """在 DIR 中创建一个新的空台账：规则文件模板（中文注释）、JSON Schema、mkdocs.yml、site_src/、
    bulletins/、合并请求流水线（GitLab CI、Gitea/Forgejo Actions、GitHub Actions）、pre-commit 配置和 nginx 配置。

    DIR 必须不存在、为空或只含 .git；不会覆盖任何已有文件。不会运行 git init，也不会提交。
    """
    from ..intake.scaffold import DEFAULT_CODE, DEFAULT_FORGES, DEFAULT_ISSUER, DEFAULT_OFFICE, init_ledger

    try:
        files = init_ledger(
            directory,
            office=office or DEFAULT_OFFICE,
            issuer=issuer or DEFAULT_ISSUER,
            code=code or DEFAULT_CODE,
            forges=forges or DEFAULT_FORGES,
        )
    except DuchaError as exc:
        raise click.ClickException(error_text(exc)) from None
    shown = str(directory)
    pipelines = [f for f in files if f.startswith((".gitlab-ci", ".gitea/", ".forgejo/", ".github/"))]
    click.echo(f"已在 {shown} 创建新台账（{len(files)} 个文件）。")
    click.echo("下一步：")
    click.echo("  1. 编辑 items/ledger.yml：本单位名称、承办单位、领导、事项类别和期限、工作人员、审核人（reviewers）。")
    click.echo("     改完运行 ducha check；填好 reviewers 后运行 ducha codeowners 生成 CODEOWNERS。")
    click.echo(f"  2. 建立 git 仓库并提交：cd {shown} && git init -b main && git add . && git commit -m \"台账初始化\"")
    click.echo("  3. 在本单位代码托管平台上新建空仓库，推送主分支；保留本平台的流水线文件，删去其他平台的：")
    for f in pipelines:
        click.echo(f"       {f}")
    click.echo("     流水线安装 ducha 的来源（PyPI 镜像）和运行镜像请按文件中的说明修改；把合并请求检查设为合并前必须通过。")
    click.echo("  4. 登记事项：ducha new；生成网站：ducha build --strict（内网发布见 deploy/nginx.conf）。")


@click.command()
@click.option(
    "--output",
    type=click.Path(dir_okay=False, allow_dash=True, path_type=Path),
    default=None,
    help="写到哪个文件（默认台账根目录下的 CODEOWNERS；- 表示输出到屏幕）。",
)
@click.option("--check", "check_only", is_flag=True, help="不写文件，只检查 CODEOWNERS 是否与台账规则一致；不一致时退出码为 1。")
@ROOT
def codeowners(output, check_only, root):
    """根据台账规则中的 reviewers 生成 CODEOWNERS（GitHub、GitLab、Gitea、Forgejo 都能读取）。

    office.reviewers（督查室负责人）审核规则文件、通报、网站页面和流水线，并与各类别、各单位的
    reviewers 一起审核事项文件。CODEOWNERS 只能按路径指定审核人：事项文件按年份存放，类别和单位写在
    文件内容里，无法按路径区分，所以按类别、按单位的分工只写在文件的注释中。
    """
    from ..review.owners import FILE_NAME, codeowners_text

    root = root_dir(root)
    with library_errors():
        rules = load_rules(root / ITEMS_DIR, root)
        text = codeowners_text(rules)
    to_screen = output is not None and str(output) == "-"
    target = root / FILE_NAME if output is None else Path(output)
    if check_only:
        current = target.read_text(encoding="utf-8") if not to_screen and target.is_file() else None
        if current != text:
            click.echo(f"{target} 与台账规则中的 reviewers 不一致（或不存在）；请运行 ducha codeowners 并提交。", err=True)
            sys.exit(1)
        click.echo(f"{target} 与台账规则一致。")
    elif to_screen:
        click.echo(text, nl=False)
    else:
        target.write_text(text, encoding="utf-8")
        click.echo(f"已写入 {target}")


@click.command()
@click.option("--base", required=True, help="合并请求的目标分支，如 origin/main。")
@FORMAT
@ROOT
def reviewers(base, fmt, root):
    """列出本次修改（相对 --base 的共同祖先，含未提交的修改）需要哪些人审核。

    CODEOWNERS 只能按路径指定审核人；本命令按事项的类别和牵头单位（修改前后都算）找出
    categories / units 的 reviewers，没有指定审核人的事项和规则文件、通报、网站、流水线等
    由 office.reviewers（督查室负责人）审核。只输出，不改动任何文件。
    """
    from ..review.owners import reviewers_for_change

    root = root_dir(root)
    with library_errors(fmt):
        merge_base, reviews = reviewers_for_change(root, base)
    if fmt == "json":
        out = {"base": base, "merge_base": merge_base, "reviewers": [r.__dict__ for r in reviews]}
        click.echo(json.dumps(out, ensure_ascii=False, indent=2))
        return
    if not reviews:
        click.echo(f"相对 {base}（共同祖先 {merge_base[:10]}）没有需要审核的事项或文件。")
        return
    click.echo(f"相对 {base}（共同祖先 {merge_base[:10]}）的修改需要以下审核人：")
    for r in reviews:
        what = "、".join(r.items + r.files)
        click.echo(f"  {r.owner}  {'；'.join(r.roles)}：{what}")
