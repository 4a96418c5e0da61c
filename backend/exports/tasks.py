"""Celery glue for the admin's imports: a stored file and a job id in, the shared import service out."""

import logging

from celery import Task, shared_task

log = logging.getLogger("actionloom.exports")


class _ImportJobTask(Task):
    def on_failure(self, exc, task_id, args, kwargs, einfo):
        """A bug or an outage the task did not expect: the job's row says so, so the page stops waiting."""
        from backend.core.jobs import job_failed

        job_id = kwargs.get("job_id", args[0] if args else None)
        log.error("import job %s failed: %s", job_id, exc)
        if job_id is not None:
            job_failed(
                job_id,
                message=f"the import stopped on an unexpected error ({type(exc).__name__}: {exc}); nothing was "
                "imported — try again, and if it fails again tell whoever runs the server",
            )


# No automatic retry: an import writes in one transaction, so a failed one left nothing, and the admin re-uploads.
@shared_task(bind=True, base=_ImportJobTask, acks_late=True)
def import_file_task(self, job_id: int) -> None:
    from backend.exports.import_jobs import import_job_run

    import_job_run(job_id=job_id)
