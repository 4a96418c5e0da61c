"""Job status bookkeeping: the one place a long job's row is created and moved (queued → running → done/failed).

Every long job (mining a video, segment media, human-centric scores, training) has a Job row whose stage and
progress the admin's progress bars poll through one API (backend/core/api.py).
"""

from __future__ import annotations

from backend.core.models import Job

_reconcilers: dict[str, str] = {}


def job_reconciler_register(kind: str, function_path: str) -> None:
    """Register (from an app's `ready`) the dotted path of `f(*, job_ids)` that makes jobs of `kind` say what
    became of their work (a worker killed mid-job cannot write its row; the work's own rows tell). Run on read."""
    _reconcilers[kind] = function_path


def jobs_reconcile(*, kind: str, job_ids: list[int]) -> None:
    from django.utils.module_loading import import_string

    if kind in _reconcilers:
        import_string(_reconcilers[kind])(job_ids=job_ids)


def job_create(*, kind: str, video_id: int | None = None, stage: str = "queued", message: str = "") -> Job:
    return Job.objects.create(kind=kind, video_id=video_id, stage=stage, message=message)


def job_update(job_id: int, **fields) -> None:
    """Set fields of a job row (state, stage, progress, message) in one UPDATE; updated_at moves with it."""
    from django.utils import timezone

    Job.objects.filter(pk=job_id).update(updated_at=timezone.now(), **fields)


def job_running(job_id: int, *, stage: str, progress: float = 0.0) -> None:
    job_update(job_id, state=Job.State.RUNNING, stage=stage, progress=progress)


def job_done(job_id: int, *, stage: str = "done", message: str | None = None) -> None:
    fields = {"state": Job.State.DONE, "stage": stage, "progress": 1.0}
    if message is not None:
        fields["message"] = message
    job_update(job_id, **fields)


MESSAGE_LIMIT = 10_000  # characters: a refused import names up to 20 lines or paths (hacs.MAX_REPORTED), in full


def job_failed(job_id: int, *, message: str, stage: str = "failed") -> None:
    job_update(job_id, state=Job.State.FAILED, stage=stage, message=message[:MESSAGE_LIMIT])


def job_payload(job: Job) -> dict:
    """What a poll answers: state, stage, progress (0..1), message, times."""
    return {
        "id": job.pk,
        "kind": job.kind,
        "video": job.video_id,
        "state": job.state,
        "stage": job.stage,
        "progress": job.progress,
        "message": job.message,
        "created_at": job.created_at.isoformat(),
        "updated_at": job.updated_at.isoformat(),
    }
