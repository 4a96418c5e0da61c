"""S-CNN proposals as suggestions in the timeline (issue 6): computing and storing them, the learned proposal head,
and the suggestions an annotator's task carries.

A video's proposals are computed once its proxy is ready (segments.media queues them), with the frame classifiers
of the mining pipeline (the latest version of each kind, ClassifierModel): the class probability of the video's
class at SAMPLE_FPS frames of the proxy — the mean of the two classifiers when both exist — scores S-CNN's sliding
windows (workers/proposals_scnn.py). Without any classifier there are no proposals and the run says so
(``no_classifier``); scores are never made up. Once a project has enough annotated segments a learned head
(workers/proposal_head.py) is trained and, if it beats the mean probability on held-out videos, scores the windows.

Suggestions never count as annotations: an annotator's accepted suggestion becomes a Segment of their own annotation
when they submit; the annotation records that suggestions were shown and what was accepted, adjusted or dismissed.
Gold videos are made without suggestions (gold mode shows none), so references check annotators and proposals alike.
"""

from __future__ import annotations

import io
import logging
import tempfile
from pathlib import Path

import numpy as np
from django.db import transaction

from backend.catalog.models import Project
from backend.core.storage import stored_file_local_path
from backend.core.tasks import task_publish, task_publish_on_commit
from backend.mining.models import ClassifierModel
from backend.mining.services import classifier_load, latest_classifiers
from backend.segments.models import (
    SegmentProposal,
    SegmentProposalHead,
    SegmentProposalRun,
    SegmentSettings,
    SegmentVideo,
)
from backend.segments.services import segment_settings_get
from workers import proposal_head as head_compute
from workers import proposals_scnn as scnn

log = logging.getLogger("actionloom.segments")

MAX_SUGGESTIONS = 50  # shown to an annotator: the best ones (a proposal file for AR@AN keeps them all)
HOLDOUT_EVERY = 4  # every 4th annotated video (by id) is held out when a head is validated
MIN_HOLDOUT_VIDEOS = 2
State = SegmentProposalRun.State


# --- the classifiers ---------------------------------------------------------------------------------------------


def proposal_classifiers(*, segment_video: SegmentVideo) -> list[tuple[ClassifierModel, int]]:
    """The project's current frame classifiers that know the video's class, each with that class's index."""
    name = segment_video.action_class.name
    return [
        (model, model.class_names.index(name))
        for model in latest_classifiers()
        if model is not None and name in model.class_names
    ]


# --- queueing ----------------------------------------------------------------------------------------------------


def segment_proposals_queue(*, segment_video: SegmentVideo) -> SegmentProposalRun:
    """Mark the video's proposals pending and publish their task when the transaction commits."""
    from backend.segments.tasks import segment_proposals_make_task

    run, _ = SegmentProposalRun.objects.get_or_create(segment_video=segment_video)
    SegmentProposalRun.objects.filter(pk=run.pk).update(state=State.PENDING, progress=0, message="")
    task_publish_on_commit(segment_proposals_make_task, segment_video.pk)
    return run


def segment_proposals_enqueue(*, project: Project | None = None, force: bool = False) -> int:
    """Queue proposals for every video with media ready (of a project), e.g. after new classifiers. Returns how many.

    Without ``force`` a video whose proposals are ready for the current classifiers and head only has them
    re-ranked when the task finds something changed; with it, the frames are scored again.
    """
    from backend.segments.tasks import segment_proposals_make_task

    videos = SegmentVideo.objects.filter(media_state=SegmentVideo.MediaState.READY)
    if project is not None:
        videos = videos.filter(video__project=project)
    count = 0
    for pk in videos.order_by("pk").values_list("pk", flat=True):
        SegmentProposalRun.objects.get_or_create(segment_video_id=pk)
        count += task_publish(segment_proposals_make_task, pk, force)
    return count


def segment_proposals_requeue_pending() -> int:
    """Publish the proposals task of every video still waiting for it (run at worker start, like media)."""
    from backend.segments.tasks import segment_proposals_make_task

    pending = SegmentProposalRun.objects.filter(
        state__in=[State.PENDING, State.RUNNING], segment_video__media_state=SegmentVideo.MediaState.READY
    ).values_list("segment_video_id", flat=True)
    return sum(task_publish(segment_proposals_make_task, pk) for pk in pending)


# --- computing ---------------------------------------------------------------------------------------------------


