"""Admin API: dashboard data, clarifications, send-back of clip labels and segment annotations; the annotator's
own accuracy figure."""

from django.contrib.auth import get_user_model
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import IsAdminUser
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.catalog.access import clarification_post
from backend.catalog.models import ActionClass, Project
from backend.core.schema import ErrorOutputSerializer
from backend.quality import services
from backend.quality.selectors import annotator_accuracy_shown, annotator_segment_f1_shown
from backend.quality.selectors_dashboard import dashboard, dashboard_class


class DashboardAccuracyOutputSerializer(serializers.Serializer):
    gold_answers = serializers.IntegerField(help_text="labels on gold clips")
    correct = serializers.IntegerField()
    accuracy = serializers.FloatField(allow_null=True, help_text="correct / gold_answers; null without gold answers")
    flagged = serializers.BooleanField(help_text="below the project's accuracy gate")


# "class" is a Python keyword: the serializers with a "class" field are built with type().
DashboardClassAccuracyOutputSerializer = type(
    "DashboardClassAccuracyOutputSerializer",
    (DashboardAccuracyOutputSerializer,),
    {"class_id": serializers.IntegerField(), "class": serializers.CharField()},
)


class DashboardAnnotatorOutputSerializer(DashboardAccuracyOutputSerializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    labels = serializers.IntegerField(help_text="active labels in this project")
    seconds_per_clip = serializers.FloatField(allow_null=True)
    clips_per_hour = serializers.FloatField(allow_null=True)
    median_seconds_per_clip = serializers.FloatField(allow_null=True)
    too_fast = serializers.BooleanField(
        help_text="median seconds per clip below the project's floor (settings.FAST_SECONDS_PER_CLIP) with enough labels"
    )
    flagged_classes = DashboardClassAccuracyOutputSerializer(
        many=True, help_text="the classes where the annotator is below the gate (the full breakdown: per class)"
    )


DashboardProgressOutputSerializer = type(
    "DashboardProgressOutputSerializer",
    (serializers.Serializer,),
    {
        "class_id": serializers.IntegerField(),
        "class": serializers.CharField(),
        "gold": serializers.IntegerField(help_text="gold clips"),
        "sampled": serializers.IntegerField(help_text="clips to label (not gold, not guideline examples)"),
        "ready": serializers.IntegerField(help_text="of those, with media"),
        "once": serializers.IntegerField(),
        "twice": serializers.IntegerField(),
        "thrice": serializers.IntegerField(help_text="three labels or more"),
        "consensus": serializers.IntegerField(help_text="decided"),
        "positive": serializers.IntegerField(),
    },
)


class DashboardProjectOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    accuracy_gate = serializers.FloatField()
    consensus_mode = serializers.ChoiceField(choices=Project.ConsensusMode.values)
    gold_rate = serializers.FloatField()
    fast_seconds_per_clip = serializers.FloatField()
    fast_min_labels = serializers.IntegerField()
    qualification_required = serializers.BooleanField(help_text="annotators qualify before real work")
    qualification_scope = serializers.ChoiceField(
        choices=Project.QualificationScope.values, help_text="class: a pass opens its class; project: every class"
    )


class DashboardOutputSerializer(serializers.Serializer):
    """selectors.dashboard."""

    project = DashboardProjectOutputSerializer()
    annotators = DashboardAnnotatorOutputSerializer(many=True)
    progress = DashboardProgressOutputSerializer(many=True)
    agreement_rate = serializers.FloatField(
        allow_null=True, help_text="share of consensus decisions that were unanimous"
    )
    consensus_clips = serializers.IntegerField()
    label_sources = serializers.DictField(
        child=serializers.IntegerField(),
        help_text="decided clips by where their label came from: single, unanimous, majority, adjudicated, imported",
    )


class DashboardApi(APIView):
    permission_classes = [IsAdminUser]

    @extend_schema(responses={200: DashboardOutputSerializer, 404: ErrorOutputSerializer})
    def get(self, request, project_id):
        return Response(dashboard(project=get_object_or_404(Project, pk=project_id)))


class DashboardClassAnnotatorOutputSerializer(DashboardAccuracyOutputSerializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    labels = serializers.IntegerField(help_text="active labels in this class")


DashboardClassOutputSerializer = type(
    "DashboardClassOutputSerializer",
    (serializers.Serializer,),
    {
        "class_id": serializers.IntegerField(),
        "class": serializers.CharField(),
        "accuracy_gate": serializers.FloatField(),
        "annotators": DashboardClassAnnotatorOutputSerializer(many=True),
        "labels_per_day": inline_serializer(
            "DashboardLabelsPerDay", {"day": serializers.DateField(), "labels": serializers.IntegerField()}, many=True
        ),
    },
)


class DashboardClassApi(APIView):
    """selectors_dashboard.dashboard_class: one class's per-annotator figures, fetched when the admin opens it."""

    permission_classes = [IsAdminUser]

    @extend_schema(responses={200: DashboardClassOutputSerializer, 404: ErrorOutputSerializer})
    def get(self, request, project_id, class_id):
        project = get_object_or_404(Project, pk=project_id)
        action_class = get_object_or_404(
            ActionClass.objects.filter(annotator_groups__project=project).distinct(), pk=class_id
        )
        return Response(dashboard_class(project=project, action_class=action_class))


class ClarificationPostApi(APIView):
    permission_classes = [IsAdminUser]

    class ClarificationPostInputSerializer(serializers.Serializer):
        text = serializers.CharField(max_length=5000)
        changes_guideline = serializers.BooleanField(
            default=False, help_text="annotators of the class must qualify again (where the project requires it)"
        )

    @extend_schema(
        request=ClarificationPostInputSerializer,
        responses={
            201: inline_serializer(
                "ClarificationPosted",
                {
                    "id": serializers.IntegerField(),
                    "text": serializers.CharField(),
                    "changes_guideline": serializers.BooleanField(),
                },
            )
        },
    )
    def post(self, request, class_id):
        data = self.ClarificationPostInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        action_class = get_object_or_404(ActionClass, pk=class_id, is_leaf=True)
        c = clarification_post(
            admin=request.user,
            action_class=action_class,
            text=data.validated_data["text"],
            changes_guideline=data.validated_data["changes_guideline"],
        )
        return Response(
            {"id": c.pk, "text": c.text, "changes_guideline": c.changes_guideline}, status=status.HTTP_201_CREATED
        )


class SendBackInputSerializer(serializers.Serializer):
    action_class = serializers.IntegerField()


def _send_back_args(request, user_id) -> dict:
    data = SendBackInputSerializer(data=request.data)
    data.is_valid(raise_exception=True)
    return {
        "annotator": get_object_or_404(get_user_model(), pk=user_id),
        "action_class": get_object_or_404(ActionClass, pk=data.validated_data["action_class"]),
        "admin": request.user,
    }


class SendBackApi(APIView):
    permission_classes = [IsAdminUser]

    @extend_schema(
        request=SendBackInputSerializer,
        responses=inline_serializer("LabelsSentBack", {"labels_sent_back": serializers.IntegerField()}),
    )
    def post(self, request, user_id):
        return Response({"labels_sent_back": services.clip_labels_send_back(**_send_back_args(request, user_id))})


class SegmentSendBackApi(APIView):
    permission_classes = [IsAdminUser]

    @extend_schema(
        request=SendBackInputSerializer,
        responses=inline_serializer("AnnotationsSentBack", {"annotations_sent_back": serializers.IntegerField()}),
    )
    def post(self, request, user_id):
        count = services.segment_annotations_send_back(**_send_back_args(request, user_id))
        return Response({"annotations_sent_back": count})


class MeApi(APIView):
    @extend_schema(
        responses=inline_serializer(
            "Me",
            {
                "username": serializers.CharField(),
                "is_admin": serializers.BooleanField(),
                "accuracy": serializers.FloatField(allow_null=True),
            },
        )
    )
    def get(self, request):
        # The figure only, and only per block of pages: which clips or pages held gold is never said.
        return Response(
            {
                "username": request.user.username,
                "is_admin": request.user.is_staff,
                "accuracy": annotator_accuracy_shown(annotator=request.user),
            }
        )


class SegmentMeApi(APIView):
    @extend_schema(responses=inline_serializer("SegmentMe", {"f1": serializers.FloatField(allow_null=True)}))
    def get(self, request):
        # The figure only, per block of videos: which videos were gold is never said.
        return Response({"f1": annotator_segment_f1_shown(annotator=request.user)})
