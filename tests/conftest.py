"""Fixtures shared by the test modules (helpers live in ``gitutil`` and ``browsing``)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from browsing import CHROMIUM, CHROMIUM_ARGS


@pytest.fixture
def isolated_git(monkeypatch):
    """The engine's own git calls must not see the user's git configuration either."""
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", os.devnull)
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")


@pytest.fixture(scope="module")  # Playwright's event loop must not outlive this module
def chromium():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("the playwright Python package is missing: pip install -e '.[test]'", pytrace=False)
    if not (Path(CHROMIUM).is_file() and os.access(CHROMIUM, os.X_OK)):
        pytest.fail(
            f"Chromium not found at {CHROMIUM}: install Debian's chromium and fonts-noto-cjk "
            "(apt-get install chromium fonts-noto-cjk, as .ci/run does) or set DUCHA_CHROMIUM",
            pytrace=False,
        )
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
