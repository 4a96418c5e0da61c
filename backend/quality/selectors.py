"""Quality reads: golden accuracy, throughput, progress and agreement. The only readers of GoldAnswer values."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from statistics import median

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Count, F, Q, Sum

from backend.catalog.models import ActionClass, Project
from backend.clips.models import Clip, ConsensusResult, Label


@dataclass(frozen=True)
class Accuracy:
    gold_answers: int
    correct: int

    @property
    def accuracy(self) -> float | None:
        return self.correct / self.gold_answers if self.gold_answers else None


def annotator_accuracy(*, annotator, action_class: ActionClass | None = None, submitted_until=None) -> Accuracy:
    """Share of the annotator's active labels on gold clips that match the gold answer (of the pages submitted
    until `submitted_until`, when given)."""
    qs = Label.objects.filter(annotator=annotator, active=True, clip__gold__isnull=False)
    if action_class is not None:
        qs = qs.filter(clip__action_class=action_class)
    if submitted_until is not None:
        qs = qs.filter(page__submitted_at__lte=submitted_until)
    agg = qs.aggregate(n=Count("pk"), correct=Count("pk", filter=Q(value=F("clip__gold__value"))))
    return Accuracy(gold_answers=agg["n"], correct=agg["correct"])


# The figure an annotator sees of themself moves only every this many submitted pages (or videos), and rounded: a
# figure updated after each page would tell which page held gold, and how many of its answers were wrong
# (docs/security.md). Admins see the live figure.
SHOWN_EVERY = 10
SHOWN_STEP = 0.05


def shown_cutoff(submitted_times) -> object | None:
    """The submission time up to which an annotator's own figure counts: the last whole block of SHOWN_EVERY.

    `submitted_times`: a queryset of submission times; two small queries (a count, one row), not every row.
    """
    cut = submitted_times.count() // SHOWN_EVERY * SHOWN_EVERY
    return submitted_times.order_by("submitted_at")[cut - 1] if cut else None


def shown_figure(value: float | None) -> float | None:
    return None if value is None else round(round(value / SHOWN_STEP) * SHOWN_STEP, 2)


def annotator_accuracy_shown(*, annotator) -> float | None:
    """The accuracy the annotator sees of themself: over whole blocks of SHOWN_EVERY submitted pages, rounded."""
    from backend.clips.models import Page

    cutoff = shown_cutoff(
        Page.objects.filter(annotator=annotator, submitted_at__isnull=False).values_list("submitted_at", flat=True)
    )
    if cutoff is None:
        return None
    return shown_figure(annotator_accuracy(annotator=annotator, submitted_until=cutoff).accuracy)


def annotator_segment_f1_shown(*, annotator) -> float | None:
    """The timeline's figure the annotator sees: segment F1 over whole blocks of SHOWN_EVERY finished videos."""
    from backend.segments.models import SegmentAnnotation
    from backend.segments.selectors import DONE, annotator_segment_accuracy

    cutoff = shown_cutoff(
        SegmentAnnotation.objects.filter(
            annotator=annotator, kind=SegmentAnnotation.Kind.REGULAR, status__in=DONE, submitted_at__isnull=False
        ).values_list("submitted_at", flat=True)
    )
    if cutoff is None:
        return None
    return shown_figure(annotator_segment_accuracy(annotator=annotator, submitted_until=cutoff).f1)


def is_flagged(*, accuracy: Accuracy, project: Project) -> bool:
    """Below the project's accuracy gate, with enough gold answers behind the figure to trust it."""
    return accuracy.gold_answers >= project.min_gold_for_gate and (accuracy.accuracy or 0.0) < project.accuracy_gate


def seconds_per_clip_median(*, annotator, project: Project) -> tuple[float | None, int]:
    """Median seconds spent per active clip label in the project, and the number of labels behind it."""
    seconds = list(
        Label.objects.filter(annotator=annotator, active=True, clip__video__project=project).values_list(
            "seconds_spent", flat=True
        )
    )
    return (median(seconds) if seconds else None), len(seconds)


