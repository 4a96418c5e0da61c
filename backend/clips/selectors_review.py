"""The clips of the review queue (issue 15 item 2): clips whose annotators split, lowest agreement first."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Case, Count, Exists, F, FloatField, OuterRef, Q, QuerySet, When
from django.db.models.functions import Cast

from backend.catalog.models import Project
from backend.clips.models import Clip, ClipDecision, Label


@dataclass(frozen=True)
class ClipLabelShown:
    annotator: str
    value: int


@dataclass(frozen=True)
class ClipInDispute:
    clip: Clip
    agreement: float  # share of labels on the larger side (consensus.agreement): 0.5 for 1-1, 2/3 for 2-1
    labels: list[ClipLabelShown]


def clips_in_dispute_queryset(*, project: Project | None = None) -> QuerySet[Clip]:
    """Live, non-gold clips with active labels on both sides and no reviewer's decision yet, lowest agreement first
    (then the oldest clip). Annotated with ``positive``, ``negative`` and ``agreement``."""
    active = Q(labels__active=True)
    qs = (
        Clip.objects.filter(retired_reason="", gold__isnull=True)
        .annotate(
            positive=Count("labels", filter=active & Q(labels__value=1)),
            negative=Count("labels", filter=active & Q(labels__value=-1)),
        )
        .filter(positive__gt=0, negative__gt=0)
        .annotate(reviewed=Exists(ClipDecision.objects.filter(clip=OuterRef("pk"))))
        .filter(reviewed=False)
        .annotate(
            agreement=Case(
                When(positive__gte=F("negative"), then=Cast("positive", FloatField())),
                default=Cast("negative", FloatField()),
            )
            / Cast(F("positive") + F("negative"), FloatField())
        )
        .order_by("agreement", "pk")
    )
    if project is not None:
        qs = qs.filter(video__project=project)
    return qs


def clips_in_dispute(*, project: Project | None = None, limit: int = 50) -> list[ClipInDispute]:
    """The first ``limit`` clips of the review queue, each with its annotators' active labels (oldest first)."""
    clips = list(clips_in_dispute_queryset(project=project).select_related("action_class", "video")[:limit])
    labels: dict[int, list[ClipLabelShown]] = {clip.pk: [] for clip in clips}
    for clip_id, username, value in (
        Label.objects.filter(clip_id__in=labels, active=True)
        .order_by("clip_id", "created_at", "pk")
        .values_list("clip_id", "annotator__username", "value")
    ):
        labels[clip_id].append(ClipLabelShown(annotator=username, value=value))
    return [ClipInDispute(clip=c, agreement=c.agreement, labels=labels[c.pk]) for c in clips]
