"""The ledger rules file (``items/ledger.yml``): units, leaders, categories, limits."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from . import schema
from . import yamlio
from .workdays import PACKAGE_YEARS, WorkCalendar
from .findings import Finding
from .formats import DEFAULT_DECIMALS, shown
from .mask import phone_digits
from .pace import THRESHOLDS, PaceRules
from .model import to_date
from .schemacheck import schema_findings


DEFAULT_READING_LIMITS = {
    "normal": 72,
    "urgent": 24,
    "emergency": 1,
    "confidential": 168,
    "confidential_important": 72,
    "confidential_urgent": 2,
}


@dataclass(frozen=True)
class Unit:
    code: str
    name: str
    kind: str
    valid_until: dt.date | None = None
    merged_into: str | None = None
    former_names: tuple = ()
    reviewers: tuple = ()

    def name_on(self, day: dt.date) -> str:
        """The unit's name as it was on ``day`` (units are renamed over time)."""
        for former in sorted(self.former_names, key=lambda f: f["until"]):
            if day <= former["until"]:
                return former["name"]
        return self.name


@dataclass(frozen=True)
class DeadlineRule:
    days: int
    unit: str  # calendar | working

    def describe(self) -> str:
        return f"{self.days} 个{'工作日' if self.unit == 'working' else '自然日'}"


@dataclass(frozen=True)
class Batch:
    """A meeting or a document whose decisions or tasks became items (rules: ``batches``)."""

    code: str
    kind: str  # a key of schema.BATCH_KINDS
    date: dt.date
    title: str
    number: int | None = None

    @property
    def kind_name(self) -> str:
        return schema.BATCH_KINDS.get(self.kind, self.kind)

    def item_label(self, seq: int | None) -> str:
        """``市政府第9次常务会议（2026-04-15）第3项``: where an item stands in the batch's own list."""
        return f"{self.title}（{self.date.isoformat()}）" + (f"第{seq}项" if seq else "")


@dataclass(frozen=True)
class Category:
    code: str
    name: str
    deadline: dict | None  # urgency -> DeadlineRule; None: ``deadline: none``, no default deadline
    progress_every_days: int | None = None
    mailbox: bool = False
    reviewers: tuple = ()


