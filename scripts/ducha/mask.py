"""Masking citizens' personal data for publication (市长信箱来信人信息脱敏)."""

from __future__ import annotations

import re

_ID_NUMBER = re.compile(r"(?<![0-9])([1-9]\d{5})[- ]?(\d{8})[- ]?(\d{3}[0-9Xx])(?![0-9Xx])")
# 139-1234-5678, 139 1234 5678 and +86 13912345678 are as common as 13912345678
_MOBILE = re.compile(r"(?<![0-9])((?:\+?86[- ]?)?1[3-9]\d[- ]?)(\d{4})([- ]?\d{4})(?![0-9])")
_LANDLINE = re.compile(r"(?<![0-9])(0\d{2,3}-?)(\d{3,4})(\d{4})(?![0-9])")


def mask_name(name: str) -> str:
    name = name.strip()
    if not name:
        return name
    return name[0] + "*" * max(1, len(name) - 1)


def mask_phone(phone: str) -> str:
    digits = re.sub(r"\D", "", str(phone))
    if len(digits) >= 7:
        return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]
    return "*" * len(digits)


def mask_id_number(value: str) -> str:
    value = str(value).strip()
    if len(value) < 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def mask_text(text: str, names: tuple[str, ...] = ()) -> str:
    """Mask ID-card numbers, mobile and landline numbers, and the given private names in free text."""
    if not text:
        return text
    text = _ID_NUMBER.sub(lambda m: m.group(1)[:4] + "*" * 10 + m.group(3)[-4:], text)
    text = _MOBILE.sub(lambda m: m.group(1) + "****" + m.group(3), text)
    text = _LANDLINE.sub(lambda m: m.group(1) + "*" * len(m.group(2)) + m.group(3), text)
    for name in names:
        if name and len(name) >= 2:
            text = text.replace(name, mask_name(name))
    return text
