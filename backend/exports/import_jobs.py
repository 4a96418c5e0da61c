"""The admin's imports as jobs: the uploaded file is stored (so a worker on another machine reads it), a Job row and
its ImportRequest (the stored name and the options) are made, and a Celery task runs the same import service as the commands (backend/exports/imports.py), moving the job's
progress. A refused file ends the job failed with the refusal (every bad line or path it names); nothing is written.
"""

from __future__ import annotations

import tempfile
import uuid
from pathlib import Path

from django.core.exceptions import SuspiciousFileOperation
from django.core.files.storage import default_storage
from django.db import transaction

from backend.catalog.models import Project
from backend.core.errors import ApplicationError, ImportFileError
from backend.core.jobs import job_create, job_done, job_failed, job_update
from backend.core.models import Job
from backend.core.storage import stored_name_local_path
from backend.core.tasks import task_publish_on_commit
from backend.exports import hacs
from backend.exports.imports import KINDS, clips_file_import, segments_file_import
from backend.exports.models import ImportRequest

JOB_KIND = "import"
OPTIONS = ("gold", "on_conflict", "update_durations", "create_classes", "parent")


def import_options_check(*, kind: str, options: dict) -> dict:
    """The options of one kind of import, refused (ApplicationError naming the field) when they do not apply."""
    if kind not in KINDS:
        raise ApplicationError(f"kind must be one of {', '.join(KINDS)}", field="kind")
    if unknown := sorted(set(options) - set(OPTIONS)):
        raise ApplicationError(f"unknown option(s) {', '.join(unknown)}", field=unknown[0])
    if options.get("on_conflict") and kind != "clips":
        raise ApplicationError("on_conflict applies to clips files only: leave it empty", field="on_conflict")
    if options.get("on_conflict") and options["on_conflict"] not in hacs.ON_CONFLICT:
        raise ApplicationError(f"on_conflict must be one of {', '.join(hacs.ON_CONFLICT)}", field="on_conflict")
    if options.get("update_durations") and kind != "segments":
        raise ApplicationError("update_durations applies to segments files only: untick it", field="update_durations")
    if options.get("parent") and not options.get("create_classes"):
        raise ApplicationError(
            "parent only says where new classes go: tick create_classes, or leave parent empty", field="parent"
        )
    return {
        "gold": bool(options.get("gold")),
        "on_conflict": options.get("on_conflict") or None,
        "update_durations": bool(options.get("update_durations")),
        "create_classes": bool(options.get("create_classes")),
        "parent": options.get("parent") or None,
    }


def import_job_start(*, project: Project, upload, kind: str, options: dict, user=None) -> Job:
    """Store `upload` and queue its import; the job's id is what the caller polls (/api/jobs/<id>/)."""
    from backend.exports.tasks import import_file_task

    checked = import_options_check(kind=kind, options=options)
    base = _stored_base_name(upload.name)
    stored_name = default_storage.save(f"imports/{uuid.uuid4().hex}/{base}", upload)
    with transaction.atomic():
        job = job_create(kind=JOB_KIND, message=f"{kind} file {base}: queued")
        ImportRequest.objects.create(
            job=job,
            project=project,
            kind=kind,
            stored_name=stored_name,
            original_name=(upload.name or "")[:200],
            options=checked,
            created_by=user,
        )
        task_publish_on_commit(import_file_task, job.pk)
    return job


def import_jobs_requeue_queued() -> int:
    """Publish again the imports still queued (the broker was down at their upload); the worker's start hook runs it.
    A job runs once however often it is published (`import_job_run` claims it)."""
    from backend.core.tasks import task_publish
    from backend.exports.tasks import import_file_task

    ids = list(Job.objects.filter(kind=JOB_KIND, state=Job.State.QUEUED).values_list("pk", flat=True))
    return sum(task_publish(import_file_task, job_id) for job_id in ids)


def import_jobs_reconcile(*, job_ids: list[int] | None = None, now=None) -> int:
    """Make a running import whose worker died say so; returns how many changed. Run on read (the job poll).

    An import writes in one transaction, so a worker killed mid-import left nothing written, only its job `running`
    forever and its stored upload. A `running` import with no progress written for ACTIONLOOM_JOB_STALE_SECONDS
    (above the longest import: the HACS clips file takes minutes) is failed as "stopped", and its upload deleted.
    """
    from datetime import timedelta

    from django.conf import settings
    from django.utils import timezone

    now = now or timezone.now()
    stale_after = settings.JOB_STALE_SECONDS
    stale = Job.objects.filter(
        kind=JOB_KIND, state=Job.State.RUNNING, updated_at__lt=now - timedelta(seconds=stale_after)
    )
    if job_ids is not None:
        stale = stale.filter(pk__in=job_ids)
    stale_ids = list(stale.values_list("pk", flat=True))
    if not stale_ids:
        return 0
    changed = Job.objects.filter(pk__in=stale_ids, state=Job.State.RUNNING).update(
        state=Job.State.FAILED,
        stage="stopped",
        updated_at=now,
        message=f"No progress for {stale_after // 60} minutes: the worker running this import stopped (killed or "
        "crashed). An import writes all or nothing, so nothing was imported: upload the file again.",
    )
    for stored_name in ImportRequest.objects.filter(job_id__in=stale_ids).values_list("stored_name", flat=True):
        default_storage.delete(stored_name)
    return changed


def _stored_base_name(name: str | None) -> str:
    """The upload's own name, made safe for storage (kept so a stored file says what it was)."""
    try:
        return default_storage.get_valid_name(Path(name or "").name)[-100:] or "upload"
    except SuspiciousFileOperation:  # "..", "." and the like
        return "upload"


def import_job_run(*, job_id: int) -> None:
    """Run a queued import (the task's body). The stored upload is deleted afterwards, whatever the outcome.

    The job is claimed (queued → running in one UPDATE) first: a message delivered again, or published again by the
    requeuer, finds it claimed and does nothing, so an import never runs twice."""
    claimed = Job.objects.filter(pk=job_id, state=Job.State.QUEUED).update(
        state=Job.State.RUNNING, stage="reading", progress=0.0
    )
    request = ImportRequest.objects.filter(job_id=job_id).select_related("project").first()
    if not claimed or request is None:
        return
    stored_name, project, kind, options = request.stored_name, request.project, request.kind, request.options

    def report(stage: str, fraction: float) -> None:
        job_update(job_id, stage=stage, progress=round(fraction, 3))

    try:
        with tempfile.TemporaryDirectory(prefix="actionloom-import-") as folder:
            path = stored_name_local_path(stored_name, Path(folder))
            if kind == "clips":
                result = clips_file_import(
                    path=path,
                    project=project,
                    gold=options["gold"],
                    on_conflict=options["on_conflict"],
                    create_classes=options["create_classes"],
                    parent=options["parent"],
                    on_progress=report,
                )
            else:
                result = segments_file_import(
                    path=path,
                    project=project,
                    gold=options["gold"],
                    update_durations=options["update_durations"],
                    create_classes=options["create_classes"],
                    parent=options["parent"],
                    on_progress=report,
                )
    except ImportFileError as exc:
        job_failed(job_id, stage="refused", message=str(exc))
    except ApplicationError as exc:  # the catalog's refusals of new classes (an unknown parent, a name taken)
        job_failed(job_id, stage="refused", message=f"{exc} — nothing was imported")
    else:
        job_done(job_id, message=result.summary)
    finally:
        default_storage.delete(stored_name)
