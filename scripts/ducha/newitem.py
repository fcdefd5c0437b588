"""Creating a new item file: the next free id for the year, written atomically."""

from __future__ import annotations

import datetime as dt
import os
import re
import tempfile
from pathlib import Path

import yaml

from . import schema
from .findings import DuchaError

SCHEMA_LINE = "# yaml-language-server: $schema=../item.schema.json\n"


def next_sequence(year_dir: Path, year: int) -> int:
    pattern = re.compile(rf"^DC-{year}-(\d{{4,5}})\.yml$")
    numbers = [int(m.group(1)) for name in os.listdir(year_dir) if (m := pattern.match(name))] if year_dir.is_dir() else []
    return max(numbers, default=0) + 1


def dump_item(data: dict) -> str:
    ordered = {k: data[k] for k in schema.ITEM_FIELDS_ORDER if k in data and data[k] not in (None, [], {})}
    body = yaml.safe_dump(ordered, allow_unicode=True, sort_keys=False, default_flow_style=False, width=100)
    return SCHEMA_LINE + body


def write_new_item(items_dir: Path, data: dict, year: int | None = None) -> tuple[str, Path]:
    """Allocate the next id for ``year`` and write the file; never overwrites an existing file.

    Concurrent runs are safe: when another process took the number first, the next one is tried.
    """
    assigned = data["assigned"]
    year = year or (assigned.year if isinstance(assigned, dt.date) else int(str(assigned)[:4]))
    year_dir = Path(items_dir) / str(year)
    year_dir.mkdir(parents=True, exist_ok=True)
    for _ in range(1000):
        seq = next_sequence(year_dir, year)
        item_id = f"DC-{year}-{seq:04d}"
        final = year_dir / f"{item_id}.yml"
        if write_exclusive(final, dump_item({**data, "id": item_id})):
            return item_id, final
    raise DuchaError(f"无法在 {year_dir} 中分配新编号。")


def write_exclusive(path: Path, text: str) -> bool:
    """Write ``text`` to ``path`` atomically unless ``path`` exists (then False, nothing written).

    The text goes to a temporary file, is synced, and is hard-linked into place: the link fails if
    another process took the name first, so concurrent writers never overwrite each other.
    """
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".new-", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        try:
            os.link(tmp, path)
        except FileExistsError:
            return False
        return True
    finally:
        os.unlink(tmp)
