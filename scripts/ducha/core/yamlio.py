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
ALIAS_LIMITS = yaml_rs.AliasLimits(
    max_total_replayed_events=2_000, max_replay_stack_depth=8, max_alias_expansions_per_anchor=20
)
_LINE_COL = re.compile(r"line (\d+), column (\d+)")
_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_FULLWIDTH_COLON = re.compile(r"(?m)^ *(?:- +)?[A-Za-z_][A-Za-z0-9_]* *：")
_NO_SPACE_COLON = re.compile(r"(?m)^( *(?:- +)?)([A-Za-z_][A-Za-z0-9_]*):([^\s:/#'\"].*)$")
_KEY_LINE = re.compile(r"^( *)(?:- +)?([A-Za-z_][A-Za-z0-9_]*) *:(?:\s|$)")
# the parser's words for the usual mistakes, said in Chinese (the original stays in brackets)
_SYNTAX_HINTS = (
    ("mapping values are not allowed", "值中出现了“冒号加空格”；值里有冒号时请给整个值加引号，或检查缩进"),
    ("did not find expected key", "缩进不一致，同一层级的字段须左对齐"),
    ("multiline quoted scalar", "引号没有配对（缺少结尾的引号）"),
    ("unclosed bracket", "括号没有配对"),
    ("illegal placement of ':'", "括号没有配对，或冒号的位置不对"),
    ("simple key expect ':'", "这一行或上一行缺少冒号"),
    ("trailing content after", "引号之后还有内容；整段文字应都在引号内"),
    ("unexpected character", "值不能以 @、`、% 等符号开头，请给整个值加引号"),
    ("must be followed by a valid YAML whitespace", "冒号后面须有一个空格"),
    ("found unknown anchor", "使用了未定义的别名（*）"),
    ("recursion limit exceeded", "嵌套层数过多"),
)


class Dumper(yaml.SafeDumper):
    """The dumper of every file ducha writes (items, bulletins' front matter): never an anchor or alias
    (``assigned: &id001 2026-03-05`` … ``date: *id001``), so that editing one value changes only that value."""

    def ignore_aliases(self, data) -> bool:
        return True

    def represent_str(self, data: str):
        """A text a YAML 1.2 reader (yaml-rs) would take for something else is quoted: ``1e5`` and ``0x1f``
        (numbers there, text to PyYAML) and a git commit id, which may be all digits."""
        if _NOT_TEXT_IN_YAML_12.fullmatch(data) or _COMMIT_ID.fullmatch(data):
            return self.represent_scalar("tag:yaml.org,2002:str", data, style='"')
        return super().represent_str(data)


