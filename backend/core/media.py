"""Absolute URLs of stored media, the one way every API names a file (local storage or S3 signed URLs)."""

from __future__ import annotations


def media_url(field, request) -> str:
    """The absolute URL of a FileField's file, or "" when it has none."""
    return request.build_absolute_uri(field.url) if field else ""
