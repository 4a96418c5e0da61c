"""Timeline tool API: segment queues, tasks (next, draft, submit, reject), and the admin's segment endpoints.

What an annotator receives never names a video, a gold flag or a score: a task is addressed by its random uid, its
media by the video's random storage key; a gold video's task has the same fields as any other.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import IsAdminUser
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.catalog.models import ActionClass, Job, Project, Video
from backend.clips.api import media_url, queue_error_response
from backend.clips.services import QueueError
from backend.exports import activitynet
from backend.quality.models import AnnotatorGroup
from backend.segments import media, proposals, selectors, services
from backend.segments.models import SegmentAnnotation, SegmentVideo

MAX_DRAFT_BYTES = 64 * 1024


def task_payload(task: SegmentAnnotation, request) -> dict:
    video = task.segment_video
    return {
        "task": str(task.uid),
        "action_class": {"id": video.action_class_id, "name": video.action_class.name},
        "video_url": media_url(video.proxy, request),
        "sprite_url": media_url(video.sprite, request),
        "sprite": video.sprite_meta,
        "duration": video.media_duration,
        "fps": video.media_fps,
        "marks": selectors.clip_marks(segment_video=video),
        "draft": task.draft,
        "expires_at": task.expires_at.isoformat() if task.expires_at else None,
        "suggestions": proposals.segment_task_suggestions(task=task),
    }


class SegmentQueueListApi(APIView):
    @extend_schema(responses=dict)
    def get(self, request):
        out = []
        for group in AnnotatorGroup.objects.filter(members=request.user).select_related("project"):
            for cls in group.classes.order_by("name"):
                waiting = services.segment_queue_waiting(annotator=request.user, project=group.project,
                                                         action_class=cls)
                open_task = services.segment_task_open(annotator=request.user, project=group.project,
                                                       action_class=cls, kind=SegmentAnnotation.Kind.REGULAR)
                out.append({"project": group.project_id, "project_name": group.project.name, "action_class": cls.pk,
                            "name": cls.name, "waiting": waiting, "in_progress": open_task is not None})
        return Response(out)


class SegmentTaskNextApi(APIView):
    class SegmentTaskNextInputSerializer(serializers.Serializer):
        project = serializers.IntegerField()
        action_class = serializers.IntegerField()
        mode = serializers.ChoiceField(choices=["annotate", "gold"], default="annotate")

    @extend_schema(request=SegmentTaskNextInputSerializer, responses={200: dict, 404: dict, 409: dict})
    def post(self, request):
        data = self.SegmentTaskNextInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        project = get_object_or_404(Project, pk=data.validated_data["project"])
        action_class = get_object_or_404(ActionClass, pk=data.validated_data["action_class"], is_leaf=True)
        try:
            if data.validated_data["mode"] == "gold":
                if not request.user.is_staff:
                    return Response({"detail": "gold mode is for admins"}, status=status.HTTP_403_FORBIDDEN)
                task = services.segment_gold_task_next(admin=request.user, project=project, action_class=action_class)
            else:
                task = services.segment_task_next(annotator=request.user, project=project, action_class=action_class)
        except QueueError as exc:
            return queue_error_response(exc)
        return Response(task_payload(task, request))


def segment_list_field() -> serializers.ListField:
    """[[start, end], …] in seconds; the service checks the values against the video."""
    return serializers.ListField(child=serializers.ListField(child=serializers.FloatField(), min_length=2, max_length=2),
                                 max_length=services.MAX_SEGMENTS, allow_empty=True)


class SegmentDraftApi(APIView):
    class SegmentDraftInputSerializer(serializers.Serializer):
        segments = segment_list_field()
        open = serializers.FloatField(required=False, allow_null=True, help_text="start of a segment not yet closed")
        time = serializers.FloatField(required=False, min_value=0, help_text="playhead, seconds")
        seconds_spent = serializers.FloatField(min_value=0, max_value=24 * 3600, default=0)
        suggestions = serializers.DictField(required=False, help_text="the tool's suggestion decisions (opaque)")

    @extend_schema(request=SegmentDraftInputSerializer, responses={200: dict})
    def put(self, request, task_uid):
        data = self.SegmentDraftInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        draft = dict(data.validated_data)
        if len(str(draft)) > MAX_DRAFT_BYTES:
            return Response({"detail": "draft too large"}, status=status.HTTP_400_BAD_REQUEST)
        try:
            task = services.segment_draft_save(annotator=request.user, task_uid=task_uid, draft=draft)
        except QueueError as exc:
            return queue_error_response(exc)
        return Response({"saved_at": task.draft_saved_at.isoformat(),
                         "expires_at": task.expires_at.isoformat() if task.expires_at else None})


class SuggestionDecisionsSerializer(serializers.Serializer):
    """Proposal ids: accepted (submitted as segments), adjusted (of those, edges moved), dismissed."""

    accepted = serializers.ListField(child=serializers.IntegerField(), max_length=500, default=list)
    adjusted = serializers.ListField(child=serializers.IntegerField(), max_length=500, default=list)
    dismissed = serializers.ListField(child=serializers.IntegerField(), max_length=500, default=list)


class SegmentSuggestionsApi(APIView):
    """The suggestions of one of the caller's tasks (polled while they are being computed)."""

    @extend_schema(responses={200: dict, 404: dict})
    def get(self, request, task_uid):
        task = get_object_or_404(SegmentAnnotation.objects.select_related("segment_video__video__project"),
                                 uid=task_uid, annotator=request.user, active=True)
        return Response(proposals.segment_task_suggestions(task=task))


