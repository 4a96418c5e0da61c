"""The admin's import API: a release file in, 202 and a job to poll at /api/jobs/<id>/ out."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import IsAdminUser
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.catalog.models import Project
from backend.core.schema import ErrorOutputSerializer
from backend.exports import hacs
from backend.exports.import_jobs import import_job_start
from backend.exports.imports import KINDS


class ImportInputSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="clips: HACS Clips CSV or hacs-json; segments: ActivityNet-layout JSON")
    kind = serializers.ChoiceField(choices=KINDS)
    gold = serializers.BooleanField(default=False, help_text="clips: a golden set; segments: reference segments")
    on_conflict = serializers.ChoiceField(
        choices=hacs.ON_CONFLICT,
        required=False,
        allow_blank=True,
        help_text="clips: rows naming one clip with different labels keep the first or last (default: refuse)",
    )
    update_durations = serializers.BooleanField(
        default=False, help_text="segments: store the file's duration where the stored one differs"
    )
    create_classes = serializers.BooleanField(default=False, help_text="create unknown class names as leaf classes")
    parent = serializers.CharField(
        required=False, allow_blank=True, max_length=200, help_text="with create_classes: the node they go under"
    )


class ImportJobOutputSerializer(serializers.Serializer):
    job = serializers.IntegerField()
    poll = serializers.CharField(help_text="GET it until state is done or failed")


class ImportStartApi(APIView):
    """Queue an import of a clips or segments file into the project; the job's message gives the counts when done,
    or the refusal (every bad line or path) when failed — a refused file writes nothing."""

    permission_classes = [IsAdminUser]
    parser_classes = [MultiPartParser]

    @extend_schema(
        request={"multipart/form-data": ImportInputSerializer},
        responses={202: ImportJobOutputSerializer, 400: ErrorOutputSerializer, 404: ErrorOutputSerializer},
    )
    def post(self, request, project_id):
        project = get_object_or_404(Project, pk=project_id)
        serializer = ImportInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        upload, kind = data.pop("file"), data.pop("kind")
        job = import_job_start(project=project, upload=upload, kind=kind, options=data, user=request.user)
        return Response({"job": job.pk, "poll": f"/api/jobs/{job.pk}/"}, status=status.HTTP_202_ACCEPTED)
