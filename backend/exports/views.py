"""The admin's import and export page: upload a release file (a job with a progress bar), download every format."""

from django.contrib.admin.views.decorators import staff_member_required
from django.shortcuts import get_object_or_404, render

from backend.catalog.models import Project, Video
from backend.exports import activitynet, hacs, toolkits


@staff_member_required
def imports_page(request, project_id: int):
    project = get_object_or_404(Project, pk=project_id)
    return render(
        request,
        "imports.html",
        {
            "project": project,
            "clip_formats": hacs.FORMATS,
            "segment_formats": toolkits.FORMATS,
            "subsets": Video.Subset.values,
            # the toolkit layouts need a frame rate; videos imported without their media have none (stored 0)
            "without_fps": len(activitynet.videos_without_fps(project=project)),
        },
    )
