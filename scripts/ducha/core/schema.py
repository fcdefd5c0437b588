"""JSON Schemas of the item contract and of the ledger rules file.

One source of truth for three uses: editors (``items/item.schema.json`` through
the ``yaml-language-server`` comment), the fast validity test on the hot path
(``fastjsonschema``, compiled once) and the detailed, all-errors report on the
files that fail it (``jsonschema``).
"""

from __future__ import annotations

import datetime as dt
import json
from functools import lru_cache
from zoneinfo import ZoneInfo

SCHEMA_URI = "https://json-schema.org/draft/2020-12/schema"
TIMEZONE = "Asia/Shanghai"  # every day boundary (as-of days, commit days, deadlines) is Beijing time
TZ = ZoneInfo(TIMEZONE)  # the rules file's office.timezone may only say so
DECIMALS = (0, 1, 2)  # of percentages, as the rules file's statistics.decimals may set them
ID_PATTERN = r"^DC-(\d{4})-(\d{4,5})$"
DATE = {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$", "description": "日期，YYYY-MM-DD"}
DATETIME = {
    "type": "string",
    "pattern": r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2})?)?$",
    "description": "时间，YYYY-MM-DD HH:MM",
}
CODE = {"type": "string", "pattern": r"^[a-z][a-z0-9_]*$"}
TEXT = {"type": "string", "minLength": 1}

STATUSES = {
    "draft": "拟办",
    "assigned": "已交办",
    "in_progress": "办理中",
    "reported": "已报结",
    "returned": "退回重办",
    "closed": "已办结",
    "cancelled": "已撤销",
}
URGENCIES = {"normal": "一般", "urgent": "急件", "critical": "特急"}
SECRECY = {"public": "公开", "internal": "内部"}
CLASSIFIED = ("秘密", "机密", "绝密", "secret", "confidential", "top_secret", "topsecret", "classified")
REMINDER_METHODS = {"phone": "电话催办", "notice": "督查通知单", "visit": "实地督查", "document": "发函催办", "meeting": "会议督办"}
REPLY_METHODS = {"phone": "电话答复", "letter": "书面答复", "online": "网上答复", "visit": "上门答复"}
REVIEW_RESULTS = {"passed": "审核通过", "returned": "退回重办"}
# what a batch is: the meeting or document whose decisions became items (rules: batches)
BATCH_KINDS = {
    "standing_meeting": "常务会议",
    "office_meeting": "市长办公会议",
    "party_meeting": "党组会议",
    "work_report": "政府工作报告",
    "document": "文件",
    "other": "其他",
}
CIRCULATION_KINDS = {
    "normal": "一般文件",
    "urgent": "紧急公文",
    "emergency": "重大灾情、突发事件",
    "confidential": "机要件",
    "confidential_important": "重要机要件",
    "confidential_urgent": "紧急机要件",
}


def _obj(props: dict, required: list[str], title: str = "") -> dict:
    out = {"type": "object", "properties": props, "required": required, "additionalProperties": False}
    if title:
        out["description"] = title
    return out


def _enum(values: dict, title: str) -> dict:
    return {"type": "string", "enum": list(values), "description": title + "：" + "，".join(f"{k} {v}" for k, v in values.items())}


ITEM_FIELDS_ORDER = [
    "id", "title", "category", "source", "batch", "seq", "leader", "lead_unit", "co_units", "assigned", "deadline",
    "urgency", "secrecy", "status", "summary", "target", "approval", "progress", "reminders", "extensions",
    "reviews", "result", "closed", "cancellation", "circulation", "citizen", "reply",
]  # fmt: skip

ITEM_REQUIRED = ["id", "title", "category", "source", "leader", "lead_unit", "assigned", "urgency", "secrecy", "status"]


