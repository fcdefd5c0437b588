"""``ducha check``: the rules, the items and the bulletins, or a pull request against its target branch."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from ..core.findings import format_text, summary
from .common import AS_OF, FORMAT, REV, ROOT, WORKTREE, library_errors, load_for, root_dir, today


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@AS_OF
@FORMAT
@click.option("--base", default=None, help="合并请求检查：与目标分支（如 origin/main）比较，校验改动过的事项及其状态变更。")
@WORKTREE
@REV
@ROOT
def check(paths, as_of, fmt, base, worktree, rev, root):
    """校验台账：规则文件和全部（或指定的）事项文件。

    有错误时退出码为 1，只有警告或没有问题时为 0。
    """
    if base:
        from ..review.pullrequest import check_base

        with library_errors(fmt):
            ledger = check_base(root_dir(root), base, as_of or today())
    else:
        from ..documents.checking import check_ledger

        only = list(paths) if paths else None
        ledger = load_for(root, as_of, only=only, worktree=worktree, rev=rev, fmt=fmt, use_case=check_ledger)
    findings = sorted(ledger.findings, key=lambda f: f.sort_key())
    if fmt == "json":
        click.echo(json.dumps([f.as_dict() for f in findings], ensure_ascii=False, indent=2))
    else:
        if findings:
            click.echo(format_text(findings))
            click.echo("")
        click.echo(summary(findings, ledger.files))
    sys.exit(1 if ledger.errors else 0)
