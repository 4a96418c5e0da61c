"""Trim tool reads: where a clip's video plays in the browser, which frames it has, and the curation as the tool and
its API show it.

**The trim tool's time base** (the one place it is written down; the frame rule itself is workers/media/frame_exact.py and
backend/curation/timing.py, which the curation back end shares):

- A frame number k counts from the source's **first video frame** (k = 0), at the source's constant rate R
  (``Video.fps``). ``Curation.first_frame`` … ``last_frame`` are such numbers, both inclusive.
- Tool time t is seconds on the same axis, the timeline tool's: frame k is on screen from k / R to (k + 1) / R. A
  trim's ``start_time`` is first / R and its ``end_time`` (last + 1) / R, the instant its last frame leaves the screen;
  ``duration`` = frames / R. Segments ``[s, e]`` are on this axis and hold the frames that start in them.
- Clip times (``Clip.start`` / ``end``, ffmpeg's ``-ss``, HACS exports) count from the **container start** S; the
  first frame sits D = V0 − S after it (``timing.FrameTiming.offset``). A clip ``[c0, c1)`` is ``[c0 − D, c1 − D)`` in
  tool time and holds the frames that start in it; ``container_start_time`` / ``container_end_time`` of a trim are
  its tool times + D (cutting ``-ss container_start_time -t duration`` gives exactly its frames).
- The browser: the timeline proxy starts at the first frame (workers/media/proxy.py), so there media time = tool time.
  A source file played as it is keeps its own presentation timestamps in Chromium (a positive container start is
  not moved to 0), so the first frame plays at media time V0 = S + D. The page gets that ``origin``: media time =
  origin + tool time, and the frame on screen is ``floor((currentTime − origin) · R)`` — the number stored.
"""

from __future__ import annotations

import math

from django.core.cache import cache
from django.db.models import F

from backend.clips.models import Clip
from backend.curation.models import Curation
from backend.curation.timing import FrameTiming, TimingError, clip_frames, video_frame_timing
from backend.segments.models import Segment, SegmentAnnotation, SegmentVideo
from workers.media.probing import probe_video

WINDOW_PAD_SECONDS = 5.0  # shown around the clip: an atomic action may start or end outside the 2-s grid clip
WHOLE_VIDEO_UP_TO = 30.0  # seconds: a video this short is shown whole
PROBE_CACHE_SECONDS = 24 * 3600
EPS = 1e-3  # of a frame: 12.0 s × 25 fps must count 300 frames, not 299


def _ready_segment_video(video) -> SegmentVideo | None:
    return SegmentVideo.objects.filter(video=video, media_state=SegmentVideo.MediaState.READY).exclude(proxy="").first()


def _source_location(video) -> str | None:
    """What ffprobe reads: the local path, or the storage's (signed) URL."""
    if not video.file:
        return None
    try:
        return video.file.path
    except NotImplementedError:
        return video.file.url


def _source_probe(video) -> tuple[FrameTiming, float | None]:
    """The file's timing and its video stream's duration, probed once (cached): the container's duration is no
    measure of the frames (an MP4 that keeps a capture's timestamps counts them from 0)."""
    key = f"curation-trim-probe:{video.pk}:{video.file.name}"
    probed = cache.get(key)
    if probed is None:
        location = _source_location(video)
        try:
            if location is None:
                raise FileNotFoundError(f"video {video.pk} has no file")
            probed = (video_frame_timing(video=video, source=location), probe_video(path=location).duration or None)
        except (RuntimeError, OSError):  # unreadable file: the page says so; frames still count from Video.fps
            probed = (video_frame_timing(video=video), None)
        cache.set(key, probed, PROBE_CACHE_SECONDS)
    return probed


def trim_timing(*, video) -> FrameTiming:
    """The video's frame rate and first-frame offset D (timing.video_frame_timing), a file's probe cached.

    Raises TimingError when the video has no frame rate.
    """
    if _ready_segment_video(video) is not None or not video.file:
        return video_frame_timing(video=video)
    return _source_probe(video)[0]


def video_frame_count(*, video, timing: FrameTiming) -> int:
    """Frames of the video: its proxy's video stream when made, else the file's video stream, else (no file) the
    recorded duration after D."""
    segment_video = _ready_segment_video(video)
    if segment_video is not None and segment_video.media_duration:
        seconds = segment_video.media_duration
    else:
        seconds = (_source_probe(video)[1] if video.file else None) or video.duration - timing.offset
    return max(1, math.floor(seconds * timing.fps + EPS))


