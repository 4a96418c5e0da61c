"""The learned proposal head (issue 6): trained on the annotated segments once there are enough, it re-ranks S-CNN's
windows; validated on held-out videos (workers/proposal_head.py does the maths)."""

from __future__ import annotations

import logging

import numpy as np
from django.db import transaction

from backend.catalog.models import Project
from backend.core.tasks import task_publish_on_commit
from backend.mining.services import latest_classifiers
from backend.segments.models import (
    SegmentAnnotation,
    SegmentProposalHead,
    SegmentProposalRun,
    SegmentVideo,
)
from backend.segments.proposals import HOLDOUT_EVERY, MIN_HOLDOUT_VIDEOS, _num_frames, run_scores
from backend.segments.services import segment_settings_get
from workers import proposal_head as head_compute
from workers import proposals_scnn as scnn

log = logging.getLogger("actionloom.segments")


def annotated_videos(
    *, project: Project, subset: str | None = None
) -> list[tuple[SegmentVideo, SegmentProposalRun, list[tuple[float, float]]]]:
    """Videos of the project (of a subset) with final (submitted) segments and stored scores from the current
    classifiers."""
    youtube, web = latest_classifiers()
    videos = (
        SegmentVideo.objects.filter(
            video__project=project,
            final__status=SegmentAnnotation.Status.SUBMITTED,
            final__active=True,
            proposal_run__scores__isnull=False,
            proposal_run__youtube_model=youtube,
            proposal_run__web_model=web,
        )
        .select_related("proposal_run", "final")
        .order_by("pk")
    )
    if subset:
        videos = videos.filter(video__subset=subset)
    return [(v, v.proposal_run, list(v.final.segments.values_list("start", "end"))) for v in videos]


def _video_scores(video: SegmentVideo, run: SegmentProposalRun, segments) -> head_compute.VideoScores:
    times, probabilities = run_scores(run)
    return head_compute.VideoScores(
        num_frames=_num_frames(video),
        fps=video.media_fps,
        times=times,
        probabilities=probabilities,
        segments=np.asarray(segments, dtype=float),
    )


def proposal_head_train(*, project: Project, subset: str | None = None) -> SegmentProposalHead | None:
    """Train the project's proposal head once enough segments are annotated; None while there are too few.
    ``subset``: learn from that subset's videos only (e.g. training, to keep validation for measuring).

    Validation first: trained on all but every HOLDOUT_EVERY-th annotated video, both scorings are compared by AR@AN
    AUC on the held-out ones (with the project's thresholds and NMS, i.e. the suggestions annotators would get). The
    stored head is then trained on every annotated video, and is ``active`` (used) only if it won.
    """
    settings_row = segment_settings_get(project=project)
    rows = annotated_videos(project=project, subset=subset)
    segments = sum(len(s) for _, _, s in rows)
    if segments < settings_row.proposal_head_min_segments or not rows:
        return None
    scored = [(video, _video_scores(video, run, segs)) for video, run, segs in rows if segs]
    held = [pair for i, pair in enumerate(scored) if i % HOLDOUT_EVERY == HOLDOUT_EVERY - 1]
    train = [pair for i, pair in enumerate(scored) if i % HOLDOUT_EVERY != HOLDOUT_EVERY - 1]
    auc_head = auc_mean = None
    if len(held) >= MIN_HOLDOUT_VIDEOS and train:
        trial = head_compute.train_proposal_head([vs for _, vs in train])
        auc_head = _auc(
            held,
            settings_row,
            lambda v, vs: head_compute.head_proposals(
                head=trial,
                num_frames=vs.num_frames,
                fps=vs.fps,
                times=vs.times,
                probabilities=vs.probabilities,
                score_threshold=settings_row.proposal_head_threshold,
                nms_tiou=settings_row.proposal_nms_tiou,
            ),
        )
        auc_mean = _auc(
            held,
            settings_row,
            lambda v, vs: scnn.scnn_proposals(
                num_frames=vs.num_frames,
                fps=vs.fps,
                times=vs.times,
                probabilities=vs.probabilities,
                score_threshold=settings_row.proposal_threshold,
                nms_tiou=settings_row.proposal_nms_tiou,
            ),
        )
    head = head_compute.train_proposal_head([vs for _, vs in scored])
    with transaction.atomic():
        version = (
            SegmentProposalHead.objects.filter(project=project)
            .order_by("-version")
            .values_list("version", flat=True)
            .first()
            or 0
        ) + 1
        record = SegmentProposalHead.objects.create(
            project=project,
            version=version,
            parameters=head.as_dict(),
            videos=len(scored),
            segments=segments,
            holdout_videos=len(held) if auc_head is not None else 0,
            holdout_auc_head=auc_head,
            holdout_auc_mean=auc_mean,
            active=auc_head is not None and auc_head > auc_mean,
        )
    log.info(
        "proposal head v%d of %s: held-out AUC %s (head) vs %s (mean probability), %s",
        version,
        project,
        auc_head,
        auc_mean,
        "active" if record.active else "not used",
    )
    return record


def annotated_segment_count(*, project: Project) -> int:
    """Segments of the project's final (submitted) annotations: what a head would learn from."""
    from django.db.models import F

    from backend.segments.models import Segment

    return Segment.objects.filter(
        annotation__segment_video__video__project=project,
        annotation__segment_video__final=F("annotation"),
        annotation__status=SegmentAnnotation.Status.SUBMITTED,
        annotation__active=True,
    ).count()


def proposal_head_due(*, project: Project) -> bool:
    """Enough annotated segments for a first head, or a quarter more than the last head learnt from."""
    settings_row = segment_settings_get(project=project)
    count = annotated_segment_count(project=project)
    if count < settings_row.proposal_head_min_segments:
        return False
    last = SegmentProposalHead.objects.filter(project=project).order_by("-version").first()
    return last is None or count >= 1.25 * last.segments


def proposal_head_queue_if_due(*, project: Project) -> bool:
    """Publish the head task on commit when a (new) head is due. Called when a video gets its final answer."""
    from backend.segments.tasks import segment_proposal_head_task

    if not proposal_head_due(project=project):
        return False
    task_publish_on_commit(segment_proposal_head_task, project.pk)
    return True


def _auc(held, settings_row, propose) -> float:
    return head_compute.proposals_auc(
        segments=[vs.segments for _, vs in held], proposals=[propose(v, vs) for v, vs in held]
    )
