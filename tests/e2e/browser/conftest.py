"""Browser tests: Debian's Chromium driven by Playwright, against the three services run as processes.

Shared by every page the services serve (the room display, the operator console): a module-scoped
`stack` (registration, queue and notifier on their own topics, Redis keys and ports; its tokens in
`stack.tokens`) and a module-scoped `browser` (headless Chromium; open a context or a page per test).
Screenshots and other artefacts go to `artifacts` (var/test-artifacts/, git-ignored).

Never `playwright install`: the browser is /usr/bin/chromium (apt-get install chromium), or the one
named by ROSTRUM_CHROMIUM."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.support.stack import ROOT, Stack

CHROMIUM = os.environ.get("ROSTRUM_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = ROOT / "var/test-artifacts"


@pytest.fixture(scope="module")
def stack(request, tmp_path_factory):
    """Registration, queue and notifier, started once per test module (e-mail off: no SMTP server here).

    A module may set STACK_ENV = {"ROSTRUM_...": "..."} for settings of its own."""
    env = {"ROSTRUM_MAIL_ENABLED": "false", **getattr(request.module, "STACK_ENV", {})}
    stack = Stack(tmp_path_factory.mktemp("browser-stack"), **env)
    try:
        stack.start()
        yield stack
    finally:
        stack.stop()


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium for the module; each test opens its own context or page (and closes it)."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
