"""Item validation: from bytes to an ``Item`` plus every finding about it."""

from __future__ import annotations

import datetime as dt
import re

from . import schema
from . import yamlio
from .workdays import WorkCalendar
from .deadlines import effective_deadline
from .findings import Finding
from .formats import shown
from .markup import plain_name
from .names import field_kind, full_width_advice, names_of, value_at
from .pace import figure_findings
from .model import NOT_EVENTS, WORKING_STATUSES, Item, event_dates, typed_dates
from .rules import Rules
from .schemacheck import FIELD_LABELS, schema_findings

SCHEMA_COMMENT = "# yaml-language-server: $schema="
_CLASSIFIED_MARK = re.compile(r"(秘密|机密|绝密)\s*★")
_ID = re.compile(schema.ID_PATTERN)


def path_findings(path: str) -> list[Finding]:
    """D212 for an item path other than ``items/<year>/<name>.yml``: a nested folder, or a name with
    anything but letters, digits, ``-``, ``_`` and ``.`` (spaces, quotes, angle brackets, Chinese)."""
    parts = path.split("/")[1:]
    odd = next((ch for part in parts if not plain_name(part) for ch in part if not (ch.isascii() and (ch.isalnum() or ch in "_.-"))), None)
    if odd is not None:
        shown = repr(odd) if odd.isspace() else f"“{odd}”"
        message = f"路径中有 {shown} 等字母、数字和 - _ . 以外的字符；文件夹名和文件名只能用这些字符。此文件未读取。"
    elif not all(plain_name(part) for part in parts):
        message = "文件夹名和文件名应以字母或数字开头。此文件未读取。"
    elif len(parts) > 2:
        message = "事项文件应直接放在 items/<年份>/ 目录下，不能再分子目录。此文件未读取。"
    else:
        return []
    return [Finding(path, None, "D212", "", message)]


