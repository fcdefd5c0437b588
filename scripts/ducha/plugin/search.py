"""Ducha's part in Material's search: item entries made while item pages render, the ledger's names as whole
words for jieba, brackets as token separators, and the search worker that cuts queries as the index was cut."""

from __future__ import annotations

import json
import re
from pathlib import Path

from mkdocs.structure.files import File, Files

from .. import TEMPLATES


def safe_title(text: str) -> str:
    """Page titles go into theme templates that may not escape: keep markup characters out."""
    return text.replace("&", "＆").replace("<", "＜").replace(">", "＞")


# Kept out of search tokens besides the theme's separators: brackets and marks around numbers and names, so
# 江府督办〔2026〕86号 is found by 86号 and by 2026 as the index has them.
SEARCH_SEPARATORS = "〔〕［］【】（）《》“”‘’：·"
SEARCH_WORD_FREQ = 100_000  # jieba frequency of a ledger name: high enough that it is always cut whole
LEADER_TITLE_ENDINGS = ("副市长", "市长", "秘书长", "主任", "副主任", "县长", "副县长", "区长", "副区长")
SEARCH_WORKER = TEMPLATES / "search" / "worker.js"
ID_NUMBER_WIDTHS = (4, 5)  # DC-2026-0086, DC-2026-10086: an id's number is 4 or 5 digits (schema.ID_PATTERN)
_HAN_WORD = re.compile(r"^[\u3400-\u9fff\uf900-\ufaff]{2,}$")


def material_search(config):
    """The site's Material search plugin when it is enabled; else None."""
    try:
        from material.plugins.search.plugin import SearchPlugin
    except ImportError:
        return None
    for plugin in config.plugins.values():
        if isinstance(plugin, SearchPlugin) and plugin.config.enabled:
            return plugin
    return None


def search_words(rules) -> list[str]:
    """The names people search for, as whole words: units (current and former names), leaders (name, title,
    and 张市长 / 刘秘书长 forms) and staff, from the ledger rules; sorted, so every build cuts alike."""
    words = set()
    for unit in rules.units.values():
        words.add(unit.name)
        words.update(str(f["name"]) for f in unit.former_names)
    for leader in rules.leaders.values():
        name, title = str(leader.get("name") or ""), str(leader.get("title") or "")
        words.update((name, title))
        if name and title:
            words.add(name[0] + title)
            words.update(name[0] + end for end in LEADER_TITLE_ENDINGS if title.endswith(end))
    words.update(str(person.get("name") or "") for person in rules.staff)
    return sorted(w for w in words if _HAN_WORD.match(w))


def load_search_words(jieba, words: list[str]) -> None:
    """Make ``words`` whole words of jieba's module-level tokenizer, the one Material's search plugin cuts with.

    ``jieba.add_word`` adds each word's frequency to the dictionary's total on every call, so a second build
    in the same process (``mkdocs serve``, the tests) would cut differently from the first. This puts the
    tokenizer back as it was before ducha's first call, then sets the same frequencies: the cut depends on
    jieba's own dictionary and this build's words only.
    """
    tokenizer = jieba.dt
    tokenizer.check_initialized()
    state = tokenizer.__dict__.setdefault("_ducha_words", {"total": tokenizer.total, "saved": {}})
    for word, freq in state["saved"].items():
        tokenizer.FREQ[word] = freq  # 0: not a word (also the mark of a word's prefix, as jieba keeps them)
    state["saved"] = {w: tokenizer.FREQ.get(w, 0) for w in words}
    for word in words:
        tokenizer.FREQ[word] = SEARCH_WORD_FREQ
        for end in range(1, len(word)):
            tokenizer.FREQ.setdefault(word[:end], 0)
    tokenizer.total = state["total"] + SEARCH_WORD_FREQ * len(words)


def search_separator(separator: str) -> str:
    """The theme's token separator (a character class, ``[...]+``) with ``SEARCH_SEPARATORS`` added."""
    if not (separator.startswith("[") and separator.endswith("]+")):
        return separator
    return separator[:-2] + "".join(c for c in SEARCH_SEPARATORS if c not in separator) + "]+"


