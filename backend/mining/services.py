"""The mining pipeline's bookkeeping: the models a worker loads once, putting videos in, claiming a video, running
its next stage (the stages themselves: backend/mining/stages.py), and re-publishing what a lost message left.
"""

from __future__ import annotations

import logging
import os
import socket
from datetime import timedelta
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from backend.catalog.models import ActionClass, Video
from backend.core.errors import ApplicationError
from backend.core.jobs import job_update
from backend.core.models import Job
from backend.core.storage import stored_file_local_path
from backend.core.tasks import task_publish, task_publish_on_commit
from backend.mining.models import STAGE_ORDER, ClassifierModel, Stage, VideoMining

if TYPE_CHECKING:
    from backend.clips.services import RetireResult

log = logging.getLogger("actionloom.mining")


# --- models used by the stages (loaded once per worker process) -----------------------------------------------


@lru_cache(maxsize=1)
def _backbone():
    from workers.classifiers.backbone import Backbone

    return Backbone(device=settings.MINING_DEVICE)


@lru_cache(maxsize=1)
def _detector():
    from workers.detection.registry import get_person_detector

    return get_person_detector(
        settings.PERSON_DETECTOR, weights_path=settings.PERSON_DETECTOR_WEIGHTS or None, device=settings.MINING_DEVICE
    )


def classifier_load(model: ClassifierModel):
    """A stored classifier's weights, ready to predict: read through storage (a worker on another machine has no
    MEDIA_ROOT), copied once per worker into its local cache under the stored name, then loaded once per process
    (workers/classifiers/frame_classifier.py keeps the loaded ones)."""
    from workers.classifiers.frame_classifier import load_frame_classifier

    path = stored_file_local_path(model.file, Path(settings.MINING_CACHE_DIR) / "stored")
    return load_frame_classifier(path, device=settings.MINING_DEVICE)


def class_names() -> list[str]:
    """Index → class name for the 201-way classifiers: leaves by ActivityNet node id, background last."""
    return [*ActionClass.objects.filter(is_leaf=True).order_by("node_id").values_list("name", flat=True), "background"]


NO_CLASSIFIERS_NOTE = "no classifiers trained yet: Random sampling until then"
CLASS_NOT_TRAINED_NOTE = "classifiers not trained on this class yet: Random sampling until `retrain` includes it"
CLASSIFIERS_DISAGREE_NOTE = "the two classifiers give this class different columns: Random sampling until `retrain`"


def classifier_class_index(
    *, youtube: ClassifierModel | None, web: ClassifierModel | None, class_name: str
) -> tuple[int | None, str]:
    """The column of ``class_name`` in the two classifiers' outputs, from the label list each was trained with
    (its ``class_names``), not today's class list: a class added after training would otherwise be read from
    another class's column. None and the reason when the committee cannot score the class: no classifiers, a
    class one of them never saw, or different columns (their KL compares the distributions column by column).
    """
    if youtube is None or web is None:
        return None, NO_CLASSIFIERS_NOTE
    if class_name not in youtube.class_names or class_name not in web.class_names:
        return None, CLASS_NOT_TRAINED_NOTE
    if youtube.class_names != web.class_names:
        return None, CLASSIFIERS_DISAGREE_NOTE
    return youtube.class_names.index(class_name), ""


def latest_classifiers() -> tuple[ClassifierModel | None, ClassifierModel | None]:
    return (
        ClassifierModel.objects.filter(kind=ClassifierModel.Kind.YOUTUBE).first(),
        ClassifierModel.objects.filter(kind=ClassifierModel.Kind.WEB).first(),
    )


# --- pipeline bookkeeping ------------------------------------------------------------------------------------


def mining_start(*, video: Video) -> VideoMining:
    """Put a video into the pipeline (again): idempotent; a finished video restarts only if asked by reset."""
    mining, _ = VideoMining.objects.get_or_create(video=video)
    job = Job.objects.filter(video=video, kind="mine").first() or Job.objects.create(video=video, kind="mine")
    job.state, job.stage, job.progress, job.message = Job.State.QUEUED, mining.stage, 0.0, ""
    job.save()
    return mining


