"""Timeline tool API: segment queues, tasks (next, draft, submit, reject), and the admin's segment endpoints.

What an annotator receives never names a video, a gold flag or a score: a task is addressed by its random uid, its
media by the video's random storage key; a gold video's task has the same fields as any other.
"""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import IsAdminUser
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.catalog.access import annotator_classes
from backend.catalog.models import ActionClass, Project
from backend.core.errors import ApplicationError
from backend.core.media import media_url
from backend.core.schema import ErrorOutputSerializer, IdNameOutputSerializer
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
        # The grid's verdicts on the video's clips, for the admin's gold mode only: gold videos rarely have clips,
        # so marks on an annotator's task would tell a regular video from a gold one (docs/security.md).
        "marks": selectors.clip_marks(segment_video=video) if task.kind == SegmentAnnotation.Kind.GOLD else [],
        "draft": task.draft,
        "version": task.version,  # send it back with each draft save and the submit (two tabs: the live one wins)
        "min_seconds": services.segment_submit_floor(video) if task.kind == SegmentAnnotation.Kind.REGULAR else 0,
        "expires_at": task.expires_at.isoformat() if task.expires_at else None,
        "suggestions": proposals.segment_task_suggestions(task=task),
    }


class SegmentSpriteOutputSerializer(serializers.Serializer):
    """The thumbnail sheet's layout (workers/media/proxy.py SpriteSheet); empty until the video's media is made."""

    interval = serializers.FloatField(required=False, help_text="seconds between thumbnails")
    tile_width = serializers.IntegerField(required=False)
    tile_height = serializers.IntegerField(required=False)
    columns = serializers.IntegerField(required=False)
    rows = serializers.IntegerField(required=False)
    count = serializers.IntegerField(required=False)


class SegmentMarkOutputSerializer(serializers.Serializer):
    """A clip of this video the grid tool decided: its span on the timeline and the consensus value."""

    start = serializers.FloatField()
    end = serializers.FloatField()
    value = serializers.IntegerField(help_text="consensus: 1 (positive) or -1")


class SegmentSuggestionOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="proposal id (submit's suggestions decisions name it)")
    start = serializers.FloatField()
    end = serializers.FloatField()
    score = serializers.FloatField()
    rank = serializers.IntegerField()


class SegmentSuggestionsOutputSerializer(serializers.Serializer):
    """proposals.segment_task_suggestions: the suggestions block of a task."""

    state = serializers.ChoiceField(
        choices=["off", "pending", "no_classifier", "failed", "ready"], help_text="pending: being computed, poll"
    )
    message = serializers.CharField(allow_blank=True)
    method = serializers.CharField(allow_blank=True, help_text="how the ready ones were scored")
    items = SegmentSuggestionOutputSerializer(many=True)


class SegmentTaskOutputSerializer(serializers.Serializer):
    """task_payload: a leased video to annotate on the timeline."""

    task = serializers.UUIDField()
    action_class = IdNameOutputSerializer()
    video_url = serializers.CharField(help_text="absolute URL of the proxy video")
    sprite_url = serializers.CharField(help_text="absolute URL of the thumbnail sheet")
    sprite = SegmentSpriteOutputSerializer()
    duration = serializers.FloatField(help_text="seconds")
    fps = serializers.FloatField()
    marks = SegmentMarkOutputSerializer(many=True)
    draft = serializers.DictField(help_text="the autosaved draft (what the draft PUT sent), {} when none")
    expires_at = serializers.DateTimeField(allow_null=True, help_text="end of the lease")
    suggestions = SegmentSuggestionsOutputSerializer()
    version = serializers.IntegerField(help_text="send it back with each draft save and the submit")
    min_seconds = serializers.FloatField(help_text="a submit sooner than this after the lease is refused")


class SegmentQueueListApi(APIView):
    class SegmentQueueOutputSerializer(serializers.Serializer):
        project = serializers.IntegerField()
        project_name = serializers.CharField()
        action_class = serializers.IntegerField()
        name = serializers.CharField()
        waiting = serializers.IntegerField()
        in_progress = serializers.BooleanField(help_text="the caller has a task of this queue open")

    @extend_schema(responses=SegmentQueueOutputSerializer(many=True))
    def get(self, request):
        out = []
        for queue in annotator_classes(request.user):
            project, cls = queue.project, queue.action_class
            waiting = services.segment_queue_waiting(annotator=request.user, project=project, action_class=cls)
            open_task = services.segment_task_open(
                annotator=request.user, project=project, action_class=cls, kind=SegmentAnnotation.Kind.REGULAR
            )
            out.append(
                {
                    "project": project.pk,
                    "project_name": project.name,
                    "action_class": cls.pk,
                    "name": cls.name,
                    "waiting": waiting,
                    "in_progress": open_task is not None,
                }
            )
        return Response(out)


class SegmentTaskNextApi(APIView):
    class SegmentTaskNextInputSerializer(serializers.Serializer):
        project = serializers.IntegerField()
        action_class = serializers.IntegerField()
        mode = serializers.ChoiceField(choices=["annotate", "gold"], default="annotate")

    @extend_schema(
        request=SegmentTaskNextInputSerializer,
        responses={
            200: SegmentTaskOutputSerializer,
            400: ErrorOutputSerializer,
            403: ErrorOutputSerializer,
            404: ErrorOutputSerializer,
            409: ErrorOutputSerializer,
        },
    )
    def post(self, request):
        data = self.SegmentTaskNextInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        project = get_object_or_404(Project, pk=data.validated_data["project"])
        action_class = get_object_or_404(ActionClass, pk=data.validated_data["action_class"], is_leaf=True)
        if data.validated_data["mode"] == "gold":
            if not request.user.is_staff:
                raise ApplicationError("gold mode is for admins", code="forbidden")
            task = services.segment_gold_task_next(admin=request.user, project=project, action_class=action_class)
        else:
            task = services.segment_task_next(annotator=request.user, project=project, action_class=action_class)
        return Response(task_payload(task, request))


