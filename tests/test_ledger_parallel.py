"""Large ledgers are checked in several processes: the result must be the same as in one."""

from __future__ import annotations

import datetime as dt
import shutil
import sys
from pathlib import Path

import pytest

from ducha.ledger.checked import PARALLEL_THRESHOLD, ItemTable, load_ledger_from_blobs
from ducha import load_ledger
from ducha import Item

sys.path.insert(0, str(Path(__file__).resolve().parent / "bench"))

import synth  # noqa: E402

AS_OF = synth.DEFAULT_AS_OF


@pytest.fixture(scope="module")
def big(tmp_path_factory) -> Path:
    root = synth.write_ledger(tmp_path_factory.mktemp("big"), synth.generate_items(PARALLEL_THRESHOLD + 5, seed=2))
    folder = root / "items" / "2026"
    # one broken file, a file named after another id, an id claimed twice (once in the wrong folder)
    (folder / "DC-2026-0003.yml").write_text("id: [unclosed\n", encoding="utf-8")
    shutil.copy(folder / "DC-2026-0011.yml", folder / "DC-2026-9999.yml")
    (root / "items" / "2025").mkdir()
    shutil.copy(folder / "DC-2026-0010.yml", root / "items" / "2025" / "DC-2026-0010.yml")
    # two items claim the same 序号 of a meeting, one written quoted with a comment; a third its own
    for n, lines in ((20, "batch: cwhy_2026_25\nseq: 7\n"), (21, "batch: 'cwhy_2026_25'  # 第25次\nseq: 7\n"),
                     (22, "batch: cwhy_2026_25\nseq: 8\n")):  # fmt: skip
        path = folder / f"DC-2026-{n:04d}.yml"
        assert "\nbatch:" not in path.read_text(encoding="utf-8")
        path.write_text(path.read_text(encoding="utf-8") + lines, encoding="utf-8")
    return root


def _summary(ledger):
    return (
        sorted(ledger.findings, key=lambda f: f.sort_key()),
        list(ledger.items),
        [ledger.items[k] for k in ledger.items],
        ledger.files,
    )


def test_two_processes_give_what_one_gives(big):
    one = load_ledger(big, AS_OF, jobs=1)
    two = load_ledger(big, AS_OF, jobs=2)
    assert _summary(two) == _summary(one)
    codes = {f.code for f in one.findings}
    assert {"D106", "D207", "D208", "D209"} <= codes
    # the items checked in another process are bytes until read: their claims to a 序号 are compared all the same
    assert sorted(f.path for f in two.findings if f.code == "D214") == ["items/2026/DC-2026-0020.yml", "items/2026/DC-2026-0021.yml"]
    assert len(one.items) == PARALLEL_THRESHOLD + 5 - 1  # the broken file has no item, 0010 counts once
    assert one.items["DC-2026-0010"].path == "items/2025/DC-2026-0010.yml"  # the first file in path order wins
    item = two.items["DC-2026-0010"]
    assert isinstance(item, Item) and item.text.startswith("# yaml-language-server")
    assert isinstance(item["assigned"], dt.date)
    assert two.items.get("DC-1999-0001") is None and "DC-2026-0010" in two.items


def test_from_blobs_in_two_processes(big):
    files = {p.relative_to(big).as_posix(): p.read_bytes() for p in (big / "items").rglob("DC-*.yml")}
    rules = (big / "items" / "ledger.yml").read_bytes()
    one = load_ledger_from_blobs(rules, files, AS_OF, jobs=1)
    two = load_ledger_from_blobs(rules, files, AS_OF, jobs=2)
    assert _summary(two) == _summary(one)


def test_item_table_behaves_like_a_dict():
    table = ItemTable()
    item = Item("DC-2026-0001", "items/2026/DC-2026-0001.yml", {"id": "DC-2026-0001"}, "")
    table.add(item.id, item)
    table.add(item.id, Item("DC-2026-0001", "other.yml", {}, ""))  # the first one stays
    assert table["DC-2026-0001"] is item and len(table) == 1 and list(table) == ["DC-2026-0001"]
    assert dict(table) == {"DC-2026-0001": item}
    del table["DC-2026-0001"]
    assert "DC-2026-0001" not in table


def test_items_rebuilt_in_the_parent_equal_the_checked_ones():
    """Worker processes send back bytes; the parent's rebuild must give exactly Checker.load's item."""
    from ducha.ledger.checked import item_from_bytes
    from ducha import load_rules
    from ducha import Checker

    repo = Path(__file__).resolve().parents[1]
    rules = load_rules(repo / "items")
    checker = Checker(rules, dt.date(2030, 1, 1))
    files = sorted((repo / "items").rglob("DC-*.yml")) + sorted((repo / "tests" / "corpus" / "good").rglob("*.yml"))
    checked = 0
    for path in files:
        shown = f"items/{path.parent.name}/{path.name}"
        item, _ = checker.load(path.read_bytes(), shown, path.stem)
        if item is not None:
            assert item_from_bytes(path.read_bytes(), shown) == item
            checked += 1
    assert checked >= 80
