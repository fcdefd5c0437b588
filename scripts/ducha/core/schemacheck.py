"""Structural validation against the JSON Schemas, with codes and Chinese messages.

The hot path asks a compiled ``fastjsonschema`` validator "valid or not"; only
for the rare invalid file does ``jsonschema`` enumerate *all* errors, which are
then mapped to stable codes.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import fastjsonschema

from . import yamlio
from .findings import Finding
from .formats import shown
from .schema import DATE, DATETIME

if TYPE_CHECKING:
    import jsonschema

FIELD_LABELS = {
    "id": "编号", "title": "事项名称", "category": "类别", "source": "来源", "leader": "交办领导",
    "lead_unit": "牵头单位", "co_units": "配合单位", "assigned": "交办日期", "deadline": "办理期限",
    "urgency": "紧急程度", "secrecy": "密级", "status": "状态", "summary": "交办内容", "approval": "拟办意见",
    "progress": "进展情况", "reminders": "催办记录", "extensions": "延期", "reviews": "审核记录",
    "result": "报结", "closed": "办结日期", "cancellation": "撤销", "circulation": "送阅记录",
    "citizen": "来信人", "reply": "答复", "opinion": "意见", "by": "审批人/报告单位", "date": "日期",
    "text": "内容", "delay_reason": "延误原因", "method": "方式", "note": "说明", "requested": "申请日期",
    "reason": "理由", "approved_by": "批准领导", "approved": "批准日期", "rejected": "不批准日期",
    "new_deadline": "新期限", "reported": "报结日期", "leader_": "领导", "sent": "送阅时间",
    "returned": "退回时间", "kind": "类别",
}  # fmt: skip

TYPE_NAMES = {
    "string": "文字",
    "array": "列表",
    "object": "映射（字段: 值）",
    "integer": "整数",
    "number": "数字",
    "boolean": "true/false",
    "null": "空",
}


_COMPILED: dict[int, tuple] = {}


def fast_is_valid(data, schema: dict) -> bool:
    entry = _COMPILED.get(id(schema))
    if entry is None or entry[0] is not schema:
        entry = (schema, fastjsonschema.compile(schema))
        _COMPILED[id(schema)] = entry
    try:
        entry[1](data)
        return True
    except fastjsonschema.JsonSchemaException:
        return False


def field_path(parts) -> str:
    out = ""
    for p in parts:
        if isinstance(p, int):
            out += f"[{p}]"
        else:
            out = f"{out}.{p}" if out else str(p)
    return out


def _label(path: str) -> str:
    last = path.split(".")[-1].split("[")[0] if path else ""
    return FIELD_LABELS.get(last, last)


def _is_empty(error: jsonschema.ValidationError) -> bool:
    """``title:`` with nothing after it, or ``title: ""``."""
    return (error.validator == "type" and error.instance is None) or error.validator == "minLength"


def _time_format(error: jsonschema.ValidationError) -> str:
    """The expected date/time format when ``error`` is a failed date or time pattern, else ""."""
    if error.validator == "pattern":
        for fmt in (DATE, DATETIME):
            if error.validator_value == fmt["pattern"]:
                return fmt["description"]
    return ""


def _item_code(error: jsonschema.ValidationError) -> str:
    v = error.validator
    if v == "required":
        return "D201"
    if v == "additionalProperties":
        return "D202"
    if _is_empty(error):
        return "D211"
    if v == "type":
        return "D203"
    if v in ("enum", "maxLength"):
        return "D204"
    if v == "pattern":
        if error.path and list(error.path)[-1] == "id":
            return "D206"
        if _time_format(error):
            return "D205"
        return "D204"
    return "D203"


def _messages(error: jsonschema.ValidationError, path: str) -> list[tuple[str, str]]:
    """[(field, message)] in Chinese: one per unknown field, else one."""
    if error.validator == "additionalProperties":
        allowed = set(error.schema.get("properties", {}))
        extra = [k for k in error.instance if k not in allowed] if isinstance(error.instance, dict) else []
        out = []
        for name in extra:
            full = f"{path}.{name}" if path else name
            hint = _closest(name, allowed)
            tip = f"是不是想写 {hint}？" if hint else f"允许的字段：{'、'.join(sorted(allowed))}。"
            out.append((full, f"未知字段 {name}。{tip}"))
        return out
    return [_message(error, path)]


def _message(error: jsonschema.ValidationError, path: str) -> tuple[str, str]:
    """(field, message) in Chinese."""
    v = error.validator
    label = _label(path)
    if v == "required":
        quoted = re.match(r"'([^']+)' is a required property", error.message)
        name = quoted.group(1) if quoted else ""
        full = f"{path}.{name}" if path else name
        return full, f"缺少必填字段 {name}（{FIELD_LABELS.get(name, name)}）。"
    if _is_empty(error):
        return path, f"{label}不能为空。"
    if v == "type":
        want = error.validator_value
        want = want if isinstance(want, list) else [want]
        return path, f"{label}应为{'或'.join(TYPE_NAMES.get(w, w) for w in want)}，实际是{shown(error.instance)}。"
    if v == "enum":
        return path, f"{label}的值 {shown(error.instance)} 不在允许范围内：{'、'.join(map(str, error.validator_value))}。"
    if v == "const":
        why = error.schema.get("description")
        return path, f"{label}的值 {shown(error.instance)} 不可用，只能是 {shown(error.validator_value)}" + (f"（{why}）。" if why else "。")
    if v == "maxLength":
        return path, f"{label}太长（{len(error.instance)} 字），不能超过 {error.validator_value} 字。"
    if v == "pattern":
        fmt = _time_format(error)
        if path == "id":
            return path, f"编号 {shown(error.instance)} 格式不对，应形如 DC-2026-0001。"
        if fmt:
            kind, _, form = fmt.partition("，")
            return path, f"{label} {shown(error.instance)} 不是正确的{kind}，应写成 {form}。"
        return path, f"{label} {shown(error.instance)} 不是有效的代码（小写字母、数字、下划线）。"
    if v in ("minimum", "maximum", "exclusiveMinimum"):
        return path, f"{label}的值 {shown(error.instance)} 超出允许范围。"
    if v == "minProperties":
        return path, f"{label}至少要有一项。"
    return path, f"{label}：{error.message}"


def _closest(name: str, allowed) -> str:
    import difflib

    match = difflib.get_close_matches(name, list(allowed), n=1, cutoff=0.75)
    return match[0] if match else ""


def schema_findings(data, schema: dict, path: str, text: str | None, code_map=None, skip=()) -> list[Finding]:
    """All structural errors of ``data`` (already JSON-able) as findings; [] when valid."""
    if fast_is_valid(data, schema):
        return []
    import jsonschema  # only for files that fail: importing it costs more than checking 300 valid items

    validator = jsonschema.Draft202012Validator(schema)
    findings = []
    for error in validator.iter_errors(data):
        base = field_path(error.absolute_path)
        if base.split(".")[0].split("[")[0] in skip:
            continue
        code = code_map(error.validator) if code_map else _item_code(error)
        for fld, message in _messages(error, base):
            findings.append(Finding(path, yamlio.line_for(text, fld), code, fld, message))
    return sorted(set(findings), key=Finding.sort_key)
