"""What a draft quotes of an item (its measure, its unit's latest progress), written once for the drafting
and for ``verify``, which must recognise the quoted text as data rather than as unverified figures.

Real bulletins quote, for every item they name, what was asked (the measure: 新增城镇就业60000人, or the
requirement) and what the unit last reported (1—10月累计新增城镇就业5.68万人……), and attach the scope's
whole list with each item's latest progress.  The numbers inside such quotes are the unit's own words, not
figures of the bulletin, so the body check passes over them the way it passes over titles.
"""

from __future__ import annotations

import datetime as dt

from ..core.markup import md_cell, one_line
from ..core.pace import measure_text, number_text
from ..core.mask import mask_text

QUOTE_LIMIT = 100  # characters of a progress text a draft quotes (cut at a sentence end where one is near)


def clean(text, names=(), phones=frozenset()) -> str:
    """Masked as on the site (citizens' names and numbers), then joined into one line."""
    return one_line(mask_text(str(text or ""), names, phones))


def latest_progress(item, as_of: dt.date) -> dict | None:
    """The last progress entry dated by ``as_of``."""
    return next((p for p in reversed(item.log("progress")) if isinstance(p.get("date"), dt.date) and p["date"] <= as_of), None)


def shortened(text: str, limit: int = QUOTE_LIMIT) -> str:
    """``text`` up to ``limit`` characters, cut after the last 。；！ within it when there is one past its
    middle, else cut with ……."""
    if len(text) <= limit:
        return text
    head = text[:limit]
    end = max(head.rfind(ch) for ch in "。；！")
    return head[: end + 1] if end >= limit // 2 else head + "……"


def progress_quote(item, as_of: dt.date, names=(), phones=frozenset()) -> str:
    """The unit's latest progress as quoted: its text (shortened), or its reported figure when it wrote none."""
    entry = latest_progress(item, as_of)
    if entry is None:
        return ""
    text = clean(entry.get("text"), names, phones)
    if text:
        return shortened(text)
    target = item.get("target") or {}
    if "value" in entry:
        return f"累计完成{number_text(entry['value'])}{target.get('unit', '')}"
    if "percent" in entry:
        return f"完成{number_text(entry['percent'])}%"
    return ""


def requirement_text(item, names=(), phones=frozenset()) -> str:
    """What the item asks, as written: its summary, else the approval opinion."""
    return clean(item.get("summary") or (item.get("approval") or {}).get("opinion"), names, phones)


def asked_text(item, names=(), phones=frozenset()) -> str:
    """What was asked as a bulletin quotes it: 目标新增城镇就业60000人, else the requirement (shortened)."""
    measure = measure_text(item.get("target"))
    return f"目标{measure}" if measure else shortened(requirement_text(item, names, phones))


def quoted_texts(item, rules, as_of: dt.date) -> set[str]:
    """Every text a draft may quote of ``item``, as written in a sentence and in a table cell."""
    names, phones = item.private_names, rules.public_phones
    texts = {
        one_line(item.get("title")),
        clean(item.get("title"), names, phones),  # as a draft writes it (``ItemCatalog``): masked
        requirement_text(item, names, phones),
        asked_text(item, names, phones),
        progress_quote(item, as_of, names, phones),
    }
    return {t for text in texts if text for t in (text, str(md_cell(text)))}
