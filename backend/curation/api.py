"""Admin API for HAA500 curation: the curatable clips with their curation (filterable, paginated), queuing the
human-centric score (202 with a job to poll), and polling that job."""

from __future__ import annotations

from django.core.exceptions import ObjectDoesNotExist
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import IsAdminUser
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.catalog.models import ActionClass, Project
from backend.clips.models import Clip
from backend.core.errors import ApplicationError
from backend.core.media import media_url
from backend.core.schema import ErrorOutputSerializer, IdNameOutputSerializer
from backend.curation import selectors, services
from backend.curation.models import Curation


class CurationPagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


def _class_field():
    return serializers.CharField(required=False, max_length=200, help_text="action class id, or its exact name")


# "class" is a Python keyword: the serializer is built with type() so the query parameter can be called that.
CurationClipFilterSerializer = type(
    "CurationClipFilterSerializer",
    (serializers.Serializer,),
    {
        "class": _class_field(),
        "min_human_centric": serializers.FloatField(required=False, min_value=0, max_value=1),
        "max_human_centric": serializers.FloatField(required=False, min_value=0, max_value=1),
        "split": serializers.ChoiceField(
            required=False, choices=["train", "val", "test", "none"], help_text="'none': in no split"
        ),
        "trimmed": serializers.BooleanField(required=False, allow_null=True, default=None),
        "state": serializers.ChoiceField(
            required=False, choices=Curation.ScoreState.values, help_text="human-centric score state"
        ),
        "page": serializers.IntegerField(required=False, min_value=1),
        "page_size": serializers.IntegerField(required=False, min_value=1, max_value=CurationPagination.max_page_size),
    },
)


def _curation_of(clip: Clip) -> Curation | None:
    try:
        return clip.curation
    except Curation.DoesNotExist:
        return None


def _decided_by(clip: Clip) -> str | None:
    """What made the clip curatable: its gold answer, its consensus, or (None) neither — a segment clip."""
    for name in ("gold", "consensus"):
        try:
            getattr(clip, name)
        except ObjectDoesNotExist:
            continue
        return name
    return None


def curation_clip_payload(clip: Clip, request) -> dict:
    """One clip of the list: the clip, its class and video, and its curation (defaults when it has none yet)."""
    curation = _curation_of(clip)
    fps = clip.video.fps or None
    trimmed = curation is not None and curation.is_trimmed
    start_time = end_time = None
    if trimmed and fps:
        start_time, end_time = round(curation.first_frame / fps, 3), round((curation.last_frame + 1) / fps, 3)
    return {
        "id": clip.pk,
        "uid": str(clip.uid),
        "action_class": {"id": clip.action_class_id, "name": clip.action_class.name},
        "video": {
            "id": clip.video_id,
            "external_id": clip.video.external_id,
            "fps": clip.video.fps,
            "duration": clip.video.duration,
        },
        "start": clip.start,
        "end": clip.end,
        "method": clip.method,
        "decided_by": _decided_by(clip) or ("segment" if clip.method == Clip.Method.SEGMENT else None),
        "media_url": media_url(clip.media, request),
        "poster_url": media_url(clip.poster, request),
        "curation": {
            "first_frame": curation.first_frame if curation else None,
            "last_frame": curation.last_frame if curation else None,
            "trimmed": trimmed,
            "start_time": start_time,
            "end_time": end_time,
            "dominant_people": curation.dominant_people if curation else None,
            "camera_moving": curation.camera_moving if curation else None,
            "split": curation.split if curation else "",
            "human_centric": curation.human_centric if curation else None,
            "human_centric_state": curation.human_centric_state if curation else Curation.ScoreState.NONE,
            "curated_by": curation.curated_by_id if curation else None,
            "updated_at": curation.updated_at.isoformat() if curation else None,
        },
    }


def _resolve_class(value: str | None) -> ActionClass | None:
    if not value:
        return None
    if value.isdigit():
        return get_object_or_404(ActionClass, pk=int(value))
    return get_object_or_404(ActionClass, name=value)


class CurationClipVideoOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    external_id = serializers.CharField()
    fps = serializers.FloatField()
    duration = serializers.FloatField()


