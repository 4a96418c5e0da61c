"""Admin API of the guided "add a class" flow (backend/catalog/class_setup.py holds the rules)."""

from dataclasses import asdict

from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import IsAdminUser
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.catalog.models import ActionClass, AnnotatorGroup, ClassSetup, GuidelineExample, Project
from backend.clips.models import Clip
from backend.core.media import media_url
from backend.core.schema import ErrorOutputSerializer
from backend.curation import class_setup

EXAMPLE_CANDIDATES = 60


def setup_payload(setup: ClassSetup, request) -> dict:
    action_class = setup.action_class
    roles = dict(GuidelineExample.objects.filter(guideline__action_class=action_class).values_list("clip_id", "kind"))
    clips = Clip.objects.filter(
        action_class=action_class, video__project=setup.project, media_state=Clip.MediaState.READY
    ).order_by("video_id", "start")[:EXAMPLE_CANDIDATES]
    return {
        "id": setup.pk,
        "project": setup.project_id,
        "action_class": {
            "id": action_class.pk,
            "name": action_class.name,
            "parent": action_class.parent.name if action_class.parent else None,
        },
        "definition": action_class.guideline.definition,
        "mining_enabled": setup.project.mining_enabled,
        "steps_done": sorted(setup.step_done_at, key=ClassSetup.STEPS.index),
        "finished": setup.finished_at is not None,
        "progress": asdict(class_setup.class_setup_progress(setup=setup)),
        "minutes": class_setup.class_setup_minutes(setup=setup),
        "clips": [
            {
                "uid": str(c.uid),
                "video": c.video_id,
                "video_url": media_url(c.media, request),
                "poster_url": media_url(c.poster, request),
                "example": roles.get(c.pk),
            }
            for c in clips
        ],
        "grid_url": reverse("grid", args=[setup.project_id, action_class.pk]),
        "upload": {"project": setup.project_id, "action_class": action_class.pk},
    }


class ClassSetupClassOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    parent = serializers.CharField(allow_null=True, help_text="the parent class's name")


class ClassSetupProgressOutputSerializer(serializers.Serializer):
    """class_setup.SetupProgress."""

    videos = serializers.IntegerField()
    videos_removed = serializers.IntegerField()
    jobs_running = serializers.IntegerField()
    jobs_failed = serializers.IntegerField()
    job_progress = serializers.FloatField(help_text="mean over the class's mining jobs, 0..1")
    clips = serializers.IntegerField()
    clips_ready = serializers.IntegerField()
    positive_examples = serializers.IntegerField()
    hard_negative_examples = serializers.IntegerField()
    sampling_note = serializers.CharField(help_text="why mining gave the class's videos Random clips; empty if not")


class ClassSetupMinutesOutputSerializer(serializers.Serializer):
    steps = serializers.DictField(child=serializers.FloatField(), help_text="step -> minutes it took")
    total = serializers.FloatField(allow_null=True, help_text="null until finished")


class ClassSetupClipOutputSerializer(serializers.Serializer):
    uid = serializers.UUIDField()
    video = serializers.IntegerField()
    video_url = serializers.CharField()
    poster_url = serializers.CharField()
    example = serializers.CharField(
        allow_null=True, help_text="its guideline example role (positive or hard_negative), if any"
    )


class ClassSetupUploadOutputSerializer(serializers.Serializer):
    """What the video upload (POST /api/videos/) needs besides the file."""

    project = serializers.IntegerField()
    action_class = serializers.IntegerField()


class ClassSetupOutputSerializer(serializers.Serializer):
    """setup_payload: the flow's state."""

    id = serializers.IntegerField()
    project = serializers.IntegerField()
    action_class = ClassSetupClassOutputSerializer()
    definition = serializers.CharField(allow_blank=True)
    mining_enabled = serializers.BooleanField()
    steps_done = serializers.ListField(child=serializers.ChoiceField(choices=ClassSetup.STEPS))
    finished = serializers.BooleanField()
    progress = ClassSetupProgressOutputSerializer()
    minutes = ClassSetupMinutesOutputSerializer()
    clips = ClassSetupClipOutputSerializer(many=True, help_text=f"example candidates, {EXAMPLE_CANDIDATES} at most")
    grid_url = serializers.CharField()
    upload = ClassSetupUploadOutputSerializer()


