from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, render

from backend.catalog.access import annotator_can_label
from backend.catalog.models import ActionClass, Project
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


@login_required
def qualify_page(request, project_id: int, class_id: int):
    """The training step (the guideline and its examples) and then the qualification set (issue 15)."""
    project = get_object_or_404(Project, pk=project_id)
    action_class = get_object_or_404(ActionClass, pk=class_id, is_leaf=True)
    if not annotator_can_label(user=request.user, project=project, action_class=action_class):
        raise PermissionDenied("you are not in an annotator group for this class")
    return render(request, "qualify.html", {"project": project, "action_class": action_class})
