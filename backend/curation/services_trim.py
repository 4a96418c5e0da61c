"""Trim tool writes: a clip's exact first and last frame and its HAA500 metadata, and the clip made from a segment.

Who may trim: admins, and annotators of the clip's class under the gates every tool applies before real work
(catalog.access.check_work_access: the class is theirs, its clarifications are read, its qualification passed). Frame numbers
and the seconds derived from them follow the time base written in backend/curation/selectors_trim.py.
"""

from __future__ import annotations

from django.db import transaction

from backend.catalog.access import check_work_access
from backend.clips.models import Clip
from backend.clips.services import QueueError
from backend.core.errors import ApplicationError
from backend.core.tasks import task_publish_on_commit
from backend.curation.models import Curation
from backend.curation.selectors_trim import segment_clip_span, trim_timing, video_frame_count
from backend.segments.models import Segment, SegmentAnnotation


class TrimError(ApplicationError, ValueError):
    """Input the video cannot hold; ``field`` names the input at fault (a 400 answer {field: [message]})."""

    def __init__(self, message: str, *, field: str = "non_field_errors") -> None:
        super().__init__(message, field=field)


# --- access ---------------------------------------------------------------------------------------------------


def check_trim_access(*, user, clip: Clip) -> None:
    """Admins trim any clip; an annotator the clips of the classes their group labels, once qualified (a trim is
    real work of the class, as a grid page or a timeline task). Raises QueueError."""
    check_work_access(user=user, project=clip.video.project, action_class=clip.action_class, staff_ok=True)


def check_segment_access(*, user, segment: Segment) -> None:
    """Admins reach any segment; an annotator only their own active segments of a class they label. To anyone else
    a segment does not exist (QueueError "not_found"): ids are sequential, and another person's work (or an admin's
    reference segments of a gold video) must not be readable by counting."""
    if user.is_staff:
        return
    annotation = segment.annotation
    check_work_access(user=user, project=annotation.segment_video.video.project, action_class=segment.action_class)
    mine = annotation.annotator_id == user.pk and annotation.kind == SegmentAnnotation.Kind.REGULAR
    if not mine or not annotation.active:
        raise QueueError("no such segment", code="not_found")


# --- the trim -----------------------------------------------------------------------------------------------------


def curation_trim_submit(
    *, user, clip: Clip, first_frame: int, last_frame: int, dominant_people: int | None, camera_moving: bool | None
) -> Curation:
    """Check access and the frames against the video, then store them (curation_trim_store).

    Raises QueueError (access), TrimError (frames outside the video, last before first) or timing.TimingError.
    """
    check_trim_access(user=user, clip=clip)
    timing = trim_timing(video=clip.video)
    frame_count = video_frame_count(video=clip.video, timing=timing)
    if last_frame < first_frame:
        raise TrimError(f"the last frame ({last_frame}) comes before the first ({first_frame})", field="last_frame")
    for name, value in (("first_frame", first_frame), ("last_frame", last_frame)):
        if not 0 <= value < frame_count:
            raise TrimError(f"frame {value} is outside the video (frames 0–{frame_count - 1})", field=name)
    if dominant_people is not None and dominant_people not in Curation.People.values:
        raise TrimError("dominant people is 1, 2 or 3 (more than 2)", field="dominant_people")
    return curation_trim_store(
        user=user,
        clip=clip,
        first_frame=first_frame,
        last_frame=last_frame,
        dominant_people=dominant_people,
        camera_moving=camera_moving,
    )


def curation_trim_store(
    *, user, clip: Clip, first_frame: int, last_frame: int, dominant_people: int | None, camera_moving: bool | None
) -> Curation:
    """Store the trim and metadata on the clip's curation row (made when missing), under its row lock.

    Preconditions: the caller checked access and that 0 ≤ first ≤ last < the video's frame count. Split and
    human-centric score are the curation back end's; but a score of other frames is stale once the frames change,
    so it is cleared (state "none": the next scoring run computes it on the new frames; a pending one is left to
    its job, which reads the frames when it runs).
    """
    with transaction.atomic():
        curation, _ = Curation.objects.select_for_update().get_or_create(clip=clip)
        fields = ["first_frame", "last_frame", "dominant_people", "camera_moving", "curated_by", "updated_at"]
        if (curation.first_frame, curation.last_frame) != (first_frame, last_frame) and (
            curation.human_centric_state in (Curation.ScoreState.READY, Curation.ScoreState.FAILED)
        ):
            curation.human_centric, curation.human_centric_state = None, Curation.ScoreState.NONE
            fields += ["human_centric", "human_centric_state"]
        curation.first_frame, curation.last_frame = first_frame, last_frame
        curation.dominant_people, curation.camera_moving = dominant_people, camera_moving
        curation.curated_by = user
        curation.save(update_fields=fields)
    return curation


# --- a clip from a segment ------------------------------------------------------------------------------------------


def segment_clip_get_or_create(*, segment: Segment) -> tuple[Clip, bool]:
    """The clip (method ``segment``) holding exactly the segment's frames, made once: (clip, created).

    Its span is selectors_trim.segment_clip_span. It needs no grid labels (a person already marked it), so it is not
    open for the grid queue; its preview media is cut like any clip's. Idempotent: the same segment gives the same span, and the span is unique per
    video and class. Raises TrimError (no frame in the segment) or timing.TimingError (no frame rate).
    """
    video = segment.annotation.segment_video.video
    span = segment_clip_span(segment=segment)
    if span is None:
        raise TrimError(f"the segment {segment.start:.3f}–{segment.end:.3f} s holds no frame of its video")
    start, end = span
    with transaction.atomic():
        clip, created = Clip.objects.get_or_create(
            video=video,
            action_class=segment.action_class,
            start=start,
            end=end,
            defaults={
                "method": Clip.Method.SEGMENT,
                "required_labels": 0,
                "is_open": False,
                "media_state": Clip.MediaState.PENDING if video.file else Clip.MediaState.NONE,
            },
        )
        if created and video.file:
            from backend.clips.tasks import clip_media_cut_task

            task_publish_on_commit(clip_media_cut_task, clip.pk)
    return clip, created
