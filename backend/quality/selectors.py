"""Quality reads: golden accuracy, throughput, progress and agreement. The only readers of GoldAnswer values."""

from __future__ import annotations

from dataclasses import dataclass
from statistics import median

from django.conf import settings
from django.db.models import Count, F, Q

from backend.catalog.models import ActionClass, Project
from backend.clips.models import Label


@dataclass(frozen=True)
class Accuracy:
    gold_answers: int
    correct: int

    @property
    def accuracy(self) -> float | None:
        return self.correct / self.gold_answers if self.gold_answers else None


# A label is a check of its annotator (counted in accuracy) when its clip was gold before the label was given. A
# clip made gold afterwards (a gold candidate: issue 15, decided unanimously by the very annotators who labelled it)
# would otherwise credit each of them with a right answer they gave as ordinary work.
GOLD_CHECK = Q(clip__gold__isnull=False, created_at__gte=F("clip__gold__created_at"))
CORRECT = Count("pk", filter=GOLD_CHECK & Q(value=F("clip__gold__value")))


def annotator_accuracy(*, annotator, action_class: ActionClass | None = None, submitted_until=None) -> Accuracy:
    """Share of the annotator's active labels on gold clips that match the gold answer (of the pages submitted
    until `submitted_until`, when given); only labels given once the clip was gold (GOLD_CHECK)."""
    qs = Label.objects.filter(GOLD_CHECK, annotator=annotator, active=True)
    if action_class is not None:
        qs = qs.filter(clip__action_class=action_class)
    if submitted_until is not None:
        qs = qs.filter(page__submitted_at__lte=submitted_until)
    agg = qs.aggregate(n=Count("pk"), correct=CORRECT)
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
