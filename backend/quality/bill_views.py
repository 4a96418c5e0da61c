"""The labelling bill: a page for admins and the same numbers as JSON."""

from django.contrib.admin.views.decorators import staff_member_required
from django.shortcuts import get_object_or_404, render
from drf_spectacular.utils import extend_schema
from rest_framework.permissions import IsAdminUser
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.catalog.models import Project
from backend.quality.bill import labelling_bill


class BillApi(APIView):
    permission_classes = [IsAdminUser]

    @extend_schema(responses=dict)
    def get(self, request, project_id):
        return Response(labelling_bill(project=get_object_or_404(Project, pk=project_id)))


def _bars(table: dict) -> list[dict]:
    """Seconds per video, full vs sparse, ours vs SLAC: widths relative to the largest."""
    items = [("SLAC: full annotation", table["slac"]["seconds_per_video_full"]),
             ("ours: timeline tool (full)", table["ours"]["seconds_per_video_full"]),
             ("SLAC: sparse clip verification", table["slac"]["seconds_per_video_sparse"]),
             ("ours: grid tool (sparse)", table["ours"]["seconds_per_video_sparse"])]
    top = max((v for _, v in items if v), default=1.0)
    return [{"label": label, "seconds": value, "width": 100 * (value or 0) / top} for label, value in items]


@staff_member_required
def bill_page(request, project_id: int):
    project = get_object_or_404(Project, pk=project_id)
    bill = labelling_bill(project=project)
    return render(request, "bill.html", {"project": project, "bill": bill, "bars": _bars(bill["table3"])})
