"""Celery glue for curation: ids in, services out. Idempotent, so a retried or redelivered task is harmless."""

import logging

from celery import Task, shared_task
from django.db import InterfaceError, OperationalError

log = logging.getLogger("actionloom.curation")


class _ScoreJobTask(Task):
    def on_failure(self, exc, task_id, args, kwargs, einfo):
        """Retries spent (or a bug): the job's status row says so, its pending clips become failed."""
        from backend.curation.services import human_centric_job_failed

        job_id = kwargs.get("job_id", args[0] if args else None)
        clip_ids = kwargs.get("clip_ids", args[1] if len(args) > 1 else [])
        log.error("human-centric job %s failed: %s", job_id, exc)
        if job_id is not None:
            human_centric_job_failed(job_id=job_id, clip_ids=clip_ids, error=f"{type(exc).__name__}: {exc}")


# A database or storage outage is retried with backoff; each retry resumes with the clips still pending.
@shared_task(
    bind=True,
    base=_ScoreJobTask,
    acks_late=True,
    autoretry_for=(OSError, OperationalError, InterfaceError),
    retry_backoff=True,
    max_retries=5,
)
def human_centric_score_task(self, job_id: int, clip_ids: list[int]) -> None:
    from backend.curation.services import human_centric_job_run

    human_centric_job_run(job_id=job_id, clip_ids=clip_ids)
