"""Checking a ledger (``ducha check``): the rules, every item file and — for the work tree — the bulletins."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from ..ledger.register import REGISTER_PATH, read_register
from ..ledger.sources import OpenedLedger, open_ledger
from .bulletins import bulletin_files, load_bulletins


def check_ledger(
    root: Path, as_of: dt.date, *, committed: bool, rev: str | None = None, only: list[Path] | None = None
) -> OpenedLedger:
    """The ledger as ``open_ledger`` opens it, with the bulletins' and the review register's findings added
    when the whole work tree is checked (a committed ledger's bulletins are checked where they are published: the site and ``verify``)."""
    opened = open_ledger(root, as_of, committed=committed, rev=rev, only=only)
    ledger = opened.ledger
    if only is None and ledger.commit is None:
        _, findings = load_bulletins(Path(ledger.root), ledger.rules)
        ledger.findings += findings
        ledger.files += len(bulletin_files(Path(ledger.root)))
        register = read_register(Path(ledger.root), ledger.rules, as_of)
        ledger.findings += register.findings
        ledger.files += (Path(ledger.root) / REGISTER_PATH).is_file()
    return opened