class ClassSetupStartApi(APIView):
    permission_classes = [IsAdminUser]

    class ClassSetupStartInputSerializer(serializers.Serializer):
        # messages a person can act on (the page shows them under the field, issue 14), not "may not be blank"
        name = serializers.CharField(
            max_length=200,
            error_messages={
                "blank": "Type the new class's name (e.g. Juggling clubs).",
                "required": "Type the new class's name (e.g. Juggling clubs).",
                "max_length": "A class name has at most 200 characters; shorten it.",
            },
        )
        parent = serializers.IntegerField(required=False, allow_null=True)
        group = serializers.IntegerField(
            error_messages={
                key: "Pick the annotator group that will label this class." for key in ("invalid", "null", "required")
            }
        )
        started_at = serializers.DateTimeField(help_text="when the admin opened the flow")

    @extend_schema(
        request=ClassSetupStartInputSerializer,
        responses={201: ClassSetupOutputSerializer, 400: ErrorOutputSerializer, 404: ErrorOutputSerializer},
    )
    def post(self, request, project_id):
        project = get_object_or_404(Project, pk=project_id)
        data = self.ClassSetupStartInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        parent_id = data.validated_data.get("parent")
        parent = get_object_or_404(ActionClass, pk=parent_id) if parent_id else None
        group = get_object_or_404(AnnotatorGroup, pk=data.validated_data["group"])
        setup = class_setup.class_setup_start(
            project=project,
            name=data.validated_data["name"],
            parent=parent,
            group=group,
            created_by=request.user,
            started_at=data.validated_data["started_at"],
        )
        return Response(setup_payload(setup, request), status=status.HTTP_201_CREATED)


class ClassSetupApi(APIView):
    permission_classes = [IsAdminUser]

    @extend_schema(responses={200: ClassSetupOutputSerializer, 404: ErrorOutputSerializer})
    def get(self, request, setup_id):
        return Response(setup_payload(get_object_or_404(ClassSetup, pk=setup_id), request))


class ClassSetupGuidelineApi(APIView):
    permission_classes = [IsAdminUser]

    class ClassSetupGuidelineInputSerializer(serializers.Serializer):
        definition = serializers.CharField(max_length=5000, allow_blank=True)

    @extend_schema(
        request=ClassSetupGuidelineInputSerializer,
        responses={200: ClassSetupOutputSerializer, 400: ErrorOutputSerializer, 404: ErrorOutputSerializer},
    )
    def put(self, request, setup_id):
        setup = get_object_or_404(ClassSetup, pk=setup_id)
        data = self.ClassSetupGuidelineInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        class_setup.class_setup_guideline(setup=setup, definition=data.validated_data["definition"])
        return Response(setup_payload(setup, request))


class ClassSetupExampleApi(APIView):
    permission_classes = [IsAdminUser]

    class ClassSetupExampleInputSerializer(serializers.Serializer):
        clip = serializers.UUIDField()
        kind = serializers.ChoiceField(choices=GuidelineExample.Kind.values, allow_null=True)

    @extend_schema(
        request=ClassSetupExampleInputSerializer,
        responses={200: ClassSetupOutputSerializer, 400: ErrorOutputSerializer, 404: ErrorOutputSerializer},
    )
    def post(self, request, setup_id):
        setup = get_object_or_404(ClassSetup, pk=setup_id)
        data = self.ClassSetupExampleInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        clip = get_object_or_404(Clip, uid=data.validated_data["clip"])
        class_setup.class_setup_example(setup=setup, clip=clip, kind=data.validated_data["kind"])
        return Response(setup_payload(setup, request))


class ClassSetupStepApi(APIView):
    permission_classes = [IsAdminUser]

    class ClassSetupStepInputSerializer(serializers.Serializer):
        step = serializers.ChoiceField(choices=["videos", "mining", "examples"])

    @extend_schema(
        request=ClassSetupStepInputSerializer,
        responses={200: ClassSetupOutputSerializer, 400: ErrorOutputSerializer, 404: ErrorOutputSerializer},
    )
    def post(self, request, setup_id):
        setup = get_object_or_404(ClassSetup, pk=setup_id)
        data = self.ClassSetupStepInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        class_setup.class_setup_step_done(setup=setup, step=data.validated_data["step"])
        return Response(setup_payload(setup, request))


class ClassSetupFinishApi(APIView):
    permission_classes = [IsAdminUser]

    @extend_schema(
        request=None,
        responses={200: ClassSetupOutputSerializer, 400: ErrorOutputSerializer, 404: ErrorOutputSerializer},
    )
    def post(self, request, setup_id):
        setup = get_object_or_404(ClassSetup, pk=setup_id)
        class_setup.class_setup_finish(setup=setup)
        return Response(setup_payload(setup, request))
