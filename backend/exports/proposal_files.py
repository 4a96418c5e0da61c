"""S-CNN proposals against the annotated segments, as the two files the ActivityNet evaluator reads
(`evaluate_segments --proposals`): ground truth as export_segments writes it, and the stored proposals scored."""

from __future__ import annotations

from backend.catalog.models import Project
from backend.exports import activitynet
from backend.segments.models import SegmentAnnotation, SegmentProposal, SegmentVideo


def proposal_evaluation_files(*, project: Project | None = None, subset: str | None = None) -> tuple[dict, dict]:
    """``(ground_truth, results)`` in the ActivityNet layouts: the videos' final segments (what export_segments
    writes) and the stored proposals of the same videos, scored, for workers.evaluation."""
    database = dict(activitynet.entries(project=project, subset=subset))
    finals = SegmentVideo.objects.filter(
        final__isnull=False, final__status=SegmentAnnotation.Status.SUBMITTED, retired_reason=""
    )
    if project is not None:
        finals = finals.filter(video__project=project)
    if subset:
        finals = finals.filter(video__subset=subset)
    results: dict[str, list[dict]] = {vid: [] for vid in database}
    rows = (
        SegmentProposal.objects.filter(segment_video__in=finals)
        .order_by("segment_video__video__external_id", "rank")
        .values_list("segment_video__video__external_id", "segment_video__action_class__name", "start", "end", "score")
    )
    for video_id, label, start, end, score in rows:
        results.setdefault(video_id, []).append({"label": label, "segment": [start, end], "score": score})
    ground_truth = {"version": activitynet.VERSION, "database": database}
    return ground_truth, {
        "version": "ActionLoom S-CNN proposals",
        "results": results,
        "external_data": {"used": False, "details": ""},
    }
