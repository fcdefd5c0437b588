"""Masking citizens' personal data for publication (市长信箱来信人信息脱敏).

Free text is matched after full-width digits, letters and separators (１３９, Ｘ, －, the ideographic
space) are read as their ASCII forms: a letter typed with a Chinese input method is masked like any
other. Each such character is one code point either way, so a match found in the normalised text
masks the same positions of the original.
"""

from __future__ import annotations

import functools
import re

# full-width digits, X/x, +, - and the ideographic space, read as ASCII (same length: one code point each)
_ASCII = str.maketrans({**{chr(0xFF10 + d): str(d) for d in range(10)}, "Ｘ": "X", "ｘ": "x", "＋": "+", "－": "-", "\u3000": " "})
# 18-digit resident ID (GB 11643), also written in groups of 6-8-4
_ID_NUMBER = re.compile(r"(?<![0-9])[1-9]\d{5}[- ]?\d{8}[- ]?\d{3}[0-9Xx](?![0-9Xx])")
# 15-digit ID of the first generation (issued until 2004): area code, yymmdd of birth, sequence
_OLD_ID_NUMBER = re.compile(r"(?<![0-9])[1-9]\d{5}\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}(?![0-9Xx])")
# 139-1234-5678, 139 1234 5678 and +86 13912345678 are as common as 13912345678
_MOBILE = re.compile(r"(?<![0-9])((?:\+?86[- ]?)?1[3-9]\d[- ]?)(\d{4})([- ]?\d{4})(?![0-9])")
_LANDLINE = re.compile(r"(?<![0-9])(0\d{2,3}-?)(\d{3,4})(\d{4})(?![0-9])")


def mask_name(name: str) -> str:
    name = name.strip()
    if not name:
        return name
    return name[0] + "*" * max(1, len(name) - 1)


def mask_phone(phone: str) -> str:
    digits = re.sub(r"\D", "", str(phone).translate(_ASCII))
    if len(digits) >= 7:
        return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]
    return "*" * len(digits)


def mask_id_number(value: str) -> str:
    value = str(value).strip()
    if len(value) < 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def _id_spans(keep_end: int):
    def spans(m, norm):
        digits = [i for i in range(m.start(), m.end()) if norm[i] not in "- "]
        return digits[4:-keep_end]

    return spans


_PATTERNS = (
    (_ID_NUMBER, _id_spans(4)),
    (_OLD_ID_NUMBER, _id_spans(3)),
    (_MOBILE, lambda m, _: range(*m.span(2))),
    (_LANDLINE, lambda m, _: range(*m.span(2))),
)
_DIGIT_RUN = re.compile(r"\d{3}")  # every number masked here has one (\d: full-width digits too)


def mask_text(text: str, names: tuple[str, ...] = ()) -> str:
    """Mask ID-card numbers (18 and 15 digits), mobile and landline numbers, and the given private names."""
    if not text:
        return text
    if _DIGIT_RUN.search(text):
        norm = text.translate(_ASCII)
        starred = {i for pattern, spans in _PATTERNS for m in pattern.finditer(norm) for i in spans(m, norm)}
        if starred:
            text = "".join("*" if i in starred else ch for i, ch in enumerate(text))
    if names:
        pattern = _names_pattern(names)
        if pattern is not None:
            text = pattern.sub(lambda m: mask_name(m.group(0)), text)
    return text


@functools.lru_cache(maxsize=64)
def _names_pattern(names: tuple[str, ...]) -> re.Pattern | None:
    """One pattern for all private names (of two characters or more), longest first."""
    wanted = sorted({n for n in names if n and len(n) >= 2}, key=len, reverse=True)
    return re.compile("|".join(map(re.escape, wanted))) if wanted else None
