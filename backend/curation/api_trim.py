"""The trim tool's API: a clip's curation, read and replaced (admins and annotators of the clip's class)."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.clips.models import Clip
from backend.core.schema import ErrorOutputSerializer
from backend.curation import selectors_trim, services_trim
from backend.curation.serializers_trim import (
    CurationTrimAdminOutputSerializer,
    CurationTrimInputSerializer,
    CurationTrimOutputSerializer,
)


def _answer(request, clip: Clip, curation, *, code: int = status.HTTP_200_OK) -> Response:
    timing = selectors_trim.trim_timing(video=clip.video)
    payload = selectors_trim.curation_payload(clip=clip, curation=curation, timing=timing, staff=request.user.is_staff)
    serializer = CurationTrimAdminOutputSerializer if request.user.is_staff else CurationTrimOutputSerializer
    return Response(serializer(payload).data, status=code)


class ClipCurationApi(APIView):
    """GET: the clip's curation (frames, derived seconds, people, moving camera). PUT: replace its trim and metadata."""

    def _clip(self, clip_uid) -> Clip:
        return get_object_or_404(Clip.objects.select_related("video__project", "action_class"), uid=clip_uid)

    @extend_schema(
        responses={200: CurationTrimAdminOutputSerializer, 403: ErrorOutputSerializer, 404: ErrorOutputSerializer}
    )
    def get(self, request, clip_uid):
        clip = self._clip(clip_uid)
        services_trim.check_trim_access(user=request.user, clip=clip)
        return _answer(request, clip, selectors_trim.curation_of(clip))

    @extend_schema(
        request=CurationTrimInputSerializer,
        responses={
            200: CurationTrimAdminOutputSerializer,
            400: ErrorOutputSerializer,
            403: ErrorOutputSerializer,
            404: ErrorOutputSerializer,
            409: ErrorOutputSerializer,
        },
    )
    def put(self, request, clip_uid):
        clip = self._clip(clip_uid)
        services_trim.check_trim_access(user=request.user, clip=clip)
        data = CurationTrimInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        curation = services_trim.curation_trim_submit(user=request.user, clip=clip, **data.validated_data)
        return _answer(request, clip, curation)
