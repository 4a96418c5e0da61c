"""Admin API: dashboard data, clarifications, send-back, gold mode."""

import uuid

from django.contrib.auth import get_user_model
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import IsAdminUser
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.catalog.models import ActionClass, Project
from backend.clips import services
from backend.clips.api import media_url
from backend.clips.models import Clip
from backend.quality.selectors import dashboard
from backend.quality.services import clarification_post


class DashboardApi(APIView):
    permission_classes = [IsAdminUser]

    @extend_schema(responses=dict)
    def get(self, request, project_id):
        return Response(dashboard(project=get_object_or_404(Project, pk=project_id)))


class ClarificationPostApi(APIView):
    permission_classes = [IsAdminUser]

    class ClarificationPostInputSerializer(serializers.Serializer):
        text = serializers.CharField(max_length=5000)

    @extend_schema(request=ClarificationPostInputSerializer, responses={201: dict})
    def post(self, request, class_id):
        data = self.ClarificationPostInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        action_class = get_object_or_404(ActionClass, pk=class_id, is_leaf=True)
        try:
            c = clarification_post(admin=request.user, action_class=action_class, text=data.validated_data["text"])
        except ValueError as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_400_BAD_REQUEST)
        return Response({"id": c.pk, "text": c.text}, status=status.HTTP_201_CREATED)


class SendBackApi(APIView):
    permission_classes = [IsAdminUser]

    class SendBackInputSerializer(serializers.Serializer):
        action_class = serializers.IntegerField()

    @extend_schema(request=SendBackInputSerializer, responses=dict)
    def post(self, request, user_id):
        data = self.SendBackInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        annotator = get_object_or_404(get_user_model(), pk=user_id)
        action_class = get_object_or_404(ActionClass, pk=data.validated_data["action_class"])
        count = services.labels_send_back(annotator=annotator, action_class=action_class, admin=request.user)
        return Response({"labels_sent_back": count})


class GoldNextApi(APIView):
    """Gold mode: the admin answers clips on the same grid; answers become the golden set."""

    permission_classes = [IsAdminUser]

    class GoldNextInputSerializer(serializers.Serializer):
        project = serializers.IntegerField()
        action_class = serializers.IntegerField()
        size = serializers.IntegerField(required=False, min_value=1, max_value=services.MAX_PAGE_SIZE)

    @extend_schema(request=GoldNextInputSerializer, responses=dict)
    def post(self, request):
        data = self.GoldNextInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        project = get_object_or_404(Project, pk=data.validated_data["project"])
        action_class = get_object_or_404(ActionClass, pk=data.validated_data["action_class"], is_leaf=True)
        clips = services.gold_page_next(action_class=action_class, project=project,
                                        size=data.validated_data.get("size", project.page_size))
        if not clips:
            return Response({"detail": f"every ready clip of {action_class.name} has a gold answer", "code": "empty"},
                            status=status.HTTP_404_NOT_FOUND)
        groups: dict[int, int] = {}
        items = [{"item": str(c.uid), "group": groups.setdefault(c.video_id, len(groups)),
                  "video_url": media_url(c.media, request), "poster_url": media_url(c.poster, request)}
                 for c in clips]
        return Response({"page": "gold", "project": project.pk,
                         "action_class": {"id": action_class.pk, "name": action_class.name},
                         "default_label": 1, "items": items})


def _is_uuid(text: str) -> bool:
    try:
        uuid.UUID(str(text))
    except ValueError:
        return False
    return True


class GoldSubmitApi(APIView):
    permission_classes = [IsAdminUser]

    class GoldSubmitInputSerializer(serializers.Serializer):
        labels = serializers.DictField(child=serializers.ChoiceField(choices=[1, -1]), allow_empty=False,
                                       help_text="clip uid -> 1 or -1")

        def validate_labels(self, labels: dict) -> dict:
            # The keys are clip uids: anything else is a bad request, not a database error (schemathesis found it).
            bad = [key for key in labels if not _is_uuid(key)]
            if bad:
                raise serializers.ValidationError(f"{len(bad)} key(s) are not clip ids, e.g. {bad[0][:40]!r}")
            return labels

    @extend_schema(request=GoldSubmitInputSerializer, responses=dict)
    def post(self, request):
        data = self.GoldSubmitInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        labels = data.validated_data["labels"]
        clips = {str(c.uid): c for c in Clip.objects.filter(uid__in=list(labels))}
        if len(clips) != len(labels):
            return Response({"detail": "unknown clip(s)"}, status=status.HTTP_400_BAD_REQUEST)
        for uid, value in labels.items():
            services.clip_gold_set(clip=clips[uid], value=value, author=request.user)
        return Response({"stored": len(labels)})
