"""Export downloads (admin UI and API): streamed, so memory stays flat at HACS size."""

from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAdminUser
from rest_framework.views import APIView

from backend.catalog.models import Project, Video
from backend.core.errors import ApplicationError
from backend.core.schema import ErrorOutputSerializer
from backend.exports import activitynet, hacs, toolkits


class ClipsExportApi(APIView):
    permission_classes = [IsAdminUser]

    @extend_schema(
        parameters=[
            OpenApiParameter("format", enum=list(hacs.FORMATS)),
            OpenApiParameter("subset", enum=list(Video.Subset.values)),
        ],
        responses={(200, "text/csv"): str, 400: ErrorOutputSerializer, 404: ErrorOutputSerializer},
    )
    def get(self, request, project_id):
        project = get_object_or_404(Project, pk=project_id)
        fmt = request.query_params.get("format", "hacs-csv")
        subset = request.query_params.get("subset") or None
        if fmt not in hacs.FORMATS or (subset and subset not in Video.Subset.values):
            raise ApplicationError(
                f"format must be one of {', '.join(hacs.FORMATS)}; subset one of {', '.join(Video.Subset.values)}"
            )
        ext, ctype = ("csv", "text/csv") if fmt == "hacs-csv" else ("json", "application/json")
        response = StreamingHttpResponse(
            hacs.stream(hacs.clip_rows(project=project, subset=subset), fmt), content_type=f"{ctype}; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="hacs_clips_{project.pk}.{ext}"'
        return response


class ActivityNetNodeOutputSerializer(serializers.Serializer):
    """A taxonomy node, under ActivityNet's own key names."""

    nodeId = serializers.IntegerField()
    nodeName = serializers.CharField()
    parentId = serializers.IntegerField(allow_null=True)
    parentName = serializers.CharField(allow_null=True)


class ActivityNetAnnotationOutputSerializer(serializers.Serializer):
    label = serializers.CharField(help_text="the action class's name")
    segment = serializers.ListField(child=serializers.FloatField(), help_text="[start, end] seconds")


class ActivityNetVideoOutputSerializer(serializers.Serializer):
    subset = serializers.CharField()
    duration = serializers.FloatField()
    url = serializers.CharField(allow_blank=True)
    annotations = ActivityNetAnnotationOutputSerializer(many=True)
    label_source = serializers.ChoiceField(
        choices=["single", "unanimous", "majority", "adjudicated", "gold", "imported", "disputed"],
        help_text="where the segments came from (README: Reviewing disagreements)",
    )


class ActivityNetRejectedOutputSerializer(serializers.Serializer):
    subset = serializers.CharField()
    duration = serializers.FloatField()
    url = serializers.CharField(allow_blank=True)
    reason = serializers.CharField()
    note = serializers.CharField(allow_blank=True)


class ActivityNetOutputSerializer(serializers.Serializer):
    """activitynet.stream (taxonomy and database) or, with ?report=rejected, activitynet.stream_rejected."""

    version = serializers.CharField()
    taxonomy = ActivityNetNodeOutputSerializer(many=True, required=False)
    database = serializers.DictField(
        child=ActivityNetVideoOutputSerializer(), required=False, help_text="video id -> its entry"
    )
    rejected = serializers.DictField(
        child=ActivityNetRejectedOutputSerializer(),
        required=False,
        help_text="?report=rejected: video id -> why it was left out",
    )


class SegmentsExportApi(APIView):
    """The project's segments, streamed: ActivityNet JSON, or ``?format=`` a toolkit's layout (toolkits.py);
    ``?report=rejected`` gives the rejected videos, ``?report=classes`` the class list (line k = class id k, OpenTAD's
    class-map file)."""

    permission_classes = [IsAdminUser]

    @extend_schema(
        parameters=[
            OpenApiParameter("format", enum=list(toolkits.FORMATS), description="default activitynet"),
            OpenApiParameter("subset", enum=list(Video.Subset.values)),
            OpenApiParameter("report", enum=["rejected", "classes"]),
            OpenApiParameter(
                "default_fps", float, description="toolkit formats: fps written for videos whose rate is unknown"
            ),
        ],
        responses={
            (200, "application/json"): ActivityNetOutputSerializer,
            (200, "text/plain"): str,
            400: ErrorOutputSerializer,
            404: ErrorOutputSerializer,
        },
    )
    def get(self, request, project_id):
        project = get_object_or_404(Project, pk=project_id)
        subset = request.query_params.get("subset") or None
        if subset and subset not in Video.Subset.values:
            raise ApplicationError(f"subset must be one of {', '.join(Video.Subset.values)}")
        fmt = request.query_params.get("format") or toolkits.DEFAULT_FORMAT
        toolkits.check_format(fmt)
        report = request.query_params.get("report") or None
        if report not in (None, "rejected", "classes"):
            raise ApplicationError("report must be rejected or classes", field="report")
        base = f"segments_{project.pk}{'_' + subset if subset else ''}"
        if report == "classes":
            response = HttpResponse(
                toolkits.class_map_text(project=project, subset=subset), content_type="text/plain; charset=utf-8"
            )
            response["Content-Disposition"] = f'attachment; filename="{base}{toolkits.CLASS_MAP_SUFFIX}"'
            return response
        if report == "rejected":
            chunks = activitynet.stream_rejected(project=project, subset=subset)
            name = f"{base}.rejected.json"
        else:
            chunks = toolkits.stream(fmt, project=project, subset=subset, default_fps=_default_fps(request))
            name = f"{base}{'' if fmt == toolkits.DEFAULT_FORMAT else '_' + fmt}.json"
        response = StreamingHttpResponse(chunks, content_type="application/json; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response


def _default_fps(request) -> float | None:
    text = request.query_params.get("default_fps")
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        raise ApplicationError(f"default_fps must be a number, got {text!r}", field="default_fps") from None
