"""Celery glue for segments: ids in, services out. Idempotent, so a retried or redelivered task is harmless."""

import logging

from celery import shared_task

from backend.segments.models import SegmentVideo

log = logging.getLogger("actionloom.segments")


@shared_task(bind=True, acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def segment_media_make_task(self, segment_video_id: int, job_id: int | None = None) -> None:
    from backend.segments.media import segment_media_failed, segment_media_make

    try:
        segment_media_make(segment_video_id=segment_video_id, job_id=job_id)
    except SegmentVideo.DoesNotExist:
        log.warning("segment video %s vanished before its media was made", segment_video_id)
    except RuntimeError as exc:  # ffmpeg refused the source: record it, don't retry forever
        log.error("segment media of %s failed: %s", segment_video_id, exc)
        segment_media_failed(segment_video_id=segment_video_id, job_id=job_id, message=str(exc))