def mining_videos_start(*, videos, restart: bool = False, publish_now: bool = False) -> list[int]:
    """The one way into the mining pipeline (upload, `manage.py mine`, the admin's button, a new class): each video's
    status row and job are (re)set and its first stage is published once the transaction commits.

    `restart` sends finished videos through again from the start; `publish_now` publishes at once instead of on
    commit (`manage.py mine`, which runs outside a transaction and then waits for the work). Returns the ids queued.
    """
    from backend.mining.tasks import mine_stage_task

    videos = list(videos)
    ids = [video.pk for video in videos]
    if restart:
        VideoMining.objects.filter(video_id__in=ids).update(stage=Stage.QUEUED)
    for video in videos:
        mining_start(video=video)
        if publish_now:
            task_publish(mine_stage_task, video.pk)
        else:
            task_publish_on_commit(mine_stage_task, video.pk)
    return ids


def video_ingested_receiver(sender, *, video: Video, mine: bool | None = None, **kwargs) -> None:
    """What happens to a new video (catalog's `video_ingested` signal): mined when its project mines or the ingest
    asked for it (`mine`), otherwise its candidate clips are drawn at random straight away."""
    if mine or (mine is None and video.project.mining_enabled):
        mining_videos_start(videos=[video])
    else:
        from backend.clips.services import video_candidates_create

        video_candidates_create(video=video)


class VideoRemovedMeanwhile(Exception):
    """The video was removed while one of its stages ran: the stage's writes roll back, its pipeline has ended."""


def _advance(mining: VideoMining, stage: str, **fields) -> None:  # a Stage (str: TextChoices is untyped here)
    """Store the stage reached (and `fields`), under the row's lock. A video removed meanwhile (by another video's
    de-dup, external de-dup, an admin) is not moved on: VideoRemovedMeanwhile rolls back the stage's transaction,
    so a stage that ran across a removal leaves no open clip of the removed video behind."""
    with transaction.atomic():
        stored = VideoMining.objects.select_for_update().filter(pk=mining.pk).values_list("stage", flat=True).first()
        if stored == Stage.REMOVED and stage != Stage.REMOVED:
            raise VideoRemovedMeanwhile(mining.video_id)
        for key, value in fields.items():
            setattr(mining, key, value)
        mining.stage = stage
        mining.save()
        done = stage in (Stage.DONE, Stage.REMOVED)
        progress = 1.0 if done else STAGE_ORDER.index(stage) / (len(STAGE_ORDER) - 1)
        Job.objects.filter(video=mining.video, kind="mine").update(
            stage=stage,
            progress=progress,
            updated_at=timezone.now(),
            state=Job.State.DONE if done else Job.State.RUNNING,
            message=mining.removed_reason if stage == Stage.REMOVED else mining.sampling_note,
        )


def next_stage(stage: str) -> str | None:
    index = STAGE_ORDER.index(Stage(stage))
    return STAGE_ORDER[index + 1] if index + 1 < len(STAGE_ORDER) else None


CLAIM = timedelta(minutes=30)  # longer than any stage takes; a worker that died frees the video after it


class StageBusy(Exception):
    """Another worker is running this video's stage now."""


def _claimant() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _claim_is_live(claimed_by: str, until) -> bool:
    """A claim holds until it runs out, or sooner when it names a process of this host that no longer runs."""
    if until is None or until <= timezone.now():
        return False
    host, _, pid = claimed_by.rpartition(":")
    if host == socket.gethostname() and pid.isdigit():
        try:
            os.kill(int(pid), 0)  # signal 0: does the process exist?
        except ProcessLookupError:
            return False  # killed mid-stage: its work was rolled back or is redone idempotently
        except PermissionError:
            return True
    return True


def _claim(video_id: int) -> bool:
    with transaction.atomic():
        row = VideoMining.objects.select_for_update().get(video_id=video_id)
        if row.claimed_by != _claimant() and _claim_is_live(row.claimed_by, row.claimed_until):
            return False
        VideoMining.objects.filter(pk=row.pk).update(claimed_by=_claimant(), claimed_until=timezone.now() + CLAIM)
    return True


def stage_run(*, video_id: int) -> Stage:
    """Run the video's next stage; returns the stage it is in afterwards (DONE/REMOVED end the pipeline).

    Raises StageBusy when another worker holds the video (a duplicate delivery, or the worker-start sweep).
    """
    if not _claim(video_id):
        raise StageBusy(video_id)
    try:
        return _stage_run(video_id=video_id)
    finally:
        VideoMining.objects.filter(video_id=video_id).update(claimed_by="", claimed_until=None)


