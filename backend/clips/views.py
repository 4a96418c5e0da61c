"""The annotator's pages: the queue picker and the grid tool (its state lives in frontend/static/grid/)."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache

from backend.catalog.access import annotator_can_label, annotator_classes
from backend.catalog.models import ActionClass, Project
from backend.catalog.qualification import annotator_qualified
from backend.clips import services


@never_cache  # its counts move with every page submitted: Back must ask again, never show a stored copy (issue 14)
@login_required
def home(request):
    queues = [
        {
            "project": q.project,
            "action_class": q.action_class,
            "qualified": q.qualified,
            "waiting": services.queue_counts(annotator=request.user, project=q.project, action_class=q.action_class)
            if q.qualified
            else None,
        }
        for q in annotator_classes(request.user)
    ]
    projects = Project.objects.order_by("name") if request.user.is_staff else []
    return render(request, "home.html", {"queues": queues, "projects": projects})


@login_required
def grid(request, project_id: int, class_id: int):
    project = get_object_or_404(Project, pk=project_id)
    action_class = get_object_or_404(ActionClass, pk=class_id, is_leaf=True)
    # The admin's answer modes on the same grid: gold (the hidden golden set) or qualification (the set annotators
    # qualify on, issue 15). Either is "gold_mode" to the page: no lease, answers stored as the set's.
    answer_set = request.GET.get("mode") if request.GET.get("mode") in ("gold", "qualification") else ""
    gold_mode = bool(answer_set)
    if gold_mode and not request.user.is_staff:
        raise PermissionDenied(f"{answer_set} mode is for admins")
    if not gold_mode and not annotator_can_label(user=request.user, project=project, action_class=action_class):
        raise PermissionDenied("you are not in an annotator group for this class")
    if not gold_mode and not annotator_qualified(user=request.user, project=project, action_class=action_class):
        return redirect("qualify", project.pk, action_class.pk)  # no real work before the qualification (issue 15)
    return render(
        request,
        "grid.html",
        {"project": project, "action_class": action_class, "gold_mode": gold_mode, "answer_set": answer_set},
    )
