"""Web proxy and thumbnail sprite of a video for the timeline tool (ffmpeg). Pure compute: no Django.

The time base, once for the whole segment pipeline: **t = 0 is the source's first video frame.** A time the timeline
tool shows, a segment stored in the database and a segment in the exported ActivityNet JSON are all seconds on that
axis. How the proxy is made so that the browser's ``video.currentTime`` is exactly that axis:

1. ``first_frame_time`` reads the presentation time of the first video frame (V0) and the container start time (S,
   what ``workers.media.probing.probe`` records as ``Video.start_time`` on ingest). They differ when the audio starts
   before the video (AAC priming) or the container has an offset (MPEG-TS starts near 1.4 s).
2. ffmpeg, without ``-copyts``, hands the filters timestamps relative to S. The video filter ``setpts=PTS-STARTPTS``
   moves the first frame to 0; the audio filter ``asetpts=PTS-D/TB`` with D = V0 - S moves the audio by the same
   amount, so sound stays in sync, and ``aresample=async=1:first_pts=0`` trims audio before the first frame or pads
   silence up to it. Both streams of the proxy start at 0.
3. ``-fps_mode cfr -r <source fps>`` keeps the source frame rate; frame k of the proxy is shown from k / fps to
   (k + 1) / fps. A constant-frame-rate source keeps every frame; a variable-rate one is sampled at its average rate
   (times are kept, frames may repeat or drop).
4. A keyframe at least every 0.5 s (``-g`` = ``-keyint_min`` = floor(fps / 2), ``-sc_threshold 0``), so a browser seek
   decodes at most half a second of frames and lands at once; ``+faststart`` so it plays before the download ends.

So tool time t shows source frame ``round(t * fps)`` counted from the first frame, which is what a decoder that numbers
frames from 0 (PyAV, decord, ``workers.media.frames``) reads at ``t``. A clip of the grid tool, whose times count from
S, sits at ``t_clip - D`` on this axis.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from workers.media.clips import scale_down_filter
from workers.media.probing import ffmpeg_binary, ffprobe_binary, is_cover_art, parse_rate, rate_arg, run

PROXY_SHORT_SIDE = 360  # px: enough to judge where an action starts, light enough to stream
PROXY_CRF = 26
KEYFRAME_SECONDS = 0.5  # issue 3: "keyframe at least every 0.5 s so seeking lands where the annotator points"
AUDIO_BITRATE = "96k"
SPRITE_TILE_HEIGHT = 72
SPRITE_COLUMNS = 10
SPRITE_MAX_THUMBS = 120  # one sprite image of at most 120 thumbs: a 4-minute video gets one every 2 s


@dataclass(frozen=True)
class SourceTiming:
    container_start: float  # S: format start_time (Video.start_time)
    first_frame: float  # V0: presentation time of the first video frame
    fps: float
    has_audio: bool
    width: int
    height: int

    @property
    def offset(self) -> float:
        """D = V0 - S: how far the first frame sits after the container start (what clip times must subtract)."""
        return max(0.0, self.first_frame - self.container_start)


@dataclass(frozen=True)
class SpriteSheet:
    interval: float  # seconds between thumbnails; thumb k shows the frame at k * interval
    tile_width: int
    tile_height: int
    columns: int
    rows: int
    count: int

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class ProxyResult:
    duration: float  # of the proxy's video stream
    fps: float
    has_audio: bool
    offset: float  # D, see SourceTiming.offset
    sprite: SpriteSheet


def first_frame_time(source: str | os.PathLike[str]) -> SourceTiming:
    """Container start time, first video frame time, frame rate and audio presence of ``source``."""
    info = json.loads(
        run(
            [ffprobe_binary(), "-v", "error", "-print_format", "json", "-show_streams", "-show_format", str(source)]
        ).stdout
    )
    streams = info.get("streams", [])
    video = next((s for s in streams if s.get("codec_type") == "video" and not is_cover_art(s)), None)
    if video is None:
        raise RuntimeError(f"{Path(source).name}: no video stream")
    # The first *decoded* frame in presentation order: with B-frames the first packet is not the first frame.
    frames = json.loads(
        run(
            [
                ffprobe_binary(),
                "-v",
                "error",
                "-select_streams",
                f"{video['index']}",
                "-show_frames",
                "-read_intervals",
                "%+#12",
                "-show_entries",
                "frame=best_effort_timestamp_time",
                "-print_format",
                "json",
                str(source),
            ]
        ).stdout
    ).get("frames", [])
    times = [float(f["best_effort_timestamp_time"]) for f in frames if f.get("best_effort_timestamp_time")]
    container_start = float(info.get("format", {}).get("start_time") or 0.0)
    return SourceTiming(
        container_start=container_start,
        first_frame=min(times) if times else float(video.get("start_time") or container_start),
        fps=parse_rate(video.get("avg_frame_rate")) or parse_rate(video.get("r_frame_rate")),
        has_audio=any(s.get("codec_type") == "audio" for s in streams),
        width=int(video.get("width") or 0),
        height=int(video.get("height") or 0),
    )


def keyframe_interval(fps: float) -> int:
    """Frames between keyframes: at most KEYFRAME_SECONDS of video (floor(fps / 2): 12 at 25 fps, 14 at 29.97)."""
    return max(1, math.floor(fps * KEYFRAME_SECONDS + 1e-9)) if fps > 0 else 12


def make_proxy(
    *,
    source: str | os.PathLike[str],
    out_video: str | os.PathLike[str],
    out_sprite: str | os.PathLike[str],
    short_side: int = PROXY_SHORT_SIDE,
) -> ProxyResult:
    """Encode the seekable web proxy (H.264 + AAC when the source has audio, MP4 +faststart) and the sprite sheet.

    Both start at the source's first video frame (see the module docstring for the exact ffmpeg recipe).
    """
    timing = first_frame_time(source)
    fps = timing.fps if timing.fps > 0 else 25.0
    gop = keyframe_interval(fps)
    rate = rate_arg(fps)  # exact: 30000/1001 stays 30000/1001
    args = [
        ffmpeg_binary(),
        "-v",
        "error",
        "-nostdin",
        "-y",
        "-i",
        str(source),
        "-map",
        "0:v:0",
        "-vf",
        f"setpts=PTS-STARTPTS,{scale_down_filter(short_side)}",
        "-c:v",
        "libx264",
        "-preset",
        "veryfast",
        "-crf",
        str(PROXY_CRF),
        "-pix_fmt",
        "yuv420p",
        "-profile:v",
        "main",
        "-fps_mode",
        "cfr",
        "-r",
        rate,
        "-g",
        str(gop),
        "-keyint_min",
        str(gop),
        "-sc_threshold",
        "0",
    ]
    if timing.has_audio:
        args += [
            "-map",
            "0:a:0",
            "-af",
            f"asetpts=PTS-{timing.offset:.6f}/TB,aresample=async=1:first_pts=0",
            "-c:a",
            "aac",
            "-b:a",
            AUDIO_BITRATE,
            "-ac",
            "2",
        ]
    args += ["-movflags", "+faststart", "-f", "mp4", str(out_video)]
    run(args)
    duration = _stream_duration(out_video)
    sprite = make_sprite(source=out_video, out=out_sprite, duration=duration)
    return ProxyResult(duration=duration, fps=fps, has_audio=timing.has_audio, offset=timing.offset, sprite=sprite)


def sprite_interval(duration: float, max_thumbs: int = SPRITE_MAX_THUMBS) -> float:
    """Whole seconds between thumbnails, so that a video has at most ``max_thumbs`` of them (at least 1 s)."""
    return float(max(1, math.ceil(duration / max_thumbs)))


def make_sprite(
    *,
    source: str | os.PathLike[str],
    out: str | os.PathLike[str],
    duration: float,
    tile_height: int = SPRITE_TILE_HEIGHT,
    columns: int = SPRITE_COLUMNS,
) -> SpriteSheet:
    """One JPEG of thumbnails tiled ``columns`` wide, thumb k showing the frame on screen at ``k * interval``.

    Made from the proxy, so the thumbnails share its time axis. ``fps=…:round=up`` picks the latest frame at or before
    each instant (see workers/media/frames.py for why ``round=up``).
    """
    interval = sprite_interval(duration)
    count = max(1, math.ceil(duration / interval - 1e-6))
    rows = max(1, math.ceil(count / columns))
    width, height = _stream_size(source)
    tile_width = max(2, round(width * tile_height / max(1, height) / 2) * 2)
    run(
        [
            ffmpeg_binary(),
            "-v",
            "error",
            "-nostdin",
            "-y",
            "-i",
            str(source),
            "-an",
            "-vf",
            f"fps=1/{interval:g}:round=up,scale={tile_width}:{tile_height},tile={columns}x{rows}",
            "-frames:v",
            "1",
            "-q:v",
            "5",
            "-update",
            "1",
            str(out),
        ]
    )
    return SpriteSheet(
        interval=interval, tile_width=tile_width, tile_height=tile_height, columns=columns, rows=rows, count=count
    )


def _probe_stream(path: str | os.PathLike[str]) -> dict[str, Any]:
    info = json.loads(
        run(
            [
                ffprobe_binary(),
                "-v",
                "error",
                "-select_streams",
                "v:0",
                "-show_streams",
                "-print_format",
                "json",
                str(path),
            ]
        ).stdout
    )
    streams = info.get("streams") or [{}]
    return streams[0]


def _stream_duration(path: str | os.PathLike[str]) -> float:
    return float(_probe_stream(path).get("duration") or 0.0)


def _stream_size(path: str | os.PathLike[str]) -> tuple[int, int]:
    stream = _probe_stream(path)
    return int(stream.get("width") or 0), int(stream.get("height") or 0)


def keyframe_times(path: str | os.PathLike[str]) -> list[float]:
    """Presentation times of the video keyframes (for tests and diagnostics)."""
    out = run(
        [
            ffprobe_binary(),
            "-v",
            "error",
            "-select_streams",
            "v:0",
            "-skip_frame",
            "nokey",
            "-show_frames",
            "-show_entries",
            "frame=best_effort_timestamp_time",
            "-print_format",
            "json",
            str(path),
        ]
    ).stdout
    return sorted(float(f["best_effort_timestamp_time"]) for f in json.loads(out).get("frames", []))
