"""Annotator API: queues, pages, submit. Thin views: validate, call a service, answer.

What an annotator receives never names a clip, a video, a score or a gold flag: items are addressed by the page
item's uid, grouped by an index that is only meaningful within the page.
"""

from __future__ import annotations

import uuid

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import IsAdminUser
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.catalog.access import annotator_classes, check_class_access, clarification_ack
from backend.catalog.models import ActionClass, Clarification, Project
from backend.clips import services
from backend.clips.models import Page
from backend.core.media import media_url
from backend.core.schema import ErrorOutputSerializer, IdNameOutputSerializer


def grid_items(pairs, request) -> list[dict]:
    """The grid's items for (item uid, clip) pairs in page order: clips of one video share a group number (the grid
    shows them side by side), media by URL. One shape for an annotator's page, an admin's gold or qualification
    page, and a qualification set."""
    groups: dict[int, int] = {}
    return [
        {
            "item": str(uid),
            "group": groups.setdefault(clip.video_id, len(groups)),
            "video_url": media_url(clip.media, request),
            "poster_url": media_url(clip.poster, request),
        }
        for uid, clip in pairs
    ]


def admin_page_payload(*, mode: str, project: Project, action_class: ActionClass, clips, request) -> dict:
    """A page an admin answers (gold mode, qualification mode): the clips grouped by video as an annotator's page
    is, nothing leased; the admin's answers go to the mode's own submit."""
    return {
        "page": mode,
        "project": project.pk,
        "action_class": {"id": action_class.pk, "name": action_class.name},
        "default_label": 1,
        "items": grid_items([(c.uid, c) for c in clips], request),
    }


def page_payload(page: Page, request) -> dict:
    page_items = page.items.select_related("clip").order_by("position")
    items = grid_items([(item.uid, item.clip) for item in page_items], request)
    return {
        "page": str(page.uid),
        "project": page.project_id,
        "action_class": {"id": page.action_class_id, "name": page.action_class.name},
        "default_label": 1 if page.project.default_label == Project.DefaultLabel.POSITIVE else -1,
        "expires_at": page.expires_at.isoformat(),
        "items": items,
        # Submit is refused sooner than this after the page is shown (POST …/shown/): the tool waits as long.
        "min_seconds": services.page_submit_floor(len(items)),
    }


class QueueListApi(APIView):
    @extend_schema(
        responses=inline_serializer(
            "Queue",
            {
                "project": serializers.IntegerField(),
                "project_name": serializers.CharField(),
                "action_class": serializers.IntegerField(),
                "name": serializers.CharField(),
                "waiting": serializers.IntegerField(),
                "qualified": serializers.BooleanField(help_text="false: qualify first (/qualify/<project>/<class>/)"),
            },
            many=True,
        )
    )
    def get(self, request):
        out = []
        for queue in annotator_classes(request.user):
            project, cls = queue.project, queue.action_class
            waiting = services.queue_counts(annotator=request.user, project=project, action_class=cls)
            out.append(
                {
                    "project": project.pk,
                    "project_name": project.name,
                    "action_class": cls.pk,
                    "name": cls.name,
                    "waiting": waiting,
                    "qualified": queue.qualified,
                }
            )
        return Response(out)


class PageItemOutputSerializer(serializers.Serializer):
    item = serializers.UUIDField(help_text="the page item's uid (on a gold page: the clip's)")
    group = serializers.IntegerField(help_text="items of one video share a group, numbered within the page")
    video_url = serializers.CharField(help_text="absolute URL, or empty when the clip has no media")
    poster_url = serializers.CharField(help_text="absolute URL, or empty")


class PageOutputSerializer(serializers.Serializer):
    """page_payload: a leased page of clips to label."""

    page = serializers.UUIDField()
    project = serializers.IntegerField()
    action_class = IdNameOutputSerializer()
    default_label = serializers.IntegerField(help_text="1 or -1: the label a clip has until it is clicked")
    expires_at = serializers.DateTimeField(help_text="end of the lease")
    items = PageItemOutputSerializer(many=True)
    min_seconds = serializers.FloatField(help_text="a submit sooner than this after the page is shown is refused")


