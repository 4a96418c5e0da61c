"""Segment agreement that says where people differ, per annotator and class (issue 15 item 3).

Reads the timeline's rows and hands them to workers/evaluation/agreement.py, which defines every figure (label-first
Hungarian matching at tIoU > 0, signed start/end offsets, boundary F1 at 0.5/1/2 s, duration-weighted agreement).

Who is compared with whom, per video (retired videos left out):

* each pair of annotators with a finished regular annotation (a rejection counts as no segments), side ``a`` being
  the first username in alphabetical order, so a signed offset says who marks later;
* each annotator against the reference: the video's final answer (``SegmentVideo.final``: on a gold video the gold
  annotation, on others the annotation picked or defaulted as the answer). An annotator whose own annotation is the
  final one is not compared with it (it would agree with itself perfectly).
"""

from __future__ import annotations

from collections import defaultdict
from itertools import combinations

from backend.catalog.models import ActionClass, Project
from backend.segments.models import Segment, SegmentAnnotation, SegmentVideo
from backend.segments.selectors import DONE
from workers.evaluation.agreement import BOUNDARY_TOLERANCES, PairAgreement, agreement_summary, pair_agreement


def _labelled_segments(annotation_ids: set[int]) -> dict[int, list[tuple[str, float, float]]]:
    out: dict[int, list[tuple[str, float, float]]] = defaultdict(list)
    rows = (
        Segment.objects.filter(annotation_id__in=annotation_ids)
        .order_by("annotation_id", "position", "start", "pk")
        .values_list("annotation_id", "action_class__name", "start", "end")
    )
    for annotation_id, label, start, end in rows:
        out[annotation_id].append((label, start, end))
    return out


def segment_agreement(*, project: Project | None = None, action_class: ActionClass | None = None) -> dict:
    """Agreement per annotator and class (against the reference and against the others) and per pair of annotators.

    Each summary is ``workers.evaluation.agreement.agreement_summary``: videos, matched segments, median and 90th
    percentile of absolute start/end offsets (s), mean signed offsets, boundary F1 per tolerance, weighted agreement.
    """
    videos = SegmentVideo.objects.filter(retired_reason="").select_related("action_class", "final")
    if project is not None:
        videos = videos.filter(video__project=project)
    if action_class is not None:
        videos = videos.filter(action_class=action_class)
    done = (
        SegmentAnnotation.objects.filter(
            segment_video__in=videos,
            kind=SegmentAnnotation.Kind.REGULAR,
            active=True,
            status__in=DONE,
            annotator__isnull=False,
        )
        .select_related("annotator")
        .order_by("segment_video_id", "annotator__username")
    )
    by_video: dict[int, list[SegmentAnnotation]] = defaultdict(list)
    for annotation in done:
        by_video[annotation.segment_video_id].append(annotation)
    video_rows = {v.pk: v for v in videos.filter(pk__in=list(by_video))}
    wanted = {a.pk for anns in by_video.values() for a in anns} | {
        v.final_id for v in video_rows.values() if v.final_id
    }
    segments = _labelled_segments(wanted)

    def answer(annotation: SegmentAnnotation) -> list[tuple[str, float, float]]:
        return [] if annotation.status == SegmentAnnotation.Status.REJECTED else segments.get(annotation.pk, [])

    vs_reference: dict[tuple[str, str], list[PairAgreement]] = defaultdict(list)
    vs_others: dict[tuple[str, str], list[PairAgreement]] = defaultdict(list)
    pairs: dict[tuple[str, str, str], list[PairAgreement]] = defaultdict(list)
    for video_id, video_annotations in by_video.items():
        video = video_rows[video_id]
        cls = video.action_class.name
        final = video.final
        for annotation in video_annotations:
            key = (annotation.annotator.username, cls)
            vs_reference.setdefault(key, [])
            if final is not None and final.pk != annotation.pk:
                vs_reference[key].append(pair_agreement(a=answer(annotation), b=answer(final)))
        for first, second in combinations(video_annotations, 2):  # ordered by username: first < second
            result = pair_agreement(a=answer(first), b=answer(second))
            pairs[(first.annotator.username, second.annotator.username, cls)].append(result)
            vs_others[(first.annotator.username, cls)].append(result)
            vs_others[(second.annotator.username, cls)].append(pair_agreement(a=answer(second), b=answer(first)))
    return {
        "tolerances": [str(t) for t in BOUNDARY_TOLERANCES],
        "annotators": [
            {
                "annotator": username,
                "class": cls,
                "vs_reference": agreement_summary(vs_reference[(username, cls)]),
                "vs_others": agreement_summary(vs_others.get((username, cls), [])),
            }
            for username, cls in sorted(vs_reference)
        ],
        "pairs": [
            {"a": a, "b": b, "class": cls, **agreement_summary(results)}
            for (a, b, cls), results in sorted(pairs.items())
        ],
    }
