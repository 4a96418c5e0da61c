"""Outages answer 503 with Retry-After and a sentence, never a 500 with a traceback.

A database that is down (OperationalError/InterfaceError) or a Redis broker or cache that is down (redis and
kombu connection errors) is a "try again in a moment", not a bug. Views' exceptions are caught here
(`process_exception`); one raised outside a view (in another middleware) reaches `server_error`, the 500
handler, which gives the same answer. The body is built without templates: rendering one could need the very
database that is down (the `user` of every page).
"""

from __future__ import annotations

import logging
import sys
from html import escape

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views import defaults

log = logging.getLogger("actionloom.outage")

RETRY_AFTER_SECONDS = 5


def outage_of(exc: BaseException | None) -> str | None:
    """What is unavailable, if `exc` says a service is down: "database", "task queue or cache", or None."""
    if isinstance(exc, (OperationalError, InterfaceError)):
        return "database"
    from kombu.exceptions import OperationalError as BrokerError
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import TimeoutError as RedisTimeoutError

    if isinstance(exc, (BrokerError, RedisConnectionError, RedisTimeoutError)):
        return "task queue or cache"
    return None


def service_unavailable(request: HttpRequest, what: str) -> HttpResponse:
    message = f"The {what} is unavailable; try again in a moment."
    if request.path.startswith("/api/") or "application/json" in request.headers.get("Accept", ""):
        response: HttpResponse = JsonResponse({"detail": message, "code": "service_unavailable"}, status=503)
    else:
        response = HttpResponse(
            "<!doctype html><html lang=en><meta charset=utf-8><title>ActionLoom: try again in a moment</title>"
            f"<h1>Try again in a moment</h1><p>{escape(message)}</p>"
            "<p>Nothing you already saved is lost; a page you were submitting can be submitted again.</p></html>",
            status=503,
            content_type="text/html; charset=utf-8",
        )
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


class ServiceUnavailableMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        what = outage_of(exception)
        if what is None:
            return None
        log.warning("%s unavailable during %s %s: %s", what, request.method, request.path, exception)
        return service_unavailable(request, what)


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: an outage met outside a view still answers 503; anything else is Django's plain 500."""
    what = outage_of(sys.exc_info()[1])
    if what is not None:
        return service_unavailable(request, what)
    return defaults.server_error(request)
