"""Publishing Celery tasks: after the commit, never failing the request when the broker is down.

Apps also register here what a worker re-publishes when it starts (`requeue_register`): each app knows which of
its rows wait for a task; the worker's start hook (backend/config/celery.py) just calls `requeue_all`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

log = logging.getLogger("actionloom.tasks")

_requeuers: dict[str, str] = {}
_broker_ready = False


def ensure_embedded_broker() -> None:
    """Create the folders of Kombu's filesystem transport (the embedded broker); a no-op for Redis.

    Called where the broker is first used (the worker's start, the first publish), never at import.
    """
    global _broker_ready
    from django.conf import settings

    if _broker_ready or settings.BROKER_KIND != "filesystem":
        return
    for key in ("data_folder_out", "processed_folder", "control_folder"):
        Path(settings.CELERY_BROKER_TRANSPORT_OPTIONS[key]).mkdir(parents=True, exist_ok=True)
    _broker_ready = True


def _broker_errors() -> tuple[type[BaseException], ...]:
    from kombu.exceptions import OperationalError
    from redis.exceptions import RedisError

    return (OperationalError, RedisError, OSError)


def task_publish(task, *args) -> bool:
    """Publish a task; with the broker down, log it and return False instead of raising.

    The rows the task would work on are already committed and stay in their waiting state (a clip stays
    `pending`); the requeuers registered below, run by every worker at start, publish them again.
    """
    try:
        ensure_embedded_broker()
        task.delay(*args)
    except _broker_errors() as exc:
        log.error(
            "could not publish %s%r (broker unavailable: %s); it is re-enqueued at the next worker start",
            task.name,
            args,
            exc,
        )
        return False
    return True


def task_publish_on_commit(task, *args) -> None:
    """Publish a task once the current transaction commits (never before: the worker must see the rows)."""
    from django.db import transaction

    transaction.on_commit(lambda: task_publish(task, *args))


def requeue_register(name: str, function_path: str) -> None:
    """Register (from an app's `ready`) the dotted path of a function that publishes again the tasks its app's
    waiting rows need and returns how many. A path, not the function: registering imports nothing."""
    _requeuers[name] = function_path


def requeue_all() -> dict[str, int]:
    """Run every registered requeuer (worker start, `manage.py requeue_pending_media`): name → tasks published."""
    from django.utils.module_loading import import_string

    requeuers: dict[str, Callable[[], int]] = {name: import_string(path) for name, path in _requeuers.items()}
    return {name: requeue() for name, requeue in sorted(requeuers.items())}