@dataclass
class Rules:
    path: str
    office_name: str
    issuer: str
    doc_code: str
    units: dict[str, Unit]
    leaders: dict[str, dict]
    staff: list[dict]
    categories: dict[str, Category]
    yellow_working_days: int = 3
    progress_every_days: int = 15
    reading_limits: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_READING_LIMITS))
    holiday_overrides: dict[int, dict[str, set]] = field(default_factory=dict)
    backdating_tolerance_days: int = 3
    backdating_tolerance_unit: str = "calendar"  # or working: the tolerance and lateness in working days
    require_merge: bool = True
    allowed_signers: str | None = None
    baseline: str | None = None  # a commit (hex) or a day (YYYY-MM-DD): history up to it is taken as written
    max_secrecy: str = "internal"
    scoring: dict = field(default_factory=dict)
    bulletins: dict = field(default_factory=dict)
    public_phones: frozenset = frozenset()  # the office's and units' published numbers (phone_digits), never masked
    decimals: int = DEFAULT_DECIMALS  # of every percentage shown (statistics.decimals), rounded half up
    batches: dict[str, Batch] = field(default_factory=dict)  # meetings and documents, in date order
    pace: PaceRules = field(default_factory=PaceRules)  # progress against schedule (序时进度, core/pace.py)
    raw: dict = field(default_factory=dict, repr=False)
    _calendar: object = field(default=None, repr=False, compare=False)
    _names: object = field(default=None, repr=False, compare=False)  # core.names.names_of

    def late_by(self, recorded: dt.date, landed: dt.date) -> int:
        """How much later than ``recorded`` a record landed, in the unit of the backdating tolerance
        (negative when it landed earlier: a record dated ahead)."""
        if self.backdating_tolerance_unit == "working":
            if self._calendar is None:
                self._calendar = self.calendar()
            return self._calendar.working_days_between(recorded, landed)
        return (landed - recorded).days

    def tolerance_text(self, days: int | None = None) -> str:
        """``3 天`` or ``3 个工作日``: the tolerance (or ``days``) in its unit."""
        n = self.backdating_tolerance_days if days is None else days
        return f"{n} 个工作日" if self.backdating_tolerance_unit == "working" else f"{n} 天"

    @property
    def government(self) -> str:
        """How bulletins name the government the office serves: ``bulletins.government``, else read from the
        office's name (江州市人民政府督查室 → 市政府; 西河县人民政府督查室 → 县政府; 柳桥镇人民政府 → 镇政府)."""
        configured = (self.bulletins or {}).get("government")
        if configured:
            return str(configured)
        m = re.search(r"(市|县|区|旗|镇|乡|州|盟)人民政府", self.office_name)
        return f"{m.group(1)}政府" if m else "市政府"

    @property
    def office_short(self) -> str:
        """How bulletins name the office: ``bulletins.office``, else 市政府督查室 (县政府督查室 …)."""
        return str((self.bulletins or {}).get("office") or f"{self.government}督查室")

    def first_number(self, kind: str, year: int) -> int:
        """The 期号 ducha's first bulletin of ``kind`` in ``year`` takes (``bulletins.first_number``): an office
        that printed 第1–16期 before it used ducha continues with 第17期; 1 otherwise."""
        table = (self.bulletins or {}).get("first_number") or {}
        value = (table.get(kind) or {}).get(year) if isinstance(table, dict) and isinstance(table.get(kind), dict) else None
        return value if isinstance(value, int) and not isinstance(value, bool) and value >= 1 else 1

    def batch_code(self, name: str) -> str | None:
        """The batch ``name`` means: its code, or the code of the batch titled so; None when none is."""
        if name in self.batches:
            return name
        return next((b.code for b in self.batches.values() if b.title == name), None)

    def unknown_batch(self, name: str, what: str = "批次") -> str:
        """Why ``name`` names no batch, with the closest registered ones (or the registered ones)."""
        import difflib

        names = [*self.batches, *(b.title for b in self.batches.values())]
        close = difflib.get_close_matches(name, names, n=3, cutoff=0.4)
        known = "、".join(f"{b.code}（{b.title}）" for b in list(self.batches.values())[:8]) or "（台账规则中没有登记批次）"
        hint = f"是否指 {'、'.join(close)}？" if close else f"已登记的批次：{known}。"
        return f"{what}“{name}”未在台账规则的 batches 中登记。{hint}"

    def batch_label(self, code: str | None, seq: int | None = None) -> str:
        """Where an item came from, as people say it; "" when it names no batch."""
        if not code:
            return ""
        batch = self.batches.get(code)
        return batch.item_label(seq) if batch else code

    def calendar(self) -> WorkCalendar:
        return WorkCalendar(overrides=self.holiday_overrides)

    def unit_name(self, code: str, on: dt.date | None = None) -> str:
        unit = self.units.get(code)
        if unit is None:
            return code
        return unit.name_on(on) if on else unit.name

    def leader_name(self, code: str) -> str:
        leader = self.leaders.get(code)
        return f"{leader['title']}{leader['name']}" if leader else code

    @property
    def open_ended(self) -> frozenset[str]:
        """The categories without a default deadline (``deadline: none``)."""
        return frozenset(code for code, c in self.categories.items() if c.deadline is None)

    def progress_interval(self, category: str) -> int:
        cat = self.categories.get(category)
        return (cat.progress_every_days if cat and cat.progress_every_days else None) or self.progress_every_days

    def display_number(self, item_id: str) -> str:
        """GB/T 9704 style: 江府督办〔2026〕12号 (no zero padding)."""
        _, year, seq = item_id.split("-")
        return f"{self.doc_code}〔{year}〕{int(seq)}号"


def _date(value) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


