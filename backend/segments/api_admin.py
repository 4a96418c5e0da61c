"""The admin's timeline endpoints: segment dashboard, sending videos to segment annotation, picking the exported
annotation of a video."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import IsAdminUser
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.catalog.models import ActionClass, Project
from backend.core.schema import ErrorOutputSerializer
from backend.segments import media, selectors, services
from backend.segments.models import SegmentAnnotation, SegmentVideo

MAX_DRAFT_BYTES = 64 * 1024


class SegmentAccuracyOutputSerializer(serializers.Serializer):
    gold_videos = serializers.IntegerField()
    precision = serializers.FloatField(allow_null=True)
    recall = serializers.FloatField(allow_null=True)
    f1 = serializers.FloatField(allow_null=True)
    mean_tiou = serializers.FloatField(allow_null=True)
    flagged = serializers.BooleanField(help_text="below the project's accuracy gate")


# "class" is a Python keyword: the serializers with a "class" field are built with type().
SegmentDashboardClassAccuracyOutputSerializer = type(
    "SegmentDashboardClassAccuracyOutputSerializer",
    (SegmentAccuracyOutputSerializer,),
    {"class_id": serializers.IntegerField(), "class": serializers.CharField()},
)


class SegmentDashboardAnnotatorOutputSerializer(SegmentAccuracyOutputSerializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    videos = serializers.IntegerField()
    rejected = serializers.IntegerField()
    seconds_per_video = serializers.FloatField(allow_null=True)
    per_class = SegmentDashboardClassAccuracyOutputSerializer(many=True)


SegmentDashboardProgressOutputSerializer = type(
    "SegmentDashboardProgressOutputSerializer",
    (serializers.Serializer,),
    {
        "class_id": serializers.IntegerField(),
        "class": serializers.CharField(),
        "videos": serializers.IntegerField(),
        "media_ready": serializers.IntegerField(),
        "media_failed": serializers.IntegerField(),
        "gold": serializers.IntegerField(),
        "done": serializers.IntegerField(),
        "rejected": serializers.IntegerField(),
        "leased": serializers.IntegerField(),
        "suggestions_ready": serializers.IntegerField(),
        "suggestions_no_classifier": serializers.IntegerField(),
        "suggestions_failed": serializers.IntegerField(),
        "not_queued": serializers.IntegerField(),
    },
)


class SegmentDashboardAnnotationOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    annotator = serializers.CharField(allow_null=True)
    rejected = serializers.CharField(allow_null=True, help_text="the reject reason, or null")
    segments = serializers.ListField(
        child=serializers.ListField(child=serializers.FloatField()), help_text="[[start, end], …] seconds"
    )


SegmentDashboardToPickOutputSerializer = type(
    "SegmentDashboardToPickOutputSerializer",
    (serializers.Serializer,),
    {
        "segment_video": serializers.IntegerField(),
        "video": serializers.CharField(help_text="external id"),
        "class": serializers.CharField(),
        "agreement": serializers.FloatField(help_text="mean pairwise F1 @ tIoU 0.5"),
        "final": serializers.IntegerField(allow_null=True),
        "annotations": SegmentDashboardAnnotationOutputSerializer(many=True),
    },
)


class SegmentDashboardProjectOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    accuracy_gate = serializers.FloatField()
    min_gold_for_gate = serializers.IntegerField()


class SegmentDashboardSettingsOutputSerializer(serializers.Serializer):
    annotators_per_video = serializers.IntegerField()
    gold_rate = serializers.FloatField()
    lease_minutes = serializers.IntegerField()
    suggestions = serializers.BooleanField()


class SegmentDashboardAgreementOutputSerializer(serializers.Serializer):
    videos = serializers.IntegerField()
    mean_f1 = serializers.FloatField(allow_null=True)


class SegmentDashboardOutputSerializer(serializers.Serializer):
    """selectors.segment_dashboard."""

    project = SegmentDashboardProjectOutputSerializer()
    settings = SegmentDashboardSettingsOutputSerializer()
    annotators = SegmentDashboardAnnotatorOutputSerializer(many=True)
    progress = SegmentDashboardProgressOutputSerializer(many=True)
    agreement = SegmentDashboardAgreementOutputSerializer()
    to_pick = SegmentDashboardToPickOutputSerializer(many=True, help_text="lowest agreement first, 20 at most")


class SegmentDashboardApi(APIView):
    permission_classes = [IsAdminUser]

    @extend_schema(responses={200: SegmentDashboardOutputSerializer, 404: ErrorOutputSerializer})
    def get(self, request, project_id):
        return Response(selectors.segment_dashboard(project=get_object_or_404(Project, pk=project_id)))


class SegmentEnqueueApi(APIView):
    """Send a project's videos (or one class's) to segment annotation: 202 with the media jobs to poll."""

    permission_classes = [IsAdminUser]

    class SegmentEnqueueInputSerializer(serializers.Serializer):
        action_class = serializers.IntegerField(required=False)

    class SegmentEnqueueOutputSerializer(serializers.Serializer):
        jobs = serializers.ListField(child=serializers.IntegerField(), help_text="the media jobs queued")
        poll = serializers.CharField(help_text="where to poll each job")

    @extend_schema(
        request=SegmentEnqueueInputSerializer,
        responses={202: SegmentEnqueueOutputSerializer, 400: ErrorOutputSerializer, 404: ErrorOutputSerializer},
    )
    def post(self, request, project_id):
        data = self.SegmentEnqueueInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        project = get_object_or_404(Project, pk=project_id)
        cls_id = data.validated_data.get("action_class")
        action_class = get_object_or_404(ActionClass, pk=cls_id) if cls_id else None
        jobs = media.segment_videos_enqueue(project=project, action_class=action_class)
        return Response(
            {"jobs": [j.pk for j in jobs], "poll": "/api/segment-media-jobs/<id>/"}, status=status.HTTP_202_ACCEPTED
        )


class SegmentFinalPickApi(APIView):
    permission_classes = [IsAdminUser]

    class SegmentFinalPickInputSerializer(serializers.Serializer):
        annotation = serializers.IntegerField()

    class SegmentFinalPickOutputSerializer(serializers.Serializer):
        segment_video = serializers.IntegerField()
        final = serializers.IntegerField(help_text="the annotation now final")

    @extend_schema(
        request=SegmentFinalPickInputSerializer,
        responses={200: SegmentFinalPickOutputSerializer, 400: ErrorOutputSerializer, 404: ErrorOutputSerializer},
    )
    def post(self, request, segment_video_id):
        data = self.SegmentFinalPickInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        video = get_object_or_404(SegmentVideo, pk=segment_video_id)
        annotation = get_object_or_404(SegmentAnnotation, pk=data.validated_data["annotation"])
        video = services.segment_final_pick(segment_video=video, annotation=annotation)
        return Response({"segment_video": video.pk, "final": video.final_id})