class PageNextApi(APIView):
    class PageNextInputSerializer(serializers.Serializer):
        project = serializers.IntegerField()
        action_class = serializers.IntegerField()
        size = serializers.IntegerField(required=False, min_value=1, max_value=services.MAX_PAGE_SIZE)
        after = serializers.UUIDField(required=False, help_text="current page: lease the one after it (prefetch)")

    @extend_schema(
        request=PageNextInputSerializer,
        responses={
            200: PageOutputSerializer,
            400: ErrorOutputSerializer,
            403: ErrorOutputSerializer,
            404: ErrorOutputSerializer,
            409: ErrorOutputSerializer,
        },
    )
    def post(self, request):
        data = self.PageNextInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        project = get_object_or_404(Project, pk=data.validated_data["project"])
        action_class = get_object_or_404(ActionClass, pk=data.validated_data["action_class"], is_leaf=True)
        page = services.page_next(
            annotator=request.user,
            project=project,
            action_class=action_class,
            size=data.validated_data.get("size"),
            after=data.validated_data.get("after"),
        )
        return Response(page_payload(page, request))


class PageSubmitApi(APIView):
    class PageSubmitInputSerializer(serializers.Serializer):
        labels = serializers.DictField(child=serializers.IntegerField(), allow_empty=False)
        seconds_spent = serializers.FloatField(min_value=0, max_value=24 * 3600)
        submit_token = serializers.CharField(
            max_length=64, required=False, default="", help_text="one per page shown in a tab: a retry repeats it"
        )

    class PageSubmitOutputSerializer(serializers.Serializer):
        stored = serializers.IntegerField(help_text="labels stored")
        dropped = serializers.IntegerField(help_text="labels not stored")
        already_submitted = serializers.BooleanField(help_text="a retried submit: nothing new was stored")

    @extend_schema(
        request=PageSubmitInputSerializer,
        responses={
            200: PageSubmitOutputSerializer,
            400: ErrorOutputSerializer,
            404: ErrorOutputSerializer,
            409: ErrorOutputSerializer,
        },
    )
    def post(self, request, page_uid):
        data = self.PageSubmitInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        result = services.page_submit(annotator=request.user, page_uid=page_uid, **data.validated_data)
        return Response(
            {"stored": result.stored, "dropped": result.dropped, "already_submitted": result.already_submitted}
        )


class PageShownApi(APIView):
    """The tool put the page on screen: the submit floor counts from here (a prefetched page was leased before)."""

    @extend_schema(request=None, responses={204: None})
    def post(self, request, page_uid):
        services.page_shown(annotator=request.user, page_uid=page_uid)
        return Response(status=status.HTTP_204_NO_CONTENT)


class GuidelineExampleOutputSerializer(serializers.Serializer):
    kind = serializers.CharField(help_text="positive or hard_negative")
    note = serializers.CharField(allow_blank=True)
    video_url = serializers.CharField()
    poster_url = serializers.CharField()


class GuidelineClarificationOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    text = serializers.CharField()
    created_at = serializers.DateTimeField()
    acknowledged = serializers.BooleanField(help_text="by the caller")


class GuidelineOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    parent = serializers.CharField(allow_null=True, help_text="the parent class's name")
    definition = serializers.CharField(allow_blank=True)
    examples = GuidelineExampleOutputSerializer(many=True)
    clarifications = GuidelineClarificationOutputSerializer(many=True)


