"""Which frames of its video a clip covers, on the curation axis: frame k from the first video frame (see
workers/media/frame_exact.py), the timeline tool's axis.

A trimmed clip is its curation's ``first_frame`` … ``last_frame``. An untrimmed one is its grid span: clip times count
from the container start (ffmpeg's ``-ss``, backend/clips/services.clip_media_cut), the first frame sits D seconds
after it (D = first video frame − container start, workers/media/proxy.py), so the span is ``[start − D, end − D)`` on the
curation axis and its frames are those that start in it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from backend.catalog.models import Video
from backend.clips.models import Clip
from backend.core.errors import ApplicationError
from backend.curation.models import Curation
from workers.media import frame_exact


class TimingError(ApplicationError, ValueError):
    """A video's frames cannot be located (no frame rate); the message names the video (409)."""

    code = "conflict"


@dataclass(frozen=True)
class FrameTiming:
    fps: float
    offset: float  # D: seconds from the container start to the first video frame
    offset_from: str  # "segment media" (stored), "probe" (read from the file now) or "none" (no file: taken as 0)


def video_frame_timing(*, video: Video, source: str | Path | None = None) -> FrameTiming:
    """The video's frame rate and first-frame offset: the offset stored with its timeline media when it has it (as
    the timeline's clip marks use it), else probed from ``source`` (the local file), else 0."""
    from backend.segments.models import SegmentVideo

    segment_video = SegmentVideo.objects.filter(video=video, media_state=SegmentVideo.MediaState.READY).first()
    fps, offset, offset_from = float(video.fps or 0), 0.0, "none"
    if segment_video is not None:
        offset, offset_from = float(segment_video.first_frame_offset), "segment media"
        fps = fps or float(segment_video.media_fps or 0)
    elif source is not None:
        from workers.media.proxy import first_frame_time

        probed = first_frame_time(source)
        offset, offset_from = probed.offset, "probe"
        fps = fps or probed.fps
    if fps <= 0:
        raise TimingError(f"video {video.external_id} has no frame rate: its frames cannot be located")
    return FrameTiming(fps=fps, offset=offset, offset_from=offset_from)


def clip_frames(*, clip: Clip, curation: Curation | None, timing: FrameTiming) -> tuple[int, int]:
    """The clip's frames (first, last), inclusive: its trim when it has one, else its grid span's frames."""
    if curation is not None and curation.is_trimmed:
        return curation.first_frame, curation.last_frame
    return frame_exact.span_frames(start=clip.start - timing.offset, end=clip.end - timing.offset, fps=timing.fps)