@lru_cache(maxsize=1)
def item_schema() -> dict:
    props = {
        "id": {"type": "string", "pattern": ID_PATTERN, "description": "编号，等于文件名，如 DC-2026-0001"},
        "title": {**TEXT, "maxLength": 200, "description": "事项名称"},
        "category": {**CODE, "description": "事项类别（ledger.yml 的 categories）"},
        "source": {**TEXT, "description": "来源：会议纪要、文件号、批示、来信"},
        "batch": {**CODE, "description": "所属批次：会议或文件（ledger.yml 的 batches）"},
        "seq": {"type": "integer", "minimum": 1, "description": "在该批次任务清单中的序号（第几项）"},
        "leader": {**CODE, "description": "批示/交办领导（ledger.yml 的 leaders）"},
        "lead_unit": {**CODE, "description": "牵头单位（ledger.yml 的 units）"},
        "co_units": {"type": "array", "items": CODE, "description": "配合单位"},
        "assigned": {**DATE, "description": "交办日期"},
        "deadline": {**DATE, "description": "办理期限；不写则按类别默认期限（类别写 deadline: none 的，不写即无期限）"},
        "urgency": _enum(URGENCIES, "紧急程度"),
        "secrecy": _enum(SECRECY, "密级（涉密事项一律不得录入）"),
        "status": _enum(STATUSES, "状态"),
        "summary": {**TEXT, "description": "交办内容与具体要求"},
        "target": _target(),
        "approval": _obj(
            {"opinion": TEXT, "by": CODE, "date": DATE}, ["opinion", "by", "date"], "拟办意见及审批领导"
        ),
        "progress": {
            "type": "array",
            "description": "进展情况（只能追加）",
            "items": _obj({"date": DATE, "by": CODE, "text": TEXT, "delay_reason": TEXT, **_figures()}, ["date", "by", "text"]),
        },
        "reminders": {
            "type": "array",
            "description": "催办记录（只能追加）",
            "items": _obj(
                {"date": DATE, "method": _enum(REMINDER_METHODS, "催办方式"), "note": TEXT}, ["date", "method"]
            ),
        },
        "extensions": {
            "type": "array",
            "description": "延期申请与审批（只能追加）",
            "items": _obj(
                {
                    "requested": DATE,
                    "reason": TEXT,
                    "approved_by": CODE,
                    "approved": DATE,
                    "rejected": DATE,
                    "new_deadline": DATE,
                },
                ["requested", "reason"],
            ),
        },
        "reviews": {
            "type": "array",
            "description": "审核记录（只能追加）",
            "items": _obj(
                {"date": DATE, "result": _enum(REVIEW_RESULTS, "审核结果"), "opinion": TEXT, "by": TEXT},
                ["date", "result"],
            ),
        },
        "result": _obj({"reported": DATE, "text": TEXT}, ["reported", "text"], "报结"),
        "closed": {**DATE, "description": "办结（审结）日期"},
        "cancellation": _obj({"date": DATE, "by": CODE, "reason": TEXT}, ["date", "by", "reason"], "撤销"),
        "circulation": {
            "type": "array",
            "description": "送阅/批阅记录",
            "items": _obj(
                {
                    "leader": CODE,
                    "sent": DATETIME,
                    "returned": DATETIME,
                    "kind": _enum(CIRCULATION_KINDS, "送阅件类别"),
                    "document": TEXT,
                },
                ["leader", "sent", "kind"],
            ),
        },
        "citizen": _obj(
            {
                "name": TEXT,
                "phone": {"type": "string"},
                "id_number": {"type": "string"},
                "address": TEXT,
                "private": {"type": "boolean"},
            },
            [],
            "来信人（网站发布时隐藏）",
        ),
        "reply": _obj({"date": DATE, "method": _enum(REPLY_METHODS, "答复方式"), "text": TEXT}, ["date", "method"], "答复来信人"),
    }
    assert list(props) == ITEM_FIELDS_ORDER
    return {
        "$schema": SCHEMA_URI,
        "$id": "item.schema.json",
        "title": "督办事项",
        "type": "object",
        "properties": props,
        "required": ITEM_REQUIRED,
        "additionalProperties": False,
    }


def _target() -> dict:
    """A measurable target (可量化的目标), judged by progress against schedule (序时进度, core/pace.py)."""
    return _obj(
        {
            "value": {"type": "number", "exclusiveMinimum": 0, "description": "目标数，如 3200"},
            "unit": {**TEXT, "description": "单位，如 户、个、万人"},
            "name": {**TEXT, "description": "指标名称，如 棚户区改造新开工"},
        },
        ["value", "unit"],
        "可量化的目标：进展中报告累计完成数（value）或完成百分比（percent），按序时进度评价",
    )


def _figures() -> dict:
    """What a progress entry may report of the item's target."""
    return {
        "value": {"type": "number", "description": "截至该次报告的累计完成数，与目标（target）同一单位"},
        "percent": {"type": "number", "description": "截至该次报告完成目标的百分比（0–100）"},
    }


PACE_BASES = ("year", "term")


