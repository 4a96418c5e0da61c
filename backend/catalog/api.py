"""Video upload (admin): the file is probed by content, stored under a generated key, or refused whole."""

import tempfile
from pathlib import Path

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import IsAdminUser
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.catalog.models import ActionClass, Project, Video
from backend.catalog.services import check_upload_size, upload_name_clean, video_ingest
from backend.core.schema import ErrorOutputSerializer


def ingest_upload(*, upload, project: Project, action_class: ActionClass, subset: str) -> Video:
    """Spool an uploaded file to a private temp file (the user's name never becomes a path) and ingest it."""
    name = upload_name_clean(upload.name)
    check_upload_size(name=name, size=upload.size)  # before copying it anywhere
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "upload"
        with path.open("wb") as fh:
            for chunk in upload.chunks():
                fh.write(chunk)
        return video_ingest(project=project, path=path, action_class=action_class, subset=subset, original_name=name)


class VideoUploadApi(APIView):
    permission_classes = [IsAdminUser]
    parser_classes = [MultiPartParser]

    class VideoUploadInputSerializer(serializers.Serializer):
        file = serializers.FileField()
        project = serializers.IntegerField()
        action_class = serializers.IntegerField()
        subset = serializers.ChoiceField(choices=Video.Subset.values, default=Video.Subset.TRAINING)

    class VideoUploadOutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        external_id = serializers.CharField()
        duration = serializers.FloatField(help_text="seconds")
        clips = serializers.IntegerField(help_text="clips sampled from it")

    @extend_schema(
        request={"multipart/form-data": VideoUploadInputSerializer},
        responses={
            201: VideoUploadOutputSerializer,
            400: ErrorOutputSerializer,
            404: ErrorOutputSerializer,
            413: ErrorOutputSerializer,
        },
    )
    def post(self, request):
        data = self.VideoUploadInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        project = get_object_or_404(Project, pk=data.validated_data["project"])
        action_class = get_object_or_404(ActionClass, pk=data.validated_data["action_class"], is_leaf=True)
        video = ingest_upload(
            upload=data.validated_data["file"],
            project=project,
            action_class=action_class,
            subset=data.validated_data["subset"],
        )
        return Response(
            {
                "id": video.pk,
                "external_id": video.external_id,
                "duration": video.duration,
                "clips": video.clips.count(),
            },
            status=status.HTTP_201_CREATED,
        )
