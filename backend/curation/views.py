"""Curation pages: the trim tool (its state lives in frontend/static/trim/), starting it from a segment, and the admin's
list of curatable clips (frontend/static/curation/, over the curation back end's list API)."""

from __future__ import annotations

from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from backend.catalog.models import ActionClass, Project
from backend.clips.models import Clip
from backend.clips.services import QueueError
from backend.curation import selectors_trim, services_trim
from backend.curation.timing import TimingError
from backend.segments.models import Segment

SEGMENT_ROWS = 200  # annotated segments listed on the curation page (the class filter hides the others' rows)


def _refused(request, exc: QueueError) -> HttpResponse:
    """A 403 page that says why and, for a qualification still to pass, links to it (as the grid redirects there)."""
    return render(
        request, "refused.html", {"message": str(exc), "qualify_url": exc.extra.get("qualify_url")}, status=403
    )


@login_required
def trim_page(request, clip_uid):
    clip = get_object_or_404(Clip.objects.select_related("video__project", "action_class"), uid=clip_uid)
    try:
        services_trim.check_trim_access(user=request.user, clip=clip)
    except QueueError as exc:
        return _refused(request, exc)
    try:
        context, error = selectors_trim.trim_context(clip=clip, user=request.user), ""
    except TimingError as exc:
        context, error = None, str(exc)
    guideline = getattr(clip.action_class, "guideline", None)
    return render(
        request,
        "trim.html",
        {
            "clip": clip,
            "action_class": clip.action_class,
            "trim": context,
            "error": error,
            "definition": guideline.definition if guideline else "",
        },
        status=200 if context else 409,
    )


@login_required
@require_http_methods(["GET", "POST"])
def trim_from_segment(request, segment_id: int):
    """POST: make (once) the clip of a segment and go to its trim page. GET writes nothing: it goes to the segment's
    clip when it exists, and otherwise shows the button that makes it."""
    segment = get_object_or_404(
        Segment.objects.select_related("action_class", "annotation__segment_video__video"), pk=segment_id
    )
    try:
        services_trim.check_segment_access(user=request.user, segment=segment)
    except QueueError as exc:
        if exc.code == "not_found":
            raise Http404(str(exc)) from None
        return _refused(request, exc)
    if request.method == "GET":
        existing = selectors_trim.segment_clip(segment=segment)
        if existing is not None:
            return redirect("trim", clip_uid=existing.uid)
        return render(request, "trim_from_segment.html", {"segment": segment, "action_class": segment.action_class})
    try:
        clip, _ = services_trim.segment_clip_get_or_create(segment=segment)
    except (services_trim.TrimError, TimingError) as exc:
        return render(
            request, "trim.html", {"action_class": segment.action_class, "trim": None, "error": str(exc)}, status=409
        )
    return redirect("trim", clip_uid=clip.uid)


@staff_member_required
def curation_page(request, project_id: int):
    project = get_object_or_404(Project, pk=project_id)
    classes = ActionClass.objects.filter(clips__video__project=project).distinct().order_by("name")
    return render(
        request,
        "curation.html",
        {
            "project": project,
            "classes": classes,
            "segments": selectors_trim.trim_segment_list(project=project, limit=SEGMENT_ROWS),
            "segment_limit": SEGMENT_ROWS,
        },
    )
