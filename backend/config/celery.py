"""The Celery app. Tasks live in each app's tasks.py; they are glue around workers/ (pure compute)."""

import logging
import os
from pathlib import Path

from celery import Celery
from celery.signals import worker_ready

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.config.settings")

app = Celery("actionloom")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

log = logging.getLogger("actionloom.celery")


def ensure_embedded_broker() -> None:
    """Create the folders of Kombu's filesystem transport (the embedded broker); a no-op for Redis."""
    from django.conf import settings

    if settings.BROKER_KIND != "filesystem":
        return
    for key in ("data_folder_out", "processed_folder", "control_folder"):
        Path(settings.CELERY_BROKER_TRANSPORT_OPTIONS[key]).mkdir(parents=True, exist_ok=True)


def _broker_errors() -> tuple[type[BaseException], ...]:
    from kombu.exceptions import OperationalError
    from redis.exceptions import RedisError

    return (OperationalError, RedisError, OSError)


def task_publish(task, *args) -> bool:
    """Publish a task; with the broker down, log it and return False instead of raising.

    The rows the task would work on are already committed and stay in their waiting state (a clip stays
    `pending`); `manage.py requeue_pending_media`, run by every worker at start, publishes them again.
    """
    try:
        task.delay(*args)
    except _broker_errors() as exc:
        log.error("could not publish %s%r (broker unavailable: %s); it is re-enqueued by the next "
                  "requeue_pending_media", task.name, args, exc)
        return False
    return True


def task_publish_on_commit(task, *args) -> None:
    """Publish a task once the current transaction commits (never before: the worker must see the rows)."""
    from django.db import transaction

    transaction.on_commit(lambda: task_publish(task, *args))


@worker_ready.connect
def requeue_pending_on_worker_start(sender=None, **kwargs) -> None:
    """A worker that starts publishes what a lost message or a broker outage left waiting (setting-controlled)."""
    from django.conf import settings
    from django.db import connections

    if not settings.REQUEUE_PENDING_ON_WORKER_START:
        return
    from backend.clips.services import clips_requeue_pending
    from backend.curation.services import human_centric_requeue_pending
    from backend.mining.services import mining_requeue_unfinished
    from backend.segments.media import segment_media_requeue_pending

    try:
        count = (clips_requeue_pending() + mining_requeue_unfinished() + segment_media_requeue_pending()
                 + human_centric_requeue_pending())
    finally:
        connections.close_all()  # the pool's children fork from this process: leave them no open connection
    if count:
        log.info("worker start: re-enqueued %d task(s) left pending (clip media, mining, segment media, "
                 "human-centric scores)", count)
