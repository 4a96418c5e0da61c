"""Export downloads (admin UI and API): streamed, so memory stays flat at HACS size."""

from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.permissions import IsAdminUser
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.catalog.models import Project, Video
from backend.exports import activitynet, hacs


class ClipsExportApi(APIView):
    permission_classes = [IsAdminUser]

    @extend_schema(parameters=[OpenApiParameter("format", enum=list(hacs.FORMATS)),
                               OpenApiParameter("subset", enum=list(Video.Subset.values))],
                   responses={(200, "text/csv"): str})
    def get(self, request, project_id):
        project = get_object_or_404(Project, pk=project_id)
        fmt = request.query_params.get("format", "hacs-csv")
        subset = request.query_params.get("subset") or None
        if fmt not in hacs.FORMATS or (subset and subset not in Video.Subset.values):
            return Response({"detail": f"format must be one of {', '.join(hacs.FORMATS)}; subset one of "
                                       f"{', '.join(Video.Subset.values)}"}, status=400)
        ext, ctype = ("csv", "text/csv") if fmt == "hacs-csv" else ("json", "application/json")
        response = StreamingHttpResponse(hacs.stream(hacs.clip_rows(project=project, subset=subset), fmt),
                                         content_type=f"{ctype}; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="hacs_clips_{project.pk}.{ext}"'
        return response


class SegmentsExportApi(APIView):
    """ActivityNet JSON of the project's segments, streamed; ``?report=rejected`` gives the rejected videos."""

    permission_classes = [IsAdminUser]

    @extend_schema(parameters=[OpenApiParameter("subset", enum=list(Video.Subset.values)),
                               OpenApiParameter("report", enum=["rejected"])],
                   responses={(200, "application/json"): dict})
    def get(self, request, project_id):
        project = get_object_or_404(Project, pk=project_id)
        subset = request.query_params.get("subset") or None
        if subset and subset not in Video.Subset.values:
            return Response({"detail": f"subset must be one of {', '.join(Video.Subset.values)}"}, status=400)
        rejected = request.query_params.get("report") == "rejected"
        chunks = (activitynet.stream_rejected if rejected else activitynet.stream)(project=project, subset=subset)
        response = StreamingHttpResponse(chunks, content_type="application/json; charset=utf-8")
        name = f"segments_{project.pk}{'_' + subset if subset else ''}{'.rejected' if rejected else ''}.json"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