def search_worker_files(words: list[str], suggest: bool = False) -> dict[str, str]:
    """``ducha-search.<hash>.min.js`` beside each of Material's search workers: ``worker.js`` around it, with
    the ledger's names, the widths of an id's number (DC-2026-0086: 4 or 5, as ``schema.ID_PATTERN`` has it) and
    the search options the pages send (``suggest``: the theme's ``search.suggest`` feature)."""
    try:
        import material
    except ImportError:
        return {}
    folder = Path(material.__file__).parent / "templates" / "assets" / "javascripts" / "workers"
    code = SEARCH_WORKER.read_text(encoding="utf-8")
    if '/*DUCHA_SETTINGS*/{"words": [], "widths": [4]}' not in code or '/*DUCHA_MATERIAL_WORKER*/""' not in code:
        raise RuntimeError(f"{SEARCH_WORKER} has lost its placeholders")
    out = {}
    for worker in sorted(folder.glob("search.*.min.js")):
        settings = {"words": words, "widths": list(ID_NUMBER_WIDTHS), "options": {"suggest": suggest}}
        text = code.replace('/*DUCHA_SETTINGS*/{"words": [], "widths": [4]}', json.dumps(settings, ensure_ascii=False))
        out[worker.name] = text.replace('/*DUCHA_MATERIAL_WORKER*/""', json.dumps(worker.name))
    return out


def preload_segmenter(config) -> None:
    """Load jieba's dictionary now (half a second) when the site's search will cut Chinese with it: called
    while this process would otherwise wait (``gather_inputs``' ``meanwhile``), so later cuts find it loaded."""
    if material_search(config) is None:
        return
    from material.plugins.search import plugin as material_search_module

    if material_search_module.jieba is not None:
        material_search_module.jieba.dt.check_initialized()


def prepare_search(config, files: Files, rules) -> list[str]:
    """Before any page is cut for the search index: the ledger's names as whole words for jieba, brackets as
    token separators, and the search worker that cuts queries alike (``templates/search/worker.js``) among the
    site's files. Returns the names of Material's workers the pages are to be pointed away from (``own_worker``)."""
    search = material_search(config)
    if search is None:
        return []
    from material.plugins.search import plugin as material_search_module

    words = search_words(rules)
    if material_search_module.jieba is not None:
        load_search_words(material_search_module.jieba, words)
    search.config.separator = search.search_index.config["separator"] = search_separator(search.config.separator)
    workers = search_worker_files(words, "search.suggest" in (config.theme.get("features") or []))
    for name, code in workers.items():
        uri = f"assets/javascripts/workers/ducha-{name}"
        if uri in files.src_uris:
            files.remove(files.src_uris[uri])
        files.append(File.generated(config, uri, content=code))
    return sorted(workers)


FIRST_INDEX = "search/ducha_first.json"  # what the search worker's first index is built from (worker.js: DUCHA_FIRST)
PAGE_INDEX = "search/ducha_page.json"  # the search index's settings, no entries: what the page reads (search-handover.js)
_ITEM_LOCATION = re.compile(r"^items/[^#]*$")
_PARAGRAPH = re.compile(r"<p>[\s\S]*?</p>")
_LABELLED = re.compile(r"^<p>[\u200b\s]*(?:拟办|进展|报结|答复)")  # paragraphs after the summary: opinion, progress, result, reply


def first_text(text: str) -> str:
    """What the first index keeps of an item's search text: the paragraph of its units and leader and the
    paragraph of its summary (worker.js ``duchaFirstText`` cuts alike, for a search index handed over)."""
    paragraphs = _PARAGRAPH.findall(str(text))
    keep = paragraphs[:1]
    if len(paragraphs) > 1 and not _LABELLED.match(paragraphs[1]):
        keep.append(paragraphs[1])
    return " ".join(keep)


