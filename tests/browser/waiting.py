"""Waiting on a page under the Content-Security-Policy, for the browser tests and the browser-driven benchmarks."""

from __future__ import annotations

import time


def wait_without_eval(page, default_timeout_ms: float = 15_000) -> None:
    """Make `page.wait_for_function` poll with `page.evaluate` instead of Playwright's own, which runs the expression
    with `eval()` inside the page: the Content-Security-Policy refuses that ('unsafe-eval' is not allowed), and
    `bypass_csp` would switch the policy off for the whole test. `page.evaluate` is a DevTools call the page's
    policy does not govern. Returns the truthy value (not a handle)."""
    from playwright.sync_api import Error, TimeoutError

    def wait_for_function(expression: str, *, arg=None, timeout: float | None = None, polling=None):
        timeout = default_timeout_ms if timeout is None else timeout
        deadline = time.monotonic() + timeout / 1000 if timeout else float("inf")
        interval = polling if isinstance(polling, (int, float)) else 30
        while True:
            try:
                value = page.evaluate(expression, arg)
            except Error as error:  # a navigation replaced the page's context: ask the new one
                if "context was destroyed" not in str(error) and "navigat" not in str(error):
                    raise
                value = None
            if value:
                return value
            if time.monotonic() > deadline:
                raise TimeoutError(f"Timeout {timeout:.0f}ms exceeded waiting for {expression!r}")
            page.wait_for_timeout(interval)

    page.wait_for_function = wait_for_function