_NOT_TEXT_IN_YAML_12 = re.compile(r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|0o[0-7]+|0x[0-9a-fA-F]+")
_COMMIT_ID = re.compile(r"[0-9a-f]{7,40}")
Dumper.add_representer(str, Dumper.represent_str)


def dump(data, width: int = 100, **options) -> str:
    """``data`` as block YAML with Chinese as written, keys in the given order, no anchors."""
    return yaml.dump(data, Dumper=options.pop("Dumper", Dumper), allow_unicode=True, sort_keys=False,
                     default_flow_style=options.pop("default_flow_style", False), width=width, **options)


class ParseResult:
    __slots__ = ("data", "text", "findings")

    def __init__(self, data, text, findings):
        self.data = data
        self.text = text
        self.findings = findings


def _line_of_offset(raw: bytes, offset: int) -> int:
    return raw.count(b"\n", 0, offset) + 1


_VALUE = re.compile(rb"[ \t]*(?P<v>[^\r\n#]*)")


def top_level_value(raw: bytes, key: bytes) -> bytes | None:
    """The value written on a file's own top-level ``key:`` line (the first one, its comment cut off), read
    from the bytes without parsing them, or None without one."""
    if raw.startswith(key):
        at = 0
    else:
        at = raw.find(b"\n" + key)
        if at < 0:
            return None
        at += 1
    return _VALUE.match(raw, at + len(key)).group("v")


def decode(raw: bytes, path: str, limit: int | None = MAX_BYTES) -> tuple[str | None, list[Finding]]:
    """Bytes to text, refusing anything but plain UTF-8 without BOM, NUL or tab indentation; and, unless
    ``limit`` is None (a caller with its own size rule, as bulletins), more than ``limit`` bytes (D105)."""
    if limit is not None and len(raw) > limit:
        return None, [Finding(path, None, "D105", "", f"文件大小 {len(raw) // 1024} KB，超过上限 {limit // 1024} KB。")]
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
        data = yaml_rs.loads(text, parse_datetime=True, alias_limits=ALIAS_LIMITS)
    except yaml_rs.YAMLDecodeError as exc:
        return ParseResult(None, text, [_decode_error(text, path, str(exc))])
    except (RecursionError, OverflowError, ValueError) as exc:  # pragma: no cover - defensive
        return ParseResult(None, text, [Finding(path, None, "D106", "", f"无法解析：{exc}")])
    if "!" in text:  # yaml-rs resolves core tags (!!int) and silently drops others (!!python/object): refuse them
        tag = _first_token(text, yaml.TagToken)
        if tag is not None:
            return ParseResult(None, text, [_tag_finding(text, path, tag)])
    if data is None:
        return ParseResult(None, text, [Finding(path, None, "D109", "", "文件是空的。")])
    if isinstance(data, list):
        second = _second_document_line(text)
        if second:
            return ParseResult(None, text, [Finding(path, second, "D109", "", "文件含有多个 YAML 文档（---），一个文件只能写一个事项。")])
    if not isinstance(data, dict):
        return ParseResult(None, text, [Finding(path, _root_line(text), "D109", "", "文件顶层应是“字段: 值”的映射。")])
    return ParseResult(data, text, [])


def read(raw: bytes, path: str) -> ParseResult:
    text, findings = decode(raw, path)
    if text is None:
        return ParseResult(None, None, findings)
    return parse_text(text, path)


def _decode_error(text: str, path: str, message: str) -> Finding:
    first = message.strip().splitlines()[0] if message.strip() else message
    detail = message.strip().splitlines()[-1].strip() if message.strip() else ""
    if "duplicate" in message and "key" in message:
        key = re.search(r"key:\s*(.+)$", first)
        name = key.group(1).strip() if key else ""
        if len(name) >= 2 and name[0] == name[-1] and name[0] in "'\"":
            name = name[1:-1]
        line, field = _find_duplicate(text, name)
        return Finding(path, line, "D107", field or name, f"字段“{name}”在同一层级出现了不止一次。")
    low = message.lower()
    if "alias" in low and "exceeded" in low:
        anchor = _first_token(text, yaml.AnchorToken)
        line = anchor.start_mark.line + 1 if anchor is not None else None
        return Finding(path, line, "D108", "", "锚点/别名展开超过上限，可能是恶意构造的文件（“十亿笑声”攻击）。")
    if "tag" in low:
        tag = _first_token(text, yaml.TagToken)
        if tag is not None:
            return _tag_finding(text, path, tag)
        m = _LINE_COL.search(message)
        return Finding(path, int(m.group(1)) if m else None, "D110", "", f"不支持的 YAML 标签：{detail}")
    m = _LINE_COL.search(message)
    line = int(m.group(1)) if m else None
    wide = _FULLWIDTH_COLON.search(text)
    if wide and (line is None or text.count("\n", 0, wide.start()) + 1 <= line):
        wide_line = text.count("\n", 0, wide.start()) + 1
        return Finding(path, wide_line, "D106", "", "字段名后用了中文冒号“：”；YAML 要用英文冒号加空格“: ”。")
    wide_markup = _full_width_markup(text, line)
    if wide_markup is not None:
        return Finding(path, wide_markup[0], "D106", "", wide_markup[1])
    tight = next((t for t in _NO_SPACE_COLON.finditer(text) if t.group(2) in _field_names()), None)
    if tight and (line is None or text.count("\n", 0, tight.start()) + 1 <= line):
        key, value = tight.group(2), tight.group(3).rstrip()
        return Finding(path, text.count("\n", 0, tight.start()) + 1, "D106", key,
                       f"“{key}:{value}”的冒号后面缺少空格：应写成“{key}: {value}”。")
    if line is not None and "did not find expected key" in detail:
        misplaced = _misplaced_entry(text, line, path)
        if misplaced is not None:
            return misplaced
    col = f"第 {m.group(2)} 列，" if m else ""
    hint = next((h for needle, h in _SYNTAX_HINTS if needle in detail), "")
    return Finding(path, line, "D106", "", f"{col}YAML 语法错误：{hint}（{detail}）" if hint else f"{col}YAML 语法错误：{detail}")


@lru_cache(maxsize=1)
def _field_names() -> frozenset[str]:
    """Every field name of the item and rules schemas: a ``name:value`` line is a missing space only there
    (elsewhere it may be the text of a value)."""
    from .schema import item_schema, rules_schema

    names: set[str] = set()
    stack = [item_schema(), rules_schema()]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            names |= set(node.get("properties") or {})
            stack += list(node.values())
        elif isinstance(node, list):
            stack += node
    return frozenset(names)


_WIDE_INDENT = re.compile(r"^[ \u3000]*\u3000")
_WIDE_DASH = re.compile(r"^ *([－—–])(?= )")


def _full_width_markup(text: str, line: int | None) -> tuple[int, str] | None:
    """(line, message) for YAML's own characters typed full-width (an input method left on) at or before the
    line the parser stopped at: spaces that indent, a list's dash; None when there are none."""
    for no, text_line in enumerate(text.split("\n")[: line or None], 1):
        if _WIDE_INDENT.match(text_line):
            return no, "这一行用全角空格“　”缩进，YAML 只能用半角空格缩进（切换到英文输入法后重打空格）。"
        dash = _WIDE_DASH.match(text_line)
        if dash:
            return no, f"列表的短横线写成了全角的“{dash.group(1)}”，应写半角“-”（切换到英文输入法）。"
    return None


def _misplaced_entry(text: str, line: int, path: str) -> Finding | None:
    """D106 for a list entry (``- date: …``) on ``line`` that the parser could not place: said as the list
    it belongs to by its fields, and where it was written."""
    from .schema import entry_home, item_schema

    lines = text.split("\n")
    start = lines[line - 1] if line <= len(lines) else ""
    indent = len(start) - len(start.lstrip(" "))
    if not start.lstrip(" ").startswith("- "):
        return None
    keys = []
    for no in range(line - 1, len(lines)):
        found = _KEY_LINE.match(lines[no])
        if no > line - 1 and (not lines[no].strip() or len(lines[no]) - len(lines[no].lstrip(" ")) <= indent):
            break
        if found:
            keys.append(found.group(2))
    under = next((m.group(2) for no in range(line - 2, -1, -1)
                  if (m := _KEY_LINE.match(lines[no])) and len(m.group(1)) < indent and not lines[no].lstrip().startswith("-")), None)
    home = entry_home(keys)
    if home is None:
        return None
    fields = "、".join(dict.fromkeys(keys))
    label = item_schema()["properties"][home]["description"].split("（")[0]
    if home == under:
        return Finding(path, line, "D106", home, f"这一条 {home} 记录（{fields}）的缩进与上一条不一致：短横线“-”应与上一条的“-”对齐。")
    at = next((no + 1 for no, text_line in enumerate(lines) if text_line.startswith(f"{home}:")), None)
    where = f"（第 {at} 行）" if at else f"（文件中还没有 {home}:，请另起一行写上）"
    wrote = f"却写在了 {under} 下面" if under else "却没有写在任何列表下面"
    return Finding(path, line, "D106", home, f"这一条（{fields}）是{label}（{home}）的记录，{wrote}；应移到 {home}: 下面{where}，与其中的记录对齐。")


def _tag_finding(text: str, path: str, token) -> Finding:
    shown = text[token.start_mark.index : token.end_mark.index]
    return Finding(path, token.start_mark.line + 1, "D110", "", f"不支持的 YAML 标签 {shown}；事项文件中不能使用类型标签。")


def _first_token(text: str, kind):
    """The first token of ``kind`` in ``text`` (PyYAML's scanner; only on the rare failing path)."""
    try:
        for token in yaml.scan(text, Loader=_SafeLoader):
            if isinstance(token, kind):
                return token
    except yaml.YAMLError:
        pass
    return None


def _second_document_line(text: str) -> int | None:
    """Line of the second document's ``---`` when ``text`` holds more than one YAML document."""
    if "---" not in text and "..." not in text:
        return None
    try:
        starts = [e.start_mark.line + 1 for e in yaml.parse(text, Loader=_SafeLoader) if isinstance(e, yaml.DocumentStartEvent)]
    except yaml.YAMLError:
        m = re.search(r"(?m)^---", text)
        return text.count("\n", 0, m.start()) + 1 if m else None
    return starts[1] if len(starts) > 1 else None


def _root_line(text: str) -> int:
    try:
        root = yaml.compose(text, Loader=_SafeLoader)
    except yaml.YAMLError:
        return 1
    return root.start_mark.line + 1 if root is not None else 1


def _key_of(node):
    """A hashable stand-in for a mapping key node (keys may be sequences or mappings)."""
    if isinstance(node, yaml.ScalarNode):
        return node.value
    if isinstance(node, yaml.SequenceNode):
        return tuple(_key_of(v) for v in node.value)
    return tuple((_key_of(k), _key_of(v)) for k, v in node.value)


def _path(prefix: str, key) -> str:
    return f"{prefix}.{key}" if prefix else str(key)


def _containers(root):
    """Every mapping and sequence node under ``root`` with its field path, each once (an alias is the anchored
    node again: a billion-laughs document is walked in linear time), parents before their children."""
    stack = [(root, "")]
    visited: set[int] = set()
    while stack:
        node, prefix = stack.pop()
        if id(node) in visited:
            continue
        visited.add(id(node))
        if isinstance(node, yaml.MappingNode):
            yield node, prefix
            stack += [(v, _path(prefix, _key_of(k))) for k, v in node.value]
        elif isinstance(node, yaml.SequenceNode):
            yield node, prefix
            stack += [(v, f"{prefix}[{i}]") for i, v in enumerate(node.value)]


def _find_duplicate(text: str, name: str) -> tuple[int | None, str]:
    """Locate a duplicate key with PyYAML's composer (which keeps both)."""
    try:
        root = yaml.compose(text, Loader=_SafeLoader)
    except yaml.YAMLError:
        return None, ""
    found: list[tuple[int, bool, str]] = []
    for node, prefix in _containers(root):
        if isinstance(node, yaml.MappingNode):
            seen = set()
            for k, _ in node.value:
                key = _key_of(k)
                if key in seen:
                    found.append((k.start_mark.line + 1, key != name, _path(prefix, key)))
                seen.add(key)
    if not found:
        return None, ""
    line, _, field = min(found, key=lambda f: (f[1], f[0]))
    return line, field


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
    for node, prefix in _containers(root):
        if isinstance(node, yaml.MappingNode):
            for k, _ in node.value:
                lines.setdefault(_path(prefix, _key_of(k)), k.start_mark.line + 1)
        else:
            for i, v in enumerate(node.value):
                lines.setdefault(f"{prefix}[{i}]", v.start_mark.line + 1)
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
