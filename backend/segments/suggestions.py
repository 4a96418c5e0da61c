"""What an annotator's task shows of the S-CNN proposals (suggestions), and checking what they did with them."""

from __future__ import annotations

import logging

from backend.segments.models import (
    SegmentAnnotation,
    SegmentProposal,
    SegmentProposalRun,
)
from backend.segments.proposals import MAX_SUGGESTIONS, State
from backend.segments.services import segment_settings_get

log = logging.getLogger("actionloom.segments")


def segment_task_suggestions(*, task: SegmentAnnotation) -> dict:
    """The suggestions block of a task's payload; records on the task when at least one suggestion is shown.

    ``state``: ``off`` (the project's switch, or gold mode), ``pending`` (being computed: poll), ``no_classifier``,
    ``failed`` or ``ready`` (``items`` may still be empty: no window scored above the threshold).
    """
    video = task.segment_video
    settings_row = segment_settings_get(project=video.video.project)
    if not settings_row.suggestions or task.kind != SegmentAnnotation.Kind.REGULAR:
        return {"state": "off", "message": "", "method": "", "items": []}
    run = SegmentProposalRun.objects.filter(segment_video=video).first()
    if run is None or run.state in (State.PENDING, State.RUNNING):
        return {"state": "pending", "message": "Suggestions are being computed…", "method": "", "items": []}
    if run.state != State.READY:
        message = run.message if run.state == State.NO_CLASSIFIER else "Suggestions could not be computed."
        return {"state": run.state, "message": message, "method": "", "items": []}
    items = [
        {"id": p.pk, "start": p.start, "end": p.end, "score": round(p.score, 3), "rank": p.rank}
        for p in video.proposals.order_by("rank")[:MAX_SUGGESTIONS]
    ]
    if items and not task.suggestions_shown and task.status == SegmentAnnotation.Status.LEASED:
        SegmentAnnotation.objects.filter(pk=task.pk).update(suggestions_shown=True)
        task.suggestions_shown = True
    message = "" if items else "No window reached the threshold: no suggestions for this video."
    return {"state": "ready", "message": message, "method": run.method, "items": items}


def check_suggestion_decisions(*, task: SegmentAnnotation, decisions: dict | None) -> dict:
    """``{"accepted", "adjusted", "dismissed"}`` proposal ids of this task's video, cleaned: unknown ids (proposals
    recomputed meanwhile) are dropped, adjusted ⊆ accepted, nothing both accepted and dismissed. Empty unless
    suggestions were shown on this task."""
    if not decisions or not task.suggestions_shown:
        return {"accepted": [], "adjusted": [], "dismissed": []}
    known = set(SegmentProposal.objects.filter(segment_video_id=task.segment_video_id).values_list("pk", flat=True))

    def ids(key: str) -> set[int]:
        return {int(i) for i in decisions.get(key) or [] if isinstance(i, int) and i in known}

    accepted = ids("accepted")
    adjusted = ids("adjusted") & accepted
    dismissed = ids("dismissed") - accepted
    return {"accepted": sorted(accepted), "adjusted": sorted(adjusted), "dismissed": sorted(dismissed)}
