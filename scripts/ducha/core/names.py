"""Names for codes: what a clerk writes (市住建局, 张市长, 办理中, 领导批示件, ｚｊｊ) and the code it means.

One resolver for every place a person names a unit, leader, category, batch, status, urgency, secrecy,
method or kind: the import, ``new``, the filters of the list, statistics and notices, and the checker,
which tells a clerk who wrote a name in a code field which code to write.  A value that names exactly one
thing resolves; one that may name several, or none, says so with the candidates or the closest codes.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from . import schema
from .formats import shown

# what each kind is called in a message, and its fixed labels (the ones not from the rules)
KIND_NAMES = {
    "unit": "单位", "leader": "领导", "category": "类别", "batch": "会议或文件", "status": "状态",
    "urgency": "紧急程度", "secrecy": "密级", "reminder_method": "催办方式", "reply_method": "答复方式",
    "review_result": "审核结果", "circulation_kind": "送阅件类别", "light": "灯色",
}  # fmt: skip
_FIXED = {
    "status": schema.STATUSES,
    "urgency": schema.URGENCIES,
    "secrecy": schema.SECRECY,
    "reminder_method": schema.REMINDER_METHODS,
    "reply_method": schema.REPLY_METHODS,
    "review_result": schema.REVIEW_RESULTS,
    "circulation_kind": schema.CIRCULATION_KINDS,
}
# item field paths (list indexes as []) -> the kind of code they hold
FIELD_KINDS = {
    "category": "category", "batch": "batch", "leader": "leader", "lead_unit": "unit", "co_units[]": "unit",
    "progress[].by": "unit", "approval.by": "leader", "cancellation.by": "leader",
    "extensions[].approved_by": "leader", "circulation[].leader": "leader", "circulation[].kind": "circulation_kind",
    "status": "status", "urgency": "urgency", "secrecy": "secrecy", "reminders[].method": "reminder_method",
    "reply.method": "reply_method", "reviews[].result": "review_result",
}  # fmt: skip
# how a value named its code, as a message says it
HOW = {"name": "名称", "former": "曾用名", "short": "简称", "title": "称呼", "label": "名称"}
_PATH_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")
_INDEX = re.compile(r"\[\d+\]")
_SPACE = re.compile(r"\s+")


def field_kind(field_path: str) -> str | None:
    """The kind of code an item field holds (``co_units[2]`` → unit), None for any other field."""
    return FIELD_KINDS.get(_INDEX.sub("[]", field_path))


def half_width(text: str) -> tuple[str, str]:
    """(``text`` with full-width letters, digits, punctuation and spaces as their half-width forms, what was
    full-width in words: "全角字母“ｚ”“ｊ”，全角空格" or "")."""
    out, found = [], {}
    for ch in text:
        code = ord(ch)
        if ch == "\u3000":
            out.append(" ")
            found.setdefault("全角空格", [])
        elif 0xFF01 <= code <= 0xFF5E:
            half = chr(code - 0xFEE0)
            out.append(half)
            what = "全角字母" if half.isalpha() else "全角数字" if half.isdigit() else "全角符号"
            if ch not in found.setdefault(what, []):
                found[what].append(ch)
        else:
            out.append(ch)
    said = "，".join(f"{what}{''.join(f'“{c}”' for c in chars)}" for what, chars in found.items())
    return "".join(out), said


def full_width_advice(value) -> str:
    """For a value written with full-width letters, digits, punctuation or spaces where the half-width
    ones belong (a date, a code, a list): what they are and what to type instead; "" otherwise."""
    if not isinstance(value, str):
        return ""
    half, wide = half_width(value)
    if not wide:
        return ""
    typed = re.sub(r",(?! )", ", ", half.strip())
    return f"“{value}”中有{wide}，应写半角：{typed}。"


@dataclass(frozen=True)
class Resolution:
    """What a written value names: ``code`` (None when it names no one thing), how it named it (code, name,
    former, short, title, label), the codes it may mean when ambiguous, the closest codes when unknown,
    and what in it was full-width."""

    text: str
    code: str | None
    how: str = ""
    ambiguous: tuple[str, ...] = ()
    closest: tuple[str, ...] = ()
    full_width: str = ""

    @property
    def exact(self) -> bool:
        """The value is the code itself, as it must be written in a file."""
        return self.code is not None and self.how == "code" and not self.full_width and self.text == self.code


class Names:
    """The codes and names of one set of rules (``names_of(rules)``)."""

    def __init__(self, rules):
        self.rules = rules
        self._tables: dict[str, dict[str, str]] = {}

    # -- what there is ------------------------------------------------------------------
    def choices(self, kind: str) -> dict[str, str]:
        """code -> name of every code of ``kind``, in the rules' order."""
        table = self._tables.get(kind)
        if table is None:
            rules = self.rules
            if kind == "unit":
                table = {c: u.name for c, u in rules.units.items()}
            elif kind == "leader":
                table = {c: rules.leader_name(c) for c in rules.leaders}
            elif kind == "category":
                table = {c: cat.name for c, cat in rules.categories.items()}
            elif kind == "batch":
                table = {c: b.title for c, b in rules.batches.items()}
            elif kind == "light":
                from .deadlines import LIGHTS

                table = dict(LIGHTS)
            else:
                table = dict(_FIXED[kind])
            self._tables[kind] = table
        return table

    def label(self, kind: str, code: str) -> str:
        """``zjj（市住房和城乡建设局）``: a code with its name."""
        name = self.choices(kind).get(code)
        return f"{code}（{name}）" if name else code

    def listing(self, kind: str, limit: int = 12) -> str:
        """The codes of ``kind`` with their names, the first ``limit`` of them."""
        codes = list(self.choices(kind))
        shown = "、".join(self.label(kind, c) for c in codes[:limit])
        return shown + (f" 等 {len(codes)} 个" if len(codes) > limit else "")

    # -- resolving ------------------------------------------------------------------------
    def resolve(self, kind: str, text) -> Resolution:
        raw = "" if text is None else str(text)
        half, wide = half_width(raw)
        key = half.strip()
        table = self.choices(kind)
        if key in table:
            return Resolution(raw, key, "code", full_width=wide)
        if key.lower() in table and kind not in ("unit", "leader", "category", "batch"):
            return Resolution(raw, key.lower(), "code", full_width=wide)
        squeezed = _SPACE.sub("", key)
        if not squeezed:
            return Resolution(raw, None, full_width=wide)
        found = self._by_name(kind, squeezed)
        if isinstance(found, tuple):
            return Resolution(raw, found[0], found[1], full_width=wide)
        if found:
            return Resolution(raw, None, "ambiguous", ambiguous=tuple(found), full_width=wide)
        return Resolution(raw, None, closest=self._closest(kind, squeezed), full_width=wide)

    def _by_name(self, kind: str, key: str):
        """(code, how) for the one thing ``key`` names, else the list of codes it may name (maybe empty)."""
        rules = self.rules
        table = self.choices(kind)
        if kind == "unit":
            for code, unit in rules.units.items():
                if unit.name == key:
                    return code, "name"
            for code, unit in rules.units.items():
                if any(f["name"] == key for f in unit.former_names):
                    return code, "former"
            for probe in dict.fromkeys([key, key if key.startswith("市") else "市" + key]):
                hits = [c for c, u in rules.units.items()
                        if len(probe) >= 2 and any(probe[0] == n[0] and _subsequence(probe, n)
                                                   for n in (u.name, *(f["name"] for f in u.former_names)))]  # fmt: skip
                if len(hits) == 1:
                    return hits[0], "short"
                if hits:
                    return hits
            return []
        if kind == "leader":
            return self._leader(key)
        names = {code: name for code, name in table.items()}
        for code, name in names.items():
            if name == key:
                return code, "label" if kind in _FIXED or kind == "light" else "name"
        if len(key) < 2:
            return []
        hits = [c for c, name in names.items() if key in name]
        if len(hits) == 1:
            return hits[0], "short"
        return hits

    def _leader(self, key: str):
        leaders = self.rules.leaders
        for code, leader in leaders.items():
            name, title = leader["name"], leader["title"]
            if key in (name, title + name, name + title):
                return code, "name"
        hits = [c for c, leader in leaders.items() if leader["title"] == key]
        if len(hits) == 1:
            return hits[0], "title"
        if hits:
            return hits
        # 张市长, 王副市长, 刘秘书长: a surname and (the end of) a title
        hits = [c for c, leader in leaders.items()
                if len(key) >= 3 and key[0] == leader["name"][0] and len(key[1:]) >= 2
                and (leader["title"] == key[1:] or leader["title"].endswith(key[1:]))]  # fmt: skip
        exact = [c for c in hits if leaders[c]["title"] == key[1:]]
        if len(exact) == 1:
            return exact[0], "title"
        if len(hits) == 1:
            return hits[0], "title"
        return hits

    def _closest(self, kind: str, key: str) -> tuple[str, ...]:
        table = self.choices(kind)
        by_name = {name: code for code, name in table.items()}
        words = [*table, *by_name]
        scored = sorted(((difflib.SequenceMatcher(None, key, w).ratio(), w) for w in words), key=lambda s: -s[0])
        best = scored[0][0] if scored else 0
        close = [w for ratio, w in scored if ratio >= 0.6 and ratio >= best - 0.08][:3]
        if not close and kind == "unit" and len(key) >= 3:  # 住建委: a short form with another last character
            probe = key[:-1] if key.startswith("市") else "市" + key[:-1]
            close = [c for c, u in self.rules.units.items() if probe[0] == u.name[0] and _subsequence(probe, u.name)][:3]
        return tuple(dict.fromkeys(by_name.get(w, w) for w in close))

    # -- saying it ---------------------------------------------------------------------------
    def advice(self, kind: str, res: Resolution) -> str:
        """What to write instead, in a sentence ("" when the value is the code itself)."""
        what = KIND_NAMES[kind]
        if res.exact:
            return ""
        if res.code is not None:
            if res.full_width:
                return f"“{res.text}”中有{res.full_width}，应写半角字符：{self.label(kind, res.code)}。"
            if res.how == "code":
                return f"应写 {res.code}（前后不要有空格）。"
            how = "姓名" if kind == "leader" and res.how == "name" else HOW.get(res.how, "名称")
            return f"“{res.text}”是{what}的{how}，应写代码 {self.label(kind, res.code)}。"
        if res.ambiguous:
            return f"“{res.text}”可能是 {'、'.join(self.label(kind, c) for c in res.ambiguous)}，请写其中一个的代码。"
        if res.full_width and res.code is None and not res.ambiguous and re.search(r"[,\[\]]", half_width(res.text)[0]):
            return full_width_advice(res.text)  # 配合单位 [czj，hpq]: a full-width comma or bracket in a list
        wide = f"（其中有{res.full_width}）" if res.full_width else ""
        if not self.choices(kind):
            return f"{wide}台账规则中没有登记任何{what}。"
        if res.closest:
            return f"{wide}是否指 {'、'.join(self.label(kind, c) for c in res.closest)}？"
        return f"{wide}可写：{self.listing(kind)}。"

    def unknown(self, kind: str, res: Resolution) -> str:
        """Why ``res`` names nothing a command can take, with what to write instead."""
        what = KIND_NAMES[kind]
        if res.ambiguous:
            return self.advice(kind, res)
        return f"{what}“{res.text}”未在台账规则中登记。{self.advice(kind, res)}"

    def in_code_field(self, kind: str, value) -> str:
        """The checker's message for ``value`` where a code of ``kind`` must be written and is not."""
        res = self.resolve(kind, value)
        if res.code is not None or res.ambiguous:
            return self.advice(kind, res)
        what = KIND_NAMES[kind]
        if res.full_width and re.search(r"[,\[\]]", half_width(res.text)[0]):
            return self.advice(kind, res)
        if isinstance(value, str) and kind in _FIXED:
            return f"{what}“{value}”不在允许范围内。{self.advice(kind, res)}"
        return f"{shown(value)}不是{what}代码（小写字母、数字、下划线），也不是登记的{what}名称。{self.advice(kind, res)}"

    def unregistered(self, kind: str, code: str) -> str:
        """The checker's message for a well-formed code of ``kind`` the rules do not have."""
        return f"{KIND_NAMES[kind]}代码“{code}”未在台账规则中登记。{self.advice(kind, self.resolve(kind, code))}"

    def code_for(self, kind: str, text) -> tuple[str | None, str]:
        """(code, "") when ``text`` names exactly one thing, else (None, why)."""
        res = self.resolve(kind, text)
        return (res.code, "") if res.code is not None else (None, self.unknown(kind, res))


def value_at(data, field_path: str):
    """The value at ``progress[1].by`` in an item's data; None when there is none."""
    value = data
    for name, index in _PATH_PART.findall(field_path):
        try:
            value = value[int(index)] if index else value[name]
        except (KeyError, IndexError, TypeError, ValueError):
            return None
    return value


def _subsequence(short: str, full: str) -> bool:
    it = iter(full)
    return all(ch in it for ch in short)


def names_of(rules) -> Names:
    """The resolver of ``rules`` (made once per rules object)."""
    names = getattr(rules, "_names", None)
    if names is None:
        names = Names(rules)
        rules._names = names
    return names
