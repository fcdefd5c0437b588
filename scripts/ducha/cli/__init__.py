"""The ``ducha`` command: a thin click adapter over the library.

Each module holds the commands of one concern and only parses options, calls one library function and
presents its result; ``common`` has what they share (options, the clock, errors and hints in the command's
own words, which ledger to load).
"""

from __future__ import annotations

import click

from .usage import Group
from .checking import check
from .items import list_, show, new, import_
from .history import history, audit
from .building import build
from .setup import schema, init, codeowners, reviewers
from .documents import bulletin, notice
from .counting import stats


@click.group("ducha", cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="ducha", message="%(prog)s %(version)s")
def main():
    """ducha：督查事项台账的校验、统计、通报与内网网站。"""


main.add_command(check)
main.add_command(list_)
main.add_command(show)
main.add_command(new)
main.add_command(import_)
main.add_command(history)
main.add_command(audit)
main.add_command(build)
main.add_command(schema)
main.add_command(init)
main.add_command(codeowners)
main.add_command(reviewers)
main.add_command(bulletin)
main.add_command(notice)
main.add_command(stats)
