"""The review register of audit findings (``audit/reviews.yml``): which finding an auditor reviewed, when,
and the decision — 属实已核 (the record is genuine: the written value counts) or 不予认可 (it is not: the
conservative value counts).  A versioned file, so each decision is itself a reviewed, committed record.

    reviews:
      - finding: A101:DC-2026-0047:1a2b3c4d5e:closed     # as ``ducha audit`` names it
        reviewer: 李审计
        date: 2026-06-02
        decision: 属实已核
        note: 经核对纸质台账，5月6日已办结，系补录。
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..core import yamlio
from ..core.findings import Finding
from ..core.model import to_date
from ..core.rules import Rules

REGISTER_PATH = "audit/reviews.yml"
DECISIONS = {"属实已核": "accepted", "不予认可": "rejected", "accepted": "accepted", "rejected": "rejected"}
DECISION_LABELS = {"accepted": "属实已核", "rejected": "不予认可"}
KEY = re.compile(r"^A\d{3}:[^:\s]+:[0-9a-f]{7,10}:[^:\s]+$")


def finding_key(code: str, item: str, commit: str, field: str) -> str:
    """How the register names an audit finding: ``A101:DC-2026-0047:1a2b3c4d5e:closed`` ("-" for no item or field)."""
    return f"{code}:{item or '-'}:{commit[:10]}:{field or '-'}"


@dataclass(frozen=True)
class ReviewEntry:
    finding: str
    reviewer: str
    date: dt.date
    decision: str  # accepted | rejected
    note: str = ""


@dataclass
class Register:
    entries: dict[str, ReviewEntry] = field(default_factory=dict)  # finding key -> its review
    findings: list[Finding] = field(default_factory=list)

    @property
    def accepted(self) -> set[str]:
        return {k for k, e in self.entries.items() if e.decision == "accepted"}

    def decision(self, key: str) -> str:
        entry = self.entries.get(key)
        return entry.decision if entry else ""


def read_register(root: Path, rules: Rules, as_of: dt.date) -> Register:
    """The register in the work tree at ``root`` (an empty one when there is no file)."""
    path = Path(root) / REGISTER_PATH
    if not path.is_file() or path.is_symlink():
        return Register()
    return parse_register(path.read_bytes(), rules, as_of)


def register_at(repo, commit: str, rules: Rules, as_of: dt.date) -> Register:
    """The register as committed at ``commit`` (what a committed ledger's counts were decided by)."""
    import git

    try:
        raw = repo.git.show(f"{commit}:{REGISTER_PATH}", stdout_as_string=False)
    except git.GitCommandError:
        return Register()
    return parse_register(raw, rules, as_of)


def parse_register(raw: bytes, rules: Rules, as_of: dt.date) -> Register:
    """Every problem of the file is reported (V1xx), each with its line; the good entries still count."""
    result = yamlio.read(raw, REGISTER_PATH)
    reg = Register()
    if result.findings:
        reg.findings += [Finding(REGISTER_PATH, f.line, "V101", f.field, f.message) for f in result.findings]
        return reg
    data = (result.data or {}).get("reviews") or []
    if not isinstance(data, list):
        line = yamlio.line_for(result.text, "reviews")
        reg.findings.append(Finding(REGISTER_PATH, line, "V102", "reviews", "reviews 下应是一个列表，每条写 finding、reviewer、date、decision。"))
        return reg
    staff = {str(s.get(k)) for s in rules.staff for k in ("name", "email") if s.get(k)}
    for i, entry in enumerate(data):
        _entry(reg, i, entry, result.text, staff, as_of)
    return reg


def _entry(reg: Register, i: int, entry, text: str, staff: set[str], as_of: dt.date) -> None:
    where = f"reviews[{i}]"

    def bad(code: str, fld: str, message: str) -> None:
        line = yamlio.line_for(text, f"{where}.{fld}" if fld else where) if text else None
        reg.findings.append(Finding(REGISTER_PATH, line, code, f"{where}.{fld}" if fld else where, message))

    if not isinstance(entry, dict):
        return bad("V102", "", f"第 {i + 1} 条不是“键: 值”的记录。")
    missing = [k for k in ("finding", "reviewer", "date", "decision") if not entry.get(k)]
    if missing:
        return bad("V102", missing[0], f"第 {i + 1} 条缺少 {'、'.join(missing)}。")
    key = str(entry["finding"]).strip()
    if not KEY.match(key):
        return bad("V102", "finding", f"“{key}”不是审计发现的编号（形如 A101:DC-2026-0047:1a2b3c4d5e:closed，见 ducha audit）。")
    decision = DECISIONS.get(str(entry["decision"]).strip())
    if decision is None:
        return bad("V103", "decision", f"复核结论“{entry['decision']}”无效，只能是“属实已核”或“不予认可”。")
    try:
        day = to_date(entry["date"])
    except (TypeError, ValueError):
        return bad("V102", "date", f"日期“{entry['date']}”无效，应写成 YYYY-MM-DD。")
    if day > as_of:
        return bad("V107", "date", f"复核日期 {day} 晚于截止日 {as_of}。")
    if key in reg.entries:
        return bad("V105", "finding", f"审计发现 {key} 已在前面登记过复核结论；一个发现只登记一次，改变结论须说明并另行审批。")
    if staff and str(entry["reviewer"]) not in staff:
        bad("V106", "reviewer", f"复核人“{entry['reviewer']}”不在督查室人员名单（staff）中。")
    reg.entries[key] = ReviewEntry(key, str(entry["reviewer"]), day, decision, str(entry.get("note") or ""))
