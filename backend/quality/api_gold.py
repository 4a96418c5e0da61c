"""Admin API: gold candidates (confirm, dismiss) and segment agreement per annotator and class (issue 15 items 3-4)."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import IsAdminUser
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.catalog.models import ActionClass, Project
from backend.clips.models import Clip
from backend.core.schema import ErrorOutputSerializer
from backend.quality import services
from backend.quality.selectors_agreement import segment_agreement
from backend.quality.selectors_gold import gold_candidates

GoldCandidateOutputSerializer = type(
    "GoldCandidateOutputSerializer",
    (serializers.Serializer,),
    {
        "clip_id": serializers.IntegerField(),
        "clip_uid": serializers.UUIDField(),
        "class_id": serializers.IntegerField(),
        "class": serializers.CharField(),
        "video": serializers.CharField(),
        "start": serializers.FloatField(),
        "end": serializers.FloatField(),
        "value": serializers.IntegerField(help_text="the label every annotator gave: 1 or -1"),
        "annotators": serializers.ListField(child=serializers.CharField()),
    },
)


class GoldCandidatesApi(APIView):
    permission_classes = [IsAdminUser]

    @extend_schema(
        responses={
            200: inline_serializer("GoldCandidates", {"candidates": GoldCandidateOutputSerializer(many=True)}),
            404: ErrorOutputSerializer,
        }
    )
    def get(self, request, project_id):
        project = get_object_or_404(Project, pk=project_id)
        return Response({"candidates": gold_candidates(project=project)})


class GoldCandidateConfirmApi(APIView):
    permission_classes = [IsAdminUser]

    @extend_schema(
        request=None,
        responses={
            200: inline_serializer("GoldCandidateConfirmed", {"gold": serializers.IntegerField()}),
            404: ErrorOutputSerializer,
            409: ErrorOutputSerializer,
        },
    )
    def post(self, request, clip_uid):
        gold = services.gold_candidate_confirm(clip=get_object_or_404(Clip, uid=clip_uid), admin=request.user)
        return Response({"gold": gold.value})


class GoldCandidateDismissApi(APIView):
    permission_classes = [IsAdminUser]

    @extend_schema(
        request=None,
        responses={
            200: inline_serializer("GoldCandidateDismissed", {"dismissed": serializers.BooleanField()}),
            404: ErrorOutputSerializer,
        },
    )
    def post(self, request, clip_uid):
        services.gold_candidate_dismiss(clip=get_object_or_404(Clip, uid=clip_uid), admin=request.user)
        return Response({"dismissed": True})


class SegmentAgreementApi(APIView):
    """selectors_agreement.segment_agreement for one project (optionally one class)."""

    permission_classes = [IsAdminUser]

    class SegmentAgreementInputSerializer(serializers.Serializer):
        # bounded: a database integer, so a huge id is a 400, not an overflow
        class_id = serializers.IntegerField(min_value=1, max_value=2**31 - 1, required=False)

    @extend_schema(
        parameters=[
            OpenApiParameter("class", int, required=False, description="only this class (id)"),
        ],
        responses={
            200: inline_serializer(
                "SegmentAgreement",
                {
                    "tolerances": serializers.ListField(child=serializers.CharField()),
                    "annotators": serializers.ListField(child=serializers.DictField()),
                    "pairs": serializers.ListField(child=serializers.DictField()),
                },
            ),
            400: ErrorOutputSerializer,
            404: ErrorOutputSerializer,
        },
    )
    def get(self, request, project_id):
        project = get_object_or_404(Project, pk=project_id)
        data = self.SegmentAgreementInputSerializer(
            data={"class_id": request.query_params["class"]} if "class" in request.query_params else {}
        )
        data.is_valid(raise_exception=True)
        class_id = data.validated_data.get("class_id")
        action_class = get_object_or_404(ActionClass, pk=class_id) if class_id else None
        return Response(segment_agreement(project=project, action_class=action_class))
