from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, render

from backend.catalog.models import Project
from backend.quality.review_access import can_review
from backend.segments.models import SegmentVideo


@staff_member_required
def dashboard_page(request, project_id: int):
    project = get_object_or_404(Project, pk=project_id)
    return render(request, "dashboard.html", {"project": project})


@login_required
def review_page(request):
    """The review queue (issue 15 item 2): for reviewers (the quality.review permission) and staff."""
    if not can_review(request.user):
        raise PermissionDenied("reviewing needs the reviewer permission")
    return render(request, "review.html")


@login_required
def review_video_page(request, segment_video_id: int):
    """The lanes view of one video: every annotator's segments, read-only, and the reviewer's result lane."""
    if not can_review(request.user):
        raise PermissionDenied("reviewing needs the reviewer permission")
    video = get_object_or_404(SegmentVideo.objects.select_related("video", "action_class"), pk=segment_video_id)
    return render(request, "review_video.html", {"segment_video": video})
