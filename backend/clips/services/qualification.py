"""The qualification set's writes (issue 15): clips with a known answer that annotators are scored on before real
work. Kept apart from the hidden golden set: a clip is one or the other, never both, and a qualification clip is
never drawn on a real page (services.pages._ready), so what an annotator saw while qualifying says nothing of gold.
"""

from __future__ import annotations

import random

from django.db import transaction

from backend.catalog.models import ActionClass, GuidelineExample, Project
from backend.clips.models import Clip, GoldAnswer, QualificationAnswer
from backend.clips.services.pages import MAX_PAGE_SIZE, QueueError


def clip_qualification_set(*, clip: Clip, value: int, author) -> QualificationAnswer:
    """Make a clip a qualification item of its class (or change its answer). Refused for a gold clip, a guideline
    example (shown with its answer) and a clip already in real work (labelled or on a page)."""
    if value not in (1, -1):
        raise QueueError("a qualification answer must be 1 or -1")
    with transaction.atomic():
        clip = Clip.objects.select_for_update().get(pk=clip.pk)
        if GoldAnswer.objects.filter(clip=clip).exists():
            raise QueueError("a gold clip cannot be a qualification item: the golden set stays hidden", code="conflict")
        if GuidelineExample.objects.filter(clip=clip).exists():
            raise QueueError("a guideline example cannot be a qualification item", code="conflict")
        if not QualificationAnswer.objects.filter(clip=clip).exists() and (clip.label_count or clip.lease_count):
            raise QueueError("this clip is already in real work: choose an unlabelled one", code="conflict")
        answer, _ = QualificationAnswer.objects.update_or_create(clip=clip, defaults={"value": value, "author": author})
    return answer


def qualification_page_next(*, action_class: ActionClass, project: Project, size: int) -> list[Clip]:
    """Clips an admin can answer in qualification mode: ready, live, in no answer set nor guideline, not yet in real
    work (unlabelled, unleased); random videos, each video's clips together."""
    candidates = Clip.objects.filter(
        action_class=action_class,
        video__project=project,
        media_state=Clip.MediaState.READY,
        retired_reason="",
        gold__isnull=True,
        qualification__isnull=True,
        label_count=0,
        lease_count=0,
    ).exclude(example_roles__isnull=False)
    size = max(1, min(size, MAX_PAGE_SIZE))
    video_ids = sorted(set(candidates.values_list("video_id", flat=True)))
    video_ids = random.Random().sample(video_ids, min(size, len(video_ids)))
    return list(candidates.filter(video_id__in=video_ids).order_by("video_id", "start")[:size])


def qualification_answers_submit(*, author, answers: dict[str, int]) -> int:
    """Store an admin's qualification answers (clip uid -> 1 or -1), all or nothing. Returns how many were stored."""
    with transaction.atomic():
        clips = {str(c.uid): c for c in Clip.objects.filter(uid__in=list(answers))}
        if len(clips) != len(answers):
            raise QueueError("unknown clip(s)")
        for uid, value in answers.items():
            clip_qualification_set(clip=clips[uid], value=value, author=author)
    return len(answers)


def qualification_clips(*, project: Project, action_class: ActionClass):
    """The class's qualification set in a project: its ready, live clips with their answers."""
    return (
        Clip.objects.filter(
            action_class=action_class,
            video__project=project,
            media_state=Clip.MediaState.READY,
            retired_reason="",
            qualification__isnull=False,
        )
        .select_related("qualification", "action_class")
        .order_by("video_id", "start", "pk")
    )
