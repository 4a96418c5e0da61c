"""The qualification set's videos (issue 15): videos of a class with known segments, which annotators who will segment
the class mark before real timeline work. Kept apart from the hidden golden set as the clips are
(clips.services.qualification): a video already annotated (gold, real or imported) cannot join the set, and a
qualification video is never leased (services.queue: `_available`, gold mode)."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction

from backend.catalog.models import ActionClass, Project
from backend.clips.services import QueueError
from backend.segments.models import SegmentAnnotation, SegmentVideo, VideoQualificationAnswer
from backend.segments.services.queue import check_segments


def segment_video_qualification_set(
    *, segment_video: SegmentVideo, segments: Sequence[Sequence[float]], author
) -> VideoQualificationAnswer:
    """Make a video a qualification item of its class with these known segments (or change them; none: the action
    does not happen in it). Refused for a video without ready media or one anyone has annotated or leased."""
    with transaction.atomic():
        video = SegmentVideo.objects.select_for_update().get(pk=segment_video.pk)
        if video.media_state != SegmentVideo.MediaState.READY or video.retired_reason:
            raise QueueError("this video cannot be shown: its media is not ready or it was removed", code="conflict")
        if SegmentAnnotation.objects.filter(segment_video=video).exists():
            raise QueueError(
                "this video is already annotated (gold, real work or imported): choose an untouched one",
                code="conflict",
            )
        known = check_segments(segments, duration=video.media_duration, fps=video.media_fps)
        answer, _ = VideoQualificationAnswer.objects.update_or_create(
            segment_video=video, defaults={"segments": [list(pair) for pair in known], "author": author}
        )
    return answer


def qualification_videos(*, project: Project, action_class: ActionClass):
    """The class's qualification videos in a project: ready, live, with their known segments."""
    return (
        SegmentVideo.objects.filter(
            action_class=action_class,
            video__project=project,
            media_state=SegmentVideo.MediaState.READY,
            retired_reason="",
            qualification__isnull=False,
        )
        .select_related("qualification", "action_class")
        .order_by("video_id", "pk")
    )
