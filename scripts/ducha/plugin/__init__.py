"""MkDocs plugin ``ducha``: publishes the ledger as generated pages.

A thin adapter: the library builds ``SitePage`` objects (``ducha.site``); this
plugin registers them with MkDocs (``File.generated``), injects their ready
HTML in place of Markdown, points "edit this page" at the item's YAML file and
turns ledger errors into ``PluginError``.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import jinja2
from mkdocs.config import config_options as opt
from mkdocs.config.base import Config
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, CombinedEvent, event_priority, get_plugin_logger
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page
from mkdocs.structure.toc import get_toc

from .. import TEMPLATES
from ..core.findings import DuchaError, Hint, LedgerError, format_text
from ..history.repo import TZ
from ..core.markup import sanitize_html, url_path
from ..site.inputs import SiteInputs, gather_inputs

log = get_plugin_logger(__name__)
ASSETS = TEMPLATES / "assets"
THEME = TEMPLATES / "theme"
CSS = ["assets/ducha/ducha.css"]
JS = ["assets/vendor/tablesort.min.js", "assets/vendor/tablesort.number.min.js", "assets/ducha/ducha.js"]


class DuchaConfig(Config):
    root = opt.Type(str, default=".")  # ledger root, relative to mkdocs.yml
    as_of = opt.Optional(opt.Type(str))  # YYYY-MM-DD; default: today (Asia/Shanghai), work tree
    history = opt.Type(bool, default=True)  # read git history for timelines and the audit page
    per_page = opt.Type(int, default=200)
    templates = opt.Optional(opt.Type(str))  # folder of template overrides, relative to mkdocs.yml
    shell_cache = opt.Type(bool, default=True)  # render the theme around generated pages once per shape
    presegment_search = opt.Type(bool, default=True)  # make item pages' search entries with the item pages


def _safe_title(text: str) -> str:
    """Page titles go into theme templates that may not escape: keep markup characters out."""
    return text.replace("&", "＆").replace("<", "＜").replace(">", "＞")


def _nav_paths(nav):
    """Every page path named in the ``nav`` of ``mkdocs.yml``."""
    if isinstance(nav, str):
        yield nav
    elif isinstance(nav, dict):
        for value in nav.values():
            yield from _nav_paths(value)
    elif isinstance(nav, list):
        for entry in nav:
            yield from _nav_paths(entry)


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


def search_worker_files(words: list[str]) -> dict[str, str]:
    """``ducha-search.<hash>.min.js`` beside each of Material's search workers: ``worker.js`` around it, with
    the ledger's names and the widths of an id's number (DC-2026-0086: 4 or 5, as ``schema.ID_PATTERN`` has it)."""
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
        settings = {"words": words, "widths": list(ID_NUMBER_WIDTHS)}
        text = code.replace('/*DUCHA_SETTINGS*/{"words": [], "widths": [4]}', json.dumps(settings, ensure_ascii=False))
        out[worker.name] = text.replace('/*DUCHA_MATERIAL_WORKER*/""', json.dumps(worker.name))
    return out


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
            title = "".join(section.title if section.title else [_safe_title(meta["title"])]).strip()
            entry = {"location": f"#{section.id}" if section.id else "", "title": self.segment(title),
                     "text": self.segment("".join(section.text).strip())}  # fmt: skip
            if "boost" in (meta.get("search") or {}):
                entry["boost"] = meta["search"]["boost"]
            entries.append(entry)
        return entries


class ReadyPage(Page):
    """A generated page whose HTML is ready (item and list pages): MkDocs skips Markdown for it.

    MkDocs uses a ``Page`` a plugin sets as ``File.page`` in ``on_files``; this one takes its meta from the
    plugin instead of front matter and its content from the library instead of a Markdown conversion
    (which for thousands of empty stubs costs a Markdown instance each). Pages in the nav are not made
    ready: their nav title comes from ``mkdocs.yml``.
    """

    def __init__(self, file: File, config, html: str, meta: dict):
        super().__init__(None, file, config)
        self._ready_html, self._ready_meta = html, meta

    def read_source(self, config) -> None:
        super().read_source(config)  # runs on_page_read_source as usual; the generated stub is empty
        self.meta = dict(self._ready_meta)

    def render(self, config, files) -> None:
        self.content = self._ready_html
        self.toc = get_toc([])
        self.present_anchor_ids = set()


class DuchaPlugin(BasePlugin[DuchaConfig]):
    supports_multiple_instances = False

    def __init__(self):
        self.html: dict[str, str] = {}
        self.search_html: dict[str, str] = {}  # what the search index gets of a page, when not all of it
        self._held: dict[str, str] = {}
        self.inputs: SiteInputs | None = None
        self.as_of_override: dt.date | None = None
        self.progress = None  # optional object with start(total) and step(), set by `ducha build`
        self.env = None
        self._shells: dict[tuple, tuple | None] = {}
        self._fast: dict[str, tuple] = {}
        self._indexer: MaterialSearchIndexer | None = None
        self._workers: list[str] = []  # Material's search workers the pages use ducha's in place of
        self.search_entries: dict[str, list] = {}

    def on_config(self, config):
        """Link the plugin's own CSS and JS (served from the package, so no ledger carries copies)."""
        for uri in CSS:
            if uri not in config.extra_css:
                config.extra_css.append(uri)
        for uri in JS:
            if uri not in [str(s) for s in config.extra_javascript]:
                config.extra_javascript.append(uri)
        return config

    def _root(self, config) -> Path:
        return (Path(config.config_file_path).parent / self.config.root).resolve()

    def on_files(self, files: Files, *, config) -> Files:
        root = self._root(config)
        as_of = self.as_of_override or (dt.date.fromisoformat(self.config.as_of) if self.config.as_of else None)
        from_history = as_of is not None
        as_of = as_of or dt.datetime.now(TZ).date()  # the adapter reads the clock, the library never does
        templates = [Path(config.config_file_path).parent / self.config.templates] if self.config.templates else []
        try:
            self.inputs = gather_inputs(root, as_of, from_history, history=self.config.history, warn=log.warning)
            self._workers = self._setup_search(config, files)
            self._indexer = MaterialSearchIndexer.for_config(config) if self.config.presegment_search else None
            builder = self.inputs.builder(templates, self.config.per_page, config.use_directory_urls, search_indexer=self._indexer)
            pages = builder.build()
        except LedgerError as exc:
            detail = format_text(exc.findings) if exc.findings else ""
            raise PluginError(f"{exc}{self._hint_text(exc.hint)}\n{detail}".strip()) from None
        except DuchaError as exc:
            raise PluginError(f"{exc}{self._hint_text(exc.hint)}") from None
        for asset in sorted(p for p in ASSETS.rglob("*") if p.is_file()):
            uri = asset.relative_to(ASSETS.parent).as_posix()
            if uri not in files.src_uris:  # a ledger may override an asset in its docs_dir
                files.append(File.generated(config, uri, abs_src_path=str(asset)))
        for uri, data in sorted(builder.downloads.items()):  # a bulletin's 附件 spreadsheet
            files.append(File.generated(config, uri, content=data))
        self.html, self.search_html, self.meta, self.search_entries = {}, {}, {}, {}
        in_nav = set(_nav_paths(config.nav))
        for page in pages:
            meta = {"title": _safe_title(page.title), **page.meta}
            # HTML pages have no front matter to parse: their meta is set in on_page_markdown and their HTML
            # injected in on_page_content, or, for item and list pages, both come from a ReadyPage.
            stub = "" if page.markdown is None else "---\n" + json.dumps(meta, ensure_ascii=False) + "\n---\n" + page.markdown  # JSON is YAML
            if page.src_uri in files.src_uris:
                files.remove(files.src_uris[page.src_uri])
            f = File.generated(config, page.src_uri, content=stub)
            f.edit_uri = f"../{url_path(page.edit_path)}" if page.edit_path else None
            files.append(f)
            if page.markdown is None and meta.get("template") == "ducha/fast.html" and page.src_uri not in in_nav:
                ReadyPage(f, config, page.html, meta)  # becomes f.page
            elif page.markdown is None:
                self.meta[page.src_uri] = meta
                self.html[page.src_uri] = page.html
            if page.search_entries is not None and isinstance(f.page, ReadyPage):
                self.search_entries[page.src_uri] = page.search_entries
            elif page.search_html is not None:
                self.search_html[page.src_uri] = page.search_html
            elif page.markdown is None and (page.meta.get("search") or {}).get("exclude"):
                self.search_html[page.src_uri] = ""  # nothing to index: spare the search plugin the page's HTML
        if self.progress is not None:
            self.progress.start(len(files.documentation_pages()))
        return files

    def _setup_search(self, config, files: Files) -> list[str]:
        """Before any page is cut for the search index: the ledger's names as whole words for jieba, brackets
        as token separators, and the search worker that cuts queries alike (``templates/search/worker.js``).
        Returns the names of Material's workers the pages are pointed away from."""
        search = material_search(config)
        if search is None:
            return []
        from material.plugins.search import plugin as material_search_module

        words = search_words(self.inputs.ledger.rules)
        if material_search_module.jieba is not None:
            load_search_words(material_search_module.jieba, words)
        search.config.separator = search.search_index.config["separator"] = search_separator(search.config.separator)
        workers = search_worker_files(words)
        for name, code in workers.items():
            uri = f"assets/javascripts/workers/ducha-{name}"
            if uri in files.src_uris:
                files.remove(files.src_uris[uri])
            files.append(File.generated(config, uri, content=code))
        return sorted(workers)

    def _own_worker(self, html: str) -> str:
        """A page's theme configuration pointed at ducha's search worker instead of Material's."""
        start = html.find('<script id="__config"')
        if start < 0 or not self._workers:
            return html
        end = html.find("</script>", start)
        block = html[start:end]
        for name in self._workers:
            block = block.replace(f'javascripts/workers/{name}"', f'javascripts/workers/ducha-{name}"')
        return html[:start] + block + html[end:]

    def _hint_text(self, hint: Hint | None) -> str:
        """The library's ``Hint`` in this plugin's own options (``mkdocs.yml``)."""
        if hint is None:
            return ""
        if hint.parameter == "root":
            return "请检查 mkdocs.yml 中 ducha 插件的 root 选项。"
        if hint.parameter == "worktree":
            if self.as_of_override is not None:
                return "要按工作区文件生成网站，请不要指定截止日。"
            return "要按工作区文件生成网站，请去掉 mkdocs.yml 中 ducha 插件的 as_of 选项。"
        return ""

    def on_env(self, env, *, config, files):
        """The plugin's own theme templates (``ducha/page.html``, and Material's inline-script partials as
        files) come after the ledger's ``custom_dir`` and before the theme's, so a ledger can still
        override them."""
        loader = env.loader
        if isinstance(loader, jinja2.FileSystemLoader):
            loader.searchpath.insert(1 if config.theme.custom_dir else 0, str(THEME))
        else:
            env.loader = jinja2.ChoiceLoader([jinja2.FileSystemLoader(str(THEME)), loader])
        self.env = env
        self._shells = {}
        return env

    def on_page_markdown(self, markdown: str, *, page, config, files) -> str:
        meta = self.meta.get(page.file.src_uri)
        if meta is not None:
            page.meta = dict(meta)
        return markdown

    def on_page_content(self, html: str, *, page, config, files) -> str | None:
        """Ready HTML for the library's pages (escaped where it was made); every page MkDocs made from
        Markdown (bulletins, the staff guide, reference pages) through the allow-list sanitiser."""
        ready = self.html.get(page.file.src_uri)
        if ready is not None:
            return ready
        return html if isinstance(page, ReadyPage) else sanitize_html(html)

    @event_priority(100)
    def _index_summary_only(self, context, *, page, config, nav):
        """Before the search plugin runs: hand it the page's search summary instead of its full HTML, or,
        when the entries are made already, add them to its index and show it an excluded, empty page."""
        src = page.file.src_uri
        entries = self.search_entries.pop(src, None)
        if entries is not None:
            index = self._indexer.search_plugin.search_index
            index.entries += [{**e, "location": page.url + e["location"]} for e in entries]
            self._held[src] = (page.content, page.meta)
            page.content, page.meta = "", {**page.meta, "search": {"exclude": True}}
        elif src in self.search_html:
            self._held[src] = (page.content, page.meta)
            page.content = self.search_html[src]
        return context

    @event_priority(-100)
    def _restore_content(self, context, *, page, config, nav):
        held = self._held.pop(page.file.src_uri, None)
        if held is not None:
            page.content, page.meta = held
        if page.meta.get("template") == "ducha/fast.html" and self.config.shell_cache:
            shell = self._shell(context, page)
            if shell is not None:
                context["ducha_fast"] = True
                self._fast[page.file.src_uri] = (shell, page.meta["title"], page.edit_url or "", page.canonical_url or "")
        return context

    _MARKS = ("\x01ducha-title\x01", "\x01ducha-edit\x01", "\x01ducha-canonical\x01", "<!--<h1-->\x01ducha-content\x01")

    def _shell(self, context, page):
        """The page around the content for pages of this shape, rendered once with markers; None: render in full."""
        edit, canonical = page.edit_url or "", page.canonical_url or ""
        if "/blob/" in edit:  # Material derives a second link from GitHub-style edit URLs: render those in full
            return None
        key = (page.url.count("/"), bool(edit), bool(canonical), tuple(page.meta.get("hide", ())))
        if key in self._shells:
            return self._shells[key]
        title_mark, edit_mark, canonical_mark, content_mark = self._MARKS
        saved = (page.content, page.meta, page.edit_url, page.canonical_url)
        page.content = content_mark
        page.meta = {**page.meta, "title": title_mark}
        page.edit_url = edit_mark if edit else None
        page.canonical_url = canonical_mark if canonical else None
        try:
            html = self.env.get_template("ducha/page.html").render(context)
        finally:
            page.content, page.meta, page.edit_url, page.canonical_url = saved
        ok = html.count(content_mark) == 1 and title_mark in html and (edit_mark in html) == bool(edit)
        shell = html if ok and "\x01" not in html.replace(title_mark, "").replace(edit_mark, "").replace(canonical_mark, "").replace(content_mark, "") else None
        shell = self._own_worker(shell) if shell is not None else None
        self._shells[key] = shell
        return shell

    on_page_context = CombinedEvent(_index_summary_only, _restore_content)

    def on_post_page(self, output: str, *, page, config) -> str:
        if self.progress is not None:
            self.progress.step()
        fast = self._fast.pop(page.file.src_uri, None)
        if fast is not None:
            shell, title, edit, canonical = fast
            title_mark, edit_mark, canonical_mark, content_mark = self._MARKS
            head, tail = shell.split(content_mark)
            fill = lambda part: part.replace(title_mark, title).replace(edit_mark, edit).replace(canonical_mark, canonical)  # noqa: E731
            return fill(head) + output + fill(tail)
        return self._own_worker(output)

    def on_serve(self, server, *, config, builder):
        root = self._root(config)
        for folder in ("items", "bulletins"):
            if (root / folder).is_dir():
                server.watch(str(root / folder))
        return server