class Checker:
    """Validates items against one set of rules as of one date."""

    def __init__(self, rules: Rules, as_of: dt.date, calendar: WorkCalendar | None = None):
        self.rules = rules
        self.as_of = as_of
        self.cal = calendar or rules.calendar()
        self.item_schema = schema.item_schema()

    # -- loading -----------------------------------------------------------
    def load(self, raw: bytes, path: str, stem: str) -> tuple[Item | None, list[Finding]]:
        bad_path = path_findings(path)
        if bad_path:
            return None, bad_path
        parsed = yamlio.read(raw, path)
        if parsed.data is None:
            return None, parsed.findings
        data, text = parsed.data, parsed.text
        findings: list[Finding] = []

        def at(field: str) -> int | None:
            return yamlio.line_for(text, field)

        secrecy = data.get("secrecy")
        skip = ()
        if classified_secrecy(secrecy):
            skip = ("secrecy",)
            findings.append(Finding(path, at("secrecy"), "D701", "secrecy", f"密级“{secrecy}”属于国家秘密，涉密事项一律不得录入本系统。"))
        mark = classified_mark(text)
        if mark:
            findings.append(Finding(path, mark[0], "D701", "", f"文中出现密级标志“{mark[1]}”，涉密内容一律不得录入本系统。"))
        findings += self._advised(schema_findings(_jsonable(data), self.item_schema, path, text, skip=skip), data)
        reported = {f.field for f in findings}
        for fld, value in typed_dates(data):
            if fld in reported:  # already wrong in form (D203/D205 above)
                continue
            if isinstance(value, dt.datetime) and value.tzinfo is not None:
                message = f"时间 {value.isoformat(sep=' ')} 带有时区，请写成北京时间 YYYY-MM-DD HH:MM。"
            else:
                message = f"{shown(value)} 不是实际存在的日期或时间。{full_width_advice(value)}"
            findings.append(Finding(path, at(fld), "D205", fld, message))
        item_id = data.get("id")
        if isinstance(item_id, str) and _ID.match(item_id) and item_id != stem:
            findings.append(Finding(path, at("id"), "D207", "id", f"编号 {item_id} 与文件名 {stem} 不一致。"))
        if not text.startswith(SCHEMA_COMMENT):
            findings.append(Finding(path, 1, "D210", "", "第一行应为 `# yaml-language-server: $schema=../item.schema.json`，编辑器才能自动补全和提示错误。"))
        if isinstance(item_id, str) and _ID.match(item_id):
            folder = path.rsplit("/", 2)[-2] if path.count("/") >= 1 else ""
            if folder != item_id.split("-")[1]:
                findings.append(Finding(path, None, "D209", "", f"编号为 {item_id}，文件应放在 items/{item_id.split('-')[1]}/ 目录下。"))
        if any(f.is_error for f in findings):
            return None, findings
        item = Item(item_id, path, data, text)
        return item, findings + self.check(item)

    def _advised(self, findings: list[Finding], data: dict) -> list[Finding]:
        """D204 on a field that holds a code, said with the code to write (a name, a full-width code) or the
        closest ones."""
        if not findings:
            return findings
        names = names_of(self.rules)
        out = []
        for f in _misplaced(findings, data):
            kind = field_kind(f.field) if f.code == "D204" else None
            if kind:
                f = Finding(f.path, f.line, f.code, f.field, names.in_code_field(kind, value_at(data, f.field)))
            elif f.code in ("D203", "D205") and (wide := full_width_advice(value_at(data, f.field))):
                f = Finding(f.path, f.line, f.code, f.field, f"{f.message}{wide}")
            out.append(f)
        return out

    # -- semantic checks -----------------------------------------------------
    def check(self, item: Item) -> list[Finding]:
        out: list[Finding] = []
        path, text = item.path, item.text

        def add(code: str, field: str, message: str):
            out.append(Finding(path, _line_for(text, field), code, field, message))

        self._references(item, add)
        self._dates(item, add)
        self._workflow(item, add)
        self._extensions(item, add)
        self._as_of(item, add)
        for code, fld, message in figure_findings(item):
            add(code, fld, message)
        return out

    def _references(self, item: Item, add):
        rules = self.rules
        if item["category"] not in rules.categories:
            add("D303", "category", names_of(rules).unregistered("category", item["category"]))
        refs = [("lead_unit", item["lead_unit"])] + [(f"co_units[{i}]", u) for i, u in enumerate(item.get("co_units") or [])]
        refs += [(f"progress[{i}].by", p["by"]) for i, p in enumerate(item.log("progress"))]
        for fld, code in refs:
            unit = rules.units.get(code)
            if unit is None:
                add("D301", fld, names_of(rules).unregistered("unit", code))
            elif fld != "lead_unit" and not fld.startswith("co_units"):
                continue
            elif unit.valid_until and item.assigned > unit.valid_until:
                target = rules.unit_name(unit.merged_into) if unit.merged_into else "其他单位"
                add("D304", fld, f"{unit.name}已于 {unit.valid_until.isoformat()} 撤并（并入{target}），交办日期 {item.assigned.isoformat()} 晚于撤并日期。")
        batch = item.get("batch")
        if batch is not None and batch not in rules.batches:
            names = names_of(rules)
            add("D307", "batch", f"批次“{batch}”未在台账规则的 batches 中登记（会议或文件）。{names.advice('batch', names.resolve('batch', batch))}")
        if item.get("seq") is not None and batch is None:
            add("D213", "seq", "写了序号（seq）却没有写所属批次（batch）：序号是该事项在某次会议或某份文件任务清单中的位次。")
        co = item.get("co_units") or []
        if item["lead_unit"] in co:
            add("D305", f"co_units[{co.index(item['lead_unit'])}]", "牵头单位不能同时列为配合单位。")
        seen = set()
        for i, u in enumerate(co):
            if u in seen:
                add("D306", f"co_units[{i}]", f"配合单位“{u}”重复。")
            seen.add(u)
        leader_refs = [("leader", item["leader"])]
        if item.get("approval"):
            leader_refs.append(("approval.by", item["approval"]["by"]))
        if item.get("cancellation"):
            leader_refs.append(("cancellation.by", item["cancellation"]["by"]))
        leader_refs += [(f"extensions[{i}].approved_by", e["approved_by"]) for i, e in enumerate(item.log("extensions")) if "approved_by" in e]
        leader_refs += [(f"circulation[{i}].leader", c["leader"]) for i, c in enumerate(item.log("circulation"))]
        for fld, code in leader_refs:
            if code not in rules.leaders:
                add("D302", fld, names_of(rules).unregistered("leader", code))

    def _dates(self, item: Item, add):
        assigned = item.assigned
        as_of = self.as_of
        if item.get("deadline") and item["deadline"] < assigned:
            add("D401", "deadline", f"办理期限 {item['deadline']} 早于交办日期 {assigned}。")
        approval = item.get("approval")
        if approval and approval["date"] > assigned:
            add("D408", "approval.date", f"拟办意见审批日期 {approval['date']} 晚于交办日期 {assigned}。")
        result = item.get("result")
        if result and result["reported"] < assigned:
            add("D406", "result.reported", f"报结日期 {result['reported']} 早于交办日期 {assigned}。")
        reviews = item.log("reviews")
        if result and reviews and reviews[-1]["date"] < result["reported"] and item.status == "closed":
            add("D507", f"reviews[{len(reviews) - 1}].date", f"最后一次审核 {reviews[-1]['date']} 早于报结日期 {result['reported']}，重新报结后须再次审核。")
        if result and reviews and reviews[-1]["date"] < result["reported"] and item.status == "returned":
            add("D406", f"reviews[{len(reviews) - 1}].date", f"退回重办的审核 {reviews[-1]['date']} 早于报结日期 {result['reported']}；审核不能早于报结。")
        if reviews and result is None:
            add("D406", "reviews[0].date", "有审核记录，却没有报结材料（result）。")
        closed = item.closed
        if closed:
            if closed < assigned:
                add("D402", "closed", f"办结日期 {closed} 早于交办日期 {assigned}。")
            elif reviews and closed < reviews[-1]["date"]:
                add("D402", "closed", f"办结日期 {closed} 早于最后一次审核日期 {reviews[-1]['date']}。")
        for name in ("progress", "reminders", "reviews", "extensions"):
            key = "requested" if name == "extensions" else "date"
            entries = item.log(name)
            for i, entry in enumerate(entries):
                if i and entry[key] < entries[i - 1][key]:
                    add("D405", f"{name}[{i}].{key}", f"{entry[key]} 早于上一条记录的 {entries[i - 1][key]}；记录只能按时间顺序追加。")
                if entry[key] < assigned and name != "extensions":
                    add("D406", f"{name}[{i}].{key}", f"{entry[key]} 早于交办日期 {assigned}。")
        for i, c in enumerate(item.log("circulation")):
            if c.get("returned") and c["returned"] < c["sent"]:
                add("D407", f"circulation[{i}].returned", f"退回时间 {c['returned']:%Y-%m-%d %H:%M} 早于送阅时间 {c['sent']:%Y-%m-%d %H:%M}。")
        # nothing may be dated after as_of
        for fld, day in event_dates(item.data):
            if day > as_of:
                add("D404", fld, f"日期 {day} 晚于统计截止日 {as_of}。")

    def _workflow(self, item: Item, add):
        status = item.status
        approval = item.get("approval")
        if status != "draft" and not approval:
            add("D501", "status", f"状态为“{schema.STATUSES[status]}”，但缺少经领导审批的拟办意见（approval）。")
        if status in ("reported", "returned", "closed") and not item.get("result"):
            add("D502", "status", f"状态为“{schema.STATUSES[status]}”，但缺少报结材料（result）。")
        reviews = item.log("reviews")
        if status == "closed":
            if not reviews or reviews[-1]["result"] != "passed":
                add("D503", "status", "已办结事项的最后一次审核结果须为“审核通过”（reviews 中 result: passed）。")
            if not item.closed:
                add("D504", "status", "状态为已办结，但没有办结日期（closed）。")
        elif item.closed:
            add("D504", "closed", f"状态为“{schema.STATUSES[status]}”，不能有办结日期。")
        if status == "returned" and (not reviews or reviews[-1]["result"] != "returned"):
            add("D505", "status", "状态为退回重办，但最后一次审核结果不是 returned。")
        if (status == "cancelled") != bool(item.get("cancellation")):
            if status == "cancelled":
                add("D506", "status", "状态为已撤销，但缺少撤销信息（cancellation：date、by、reason）。")
            else:
                add("D506", "cancellation", f"状态为“{schema.STATUSES[status]}”，不能有撤销信息。")
        category = self.rules.categories.get(item["category"])
        if category and category.mailbox and not item.get("citizen"):
            add("D515", "category", "市长信箱来信应登记来信人信息（citizen），网站发布时自动隐藏。")

    def _extensions(self, item: Item, add):
        cal = self.cal
        for i, e in enumerate(item.log("extensions")):
            base = f"extensions[{i}]"
            if "approved" in e and "rejected" in e:
                add("D514", base, "同一次延期申请不能既批准又不批准。")
                continue
            decided = e.get("approved") or e.get("rejected")
            if decided and not e.get("approved_by"):
                add("D511", f"{base}.approved_by", "延期的批准或不批准须写明决定的领导（approved_by）。")
            if decided and decided < e["requested"]:
                add("D403", f"{base}.{'approved' if 'approved' in e else 'rejected'}", f"决定日期 {decided} 早于申请日期 {e['requested']}。")
            if e.get("new_deadline") and "approved" not in e:
                add("D511", f"{base}.new_deadline", "延期尚未批准（没有 approved 日期），不能写新期限。")
            if "approved" in e and not e.get("new_deadline"):
                add("D513", base, "已批准的延期缺少新期限（new_deadline）。")
            if "approved" in e and e.get("new_deadline"):
                # judged against the effective deadline before this extension (rest days rolled over, as everywhere)
                partial = Item(item.id, item.path, {**item.data, "extensions": item.log("extensions")[:i]})
                dl = effective_deadline(partial, self.rules, cal)
                if dl and dl.date and e["new_deadline"] <= dl.date:
                    add("D512", f"{base}.new_deadline", f"新期限 {e['new_deadline']} 不晚于原有效期限 {dl.date}。")

    def _as_of(self, item: Item, add):
        # every check that reads the as-of day is here or is D404 in ``_dates``: one more must keep
        # ``stable_from`` true (the check cache serves a file's findings on another day by it)
        from .deadlines import progress_overdue

        rules, cal, as_of = self.rules, self.cal, self.as_of
        if item["category"] not in rules.categories or item.status in ("draft", "cancelled"):
            return
        deadline = effective_deadline(item, rules, cal)
        if deadline is None:
            return
        if deadline.unknown_years and item.is_open_on(as_of):
            years = "、".join(str(y) for y in deadline.unknown_years)
            approved = [i for i, e in enumerate(item.log("extensions")) if e.get("approved") and e.get("new_deadline")]
            where = f"extensions[{approved[-1]}].new_deadline" if deadline.source == "extension" and approved else (
                "deadline" if item.get("deadline") else "assigned")
            add("D604", where,
                f"期限计算涉及 {years} 年，该年的节假日与调休安排尚未收录，暂按周末休息计算，期限可能不准确；"
                f"请在 items/ledger.yml 的 holiday_overrides 中补充 {years} 年的安排。")
        if item.late_without_explanation(deadline.date, as_of):
            add("D601", "status", f"已超过办理期限 {deadline.date}（{(as_of - deadline.date).days} 天）仍未办结，也未说明原因或申请延期；将列入通报批评。")
        elif item.status in WORKING_STATUSES:
            late = progress_overdue(item, rules, as_of)
            if late:
                interval = rules.progress_interval(item["category"])
                add("D602", "progress", f"应每 {interval} 天报告一次进展，已逾期 {late} 天未报告。")
        for i, c in enumerate(item.log("circulation")):
            limit = rules.reading_limits.get(c["kind"])
            end = c.get("returned")
            if limit is None or end is None:
                continue
            hours = (end - c["sent"]).total_seconds() / 3600
            if hours > limit:
                add("D603", f"circulation[{i}].returned",
                    f"{schema.CIRCULATION_KINDS[c['kind']]}批阅用时 {_hours(hours)}，超过时限 {_hours(limit)}（{rules.leader_name(c['leader'])}）。")