@dataclass
class _Reading:
    """One rules file being read: where a field is, and the findings so far."""

    path: str
    text: str
    findings: list[Finding]

    def line(self, field_path: str):
        return yamlio.line_for(self.text, field_path)

    def date_at(self, value, field_path: str) -> dt.date | None:
        """The date of a field the schema let through as YYYY-MM-DD; R106 (and ``None``) for one no calendar has."""
        try:
            return _date(value)
        except ValueError:
            self.findings.append(Finding(self.path, self.line(field_path), "R106", field_path, f"“{value}”不是实际存在的日期。"))
            return None


def parse_rules(raw: bytes, path: str) -> tuple[Rules | None, list[Finding]]:
    parsed = yamlio.read(raw, path)
    if parsed.data is None:
        return None, parsed.findings
    data = parsed.data
    findings = schema_findings(schema.jsonable(data), schema.rules_schema(), path, parsed.text, code_map=_rules_code)
    findings = _decimals_findings(findings, data)
    findings = _category_deadline_findings(findings, data, path, parsed.text)
    findings = _pace_findings(findings, data, path, parsed.text)
    if findings:
        return None, findings
    reading = _Reading(path, parsed.text, findings)
    units = _read_units(data["units"], reading)
    _merge_findings(data["units"], units, reading)
    categories = _read_categories(data["categories"])
    overrides = _read_holiday_overrides(data.get("holiday_overrides") or {}, reading)
    findings += _scoring_findings(path, data.get("scoring") or {}, reading.line)
    if findings:
        return None, findings
    return _build_rules(path, data, units, categories, overrides), []


def _read_units(spec: dict, reading: _Reading) -> dict[str, Unit]:
    units = {}
    for code, u in spec.items():
        former = tuple(
            {"name": f["name"], "until": reading.date_at(f["until"], f"units.{code}.former_names[{i}].until")}
            for i, f in enumerate(u.get("former_names", []))
        )
        units[code] = Unit(
            code=code,
            name=u["name"],
            kind=u["kind"],
            valid_until=reading.date_at(u["valid_until"], f"units.{code}.valid_until") if "valid_until" in u else None,
            merged_into=u.get("merged_into"),
            former_names=former,
            reviewers=tuple(u.get("reviewers", [])),
        )
    return units


def _merge_findings(spec: dict, units: dict[str, Unit], reading: _Reading) -> None:
    """R103 for a unit merged into one not registered, or merged without a valid_until."""
    for code, unit in units.items():
        if unit.merged_into and (unit.merged_into not in units or "valid_until" not in spec[code]):
            reading.findings.append(
                Finding(reading.path, reading.line(f"units.{code}.merged_into"), "R103", f"units.{code}.merged_into",
                        f"单位 {code} 并入的单位“{unit.merged_into}”未登记，或缺少 valid_until。")
            )


def _read_categories(spec: dict) -> dict[str, Category]:
    return {
        code: Category(
            code=code,
            name=c["name"],
            deadline=None if c["deadline"] == schema.NO_DEADLINE else {u: DeadlineRule(r["days"], r["unit"]) for u, r in c["deadline"].items()},
            progress_every_days=c.get("progress_every_days"),
            mailbox=bool(c.get("mailbox", False)),
            reviewers=tuple(c.get("reviewers", [])),
        )
        for code, c in spec.items()
    }


def _read_holiday_overrides(spec: dict, reading: _Reading) -> dict[int, dict[str, set]]:
    """Each year's extra holidays and working days; R104 for a day of another year or listed as both."""
    overrides: dict[int, dict[str, set]] = {}
    for year_key, days in spec.items():
        year = int(year_key)
        holidays = {reading.date_at(d, f"holiday_overrides.{year_key}.holidays[{i}]") for i, d in enumerate(days["holidays"])}
        workdays = {reading.date_at(d, f"holiday_overrides.{year_key}.workdays[{i}]") for i, d in enumerate(days["workdays"])}
        holidays.discard(None)
        workdays.discard(None)
        bad = sorted(d for d in holidays | workdays if d.year != year)
        clash = sorted(holidays & workdays)
        if bad or clash:
            what = "、".join(str(d) for d in bad + clash)
            reading.findings.append(
                Finding(reading.path, reading.line(f"holiday_overrides.{year_key}"), "R104", f"holiday_overrides.{year_key}",
                        f"{year} 年的节假日补充数据有误：{what} 不属于该年份或同时列为放假和上班。")
            )
        overrides[year] = {"holidays": holidays, "workdays": workdays}
    return overrides


