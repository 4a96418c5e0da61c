"""The Celery app. Tasks live in each app's tasks.py; they are glue around workers/ (pure compute).

Publishing helpers and the worker-start requeue registry live in backend/core/tasks.py (domain apps never
import this module).
"""

import logging
import os

from celery import Celery
from celery.signals import worker_init, worker_ready

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.config.settings")

app = Celery("actionloom")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

log = logging.getLogger("actionloom.celery")


@worker_init.connect
def make_embedded_broker_folders(sender=None, **kwargs) -> None:
    """The embedded (filesystem) broker's folders are made where the worker starts, not at import."""
    from django.conf import settings

    from backend.core.tasks import ensure_embedded_broker

    ensure_embedded_broker()
    logging.getLogger("actionloom.settings").info(settings.CONFIGURATION_SUMMARY)


@worker_ready.connect
def requeue_pending_on_worker_start(sender=None, **kwargs) -> None:
    """A worker that starts publishes what a lost message or a broker outage left waiting (setting-controlled)."""
    from django.conf import settings
    from django.db import connections

    from backend.core.tasks import requeue_all

    if not settings.REQUEUE_PENDING_ON_WORKER_START:
        return
    try:
        counts = requeue_all()
    finally:
        connections.close_all()  # the pool's children fork from this process: leave them no open connection
    if sum(counts.values()):
        log.info(
            "worker start: re-enqueued %d task(s) left pending (%s)",
            sum(counts.values()),
            ", ".join(f"{n} {name}" for name, n in counts.items() if n),
        )
