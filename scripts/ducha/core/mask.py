"""Masking citizens' personal data for publication (市长信箱来信人信息脱敏).

Free text is matched after full-width digits, letters, brackets and separators (１３９, Ｘ, （, －, the
ideographic space), no-break and thin spaces, en and em dashes and middle dots are read as their ASCII
forms: a number typed with a Chinese input method, or pasted from a word processor, is masked like any
other. Each such character is one code point either way, so a match found in the normalised text masks
the same positions of the original. A line break between two digits (a number split over two lines of
a YAML ``|`` block) is read as nothing.

What is masked: 18- and 15-digit ID numbers, mobile numbers (with or without +86), landlines with an
area code (0571-86012345, （0571）86012345, 0571 8601 2345), and bank card numbers of 16 to 19 digits
(Luhn-valid, or written in groups of four). What is not: dates, item ids, document numbers, and the
numbers passed as ``keep`` (the office's and units' own published phone numbers).
"""

from __future__ import annotations

import functools
import re

_SPACES = "\u00a0\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000"
_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"
_DOTS = "\u00b7\u2027\u30fb\uff0e\uff65"
# read as ASCII, one code point for one code point (so positions carry over to the original)
_ASCII = str.maketrans({
    **{chr(0xFF10 + d): str(d) for d in range(10)}, "Ｘ": "X", "ｘ": "x", "＋": "+", "（": "(", "）": ")",
    **dict.fromkeys(_SPACES, " "), **dict.fromkeys(_DASHES, "-"), **dict.fromkeys(_DOTS, "."),
})  # fmt: skip
# a line break (with the indentation around it) between two digits: the number goes on on the next line
_LINE_BREAK = re.compile(r"(?<=\d)[ \t]*\r?\n[ \t]*(?=\d)")
# one separator inside a number: a space or two, a hyphen (or a doubled dash ——), a dot, spaces around them
_S = r"(?: ?(?:--?|\.) ?| {1,2})"
# 18-digit resident ID (GB 11643), also written in groups of 6-8-4
_ID_NUMBER = re.compile(rf"(?<![0-9])[1-9]\d{{5}}{_S}?\d{{8}}{_S}?\d{{3}}[0-9Xx](?![0-9Xx])")
# 15-digit ID of the first generation (issued until 2004): area code, yymmdd of birth, sequence
_OLD_ID_NUMBER = re.compile(r"(?<![0-9])[1-9]\d{5}\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}(?![0-9Xx])")
# 139-1234-5678, 139 1234 5678, 139.1234.5678 and +86 13912345678 are as common as 13912345678
_MOBILE = re.compile(rf"(?<![0-9])((?:\(?\+?86\)?{_S}?)?1[3-9]\d{_S}?)(\d{{4}})({_S}?\d{{4}})(?![0-9])")
# a landline with its area code (010, 02x, 0xxx): 0571-86012345, (0571)86012345, 0571 8601 2345
_LANDLINE = re.compile(rf"(?<![0-9])(\(?0(?:10|2\d|[3-9]\d\d)\)?{_S}?)([2-9]\d{{2,3}})({_S}?\d{{4}})(?![0-9])")
# bank cards: 16-19 digits in one run, or in groups (6222 0212 3456 7890 128)
_CARD = re.compile(rf"(?<![0-9])\d{{4,19}}(?:{_S}\d{{3,6}}){{0,4}}(?![0-9])")
_CARD_GROUPED = re.compile(rf"\d{{4}}(?:{_S}\d{{4}}){{3}}(?:{_S}\d{{1,3}})?")


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


def phone_digits(phone) -> str:
    """A phone number as its digits alone, without a +86 in front of a mobile number: what ``keep`` holds."""
    digits = re.sub(r"\D", "", str(phone).translate(_ASCII))
    return digits[2:] if len(digits) == 13 and digits.startswith("861") else digits


def _luhn(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


def _digit_positions(m: re.Match, norm: str) -> list[int]:
    return [i for i in range(m.start(), m.end()) if norm[i].isalnum()]


def _middle(keep_start: int, keep_end: int):
    def spans(m, norm):
        return _digit_positions(m, norm)[keep_start:-keep_end]

    return spans


def _card(m: re.Match, norm: str) -> list[int]:
    digits = _digit_positions(m, norm)
    text = "".join(norm[i] for i in digits)
    if 16 <= len(digits) <= 19 and (_luhn(text) or _CARD_GROUPED.fullmatch(m.group(0))):
        return digits[4:-4]
    return []


# (pattern, positions to star, whether it is a phone number that ``keep`` may exempt)
_PATTERNS = (
    (_ID_NUMBER, _middle(4, 4), False),
    (_OLD_ID_NUMBER, _middle(4, 3), False),
    (_MOBILE, lambda m, _: range(*m.span(2)), True),
    (_LANDLINE, lambda m, _: range(*m.span(2)), True),
    (_CARD, _card, False),
)
_DIGIT_RUN = re.compile(r"\d{3}")  # every number masked here has one (\d: full-width digits too)


def _normalised(text: str) -> tuple[str, list[int] | None]:
    """The text read as ASCII with line breaks inside numbers dropped, and where each character came from."""
    norm = text.translate(_ASCII)
    if "\n" not in norm or not _LINE_BREAK.search(norm):
        return norm, None
    index, parts, last = [], [], 0
    for m in _LINE_BREAK.finditer(norm):
        parts.append(norm[last : m.start()])
        index.extend(range(last, m.start()))
        last = m.end()
    parts.append(norm[last:])
    index.extend(range(last, len(norm)))
    return "".join(parts), index


def _phones(norm: str):
    for pattern in (_MOBILE, _LANDLINE):
        for m in pattern.finditer(norm):
            yield m


def mask_text(text: str, names: tuple[str, ...] = (), keep=()) -> str:
    """Mask ID-card numbers (18 and 15 digits), mobile and landline numbers, bank card numbers and the
    given private names; phone numbers whose digits (``phone_digits``) are in ``keep`` stay as written."""
    if not text:
        return text
    if _DIGIT_RUN.search(text):
        norm, index = _normalised(text)
        starred = set()
        for pattern, spans, is_phone in _PATTERNS:
            for m in pattern.finditer(norm):
                if is_phone and keep and phone_digits(m.group(0)) in keep:
                    continue
                starred.update(spans(m, norm))
        if starred:
            if index is not None:
                starred = {index[i] for i in starred}
            text = "".join("*" if i in starred else ch for i, ch in enumerate(text))
    if names:
        pattern = _names_pattern(names)
        if pattern is not None:
            text = pattern.sub(lambda m: mask_name(m.group(0)), text)
    return text


_CONTACT_LINE = re.compile(r"联系(?:电话|方式|人)|咨询电话|值班电话|监督电话|传真")


def contact_numbers(text: str) -> frozenset[str]:
    """The phone numbers on a document's contact lines (联系人：…　联系电话：…), as ``phone_digits``: what
    the office publishes about itself, kept as written when the document is masked."""
    found = set()
    for line in str(text or "").splitlines():
        if _CONTACT_LINE.search(line):
            found.update(phone_digits(m.group(0)) for m in _phones(line.translate(_ASCII)))
    return frozenset(found)


@functools.lru_cache(maxsize=64)
def _names_pattern(names: tuple[str, ...]) -> re.Pattern | None:
    """One pattern for all private names (of two characters or more), longest first."""
    wanted = sorted({n for n in names if n and len(n) >= 2}, key=len, reverse=True)
    return re.compile("|".join(map(re.escape, wanted))) if wanted else None