class SegmentSubmitApi(APIView):
    class SegmentSubmitInputSerializer(serializers.Serializer):
        segments = segment_list_field()
        seconds_spent = serializers.FloatField(min_value=0, max_value=24 * 3600)
        suggestions = SuggestionDecisionsSerializer(required=False)

    @extend_schema(request=SegmentSubmitInputSerializer, responses={200: dict})
    def post(self, request, task_uid):
        data = self.SegmentSubmitInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            result = services.segment_task_submit(annotator=request.user, task_uid=task_uid, **data.validated_data)
        except QueueError as exc:
            return queue_error_response(exc)
        return Response({"stored": result.stored, "already_submitted": result.already_submitted})


class SegmentRejectApi(APIView):
    class SegmentRejectInputSerializer(serializers.Serializer):
        reason = serializers.ChoiceField(choices=SegmentAnnotation.RejectReason.choices)
        note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
        seconds_spent = serializers.FloatField(min_value=0, max_value=24 * 3600)

    @extend_schema(request=SegmentRejectInputSerializer, responses={200: dict})
    def post(self, request, task_uid):
        data = self.SegmentRejectInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            result = services.segment_task_reject(annotator=request.user, task_uid=task_uid, **data.validated_data)
        except QueueError as exc:
            return queue_error_response(exc)
        return Response({"stored": result.stored, "already_submitted": result.already_submitted})


class SegmentMeApi(APIView):
    @extend_schema(responses=dict)
    def get(self, request):
        acc = selectors.annotator_segment_accuracy(annotator=request.user)
        # The figure only: which videos were gold is never said.
        return Response({"f1": round(acc.f1, 2) if acc.f1 is not None else None})


# --- admin ---------------------------------------------------------------------------------------------------------


class SegmentDashboardApi(APIView):
    permission_classes = [IsAdminUser]

    @extend_schema(responses=dict)
    def get(self, request, project_id):
        return Response(selectors.segment_dashboard(project=get_object_or_404(Project, pk=project_id)))


class SegmentEnqueueApi(APIView):
    """Send a project's videos (or one class's) to segment annotation: 202 with the media jobs to poll."""

    permission_classes = [IsAdminUser]

    class SegmentEnqueueInputSerializer(serializers.Serializer):
        action_class = serializers.IntegerField(required=False)

    @extend_schema(request=SegmentEnqueueInputSerializer, responses={202: dict})
    def post(self, request, project_id):
        data = self.SegmentEnqueueInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        project = get_object_or_404(Project, pk=project_id)
        cls_id = data.validated_data.get("action_class")
        action_class = get_object_or_404(ActionClass, pk=cls_id) if cls_id else None
        jobs = media.segment_videos_enqueue(project=project, action_class=action_class)
        return Response({"jobs": [j.pk for j in jobs], "poll": "/api/segment-media-jobs/<id>/"},
                        status=status.HTTP_202_ACCEPTED)


class SegmentMediaJobApi(APIView):
    """Poll a segment media job queued by SegmentEnqueueApi: state, stage and progress (0..1)."""

    permission_classes = [IsAdminUser]

    @extend_schema(responses=dict)
    def get(self, request, job_id):
        media.segment_media_jobs_reconcile(job_ids=[job_id])  # a job whose worker died says so (or that it is done)
        job = get_object_or_404(Job, pk=job_id, kind=media.JOB_KIND)
        return Response({"id": job.pk, "video": job.video_id, "state": job.state, "stage": job.stage,
                         "progress": job.progress, "message": job.message})


class SegmentFinalPickApi(APIView):
    permission_classes = [IsAdminUser]

    class SegmentFinalPickInputSerializer(serializers.Serializer):
        annotation = serializers.IntegerField()

    @extend_schema(request=SegmentFinalPickInputSerializer, responses=dict)
    def post(self, request, segment_video_id):
        data = self.SegmentFinalPickInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        video = get_object_or_404(SegmentVideo, pk=segment_video_id)
        annotation = get_object_or_404(SegmentAnnotation, pk=data.validated_data["annotation"])
        try:
            video = services.segment_final_pick(segment_video=video, annotation=annotation)
        except QueueError as exc:
            return queue_error_response(exc)
        return Response({"segment_video": video.pk, "final": video.final_id})


class SegmentSendBackApi(APIView):
    permission_classes = [IsAdminUser]

    class SegmentSendBackInputSerializer(serializers.Serializer):
        action_class = serializers.IntegerField()

    @extend_schema(request=SegmentSendBackInputSerializer, responses=dict)
    def post(self, request, user_id):
        data = self.SegmentSendBackInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        annotator = get_object_or_404(get_user_model(), pk=user_id)
        action_class = get_object_or_404(ActionClass, pk=data.validated_data["action_class"])
        count = services.segment_annotations_send_back(annotator=annotator, action_class=action_class,
                                                       admin=request.user)
        return Response({"annotations_sent_back": count})


class SegmentsExportApi(APIView):
    """ActivityNet JSON of the project's segments, streamed; ``?report=rejected`` gives the rejected videos."""

    permission_classes = [IsAdminUser]

    @extend_schema(parameters=[OpenApiParameter("subset", enum=list(Video.Subset.values)),
                               OpenApiParameter("report", enum=["rejected"])],
                   responses={(200, "application/json"): dict})
    def get(self, request, project_id):
        project = get_object_or_404(Project, pk=project_id)
        subset = request.query_params.get("subset") or None
        if subset and subset not in Video.Subset.values:
            return Response({"detail": f"subset must be one of {', '.join(Video.Subset.values)}"}, status=400)
        rejected = request.query_params.get("report") == "rejected"
        chunks = (activitynet.stream_rejected if rejected else activitynet.stream)(project=project, subset=subset)
        response = StreamingHttpResponse(chunks, content_type="application/json; charset=utf-8")
        name = f"segments_{project.pk}{'_' + subset if subset else ''}{'.rejected' if rejected else ''}.json"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
