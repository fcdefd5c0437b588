"""The ``ducha`` command: a thin click adapter over the library.

Each module holds the commands of one concern and only parses options, calls one library function and
presents its result; ``common`` has what they share (options, the clock, errors and hints in the command's
own words, which ledger to load).
"""

from __future__ import annotations

import click

from .usage import Group

# every command, in the order the error for an unknown one lists them; each module is imported when used
COMMANDS = {
    "check": ".checking:check",
    "list": ".items:list_",
    "show": ".items:show",
    "new": ".items:new",
    "import": ".items:import_",
    "history": ".history:history",
    "audit": ".history:audit",
    "build": ".building:build",
    "schema": ".setup:schema",
    "init": ".setup:init",
    "codeowners": ".setup:codeowners",
    "reviewers": ".setup:reviewers",
    "bulletin": ".documents:bulletin",
    "notice": ".documents:notice",
    "stats": ".counting:stats",
}


@click.group("ducha", cls=Group, lazy=COMMANDS, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="ducha", message="%(prog)s %(version)s")
def main():
    """ducha：督查事项台账的校验、统计、通报与内网网站。"""
