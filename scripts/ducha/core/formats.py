"""How a percentage and a time are shown to people: one function each, used by every output.

Percentages round half up (四舍五入, as Excel's ROUND and official statistics do) on the exact fraction,
to the decimals the rules set (``statistics.decimals``).  Times are shown in Beijing time and say so;
JSON keeps ISO 8601 with its offset.
"""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal
from fractions import Fraction

from .schema import TZ

DEFAULT_DECIMALS = 1
TIME_LABEL = "北京时间"


def rounded(numerator: int, denominator: int, decimals: int = DEFAULT_DECIMALS) -> Decimal:
    """numerator / denominator rounded half up to ``decimals`` on the exact fraction: 1/16 at 3 → 0.063."""
    exact = Fraction(numerator * 10**decimals, denominator)  # counts and days: never negative
    return Decimal(math.floor(exact + Fraction(1, 2))).scaleb(-decimals)


def rounded_percent(numerator: int, denominator: int, decimals: int = DEFAULT_DECIMALS) -> Decimal:
    """numerator / denominator as a percentage rounded half up to ``decimals``: 1/16 → 6.3 (not 6.2)."""
    return rounded(100 * numerator, denominator, decimals)


def percent(numerator: int, denominator: int, decimals: int = DEFAULT_DECIMALS) -> str:
    """``6.3%``; ``—`` when the denominator is 0."""
    if not denominator:
        return "—"
    return f"{rounded_percent(numerator, denominator, decimals):.{decimals}f}%"


def percent_format(decimals: int = DEFAULT_DECIMALS) -> str:
    """The spreadsheet number format of a rate cell: ``0.0%``."""
    return "0." + "0" * decimals + "%" if decimals else "0%"


def beijing(value, label: bool = True) -> str:
    """A time as people read it: ``2026-05-20 14:03（北京时间）`` (``label=False``: without the label, for a
    column whose header says 北京时间).

    ``value``: an aware datetime or an ISO 8601 string with an offset (a commit time), converted to Beijing
    time; a naive datetime or a string without offset is already Beijing time (the ledger's own times).
    A string that is no time at all is shown as it is."""
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value.strip())
        except ValueError:
            return value
    if value.tzinfo is not None:
        value = value.astimezone(TZ)
    text = value.strftime("%Y-%m-%d %H:%M")
    return f"{text}（{TIME_LABEL}）" if label else text


def with_label(header: str) -> str:
    """A column header for times: ``提交时间（北京时间）``."""
    return f"{header}（{TIME_LABEL}）"


def shown(value) -> str:
    """A value from a file as a message shows it to a clerk, never as Python writes it: text in “”,
    （空） for nothing, true/false, dates as YYYY-MM-DD, a list's items joined with 、."""
    if value is None or value == "":
        return "（空）"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat(sep=" ") if isinstance(value, dt.datetime) else value.isoformat()
    if isinstance(value, (list, tuple)):
        return "列表（" + "、".join(shown(v) for v in value) + "）" if value else "空列表"
    if isinstance(value, dict):
        return "映射（" + "，".join(f"{k}: {shown(v)}" for k, v in value.items()) + "）" if value else "空映射"
    return f"“{value}”"
