"""Celery glue for mining: one task runs one stage of one video, then queues the next stage."""

import logging

from celery import shared_task
from django.db import OperationalError

from backend.core.jobs import job_create, job_done, job_failed, job_running, job_update
from backend.core.tasks import task_publish
from backend.mining.models import Stage

log = logging.getLogger("actionloom.mining")


@shared_task(bind=True, acks_late=True, autoretry_for=(OSError, OperationalError), retry_backoff=True, max_retries=5)
def mine_stage_task(self, video_id: int) -> None:
    from backend.mining.services import StageBusy, stage_failed, stage_run

    try:
        stage = stage_run(video_id=video_id)
    except StageBusy:
        log.info("video %s: another worker is on it; this delivery stops here", video_id)
        return
    except (OSError, OperationalError):
        raise  # retried by autoretry_for
    except Exception as exc:  # a bug or bad input: record it where the admin looks, do not loop
        log.exception("mining video %s failed", video_id)
        stage_failed(video_id=video_id, error=f"{type(exc).__name__}: {exc}")
        return
    if stage not in (Stage.DONE, Stage.REMOVED):
        task_publish(mine_stage_task, video_id)  # a broker outage: the worker-start sweep picks it up


@shared_task(bind=True, acks_late=True)
def classifier_train_task(self, job_id: int, kind: str, folder: str | None = None, epochs: int = 8) -> None:
    """`folder`: web images in storage (train_classifier stores them there first, so any worker reads them)."""
    from backend.mining.training import classifier_train

    job_running(job_id, stage="training")

    def progress(fraction: float) -> None:
        job_update(job_id, progress=float(fraction))

    try:
        record = classifier_train(kind=kind, folder=folder or None, epochs=epochs, progress=progress)
    except Exception as exc:
        log.exception("training %s failed", kind)
        job_failed(job_id, message=f"{type(exc).__name__}: {exc}")
        return
    job_done(job_id, message=f"{record} (validation accuracy {record.val_accuracy:.1%})")


@shared_task(bind=True, acks_late=True)
def learning_round_task(self, job_id: int | None = None, epochs: int = 4) -> None:
    """Active learning (issue 6): also run on a schedule by Celery beat (settings.CELERY_BEAT_SCHEDULE)."""
    from backend.mining.learning import learning_round_run

    job_id = job_id or job_create(kind="retrain").pk
    job_running(job_id, stage="training")

    def progress(fraction: float) -> None:
        job_update(job_id, progress=float(fraction))

    try:
        round_ = learning_round_run(epochs=epochs, progress=progress)
    except Exception as exc:
        log.exception("active-learning round failed")
        job_failed(job_id, message=f"{type(exc).__name__}: {exc}")
        return
    job_done(
        job_id,
        message=f"round {round_.number}: {round_.training_clips} clips, {round_.videos_resampled} videos re-sampled",
    )
