"""Work on a leased timeline task: draft saves (versioned), submit and reject (with the submit floor), admin
decisions (the exported annotation, revoking an annotator's work)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings as dj_settings
from django.db import transaction
from django.utils import timezone

from backend.catalog.models import ActionClass
from backend.clips.services import QueueError
from backend.core.pacing import check_not_too_early
from backend.segments.models import Segment, SegmentAnnotation, SegmentVideo
from backend.segments.selectors import default_final
from backend.segments.services.queue import (
    DONE,
    LIVE,
    _lock_video,
    _locked_task,
    check_segments,
    segment_settings_get,
)


def _check_version(task: SegmentAnnotation, version: int | None) -> None:
    """Optimistic concurrency: a save or submit naming an older version than the task's comes from a stale tab."""
    if version is not None and version != task.version:
        raise QueueError(
            "this video was changed in another tab or window; the other tab's work is kept — reload this one to go on",
            code="conflict",
            extra={"version": task.version, "draft": task.draft},
        )


def _check_repeat(task: SegmentAnnotation, submit_token: str) -> None:
    """A finished task submitted again: a retry (same token) is answered as done; another tab's is a conflict."""
    if submit_token and task.submit_token and submit_token != task.submit_token:
        raise QueueError(
            "this video was already submitted from another tab or window; nothing was stored from this one",
            code="conflict",
        )


def segment_submit_floor(video: SegmentVideo) -> float:
    """Seconds a video must have been leased before it may be submitted (docs/security.md)."""
    duration = video.media_duration or video.video.duration or 0.0
    return dj_settings.SUBMIT_FLOOR_VIDEO_SECONDS + dj_settings.SUBMIT_FLOOR_VIDEO_FRACTION * duration


def segment_draft_save(*, annotator, task_uid, draft: dict, version: int | None = None) -> SegmentAnnotation:
    """Autosave: store the work in progress and renew the lease (someone saving is someone working).

    With `version` (the version the tab last saw), a save from a stale tab is refused (409 conflict) and the
    newer draft is kept; each save moves the version on.
    """
    with transaction.atomic():
        task = _locked_task(annotator=annotator, task_uid=task_uid)
        if task.is_done:
            raise QueueError("this video was already submitted", code="conflict" if version is not None else "invalid")
        _check_version(task, version)
        video = task.segment_video  # a draft holds the same segments a submit would: same bounds, else 400
        duration = video.media_duration or video.video.duration
        check_segments(draft.get("segments") or [], duration=duration or 0.0, fps=video.media_fps or 0.0)
        limit = duration + 1.0 if duration else math.inf  # the playhead may rest a little past the last frame
        for name in ("open", "time"):
            value = draft.get(name)
            if value is not None and not (math.isfinite(value) and 0 <= value <= limit):
                raise QueueError(f"{name}: need 0 <= {name} <= {limit:.3f} seconds")
        task.draft = draft
        task.draft_saved_at = timezone.now()
        task.version += 1
        fields = ["draft", "draft_saved_at", "version"]
        if task.status == SegmentAnnotation.Status.LEASED:
            minutes = segment_settings_get(project=task.segment_video.video.project).lease_minutes
            task.expires_at = timezone.now() + timedelta(minutes=minutes)
            fields.append("expires_at")
        task.save(update_fields=fields)
    return task


# --- submit and reject -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SubmitResult:
    stored: int  # segments stored
    already_submitted: bool


def segment_task_submit(
    *,
    annotator,
    task_uid,
    segments: Sequence[Sequence[float]],
    seconds_spent: float,
    suggestions: dict | None = None,
    version: int | None = None,
    submit_token: str = "",
) -> SubmitResult:
    """Store the task's segments (at least one) and the time spent; a repeated submit stores nothing twice.

    Only ``segments`` become annotations; ``suggestions`` (proposal ids accepted, adjusted, dismissed) is recorded
    on the task for measuring the suggestions (segments.suggestions.check_suggestion_decisions).
    """
    from backend.segments.suggestions import check_suggestion_decisions

    with transaction.atomic():
        task = _locked_task(annotator=annotator, task_uid=task_uid)
        if task.is_done:
            _check_repeat(task, submit_token)
            return SubmitResult(stored=task.segments.count(), already_submitted=True)
        _check_version(task, version)
        video = _lock_video(task.segment_video_id)
        if task.kind == SegmentAnnotation.Kind.REGULAR:
            check_not_too_early(shown_at=task.created_at, floor_seconds=segment_submit_floor(video), what="video")
        clean = check_segments(segments, duration=video.media_duration or video.video.duration, fps=video.media_fps)
        if not clean:
            raise QueueError('mark at least one segment, or reject the video ("no such action")')
        Segment.objects.bulk_create(
            [
                Segment(annotation=task, action_class=video.action_class, start=s, end=e, position=i)
                for i, (s, e) in enumerate(clean)
            ]
        )
        decisions = check_suggestion_decisions(task=task, decisions=suggestions)
        task.suggestion_decisions = decisions
        task.suggestions_accepted = len(decisions["accepted"])
        task.suggestions_adjusted = len(decisions["adjusted"])
        task.suggestions_dismissed = len(decisions["dismissed"])
        task.save(
            update_fields=[
                "suggestion_decisions",
                "suggestions_accepted",
                "suggestions_adjusted",
                "suggestions_dismissed",
            ]
        )
        _finish(
            task=task,
            video=video,
            status=SegmentAnnotation.Status.SUBMITTED,
            seconds_spent=seconds_spent,
            submit_token=submit_token,
        )
    return SubmitResult(stored=len(clean), already_submitted=False)


