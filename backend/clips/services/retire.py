"""Retiring the clips of a removed video: they leave every queue and export, their rows and labels stay.

Locks: see backend/clips/services/pages.py (row locks in clip-id order).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from backend.catalog.models import GuidelineExample, Video
from backend.clips.models import Clip
from backend.clips.services.pages import _lock_clips


@dataclass(frozen=True)
class RetireResult:
    deleted: int  # clips nobody had touched: nothing to keep, so they and their media go
    retired: int  # clips with labels, leases, a gold answer or a guideline role: closed for good, rows kept
    gold: int  # of the retired, gold clips (no longer served as checks; past gold answers still count)
    examples: int  # of the retired, guideline examples (still shown in the guideline: an admin's choice to undo)


def video_clips_retire(*, video: Video, reason: str) -> RetireResult:
    """Take a removed video's clips out of the work: the untouched ones are deleted, the rest retired.

    A retired clip is closed (is_open False) with `retired_reason` set: no page draws it (regular or gold), the
    queue counters do not count it, the exports leave it out. Its labels, consensus and gold answer are kept. A
    page already leased that holds it keeps its lease until submitted or run out; at submit its label is dropped
    (clips.services.labels.page_submit), so no label given after the removal counts. Idempotent.
    """
    reason = reason[: Clip._meta.get_field("retired_reason").max_length]
    with transaction.atomic():
        clips = Clip.objects.filter(video=video)
        deleted = video_clips_untouched_delete(video=video)
        kept = _lock_clips(list(clips.filter(retired_reason="").values_list("pk", flat=True)))
        for clip in kept:
            clip.is_open, clip.retired_reason = False, reason
        Clip.objects.bulk_update(kept, ["is_open", "retired_reason"])
        ids = [c.pk for c in kept]
        gold = sum(1 for c in kept if hasattr(c, "gold"))
        examples = GuidelineExample.objects.filter(clip_id__in=ids).values("clip_id").distinct().count()
    return RetireResult(deleted=deleted, retired=len(kept), gold=gold, examples=examples)


def video_clips_untouched_delete(*, video: Video) -> int:
    """Delete the video's clips nobody has touched, and their media files (after the transaction commits).

    Untouched: no label (revoked labels are history too), no lease, no gold answer, no guideline role, and mined
    or random (imported and segment clips were decided or curated elsewhere). Used when a video is removed and when
    mining re-samples a video (its new candidates replace the ones nobody has seen). Returns how many.
    """
    from django.core.files.storage import default_storage

    untouched = (
        Clip.objects.filter(video=video, label_count=0, lease_count=0, gold__isnull=True, example_roles__isnull=True)
        .exclude(labels__isnull=False)
        .exclude(method__in=[Clip.Method.IMPORTED, Clip.Method.SEGMENT])
        .distinct()
    )
    rows = list(untouched.values_list("pk", "media", "poster"))
    names = [n for _, media, poster in rows for n in (media, poster) if n]
    Clip.objects.filter(pk__in=[pk for pk, _, _ in rows]).delete()
    transaction.on_commit(lambda: [default_storage.delete(n) for n in names])
    return len(rows)