class CurationFieldsOutputSerializer(serializers.Serializer):
    """The clip's curation; defaults (nulls) when it has none yet."""

    first_frame = serializers.IntegerField(allow_null=True)
    last_frame = serializers.IntegerField(allow_null=True)
    trimmed = serializers.BooleanField()
    start_time = serializers.FloatField(allow_null=True)
    end_time = serializers.FloatField(allow_null=True)
    dominant_people = serializers.IntegerField(allow_null=True)
    camera_moving = serializers.BooleanField(allow_null=True)
    split = serializers.CharField(allow_blank=True, help_text="train, val, test, or empty: in no split")
    human_centric = serializers.FloatField(allow_null=True)
    human_centric_state = serializers.ChoiceField(choices=Curation.ScoreState.values)
    curated_by = serializers.IntegerField(allow_null=True, help_text="user id")
    updated_at = serializers.DateTimeField(allow_null=True)


class CurationClipOutputSerializer(serializers.Serializer):
    """curation_clip_payload: one clip of the list."""

    id = serializers.IntegerField()
    uid = serializers.UUIDField()
    action_class = IdNameOutputSerializer()
    video = CurationClipVideoOutputSerializer()
    start = serializers.FloatField()
    end = serializers.FloatField()
    method = serializers.ChoiceField(choices=Clip.Method.values)
    decided_by = serializers.CharField(allow_null=True, help_text="gold, consensus or segment")
    media_url = serializers.CharField()
    poster_url = serializers.CharField()
    curation = CurationFieldsOutputSerializer()


class CurationClipPageOutputSerializer(serializers.Serializer):
    """CurationPagination's page."""

    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = CurationClipOutputSerializer(many=True)


class CurationClipListApi(APIView):
    """GET: the project's curatable clips with their curation fields, filtered and paginated (admins)."""

    permission_classes = [IsAdminUser]

    @extend_schema(
        parameters=[CurationClipFilterSerializer],
        responses={200: CurationClipPageOutputSerializer, 400: ErrorOutputSerializer, 404: ErrorOutputSerializer},
    )
    def get(self, request, project_id):
        project = get_object_or_404(Project, pk=project_id)
        params = CurationClipFilterSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        low, high = data.get("min_human_centric"), data.get("max_human_centric")
        if low is not None and high is not None and low > high:
            raise ApplicationError("min_human_centric is above max_human_centric")
        split = data.get("split")
        clips = selectors.curation_clip_list(
            project=project,
            action_class=_resolve_class(data.get("class")),
            min_human_centric=low,
            max_human_centric=high,
            split="" if split == "none" else split,
            trimmed=data.get("trimmed"),
            state=data.get("state"),
        )
        paginator = CurationPagination()
        page = paginator.paginate_queryset(clips, request, view=self)
        return paginator.get_paginated_response([curation_clip_payload(c, request) for c in page])


class CurationScoreApi(APIView):
    """POST: queue the human-centric score of the project's curatable clips; 202 with the job to poll."""

    permission_classes = [IsAdminUser]

    class CurationScoreInputSerializer(serializers.Serializer):
        action_class = serializers.IntegerField(required=False, help_text="only this class (default: all)")
        all = serializers.BooleanField(default=False, help_text="score again clips already scored")

    class CurationScoreOutputSerializer(serializers.Serializer):
        job = serializers.IntegerField(
            allow_null=True, help_text="the job to poll; null (and 200) when nothing to score"
        )
        clips = serializers.IntegerField(help_text="clips queued")
        poll = serializers.CharField(required=False, help_text="where to poll the job (202 only)")

    @extend_schema(
        request=CurationScoreInputSerializer,
        responses={
            200: CurationScoreOutputSerializer,
            202: CurationScoreOutputSerializer,
            400: ErrorOutputSerializer,
            404: ErrorOutputSerializer,
        },
    )
    def post(self, request, project_id):
        project = get_object_or_404(Project, pk=project_id)
        data = self.CurationScoreInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        cls_id = data.validated_data.get("action_class")
        action_class = get_object_or_404(ActionClass, pk=cls_id) if cls_id is not None else None
        job, count = services.human_centric_enqueue(
            project=project, action_class=action_class, rescore=data.validated_data["all"]
        )
        if job is None:
            return Response({"job": None, "clips": 0}, status=status.HTTP_200_OK)
        return Response(
            {"job": job.pk, "clips": count, "poll": f"/api/curation-jobs/{job.pk}/"}, status=status.HTTP_202_ACCEPTED
        )
