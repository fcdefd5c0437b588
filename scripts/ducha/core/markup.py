"""Text from data, escaped for where it goes: Markdown source, HTML made from Markdown, URLs.

Text from items, the rules file, paths and commits is hostile until escaped for its destination:

- ``md_text`` / ``md_cell``: data copied into Markdown (drafted bulletins, notices, generated Markdown
  pages) is shown as written, never read as Markdown: no link, image, emphasis, ``{attr_list}``, HTML
  tag or entity can come out of it. Escapes are the ones Python-Markdown itself understands.
- ``md_no_html``: staff-written Markdown (a bulletin's body) keeps its Markdown but shows HTML as text.
- ``sanitize_html``: everything the site renders from Markdown goes through an allow-list sanitiser
  (nh3, the Python binding of Ammonia) before it is published: only harmless tags and attributes, no event
  handlers, no ``style`` but table alignment, URLs only http(s), mailto or relative.
- ``url_path``: a repository path made safe inside a URL (and so inside an HTML attribute).
"""

from __future__ import annotations

import re
from urllib.parse import quote

from markupsafe import Markup

# Python-Markdown's backslash escapes (markdown.Markdown.ESCAPED_CHARS, with the tables extension's |)
# that can start markup in running text. ``(``, ``)``, ``!`` and ``.`` matter only after a ``]`` or at
# the start of a line, both handled below.
_INLINE = re.compile(r"([\\`*_\[\]{}|])")
_ENTITY = re.compile(r"&(?=#?[0-9A-Za-z]+;)")  # a bare & stays literal in Markdown; &name; would not
_LINE_START = re.compile(r"(?m)^([ \t]*)([#>+\-!]|\d+(?=\.(?:\s|$)))")  # headings, quotes, lists, admonitions


class MdSafe(str):
    """Markdown a template may insert as is (already escaped, or written by ducha itself)."""


def md_text(text) -> str:
    """``text`` shown as written in a Markdown document: every character that could start Markdown or
    HTML is escaped. Line breaks are kept (each line's leading list or heading marker escaped)."""
    text = "" if text is None else str(text)
    text = _INLINE.sub(r"\\\1", text)
    text = _ENTITY.sub("&amp;", text).replace("<", "&lt;")
    return _LINE_START.sub(lambda m: m.group(1) + _line_marker(m.group(2)), text)


def _line_marker(marker: str) -> str:
    return marker + "\\" if marker.isdigit() else "\\" + marker  # 1. → 1\.   # → \#


def md_cell(text) -> MdSafe:
    """``md_text`` on one line: for a Markdown table cell, a list line or a sentence."""
    return MdSafe(md_text(one_line(text)))


_CJK = "\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef"  # CJK punctuation, ideographs, full-width forms
_WRAP_IN_CHINESE = re.compile(rf"(?<=[{_CJK}])[ \t]*\n\s*(?=[{_CJK}])")
_AFTER_CHINESE_STOP = re.compile(rf"(?<=[。，；：！？、）」』】])[ \t]+(?=[{_CJK}])")


def one_line(text) -> str:
    """``text`` on one line: a line break inside Chinese text joins without a space (YAML folds a wrapped
    line into a space: none after 。，；), any other run of white space becomes one space."""
    text = "" if text is None else str(text)
    text = _AFTER_CHINESE_STOP.sub("", _WRAP_IN_CHINESE.sub("", text))
    return " ".join(text.split())


def md_finalize(value):
    """Jinja2 ``finalize`` for Markdown templates: every ``{{ value }}`` is escaped unless ``MdSafe`` or
    marked ``|safe`` (a macro's output, written by the template itself); numbers print as they are."""
    if value is None:
        return ""
    if isinstance(value, (MdSafe, Markup, int, float)):
        return value
    return md_text(value)


def md_no_html(text: str) -> str:
    """Staff-written Markdown with any HTML in it shown as text (``<`` escaped; an entity such as ``&lt;``
    stays one, so text ``md_text`` escaped reads the same; what entities decode to is sanitised later)."""
    return str(text).replace("<", "&lt;")


# -- HTML from Markdown --------------------------------------------------------------------------

_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "code", "col", "colgroup", "dd", "del", "details", "div",
    "dl", "dt", "em", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins",
    "kbd", "li", "mark", "ol", "p", "pre", "q", "s", "samp", "small", "span", "strong", "sub", "summary",
    "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul", "var",
}  # fmt: skip
_ATTRIBUTES = {
    "*": {"class", "id", "title", "lang"},
    "a": {"href"},
    "img": {"src", "alt", "width", "height"},
    "ol": {"start"},
    "td": {"align", "colspan", "rowspan", "style"},
    "th": {"align", "colspan", "rowspan", "style"},
    "details": {"open"},
}
_SCHEMES = {"http", "https", "mailto"}  # relative URLs are always allowed
_OFF_SITE = re.compile(r"^\s*(?://|[A-Za-z][A-Za-z0-9+.-]*:)")


def _attribute(element: str, attribute: str, value: str) -> str | None:
    """Images only from the site itself (an intranet page fetches nothing from elsewhere); no ids the
    theme's own scripts use (``__search``, ``__config`` …)."""
    if attribute == "src" and _OFF_SITE.match(value):
        return None
    if attribute == "id" and value.startswith("__"):
        return None
    return value


def sanitize_html(html: str) -> str:
    """HTML made from Markdown, reduced to an allow-list: no script, no event handler, no foreign scheme."""
    import nh3  # only the site needs it: not on the path of ``ducha check``

    return nh3.clean(
        html,
        tags=_TAGS,
        attributes=_ATTRIBUTES,
        url_schemes=_SCHEMES,
        link_rel=None,
        attribute_filter=_attribute,
        strip_comments=True,
        filter_style_properties={"text-align"},  # Markdown tables align columns with style="text-align: …"
    )


_PLAIN_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")


def plain_name(name: str) -> bool:
    """A file or folder name that reads the same in a URL, HTML, Markdown and a shell: letters, digits,
    ``-``, ``_`` and ``.``, starting with a letter or digit (item and bulletin paths must be such)."""
    return _PLAIN_NAME.fullmatch(name) is not None


def url_path(path: str) -> str:
    """A repository path for a URL: every character but letters, digits and ``/._-~`` percent-encoded,
    so no quote or angle bracket can end the attribute it is written into."""
    return quote(str(path), safe="/")
