"""Shapes the OpenAPI schema (/api/schema/) shares between apps: the error body, and small references.

Views keep answering with plain dicts; these serializers only declare (in `@extend_schema`) what the answers hold.
tests/test_api_schema.py checks the declarations against real responses.
"""

from __future__ import annotations

from rest_framework import serializers


class ErrorClarificationOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    text = serializers.CharField()


class ErrorOutputSerializer(serializers.Serializer):
    """Every refusal: an `ApplicationError` (backend/core/errors.py) or DRF's own (not found, forbidden, invalid).

    `detail` is the message; `code` names the kind of refusal (DRF's own errors have none). An error about one input
    is answered the serializer way instead, `{field: [message], …}`; some codes add fields (e.g. `clarifications`).
    """

    detail = serializers.CharField(required=False, help_text="the message, meant for the user")
    code = serializers.CharField(
        required=False,
        help_text=(
            "invalid, forbidden, not_found, empty, conflict, clarification, qualification, too_early, too_large"
        ),
    )
    clarifications = ErrorClarificationOutputSerializer(
        many=True, required=False, help_text="code clarification: the ones to acknowledge before new work"
    )
    qualify_url = serializers.CharField(required=False, help_text="code qualification: the page to qualify on")
    retry_after = serializers.FloatField(required=False, help_text="code too_early: seconds until a submit is taken")
    version = serializers.IntegerField(required=False, help_text="code conflict on a timeline task: its version now")
    draft = serializers.DictField(required=False, help_text="code conflict on a timeline task: the draft kept")


class IdNameOutputSerializer(serializers.Serializer):
    """A reference to a row by id, with its name (an action class, mostly)."""

    id = serializers.IntegerField()
    name = serializers.CharField()
