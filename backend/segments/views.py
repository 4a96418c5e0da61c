"""The annotator's timeline page (its state lives in frontend/static/timeline/). Gold mode is the same page."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render

from backend.catalog.access import annotator_can_label
from backend.catalog.models import ActionClass, Project
from backend.catalog.qualification import annotator_qualified
from backend.segments.models import SegmentAnnotation


@login_required
def timeline(request, project_id: int, class_id: int):
    project = get_object_or_404(Project, pk=project_id)
    action_class = get_object_or_404(ActionClass, pk=class_id, is_leaf=True)
    gold_mode = request.GET.get("mode") == "gold"
    if gold_mode and not request.user.is_staff:
        raise PermissionDenied("gold mode is for admins")
    if not gold_mode and not annotator_can_label(user=request.user, project=project, action_class=action_class):
        raise PermissionDenied("you are not in an annotator group for this class")
    if not gold_mode and not annotator_qualified(user=request.user, project=project, action_class=action_class):
        return redirect("qualify", project.pk, action_class.pk)  # no real work before the qualification (issue 15)
    return render(
        request,
        "timeline.html",
        {
            "project": project,
            "action_class": action_class,
            "gold_mode": gold_mode,
            "reject_reasons": SegmentAnnotation.RejectReason.choices,
        },
    )
