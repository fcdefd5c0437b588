"""The synthetic ledger generator (tests/bench/synth.py): valid by construction, realistic, deterministic."""

from __future__ import annotations

import collections
import datetime as dt
import json
import sys
from pathlib import Path

import pytest
import yaml_rs
from click.testing import CliRunner

from ducha.core import schema
from ducha.cli import main

sys.path.insert(0, str(Path(__file__).resolve().parent / "bench"))

import synth  # noqa: E402

N = 200


@pytest.fixture(scope="module")
def items() -> list[dict]:
    return synth.generate_items(N, seed=7)


@pytest.fixture(scope="module")
def ledger(items, tmp_path_factory) -> Path:
    return synth.write_ledger(tmp_path_factory.mktemp("synth"), items)


def _check(root: Path, as_of: str) -> list[dict]:
    result = CliRunner().invoke(main, ["check", "--root", str(root), "--as-of", as_of, "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_ducha_check_finds_no_error(ledger):
    findings = _check(ledger, synth.DEFAULT_AS_OF.isoformat())
    assert [f for f in findings if f["severity"] == "error"] == []
    # realistic: some items are late or owe a progress report, and say so only as warnings
    assert {f["code"] for f in findings} <= {"D601", "D602", "D603", "D604"}


def test_still_valid_on_later_days(ledger):
    findings = _check(ledger, "2027-03-01")
    assert [f for f in findings if f["severity"] == "error"] == []


def test_writes_a_complete_ledger(ledger, items):
    assert (ledger / "items" / "ledger.yml").read_bytes() == synth.RULES_PATH.read_bytes()
    files = sorted((ledger / "items").rglob("DC-*.yml"))
    assert len(files) == N
    for item in items[:20]:
        path = ledger / synth.item_path(item["id"])
        assert path.parent.name == item["id"].split("-")[1]
        assert path.read_text(encoding="utf-8").startswith("# yaml-language-server: $schema=../item.schema.json\n")


def test_every_status_and_record_kind_appears(items):
    statuses = collections.Counter(i["status"] for i in items)
    assert set(statuses) == set(schema.STATUSES), statuses
    for key in ("progress", "reminders", "extensions", "reviews", "result", "circulation", "citizen", "reply",
                "cancellation", "closed", "deadline", "co_units"):  # fmt: skip
        assert any(key in i for i in items), key
    extensions = [e for i in items for e in i.get("extensions", [])]
    assert any("approved" in e for e in extensions) and any("rejected" in e for e in extensions)
    assert any("delay_reason" in p for i in items for p in i.get("progress", []))
    assert {i["urgency"] for i in items} == set(schema.URGENCIES)


def test_realistic_sizes_and_chinese_text(items):
    sizes = [len(synth.render_item(i).encode("utf-8")) for i in items]
    assert 1100 <= sum(sizes) / len(sizes) <= 1600
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in i["title"]) for i in items)


def test_rendered_yaml_reads_back_as_the_item(items):
    for item in items:
        assert yaml_rs.loads(synth.render_item(item), parse_datetime=True) == item


def test_deterministic_from_the_seed(items):
    again = synth.generate_items(N, seed=7)
    assert [synth.render_item(i) for i in again] == [synth.render_item(i) for i in items]
    other = synth.generate_items(N, seed=8)
    assert [synth.render_item(i) for i in other] != [synth.render_item(i) for i in items]


def test_large_ledgers_span_years_with_sequential_ids():
    many = synth.generate_items(synth.ITEMS_PER_YEAR + 10, seed=1, as_of=dt.date(2026, 6, 30))
    years = collections.Counter(i["id"].split("-")[1] for i in many)
    assert sorted(years) == ["2025", "2026"]
    ids_2026 = [i["id"] for i in many if i["id"].startswith("DC-2026-")]
    assert ids_2026[:3] == ["DC-2026-0001", "DC-2026-0002", "DC-2026-0003"]
    assert all(i["assigned"] <= dt.date(2026, 6, 30) for i in many)
    assigned = [i["assigned"] for i in many if i["id"].startswith("DC-2026-")]
    assert assigned == sorted(assigned)


def test_command_line(tmp_path):
    assert synth.main(["--items", "12", "--out", str(tmp_path / "l"), "--seed", "3"]) == 0
    assert len(list((tmp_path / "l" / "items").rglob("DC-*.yml"))) == 12
