"""Reviewer API for timeline videos (issue 15 item 2): the queue of videos whose annotators' segments differ (lowest
mean pairwise tIoU first), one video's lanes (every annotator's segments), and the reviewer's decision."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.core.media import media_url
from backend.core.schema import ErrorOutputSerializer
from backend.quality.review_access import IsReviewer
from backend.segments.models import SegmentAnnotation, SegmentVideo
from backend.segments.selectors_review import video_in_review, videos_in_dispute
from backend.segments.services.review import segment_video_decide

QUEUE_LIMIT = 50

ReviewLaneOutputSerializer = inline_serializer(
    "ReviewLane",
    {
        "uid": serializers.UUIDField(),
        "annotator": serializers.CharField(),
        "status": serializers.CharField(help_text="submitted, or rejected (no segments)"),
        "segments": serializers.ListField(child=serializers.ListField(child=serializers.FloatField())),
    },
    many=True,
)

ReviewVideoOutputSerializer = inline_serializer(
    "ReviewVideo",
    {
        "id": serializers.IntegerField(),
        "class": serializers.CharField(),
        "video": serializers.CharField(),
        "duration": serializers.FloatField(),
        "agreement": serializers.FloatField(help_text="mean pairwise duration-weighted tIoU: lowest first"),
        "annotators": serializers.ListField(child=serializers.CharField()),
    },
    many=True,
)


def _lane(annotation) -> dict:
    return {
        "uid": annotation.uid,
        "annotator": annotation.annotator,
        "status": annotation.status,
        "segments": [[s, e] for s, e in annotation.segments],
    }


class ReviewVideosApi(APIView):
    permission_classes = [IsReviewer]

    @extend_schema(
        operation_id="review_videos_list",  # the one-video GET below would otherwise share its generated name
        responses={
            200: inline_serializer(
                "ReviewVideos", {"videos": ReviewVideoOutputSerializer, "limit": serializers.IntegerField()}
            ),
            403: ErrorOutputSerializer,
        },
    )
    def get(self, request):
        videos = [
            {
                "id": item.segment_video.pk,
                "class": item.segment_video.action_class.name,
                "video": item.segment_video.video.external_id,
                "duration": item.segment_video.media_duration or item.segment_video.video.duration,
                "agreement": item.agreement,
                "annotators": [a.annotator for a in item.annotations],
            }
            for item in videos_in_dispute(limit=QUEUE_LIMIT)
        ]
        return Response({"videos": videos, "limit": QUEUE_LIMIT})


class ReviewVideoApi(APIView):
    permission_classes = [IsReviewer]

    @extend_schema(
        responses={
            200: inline_serializer(
                "ReviewVideoLanes",
                {
                    "id": serializers.IntegerField(),
                    "class": serializers.CharField(),
                    "video": serializers.CharField(),
                    "duration": serializers.FloatField(),
                    "media": serializers.CharField(help_text="the seekable proxy; empty without media"),
                    "lanes": ReviewLaneOutputSerializer,
                },
            ),
            403: ErrorOutputSerializer,
            404: ErrorOutputSerializer,
        }
    )
    def get(self, request, segment_video_id):
        video = get_object_or_404(SegmentVideo.objects.select_related("video", "action_class"), pk=segment_video_id)
        return Response(
            {
                "id": video.pk,
                "class": video.action_class.name,
                "video": video.video.external_id,
                "duration": video.media_duration or video.video.duration,
                "media": media_url(video.proxy, request),
                "lanes": [_lane(a) for a in video_in_review(segment_video=video)],
            }
        )


class ReviewVideoDecideApi(APIView):
    permission_classes = [IsReviewer]

    class ReviewVideoDecideInputSerializer(serializers.Serializer):
        source = serializers.ChoiceField(choices=["taken", "merged", "edited"])
        taken = serializers.UUIDField(required=False, allow_null=True, help_text="the lane's annotation taken")
        segments = serializers.ListField(
            child=serializers.ListField(child=serializers.FloatField(), min_length=2, max_length=2), max_length=500
        )
        note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")

    class ReviewVideoDecideOutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        source = serializers.CharField()
        final = serializers.IntegerField(help_text="the reviewed annotation, now the video's final answer")
        segments = serializers.IntegerField()

    @extend_schema(
        request=ReviewVideoDecideInputSerializer,
        responses={
            200: ReviewVideoDecideOutputSerializer,
            400: ErrorOutputSerializer,
            403: ErrorOutputSerializer,
            404: ErrorOutputSerializer,
            409: ErrorOutputSerializer,
        },
    )
    def post(self, request, segment_video_id):
        data = self.ReviewVideoDecideInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        video = get_object_or_404(SegmentVideo, pk=segment_video_id)
        taken_uid = data.validated_data.get("taken")
        taken = get_object_or_404(SegmentAnnotation, uid=taken_uid, segment_video=video) if taken_uid else None
        decision = segment_video_decide(
            reviewer=request.user,
            segment_video=video,
            source=data.validated_data["source"],
            segments=data.validated_data["segments"],
            taken=taken,
            note=data.validated_data["note"],
        )
        return Response(
            {
                "id": video.pk,
                "source": decision.source,
                "final": decision.result_id,
                "segments": decision.result.segments.count(),
            }
        )