def _batches(data: dict) -> dict[str, Batch]:
    """The checked ``batches`` section, ordered by date (then as written)."""
    out = [Batch(code, b["kind"], to_date(b["date"]), str(b["title"]), b.get("number")) for code, b in data.items()]
    return {b.code: b for b in sorted(out, key=lambda b: b.date)}


def _build_rules(path: str, data: dict, units: dict, categories: dict, overrides: dict) -> Rules:
    """The ``Rules`` of a checked file, with the defaults of what it leaves out."""
    office = data["office"]
    reading_limits = dict(DEFAULT_READING_LIMITS)
    reading_limits.update(data.get("reading_limits") or {})
    audit = data.get("audit") or {}
    return Rules(
        path=path,
        office_name=office["name"],
        issuer=office["issuer"],
        doc_code=office["code"],
        units=units,
        leaders=dict(data["leaders"]),
        staff=list(data.get("staff") or []),
        categories=categories,
        yellow_working_days=(data.get("lights") or {}).get("yellow_working_days", 3),
        progress_every_days=(data.get("progress") or {}).get("every_days", 15),
        reading_limits=reading_limits,
        holiday_overrides=overrides,
        backdating_tolerance_days=audit.get("backdating_tolerance_days", 3),
        backdating_tolerance_unit=audit.get("backdating_tolerance_unit", "calendar"),
        require_merge=audit.get("require_merge", True),
        allowed_signers=audit.get("allowed_signers"),
        baseline=None if audit.get("baseline") is None else str(audit.get("baseline")),
        max_secrecy=(data.get("site") or {}).get("max_secrecy", "internal"),
        scoring=dict(data.get("scoring") or {}),
        decimals=(data.get("statistics") or {}).get("decimals", DEFAULT_DECIMALS),
        bulletins=dict(data.get("bulletins") or {}),
        batches=_batches(data.get("batches") or {}),
        pace=PaceRules.from_spec(data.get("pace") or {}),
        public_phones=frozenset(phone_digits(p) for p in [*office.get("phones", []),
                                                          *(p for u in data["units"].values() for p in u.get("phones", []))]),
        raw=data,
    )


def _scoring_findings(path, scoring: dict, line) -> list[Finding]:
    """Bounds the schema cannot relate: min ≤ max, and the base score between them (defaults as scoring.py)."""
    low, high, base = scoring.get("min", 0), scoring.get("max"), scoring.get("base", 100)
    if low is not None and high is not None and low > high:
        field, message = "scoring.min", f"考核最低分 min（{low}）高于最高分 max（{high}）。"
    elif (low is not None and base < low) or (high is not None and base > high):
        bound = lambda v: "不限" if v is None else v  # noqa: E731
        field, message = "scoring.base", f"考核基础分 base（{base}）不在最低分 min（{bound(low)}）与最高分 max（{bound(high)}）之间。"
    else:
        return []
    return [Finding(path, line(field if field.split(".")[1] in scoring else "scoring"), "R105", field, message)]


def _decimals_findings(findings: list[Finding], data: dict) -> list[Finding]:
    """The schema's findings, with those on statistics.decimals as one R108 that says what it may be."""
    field_path = "statistics.decimals"
    bad = [f for f in findings if f.field == field_path]
    if not bad:
        return findings
    allowed = "、".join(map(str, schema.DECIMALS))
    value = data["statistics"]["decimals"]
    message = f"百分比保留的小数位数 {field_path} 只能是 {allowed}（四舍五入，省略时为 {DEFAULT_DECIMALS}），实际是 {shown(value)}。"
    r108 = Finding(bad[0].path, bad[0].line, "R108", field_path, message)
    return sorted([f for f in findings if f.field != field_path] + [r108], key=Finding.sort_key)


