"""Segment reads: clip marks for the overview, annotator accuracy against gold videos, agreement, the dashboard.

Matching is workers/evaluation/matching.py (one-to-one, greedy by tIoU, at tIoU 0.5): the same rule scores annotators
against gold and annotators against each other. The only readers of gold segments.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from itertools import combinations

from django.contrib.auth import get_user_model
from django.db.models import Count, Q, Sum

from backend.catalog.models import ActionClass, Project
from backend.clips.models import ConsensusResult
from backend.mining.models import Shot
from backend.segments.models import SegmentAnnotation, SegmentSettings, SegmentVideo
from workers.evaluation.matching import DEFAULT_MATCH_TIOU, match_segments

DONE = (SegmentAnnotation.Status.SUBMITTED, SegmentAnnotation.Status.REJECTED)


def clip_marks(*, segment_video: SegmentVideo) -> list[dict]:
    """The grid tool's decided clips of this video as overview marks: span (on the timeline's axis) and value.

    Only consensus values: a gold clip's answer never reaches an annotator.
    """
    offset = segment_video.first_frame_offset  # clip times count from the container start (workers/media/proxy.py)
    rows = (
        ConsensusResult.objects.filter(clip__video_id=segment_video.video_id)
        .order_by("clip__start")
        .values_list("clip__start", "clip__end", "value")
    )
    return [
        {"start": round(max(0.0, s - offset), 3), "end": round(max(0.0, e - offset), 3), "value": v} for s, e, v in rows
    ]


def shot_cuts(*, segment_video: SegmentVideo) -> list[float]:
    """The mining pipeline's shot cuts in the video (SLAC §3.5, mining.Shot), on the timeline's axis: the start of every
    shot but the first, in seconds from the first frame. The timeline snaps edges to them and jumps between them.

    Empty when the video was not mined (random-clip strategy) or its shots are not computed yet.
    """
    offset = segment_video.first_frame_offset  # shot times count from the container start, as clip times
    starts = (
        Shot.objects.filter(video_id=segment_video.video_id, index__gt=0)
        .order_by("start")
        .values_list("start", flat=True)
    )
    duration = segment_video.media_duration
    cuts = sorted({round(s - offset, 3) for s in starts})
    return [t for t in cuts if 0.0 < t < duration]


def segment_lists(annotation_ids: list[int]) -> dict[int, list[tuple[float, float]]]:
    from backend.segments.models import Segment

    out: dict[int, list[tuple[float, float]]] = defaultdict(list)
    for ann, start, end in (
        Segment.objects.filter(annotation_id__in=annotation_ids)
        .order_by("annotation_id", "position", "start", "pk")
        .values_list("annotation_id", "start", "end")
    ):
        out[ann].append((start, end))
    return out


def agreement(a: list[tuple[float, float]] | None, b: list[tuple[float, float]] | None) -> float:
    """F1 at tIoU 0.5 between two annotations of a video; None stands for a rejection (two rejections agree)."""
    if a is None or b is None:
        return 1.0 if a is None and b is None else 0.0
    return match_segments(annotator=a, gold=b, tiou_threshold=DEFAULT_MATCH_TIOU).f1


def _done_regular(segment_video: SegmentVideo):
    return SegmentAnnotation.objects.filter(
        segment_video=segment_video, kind=SegmentAnnotation.Kind.REGULAR, active=True, status__in=DONE
    ).order_by("submitted_at", "pk")


def default_final(*, segment_video: SegmentVideo) -> SegmentAnnotation | None:
    """The annotation exported unless an admin picks another: the only one, or the one agreeing most with the rest.

    With several annotators the medoid (highest summed agreement, earliest on ties) stands for the group: a single
    outlier cannot become the answer, and no segment times are invented by averaging.
    """
    done = list(_done_regular(segment_video))
    if len(done) <= 1:
        return done[0] if done else None
    lists = segment_lists([a.pk for a in done])
    answers = [None if a.status == SegmentAnnotation.Status.REJECTED else lists.get(a.pk, []) for a in done]
    totals = [sum(agreement(x, y) for j, y in enumerate(answers) if j != i) for i, x in enumerate(answers)]
    return done[max(range(len(done)), key=lambda i: (totals[i], -i))]


# --- accuracy against gold ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SegmentAccuracy:
    gold_videos: int
    precision: float | None
    recall: float | None
    f1: float | None  # mean over gold videos of the per-video F1 at tIoU 0.5: the figure the gate applies to
    mean_tiou: float | None  # over all matched pairs


def annotator_segment_accuracy(
    *, annotator, project: Project | None = None, action_class: ActionClass | None = None, submitted_until=None
) -> SegmentAccuracy:
    """Per gold video, match the annotator's segments to the gold ones (a rejection counts as no segments), then
    average precision, recall and F1 over the videos (matching.py defines the empty cases so none divides by zero)."""
    mine = SegmentAnnotation.objects.filter(
        annotator=annotator,
        kind=SegmentAnnotation.Kind.REGULAR,
        active=True,
        status__in=DONE,
        segment_video__is_gold=True,
    )
    if project is not None:
        mine = mine.filter(segment_video__video__project=project)
    if action_class is not None:
        mine = mine.filter(segment_video__action_class=action_class)
    if submitted_until is not None:
        mine = mine.filter(submitted_at__lte=submitted_until)
    mine = list(mine.values_list("pk", "segment_video_id", "segment_video__final_id"))
    if not mine:
        return SegmentAccuracy(0, None, None, None, None)
    lists = segment_lists([m[0] for m in mine] + [m[2] for m in mine if m[2]])
    results = [match_segments(annotator=lists.get(pk, []), gold=lists.get(gold_id, [])) for pk, _, gold_id in mine]
    ious = [pair[2] for r in results for pair in r.pairs]
    n = len(results)
    return SegmentAccuracy(
        gold_videos=n,
        precision=sum(r.precision for r in results) / n,
        recall=sum(r.recall for r in results) / n,
        f1=sum(r.f1 for r in results) / n,
        mean_tiou=sum(ious) / len(ious) if ious else None,
    )


def is_flagged(*, accuracy: SegmentAccuracy, project: Project) -> bool:
    """The clip tool's gate (Project.accuracy_gate, min_gold_for_gate) applied to segment F1."""
    return accuracy.gold_videos >= project.min_gold_for_gate and (accuracy.f1 or 0.0) < project.accuracy_gate


