"""ducha (督查): the ledger of a government supervision office.

The library knows nothing of click or MkDocs; ``ducha.cli`` and ``ducha.plugin`` are thin adapters over
it. The folders are its layers, each importing only those before it (``tests/test_layers.py``):

========== ===========================================================================================
core        the item and its rules — pure: no files, no git (model, schema, rules, deadlines, workdays,
            workflow, validate, record, mask, markup, findings and codes)
files       the file system: walks that never follow links, checksummed caches, files never overwritten
history     everything that runs git: the repository, and every item's history read from the commits
ledger      a checked ledger from a source: the work tree, or git as of a day or at a commit
review      checks on history: pull requests, the audit, who reviews what (CODEOWNERS)
counting    statistics, scores, 统计口径 and exports
documents   bulletins: checking, drafting, verifying their numbers; 督查通知单
intake      new items, imports from spreadsheets, new ledgers
site        the intranet site as data: its inputs and pages, and the built folder's swap
cli, plugin the two adapters: ``ducha`` (click) and the MkDocs plugin
========== ===========================================================================================

The names below are the public API: one function per use case, the same that both adapters call.
They are imported on first use, so ``import ducha`` stays cheap.
"""

from __future__ import annotations

import importlib
from pathlib import Path

__version__ = "0.1.0"

TEMPLATES = Path(__file__).parent / "templates"  # package data: site, theme, assets, bulletins, init

_API = {
    # the item and its rules
    "Item": "core.model", "Rules": "core.rules", "parse_rules": "core.rules", "WorkCalendar": "core.workdays",
    "effective_deadline": "core.deadlines", "light": "core.deadlines", "Checker": "core.validate",
    "timeline": "core.record:events", "Finding": "core.findings", "DuchaError": "core.findings",
    "LedgerError": "core.findings", "Hint": "core.findings", "Notice": "core.findings", "mask_text": "core.mask",
    # a ledger from a source
    "Ledger": "ledger.checked", "load_rules": "ledger.rulesfile", "find_root": "ledger.sources",
    "load_ledger": "ledger.sources", "load_ledger_at": "ledger.sources", "open_ledger": "ledger.sources",
    "OpenedLedger": "ledger.sources",
    # history and checks on it
    "load_history": "history.commits", "History": "history.commits", "HistoryUnavailable": "history.repo",
    "audit_repository": "review.audit", "check_base": "review.pullrequest", "reviewers_for_change": "review.owners",
    # counting
    "compute_stats": "counting.stats:compute", "score_units": "counting.scoring", "basis_markdown": "counting.basis",
    # documents
    "check_ledger": "documents.checking", "load_bulletins": "documents.bulletins",
    "draft_bulletin": "documents.drafting", "Verifier": "documents.verify", "unit_notices": "documents.notices",
    # intake
    "write_new_item": "intake.newitem", "plan_import": "intake.importer", "init_ledger": "intake.scaffold",
    # the site
    "gather_inputs": "site.inputs",
}  # fmt: skip

__all__ = ["__version__", "TEMPLATES", *_API]


def __getattr__(name: str):
    where = _API.get(name)
    if where is None:
        raise AttributeError(f"module 'ducha' has no attribute {name!r}")
    module, _, attr = where.partition(":")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), attr or name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(__all__)
