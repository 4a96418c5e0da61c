"""Keeping gold fresh (issue 15 item 4): clips that qualified annotators decided unanimously, proposed as gold.

A clip is a candidate when it is decided (has a consensus), is not gold, not retired, not a guideline example, not
dismissed by an admin (GoldCandidateDismissal), and has at least ``settings.GOLD_CANDIDATE_MIN_LABELS`` active labels
that all agree, every one by a *qualified* annotator: accuracy on the clip's class at or above the project's
accuracy gate, with at least ``project.min_gold_for_gate`` gold answers behind the figure (the dashboard's flag,
``selectors.is_flagged``, asks the same two questions the other way round). Confirming makes the agreed value the
gold answer (services.gold_candidate_confirm).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.conf import settings

from backend.catalog.models import ActionClass, Project
from backend.clips.models import Clip, Label
from backend.quality.selectors import annotator_accuracy


def is_qualified(*, annotator_id: int, action_class: ActionClass, project: Project) -> bool:
    """Accuracy on the class at or above the project's gate, with enough gold answers behind it to trust it."""
    acc = annotator_accuracy(annotator=annotator_id, action_class=action_class)
    return (
        acc.gold_answers >= project.min_gold_for_gate
        and acc.accuracy is not None
        and acc.accuracy >= project.accuracy_gate
    )


def gold_candidates(*, project: Project, clip_ids: Iterable[int] | None = None) -> list[dict]:
    """The project's gold candidates (see the module docstring), by class, video and time."""
    min_labels = settings.GOLD_CANDIDATE_MIN_LABELS
    clips = Clip.objects.filter(
        video__project=project,
        gold__isnull=True,
        retired_reason="",
        example_roles__isnull=True,
        gold_dismissal__isnull=True,
        consensus__isnull=False,
    )
    if clip_ids is not None:
        clips = clips.filter(pk__in=list(clip_ids))
    votes: dict[int, list[tuple[int, str, int]]] = defaultdict(list)
    for clip_id, annotator_id, username, value in (
        Label.objects.filter(clip__in=clips, active=True)
        .order_by("clip_id", "annotator__username")
        .values_list("clip_id", "annotator_id", "annotator__username", "value")
    ):
        votes[clip_id].append((annotator_id, username, value))
    unanimous = {cid: v for cid, v in votes.items() if len(v) >= min_labels and len({x[2] for x in v}) == 1}
    qualified: dict[tuple[int, int], bool] = {}
    out = []
    rows = (
        clips.filter(pk__in=list(unanimous))
        .select_related("video", "action_class")
        .order_by("action_class__name", "video__external_id", "start", "pk")
    )
    for clip in rows:
        labels = unanimous[clip.pk]
        for annotator_id, _, _ in labels:
            key = (annotator_id, clip.action_class_id)
            if key not in qualified:
                qualified[key] = is_qualified(
                    annotator_id=annotator_id, action_class=clip.action_class, project=project
                )
        if not all(qualified[(a, clip.action_class_id)] for a, _, _ in labels):
            continue
        out.append(
            {
                "clip_id": clip.pk,
                "clip_uid": str(clip.uid),
                "class_id": clip.action_class_id,
                "class": clip.action_class.name,
                "video": clip.video.external_id,
                "start": clip.start,
                "end": clip.end,
                "value": labels[0][2],
                "annotators": [username for _, username, _ in labels],
            }
        )
    return out
