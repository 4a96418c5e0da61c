"""Qualification API (issue 15 item 1): the annotator's set and submission (score only); the admins' attempts list,
reset, and the qualification set's answers (clips' yes or no, videos' known segments)."""

from __future__ import annotations

import uuid

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import IsAdminUser
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.catalog.models import ActionClass, Project, QualificationAttempt
from backend.catalog.qualification import qualification_attempt_reset, qualification_attempts_counting
from backend.clips.api import GoldPageOutputSerializer, admin_page_payload, grid_items
from backend.clips.services import MAX_PAGE_SIZE, QueueError, qualification_answers_submit, qualification_page_next
from backend.core.media import media_url
from backend.core.schema import ErrorOutputSerializer
from backend.quality.qualification import qualification_attempts, qualification_set_for, qualification_submit
from backend.segments.models import SegmentVideo
from backend.segments.services import segment_video_qualification_set


def _uid_keys(answers: dict, *, kind: str = "clip") -> dict:
    bad = [key for key in answers if not _is_uuid(key)]
    if bad:
        raise serializers.ValidationError(f"{len(bad)} key(s) are not {kind} ids, e.g. {bad[0][:40]!r}")
    return answers


def _is_uuid(text: str) -> bool:
    try:
        uuid.UUID(str(text))
    except ValueError:
        return False
    return True


class QualificationStatusOutputSerializer(serializers.Serializer):
    required = serializers.BooleanField(help_text="the project asks for a qualification")
    qualified = serializers.BooleanField()
    attempts_used = serializers.IntegerField(help_text="under the current guideline, not reset")
    attempts_left = serializers.IntegerField()
    pass_mark = serializers.FloatField(help_text="share of the set to get right, 0-1")
    last_score = serializers.FloatField(allow_null=True)


class QualificationItemOutputSerializer(serializers.Serializer):
    item = serializers.UUIDField(help_text="the clip's uid")
    action_class = serializers.CharField(help_text="the class asked about (a per-project set spans several)")
    group = serializers.IntegerField(help_text="items of one video share a group")
    video_url = serializers.CharField()
    poster_url = serializers.CharField()


class QualificationVideoOutputSerializer(serializers.Serializer):
    item = serializers.UUIDField(help_text="the video's uid (its timeline task's)")
    action_class = serializers.CharField(help_text="the class to segment")
    video_url = serializers.CharField(help_text="the seekable proxy")
    duration = serializers.FloatField(help_text="seconds")
    fps = serializers.FloatField()


class QualificationSetOutputSerializer(serializers.Serializer):
    status = QualificationStatusOutputSerializer()
    default_label = serializers.IntegerField(help_text="1 or -1: a clip's answer until it is clicked")
    items = QualificationItemOutputSerializer(many=True, help_text="clips; empty once qualified or out of attempts")
    videos = QualificationVideoOutputSerializer(
        many=True, help_text="videos to segment (never their known segments); empty once qualified or out of attempts"
    )


SegmentsField = serializers.ListField(
    child=serializers.ListField(child=serializers.FloatField(), min_length=2, max_length=2),
    allow_empty=True,
    help_text="[[start, end], …] seconds; empty: the action does not happen",
)


class QualificationResultOutputSerializer(serializers.Serializer):
    score = serializers.FloatField(help_text="share right, 0-1: the only feedback (never which clips)")
    passed = serializers.BooleanField()
    attempts_left = serializers.IntegerField()
    pass_mark = serializers.FloatField()


