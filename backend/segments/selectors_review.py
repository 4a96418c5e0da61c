"""Videos for review (issue 15 item 2) and where each video's exported segments came from.

Agreement between two annotations of a video: the duration-weighted temporal IoU of their labelled time
(workers/evaluation/agreement.py: ``weighted_agreement``; a rejection counts as no segments, and two sides with
nothing agree). Two annotations *agree* when every segment of each is matched at tIoU >= 0.5 (the F1 of
``selectors.agreement`` is 1, ActivityNet's hit): the rule the default final answer (the medoid) already uses.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from itertools import combinations

from django.db.models import Count, Exists, OuterRef, Q

from backend.catalog.models import Project
from backend.segments.models import SegmentAnnotation, SegmentVideo
from backend.segments.selectors import DONE, agreement, segment_lists
from workers.evaluation.agreement import pair_agreement

# Where a video's exported segments came from (the clips' sources, clips/consensus.py, and three of the timeline's).
SINGLE, UNANIMOUS, MAJORITY, ADJUDICATED = "single", "unanimous", "majority", "adjudicated"
GOLD, IMPORTED, DISPUTED = "gold", "imported", "disputed"  # disputed: annotators differ, no majority, not reviewed

Spans = list[tuple[float, float]] | None  # None: a rejection


@dataclass(frozen=True)
class AnnotationShown:
    pk: int
    uid: str
    annotator: str
    status: str
    segments: list[tuple[float, float]]


@dataclass(frozen=True)
class VideoInDispute:
    segment_video: SegmentVideo
    agreement: float  # mean pairwise duration-weighted tIoU, lowest first
    annotations: list[AnnotationShown]


def _answers(annotations: list[SegmentAnnotation]) -> dict[int, Spans]:
    lists = segment_lists([a.pk for a in annotations])
    return {a.pk: None if a.status == SegmentAnnotation.Status.REJECTED else lists.get(a.pk, []) for a in annotations}


def weighted_tiou(a: Spans, b: Spans) -> float:
    """Duration-weighted temporal IoU of two annotations of one video (a rejection: no segments)."""
    return pair_agreement(a=[("", s, e) for s, e in a or []], b=[("", s, e) for s, e in b or []]).weighted_agreement


def _all_agree(answers: list[Spans]) -> bool:
    return all(agreement(x, y) == 1.0 for x, y in combinations(answers, 2))


def _done_by_video(video_ids) -> dict[int, list[SegmentAnnotation]]:
    out: dict[int, list[SegmentAnnotation]] = defaultdict(list)
    for annotation in (
        SegmentAnnotation.objects.filter(
            segment_video_id__in=video_ids, kind=SegmentAnnotation.Kind.REGULAR, active=True, status__in=DONE
        )
        .select_related("annotator")
        .order_by("segment_video_id", "submitted_at", "pk")
    ):
        out[annotation.segment_video_id].append(annotation)
    return out


def videos_in_dispute(*, project: Project | None = None, limit: int = 50) -> list[VideoInDispute]:
    """Live, non-gold videos with two or more finished annotations that do not all agree and no reviewed answer,
    lowest mean pairwise tIoU first (then the oldest video). Read in Python: fine for thousands of such videos."""
    reviewed = SegmentAnnotation.objects.filter(
        segment_video=OuterRef("pk"), kind=SegmentAnnotation.Kind.REVIEWED, active=True
    )
    done = Q(annotations__kind=SegmentAnnotation.Kind.REGULAR, annotations__active=True, annotations__status__in=DONE)
    videos = (
        SegmentVideo.objects.filter(is_gold=False, retired_reason="")
        .annotate(done=Count("annotations", filter=done), reviewed=Exists(reviewed))
        .filter(done__gte=2, reviewed=False)
        .select_related("video", "action_class")
    )
    if project is not None:
        videos = videos.filter(video__project=project)
    rows = {v.pk: v for v in videos}
    by_video = _done_by_video(list(rows))
    out = []
    for video_id, done_here in by_video.items():
        answers = _answers(done_here)
        spans = [answers[a.pk] for a in done_here]
        if _all_agree(spans):
            continue
        pairs = [weighted_tiou(x, y) for x, y in combinations(spans, 2)]
        shown = [
            AnnotationShown(a.pk, str(a.uid), a.annotator.username, a.status, list(answers[a.pk] or []))
            for a in done_here
        ]
        out.append(VideoInDispute(rows[video_id], sum(pairs) / len(pairs), shown))
    out.sort(key=lambda item: (item.agreement, item.segment_video.pk))
    return out[:limit]


def video_in_review(*, segment_video: SegmentVideo) -> list[AnnotationShown]:
    """A video's finished regular annotations, each with its segments, for the lanes view (oldest first)."""
    annotations = _done_by_video([segment_video.pk])[segment_video.pk]
    answers = _answers(annotations)
    return [
        AnnotationShown(a.pk, str(a.uid), a.annotator.username, a.status, list(answers[a.pk] or []))
        for a in annotations
    ]


def segment_label_sources(video_ids: list[int]) -> dict[int, str]:
    """Where each video's final answer came from: ``adjudicated`` (a reviewer), ``gold``, ``imported``; else by how
    its finished annotations agree: ``single`` (one), ``unanimous`` (all agree), ``majority`` (the final one agrees
    with more than half of them, itself included), ``disputed`` (none of these)."""
    finals = dict(SegmentVideo.objects.filter(pk__in=video_ids).values_list("pk", "final__kind"))
    out = {}
    regular = [pk for pk, kind in finals.items() if kind == SegmentAnnotation.Kind.REGULAR]
    by_video = _done_by_video(regular)
    final_of = dict(SegmentVideo.objects.filter(pk__in=regular).values_list("pk", "final_id"))
    for pk, kind in finals.items():
        if kind == SegmentAnnotation.Kind.REVIEWED:
            out[pk] = ADJUDICATED
        elif kind == SegmentAnnotation.Kind.GOLD:
            out[pk] = GOLD
        elif kind == SegmentAnnotation.Kind.IMPORTED:
            out[pk] = IMPORTED
        else:
            out[pk] = _source_of(by_video.get(pk, []), final_of.get(pk))
    return out


def _source_of(annotations: list[SegmentAnnotation], final_id: int | None) -> str:
    if len(annotations) <= 1:
        return SINGLE
    answers = _answers(annotations)
    spans = [answers[a.pk] for a in annotations]
    if _all_agree(spans):
        return UNANIMOUS
    if final_id not in answers:  # the final one is not a finished regular annotation (an admin's pick is one)
        return DISPUTED
    final = answers[final_id]
    agreeing = sum(agreement(final, answers[a.pk]) == 1.0 for a in annotations)
    return MAJORITY if agreeing * 2 > len(annotations) else DISPUTED