def _npz(**arrays: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return buf.getvalue()


def run_scores(run: SegmentProposalRun) -> tuple[np.ndarray, np.ndarray] | None:
    """The sampled ``(times, probabilities)`` stored on a run, or None."""
    if not run.scores:
        return None
    data = np.load(io.BytesIO(bytes(run.scores)))
    return data["times"], data["probabilities"]


def current_head(*, project: Project) -> SegmentProposalHead | None:
    return SegmentProposalHead.objects.filter(project=project, active=True).order_by("-version").first()


def _proxy_path(segment_video: SegmentVideo, tmp: Path) -> Path:
    """ffmpeg needs a path: local storage has one; remote storage (S3) is copied into `tmp` first."""
    return stored_file_local_path(segment_video.proxy, tmp)


def _num_frames(segment_video: SegmentVideo) -> int:
    return int(round(segment_video.media_duration * segment_video.media_fps))


def rank_windows(
    *,
    segment_video: SegmentVideo,
    times: np.ndarray,
    probabilities: np.ndarray,
    settings_row: SegmentSettings,
    head: SegmentProposalHead | None,
) -> list[scnn.Proposal]:
    """The video's proposals from its sampled scores: by the head when one is given, else by the mean probability."""
    kwargs = {
        "num_frames": _num_frames(segment_video),
        "fps": segment_video.media_fps,
        "times": times,
        "probabilities": probabilities,
        "nms_tiou": settings_row.proposal_nms_tiou,
    }
    if head is not None:
        return head_compute.head_proposals(
            head=head_compute.ProposalHead.from_dict(head.parameters),
            score_threshold=settings_row.proposal_head_threshold,
            **kwargs,
        )
    return scnn.scnn_proposals(score_threshold=settings_row.proposal_threshold, **kwargs)


def segment_proposals_make(*, segment_video_id: int, force: bool = False) -> SegmentProposalRun:
    """Compute and store one video's proposals. Idempotent: with the same classifiers, head and settings as the
    stored run it changes nothing; with a new head or settings it re-ranks from the stored scores (no decoding);
    ``force`` scores the frames again.
    """
    segment_video = SegmentVideo.objects.select_related("video__project", "action_class").get(pk=segment_video_id)
    run, _ = SegmentProposalRun.objects.get_or_create(segment_video=segment_video)
    if segment_video.media_state != SegmentVideo.MediaState.READY or not segment_video.proxy:
        return run  # the media task queues the proposals again once the proxy is stored
    classifiers = proposal_classifiers(segment_video=segment_video)
    if not classifiers:
        return _store(
            run=run,
            state=State.NO_CLASSIFIER,
            proposals=[],
            method="",
            models={},
            head=None,
            message="No frame classifier knows this class yet, so there are no suggestions.",
        )
    models = {model.kind: model for model, _ in classifiers}
    settings_row = segment_settings_get(project=segment_video.video.project)
    head = current_head(project=segment_video.video.project)
    same_models = run.youtube_model_id == getattr(models.get("youtube"), "pk", None) and run.web_model_id == getattr(
        models.get("web"), "pk", None
    )
    stored = run_scores(run) if same_models and not force else None
    if (
        stored is not None
        and run.state == State.READY
        and run.head_id == (head.pk if head else None)
        and run.threshold == _threshold(settings_row, head)
        and run.nms_tiou == settings_row.proposal_nms_tiou
    ):
        return run  # nothing changed
    if stored is None:
        SegmentProposalRun.objects.filter(pk=run.pk).update(state=State.RUNNING, progress=0.05, message="")
        stored = _score_frames(run=run, segment_video=segment_video, classifiers=classifiers)
    times, probabilities = stored
    proposals = rank_windows(
        segment_video=segment_video, times=times, probabilities=probabilities, settings_row=settings_row, head=head
    )
    method = SegmentProposalRun.Method.PROPOSAL_HEAD if head else SegmentProposalRun.Method.MEAN_PROBABILITY
    return _store(
        run=run,
        state=State.READY,
        proposals=proposals,
        method=method,
        models=models,
        head=head,
        scores=_npz(times=times, probabilities=probabilities),
        settings_row=settings_row,
    )


def _threshold(settings_row: SegmentSettings, head: SegmentProposalHead | None) -> float:
    return settings_row.proposal_head_threshold if head else settings_row.proposal_threshold


def _score_frames(*, run, segment_video, classifiers) -> tuple[np.ndarray, np.ndarray]:
    predictors = [classifier_load(model).predict_proba for model, _ in classifiers]
    indices = {index for _, index in classifiers}
    if len(indices) != 1:
        raise ValueError("the classifiers disagree on the class's index")

    def progress(fraction: float) -> None:
        SegmentProposalRun.objects.filter(pk=run.pk).update(progress=0.05 + 0.9 * fraction)

    with tempfile.TemporaryDirectory() as tmp:
        return scnn.sample_class_probabilities(
            path=_proxy_path(segment_video, Path(tmp)),
            predictors=predictors,
            class_index=indices.pop(),
            progress=progress,
        )


def _store(
    *,
    run: SegmentProposalRun,
    state: str,
    proposals: list[scnn.Proposal],
    method: str,
    models: dict,
    head: SegmentProposalHead | None,
    message: str = "",
    scores: bytes | None = None,
    settings_row: SegmentSettings | None = None,
) -> SegmentProposalRun:
    """Replace the video's proposals and record the run, under the run's row lock (two deliveries store once)."""
    with transaction.atomic():
        run = SegmentProposalRun.objects.select_for_update().get(pk=run.pk)
        SegmentProposal.objects.filter(segment_video_id=run.segment_video_id).delete()
        SegmentProposal.objects.bulk_create(
            [
                SegmentProposal(
                    run=run,
                    segment_video_id=run.segment_video_id,
                    start=round(p.start_s, 3),
                    end=round(p.end_s, 3),
                    score=p.score,
                    rank=rank,
                )
                for rank, p in enumerate(proposals, start=1)
            ]
        )
        run.state, run.method, run.message, run.progress = state, method, message, 1.0
        run.youtube_model, run.web_model, run.head = models.get("youtube"), models.get("web"), head
        run.scores = scores
        run.threshold = _threshold(settings_row, head) if settings_row else None
        run.nms_tiou = settings_row.proposal_nms_tiou if settings_row else None
        run.sample_fps = scnn.SAMPLE_FPS if scores else 0
        run.save()
    log.info("proposals of segment video %s: %s, %d", run.segment_video_id, state, len(proposals))
    return run


def segment_proposals_failed(*, segment_video_id: int, message: str) -> None:
    SegmentProposalRun.objects.filter(segment_video_id=segment_video_id).update(
        state=State.FAILED, message=message[:500]
    )


def classifiers_retrained_receiver(sender, **kwargs) -> None:
    """Mining trained new classifiers (mining's `classifiers_retrained`): re-score the timeline's suggestions."""
    segment_proposals_enqueue()
