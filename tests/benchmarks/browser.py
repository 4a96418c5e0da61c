"""What the browser-driven benchmark scripts share (they run outside pytest, so not the browser tests' fixtures):
Debian's chromium and the login form."""

from __future__ import annotations

import os
import shutil


def chromium_path() -> str:
    """``CHROMIUM_PATH`` if set, else Debian's ``chromium`` on the PATH (never a downloaded browser)."""
    return os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"


def log_in(page, url: str, username: str, password: str) -> None:
    """Log in through the login form and wait for the home page. The page's `wait_for_function` then polls without
    `eval()`, which the Content-Security-Policy refuses (tests/browser/waiting.py)."""
    from tests.browser.waiting import wait_without_eval

    wait_without_eval(page)
    page.goto(f"{url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{url}/")