_ENTRY = re.compile(r"^([a-z_]+)\[(\d+)\]")


def _misplaced(findings: list[Finding], data: dict) -> list[Finding]:
    """Unknown and missing fields of one list entry whose fields are those of another list's entries (a
    progress report appended under reminders) as one D219 that says where it belongs."""
    moved: dict[str, Finding] = {}
    for f in findings:
        m = _ENTRY.match(f.field) if f.code in ("D201", "D202") else None
        entry = m.group(0) if m else None
        if entry is None or entry in moved:
            continue
        value = value_at(data, entry)
        home = schema.entry_home(value) if isinstance(value, dict) else None
        if home is not None and home != m.group(1):
            fields = "、".join(map(str, value))
            label, here = FIELD_LABELS.get(home, home), FIELD_LABELS.get(m.group(1), m.group(1))
            moved[entry] = Finding(f.path, f.line, "D219", entry,
                                   f"{m.group(1)} 下第 {int(m.group(2)) + 1} 条（{fields}）不是{here}，是{label}（{home}）的记录：应移到 {home}: 下面。")
    if not moved:
        return findings
    kept = [f for f in findings if not ((m := _ENTRY.match(f.field)) and m.group(0) in moved and f.code in ("D201", "D202"))]
    return sorted(kept + list(moved.values()), key=Finding.sort_key)