def segment_list_field() -> serializers.ListField:
    """[[start, end], …] in seconds; the service checks the values against the video."""
    return serializers.ListField(
        child=serializers.ListField(child=serializers.FloatField(), min_length=2, max_length=2),
        max_length=services.MAX_SEGMENTS,
        allow_empty=True,
    )


class SegmentDraftApi(APIView):
    class SegmentDraftInputSerializer(serializers.Serializer):
        segments = segment_list_field()
        open = serializers.FloatField(required=False, allow_null=True, help_text="start of a segment not yet closed")
        time = serializers.FloatField(required=False, min_value=0, help_text="playhead, seconds")
        seconds_spent = serializers.FloatField(min_value=0, max_value=24 * 3600, default=0)
        suggestions = serializers.DictField(required=False, help_text="the tool's suggestion decisions (opaque)")
        version = serializers.IntegerField(required=False, min_value=0, help_text="the task version this tab saw")

    class SegmentDraftOutputSerializer(serializers.Serializer):
        saved_at = serializers.DateTimeField()
        expires_at = serializers.DateTimeField(allow_null=True, help_text="end of the lease, moved by the save")
        version = serializers.IntegerField(help_text="the task's version after this save")

    @extend_schema(
        request=SegmentDraftInputSerializer,
        responses={
            200: SegmentDraftOutputSerializer,
            400: ErrorOutputSerializer,
            404: ErrorOutputSerializer,
            409: ErrorOutputSerializer,
        },
    )
    def put(self, request, task_uid):
        data = self.SegmentDraftInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        draft = dict(data.validated_data)
        version = draft.pop("version", None)
        if len(str(draft)) > MAX_DRAFT_BYTES:
            raise ApplicationError(f"draft too large (over {MAX_DRAFT_BYTES // 1024} KiB)")
        task = services.segment_draft_save(annotator=request.user, task_uid=task_uid, draft=draft, version=version)
        return Response(
            {
                "saved_at": task.draft_saved_at.isoformat(),
                "version": task.version,
                "expires_at": task.expires_at.isoformat() if task.expires_at else None,
            }
        )


class SuggestionDecisionsSerializer(serializers.Serializer):
    """Proposal ids: accepted (submitted as segments), adjusted (of those, edges moved), dismissed."""

    accepted = serializers.ListField(child=serializers.IntegerField(), max_length=500, default=list)
    adjusted = serializers.ListField(child=serializers.IntegerField(), max_length=500, default=list)
    dismissed = serializers.ListField(child=serializers.IntegerField(), max_length=500, default=list)


class SegmentSuggestionsApi(APIView):
    """The suggestions of one of the caller's tasks (polled while they are being computed)."""

    @extend_schema(responses={200: SegmentSuggestionsOutputSerializer, 404: ErrorOutputSerializer})
    def get(self, request, task_uid):
        task = get_object_or_404(
            SegmentAnnotation.objects.select_related("segment_video__video__project"),
            uid=task_uid,
            annotator=request.user,
            active=True,
        )
        return Response(proposals.segment_task_suggestions(task=task))


class SegmentSubmitOutputSerializer(serializers.Serializer):
    stored = serializers.IntegerField(help_text="segments stored")
    already_submitted = serializers.BooleanField(help_text="a retried submit: nothing new was stored")


class SegmentSubmitApi(APIView):
    class SegmentSubmitInputSerializer(serializers.Serializer):
        segments = segment_list_field()
        seconds_spent = serializers.FloatField(min_value=0, max_value=24 * 3600)
        suggestions = SuggestionDecisionsSerializer(required=False)
        version = serializers.IntegerField(required=False, min_value=0)
        submit_token = serializers.CharField(max_length=64, required=False, default="")

    @extend_schema(
        request=SegmentSubmitInputSerializer,
        responses={
            200: SegmentSubmitOutputSerializer,
            400: ErrorOutputSerializer,
            404: ErrorOutputSerializer,
            409: ErrorOutputSerializer,
        },
    )
    def post(self, request, task_uid):
        data = self.SegmentSubmitInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        result = services.segment_task_submit(annotator=request.user, task_uid=task_uid, **data.validated_data)
        return Response({"stored": result.stored, "already_submitted": result.already_submitted})


class SegmentRejectApi(APIView):
    class SegmentRejectInputSerializer(serializers.Serializer):
        reason = serializers.ChoiceField(choices=SegmentAnnotation.RejectReason.choices)
        note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
        seconds_spent = serializers.FloatField(min_value=0, max_value=24 * 3600)
        version = serializers.IntegerField(required=False, min_value=0)
        submit_token = serializers.CharField(max_length=64, required=False, default="")

    @extend_schema(
        request=SegmentRejectInputSerializer,
        responses={
            200: SegmentSubmitOutputSerializer,
            400: ErrorOutputSerializer,
            404: ErrorOutputSerializer,
            409: ErrorOutputSerializer,
        },
    )
    def post(self, request, task_uid):
        data = self.SegmentRejectInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        result = services.segment_task_reject(annotator=request.user, task_uid=task_uid, **data.validated_data)
        return Response({"stored": result.stored, "already_submitted": result.already_submitted})


# --- admin ---------------------------------------------------------------------------------------------------------


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
