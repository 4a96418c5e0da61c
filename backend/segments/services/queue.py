"""The timeline queue: settings, checking segments, leases, the next task, gold mode. Segment writes: the timeline queue (leases, drafts), submit and reject, gold videos, final picks, send-back.

Concurrency as in clips.services: a video's counters change only under its row lock (SELECT … FOR UPDATE; on SQLite
the write transaction is serialised by BEGIN IMMEDIATE), and a task row is locked before the video row.
Media (proxy and sprite) lives in segments.media.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from datetime import timedelta

from django.db import transaction
from django.db.models import Exists, F, OuterRef
from django.utils import timezone

from backend.catalog.access import check_work_access
from backend.catalog.models import ActionClass, Project
from backend.clips.services import QueueError
from backend.core.locks import draw_retrying
from backend.segments.models import SegmentAnnotation, SegmentSettings, SegmentVideo

MAX_SEGMENTS = 500
LIVE = (SegmentAnnotation.Status.LEASED, SegmentAnnotation.Status.SUBMITTED, SegmentAnnotation.Status.REJECTED)
DONE = (SegmentAnnotation.Status.SUBMITTED, SegmentAnnotation.Status.REJECTED)


def segment_settings_get(*, project: Project) -> SegmentSettings:
    settings, _ = SegmentSettings.objects.get_or_create(project=project)
    return settings


# --- checking what the browser sends ---------------------------------------------------------------------------


def check_segments(segments: Sequence[Sequence[float]], *, duration: float, fps: float) -> list[tuple[float, float]]:
    """Segments as sorted (start, end) seconds rounded to the millisecond; raises QueueError on bad input.

    An end up to one frame past the end of the video is clamped to it (the last frame's time is duration - 1/fps,
    and a segment that runs to the end is closed there).
    """
    if len(segments) > MAX_SEGMENTS:
        raise QueueError(f"at most {MAX_SEGMENTS} segments per video")
    slack = 1.0 / fps if fps > 0 else 0.04
    out = []
    for index, pair in enumerate(segments):
        try:
            start, end = float(pair[0]), float(pair[1])
        except (TypeError, ValueError, IndexError):
            raise QueueError(f"segments[{index}]: expected [start, end] seconds") from None
        if len(pair) != 2 or not (math.isfinite(start) and math.isfinite(end)):
            raise QueueError(f"segments[{index}]: expected [start, end] seconds")
        if start < 0 or end <= start or (duration > 0 and end > duration + slack):
            raise QueueError(f"segments[{index}]: need 0 <= start < end <= {duration:.3f}")
        out.append((round(start, 3), round(min(end, duration) if duration > 0 else end, 3)))
    return sorted(out)


# --- leases ------------------------------------------------------------------------------------------------------


def segment_tasks_release_expired(*, now=None) -> int:
    """Give the videos of leases that ran out back to the queue. Returns how many leases were released.

    The draft stays on the released row: the same annotator gets it back with the video (see segment_task_next).
    """
    now = now or timezone.now()
    released = 0
    expired = SegmentAnnotation.objects.filter(status=SegmentAnnotation.Status.LEASED, expires_at__lt=now)
    for task_id in expired.values_list("pk", flat=True)[:500]:
        with transaction.atomic():
            task = (
                SegmentAnnotation.objects.select_for_update()
                .filter(pk=task_id, status=SegmentAnnotation.Status.LEASED)
                .first()
            )
            if task is None:
                continue
            if task.kind == SegmentAnnotation.Kind.REGULAR:
                video = _lock_video(task.segment_video_id)
                video.lease_count = max(0, video.lease_count - 1)
                video.save(update_fields=["lease_count"])
            task.status = SegmentAnnotation.Status.RELEASED
            task.save(update_fields=["status"])
            released += 1
    return released


def _lock_video(pk: int) -> SegmentVideo:
    return SegmentVideo.objects.select_for_update(of=("self",)).select_related("video").get(pk=pk)


def _live_of(annotator):
    return SegmentAnnotation.objects.filter(
        segment_video=OuterRef("pk"),
        annotator=annotator,
        active=True,
        kind=SegmentAnnotation.Kind.REGULAR,
        status__in=LIVE,
    )


def _available(*, annotator, project: Project, action_class: ActionClass):
    """Videos with media this annotator has not annotated or leased (gold and regular alike); never a qualification
    video (its known segments are the qualification's, not work)."""
    return SegmentVideo.objects.filter(
        action_class=action_class,
        video__project=project,
        media_state=SegmentVideo.MediaState.READY,
        retired_reason="",
        qualification__isnull=True,
    ).exclude(Exists(_live_of(annotator)))


def _wanted(qs):
    return qs.filter(is_gold=False, is_open=True, annotation_count__lt=F("required_annotations") - F("lease_count"))


def segment_queue_waiting(*, annotator, project: Project, action_class: ActionClass) -> int:
    """How many videos of a class this annotator could still be given: regular and gold alike, while regular work
    remains (gold is served only then). Leasing any video lowers it by one, so it never tells a gold video apart."""
    available = _available(annotator=annotator, project=project, action_class=action_class)
    regular = _wanted(available).count()
    return regular + available.filter(is_gold=True).count() if regular else 0


def segment_task_open(*, annotator, project: Project, action_class: ActionClass, kind: str):
    return (
        SegmentAnnotation.objects.filter(
            annotator=annotator,
            kind=kind,
            status=SegmentAnnotation.Status.LEASED,
            active=True,
            segment_video__video__project=project,
            segment_video__action_class=action_class,
            expires_at__gt=timezone.now(),
        )
        .select_related("segment_video")
        .order_by("created_at")
        .first()
    )


def segment_task_next(
    *, annotator, project: Project, action_class: ActionClass, rng: random.Random | None = None
) -> SegmentAnnotation:
    """The annotator's open task of this class, or a new lease on a video from the queue.

    Checks: group membership, acknowledged clarifications (as the grid). A gold video is served instead of a regular
    one with the project's segment gold rate, only while regular work remains (a queue of gold alone would show what
    it is). A lease that ran out with a draft on it comes back to the same annotator first, draft and all.
    """
    check_work_access(user=annotator, project=project, action_class=action_class)
    segment_tasks_release_expired()
    existing = segment_task_open(
        annotator=annotator, project=project, action_class=action_class, kind=SegmentAnnotation.Kind.REGULAR
    )
    if existing:
        return existing
    settings = segment_settings_get(project=project)
    rng = rng or random.Random()

    def draw() -> SegmentAnnotation | None:
        with transaction.atomic():
            available = _available(annotator=annotator, project=project, action_class=action_class)
            video, draft = _resumable(annotator=annotator, available=available)
            if video is None:
                # SKIP LOCKED: annotators asking at once each get a different video instead of queueing on one row.
                video = (
                    _wanted(available)
                    .order_by("video_id", "pk")
                    .select_for_update(skip_locked=True, of=("self",))
                    .first()
                )
                if video is None:
                    return None
                gold = list(available.filter(is_gold=True).values_list("pk", flat=True))
                if gold and rng.random() < settings.gold_rate:
                    video = SegmentVideo.objects.get(pk=rng.choice(gold))
            return _lease(
                video=video,
                annotator=annotator,
                kind=SegmentAnnotation.Kind.REGULAR,
                minutes=settings.lease_minutes,
                draft=draft,
            )

    # None: nothing waits for this annotator, or every video left is locked this instant by others' draws (core.locks)
    task = draw_retrying(
        draw,
        waiting=lambda: _wanted(_available(annotator=annotator, project=project, action_class=action_class)).exists(),
    )
    if task is None:
        raise QueueError(f"no videos of {action_class.name} are waiting for you", code="empty")
    return task


def _resumable(*, annotator, available) -> tuple[SegmentVideo | None, dict]:
    """The video of this annotator's latest released lease with a draft, if it may still be given to them."""
    released = (
        SegmentAnnotation.objects.filter(
            annotator=annotator,
            kind=SegmentAnnotation.Kind.REGULAR,
            status=SegmentAnnotation.Status.RELEASED,
            active=True,
        )
        .exclude(draft={})
        .order_by("-draft_saved_at", "-pk")
        .select_related("segment_video")
        .first()
    )
    if released is None:
        return None, {}
    candidates = available.filter(pk=released.segment_video_id)
    video = candidates.filter(is_gold=True).first() or _wanted(candidates).first()
    return (video, released.draft) if video else (None, {})


def _lease(*, video: SegmentVideo, annotator, kind: str, minutes: int, draft: dict | None = None) -> SegmentAnnotation:
    task = SegmentAnnotation.objects.create(
        segment_video=video,
        annotator=annotator,
        kind=kind,
        status=SegmentAnnotation.Status.LEASED,
        expires_at=timezone.now() + timedelta(minutes=minutes),
        draft=draft or {},
        draft_saved_at=timezone.now() if draft else None,
    )
    if kind == SegmentAnnotation.Kind.REGULAR:  # an admin's gold-mode lease holds no annotator's place
        SegmentVideo.objects.filter(pk=video.pk).update(lease_count=F("lease_count") + 1)
    return task


def segment_gold_task_next(*, admin, project: Project, action_class: ActionClass) -> SegmentAnnotation:
    """Gold mode: the admin's open gold task, or a lease on a video without reference segments.

    Videos nobody has annotated yet come first, so a new gold video is a fresh check for everyone; among them a
    random one, not the oldest, so gold videos are no older than the queue's.
    """
    segment_tasks_release_expired()
    existing = segment_task_open(
        annotator=admin, project=project, action_class=action_class, kind=SegmentAnnotation.Kind.GOLD
    )
    if existing:
        return existing
    settings = segment_settings_get(project=project)
    with transaction.atomic():
        leased_gold = SegmentAnnotation.objects.filter(
            segment_video=OuterRef("pk"), kind=SegmentAnnotation.Kind.GOLD, status=SegmentAnnotation.Status.LEASED
        )
        video = (
            SegmentVideo.objects.filter(
                action_class=action_class,
                video__project=project,
                is_gold=False,
                final__isnull=True,
                qualification__isnull=True,  # a qualification video is never gold too
                media_state=SegmentVideo.MediaState.READY,
                retired_reason="",
            )
            .exclude(Exists(leased_gold))
            .order_by("annotation_count", "lease_count", "?")
            .select_for_update(skip_locked=True, of=("self",))
            .first()
        )
        if video is None:
            raise QueueError(f"no videos of {action_class.name} are left to make gold", code="empty")
        return _lease(video=video, annotator=admin, kind=SegmentAnnotation.Kind.GOLD, minutes=settings.lease_minutes)


def _locked_task(*, annotator, task_uid) -> SegmentAnnotation:
    task = SegmentAnnotation.objects.select_for_update().filter(uid=task_uid, annotator=annotator, active=True).first()
    if task is None:
        raise QueueError("no such task", code="not_found")
    return task


def segment_video_retire(*, video, reason: str) -> int:
    """Retire a removed video's timeline task: served to no one (regular or gold), not counted as waiting, not
    exported; its annotations are kept. A task leased before may still be submitted (its annotation is stored, the
    video stays out of the export). Returns the rows retired (0 or 1)."""
    reason = f"video removed: {reason}"[: SegmentVideo._meta.get_field("retired_reason").max_length]
    return SegmentVideo.objects.filter(video=video, retired_reason="").update(is_open=False, retired_reason=reason)


def video_removed_receiver(sender, *, video, reason: str, **kwargs) -> None:
    """mining.signals.video_removed: the removed video leaves the timeline tool too."""
    segment_video_retire(video=video, reason=reason)