def trim_media(*, video, timing: FrameTiming) -> dict | None:
    """Where the browser plays the video and at which media time its frame 0 starts (``origin``), or None."""
    segment_video = _ready_segment_video(video)
    if segment_video is not None:
        sprite = (
            {"url": segment_video.sprite.url, **segment_video.sprite_meta}
            if segment_video.sprite and segment_video.sprite_meta
            else None
        )
        return {"kind": "proxy", "url": segment_video.proxy.url, "origin": 0.0, "sprite": sprite}
    if not video.file or timing.offset_from == "none":
        return None
    return {
        "kind": "source",
        "url": video.file.url,
        "origin": round(video.start_time + timing.offset, 6),
        "sprite": None,
    }


def curation_of(clip: Clip) -> Curation | None:
    try:
        return clip.curation
    except Curation.DoesNotExist:
        return None


def curation_payload(*, clip: Clip, curation: Curation | None, timing: FrameTiming, staff: bool) -> dict:
    """The clip's curation with its derived seconds (see the module docstring). Annotators get the trim and the
    metadata; split, human-centric value and who curated are for admins."""
    span = (curation.first_frame, curation.last_frame) if curation is not None and curation.is_trimmed else None
    fps = timing.fps
    out = {
        "clip": str(clip.uid),
        "fps": fps,
        "trimmed": span is not None,
        "first_frame": span[0] if span else None,
        "last_frame": span[1] if span else None,
        "frames": span[1] - span[0] + 1 if span else None,
        "start_time": round(span[0] / fps, 6) if span else None,
        "end_time": round((span[1] + 1) / fps, 6) if span else None,
        "duration": round((span[1] - span[0] + 1) / fps, 6) if span else None,
        "container_start_time": round(span[0] / fps + timing.offset, 6) if span else None,
        "container_end_time": round((span[1] + 1) / fps + timing.offset, 6) if span else None,
        "dominant_people": curation.dominant_people if curation else None,
        "camera_moving": curation.camera_moving if curation else None,
        "updated_at": curation.updated_at.isoformat() if curation else None,
    }
    if staff:
        out.update(
            {
                "split": curation.split if curation else "",
                "human_centric": curation.human_centric if curation else None,
                "human_centric_state": curation.human_centric_state if curation else Curation.ScoreState.NONE,
                "curated_by": curation.curated_by.username if curation and curation.curated_by else None,
            }
        )
    return out


def _window(*, clip_span: tuple[int, int], trim: tuple[int, int] | None, frame_count: int, fps: float) -> list[int]:
    if frame_count / fps <= WHOLE_VIDEO_UP_TO:
        return [0, frame_count - 1]
    pad = round(WINDOW_PAD_SECONDS * fps)
    lo = min(clip_span[0], trim[0]) if trim else clip_span[0]
    hi = max(clip_span[1], trim[1]) if trim else clip_span[1]
    return [max(0, lo - pad), min(frame_count - 1, hi + pad)]


def trim_context(*, clip: Clip, user) -> dict:
    """Everything the trim page starts from (embedded in it as JSON): media, frames, window, the curation.

    Raises TimingError when the video has no frame rate.
    """
    video = clip.video
    timing = trim_timing(video=video)
    frame_count = video_frame_count(video=video, timing=timing)
    curation = curation_of(clip)
    try:
        span = frame_exact_clip_span(clip=clip, timing=timing, frame_count=frame_count)
    except ValueError:
        span = (0, frame_count - 1)
    trim = (curation.first_frame, curation.last_frame) if curation and curation.is_trimmed else None
    staff = bool(user.is_staff)
    return {
        "clip": {
            "uid": str(clip.uid),
            "project": video.project_id,
            "action_class": {"id": clip.action_class_id, "name": clip.action_class.name},
            **({"video": video.external_id, "start": clip.start, "end": clip.end} if staff else {}),
        },
        "fps": timing.fps,
        "frame_count": frame_count,
        "clip_frames": list(span),
        "window": _window(clip_span=span, trim=trim, frame_count=frame_count, fps=timing.fps),
        "media": trim_media(video=video, timing=timing),
        "curation": curation_payload(clip=clip, curation=curation, timing=timing, staff=staff),
        "api": f"/api/clips/{clip.uid}/curation/",
        "list_url": f"/curation/{video.project_id}/?class={clip.action_class_id}" if staff else None,
        "next_api": (
            f"/api/projects/{video.project_id}/curation/clips/?class={clip.action_class_id}&trimmed=false&page_size=2"
        )
        if staff
        else None,
    }


