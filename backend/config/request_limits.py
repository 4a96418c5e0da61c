"""Refuse a request whose declared body is over the limit (413) before a byte of it is read.

Without this an oversize upload was read whole (spooled to disk by Django's multipart parser) before the upload
check refused it. The limit is per request: a multipart body (video uploads) may carry MAX_UPLOAD_BYTES plus
MULTIPART_OVERHEAD_BYTES of form fields and boundaries; any other body DATA_UPLOAD_MAX_MEMORY_SIZE (Django's own
limit for non-file bodies, which Django applies only when `request.body` is read). JSON bodies meet a lower limit
in the API's parser (backend/config/parsers.py).
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse

MULTIPART_OVERHEAD_BYTES = 1024**2


def request_body_limit(request: HttpRequest) -> int:
    if request.META.get("CONTENT_TYPE", "").startswith("multipart/form-data"):
        return settings.MAX_UPLOAD_BYTES + MULTIPART_OVERHEAD_BYTES
    return settings.DATA_UPLOAD_MAX_MEMORY_SIZE


class RequestSizeLimitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        limit = request_body_limit(request)
        if declared <= limit:
            return self.get_response(request)
        message = f"The request body is {declared} bytes; the limit is {limit} bytes. Nothing was read or stored."
        if request.path.startswith("/api/") or "application/json" in request.headers.get("Accept", ""):
            response: HttpResponse = JsonResponse({"detail": message, "code": "request_too_large"}, status=413)
        else:
            response = HttpResponse(message, status=413, content_type="text/plain; charset=utf-8")
        return response
