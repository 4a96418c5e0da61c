"""The labelling bill: a page for admins and the same numbers as JSON."""

from django.contrib.admin.views.decorators import staff_member_required
from django.shortcuts import get_object_or_404, render
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAdminUser
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.catalog.models import Project
from backend.core.schema import ErrorOutputSerializer
from backend.quality.bill import labelling_bill

# "class" is a Python keyword: the serializer with a "class" field is built with type().
BillCostOutputSerializer = type(
    "BillCostOutputSerializer",
    (serializers.Serializer,),
    {
        "annotator": serializers.CharField(),
        "class": serializers.CharField(),
        "tool": serializers.ChoiceField(choices=["grid", "timeline"]),
        "items": serializers.IntegerField(help_text="labels (grid) or videos answered (timeline)"),
        "seconds": serializers.FloatField(help_text="active seconds"),
        "seconds_per_item": serializers.FloatField(allow_null=True),
        "gold_accuracy": serializers.FloatField(allow_null=True),
        "gold_answers": serializers.IntegerField(allow_null=True),
    },
)


class BillLabelsPerClipOutputSerializer(serializers.Serializer):
    mode = serializers.CharField(help_text="consensus mode: fixed or adaptive")
    clips = serializers.IntegerField()
    labels = serializers.IntegerField()
    labels_per_clip = serializers.FloatField()


class BillOursOutputSerializer(serializers.Serializer):
    seconds_per_label = serializers.FloatField(allow_null=True)
    labels_per_clip = serializers.FloatField(allow_null=True)
    gold_label_share = serializers.FloatField(allow_null=True)
    seconds_per_clip = serializers.FloatField(allow_null=True)
    clips_per_video = serializers.FloatField(allow_null=True)
    seconds_per_video_sparse = serializers.FloatField(allow_null=True)
    seconds_per_video_full = serializers.FloatField(allow_null=True)
    segment_videos = serializers.IntegerField()
    hacs_clips_hours = serializers.FloatField(allow_null=True)
    hacs_sparse_hours = serializers.FloatField(allow_null=True)
    hacs_full_hours = serializers.FloatField(allow_null=True)
    speedup_sparse_vs_full = serializers.FloatField(allow_null=True)


class BillSlacOutputSerializer(serializers.Serializer):
    seconds_per_clip = serializers.FloatField()
    seconds_per_label = serializers.FloatField(help_text="SLAC had one annotator per clip: a label is a clip")
    labels_per_clip = serializers.IntegerField(help_text="1: SLAC's one label per clip (3-way consensus is HACS's)")
    seconds_per_video_sparse = serializers.FloatField()
    seconds_per_video_full = serializers.FloatField()
    speedup_sparse_vs_full = serializers.FloatField()


class BillTable3OutputSerializer(serializers.Serializer):
    ours = BillOursOutputSerializer()
    slac = BillSlacOutputSerializer(help_text="SLAC's table 3, for comparison")


class BillOutputSerializer(serializers.Serializer):
    """bill.labelling_bill."""

    costs = BillCostOutputSerializer(many=True)
    labels_per_final_clip = BillLabelsPerClipOutputSerializer(many=True)
    table3 = BillTable3OutputSerializer()


class BillApi(APIView):
    permission_classes = [IsAdminUser]

    @extend_schema(responses={200: BillOutputSerializer, 404: ErrorOutputSerializer})
    def get(self, request, project_id):
        return Response(labelling_bill(project=get_object_or_404(Project, pk=project_id)))


def _bars(table: dict) -> list[dict]:
    """Seconds per video, full vs sparse, ours vs SLAC: widths relative to the largest."""
    items = [
        ("SLAC: full annotation", table["slac"]["seconds_per_video_full"]),
        ("ours: timeline tool (full)", table["ours"]["seconds_per_video_full"]),
        ("SLAC: sparse clip verification", table["slac"]["seconds_per_video_sparse"]),
        ("ours: grid tool (sparse)", table["ours"]["seconds_per_video_sparse"]),
    ]
    top = max((v for _, v in items if v), default=1.0)
    return [{"label": label, "seconds": value, "width": 100 * (value or 0) / top} for label, value in items]


@staff_member_required
def bill_page(request, project_id: int):
    project = get_object_or_404(Project, pk=project_id)
    bill = labelling_bill(project=project)
    return render(request, "bill.html", {"project": project, "bill": bill, "bars": _bars(bill["table3"])})
