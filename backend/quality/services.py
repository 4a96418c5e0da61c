"""Quality writes: sending an annotator's work of a class back (the labels' owners revoke them; quality records it)."""

from __future__ import annotations

from django.db import transaction

from backend.catalog.models import ActionClass
from backend.clips.services import clip_labels_revoke
from backend.quality.models import SendBack
from backend.segments.services import segment_annotations_revoke


def clip_labels_send_back(*, annotator, action_class: ActionClass, admin) -> int:
    """Revoke an annotator's clip labels of a class so the clips go back to the queue; record who did it."""
    with transaction.atomic():
        count = clip_labels_revoke(annotator=annotator, action_class=action_class)
        SendBack.objects.create(annotator=annotator, action_class=action_class, admin=admin, labels_revoked=count)
    return count


def segment_annotations_send_back(*, annotator, action_class: ActionClass, admin) -> int:
    """Revoke an annotator's submitted segment annotations of a class (the videos go back); record it."""
    with transaction.atomic():
        count = segment_annotations_revoke(annotator=annotator, action_class=action_class)
        SendBack.objects.create(annotator=annotator, action_class=action_class, admin=admin, labels_revoked=count)
    return count
