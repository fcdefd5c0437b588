"""Creating a new item file: the next free id for the year, written atomically."""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path

from ..core import schema, yamlio
from ..core.findings import DuchaError
from ..files.write import write_exclusive

SCHEMA_LINE = "# yaml-language-server: $schema=../item.schema.json\n"


def next_sequence(year_dir: Path, year: int, used=()) -> int:
    """One past the highest number of the year among the files in ``year_dir`` and the ids in ``used``."""
    pattern = re.compile(rf"^DC-{year}-(\d{{4,5}})(?:\.yml)?$")
    names = [*(os.listdir(year_dir) if year_dir.is_dir() else []), *used]
    return max((int(m.group(1)) for name in names if (m := pattern.match(name))), default=0) + 1


def ids_ever_committed(root: Path) -> set[str]:
    """Every item id that has had a file in any commit of any branch (deleted and renamed ones too):
    a new item must not take one, or it would inherit that item's history and display number.
    Empty outside a git repository."""
    from ..history.repo import HistoryUnavailable, open_repo

    try:
        repo = open_repo(root)
    except HistoryUnavailable:
        return set()
    paths = repo.git.log("--all", "--name-only", "--no-renames", "--format=", "--", "items/").splitlines()
    return {Path(p).stem for p in paths if p.endswith(".yml")}


def dump_item(data: dict) -> str:
    ordered = {k: data[k] for k in schema.ITEM_FIELDS_ORDER if k in data and data[k] not in (None, [], {})}
    body = yamlio.dump(ordered)
    return SCHEMA_LINE + body


def write_new_item(items_dir: Path, data: dict, year: int | None = None, used=()) -> tuple[str, Path]:
    """Allocate the next id for ``year`` and write the file; never overwrites an existing file and never
    takes an id in ``used`` (``ids_ever_committed``) or below the highest of them.

    Concurrent runs are safe: when another process took the number first, the next one is tried.
    """
    assigned = data["assigned"]
    year = year or (assigned.year if isinstance(assigned, dt.date) else int(str(assigned)[:4]))
    year_dir = Path(items_dir) / str(year)
    year_dir.mkdir(parents=True, exist_ok=True)
    for _ in range(1000):
        seq = next_sequence(year_dir, year, used)
        item_id = f"DC-{year}-{seq:04d}"
        final = year_dir / f"{item_id}.yml"
        if write_exclusive(final, dump_item({**data, "id": item_id})):
            return item_id, final
    raise DuchaError(f"无法在 {year_dir} 中分配新编号。")
