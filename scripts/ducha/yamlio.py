"""Strict, fast YAML reading for ledger files.

The fast path is ``yaml-rs`` (Rust; YAML 1.2 core schema so ``no``/``on`` stay
strings, duplicate keys are errors, alias expansion is bounded).  Line numbers
are only needed when something is wrong, so they are computed lazily by
composing the text with PyYAML (``locate``), never on the hot path.
"""

from __future__ import annotations

import re
from functools import lru_cache

import yaml
import yaml_rs

from .findings import Finding

MAX_BYTES = 256 * 1024
_ALIAS_LIMITS = yaml_rs.AliasLimits(
    max_total_replayed_events=2_000, max_replay_stack_depth=8, max_alias_expansions_per_anchor=20
)
_LINE_COL = re.compile(r"line (\d+), column (\d+)")
_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class ParseResult:
    __slots__ = ("data", "text", "findings")

    def __init__(self, data, text, findings):
        self.data = data
        self.text = text
        self.findings = findings


def _line_of_offset(raw: bytes, offset: int) -> int:
    return raw.count(b"\n", 0, offset) + 1


def decode(raw: bytes, path: str) -> tuple[str | None, list[Finding]]:
    """Bytes to text, refusing anything but plain UTF-8 without BOM, NUL or tab indentation."""
    if len(raw) > MAX_BYTES:
        return None, [Finding(path, None, "D105", "", f"文件大小 {len(raw) // 1024} KB，超过上限 {MAX_BYTES // 1024} KB。")]
    if raw.startswith(b"\xef\xbb\xbf"):
        return None, [Finding(path, 1, "D102", "", "文件以 UTF-8 BOM 开头，请用“UTF-8 无 BOM”另存。")]
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None, [Finding(path, 1, "D101", "", "文件是 UTF-16 编码，请用 UTF-8 另存。")]
    nul = raw.find(b"\x00")
    if nul >= 0:
        return None, [Finding(path, _line_of_offset(raw, nul), "D103", "", "文件含有 NUL 空字节，不是正常的文本文件。")]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = _line_of_offset(raw, exc.start)
        hint = ""
        try:
            raw.decode("gb18030")
            hint = "看起来是 GBK/GB18030 编码（常见于 Windows 记事本、WPS 默认保存），"
        except UnicodeDecodeError:
            pass
        return None, [Finding(path, line, "D101", "", f"第 {line} 行不是有效的 UTF-8 文字；{hint}请用 UTF-8 编码另存。")]
    findings = []
    if "\t" in text:
        for no, line in enumerate(text.split("\n"), 1):
            stripped = line.lstrip(" ")
            if stripped.startswith("\t"):
                findings.append(Finding(path, no, "D104", "", "这一行用 Tab 缩进，YAML 只能用空格缩进。"))
    if findings:
        return None, findings
    return text, []


def parse_text(text: str, path: str) -> ParseResult:
    try:
        data = yaml_rs.loads(text, parse_datetime=True, alias_limits=_ALIAS_LIMITS)
    except yaml_rs.YAMLDecodeError as exc:
        return ParseResult(None, text, [_decode_error(text, path, str(exc))])
    except (RecursionError, OverflowError, ValueError) as exc:  # pragma: no cover - defensive
        return ParseResult(None, text, [Finding(path, None, "D106", "", f"无法解析：{exc}")])
    if data is None:
        return ParseResult(None, text, [Finding(path, None, "D109", "", "文件是空的。")])
    if isinstance(data, list) and re.search(r"(?m)^---", text):
        return ParseResult(None, text, [Finding(path, None, "D109", "", "文件含有多个 YAML 文档（---），一个文件只能写一个事项。")])
    if not isinstance(data, dict):
        return ParseResult(None, text, [Finding(path, 1, "D109", "", "文件顶层应是“字段: 值”的映射。")])
    return ParseResult(data, text, [])


def read(raw: bytes, path: str) -> ParseResult:
    text, findings = decode(raw, path)
    if text is None:
        return ParseResult(None, None, findings)
    return parse_text(text, path)


def _decode_error(text: str, path: str, message: str) -> Finding:
    first = message.strip().splitlines()[0] if message.strip() else message
    if "duplicate" in message and "key" in message:
        key = re.search(r"key:? '?([^']*)'?", message)
        name = key.group(1) if key else ""
        line, field = _find_duplicate(text, name)
        return Finding(path, line, "D107", field or name, f"字段“{name}”在同一层级出现了不止一次。")
    if "alias" in message.lower() or "anchor" in message.lower() or "replay" in message.lower():
        return Finding(path, None, "D108", "", "锚点/别名展开超过上限，可能是恶意构造的文件（“十亿笑声”攻击）。")
    if "tag" in message.lower():
        m = _LINE_COL.search(message)
        return Finding(path, int(m.group(1)) if m else None, "D110", "", f"不支持的 YAML 标签：{first}")
    m = _LINE_COL.search(message)
    line = int(m.group(1)) if m else None
    detail = message.strip().splitlines()[-1].strip() if message.strip() else ""
    col = f"第 {m.group(2)} 列，" if m else ""
    return Finding(path, line, "D106", "", f"{col}YAML 语法错误：{detail}")


def _find_duplicate(text: str, name: str) -> tuple[int | None, str]:
    """Locate a duplicate key with PyYAML's composer (which keeps both)."""
    try:
        root = yaml.compose(text, Loader=_SafeLoader)
    except yaml.YAMLError:
        return None, ""
    stack = [(root, "")]
    while stack:
        node, prefix = stack.pop()
        if isinstance(node, yaml.MappingNode):
            seen = set()
            for k, v in node.value:
                key = k.value
                here = f"{prefix}.{key}" if prefix else str(key)
                if key in seen and (not name or key == name):
                    return k.start_mark.line + 1, here
                seen.add(key)
                stack.append((v, here))
        elif isinstance(node, yaml.SequenceNode):
            for i, v in enumerate(node.value):
                stack.append((v, f"{prefix}[{i}]"))
    return None, ""


@lru_cache(maxsize=256)
def locate(text: str) -> dict[str, int]:
    """Map field paths (``progress[2].date``) to 1-based line numbers."""
    lines: dict[str, int] = {}
    try:
        root = yaml.compose(text, Loader=_SafeLoader)
    except yaml.YAMLError:
        for no, line in enumerate(text.splitlines(), 1):
            m = re.match(r"([A-Za-z_][\w]*)\s*:", line)
            if m and m.group(1) not in lines:
                lines[m.group(1)] = no
        return lines
    stack = [(root, "")]
    while stack:
        node, prefix = stack.pop()
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                here = f"{prefix}.{k.value}" if prefix else str(k.value)
                lines.setdefault(here, k.start_mark.line + 1)
                stack.append((v, here))
        elif isinstance(node, yaml.SequenceNode):
            for i, v in enumerate(node.value):
                here = f"{prefix}[{i}]"
                lines.setdefault(here, v.start_mark.line + 1)
                stack.append((v, here))
    return lines


def line_for(text: str | None, field: str) -> int | None:
    """Best line for a field path: the field itself, else its nearest parent."""
    if not text:
        return None
    table = locate(text)
    probe = field
    while probe:
        if probe in table:
            return table[probe]
        cut = max(probe.rfind("."), probe.rfind("["))
        probe = probe[:cut] if cut > 0 else ""
    return 1 if field == "" else None
