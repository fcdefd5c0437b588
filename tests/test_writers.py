"""What ducha writes a clerk can edit: no YAML anchors or aliases, and reading a written file and writing it
again gives the same bytes (new, import, bulletin drafts)."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from ducha.cli import main
from ducha.core import yamlio
from ducha.documents.drafting import dump_front_matter
from ducha.intake.newitem import dump_item
from gitutil import make_item, make_repo

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "tests" / "data" / "import-sample.xlsx"
ANCHOR = re.compile(r"[&*]id\d+|: [&*]\w")


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture
def ledger(tmp_path: Path) -> Path:
    (tmp_path / "items" / "2026").mkdir(parents=True)
    shutil.copy(REPO / "items" / "ledger.yml", tmp_path / "items" / "ledger.yml")
    return tmp_path


def _round_trips(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert not ANCHOR.search(text), text
    parsed = yamlio.read(text.encode("utf-8"), path.name)
    assert parsed.findings == [] and parsed.data is not None
    assert dump_item(parsed.data) == text


def test_an_item_written_by_new_round_trips(ledger):
    result = run("new", "--root", ledger, "--title", "推进老旧小区改造", "--category", "meeting_decision", "--source", "纪要",
                 "--leader", "mayor_zhang", "--lead-unit", "zjj", "--co-unit", "czj", "--co-unit", "hpq",
                 "--assigned", "2026-11-02", "--deadline", "2026-12-15", "--summary", "第一行\n第二行：有冒号")  # fmt: skip
    assert result.exit_code == 0, result.output
    _round_trips(ledger / "items/2026/DC-2026-0001.yml")


def test_items_imported_as_assigned_have_no_anchors_and_round_trip(ledger):
    """The approval's date is the very date object of ``assigned``: PyYAML's default dumper anchors it
    (``assigned: &id001 2026-11-27`` … ``date: *id001``), and editing one date would silently change both."""
    result = run("import", SAMPLE, "--category", "meeting_decision", "--source", "市政府第25次常务会议纪要",
                 "--assigned", "2026-11-27", "--approved-by", "李文华", "--root", ledger)  # fmt: skip
    assert result.exit_code == 0, result.output
    written = sorted((ledger / "items/2026").glob("*.yml"))
    assert len(written) == 6
    for path in written:
        text = path.read_text(encoding="utf-8")
        assert "assigned: 2026-11-27\n" in text and "  date: 2026-11-27\n" in text and "  by: vmayor_li\n" in text
        _round_trips(path)


def test_the_front_matter_of_a_drafted_bulletin_has_no_anchors_and_round_trips(tmp_path):
    repo = make_repo(tmp_path)
    repo.write_item(make_item("DC-2026-0001", "closed"))
    repo.write_item(make_item("DC-2026-0002", "assigned", lead_unit="zjj", deadline=dt.date(2026, 11, 20)))
    repo.commit("登记", "2026-11-24")
    result = run("bulletin", "new", "--kind", "通报", "--root", repo.path, "--as-of", "2026-11-25", "--date", "2026-11-25")
    assert result.exit_code == 0, result.output
    path = repo.path / re.search(r"：(bulletins/\S+\.md)", result.output).group(1)
    front = path.read_text(encoding="utf-8").split("---\n")[1]
    assert not ANCHOR.search(front), front
    parsed = yamlio.parse_text(front, path.name)
    assert parsed.findings == []
    assert dump_front_matter(parsed.data) == front


def test_the_dumper_never_anchors_a_shared_value():
    day = dt.date(2026, 3, 5)
    shared = ["czj"]
    text = yamlio.dump({"assigned": day, "approval": {"date": day}, "co_units": shared, "again": shared})
    assert text == "assigned: 2026-03-05\napproval:\n  date: 2026-03-05\nco_units:\n- czj\nagain:\n- czj\n"


def test_the_files_init_writes_have_no_anchors(tmp_path):
    target = tmp_path / "ledger"
    result = run("init", target)
    assert result.exit_code == 0, result.output
    written = [p for p in target.rglob("*") if p.is_file() and p.suffix in (".yml", ".yaml")]
    assert any(p.name == "ledger.yml" for p in written)
    for path in written:
        assert not ANCHOR.search(path.read_text(encoding="utf-8")), path