def first_index(config: dict, entries: list[dict]) -> bytes:
    """The search index the worker builds its first index from: every entry, an item's text cut to
    ``first_text``; UTF-8 without escapes, so it is a fraction of the whole index to fetch and parse."""
    docs = [{**e, "text": first_text(e.get("text", ""))} if _ITEM_LOCATION.match(e.get("location", "")) else e for e in entries]
    return json.dumps({"config": config, "docs": docs}, ensure_ascii=False, separators=(",", ":"), default=str).encode("utf-8")


def write_first_index(config) -> None:
    """After Material's search plugin has written the search index: the first index's beside it, and the
    settings the pages read (``PAGE_INDEX``)."""
    search = material_search(config)
    if search is None or getattr(search, "search_index", None) is None:
        return
    index = search.search_index
    settings = {key: index.config[key] for key in ("lang", "separator", "pipeline", "fields")}
    folder = Path(config.site_dir)
    (folder / FIRST_INDEX).parent.mkdir(parents=True, exist_ok=True)
    (folder / FIRST_INDEX).write_bytes(first_index(settings, index.entries))
    (folder / PAGE_INDEX).write_bytes(first_index(settings, []))


def own_worker(html: str, workers: list[str]) -> str:
    """A page's theme configuration (``#__config``) pointed at ducha's search worker instead of Material's."""
    start = html.find('<script id="__config"') if workers else -1
    if start < 0:
        return html
    end = html.find("</script>", start)
    block = html[start:end]
    for name in workers:
        block = block.replace(f'javascripts/workers/{name}"', f'javascripts/workers/ducha-{name}"')
    return html[:start] + block + html[end:]


class MaterialSearchIndexer:
    """Material's search entries for a page's search summary, made while the library renders item pages.

    Material's search plugin parses each page and segments its Chinese with jieba, one page after another
    in the main process; for thousands of item summaries that is seconds. This makes the same entries
    (``SearchIndex.create_entry_for_section``: same parser, same Han runs, same jieba cut, same fields) where
    the item pages are rendered — in two processes at scale — and remembers the cut of a run already seen
    (unit names, statuses and document numbers repeat). A test holds the index equal to Material's own.
    """

    def __init__(self, search_plugin):
        self.search_plugin = search_plugin
        from backrefs import bre
        from material.plugins.search import plugin as material_search

        self._parser = material_search.Parser
        self._jieba = material_search.jieba  # None when jieba is not installed: Material does not segment then
        self._han = bre.compile(r"(\p{script: Han}+)", bre.UNICODE)
        self._cuts: dict[str, str] = {}
        if self._jieba is not None:
            self._jieba.initialize()  # once, before item pages are rendered in forked processes

    @classmethod
    def for_config(cls, config):
        """An indexer when the site's search is Material's (enabled); else None: pages are indexed as usual."""
        plugin = material_search(config)
        return cls(plugin) if plugin is not None else None

    def _cut(self, match) -> str:
        run = match.group(0)
        cut = self._cuts.get(run)
        if cut is None:
            cut = self._cuts[run] = "\u200b" + "\u200b".join(self._jieba.cut(run.encode("utf-8"))) + "\u200b"
        return cut

    def segment(self, text: str) -> str:
        return self._han.sub(self._cut, text).strip("\u200b") if self._jieba is not None else text

    def __call__(self, html: str, meta: dict) -> list[dict] | None:
        if meta.get("tags") is not None or (meta.get("search") or {}).get("exclude"):
            return None  # left to Material
        parser = self._parser()
        parser.feed(html)
        parser.close()
        entries = []
        for section in parser.data:
            if section.is_excluded():
                continue
            title = "".join(section.title if section.title else [safe_title(meta["title"])]).strip()
            entry = {"location": f"#{section.id}" if section.id else "", "title": self.segment(title),
                     "text": self.segment("".join(section.text).strip())}  # fmt: skip
            if "boost" in (meta.get("search") or {}):
                entry["boost"] = meta["search"]["boost"]
            entries.append(entry)
        return entries
