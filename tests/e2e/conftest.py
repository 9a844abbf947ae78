"""Browser journeys: Playwright (Python) driving Debian's chromium against pytest-django's live
server. Playwright's own browser download is not reachable here, so the system chromium is used.
Every module here sets `pytestmark = pytest.mark.e2e`: `make test` skips them, `make e2e` runs them.
"""

import os
import shutil

import pytest

# Playwright's sync API runs an event loop in this thread; the Django ORM calls the tests make
# (fixtures) are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture(scope="session", autouse=True)
def _patient_assertions():
    """Assertions wait as long as actions do (15 s, not Playwright's 5 s): on a loaded 2-core
    CI machine a save and its answer can take longer than 5 s. Nothing here asserts timing."""
    from playwright.sync_api import expect

    expect.set_options(timeout=15000)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if executable is None:
        pytest.fail("Debian's chromium is not installed: run `make browser` (make e2e does it)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, locale="vi-VN")
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


@pytest.fixture
def phone_page(browser, live_server):
    """A cheap Android phone's screen."""
    context = browser.new_context(
        base_url=live_server.url, locale="vi-VN", viewport={"width": 360, "height": 740}
    )
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()
