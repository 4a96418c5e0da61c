"""The trim tool's API: a clip's curation, read and replaced (admins and annotators of the clip's class)."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.clips.api import queue_error_response
from backend.clips.models import Clip
from backend.clips.services import QueueError
from backend.curation import selectors_trim, services_trim
from backend.curation.serializers_trim import (
    CurationTrimAdminOutputSerializer,
    CurationTrimInputSerializer,
    CurationTrimOutputSerializer,
)
from backend.curation.timing import TimingError


def _answer(request, clip: Clip, curation, *, code: int = status.HTTP_200_OK) -> Response:
    timing = selectors_trim.trim_timing(video=clip.video)
    payload = selectors_trim.curation_payload(clip=clip, curation=curation, timing=timing,
                                              staff=request.user.is_staff)
    serializer = CurationTrimAdminOutputSerializer if request.user.is_staff else CurationTrimOutputSerializer
    return Response(serializer(payload).data, status=code)


class ClipCurationApi(APIView):
    """GET: the clip's curation (frames, derived seconds, people, moving camera). PUT: replace its trim and metadata."""

    def _clip(self, clip_uid) -> Clip:
        return get_object_or_404(Clip.objects.select_related("video__project", "action_class"), uid=clip_uid)

    @extend_schema(responses={200: CurationTrimAdminOutputSerializer, 403: dict, 404: dict})
    def get(self, request, clip_uid):
        clip = self._clip(clip_uid)
        try:
            services_trim.check_trim_access(user=request.user, clip=clip)
            return _answer(request, clip, selectors_trim.curation_of(clip))
        except QueueError as exc:
            return queue_error_response(exc)
        except TimingError as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)

    @extend_schema(request=CurationTrimInputSerializer,
                   responses={200: CurationTrimAdminOutputSerializer, 400: dict, 403: dict, 404: dict, 409: dict})
    def put(self, request, clip_uid):
        clip = self._clip(clip_uid)
        try:
            services_trim.check_trim_access(user=request.user, clip=clip)
        except QueueError as exc:  # before validation: an outsider learns nothing about the clip's frames
            return queue_error_response(exc)
        data = CurationTrimInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            curation = services_trim.curation_trim_submit(user=request.user, clip=clip, **data.validated_data)
        except QueueError as exc:
            return queue_error_response(exc)
        except services_trim.TrimError as exc:
            return Response({exc.field: [str(exc)]}, status=status.HTTP_400_BAD_REQUEST)
        except TimingError as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
        return _answer(request, clip, curation)