class QualificationApi(APIView):
    """GET: the caller's status and the set to answer (no answers in it). POST: submit answers, get the score."""

    class QualificationSubmitInputSerializer(serializers.Serializer):
        labels = serializers.DictField(
            child=serializers.ChoiceField(choices=[1, -1]), default=dict, help_text="clip uid -> 1 or -1"
        )
        segments = serializers.DictField(
            child=SegmentsField, default=dict, help_text="video uid -> its segments, for a set with videos"
        )

        def validate_labels(self, labels: dict) -> dict:
            return _uid_keys(labels)

        def validate_segments(self, segments: dict) -> dict:
            return _uid_keys(segments, kind="video")

    def _target(self, project_id: int, class_id: int) -> tuple[Project, ActionClass]:
        return get_object_or_404(Project, pk=project_id), get_object_or_404(ActionClass, pk=class_id, is_leaf=True)

    @extend_schema(
        responses={200: QualificationSetOutputSerializer, 403: ErrorOutputSerializer, 404: ErrorOutputSerializer}
    )
    def get(self, request, project_id: int, class_id: int):
        project, action_class = self._target(project_id, class_id)
        served = qualification_set_for(user=request.user, project=project, action_class=action_class)
        status = served.status
        items = [
            {**item, "action_class": clip.action_class.name}
            for item, clip in zip(grid_items([(c.uid, c) for c in served.clips], request), served.clips, strict=True)
        ]
        videos = [
            {
                "item": str(v.uid),
                "action_class": v.action_class.name,
                "video_url": media_url(v.proxy, request),
                "duration": v.media_duration,
                "fps": v.media_fps,
            }
            for v in served.videos
        ]
        return Response(
            {
                "status": {
                    "required": status.required,
                    "qualified": status.qualified,
                    "attempts_used": status.attempts_used,
                    "attempts_left": status.attempts_left,
                    "pass_mark": status.pass_mark,
                    "last_score": status.last_score,
                },
                "default_label": 1 if project.default_label == Project.DefaultLabel.POSITIVE else -1,
                "items": items,
                "videos": videos,
            }
        )

    @extend_schema(
        request=QualificationSubmitInputSerializer,
        responses={
            200: QualificationResultOutputSerializer,
            400: ErrorOutputSerializer,
            403: ErrorOutputSerializer,
            404: ErrorOutputSerializer,
            409: ErrorOutputSerializer,
        },
    )
    def post(self, request, project_id: int, class_id: int):
        project, action_class = self._target(project_id, class_id)
        data = self.QualificationSubmitInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        result = qualification_submit(
            user=request.user,
            project=project,
            action_class=action_class,
            labels=data.validated_data["labels"],
            segments=data.validated_data["segments"],
        )
        return Response(
            {
                "score": result.score,
                "passed": result.passed,
                "attempts_left": result.attempts_left,
                "pass_mark": result.pass_mark,
            }
        )


QualificationAttemptOutputSerializer = type(
    "QualificationAttemptOutputSerializer",
    (serializers.Serializer,),
    {
        "id": serializers.IntegerField(),
        "annotator": serializers.CharField(),
        "class_id": serializers.IntegerField(allow_null=True, help_text="null: a project-wide attempt (per project)"),
        "class": serializers.CharField(),
        "created_at": serializers.DateTimeField(),
        "correct": serializers.IntegerField(),
        "total": serializers.IntegerField(),
        "score": serializers.FloatField(),
        "passed": serializers.BooleanField(),
        "guideline_version": serializers.IntegerField(
            allow_null=True, help_text="the guideline-changing clarification it was made under"
        ),
        "current": serializers.BooleanField(
            help_text="counts now: under the project's current scope, not reset, made under the current guideline"
        ),
        "reset_at": serializers.DateTimeField(allow_null=True),
        "reset_by": serializers.CharField(allow_null=True),
        "answers": serializers.DictField(
            help_text="clip uid -> 1 or -1, video uid -> [[start, end], …], as submitted (admins only)"
        ),
    },
)


def _attempt_row(attempt: QualificationAttempt, counting: set[int]) -> dict:
    return {
        "id": attempt.pk,
        "annotator": attempt.annotator.username,
        "class_id": attempt.action_class_id,
        "class": attempt.action_class.name if attempt.action_class else "all classes",
        "created_at": attempt.created_at.isoformat(),
        "correct": attempt.correct,
        "total": attempt.total,
        "score": attempt.score,
        "passed": attempt.passed,
        "guideline_version": attempt.guideline_version_id,
        "current": attempt.pk in counting,
        "reset_at": attempt.reset_at.isoformat() if attempt.reset_at else None,
        "reset_by": attempt.reset_by.username if attempt.reset_by else None,
        "answers": attempt.answers,
    }


