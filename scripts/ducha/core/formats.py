"""How a percentage is shown to people: one function, used by every output.

Percentages round half up (四舍五入, as Excel's ROUND and official statistics do) on the exact fraction,
to the decimals the rules set (``statistics.decimals``).
"""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction

DEFAULT_DECIMALS = 1


def rounded_percent(numerator: int, denominator: int, decimals: int = DEFAULT_DECIMALS) -> Decimal:
    """numerator / denominator as a percentage rounded half up to ``decimals``: 1/16 → 6.3 (not 6.2)."""
    exact = Fraction(100 * numerator * 10**decimals, denominator)  # counts: never negative
    return Decimal(math.floor(exact + Fraction(1, 2))).scaleb(-decimals)


def percent(numerator: int, denominator: int, decimals: int = DEFAULT_DECIMALS) -> str:
    """``6.3%``; ``—`` when the denominator is 0."""
    if not denominator:
        return "—"
    return f"{rounded_percent(numerator, denominator, decimals):.{decimals}f}%"


def percent_format(decimals: int = DEFAULT_DECIMALS) -> str:
    """The spreadsheet number format of a rate cell: ``0.0%``."""
    return "0." + "0" * decimals + "%" if decimals else "0%"

