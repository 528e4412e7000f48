"""Playwright fixtures: one Chromium per session, a fresh context (JavaScript or not) per test.

Playwright cannot download its own browser here, so Debian's Chromium is launched. Its sync API
runs an event loop in the test thread; Django would then refuse ORM calls from that thread, which
the tests need to prepare data and check what was written, hence DJANGO_ALLOW_ASYNC_UNSAFE.
"""

import os

import pytest
from playwright.sync_api import expect, sync_playwright

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM_PATH = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 10_000

expect.set_options(timeout=TIMEOUT_MS)


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium, headless, launched once for the whole session."""
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM_PATH, args=CHROMIUM_ARGS, headless=True
        )
        yield chromium
        chromium.close()


def _new_page(browser, live_server, **options):
    context = browser.new_context(base_url=live_server.url, locale="fr-FR", **options)
    context.set_default_timeout(TIMEOUT_MS)
    context.set_default_navigation_timeout(TIMEOUT_MS)
    return context, context.new_page()


@pytest.fixture
def new_page(browser, live_server):
    """A factory of pages, each in its own context (own cookies: another visitor or agent)."""
    contexts = []

    def factory(**options):
        context, page = _new_page(browser, live_server, **options)
        contexts.append(context)
        return page

    yield factory
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    """A page with JavaScript, in a fresh context."""
    return new_page()


@pytest.fixture
def page_no_js(new_page):
    """A page with JavaScript disabled: everything must work by plain links and forms."""
    return new_page(java_script_enabled=False)
