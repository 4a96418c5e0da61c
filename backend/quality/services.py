"""Quality writes: sending an annotator's work of a class back (the labels' owners revoke them; quality records it);
confirming or dismissing a gold candidate (selectors_gold)."""

from __future__ import annotations

from django.db import transaction

from backend.catalog.models import ActionClass
from backend.clips.models import Clip, GoldAnswer
from backend.clips.services import clip_gold_set, clip_labels_revoke
from backend.core.errors import ApplicationError
from backend.quality.models import GoldCandidateDismissal, SendBack
from backend.quality.selectors_gold import gold_candidates
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


class GoldCandidateError(ApplicationError):
    code = "conflict"


def gold_candidate_confirm(*, clip: Clip, admin) -> GoldAnswer:
    """Make a gold candidate gold with the value its annotators agreed on (clips' gold service writes the answer).

    Refused (409) when the clip is no longer a candidate: already gold, dismissed, or its labels changed.
    """
    with transaction.atomic():
        clip = Clip.objects.select_for_update().select_related("video__project").get(pk=clip.pk)
        found = gold_candidates(project=clip.video.project, clip_ids=[clip.pk])
        if not found:
            raise GoldCandidateError("this clip is no longer a gold candidate")
        return clip_gold_set(clip=clip, value=found[0]["value"], author=admin)


def gold_candidate_dismiss(*, clip: Clip, admin) -> None:
    """Stop proposing a clip as gold (idempotent: dismissing twice keeps the first record)."""
    GoldCandidateDismissal.objects.get_or_create(clip=clip, defaults={"admin": admin})