def _accuracy_dict(acc: SegmentAccuracy, project: Project) -> dict:
    return {
        "gold_videos": acc.gold_videos,
        "precision": acc.precision,
        "recall": acc.recall,
        "f1": acc.f1,
        "mean_tiou": acc.mean_tiou,
        "flagged": is_flagged(accuracy=acc, project=project),
    }


# --- agreement between annotators and the dashboard ----------------------------------------------------------------


def video_agreements(*, project: Project, limit: int | None = None) -> list[dict]:
    """Videos with two or more regular annotations: each annotation, and their mean pairwise agreement (F1 @ 0.5).

    Lowest agreement first: those are the ones an admin should look at before picking.
    """
    videos = (
        SegmentVideo.objects.filter(video__project=project)
        .annotate(
            n=Count(
                "annotations",
                filter=Q(annotations__kind="regular", annotations__active=True, annotations__status__in=DONE),
            )
        )
        .filter(n__gte=2)
        .select_related("video", "action_class")
    )
    out = []
    for video in videos:
        done = list(_done_regular(video).select_related("annotator"))
        lists = segment_lists([a.pk for a in done])
        answers = [None if a.status == SegmentAnnotation.Status.REJECTED else lists.get(a.pk, []) for a in done]
        pairs = [agreement(x, y) for x, y in combinations(answers, 2)]
        out.append(
            {
                "segment_video": video.pk,
                "video": video.video.external_id,
                "class": video.action_class.name,
                "agreement": sum(pairs) / len(pairs),
                "final": video.final_id,
                "annotations": [
                    {
                        "id": a.pk,
                        "annotator": a.annotator.username if a.annotator else None,
                        "rejected": a.reject_reason or None,
                        "segments": [list(s) for s in lists.get(a.pk, [])],
                    }
                    for a in done
                ],
            }
        )
    out.sort(key=lambda v: (v["agreement"], v["video"]))
    return out[:limit] if limit else out


