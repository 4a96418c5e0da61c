"""Segment media writes: sending videos to segment annotation and storing their proxy and sprite (workers/media/proxy.py).

Each media job has a catalog.Job status row (kind "segment_media", stage and progress) that the dashboard shows.
"""

from __future__ import annotations

import logging
import tempfile
from datetime import timedelta
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from backend.catalog.models import ActionClass, Project, Video
from backend.catalog.storage import store_at_key, video_local_path
from backend.core.faults import fault_point
from backend.core.jobs import job_create, job_done, job_failed, job_running
from backend.core.models import Job
from backend.core.tasks import task_publish, task_publish_on_commit
from backend.segments.models import SegmentVideo
from backend.segments.services import segment_settings_get
from workers.media import proxy

log = logging.getLogger("actionloom.segments")

JOB_KIND = "segment_media"
OPEN_JOB_STATES = (Job.State.QUEUED, Job.State.RUNNING)


def segment_videos_enqueue(
    *, project: Project, action_class: ActionClass | None = None, videos: list[Video] | None = None
) -> list[Job]:
    """Send videos (by default every video of the project with a file) to segment annotation for their query class.

    Creates the SegmentVideo rows and queues their proxy media on commit. Idempotent: a video whose media is ready is
    left alone (a failed or still pending one is queued again). Returns the status rows of the queued media jobs.
    """
    settings = segment_settings_get(project=project)
    if videos is None:
        qs = project.videos.exclude(file="")
        if action_class is not None:
            qs = qs.filter(query_class=action_class)
        videos = list(qs.order_by("pk"))
    jobs = []
    with transaction.atomic():
        for video in videos:
            if not video.file:
                continue
            segment_video, created = SegmentVideo.objects.get_or_create(
                video=video,
                defaults={"action_class": video.query_class, "required_annotations": settings.annotators_per_video},
            )
            # Pending again too: a message lost with a broker outage is re-sent (the task is idempotent, so a
            # message still on its way only finds the media ready).
            retry = segment_video.media_state in (SegmentVideo.MediaState.FAILED, SegmentVideo.MediaState.PENDING) or (
                segment_video.media_state == SegmentVideo.MediaState.NONE and segment_video.final_id is None
            )
            if not created and not retry:
                continue
            jobs.append(segment_media_queue(segment_video=segment_video))
    return jobs


def segment_media_queue(*, segment_video: SegmentVideo) -> Job:
    """Mark a video's media pending and publish its media task when the transaction commits."""
    from backend.segments.tasks import segment_media_make_task

    SegmentVideo.objects.filter(pk=segment_video.pk).update(media_state=SegmentVideo.MediaState.PENDING)
    job = job_create(kind=JOB_KIND, video_id=segment_video.video_id)
    task_publish_on_commit(segment_media_make_task, segment_video.pk, job.pk)
    return job


def segment_media_requeue_pending() -> int:
    """Publish the media task of every video still waiting for its proxy, and the proposals task of every video
    waiting for its proposals (run at worker start)."""
    from backend.segments.proposals import segment_proposals_requeue_pending
    from backend.segments.tasks import segment_media_make_task

    segment_media_jobs_reconcile()
    pending = SegmentVideo.objects.filter(media_state=SegmentVideo.MediaState.PENDING).values_list("pk", "video_id")
    open_jobs = dict(
        Job.objects.filter(kind=JOB_KIND, state__in=OPEN_JOB_STATES).order_by("pk").values_list("video_id", "pk")
    )  # each video's latest open job: the re-run reports to it
    return (
        sum(task_publish(segment_media_make_task, pk, open_jobs.get(video_id)) for pk, video_id in pending)
        + segment_proposals_requeue_pending()
    )