_PLAIN_TYPES = frozenset((str, int, bool, float, type(None)))


def _jsonable(value):
    """``schema.jsonable`` without a call per plain value (about half the time on the hot path); dates and
    anything unusual still go through ``schema.jsonable`` itself."""
    kind = type(value)
    if kind is dict:
        return {
            (k if type(k) is str else str(k)): (v if type(v) in _PLAIN_TYPES else _jsonable(v)) for k, v in value.items()
        }
    if kind is list:
        return [v if type(v) in _PLAIN_TYPES else _jsonable(v) for v in value]
    if kind in _PLAIN_TYPES:
        return value
    return schema.jsonable(value)


_TOP_KEY: dict[str, re.Pattern] = {}


def _top_key(name: str) -> re.Pattern:
    """``name:`` at the start of a line (a top-level key written plainly), compiled once per name."""
    pattern = _TOP_KEY.get(name)
    if pattern is None:
        pattern = _TOP_KEY[name] = re.compile(rf"^{name}:(?=[ \n]|$)", re.M)
    return pattern


def _line_for(text: str | None, field: str) -> int | None:
    """``yamlio.line_for`` without composing the whole document for a top-level field whose line the
    text settles: its only ``field:`` at the start of a line, or no such word in the file at all; and for an
    entry of a log (``circulation[1].returned``) in a plain block sequence (``_entry_line``).
    Anything else (other nested paths, quoted or repeated keys, escapes) asks ``yamlio.line_for``."""
    if text and field and field.isidentifier() and "\\" not in text:
        if field not in text:
            return None
        pattern = _top_key(field)
        found = pattern.search(text)
        if found and pattern.search(text, found.end()) is None:
            return text.count("\n", 0, found.start()) + 1
    elif text and "\\" not in text and (m := _ENTRY_PATH.fullmatch(field)):
        line = _entry_line(text, m.group(1), int(m.group(2)), m.group(3))
        if line is not None:
            return line
    return yamlio.line_for(text, field)