class QualificationAttemptsApi(APIView):
    """Every qualification attempt of a project, newest first (admins); `?class=<id>` keeps one class's."""

    permission_classes = [IsAdminUser]

    @extend_schema(
        parameters=[OpenApiParameter("class", int, required=False, description="only this class's attempts")],
        responses={200: QualificationAttemptOutputSerializer(many=True), 404: ErrorOutputSerializer},
    )
    def get(self, request, project_id: int):
        project = get_object_or_404(Project, pk=project_id)
        class_id = request.query_params.get("class")
        action_class = get_object_or_404(ActionClass, pk=class_id) if class_id and class_id.isdigit() else None
        attempts = list(qualification_attempts(project=project, action_class=action_class)[:1000])
        counting = qualification_attempts_counting(project=project, attempts=attempts)
        return Response([_attempt_row(a, counting) for a in attempts])


class QualificationAttemptResetApi(APIView):
    """An admin resets an attempt: it no longer counts (a pass withdrawn, a failed attempt given back)."""

    permission_classes = [IsAdminUser]

    @extend_schema(
        request=None,
        responses={
            200: inline_serializer("QualificationAttemptReset", {"id": serializers.IntegerField()}),
            404: ErrorOutputSerializer,
        },
    )
    def post(self, request, attempt_id: int):
        attempt = qualification_attempt_reset(
            admin=request.user, attempt=get_object_or_404(QualificationAttempt, pk=attempt_id)
        )
        return Response({"id": attempt.pk})


class QualificationItemsApi(APIView):
    """An admin sets the qualification set's answers (clip uid -> 1 or -1); gold clips are refused."""

    permission_classes = [IsAdminUser]

    class QualificationItemsInputSerializer(serializers.Serializer):
        labels = serializers.DictField(
            child=serializers.ChoiceField(choices=[1, -1]), allow_empty=False, help_text="clip uid -> 1 or -1"
        )

        def validate_labels(self, labels: dict) -> dict:
            return _uid_keys(labels)

    @extend_schema(
        request=QualificationItemsInputSerializer,
        responses={
            200: inline_serializer("QualificationItemsStored", {"stored": serializers.IntegerField()}),
            400: ErrorOutputSerializer,
            409: ErrorOutputSerializer,
        },
    )
    def post(self, request):
        data = self.QualificationItemsInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(
            {"stored": qualification_answers_submit(author=request.user, answers=data.validated_data["labels"])}
        )


class QualificationItemsNextApi(APIView):
    """Qualification mode on the grid (`/grid/<project>/<class>/?mode=qualification`): clips the admin can answer
    for the qualification set, in the gold page's shape (no lease)."""

    permission_classes = [IsAdminUser]

    class QualificationItemsNextInputSerializer(serializers.Serializer):
        project = serializers.IntegerField()
        action_class = serializers.IntegerField()
        size = serializers.IntegerField(required=False, min_value=1, max_value=MAX_PAGE_SIZE)

    @extend_schema(
        request=QualificationItemsNextInputSerializer,
        responses={200: GoldPageOutputSerializer, 400: ErrorOutputSerializer, 404: ErrorOutputSerializer},
    )
    def post(self, request):
        data = self.QualificationItemsNextInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        project = get_object_or_404(Project, pk=data.validated_data["project"])
        action_class = get_object_or_404(ActionClass, pk=data.validated_data["action_class"], is_leaf=True)
        clips = qualification_page_next(
            action_class=action_class, project=project, size=data.validated_data.get("size", project.page_size)
        )
        if not clips:
            raise QueueError(f"no clip of {action_class.name} is free for the qualification set", code="empty")
        return Response(
            admin_page_payload(
                mode="qualification", project=project, action_class=action_class, clips=clips, request=request
            )
        )


class QualificationVideoApi(APIView):
    """An admin sets a qualification video's known segments (the video's class; none: the action is absent). A video
    anyone has annotated, gold included, is refused."""

    permission_classes = [IsAdminUser]

    class QualificationVideoInputSerializer(serializers.Serializer):
        segments = SegmentsField

    @extend_schema(
        request=QualificationVideoInputSerializer,
        responses={
            200: inline_serializer("QualificationVideoStored", {"segments": serializers.ListField()}),
            400: ErrorOutputSerializer,
            404: ErrorOutputSerializer,
            409: ErrorOutputSerializer,
        },
    )
    def put(self, request, video_uid):
        data = self.QualificationVideoInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        answer = segment_video_qualification_set(
            segment_video=get_object_or_404(SegmentVideo, uid=video_uid),
            segments=data.validated_data["segments"],
            author=request.user,
        )
        return Response({"segments": answer.segments})