def segment_media_jobs_reconcile(*, job_ids: list[int] | None = None, now=None) -> int:
    """Make media jobs say what became of their work; returns how many changed. Run on read and at worker start.

    A job's row is written by the run doing the work, so a run that dies (a SIGKILLed worker) left it `running`
    forever, although a later run, re-published without the job's id, made the media ready. So a job's end is
    derived from its video: media ready means the job is done. A `running` job with no progress written for
    JOB_STALE_SECONDS (above the longest proxy encode) is failed as "stopped", saying why; its video
    stays pending, a starting worker queues it anew, and the job reads done once that run makes the media ready.
    """
    from django.conf import settings
    from django.db.models import Q

    now = now or timezone.now()
    jobs = Job.objects.filter(kind=JOB_KIND)
    if job_ids is not None:
        jobs = jobs.filter(pk__in=job_ids)
    video_ready = Q(video__segment_video__media_state=SegmentVideo.MediaState.READY)
    finished = jobs.filter(video_ready, Q(state__in=OPEN_JOB_STATES) | Q(state=Job.State.FAILED, stage="stopped"))
    changed = finished.update(state=Job.State.DONE, stage="ready", progress=1.0, message="", updated_at=now)
    stale_after = settings.JOB_STALE_SECONDS
    stale = jobs.filter(state=Job.State.RUNNING, updated_at__lt=now - timedelta(seconds=stale_after)).exclude(
        video_ready
    )
    changed += stale.update(
        state=Job.State.FAILED,
        stage="stopped",
        updated_at=now,
        message=f"No progress for {stale_after // 60} minutes: the worker running it stopped (killed or crashed). "
        "The video is queued again when a worker starts, or when its videos are enqueued again.",
    )
    return changed


def segment_media_make(*, segment_video_id: int, job_id: int | None = None) -> SegmentVideo:
    """Encode and store a video's proxy and sprite. Idempotent: a video whose media is ready is left alone.

    Raises RuntimeError when ffmpeg refuses the source (the task records the failure).
    """
    segment_video = SegmentVideo.objects.select_related("video").get(pk=segment_video_id)
    if segment_video.media_state == SegmentVideo.MediaState.READY and segment_video.proxy:
        job_id and job_done(job_id, stage="already ready")
        return segment_video
    job_id and job_running(job_id, stage="encoding proxy and sprite", progress=0.1)
    fault_point("segment_media_make.encoding")  # tests/faults: a worker killed mid-proxy leaves its job `running`
    with tempfile.TemporaryDirectory() as tmp:
        source = video_local_path(segment_video.video, Path(tmp))
        out_video, out_sprite = Path(tmp) / "proxy.mp4", Path(tmp) / "sprite.jpg"
        result = proxy.make_proxy(source=source, out_video=out_video, out_sprite=out_sprite)
        job_id and job_running(job_id, stage="storing", progress=0.9)
        with transaction.atomic():
            # Two runs at once (a re-sent message) or a run killed mid-way: the row lock lets one store, under the
            # video's one generated key, replacing what a killed run left there.
            segment_video = (
                SegmentVideo.objects.select_for_update(of=("self",)).select_related("video").get(pk=segment_video_id)
            )
            if segment_video.media_state == SegmentVideo.MediaState.READY and segment_video.proxy:
                job_id and job_done(job_id, stage="already ready")
                return segment_video
            store_at_key(segment_video.proxy, "proxy.mp4", out_video)
            store_at_key(segment_video.sprite, "sprite.jpg", out_sprite)
            segment_video.sprite_meta = result.sprite.as_dict()
            segment_video.media_duration = result.duration
            segment_video.media_fps = result.fps
            segment_video.has_audio = result.has_audio
            segment_video.first_frame_offset = result.offset
            segment_video.media_state = SegmentVideo.MediaState.READY
            segment_video.save(
                update_fields=[
                    "proxy",
                    "sprite",
                    "sprite_meta",
                    "media_duration",
                    "media_fps",
                    "has_audio",
                    "first_frame_offset",
                    "media_state",
                ]
            )
            # Next: the video's S-CNN proposals (issue 6), published when this commits.
            from backend.segments.proposals import segment_proposals_queue

            segment_proposals_queue(segment_video=segment_video)
    job_id and job_done(job_id, stage="ready")
    log.info("segment media ready for %s (%.1f s, %.3f fps)", segment_video.video, result.duration, result.fps)
    return segment_video


def segment_media_failed(*, segment_video_id: int, job_id: int | None, message: str) -> None:
    SegmentVideo.objects.filter(pk=segment_video_id).update(media_state=SegmentVideo.MediaState.FAILED)
    job_id and job_failed(job_id, message=message)
