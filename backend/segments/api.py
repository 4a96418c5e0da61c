"""Timeline tool API: segment queues, tasks (next, draft, submit, reject), and the admin's segment endpoints.

What an annotator receives never names a video, a gold flag or a score: a task is addressed by its random uid, its
media by the video's random storage key; a gold video's task has the same fields as any other.
"""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.catalog.access import annotator_classes
from backend.catalog.models import ActionClass, Project
from backend.core.errors import ApplicationError
from backend.core.media import media_url
from backend.core.schema import ErrorOutputSerializer, IdNameOutputSerializer
from backend.segments import selectors, services, suggestions
from backend.segments.models import SegmentAnnotation

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
        "cuts": selectors.shot_cuts(segment_video=video),  # a property of the video, whoever annotates it
        "draft": task.draft,
        "version": task.version,  # send it back with each draft save and the submit (two tabs: the live one wins)
        "min_seconds": services.segment_submit_floor(video) if task.kind == SegmentAnnotation.Kind.REGULAR else 0,
        "expires_at": task.expires_at.isoformat() if task.expires_at else None,
        "suggestions": suggestions.segment_task_suggestions(task=task),
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
    """suggestions.segment_task_suggestions: the suggestions block of a task."""

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
    cuts = serializers.ListField(
        child=serializers.FloatField(), help_text="shot cuts (seconds, the timeline's axis); empty when not mined"
    )
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
        qualified = serializers.BooleanField(help_text="false: qualify first (/qualify/<project>/<class>/)")

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
                    "qualified": queue.qualified,
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
        return Response(suggestions.segment_task_suggestions(task=task))


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
