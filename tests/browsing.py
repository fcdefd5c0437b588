"""What the browser tests share: Chromium and its arguments, a page session that records every request and
console error, a quiet static server, and the sample ledger's items written into a temporary repository."""

from __future__ import annotations

import contextlib
import functools
import os
import re
import subprocess
import threading
import time
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import yaml

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("DUCHA_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}

GIT_ENV = {
    "GIT_AUTHOR_NAME": "周敏",
    "GIT_AUTHOR_EMAIL": "zhoumin@dcs.jiangzhou.gov.cn",
    "GIT_COMMITTER_NAME": "周敏",
    "GIT_COMMITTER_EMAIL": "zhoumin@dcs.jiangzhou.gov.cn",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
}


def git(root: Path, *args: str, date: str | None = None) -> None:
    env = {**os.environ, **GIT_ENV}
    if date:
        env["GIT_AUTHOR_DATE"] = env["GIT_COMMITTER_DATE"] = date
    subprocess.run(["git", *args], cwd=root, check=True, env=env, capture_output=True)


def write_item(root: Path, data: dict) -> None:
    path = root / "items" / "2026" / f"{data['id']}.yml"
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=1000)
    path.write_text("# yaml-language-server: $schema=../item.schema.json\n" + text, encoding="utf-8")


def copy_sample(dest: Path, names=("items", "site_src", "bulletins")) -> Path:
    """The sample ledger's files (and mkdocs.yml) copied into ``dest`` to start a new history there: its
    ``audit.baseline`` names a commit of this project's history, so the copy has none."""
    import shutil

    for name in names:
        if (REPO / name).is_dir():
            shutil.copytree(REPO / name, dest / name)
    shutil.copy(REPO / "mkdocs.yml", dest / "mkdocs.yml")
    rules = dest / "items" / "ledger.yml"
    text = re.sub(r"(?m)^(  baseline:)[ \t]*\S+", r"\g<1> null", rules.read_text(encoding="utf-8"))
    rules.write_text(text, encoding="utf-8")
    return dest


def sample(item_id: str) -> dict:
    return yaml.safe_load((REPO / "items" / "2026" / f"{item_id}.yml").read_text(encoding="utf-8"))


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


@contextlib.contextmanager
def serve(site: Path):
    """A quiet static server of ``site`` on a free localhost port, in a thread: yields its base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


class Session:
    """One browser context: every request it makes, and every console error of its pages."""

    def __init__(self, browser, base_url: str, **context_options):
        """``context_options``: Playwright's ``new_context`` options (``java_script_enabled=False``, a viewport)."""
        self.base = base_url
        self.requests: list[str] = []
        self.errors: list[str] = []
        options = {"viewport": {"width": 1280, "height": 900}, "locale": "zh-CN", **context_options}
        self.context = browser.new_context(**options)
        self.context.route("**/*", self._route)
        self.context.on("request", lambda r: self.requests.append(r.url))
        self.page = self.context.new_page()
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(f"{self.page.url}: {m.text}"))
        self.page.on("pageerror", lambda e: self.errors.append(f"{self.page.url}: {e}"))

    def _route(self, route):
        url = route.request.url
        self.requests.append(url)
        if is_local(url):
            route.continue_()
        else:
            route.abort()  # recorded above; never let the test touch the network

    def goto(self, path: str):
        response = self.page.goto(urljoin(self.base, path))
        assert response is not None and response.ok, f"{path}: HTTP {response and response.status}"
        self.page.wait_for_load_state("load")
        return self.page

    def external(self) -> list[str]:
        return sorted({u for u in self.requests if not is_local(u)})

    def search(self, word: str, href_part: str, timeout: float = 20.0):
        """Type ``word`` into Material's search box until a result links to ``href_part``.

        The results of an earlier search are cleared first (an empty query, as a keyup sends it), so the
        results found are this word's. The box reacts to keyup and the worker needs a few seconds to load its
        index, so retype until it answers.
        """
        page = self.page
        box = page.locator("input.md-search__input")
        deadline = time.monotonic() + timeout
        wanted = page.locator(f'a.md-search-result__link[href*="{href_part}"]')
        box.click()
        box.fill("")
        box.press("End")
        page.wait_for_function("!document.querySelector('.md-search-result__item')", timeout=timeout * 1000)
        while True:
            box.click()
            box.fill("")
            box.fill(word)
            box.press("End")
            try:
                wanted.first.wait_for(state="attached", timeout=1000)
                return wanted
            except Exception:
                if time.monotonic() > deadline:
                    shown = page.locator(".md-search-result").inner_text()
                    raise AssertionError(f"searching {word!r} found no link to {href_part} in {timeout:.0f}s: {shown!r}")

    def close(self):
        self.context.close()


def is_local(url: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme in ("data", "blob", "about"):
        return True
    return parts.scheme in ("http", "https", "ws", "wss") and (parts.hostname or "") in LOCAL_HOSTS
