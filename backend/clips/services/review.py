"""A reviewer's decision on a clip whose annotators disagree (issue 15 item 2): stored beside the labels.

Locks: the clip's row lock (services.pages._lock_clips), as every label write takes it.
"""

from __future__ import annotations

from django.db import transaction

from backend.clips.models import Clip, ClipDecision, Label
from backend.clips.services.labels import clip_consensus_update
from backend.clips.services.pages import QueueError, _lock_clips


def clip_decide(*, reviewer, clip: Clip, value: int, note: str = "") -> ClipDecision:
    """Record a reviewer's label for a clip its annotators split on, and re-derive its consensus from it.

    The labels are left as they were (a decision sits beside them); the clip is decided (and closed) at once, its
    consensus now ``adjudicated``. A later decision replaces an earlier one for consensus; both are kept. Refused:
    a gold clip (its answer is the gold answer), a retired clip, a clip whose active labels do not disagree.
    Whether ``reviewer`` may review is the caller's check (the API's permission).
    """
    if value not in (1, -1):
        raise QueueError("a decision is 1 (positive) or -1 (negative)")
    with transaction.atomic():
        (locked,) = _lock_clips([clip.pk])
        if hasattr(locked, "gold"):
            raise QueueError("a gold clip's answer is its gold answer, not a review", code="conflict")
        if locked.retired_reason:
            raise QueueError("this clip was retired with its video", code="conflict")
        values = set(Label.objects.filter(clip=locked, active=True).values_list("value", flat=True))
        if len(values) < 2:
            raise QueueError("the annotators of this clip do not disagree: nothing to review", code="conflict")
        decision = ClipDecision.objects.create(clip=locked, reviewer=reviewer, value=value, note=note[:500])
        clip_consensus_update(clip=locked, mode=locked.video.project.consensus_mode)
        locked.save(update_fields=["required_labels", "is_open"])
    return decision
