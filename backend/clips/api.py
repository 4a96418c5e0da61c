"""Annotator API: queues, pages, submit. Thin views: validate, call a service, answer.

What an annotator receives never names a clip, a video, a score or a gold flag: items are addressed by the page
item's uid, grouped by an index that is only meaningful within the page.
"""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.catalog.models import ActionClass, Clarification, Project
from backend.clips import services
from backend.clips.models import Page
from backend.quality.models import AnnotatorGroup
from backend.quality.selectors import annotator_accuracy
from backend.quality.services import clarification_ack

QUEUE_ERROR_STATUS = {"forbidden": 403, "not_found": 404, "clarification": 409, "empty": 404, "invalid": 400}


def queue_error_response(exc: services.QueueError) -> Response:
    return Response({"detail": str(exc), "code": exc.code, **exc.extra}, status=QUEUE_ERROR_STATUS[exc.code])


def media_url(field, request) -> str:
    return request.build_absolute_uri(field.url) if field else ""


def page_payload(page: Page, request) -> dict:
    groups: dict[int, int] = {}
    items = []
    for item in page.items.select_related("clip").order_by("position"):
        group = groups.setdefault(item.clip.video_id, len(groups))
        items.append({"item": str(item.uid), "group": group, "video_url": media_url(item.clip.media, request),
                      "poster_url": media_url(item.clip.poster, request)})
    return {
        "page": str(page.uid), "project": page.project_id, "action_class": {"id": page.action_class_id,
                                                                               "name": page.action_class.name},
        "default_label": 1 if page.project.default_label == Project.DefaultLabel.POSITIVE else -1,
        "expires_at": page.expires_at.isoformat(), "items": items,
    }


class QueueListApi(APIView):
    @extend_schema(responses=inline_serializer("Queue", {"project": serializers.IntegerField(),
                                                         "action_class": serializers.IntegerField(),
                                                         "name": serializers.CharField(),
                                                         "waiting": serializers.IntegerField()}, many=True))
    def get(self, request):
        out = []
        for group in AnnotatorGroup.objects.filter(members=request.user).select_related("project"):
            for cls in group.classes.order_by("name"):
                waiting = services.queue_counts(annotator=request.user, project=group.project, action_class=cls)
                out.append({"project": group.project_id, "project_name": group.project.name,
                            "action_class": cls.pk, "name": cls.name, "waiting": waiting})
        return Response(out)


class PageNextApi(APIView):
    class PageNextInputSerializer(serializers.Serializer):
        project = serializers.IntegerField()
        action_class = serializers.IntegerField()
        size = serializers.IntegerField(required=False, min_value=1, max_value=services.MAX_PAGE_SIZE)
        after = serializers.UUIDField(required=False, help_text="current page: lease the one after it (prefetch)")

    @extend_schema(request=PageNextInputSerializer, responses={200: dict, 404: dict, 409: dict})
    def post(self, request):
        data = self.PageNextInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        project = get_object_or_404(Project, pk=data.validated_data["project"])
        action_class = get_object_or_404(ActionClass, pk=data.validated_data["action_class"], is_leaf=True)
        try:
            page = services.page_next(annotator=request.user, project=project, action_class=action_class,
                                      size=data.validated_data.get("size"), after=data.validated_data.get("after"))
        except services.QueueError as exc:
            return queue_error_response(exc)
        return Response(page_payload(page, request))


class PageSubmitApi(APIView):
    class PageSubmitInputSerializer(serializers.Serializer):
        labels = serializers.DictField(child=serializers.IntegerField(), allow_empty=False)
        seconds_spent = serializers.FloatField(min_value=0, max_value=24 * 3600)

    @extend_schema(request=PageSubmitInputSerializer, responses={200: dict})
    def post(self, request, page_uid):
        data = self.PageSubmitInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            result = services.page_submit(annotator=request.user, page_uid=page_uid, **data.validated_data)
        except services.QueueError as exc:
            return queue_error_response(exc)
        return Response({"stored": result.stored, "dropped": result.dropped,
                         "already_submitted": result.already_submitted})


class GuidelineApi(APIView):
    @extend_schema(responses=dict)
    def get(self, request, class_id):
        action_class = get_object_or_404(ActionClass, pk=class_id, is_leaf=True)
        if not (request.user.is_staff or AnnotatorGroup.objects.filter(members=request.user,
                                                                        classes=action_class).exists()):
            return Response({"detail": "not your class"}, status=status.HTTP_403_FORBIDDEN)
        guideline = getattr(action_class, "guideline", None)
        examples = []
        if guideline:
            for ex in guideline.examples.select_related("clip"):
                examples.append({"kind": ex.kind, "note": ex.note, "video_url": media_url(ex.clip.media, request),
                                 "poster_url": media_url(ex.clip.poster, request)})
        clarifications = [
            {"id": c.pk, "text": c.text, "created_at": c.created_at.isoformat(),
             "acknowledged": c.acknowledged_by.filter(pk=request.user.pk).exists()}
            for c in action_class.clarifications.all()
        ]
        return Response({"id": action_class.pk, "name": action_class.name,
                         "parent": action_class.parent.name if action_class.parent else None,
                         "definition": guideline.definition if guideline else "",
                         "examples": examples, "clarifications": clarifications})


class ClarificationAckApi(APIView):
    @extend_schema(request=None, responses={204: None})
    def post(self, request, clarification_id):
        clarification = get_object_or_404(Clarification, pk=clarification_id)
        if not AnnotatorGroup.objects.filter(members=request.user, classes=clarification.action_class).exists():
            return Response({"detail": "not your class"}, status=status.HTTP_403_FORBIDDEN)
        clarification_ack(user=request.user, clarification=clarification)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeApi(APIView):
    @extend_schema(responses=dict)
    def get(self, request):
        acc = annotator_accuracy(annotator=request.user)
        # The figure only: which of the annotator's clips were gold is never said.
        return Response({"username": request.user.username, "is_admin": request.user.is_staff,
                         "accuracy": round(acc.accuracy, 2) if acc.accuracy is not None else None})


class PingApi(APIView):
    """The cheapest authenticated request (session, user, CSRF-exempt GET): the load benchmark's yardstick."""

    @extend_schema(responses=inline_serializer("Ping", {"ok": serializers.BooleanField()}))
    def get(self, request):
        return Response({"ok": True})
