"""Log-in rate limits: failed log-ins are counted per username and per client address in Django's cache.

Past LOGIN_FAILURES_PER_USER (or LOGIN_FAILURES_PER_IP) failures within LOGIN_FAILURE_WINDOW seconds the form
answers 429 with Retry-After, before it checks the password, until the window ends; a successful log-in clears
its username's count. Wraps both log-in forms, the site's and the Django admin's (backend/config/admin_site.py).
With several web processes the counters must live in a shared cache (CACHE_URL=redis://…), or each process
counts on its own.
"""

from __future__ import annotations

import hashlib
import unicodedata
from functools import wraps

from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def client_ip(request: HttpRequest) -> str:
    """The client's address: REMOTE_ADDR, or the last X-Forwarded-For entry (the one our proxy appended)."""
    value = request.META.get(settings.CLIENT_IP_HEADER) or request.META.get("REMOTE_ADDR") or "unknown"
    return value.split(",")[-1].strip()[:64]


def username_key(username: str) -> str:
    """The spelling-independent form of a typed username: every spelling that logs in as one account maps to it.

    Django's log-in form NFKC-normalises the name before looking the user up (so fullwidth "ａｎｎ１" logs in as
    "ann1"); the counter must do at least that, or each compatibility form gets a fresh count. Casefold on top:
    "ANN1" and "ann1" share a count too (stricter than the lookup, never looser).
    """
    # NFKC(casefold(NFKC(name))): Unicode's "compatibility caseless match" (Unicode §3.13, D146)
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", username).strip().casefold())


def _counter_keys(request: HttpRequest) -> list[tuple[str, int]]:
    username = username_key(request.POST.get("username") or "")
    user_key = hashlib.sha256(username.encode("utf-8", "replace")).hexdigest()[:32]
    return [
        (f"login-failures:user:{user_key}", settings.LOGIN_FAILURES_PER_USER),
        (f"login-failures:ip:{client_ip(request)}", settings.LOGIN_FAILURES_PER_IP),
    ]


def _count_failure(key: str) -> None:
    cache.add(key, 0, timeout=settings.LOGIN_FAILURE_WINDOW)  # the window starts at the first failure
    try:
        cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=settings.LOGIN_FAILURE_WINDOW)


def too_many_attempts(request: HttpRequest) -> HttpResponse:
    minutes = max(1, round(settings.LOGIN_FAILURE_WINDOW / 60))
    message = f"Too many failed log-in attempts. Try again in {minutes} minute{'s' if minutes != 1 else ''}."
    response = render(
        request, "registration/login.html", {"form": AuthenticationForm(request), "rate_limited": message}, status=429
    )
    response["Retry-After"] = str(settings.LOGIN_FAILURE_WINDOW)
    return response


def login_rate_limited(view):
    """Wrap a log-in view: refuse (429) once a counter is at its limit; count the failed POSTs."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.method != "POST":
            return view(request, *args, **kwargs)
        keys = _counter_keys(request)
        if any((cache.get(key) or 0) >= limit for key, limit in keys):
            return too_many_attempts(request)
        response = view(request, *args, **kwargs)
        if response.status_code == 200:  # the form came back with an error: a failed log-in
            for key, _ in keys:
                _count_failure(key)
        elif response.status_code in (301, 302, 303) and request.user.is_authenticated:
            cache.delete(keys[0][0])
        return response

    return wrapper
