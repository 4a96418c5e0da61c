"""One error type for the whole API: a domain service raises an `ApplicationError`, the DRF exception handler
below turns it into the response. Views never translate errors by hand.

`code` names the kind of refusal (a client may branch on it); `status` is its HTTP status; `extra` adds fields
to the body (e.g. the clarifications an annotator must read first). The message is meant for the user.
"""

from __future__ import annotations

from typing import Any

from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

STATUS_OF_CODE = {
    "invalid": 400,
    "forbidden": 403,
    "not_found": 404,
    "empty": 404,
    "conflict": 409,
    "clarification": 409,
    "qualification": 403,
    "too_early": 409,
    "too_large": 413,
}


class ApplicationError(Exception):
    """A request a service refuses; nothing was written. Subclasses set a default `code`."""

    code = "invalid"

    def __init__(
        self, message: str, *, code: str | None = None, extra: dict[str, Any] | None = None, field: str | None = None
    ) -> None:
        super().__init__(message)
        self.code = code or self.code
        self.extra = extra or {}
        self.field = field  # a serializer-style answer {field: [message]} when the error is about one input

    @property
    def status(self) -> int:
        return STATUS_OF_CODE.get(self.code, 400)

    def body(self) -> dict[str, Any]:
        if self.field:
            return {self.field: [str(self)], "code": self.code, **self.extra}
        return {"detail": str(self), "code": self.code, **self.extra}


def exception_handler(exc: Exception, context: dict) -> Response | None:
    """REST_FRAMEWORK's EXCEPTION_HANDLER: ApplicationError → its status and body; everything else as DRF does."""
    if isinstance(exc, ApplicationError):
        return Response(exc.body(), status=exc.status)
    return drf_exception_handler(exc, context)


class ImportFileError(ApplicationError, ValueError):
    """A release file was refused; nothing was written. The message names the line(s) or path at fault."""
