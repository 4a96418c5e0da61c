"""A video's candidate clips and their media (MP4 and poster), cut by workers/ and stored idempotently."""

from __future__ import annotations

import tempfile
from pathlib import Path

from django.db import transaction

from backend.catalog.models import Video
from backend.catalog.storage import store_at_key, video_local_path
from backend.clips import consensus
from backend.clips.models import Clip
from backend.core.faults import fault_point
from backend.core.tasks import task_publish, task_publish_on_commit
from workers import candidates
from workers.media import clips as media


def video_candidates_create(*, video: Video, spans: list[candidates.ClipSpan] | None = None) -> list[Clip]:
    """Create a video's candidate clips (uniform random unless `spans` are given) and queue their media cutting.

    Idempotent: a span that already exists is not created twice.
    """
    project = video.project
    if spans is None:
        spans = candidates.random_spans(duration=video.duration, count=project.clips_per_video, seed=video.pk)
    required = consensus.initial_required(project.consensus_mode)
    created = []
    for span in spans:
        clip, was_created = Clip.objects.get_or_create(
            video=video,
            action_class=video.query_class,
            start=span.start,
            end=span.end,
            defaults={"method": span.method, "scores": span.scores, "required_labels": required},
        )
        if was_created:
            created.append(clip)
    video.status = Video.Status.CLIPS_SAMPLED
    video.save(update_fields=["status"])
    from backend.clips.tasks import clip_media_cut_task

    for clip in created:
        task_publish_on_commit(clip_media_cut_task, clip.pk)
    return created


def clip_media_cut(*, clip_id: int) -> Clip:
    """Cut a clip's MP4 and poster from its video and store them. Idempotent: a clip with media is left alone.

    Safe when run twice at once or after a run killed mid-way: the files go to the clip's one generated key,
    written under the clip's row lock, replacing whatever a killed run left there, so a clip never has two files.
    """
    clip = Clip.objects.select_related("video").get(pk=clip_id)
    if clip.media_state == Clip.MediaState.READY and clip.media:
        return clip
    with tempfile.TemporaryDirectory() as tmp:
        source = video_local_path(clip.video, Path(tmp))
        out_video, out_poster = Path(tmp) / "clip.mp4", Path(tmp) / "clip.jpg"
        # ffmpeg's -ss counts from the container start, as clip times do: no start-time offset to add.
        media.cut_clip(
            source=source, start=clip.start, duration=clip.end - clip.start, out_video=out_video, out_poster=out_poster
        )
        with transaction.atomic():
            clip = Clip.objects.select_for_update(of=("self",)).select_related("video").get(pk=clip_id)
            if clip.media_state == Clip.MediaState.READY and clip.media:  # another run finished first
                return clip
            store_at_key(clip.media, "clip.mp4", out_video)
            fault_point("clip_media_cut.after_store")
            store_at_key(clip.poster, "clip.jpg", out_poster)
            clip.media_state = Clip.MediaState.READY
            clip.save(update_fields=["media", "poster", "media_state"])
    video = clip.video
    if not video.clips.exclude(media_state=Clip.MediaState.READY).exists():
        Video.objects.filter(pk=video.pk).update(status=Video.Status.READY)
    return clip


def clips_requeue_pending() -> int:
    """Publish a media task for every clip still waiting for its media (a lost message, a broker outage).

    Run at worker start and by `manage.py requeue_pending_media`; a clip already queued is cut once anyway
    (clip_media_cut is idempotent). Returns how many tasks were published.
    """
    from backend.clips.tasks import clip_media_cut_task

    pending = (
        Clip.objects.filter(media_state=Clip.MediaState.PENDING)
        .exclude(video__file="")
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    return sum(task_publish(clip_media_cut_task, pk) for pk in pending.iterator())
