"""A reviewer's decision on a video whose annotators' segments differ (issue 15 item 2): stored beside them.

Locks: the video's row lock (queue._lock_video), as every write of its annotations takes it.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone

from backend.clips.services import QueueError
from backend.segments.models import Segment, SegmentAnnotation, SegmentVideo, VideoDecision
from backend.segments.services.queue import DONE, _lock_video, check_segments


def segment_video_decide(
    *,
    reviewer,
    segment_video: SegmentVideo,
    source: str,
    segments: Sequence[Sequence[float]],
    taken: SegmentAnnotation | None = None,
    note: str = "",
) -> VideoDecision:
    """Settle a video its annotators disagree on: ``segments`` become a ``reviewed`` annotation, the final answer.

    ``source`` says how the reviewer got them: ``taken`` (one annotator's annotation, ``taken``, as it is),
    ``merged`` or ``edited``. An empty list says there is no such action in the video (a reviewed rejection).
    The annotators' annotations are left as they were. Refused: a gold or retired video, a video with fewer than two
    finished annotations, ``taken`` not one of them, or a ``taken`` decision whose segments differ from it.
    Whether ``reviewer`` may review is the caller's check (the API's permission).
    """
    if source not in VideoDecision.Source.values:
        raise QueueError(f"source must be one of {', '.join(VideoDecision.Source.values)}")
    with transaction.atomic():
        video = _lock_video(segment_video.pk)
        if video.is_gold:
            raise QueueError("a gold video's answer is its reference segments, not a review", code="conflict")
        if video.retired_reason:
            raise QueueError("this video was retired", code="conflict")
        done = SegmentAnnotation.objects.filter(
            segment_video=video, kind=SegmentAnnotation.Kind.REGULAR, active=True, status__in=DONE
        )
        if done.count() < 2:
            raise QueueError("a video needs two finished annotations to be reviewed", code="conflict")
        clean = check_segments(segments, duration=video.media_duration or video.video.duration, fps=video.media_fps)
        if source == "taken":
            if taken is None:
                raise QueueError("name the annotation taken")
            as_is = sorted((round(s.start, 3), round(s.end, 3)) for s in taken.segments.all())
            if as_is != clean:
                raise QueueError("a taken annotation is stored as it is: its segments differ (say edited)")
        if taken is not None and not done.filter(pk=taken.pk).exists():
            raise QueueError("the annotation taken must be one of this video's finished annotations")
        SegmentAnnotation.objects.filter(segment_video=video, kind=SegmentAnnotation.Kind.REVIEWED, active=True).update(
            active=False
        )
        now = timezone.now()
        result = SegmentAnnotation.objects.create(
            segment_video=video,
            annotator=reviewer,
            kind=SegmentAnnotation.Kind.REVIEWED,
            status=SegmentAnnotation.Status.SUBMITTED if clean else SegmentAnnotation.Status.REJECTED,
            reject_reason="" if clean else SegmentAnnotation.RejectReason.NO_ACTION,
            submitted_at=now,
        )
        Segment.objects.bulk_create(
            [
                Segment(annotation=result, action_class=video.action_class, start=s, end=e, position=i)
                for i, (s, e) in enumerate(clean)
            ]
        )
        decision = VideoDecision.objects.create(
            segment_video=video, reviewer=reviewer, source=source, taken=taken, result=result, note=note[:500]
        )
        video.final = result
        video.save(update_fields=["final"])
    return decision
