"""Playwright for Python driving Debian's chromium (never a downloaded browser)."""

import os
import shutil
import time
from pathlib import Path

import pytest

from tests.browser.waiting import wait_without_eval

SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
CHROMIUM = os.environ.get("CHROMIUM_PATH", shutil.which("chromium") or "/usr/bin/chromium")
# Playwright's sync API runs an event loop in this thread; the test's own ORM calls are still synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"chromium not found at {CHROMIUM}: run `make test` (it installs Debian's chromium)")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--autoplay-policy=no-user-gesture-required",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture(autouse=True)
def media_through_the_app(live_server):
    """Serve /media/ through the application's view (backend/config/media.py: Range requests, login).

    Django's live server otherwise answers /media/ itself with django.views.static.serve, which ignores Range: the
    browser then gets 200 for `bytes=0-`, marks the video unseekable and every seek snaps back to 0.
    """
    from urllib.parse import urlparse

    media_handler = live_server.thread.httpd.get_app().application  # static handler -> media handler -> Django
    original = media_handler.base_url
    media_handler.base_url = urlparse("http://not-intercepted.invalid/media/")  # a netloc: never handled here
    yield
    media_handler.base_url = original


@pytest.fixture
def open_as(browser, live_server):
    """open_as(username, password) -> a logged-in page in a fresh browser context.

    Any uncaught JavaScript error on such a page fails the test when it ends, and so does anything the
    Content-Security-Policy blocked (an inline script or style, a foreign source): Chromium reports it on the console.
    """
    contexts, errors = [], []

    def login(username: str, password: str):
        context = browser.new_context(viewport={"width": 1400, "height": 900}, accept_downloads=True)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(f"{username}: {error}"))
        page.on(
            "console",
            lambda message: errors.append(f"{username}: {message.text}")
            if "Content Security Policy" in message.text
            else None,
        )
        page.set_default_timeout(15_000)
        wait_without_eval(page)
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", password)
        page.click("button[type=submit]")
        page.wait_for_url(f"{live_server.url}/")
        return page

    yield login
    for context in contexts:
        context.close()
    _wait_for_the_servers_transactions()
    assert not errors, errors


@pytest.fixture
def shot():
    SCREENSHOTS.mkdir(exist_ok=True)

    def save(page, name: str) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return save


def _wait_for_the_servers_transactions(timeout: float = 10.0) -> None:
    """Let the live server finish what the closed pages still asked (a prefetch, a keep-alive) before the test's
    database is flushed: a request inside its transaction while the flush truncates the tables can deadlock with
    it, and a failed flush leaves this test's rows to the next test (seen once in CI: 6 labels too many)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return  # SQLite: one writer at a time, the flush waits for it
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid() AND state <> 'idle'"
            )
            if cursor.fetchone()[0] == 0:
                return
            time.sleep(0.05)