def _stage_run(*, video_id: int) -> Stage:
    mining = VideoMining.objects.select_related("video", "video__project", "video__query_class").get(video_id=video_id)
    if mining.stage in (Stage.DONE, Stage.REMOVED):
        return Stage(mining.stage)
    target = next_stage(mining.stage)
    if target is None:
        return Stage(mining.stage)
    from backend.mining import stages  # the stages use this module's models and bookkeeping

    runner = {
        Stage.FEATURES: stages.stage_features,
        Stage.DEDUP: stages.stage_dedup,
        Stage.SHOTS: stages.stage_shots,
        Stage.PERSONS: stages.stage_persons,
        Stage.SCORES: stages.stage_scores,
        Stage.SAMPLE: stages.stage_sample,
        Stage.DONE: stages.stage_done,
    }[target]
    try:
        runner(mining)
    except VideoRemovedMeanwhile:
        log.info("video %s was removed while its %s stage ran; the stage's writes were rolled back", video_id, target)
    mining.refresh_from_db()
    return Stage(mining.stage)


def mining_requeue_unfinished() -> int:
    """Publish the next stage of every video whose pipeline has not ended (a lost message, a broker outage, a
    worker killed mid-stage). Run at worker start; a video another worker is on refuses the extra task."""
    from backend.mining.tasks import mine_stage_task

    unfinished = VideoMining.objects.exclude(stage__in=[Stage.DONE, Stage.REMOVED]).values_list("video_id", flat=True)
    failed = set(Job.objects.filter(kind="mine", state=Job.State.FAILED).values_list("video_id", flat=True))
    return sum(task_publish(mine_stage_task, vid) for vid in unfinished if vid not in failed)


# --- removal -----------------------------------------------------------------------------------------------------


def cache_path(video: Video) -> Path:
    """Where the pipeline keeps a video's analysis frames and shots between stages (deleted when it ends)."""
    return Path(settings.MINING_CACHE_DIR) / f"{video.uid.hex}.npz"


def mining_video_remove(
    *, mining: VideoMining, reason: str, by=None, duplicate_of_id: int | None = None
) -> RetireResult:
    """Take a video out of the work: its pipeline ends as removed, and its clips leave every queue and export
    (clips.services.video_clips_retire: untouched clips deleted, labelled, leased, gold and example clips retired
    with their rows kept). Gold clips and guideline examples retired are logged as a warning for the admin.

    Precondition: the caller runs it in a transaction (a stage's, or video_remove's).
    """
    from backend.clips.services import video_clips_retire
    from backend.mining.signals import video_removed

    # The row's lock first: a stage running now finishes (its clips are then retired here) or, if it stores after
    # this, finds the video removed and rolls back (_advance).
    list(VideoMining.objects.select_for_update().filter(pk=mining.pk).values_list("pk", flat=True))
    result = video_clips_retire(video=mining.video, reason=f"video removed: {reason}")
    video_removed.send(sender=VideoMining, video=mining.video, reason=reason)
    mining.removed_reason = reason[: VideoMining._meta.get_field("removed_reason").max_length]
    mining.duplicate_of_id = duplicate_of_id
    mining.removed_by = by
    _advance(mining, Stage.REMOVED)
    transaction.on_commit(lambda: cache_path(mining.video).unlink(missing_ok=True))
    log.info(
        "video %s removed: %s (%d clips deleted, %d retired)",
        mining.video.external_id,
        reason,
        result.deleted,
        result.retired,
    )
    if result.gold or result.examples:
        log.warning(
            "video %s removed: %d gold clip(s) no longer served as checks, %d guideline example(s) still shown; "
            "review the golden set and the guideline",
            mining.video.external_id,
            result.gold,
            result.examples,
        )
    return result


def video_remove(*, video: Video, reason: str, by) -> RetireResult:
    """An admin removes a video (whether or not its project mines): as a removal by the pipeline, with who did it.

    Refused (409 conflict) while a worker is running one of the video's mining stages: that stage would write after
    the removal. Removing a removed video again changes nothing but the reason and who (a duplicate stays one).
    """
    reason = reason.strip() or "removed by an admin"
    with transaction.atomic():
        mining, _ = VideoMining.objects.select_for_update().get_or_create(video=video)
        if _claim_is_live(mining.claimed_by, mining.claimed_until):
            raise ApplicationError(
                f"a worker is mining video {video.external_id} now; try again when its stage ends", code="conflict"
            )
        duplicate_of_id = mining.duplicate_of_id if mining.stage == Stage.REMOVED else None
        return mining_video_remove(mining=mining, reason=reason, by=by, duplicate_of_id=duplicate_of_id)


def stage_failed(*, video_id: int, error: str) -> None:
    for job_id in Job.objects.filter(video_id=video_id, kind="mine").values_list("pk", flat=True):
        job_update(job_id, state=Job.State.FAILED, message=error[:2000])  # its stage stays: where it failed
