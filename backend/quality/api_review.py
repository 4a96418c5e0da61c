"""Reviewer API (issue 15 item 2): the queue of clips annotators split on, lowest agreement first, and decisions.

Thin: the reads are clips' and segments' selectors, the writes their services (decisions sit beside the rows they
settle); this app checks who may review.
"""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.clips.models import Clip
from backend.clips.selectors_review import clips_in_dispute
from backend.clips.services.review import clip_decide
from backend.core.media import media_url
from backend.core.schema import ErrorOutputSerializer
from backend.quality.review_access import IsReviewer

QUEUE_LIMIT = 50

ReviewClipOutputSerializer = type(
    "ReviewClipOutputSerializer",
    (serializers.Serializer,),
    {
        "uid": serializers.UUIDField(),
        "class": serializers.CharField(),
        "video": serializers.CharField(),
        "start": serializers.FloatField(),
        "end": serializers.FloatField(),
        "media": serializers.CharField(help_text="the clip's video; empty without media"),
        "poster": serializers.CharField(),
        "agreement": serializers.FloatField(help_text="share of labels on the larger side: lowest first"),
        "labels": inline_serializer(
            "ReviewClipLabel", {"annotator": serializers.CharField(), "value": serializers.IntegerField()}, many=True
        ),
    },
)


class ReviewClipsApi(APIView):
    permission_classes = [IsReviewer]

    @extend_schema(
        responses={
            200: inline_serializer(
                "ReviewClips",
                {"clips": ReviewClipOutputSerializer(many=True), "limit": serializers.IntegerField()},
            ),
            403: ErrorOutputSerializer,
        }
    )
    def get(self, request):
        shown = clips_in_dispute(limit=QUEUE_LIMIT)
        clips = [
            {
                "uid": item.clip.uid,
                "class": item.clip.action_class.name,
                "video": item.clip.video.external_id,
                "start": item.clip.start,
                "end": item.clip.end,
                "media": media_url(item.clip.media, request),
                "poster": media_url(item.clip.poster, request),
                "agreement": item.agreement,
                "labels": [{"annotator": label.annotator, "value": label.value} for label in item.labels],
            }
            for item in shown
        ]
        return Response({"clips": clips, "limit": QUEUE_LIMIT})


class ReviewClipDecideApi(APIView):
    permission_classes = [IsReviewer]

    class ReviewClipDecideInputSerializer(serializers.Serializer):
        value = serializers.ChoiceField(choices=[1, -1], help_text="1 positive, -1 negative")
        note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")

    class ReviewClipDecideOutputSerializer(serializers.Serializer):
        uid = serializers.UUIDField()
        value = serializers.IntegerField()
        source = serializers.CharField(help_text="the clip's label source now: adjudicated")

    @extend_schema(
        request=ReviewClipDecideInputSerializer,
        responses={
            200: ReviewClipDecideOutputSerializer,
            400: ErrorOutputSerializer,
            403: ErrorOutputSerializer,
            404: ErrorOutputSerializer,
            409: ErrorOutputSerializer,
        },
    )
    def post(self, request, clip_uid):
        data = self.ReviewClipDecideInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        clip = get_object_or_404(Clip, uid=clip_uid)
        decision = clip_decide(
            reviewer=request.user, clip=clip, value=data.validated_data["value"], note=data.validated_data["note"]
        )
        clip.refresh_from_db()
        return Response({"uid": clip.uid, "value": decision.value, "source": clip.consensus.source})