def _pace() -> dict:
    points = {"type": "number", "minimum": 0}
    return _obj(
        {
            "basis": {"enum": list(PACE_BASES), "description": "序时进度：year 按年度（月份 ÷ 12）| term 按办理期限（已过天数 ÷ 期限天数），默认 year"},
            "ahead_points": {**points, "description": "完成比例超过序时进度多于此百分点为超进度（默认 0）"},
            "behind_points": {**points, "description": "完成比例落后序时进度多于此百分点为欠进度（默认 0）"},
            "yellow_behind": {**points, "description": "灯色按序时进度时，落后达到此百分点亮黄灯（默认 10）"},
            "red_behind": {**points, "description": "灯色按序时进度时，落后超过此百分点亮红灯（默认 30）"},
            "lights": {"type": "boolean", "description": "有目标且未超期的事项按序时进度亮灯（默认 false）"},
        },
        [],
        "序时进度",
    )


def _deadline_rule() -> dict:
    return _obj(
        {"days": {"type": "integer", "minimum": 1, "maximum": 3650}, "unit": {"enum": ["calendar", "working"]}},
        ["days", "unit"],
    )


NO_DEADLINE = "none"  # a category's ``deadline: none``: no default deadline (the only accepted spelling)


def _category_deadline() -> dict:
    """A default deadline for every urgency, or ``none``: the category has no default deadline."""
    rules = _obj({u: _deadline_rule() for u in URGENCIES}, list(URGENCIES))
    rules["description"] = "各紧急程度的默认办理期限"
    none = {"const": NO_DEADLINE, "description": "本类别没有默认期限：事项未写 deadline 时无办理期限，只统计为正在办理，不计超期"}
    return {"anyOf": [rules, none], "description": "默认办理期限：按紧急程度给出，或写 none（无默认期限）"}


@lru_cache(maxsize=1)
def _statistics() -> dict:
    decimals = {"type": "integer", "enum": list(DECIMALS), "description": "百分比四舍五入保留的小数位数：0、1 或 2，默认 1"}
    return _obj({"decimals": decimals}, [], "统计口径")