def segment_dashboard(*, project: Project) -> dict:
    """Everything the dashboard's "Segment accuracy (gold videos)" section shows, as plain data."""
    settings = SegmentSettings.objects.filter(project=project).first() or SegmentSettings(project=project)
    users = get_user_model().objects.filter(annotator_groups__project=project).distinct().order_by("username")
    classes = ActionClass.objects.filter(annotator_groups__project=project).distinct().order_by("name")
    annotators = []
    for user in users:
        work = SegmentAnnotation.objects.filter(
            annotator=user,
            kind=SegmentAnnotation.Kind.REGULAR,
            active=True,
            status__in=DONE,
            segment_video__video__project=project,
        )
        agg = work.aggregate(
            n=Count("pk"), rejected=Count("pk", filter=Q(status="rejected")), seconds=Sum("seconds_spent")
        )
        per_class = [
            {
                "class_id": cls.pk,
                "class": cls.name,
                **_accuracy_dict(
                    annotator_segment_accuracy(annotator=user, project=project, action_class=cls), project
                ),
            }
            for cls in classes.filter(annotator_groups__members=user)
        ]
        overall = _accuracy_dict(annotator_segment_accuracy(annotator=user, project=project), project)
        overall["flagged"] = overall["flagged"] or any(c["flagged"] for c in per_class)
        annotators.append(
            {
                "id": user.pk,
                "username": user.username,
                **overall,
                "videos": agg["n"],
                "rejected": agg["rejected"],
                "seconds_per_video": (agg["seconds"] or 0.0) / agg["n"] if agg["n"] else None,
                "per_class": per_class,
            }
        )
    progress = []
    for cls in classes:
        videos = SegmentVideo.objects.filter(action_class=cls, video__project=project)
        counts = videos.aggregate(
            videos=Count("pk"),
            media_ready=Count("pk", filter=Q(media_state="ready")),
            media_failed=Count("pk", filter=Q(media_state="failed")),
            gold=Count("pk", filter=Q(is_gold=True)),
            done=Count("pk", filter=Q(final__isnull=False, final__status="submitted", is_gold=False)),
            rejected=Count("pk", filter=Q(final__status="rejected")),
            leased=Sum("lease_count"),
            suggestions_ready=Count("pk", filter=Q(proposal_run__state="ready")),
            suggestions_no_classifier=Count("pk", filter=Q(proposal_run__state="no_classifier")),
            suggestions_failed=Count("pk", filter=Q(proposal_run__state="failed")),
        )
        not_queued = project.videos.filter(query_class=cls, segment_video__isnull=True).exclude(file="").count()
        progress.append(
            {"class_id": cls.pk, "class": cls.name, **counts, "leased": counts["leased"] or 0, "not_queued": not_queued}
        )
    agreements = video_agreements(project=project)
    return {
        "project": {
            "id": project.pk,
            "accuracy_gate": project.accuracy_gate,
            "min_gold_for_gate": project.min_gold_for_gate,
        },
        "settings": {
            "annotators_per_video": settings.annotators_per_video,
            "gold_rate": settings.gold_rate,
            "lease_minutes": settings.lease_minutes,
            "suggestions": settings.suggestions,
        },
        "annotators": annotators,
        "progress": progress,
        "agreement": {
            "videos": len(agreements),
            "mean_f1": sum(a["agreement"] for a in agreements) / len(agreements) if agreements else None,
        },
        "to_pick": agreements[:20],
    }


def proposal_runs_summary(*, project: Project | None = None) -> dict[str, int]:
    """How many videos' proposals are in each state, and by which method the ready ones were scored."""
    from backend.segments.models import SegmentProposalRun

    runs = SegmentProposalRun.objects.all()
    if project is not None:
        runs = runs.filter(segment_video__video__project=project)
    out = {f"state {row['state']}": row["n"] for row in runs.values("state").annotate(n=Count("pk")).order_by("state")}
    for row in runs.filter(state="ready").values("method").annotate(n=Count("pk")).order_by("method"):
        out[f"method {row['method']}"] = row["n"]
    return out


def suggestion_time(*, project: Project | None = None) -> dict[str, dict]:
    """Active seconds per submitted video with and without suggestions shown (regular annotations, not sent back).

    "with": the server showed the annotator at least one suggestion on that video; "without": it showed none
    (suggestions switched off for the project, or none for that video). Rejected videos are left out: a skip is not
    annotation time.
    """
    from statistics import median

    done = SegmentAnnotation.objects.filter(
        kind=SegmentAnnotation.Kind.REGULAR, active=True, status=SegmentAnnotation.Status.SUBMITTED
    )
    if project is not None:
        done = done.filter(segment_video__video__project=project)
    out = {}
    for key, shown in (("with", True), ("without", False)):
        rows = list(
            done.filter(suggestions_shown=shown).values_list(
                "seconds_spent", "suggestions_accepted", "suggestions_adjusted", "suggestions_dismissed"
            )
        )
        n = len(rows)
        out[key] = {
            "annotations": n,
            "mean_seconds": sum(r[0] for r in rows) / n if n else None,
            "median_seconds": median(r[0] for r in rows) if n else None,
            "accepted_per_video": sum(r[1] for r in rows) / n if n else None,
            "adjusted_per_video": sum(r[2] for r in rows) / n if n else None,
            "dismissed_per_video": sum(r[3] for r in rows) / n if n else None,
        }
    return out
