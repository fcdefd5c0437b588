"""Ids, document numbers and commit hashes kept on one line wherever they appear in text.

A phone's narrow column would otherwise break ``DC-2026-0047`` after a hyphen or ``江府督办〔2026〕38号``
inside its brackets. Text from the ledger (``tokens``, a Jinja2 filter) and every page MkDocs made from
Markdown (``keep_tokens_html``: the guide, bulletins, reference pages) get each such token wrapped in
``<span class="ducha-token">`` (``white-space: nowrap`` in ducha.css); the text itself is unchanged.
"""

from __future__ import annotations

import re

from markupsafe import Markup, escape

TOKEN = re.compile(
    r"(?<![A-Za-z0-9-])DC-\d{4}-\d{4,5}(?![0-9])"  # an item id
    r"|[\u4e00-\u9fff]{1,6}〔\d{4}〕\d{1,5}号"  # a document number (GB/T 9704)
    r"|(?<![0-9A-Za-z])(?=[0-9a-f]*[a-f])(?=[0-9a-f]*[0-9])[0-9a-f]{10,40}(?![0-9A-Za-z])"  # a commit hash
)
_TAG = re.compile(r"(<[^>]*>)")
_RAW = re.compile(r"<(pre|script|style|textarea)\b", re.I)


def _wrap(text: str) -> str:
    return TOKEN.sub(lambda m: f'<span class="ducha-token">{m.group(0)}</span>', text)


def tokens(text) -> Markup:
    """Escaped ``text`` with its tokens kept whole (for Jinja2: ``{{ v.mask(d.summary)|tokens }}``)."""
    return Markup(_wrap(str(escape(text))))


def keep_tokens_html(html: str) -> str:
    """``html`` with the tokens in its text (not in tags, attributes, code blocks or scripts) kept whole."""
    if not TOKEN.search(html):
        return html
    out, raw = [], None
    for part in _TAG.split(html):
        if part.startswith("<"):
            if raw is None and (m := _RAW.match(part)):
                raw = m.group(1).lower()
            elif raw is not None and part.lower().startswith(f"</{raw}"):
                raw = None
            out.append(part)
        else:
            out.append(part if raw is not None else _wrap(part))
    return "".join(out)