def segment_task_reject(
    *,
    annotator,
    task_uid,
    reason: str,
    note: str = "",
    seconds_spent: float,
    version: int | None = None,
    submit_token: str = "",
) -> SubmitResult:
    """Skip the video with a reason (too blurry, too dark, not playable, no such action, other)."""
    if reason not in SegmentAnnotation.RejectReason.values:
        raise QueueError(f"reason must be one of {', '.join(SegmentAnnotation.RejectReason.values)}")
    with transaction.atomic():
        task = _locked_task(annotator=annotator, task_uid=task_uid)
        if task.is_done:
            _check_repeat(task, submit_token)
            return SubmitResult(stored=0, already_submitted=True)
        _check_version(task, version)
        video = _lock_video(task.segment_video_id)
        if task.kind == SegmentAnnotation.Kind.REGULAR:  # an unplayable video is seen at once: the base floor only
            check_not_too_early(
                shown_at=task.created_at, floor_seconds=dj_settings.SUBMIT_FLOOR_VIDEO_SECONDS, what="video"
            )
        task.reject_reason, task.reject_note = reason, note.strip()[:500]
        _finish(
            task=task,
            video=video,
            status=SegmentAnnotation.Status.REJECTED,
            seconds_spent=seconds_spent,
            submit_token=submit_token,
        )
    return SubmitResult(stored=0, already_submitted=False)


def _finish(
    *, task: SegmentAnnotation, video: SegmentVideo, status: str, seconds_spent: float, submit_token: str = ""
) -> None:
    """Close a task and update its video. Precondition: the caller holds the task's and the video's row locks."""
    if task.status == SegmentAnnotation.Status.RELEASED and task.kind == SegmentAnnotation.Kind.REGULAR:
        again = SegmentAnnotation.objects.filter(
            segment_video=video, annotator=task.annotator, active=True, kind=task.kind, status__in=LIVE
        ).exists()
        if again:
            raise QueueError("this video is open again in your queue: submit it from there", code="invalid")
    if task.status == SegmentAnnotation.Status.LEASED and task.kind == SegmentAnnotation.Kind.REGULAR:
        video.lease_count = max(0, video.lease_count - 1)
    task.status = status
    task.submitted_at = timezone.now()
    task.seconds_spent = max(0.0, float(seconds_spent))
    task.draft = {}
    task.submit_token = submit_token[:64]
    task.save(
        update_fields=[
            "status",
            "submitted_at",
            "seconds_spent",
            "draft",
            "reject_reason",
            "reject_note",
            "submit_token",
        ]
    )
    if task.kind == SegmentAnnotation.Kind.GOLD:
        # The reference replaces any earlier one. A rejected video (unplayable, no action) is no use as a check and
        # leaves the queue too: it is exported as rejected.
        SegmentAnnotation.objects.filter(
            segment_video=video, kind=SegmentAnnotation.Kind.GOLD, status__in=DONE, active=True
        ).exclude(pk=task.pk).update(active=False)
        video.is_gold = status == SegmentAnnotation.Status.SUBMITTED
        video.is_open = False
        video.final = task
    elif not video.is_gold:
        video.annotation_count += 1
        _settle(video)
    video.save(update_fields=["lease_count", "annotation_count", "is_open", "is_gold", "final"])
    if video.final_id == task.pk and status == SegmentAnnotation.Status.SUBMITTED:
        # More annotated segments: a (new) learned proposal head may be due (issue 6; segments.proposals).
        from backend.segments.proposal_head import proposal_head_queue_if_due

        proposal_head_queue_if_due(project=video.video.project)


def _settle(video: SegmentVideo) -> None:
    """Re-derive openness and the default final annotation. Precondition: the caller holds the video's row lock."""
    video.is_open = video.annotation_count < video.required_annotations and not video.retired_reason
    if video.final_id and not SegmentAnnotation.objects.filter(pk=video.final_id, active=True).exists():
        video.final = None
    if not video.is_open and video.final is None:
        video.final = default_final(segment_video=video)


# --- admin decisions ---------------------------------------------------------------------------------------------


def segment_final_pick(*, segment_video: SegmentVideo, annotation: SegmentAnnotation) -> SegmentVideo:
    """The admin picks which of a video's annotations is exported (multiple annotators per video)."""
    if annotation.segment_video_id != segment_video.pk or not annotation.active or not annotation.is_done:
        raise QueueError("pick one of this video's submitted annotations")
    if segment_video.is_gold:
        raise QueueError("a gold video's answer is its reference segments")
    with transaction.atomic():
        video = _lock_video(segment_video.pk)
        video.final = annotation
        video.save(update_fields=["final"])
    return video


def segment_annotations_revoke(*, annotator, action_class: ActionClass) -> int:
    """Deactivate an annotator's segment annotations of a class; their videos go back to the queue. Returns how many.

    Called by quality's send-back (which records it); runs in the caller's transaction or its own.
    """
    with transaction.atomic():
        tasks = SegmentAnnotation.objects.filter(
            annotator=annotator,
            kind=SegmentAnnotation.Kind.REGULAR,
            segment_video__action_class=action_class,
            active=True,
            status__in=DONE,
        )
        video_ids = sorted(set(tasks.values_list("segment_video_id", flat=True)))
        videos = list(SegmentVideo.objects.select_for_update(of=("self",)).filter(pk__in=video_ids).order_by("pk"))
        count = tasks.update(active=False)
        for video in videos:
            if not video.is_gold:
                video.annotation_count = max(0, video.annotation_count - 1)
            _settle(video)
            if video.is_gold:
                video.is_open = False
            video.save(update_fields=["annotation_count", "is_open", "final"])
    return count
