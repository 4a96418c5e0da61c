"""The trim API's shapes: what a PUT may carry, and the curation it answers with (selectors_trim.curation_payload)."""

from __future__ import annotations

from rest_framework import serializers

from backend.curation.models import Curation

MAX_FRAME = 2**31 - 1  # the column is a PositiveIntegerField: larger numbers are refused, never stored


class CurationTrimInputSerializer(serializers.Serializer):
    first_frame = serializers.IntegerField(
        min_value=0, max_value=MAX_FRAME, help_text="first frame of the action, 0 = the video's first frame"
    )
    last_frame = serializers.IntegerField(min_value=0, max_value=MAX_FRAME, help_text="last frame, inclusive")
    dominant_people = serializers.ChoiceField(
        choices=Curation.People.values,
        allow_null=True,
        required=False,
        default=None,
        help_text="1, 2 or 3 (= more than 2)",
    )
    camera_moving = serializers.BooleanField(allow_null=True, required=False, default=None)

    def validate(self, attrs):
        if attrs["last_frame"] < attrs["first_frame"]:
            raise serializers.ValidationError({"last_frame": "the last frame comes before the first"})
        return attrs


class CurationTrimOutputSerializer(serializers.Serializer):
    clip = serializers.UUIDField()
    fps = serializers.FloatField()
    trimmed = serializers.BooleanField()
    first_frame = serializers.IntegerField(allow_null=True)
    last_frame = serializers.IntegerField(allow_null=True)
    frames = serializers.IntegerField(allow_null=True)
    start_time = serializers.FloatField(allow_null=True, help_text="first_frame / fps: seconds from the first frame")
    end_time = serializers.FloatField(allow_null=True, help_text="(last_frame + 1) / fps: when the last frame ends")
    duration = serializers.FloatField(allow_null=True)
    container_start_time = serializers.FloatField(
        allow_null=True, help_text="start_time + the first frame's offset from the container start (clip times)"
    )
    container_end_time = serializers.FloatField(allow_null=True)
    dominant_people = serializers.IntegerField(allow_null=True)
    camera_moving = serializers.BooleanField(allow_null=True)
    updated_at = serializers.DateTimeField(allow_null=True)


class CurationTrimAdminOutputSerializer(CurationTrimOutputSerializer):
    split = serializers.CharField(allow_blank=True)
    human_centric = serializers.FloatField(allow_null=True)
    human_centric_state = serializers.CharField()
    curated_by = serializers.CharField(allow_null=True)