def rules_schema() -> dict:
    unit = _obj(
        {
            "name": TEXT,
            "kind": {"enum": ["department", "district", "township", "other"]},
            "valid_until": DATE,
            "merged_into": CODE,
            "former_names": {"type": "array", "items": _obj({"name": TEXT, "until": DATE}, ["name", "until"])},
            "reviewers": {"type": "array", "items": TEXT},
            "phones": {"type": "array", "items": {"type": ["string", "integer"]}, "description": "单位对外公布的办公电话（网站上不脱敏）"},
        },
        ["name", "kind"],
    )
    category = _obj(
        {
            "name": TEXT,
            "mailbox": {"type": "boolean"},
            "progress_every_days": {"type": "integer", "minimum": 1},
            "reviewers": {"type": "array", "items": TEXT},
            "deadline": _category_deadline(),
        },
        ["name", "deadline"],
    )
    year_override = _obj(
        {"holidays": {"type": "array", "items": DATE}, "workdays": {"type": "array", "items": DATE}},
        ["holidays", "workdays"],
    )
    hours = {"type": "number", "exclusiveMinimum": 0}
    return {
        "$schema": SCHEMA_URI,
        "$id": "ledger.schema.json",
        "title": "督查台账规则",
        "type": "object",
        "properties": {
            "office": _obj(
                {"name": TEXT, "issuer": TEXT, "code": TEXT,
                 "timezone": {"const": TIMEZONE, "description": "日界一律按北京时间计算：只能写 Asia/Shanghai，或省略"}, "reviewers": {"type": "array", "items": TEXT},
                 "phones": {"type": "array", "items": {"type": ["string", "integer"]}, "description": "督查室对外公布的办公电话（网站上不脱敏）"}},
                ["name", "issuer", "code"],
            ),
            "units": {"type": "object", "minProperties": 1, "propertyNames": CODE, "additionalProperties": unit},
            "leaders": {
                "type": "object",
                "minProperties": 1,
                "propertyNames": CODE,
                "additionalProperties": _obj({"name": TEXT, "title": TEXT}, ["name", "title"]),
            },
            "staff": {"type": "array", "items": _obj({"name": TEXT, "email": TEXT}, ["name", "email"])},
            "categories": {
                "type": "object",
                "minProperties": 1,
                "propertyNames": CODE,
                "additionalProperties": category,
            },
            "batches": {
                "type": "object",
                "propertyNames": CODE,
                "additionalProperties": _obj(
                    {
                        "kind": _enum(BATCH_KINDS, "批次类别"),
                        "number": {"type": "integer", "minimum": 1, "description": "第几次（会议）或文号序号"},
                        "date": {**DATE, "description": "会议日期或印发日期"},
                        "title": {**TEXT, "description": "名称，如 市政府第9次常务会议"},
                    },
                    ["kind", "date", "title"],
                    "批次：一次会议或一份文件，其议定事项或任务分解为督办事项",
                ),
            },
            "lights": _obj({"yellow_working_days": {"type": "integer", "minimum": 0}}, []),
            "progress": _obj({"every_days": {"type": "integer", "minimum": 1}}, []),
            "reading_limits": _obj({k: hours for k in CIRCULATION_KINDS}, []),
            "holiday_overrides": {
                "type": "object",
                "propertyNames": {"pattern": r"^\d{4}$"},
                "additionalProperties": year_override,
            },
            "audit": _obj(
                {
                    "backdating_tolerance_days": {"type": "integer", "minimum": 0},
                    "backdating_tolerance_unit": {"enum": ["calendar", "working"], "description": "容许天数按自然日（calendar）还是工作日（working）计"},
                    "require_merge": {"type": "boolean"},
                    "allowed_signers": {"type": ["string", "null"]},
                    "baseline": {
                        "type": ["string", "null"],
                        "pattern": r"^([0-9a-f]{7,40}|\d{4}-\d{2}-\d{2})$",
                        "description": "台账历史的起点（导入存量数据的提交或日期）：此前的记录按所写采信，不作审计",
                    },
                },
                [],
            ),
            "site": _obj({"max_secrecy": {"enum": list(SECRECY)}}, []),
            "statistics": _statistics(),
            "pace": _pace(),
            "scoring": _obj(
                {
                    "base": {"type": "number", "description": "基础分"},
                    "min": {"type": "number", "description": "最低分"},
                    "max": {"type": "number", "description": "最高分"},
                    "period": {"enum": ["all", "year"], "description": "计分范围：all 全部事项 | year 截止日所在年度"},
                    "co_unit_factor": {"type": "number", "minimum": 0, "maximum": 1, "description": "配合单位计分倍数（0 不计）"},
                    "points": _obj(
                        {
                            k: {"type": "number", "description": v}
                            for k, v in {
                                "closed_on_time": "每件按期办结",
                                "closed_late": "每件超期办结",
                                "overdue_unexplained": "每件超期未办结且未说明原因",
                                "overdue_explained": "每件超期未办结（已说明原因）",
                                "returned": "每次退回重办",
                                "progress_missing": "每件未按时报告进展",
                            }.items()
                        },
                        [],
                        "各事件的加减分（正数加分，负数扣分）",
                    ),
                },
                [],
                "考核计分规则",
            ),
            "bulletins": {
                "type": "object",
                "properties": {
                    "government": {**TEXT, "description": "通报中对本级政府的称呼，如 市政府、县政府（省略时按督查室名称推断）"},
                    "office": {**TEXT, "description": "通报中督查室的称呼，如 县政府督查室（省略时为 本级政府 + 督查室）"},
                    "first_number": {
                        "type": "object",
                        "description": "各类通报在某年第一份由 ducha 起草时的期号（接续此前已印发的期号），如 {bulletin: {2026: 17}}",
                        "additionalProperties": {"type": "object", "additionalProperties": {"type": "integer", "minimum": 1}},
                    },
                },
            },
        },
        "required": ["office", "units", "leaders", "categories"],
        "additionalProperties": False,
    }


def jsonable(value):
    """YAML values to JSON values: dates become ISO strings, keys become strings."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [jsonable(v) for v in value]
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M") if not value.second else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def item_schema_json() -> str:
    return json.dumps(item_schema(), ensure_ascii=False, indent=2) + "\n"


def entry_home(keys) -> str | None:
    """The one list of the item (progress, reminders ...) whose entries may have exactly these fields and
    have all they must: where an entry with ``keys`` belongs; None when no list, or more than one, fits."""
    keys = set(keys)
    homes = []
    for name, spec in item_schema()["properties"].items():
        entry = spec.get("items") if spec.get("type") == "array" else None
        if isinstance(entry, dict) and entry.get("type") == "object":
            if keys <= set(entry["properties"]) and set(entry["required"]) <= keys:
                homes.append(name)
    return homes[0] if len(homes) == 1 else None