def segment_frames(*, start: float, end: float, fps: float, frame_count: int) -> tuple[int, int] | None:
    """The frames a segment ``[start, end]`` holds: those whose start time k / fps lies in it (the timeline tool's
    rule), cut to the video; None when it holds none. The tool stores edges snapped to frame starts and rounded to
    the millisecond, so half a millisecond of tolerance keeps frame k's edge on frame k (1001/30000 s is 0.0334 s)."""
    tolerance = 0.0005 * fps + 1e-9  # in frames
    first = max(0, math.ceil(start * fps - tolerance))
    last = min(frame_count - 1, math.floor(end * fps + tolerance))
    return (first, last) if last >= first else None


def segment_clip_span(*, segment: Segment, timing: FrameTiming | None = None) -> tuple[float, float] | None:
    """Clip times (from the container start) of the clip holding exactly the segment's frames: frame times + D, so
    timing.clip_frames gives those frames back (not rounded: a rounded time could start a millionth of a frame past
    its frame's start and count from the next one). None when the segment holds no frame."""
    video = segment.annotation.segment_video.video
    timing = timing or trim_timing(video=video)
    frames = segment_frames(
        start=segment.start, end=segment.end, fps=timing.fps, frame_count=video_frame_count(video=video, timing=timing)
    )
    if frames is None:
        return None
    return frames[0] / timing.fps + timing.offset, (frames[1] + 1) / timing.fps + timing.offset


def segment_clip(*, segment: Segment) -> Clip | None:
    """The clip already made of the segment (segment_clip_get_or_create), if any; reads only."""
    try:
        span = segment_clip_span(segment=segment)
    except TimingError:
        return None
    if span is None:
        return None
    return Clip.objects.filter(
        video=segment.annotation.segment_video.video, action_class=segment.action_class, start=span[0], end=span[1]
    ).first()


def trim_segment_list(*, project, action_class=None, limit: int = 200) -> list[dict]:
    """The annotated segments of the project's videos (each video's exported annotation), for the admin's curation
    page: where a segment's clip exists already, its uid and whether it is trimmed. At most ``limit`` rows."""
    segments = (
        Segment.objects.filter(
            annotation__segment_video__video__project=project,
            annotation__segment_video__final=F("annotation"),
            annotation__status=SegmentAnnotation.Status.SUBMITTED,
        )
        .select_related("action_class", "annotation__segment_video__video")
        .order_by("action_class__name", "annotation__segment_video__video__external_id", "start", "pk")
    )
    if action_class is not None:
        segments = segments.filter(action_class=action_class)
    rows: list[dict] = []
    timings: dict[int, FrameTiming] = {}
    for segment in segments[:limit]:
        video = segment.annotation.segment_video.video
        try:
            timing = timings.setdefault(video.pk, trim_timing(video=video))
        except TimingError:
            continue
        span = segment_clip_span(segment=segment, timing=timing)
        clip = (
            Clip.objects.filter(video=video, action_class=segment.action_class, start=span[0], end=span[1])
            .select_related("curation")
            .first()
            if span
            else None
        )
        curation = curation_of(clip) if clip else None
        rows.append(
            {
                "id": segment.pk,
                "action_class": segment.action_class.name,
                "action_class_id": segment.action_class_id,
                "video": video.external_id,
                "start": segment.start,
                "end": segment.end,
                "length": segment.end - segment.start,
                "clip": str(clip.uid) if clip else None,
                "trimmed": bool(curation and curation.is_trimmed),
            }
        )
    return rows


def frame_exact_clip_span(*, clip: Clip, timing: FrameTiming, frame_count: int) -> tuple[int, int]:
    """The grid span's frames (timing.clip_frames), cut to the video's frames. Raises ValueError when it holds none."""
    first, last = clip_frames(clip=clip, curation=None, timing=timing)
    first, last = max(0, first), min(frame_count - 1, last)
    if last < first:
        raise ValueError("the clip holds no frame of its video")
    return first, last


__all__ = ["TimingError", "curation_payload", "trim_context", "trim_timing", "video_frame_count"]
