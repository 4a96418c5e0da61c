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


@shared_task(bind=True, acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def segment_proposals_make_task(self, segment_video_id: int, force: bool = False) -> None:
    """S-CNN proposals of a video whose proxy is ready (issue 6); see segments.proposals."""
    from backend.segments.proposals import segment_proposals_failed, segment_proposals_make

    try:
        segment_proposals_make(segment_video_id=segment_video_id, force=force)
    except SegmentVideo.DoesNotExist:
        log.warning("segment video %s vanished before its proposals were made", segment_video_id)
    except (RuntimeError, ValueError) as exc:  # ffmpeg refused the proxy, a classifier file is unusable
        log.error("proposals of %s failed: %s", segment_video_id, exc)
        segment_proposals_failed(segment_video_id=segment_video_id, message=str(exc))


@shared_task(bind=True, acks_late=True)
def segment_proposal_head_task(self, project_id: int) -> None:
    """Train a project's proposal head (when enough segments are annotated) and re-rank its videos' proposals."""
    from backend.catalog.models import Project
    from backend.segments.proposal_head import proposal_head_train
    from backend.segments.proposals import segment_proposals_enqueue

    project = Project.objects.get(pk=project_id)
    head = proposal_head_train(project=project)
    if head is not None and head.active:  # the videos' proposals are re-ranked from their stored scores
        segment_proposals_enqueue(project=project)
