"""Celery glue for clips: ids in, services out. Idempotent, so a retried or redelivered task is harmless."""

import logging

from celery import shared_task
from django.db import InterfaceError, OperationalError

from backend.clips.models import Clip

log = logging.getLogger("actionloom.clips")


# A database outage (OperationalError/InterfaceError) is retried with backoff like a storage error (OSError).
@shared_task(
    bind=True,
    acks_late=True,
    autoretry_for=(OSError, OperationalError, InterfaceError),
    retry_backoff=True,
    max_retries=5,
)
def clip_media_cut_task(self, clip_id: int) -> None:
    from backend.clips.services import clip_media_cut

    try:
        clip_media_cut(clip_id=clip_id)
    except Clip.DoesNotExist:
        log.warning("clip %s vanished before its media was cut", clip_id)
    except RuntimeError as exc:  # ffmpeg refused the source: record it, don't retry forever
        log.error("cutting clip %s failed: %s", clip_id, exc)
        Clip.objects.filter(pk=clip_id).update(media_state=Clip.MediaState.FAILED)