class GuidelineApi(APIView):
    @extend_schema(responses={200: GuidelineOutputSerializer, 403: ErrorOutputSerializer, 404: ErrorOutputSerializer})
    def get(self, request, class_id):
        action_class = get_object_or_404(ActionClass, pk=class_id, is_leaf=True)
        check_class_access(user=request.user, action_class=action_class, staff_ok=True)
        guideline = getattr(action_class, "guideline", None)
        examples = []
        if guideline:
            for ex in guideline.examples.select_related("clip"):
                examples.append(
                    {
                        "kind": ex.kind,
                        "note": ex.note,
                        "video_url": media_url(ex.clip.media, request),
                        "poster_url": media_url(ex.clip.poster, request),
                    }
                )
        clarifications = [
            {
                "id": c.pk,
                "text": c.text,
                "created_at": c.created_at.isoformat(),
                "acknowledged": c.acknowledged_by.filter(pk=request.user.pk).exists(),
            }
            for c in action_class.clarifications.all()
        ]
        return Response(
            {
                "id": action_class.pk,
                "name": action_class.name,
                "parent": action_class.parent.name if action_class.parent else None,
                "definition": guideline.definition if guideline else "",
                "examples": examples,
                "clarifications": clarifications,
            }
        )


class ClarificationAckApi(APIView):
    @extend_schema(request=None, responses={204: None, 403: ErrorOutputSerializer, 404: ErrorOutputSerializer})
    def post(self, request, clarification_id):
        clarification = get_object_or_404(Clarification, pk=clarification_id)
        clarification_ack(user=request.user, clarification=clarification)
        return Response(status=status.HTTP_204_NO_CONTENT)


class GoldPageOutputSerializer(serializers.Serializer):
    """A gold page: the grid's page shape, its items addressed by clip uid, with no lease."""

    page = serializers.CharField(help_text='always "gold"')
    project = serializers.IntegerField()
    action_class = IdNameOutputSerializer()
    default_label = serializers.IntegerField(help_text="1 (positive) or -1")
    items = PageItemOutputSerializer(many=True)


class GoldNextApi(APIView):
    """Gold mode: the admin answers clips on the same grid; answers become the golden set."""

    permission_classes = [IsAdminUser]

    class GoldNextInputSerializer(serializers.Serializer):
        project = serializers.IntegerField()
        action_class = serializers.IntegerField()
        size = serializers.IntegerField(required=False, min_value=1, max_value=services.MAX_PAGE_SIZE)

    @extend_schema(
        request=GoldNextInputSerializer,
        responses={200: GoldPageOutputSerializer, 400: ErrorOutputSerializer, 404: ErrorOutputSerializer},
    )
    def post(self, request):
        data = self.GoldNextInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        project = get_object_or_404(Project, pk=data.validated_data["project"])
        action_class = get_object_or_404(ActionClass, pk=data.validated_data["action_class"], is_leaf=True)
        clips = services.gold_page_next(
            action_class=action_class, project=project, size=data.validated_data.get("size", project.page_size)
        )
        if not clips:
            raise services.QueueError(f"every ready clip of {action_class.name} has a gold answer", code="empty")
        return Response(
            admin_page_payload(mode="gold", project=project, action_class=action_class, clips=clips, request=request)
        )


def _is_uuid(text: str) -> bool:
    try:
        uuid.UUID(str(text))
    except ValueError:
        return False
    return True


class GoldSubmitApi(APIView):
    permission_classes = [IsAdminUser]

    class GoldSubmitInputSerializer(serializers.Serializer):
        labels = serializers.DictField(
            child=serializers.ChoiceField(choices=[1, -1]), allow_empty=False, help_text="clip uid -> 1 or -1"
        )

        def validate_labels(self, labels: dict) -> dict:
            # The keys are clip uids: anything else is a bad request, not a database error (schemathesis found it).
            bad = [key for key in labels if not _is_uuid(key)]
            if bad:
                raise serializers.ValidationError(f"{len(bad)} key(s) are not clip ids, e.g. {bad[0][:40]!r}")
            return labels

    @extend_schema(
        request=GoldSubmitInputSerializer,
        responses=inline_serializer("GoldStored", {"stored": serializers.IntegerField()}),
    )
    def post(self, request):
        data = self.GoldSubmitInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(
            {"stored": services.gold_answers_submit(author=request.user, answers=data.validated_data["labels"])}
        )


class PingApi(APIView):
    """The cheapest authenticated request (session, user, CSRF-exempt GET): the load benchmark's yardstick."""

    @extend_schema(responses=inline_serializer("Ping", {"ok": serializers.BooleanField()}))
    def get(self, request):
        return Response({"ok": True})
