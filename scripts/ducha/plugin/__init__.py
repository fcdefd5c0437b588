"""MkDocs plugin ``ducha``: publishes the ledger as generated pages.

A thin adapter: the library builds ``SitePage`` objects (``ducha.site``); this
plugin registers them with MkDocs (``File.generated``), injects their ready
HTML in place of Markdown, points "edit this page" at the item's YAML file and
turns ledger errors into ``PluginError``.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
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
from mkdocs.utils import get_build_date

from .. import TEMPLATES
from ..core.findings import DuchaError, Hint, LedgerError, format_text
from ..history.repo import TZ
from ..core.markup import sanitize_html, url_path
from ..files.write import BackgroundWriter, SyncWriter, os_error_text, page_writer
from ..site import incremental
from ..site.inputs import SiteInputs, gather_inputs, signers_file
from ..site.tokens import keep_tokens_html
from .search import MaterialSearchIndexer, safe_title, own_worker, preload_segmenter, prepare_search, write_first_index

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


class _KeptPagesFilter(logging.Filter):
    """Silences MkDocs' note that a page "generated empty output" for the pages it does not write because
    the plugin does: the last build's file is kept, or the plugin's writer writes it."""

    def __init__(self, kept: set[str]):
        super().__init__()
        self.kept = kept

    def filter(self, record) -> bool:
        msg = record.msg
        if isinstance(msg, str) and msg.startswith("Page skipped: '"):
            return msg[len("Page skipped: '") : msg.rfind("'")] not in self.kept
        return True


class DuchaPlugin(BasePlugin[DuchaConfig]):
    supports_multiple_instances = False

    def __init__(self):
        self.html: dict[str, str] = {}
        self.search_html: dict[str, str] = {}  # what the search index gets of a page, when not all of it
        self._held: dict[str, str] = {}
        self.inputs: SiteInputs | None = None
        self.as_of_override: dt.date | None = None
        self.progress = None  # optional object with start(total) and step(), set by `ducha build`
        self.build_in_spare = False  # set by `ducha build`: site_dir holds an earlier site to write over (``site.sitedir``)
        self.env = None
        self._shells: dict[tuple, tuple | None] = {}
        self._fast: dict[str, tuple] = {}
        self._parts: dict[str, list] = {}  # a shell -> its text between markers, and each marker's place (``_MARKS``)
        self._indexer: MaterialSearchIndexer | None = None
        self._workers: list[str] = []  # Material's search workers the pages use ducha's in place of
        self.search_entries: dict[str, list] = {}
        self.notes: list[str] = []  # what the build should say (INFO; ``ducha build`` prints them)
        self.state: incremental.SiteState | None = None  # what the last build into this site_dir made
        self._kept_pages: set[str] = set()  # pages MkDocs does not write: their last file is kept, or _writer writes them
        self._writer: BackgroundWriter | SyncWriter | None = None  # writes the generated pages beside the rendering
        self._own_writing = False  # whether it may (``_may_write_pages``), decided before each build
        self._quiet = _KeptPagesFilter(self._kept_pages)

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

    def on_pre_build(self, *, config) -> None:
        """Before MkDocs empties the output folder: a preview's rebuild sets the last build's output aside,
        to keep the files of the pages that come out the same (``site.incremental``)."""
        self.state = incremental.state_for(self._root(config), config.site_dir)
        self._kept_pages.clear()
        if self._writer is not None:  # a build that ended without on_post_build or on_build_error
            self._writer.abort()
            self._writer = None
        logging.getLogger("mkdocs.commands.build").addFilter(self._quiet)
        self._own_writing = self._may_write_pages(config)
        self.state.set_aside(incremental.is_serving(config.site_dir), spare=self.build_in_spare)
        if self.state.spare:  # its survey of the earlier site runs while this process reads the ledger
            self._writer = page_writer(clear_within=str(self.state.stash), survey=True)

    _READS_NO_PAGES = frozenset({"search", "material/search"})  # their on_post_build writes the index only

    def _may_write_pages(self, config) -> bool:
        """Whether this plugin may write its pages itself (and give MkDocs an empty page): only when no other
        plugin or hook takes a page after it (``on_post_page``) or looks for the written pages before it has
        finished writing them (``on_post_build`` before this one's); else MkDocs writes every page."""
        plugins = config.plugins
        events = getattr(plugins, "events", None)
        if events is None:
            return False
        post_page = events.get("post_page") or []
        if not post_page or getattr(post_page[-1], "__self__", None) is not self:
            return False
        origin = getattr(plugins, "_event_origins", {})
        for method in events.get("post_build") or []:
            if getattr(method, "__self__", None) is self:
                break
            if origin.get(method) not in self._READS_NO_PAGES:
                return False
        return True

    @event_priority(-100)  # after the search plugin has written its index
    def on_post_build(self, *, config) -> None:
        logging.getLogger("mkdocs.commands.build").removeFilter(self._quiet)
        writer, self._writer = self._writer, None
        if writer is not None:
            try:
                found = writer.close()
                if self.state is not None and self.state.spare:
                    self.state.found(found)
            except OSError as exc:
                stash = self.state.stash if self.state is not None else None
                base = stash if stash is not None and str(exc.filename).startswith(str(stash) + os.sep) else config.site_dir
                if not exc.filename:  # the writing process itself failed
                    raise PluginError(f"无法写入网站页面：{os_error_text(exc)}。") from None
                rel = Path(os.path.relpath(exc.filename, base)).as_posix()
                raise PluginError(f"无法写入网站页面 {rel}（{exc.filename}）：{os_error_text(exc)}。") from None
        write_first_index(config)
        if self.state is not None:
            self.state.finish()

    def on_build_error(self, *, error) -> None:
        logging.getLogger("mkdocs.commands.build").removeFilter(self._quiet)
        writer, self._writer = self._writer, None
        if writer is not None:
            writer.abort()
        if self.state is not None:
            self.state.failed()

    def _environment(self, config) -> str:
        """The site generator's part of a generation: ``mkdocs.yml``, ``docs_dir`` (guide, theme overrides),
        the theme's own folder, the template overrides and the plugin's templates and options."""
        base = Path(config.config_file_path).parent
        templates = base / self.config.templates if self.config.templates else None
        return incremental.fingerprint(config.config_file_path, config.docs_dir, config.theme.custom_dir, templates,
                                       TEMPLATES) + repr(sorted(self.config.items()))  # fmt: skip

    def on_files(self, files: Files, *, config) -> Files:
        root = self._root(config)
        if self.state is None:  # on_files without on_pre_build: not through mkdocs' build
            self.state = incremental.state_for(root, config.site_dir)
        as_of = self.as_of_override or (dt.date.fromisoformat(self.config.as_of) if self.config.as_of else None)
        from_history = as_of is not None
        as_of = as_of or dt.datetime.now(TZ).date()  # the adapter reads the clock, the library never does
        templates = [Path(config.config_file_path).parent / self.config.templates] if self.config.templates else []
        try:
            self.inputs = gather_inputs(root, as_of, from_history, history=self.config.history, warn=log.warning,
                                        state=self.state, reuse=incremental.is_serving(config.site_dir),
                                        environment=self._environment(config),
                                        meanwhile=lambda: preload_segmenter(config))  # fmt: skip
            self._workers = prepare_search(config, files, self.inputs.ledger.rules)
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
        self.notes = list(builder.documents.notes)  # e.g. no LibreOffice here: the bulletins' PDFs are not made
        for note in self.notes:
            log.info(note)
        for uri, data in sorted(builder.downloads.items()):  # a bulletin's 附件 spreadsheet, its .docx and .pdf
            files.append(File.generated(config, uri, content=data))
        self.html, self.search_html, self.meta, self.search_entries = {}, {}, {}, {}
        in_nav = set(_nav_paths(config.nav))
        # a preview's rebuild of the same generation (same mkdocs.yml, theme, templates) keeps the last build's
        # File and ReadyPage of a ready page with the same meta and edit link, its HTML brought up to date
        last = self.state.adapter.get("ready", {}) if not self.state.full else {}
        build_date = get_build_date()
        ready = self.state.adapter["ready"] = {}
        for page in pages:
            meta = {"title": safe_title(page.title), **page.meta}
            # HTML pages have no front matter to parse: their meta is set in on_page_markdown and their HTML
            # injected in on_page_content, or, for item and list pages, both come from a ReadyPage.
            stub = "" if page.markdown is None else "---\n" + json.dumps(meta, ensure_ascii=False) + "\n---\n" + page.markdown  # JSON is YAML
            if page.src_uri in files.src_uris:
                files.remove(files.src_uris[page.src_uri])
            edit_uri = f"../{url_path(page.edit_path)}" if page.edit_path else None
            is_ready = page.markdown is None and meta.get("template") == "ducha/fast.html" and page.src_uri not in in_nav
            kept = last.get(page.src_uri) if is_ready else None
            if kept is not None and kept[0] == meta and kept[1] == edit_uri:
                f = kept[2]
                f.page._ready_html = page.html  # the stub is empty whatever the page shows
                f.page.update_date = build_date  # the sitemap's date, as a new Page would have it
            else:
                f = File.generated(config, page.src_uri, content=stub)
                f.edit_uri = edit_uri
            files.append(f)
            if is_ready:
                if f.page is None:
                    ReadyPage(f, config, page.html, meta)  # becomes f.page
                ready[page.src_uri] = (meta, edit_uri, f)
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
        self.state.expected = {f.dest_uri for f in files}
        return files

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
        kept = self.state.adapter.get("env") if self.state is not None and not self.state.full else None
        if kept is not None:  # a preview's rebuild of the same theme: its templates are compiled already
            self.env, self._shells, self._parts = kept, {}, {}
            return kept
        loader = env.loader
        if isinstance(loader, jinja2.FileSystemLoader):
            loader.searchpath.insert(1 if config.theme.custom_dir else 0, str(THEME))
        else:
            env.loader = jinja2.ChoiceLoader([jinja2.FileSystemLoader(str(THEME)), loader])
        self.env = env
        self._shells, self._parts = {}, {}
        if self.state is not None:
            self.state.adapter["env"] = env
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
        # ready pages keep their tokens whole in their templates; Markdown's get them wrapped here
        return html if isinstance(page, ReadyPage) else keep_tokens_html(sanitize_html(html))

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
        shell = own_worker(shell, self._workers) if shell is not None else None
        self._shells[key] = shell
        return shell

    on_page_context = CombinedEvent(_index_summary_only, _restore_content)

    def on_post_page(self, output: str, *, page, config) -> str:
        if self.progress is not None:
            self.progress.step()
        fast = self._fast.pop(page.file.src_uri, None)
        if fast is not None:
            shell, title, edit, canonical = fast
            state = self.state
            if state is not None and state.keep(page.file.dest_uri, (shell, title, edit, canonical, output)):
                self._kept_pages.add(page.file.src_uri)
                return ""  # MkDocs writes no empty page: the last build's file stays (``site.incremental``)
            parts = self._parts.get(shell)
            if parts is None:  # the shell cut at its markers once: each page is then one join
                parts = self._parts[shell] = [self._MARKS.index(p) if p in self._MARKS else p for p in _MARK_SPLIT.split(shell)]
            values = (title, edit, canonical, output)
            html = "".join([p if type(p) is str else values[p] for p in parts])
            if not self._own_writing:  # another plugin takes the page after this one: MkDocs writes it
                return html
            target = state.target(page.file.dest_uri) if state is not None else None  # into the set-aside tree
            if self._writer is None:
                stash = state.stash if state is not None else None
                self._writer = page_writer(clear_within=str(stash) if stash is not None else None)
            self._writer.write(target or page.file.abs_dest_path, html)  # in its own process, as MkDocs would write it
            self._kept_pages.add(page.file.src_uri)
            return ""
        return own_worker(output, self._workers)

    def on_post_template(self, output_content: str, *, template_name: str, config) -> str:
        """The theme's own pages (404.html) use ducha's search worker too."""
        return own_worker(output_content, self._workers)

    def on_serve(self, server, *, config, builder):
        incremental.serving(config.site_dir)  # rebuilds into it reuse what the last build made
        root = self._root(config)
        git = root / ".git"  # a commit, a checkout or a pull moves HEAD or a branch: the history and the stamp change
        for path in (root / "items", root / "bulletins", root / "audit", signers_file(root), git / "HEAD", git / "refs" / "heads"):
            if path is not None and path.exists():  # the review register is in audit/
                server.watch(str(path))
        return server


_MARK_SPLIT = re.compile("(" + "|".join(map(re.escape, DuchaPlugin._MARKS)) + ")")
