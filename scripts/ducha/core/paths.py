"""Where things live in a ledger repository, and what a path names (pure string logic, no file access).

Item files are ``items/<year>/<id>.yml``; the rules are ``items/ledger.yml``; bulletins are under
``bulletins/``. Git trees and the work tree use the same posix paths.
"""

from __future__ import annotations

import posixpath

ITEMS_DIR = "items"
ITEMS_PREFIX = ITEMS_DIR + "/"
RULES_FILE = "ledger.yml"
RULES_PATH = f"{ITEMS_DIR}/{RULES_FILE}"
BULLETINS_DIR = "bulletins"


def id_of_path(rel: str) -> str:
    """The file stem (an item's id) of a path: ``items/2026/DC-2026-0001.yml`` → ``DC-2026-0001``."""
    name = rel[rel.rfind("/") + 1 :]
    return name[:-4] if name.endswith(".yml") and len(name) > 4 else posixpath.splitext(name)[0]


def is_item_path(path: str) -> bool:
    """An item file of a git tree or change list: under ``items/``, ``.yml``, not the rules file."""
    return path.startswith(ITEMS_PREFIX) and path.endswith(".yml") and path != RULES_PATH


def misnamed_item(rel: str) -> bool:
    """``DC-2026-0001.yaml``, ``.YML``, ``.yml.txt``: a YAML file by its name that is not ``*.yml`` (hidden files
    such as editors' swap files aside)."""
    name = rel[rel.rfind("/") + 1 :]
    low = name.lower()
    return not name.endswith(".yml") and not name.startswith(".") and (".yml" in low or ".yaml" in low)