_ENTRY_PATH = re.compile(r"([A-Za-z_]\w*)\[(\d+)\](?:\.([A-Za-z_]\w*))?")
_ENTRY_KEY = re.compile(r"([A-Za-z_]\w*):(?: |$)")
_BLOCK_SYNTAX = frozenset("\"'&*!{}[]|>?%@`")  # anything that could make lines mean other than they look


def _entry_line(text: str, name: str, index: int, sub: str | None) -> int | None:
    """The line of ``name[index]`` or ``name[index].sub`` read off the lines of a plain block sequence under
    the file's only top-level ``name:`` line (one entry a ``- key: value`` mapping, every line at its
    indentation a key), as the composer would place it; None when the block is anything less plain (quotes,
    flow collections, block scalars, anchors, tags, comments or keys that are not bare words): ask it."""
    if "\n---" in text or "\n..." in text or text.startswith(("---", "%")):
        return None  # document markers: the composer reads documents, not lines
    pattern = _top_key(name)
    found = pattern.search(text)
    if found is None or pattern.search(text, found.end()) is not None:
        return None
    first = text.count("\n", 0, found.start())
    lines = text.split("\n")
    if lines[first][len(name) + 1 :].strip():
        return None  # a value on the key's line: not a block sequence
    dash = None
    entries: list[int] = []
    end = len(lines)
    for no in range(first + 1, len(lines)):
        line = lines[no]
        stripped = line.lstrip(" ")
        if not stripped:
            continue
        indent = len(line) - len(stripped)
        if indent == 0 and not stripped.startswith("- "):
            end = no
            break
        if _BLOCK_SYNTAX.intersection(stripped) or stripped.startswith(("#", "-\t")) or " #" in stripped:
            return None
        if dash is None:
            dash = indent
        if indent < dash or (indent == dash and not stripped.startswith("- ")):
            return None
        if indent == dash:
            entries.append(no)
    if index >= len(entries):
        return None
    hits: list[int] = []
    for n, at in enumerate(entries):  # every entry a plain mapping: the composer reads the lines as they look
        stop = entries[n + 1] if n + 1 < len(entries) else end
        item = lines[at][dash + 2 :]
        col = dash + 2 + len(item) - len(item.lstrip(" "))
        key = _ENTRY_KEY.match(item.lstrip(" "))
        if key is None:
            return None
        if n == index and key.group(1) == sub:
            hits.append(at)
        for no in range(at + 1, stop):
            line = lines[no]
            stripped = line.lstrip(" ")
            indent = len(line) - len(stripped)
            if not stripped or indent > col:
                continue
            if indent < col or (key := _ENTRY_KEY.match(stripped)) is None:
                return None  # a line at the keys' indentation that is no key, or one between theirs and the dash's
            if n == index and key.group(1) == sub:
                hits.append(no)
    if len(hits) > 1:
        return None
    at = entries[index]
    return hits[0] + 1 if hits else at + 1  # no such key (or the entry itself): its entry's line, the nearest parent's


