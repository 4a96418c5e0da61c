"""The golden set's writes: an admin's answers in gold mode, stored in one transaction."""

from __future__ import annotations

import random

from django.db import transaction

from backend.catalog.models import ActionClass, Project
from backend.clips.models import Clip, GoldAnswer, QualificationAnswer
from backend.clips.services.pages import MAX_PAGE_SIZE, QueueError


def clip_gold_set(*, clip: Clip, value: int, author) -> GoldAnswer:
    """Make a clip gold (or change its answer). Gold clips leave the consensus queue and are served as checks."""
    if value not in (1, -1):
        raise QueueError("gold value must be 1 or -1")
    if QualificationAnswer.objects.filter(clip=clip).exists():
        # annotators saw it, with its score, while qualifying: as gold it would no longer be hidden
        raise QueueError("a qualification item cannot be gold", code="conflict")
    gold, _ = GoldAnswer.objects.update_or_create(clip=clip, defaults={"value": value, "author": author})
    return gold


def gold_page_next(*, action_class: ActionClass, project: Project, size: int) -> list[Clip]:
    """Clips an admin can answer in gold mode: ready, not yet gold, grouped by video."""
    candidates = Clip.objects.filter(
        action_class=action_class,
        video__project=project,
        media_state=Clip.MediaState.READY,
        gold__isnull=True,
        qualification__isnull=True,
        retired_reason="",
    )
    # Random videos, not the oldest: gold made from the oldest videos would be older than the queue's.
    size = max(1, min(size, MAX_PAGE_SIZE))
    video_ids = sorted(set(candidates.values_list("video_id", flat=True)))
    video_ids = random.Random().sample(video_ids, min(size, len(video_ids)))
    return list(candidates.filter(video_id__in=video_ids).order_by("video_id", "start")[:size])


def gold_answers_submit(*, author, answers: dict[str, int]) -> int:
    """Store an admin's gold answers (clip uid → 1 or -1), all or nothing. Returns how many were stored."""
    with transaction.atomic():
        clips = {str(c.uid): c for c in Clip.objects.filter(uid__in=list(answers))}
        if len(clips) != len(answers):
            raise QueueError("unknown clip(s)")
        for uid, value in answers.items():
            clip_gold_set(clip=clips[uid], value=value, author=author)
    return len(answers)
