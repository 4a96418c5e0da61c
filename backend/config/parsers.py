"""The API's JSON parser, bounded: at most MAX_JSON_BODY_BYTES read (413 past it), at most MAX_JSON_DEPTH levels deep.

DRF's own JSONParser reads the whole stream whatever its size (Django's DATA_UPLOAD_MAX_MEMORY_SIZE only guards
`request.body` and form data), and a body nested ~1000 deep raised RecursionError: a 500. Here the declared
Content-Length is refused before anything is read, no more than the limit plus one byte is ever read, and depth is
checked without recursion once the text is decoded (json's C decoder handles deep input up to the interpreter's
recursion limit; code after it, a serializer or a `str()`, would not).
"""

from __future__ import annotations

from django.conf import settings
from rest_framework import status
from rest_framework.exceptions import APIException, ParseError
from rest_framework.parsers import JSONParser
from rest_framework.utils import json


class RequestBodyTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "request_too_large"


def body_too_large(*, size: int | None, limit: int) -> str:
    shown = f"{size} bytes" if size is not None else f"more than {limit} bytes"
    return f"The request body is {shown}; the limit for a JSON body is {limit} bytes."


def json_depth_exceeds(value: object, limit: int) -> bool:
    """Whether lists and objects nest deeper than `limit` levels (iterative: no recursion of our own)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return False


class BoundedJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        limit = settings.MAX_JSON_BODY_BYTES
        request = parser_context.get("request")
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0) if request is not None else 0
        except ValueError:
            declared = 0
        if declared > limit:
            raise RequestBodyTooLarge(body_too_large(size=declared, limit=limit))
        raw = stream.read(limit + 1)
        if len(raw) > limit:
            raise RequestBodyTooLarge(body_too_large(size=None, limit=limit))
        encoding = parser_context.get("encoding", settings.DEFAULT_CHARSET)
        try:
            text = raw.decode(encoding)
            data = json.loads(text, parse_constant=json.strict_constant if self.strict else None)
        except RecursionError:
            raise ParseError(f"JSON parse error - nested deeper than {settings.MAX_JSON_DEPTH} levels") from None
        except ValueError as exc:  # UnicodeDecodeError and JSONDecodeError too
            raise ParseError(f"JSON parse error - {exc}") from None
        if json_depth_exceeds(data, settings.MAX_JSON_DEPTH):
            raise ParseError(f"JSON parse error - nested deeper than {settings.MAX_JSON_DEPTH} levels")
        return data