def _category_deadline_findings(findings: list[Finding], data: dict, path: str, text: str) -> list[Finding]:
    """The schema's findings, with those on a category's ``deadline`` that is missing, empty, a word other
    than ``none`` or ``none`` under one urgency as one R111, R112 or R113 saying how to write it."""
    categories = data.get("categories")
    if not isinstance(categories, dict):
        return findings
    ours = []
    for code, spec in categories.items():
        if isinstance(spec, dict):
            found = _deadline_form(code, spec)
            if found:
                where = f"categories.{code}.deadline" if "deadline" in spec else f"categories.{code}"
                ours.append(Finding(path, yamlio.line_for(text, where), found[0], f"categories.{code}.deadline", found[1]))
    if not ours:
        return findings
    fields = {f.field for f in ours}
    kept = [f for f in findings if not any(f.field == g or f.field.startswith(g + ".") for g in fields)]
    return sorted(kept + ours, key=Finding.sort_key)


def _deadline_form(code: str, spec: dict) -> tuple[str, str] | None:
    """(code, message) for a category's ``deadline`` that says neither the default deadlines nor ``none``."""
    value, none = spec.get("deadline"), schema.NO_DEADLINE
    how = f"按紧急程度写 normal、urgent、critical 的默认期限，或明确写 deadline: {none}（无默认期限）"
    if value is None or value == "" or value == {}:
        said = "没有写默认期限 deadline" if "deadline" not in spec else "的默认期限 deadline 为空"
        return "R111", f"类别 {code} {said}：请{how}。"
    if isinstance(value, dict):
        urgencies = [u for u, rule in value.items() if rule is None or not isinstance(rule, dict)]
        if urgencies and any(value[u] is None or str(value[u]).strip().lower() in (none, "无", "无期限") for u in urgencies):
            return "R113", (f"类别 {code} 的 deadline 中 {'、'.join(map(str, urgencies))} 写成了无期限：{none} 只能对整个类别声明"
                            f"（deadline: {none}），不能只对某一紧急程度；需要不同期限的事项请在事项中写明 deadline。")
        return None
    if value != none:
        return "R112", f"类别 {code} 的 deadline 写成了 {shown(value)}，意思不明：没有默认期限只能写 deadline: {none}；否则请{how}。"
    return None


def _pace_findings(findings: list[Finding], data: dict, path: str, text: str) -> list[Finding]:
    """The schema's findings on ``pace`` as R114 (basis), R115 (thresholds), R116 (anything else there);
    R115 too for a yellow threshold above the red one."""

    def code(field_path: str) -> str:
        if field_path == "pace.basis":
            return "R114"
        return "R115" if field_path.split(".")[-1] in THRESHOLDS else "R116"

    out = [Finding(f.path, f.line, code(f.field), f.field, f.message) if f.field.split(".")[0] == "pace" else f
           for f in findings]  # fmt: skip
    pace = data.get("pace")
    if not out and isinstance(pace, dict):
        rules = PaceRules.from_spec(pace)
        if rules.yellow_behind > rules.red_behind:
            message = f"亮黄灯的落后百分点 yellow_behind（{rules.yellow_behind}）大于亮红灯的 red_behind（{rules.red_behind}）。"
            out.append(Finding(path, yamlio.line_for(text, "pace.yellow_behind") or yamlio.line_for(text, "pace"), "R115", "pace.yellow_behind", message))
    return sorted(out, key=Finding.sort_key)


def _rules_code(kind: str) -> str:
    return "R102"


# -- units over time -------------------------------------------------------------------------------


def successor(rules, code: str, as_of: dt.date) -> str:
    """The unit that handles ``code``'s items at ``as_of`` (itself unless merged before then)."""
    seen = set()
    while code not in seen:
        seen.add(code)
        unit = rules.units.get(code)
        if unit is None or not unit.merged_into or unit.valid_until is None or unit.valid_until >= as_of:
            return code
        code = unit.merged_into
    return code


def current_units(rules, as_of: dt.date) -> list[str]:
    """Units that exist at ``as_of`` (not merged away), in the rules' order."""
    return [code for code in rules.units if successor(rules, code, as_of) == code]


__all__ = ["Rules", "Unit", "Category", "DeadlineRule", "parse_rules", "PACKAGE_YEARS"]