def is_too_fast(*, median_seconds: float | None, labels: int) -> bool:
    """Implausibly fast: median seconds per clip below settings.FAST_SECONDS_PER_CLIP (0.5 s: a quarter of a 2-s
    clip) over at least settings.FAST_MIN_LABELS labels. The median, not the mean, so a few long pauses on a page
    do not hide a habit of clicking through."""
    return (
        labels >= settings.FAST_MIN_LABELS
        and median_seconds is not None
        and median_seconds < settings.FAST_SECONDS_PER_CLIP
    )


def dashboard(*, project: Project) -> dict:
    """Everything the admin dashboard shows, as plain data (the API serves it; the page polls it)."""
    users = get_user_model().objects.filter(annotator_groups__project=project).distinct().order_by("username")
    classes = ActionClass.objects.filter(annotator_groups__project=project).distinct().order_by("name")
    annotators = []
    for user in users:
        overall = annotator_accuracy(annotator=user)
        labels = Label.objects.filter(annotator=user, active=True, clip__video__project=project)
        agg = labels.aggregate(n=Count("pk"), seconds=Sum("seconds_spent"))
        seconds = agg["seconds"] or 0.0
        median_seconds, n_labels = seconds_per_clip_median(annotator=user, project=project)
        per_class = []
        for cls in classes.filter(annotator_groups__members=user):
            acc = annotator_accuracy(annotator=user, action_class=cls)
            per_class.append(
                {
                    "class_id": cls.pk,
                    "class": cls.name,
                    **asdict(acc),
                    "accuracy": acc.accuracy,
                    "flagged": is_flagged(accuracy=acc, project=project),
                }
            )
        annotators.append(
            {
                "id": user.pk,
                "username": user.username,
                **asdict(overall),
                "accuracy": overall.accuracy,
                "flagged": is_flagged(accuracy=overall, project=project) or any(c["flagged"] for c in per_class),
                "labels": agg["n"],
                "seconds_per_clip": seconds / agg["n"] if agg["n"] else None,
                "clips_per_hour": agg["n"] / (seconds / 3600) if seconds else None,
                "median_seconds_per_clip": median_seconds,
                "too_fast": is_too_fast(median_seconds=median_seconds, labels=n_labels),
                "per_class": per_class,
            }
        )
    progress = []
    for cls in classes:
        # Guideline examples are shown, never asked: they are not part of the work; nor are the clips retired with a
        # removed video (their labels are kept, but they are no longer work to do or results to count).
        clips = Clip.objects.filter(
            action_class=cls, video__project=project, gold__isnull=True, example_roles__isnull=True, retired_reason=""
        )
        by_count = clips.aggregate(
            sampled=Count("pk"),
            ready=Count("pk", filter=Q(media_state=Clip.MediaState.READY)),
            once=Count("pk", filter=Q(label_count=1)),
            twice=Count("pk", filter=Q(label_count=2)),
            thrice=Count("pk", filter=Q(label_count__gte=3)),
            decided=Count("consensus"),
            positive=Count("consensus", filter=Q(consensus__value=1)),
        )
        gold = Clip.objects.filter(
            action_class=cls, video__project=project, gold__isnull=False, retired_reason=""
        ).count()
        by_count["consensus"] = by_count.pop("decided")
        progress.append({"class_id": cls.pk, "class": cls.name, "gold": gold, **by_count})
    results = ConsensusResult.objects.filter(clip__video__project=project)
    agreed = results.aggregate(n=Count("pk"), unanimous=Count("pk", filter=Q(unanimous=True)))
    return {
        "project": {
            "id": project.pk,
            "name": project.name,
            "accuracy_gate": project.accuracy_gate,
            "consensus_mode": project.consensus_mode,
            "gold_rate": project.gold_rate,
            "fast_seconds_per_clip": settings.FAST_SECONDS_PER_CLIP,
            "fast_min_labels": settings.FAST_MIN_LABELS,
            "qualification_required": project.qualification_required,
        },
        "annotators": annotators,
        "progress": progress,
        "agreement_rate": agreed["unanimous"] / agreed["n"] if agreed["n"] else None,
        "consensus_clips": agreed["n"],
    }