def _hours(h: float) -> str:
    if h >= 24:
        return f"{h / 24:.1f} 天".replace(".0 天", " 天")
    return f"{h:.1f} 小时".replace(".0 小时", " 小时")


def classified_mark(text: str) -> tuple[int, str] | None:
    """The first classified marking (密级标志: 秘密★、机密★1年、绝密 ★ ...) in ``text`` as (line, marking), else None.

    The one detector for everything staff write: item files (D701), bulletins (B106), commit messages (A114).
    """
    mark = _CLASSIFIED_MARK.search(text) if "★" in text else None
    return (text.count("\n", 0, mark.start()) + 1, mark.group(0)) if mark else None


def classified_secrecy(value) -> bool:
    """Whether a 密级 field's value names a state-secret level (机密, secret ...) rather than 公开/内部."""
    return isinstance(value, str) and value not in schema.SECRECY and _is_classified(value)


def _is_classified(value: str) -> bool:
    low = value.lower().replace(" ", "").replace("-", "_")
    return any(mark in low for mark in schema.CLASSIFIED)


_MONTH_DAY = re.compile(rb"-\d\d-\d\d")  # led by a literal: found fast; the year is the four bytes before
_ODD_DAY = re.compile(rb"-\d(?:-|\D|$)")  # a one-digit month or day (or any "-5"): no bound is worked out
_DUE = re.compile(rb"[ -]*(?:%s):[ ]*['\"]?" % b"|".join(k.encode() for k in NOT_EVENTS))
_STEADY = frozenset(status.encode() for status in schema.STATUSES if status not in WORKING_STATUSES)


def stable_from(raw: bytes) -> dt.date | None:
    """The first as-of day from which checking this file gives the same findings on every later day, judged
    from its bytes alone; None where they may change from one day to the next.

    Of the checks that read the as-of day, D601 and D602 count days while the unit owes work (a working
    status: None); D604 holds while the item is open, for good once it is closed; D404 names event dates
    after the as-of day. So a file whose one top-level ``status:`` line names a status that is not a
    working one reads the same from its latest date on: every date-like text of the file counts (an upper
    bound of the dates it records) but a ``deadline:`` or ``new_deadline:`` line's own value (when a thing
    is due, never an event). A file that does not load has no date checks at all: the bound still holds."""
    status = yamlio.top_level_value(raw, b"status:")
    if status is None or raw.count(b"\nstatus:") + raw.startswith(b"status:") != 1:
        return None  # none, or a second one: let no line but the parser's own decide
    if status.strip().strip(b"'\"") not in _STEADY or raw.count(b"status") != 1:
        # the word once, on that line: the item's status key cannot be written elsewhere (quoted, ``status :``,
        # a complex key, in a flow document or a merged mapping, named by an anchor), the line then inside a
        # multi-line scalar; a key written with escapes is ruled out below
        return None
    if _ODD_DAY.search(raw) or b"\\" in raw:  # an escape in a quoted scalar may write a date (``"2026-\\x312-30"``)
        return None
    days = {raw[m.start() - 4 : m.end()] for m in _MONTH_DAY.finditer(raw, 4)}
    while days:
        top = max(days)  # written YYYY-MM-DD: the latest sorts last
        days.discard(top)
        if _only_due(raw, top):
            continue
        try:
            return dt.date(int(top[:4]), int(top[5:7]), int(top[8:]))
        except ValueError:  # no date an item records (real dates, four-digit years): text, or wrong in form
            continue
    return dt.date.min


def _only_due(raw: bytes, text: bytes) -> bool:
    """Whether every place ``text`` is written is the value of a ``deadline:``/``new_deadline:`` line."""
    at = raw.find(text)
    while at >= 0:
        start = raw.rfind(b"\n", 0, at) + 1
        due = _DUE.match(raw, start)
        if not due or due.end() != at:
            return False
        at = raw.find(text, at + 1)
    return True
