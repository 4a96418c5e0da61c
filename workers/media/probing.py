"""The ffmpeg and ffprobe binaries, how they are run, and what a file holds (probing). Pure compute: no Django.

The one place the binaries are chosen: ``FFMPEG_BINARY`` / ``FFPROBE_BINARY`` (default: ``ffmpeg`` / ``ffprobe`` on
PATH), read at call time so tests and workers can point at another build.

Two probes answer two questions. ``probe`` checks an upload before it is stored (a real video, decodable, not too
long) and says what is wrong in words a user understands. ``probe_video`` tells a decoder the picture it will get
(rotation applied, as ffmpeg's autorotate hands it out).
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import ffmpeg

# ffprobe's format names of stills and text: a file of these is not a video, whatever its name says.
NOT_VIDEO_FORMATS = frozenset({"image2", "png_pipe", "jpeg_pipe", "gif", "tty", "txt"})


def ffmpeg_binary() -> str:
    return os.environ.get("FFMPEG_BINARY", "ffmpeg")


def ffprobe_binary() -> str:
    return os.environ.get("FFPROBE_BINARY", "ffprobe")


def run(args: list[str], *, timeout: float = 1800) -> subprocess.CompletedProcess[bytes]:
    """Run ffmpeg or ffprobe; its stdout in the result. Raises RuntimeError with the tool's last words on failure."""
    # stderr to a file, not a pipe: a chatty ffmpeg cannot fill it while we read stdout
    with tempfile.TemporaryFile() as errors:
        try:
            proc = subprocess.run(args, stdout=subprocess.PIPE, stderr=errors, timeout=timeout)
        except subprocess.TimeoutExpired:
            raise RuntimeError(f"{Path(args[0]).name} took longer than {timeout:.0f} s") from None
        if proc.returncode != 0:
            errors.seek(0)
            detail = errors.read().decode(errors="replace").strip().splitlines()
            raise RuntimeError(f"{Path(args[0]).name} failed: {' / '.join(detail[-3:]) or 'no message'}")
    return proc


def ffprobe_json(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Raw ffprobe output (streams and format), for tests and diagnostics."""
    args = [ffprobe_binary(), "-v", "error", "-print_format", "json", "-show_streams", "-show_format", str(path)]
    return dict(json.loads(run(args).stdout))


def parse_rate(text: str | None) -> float:
    """ffprobe's ``30000/1001`` as a float; 0.0 when unknown (``0/0``)."""
    if not text or text in ("0/0", "0"):
        return 0.0
    return float(Fraction(text))


def fps_fraction(fps: float) -> Fraction:
    """The rate as a fraction ffmpeg takes exactly (29.97… → 30000/1001): a float rate drifts by a frame every few
    minutes."""
    if not fps or fps <= 0:
        raise ValueError(f"a frame rate must be positive, got {fps}")
    return Fraction(fps).limit_denominator(1001)


def rate_arg(fps: float) -> str:
    """``fps`` written for ffmpeg's ``-r`` and ``fps=`` as ``num/den`` (see fps_fraction)."""
    fraction = fps_fraction(fps)
    return f"{fraction.numerator}/{fraction.denominator}"


def count_frames(path: str | os.PathLike[str]) -> int:
    """Frames in the first video stream, counted by decoding (ffprobe -count_frames)."""
    info = json.loads(
        run(
            [
                ffprobe_binary(),
                "-v",
                "error",
                "-select_streams",
                "v:0",
                "-count_frames",
                "-show_entries",
                "stream=nb_read_frames",
                "-of",
                "json",
                str(path),
            ]
        ).stdout
    )
    streams = info.get("streams") or [{}]
    return int(streams[0].get("nb_read_frames") or 0)


def is_cover_art(stream: dict[str, Any]) -> bool:
    """An MP3's or M4A's album picture shows up as a one-frame video stream."""
    return bool(stream.get("disposition", {}).get("attached_pic"))


# --- checking an upload -----------------------------------------------------------------------------------------


class ProbeError(ValueError):
    """The file is not a usable video; the message says why in words a user understands."""


@dataclass(frozen=True)
class ProbeResult:
    duration: float
    fps: float
    width: int
    height: int
    start_time: float
    codec: str
    has_audio: bool
    size_bytes: int


def _ffmpeg_detail(stderr: bytes | None, path: Path, fallback: str) -> str:
    """ffmpeg's last line of complaint, without the path it starts with (a temporary path means nothing to a user)."""
    lines = (stderr or b"").decode(errors="replace").strip().splitlines()
    return lines[-1].removeprefix(f"{path}: ").strip() if lines else fallback


def probe(path: str | os.PathLike[str], *, max_seconds: float | None = None) -> ProbeResult:
    """Probe a file by its content (ffprobe), never by its name.

    Raises ProbeError for a non-video, a corrupt file, a zero-length video, or one longer than max_seconds.
    """
    path = Path(path)
    if not path.is_file():
        raise ProbeError(f"{path.name}: no such file")
    size = path.stat().st_size
    if size == 0:
        raise ProbeError(f"{path.name}: the file is empty")
    try:
        info = ffmpeg.probe(str(path), cmd=ffprobe_binary())
    except ffmpeg.Error as exc:
        raise ProbeError(
            f"{path.name}: not a readable video ({_ffmpeg_detail(exc.stderr, path, 'ffprobe failed')})"
        ) from exc
    fmt = info.get("format", {})
    if fmt.get("format_name", "") in NOT_VIDEO_FORMATS:
        raise ProbeError(f"{path.name}: this is an image or text, not a video")
    video = [s for s in info.get("streams", []) if s.get("codec_type") == "video" and not is_cover_art(s)]
    if not video:
        raise ProbeError(f"{path.name}: the file has no video stream")
    stream = video[0]
    duration = float(fmt.get("duration") or stream.get("duration") or 0.0)
    if duration <= 0:
        raise ProbeError(f"{path.name}: the video has zero length")
    if max_seconds is not None and duration > max_seconds:
        raise ProbeError(f"{path.name}: the video is {duration:.1f} s long; the limit is {max_seconds:.0f} s")
    fps = parse_rate(stream.get("avg_frame_rate")) or parse_rate(stream.get("r_frame_rate"))
    width, height = int(stream.get("width") or 0), int(stream.get("height") or 0)
    if width <= 0 or height <= 0:
        raise ProbeError(f"{path.name}: the video stream has no picture size (corrupt?)")
    _check_decodes(path)
    # the video stream's own length where the container states it: an audio track may run longer than the picture
    _check_frames(path, duration=float(stream.get("duration") or duration), fps=fps)
    return ProbeResult(
        duration=duration,
        fps=fps,
        width=width,
        height=height,
        start_time=float(fmt.get("start_time") or 0.0),
        codec=str(stream.get("codec_name", "")),
        has_audio=any(s.get("codec_type") == "audio" for s in info.get("streams", [])),
        size_bytes=size,
    )


def _check_decodes(path: Path) -> None:
    """Decode the first frame: a header can look fine while the data behind it is garbage."""
    proc = subprocess.run(
        [ffmpeg_binary(), "-v", "error", "-i", str(path), "-frames:v", "1", "-f", "null", "-"],
        capture_output=True,
        timeout=120,
    )
    if proc.returncode != 0:
        raise ProbeError(
            f"{path.name}: the video does not decode ({_ffmpeg_detail(proc.stderr, path, 'ffmpeg failed')})"
        )


MIN_FRAMES = 2  # a single still frame is no video: no clip can be cut from it
MIN_DECODED_SHARE = 0.9  # of the frames the header promises (duration × frame rate); VFR rounding stays well above


def _check_frames(path: Path, *, duration: float, fps: float) -> None:
    """Decode every frame of the video stream and compare the count with what the header promises.

    A truncated upload with its index in front (`-movflags +faststart`, what browsers and phones write) probes as
    the whole video and decodes its first frame; only decoding to the end shows the missing half.
    """
    try:
        frames = count_frames(path)
    except RuntimeError as exc:
        raise ProbeError(f"{path.name}: the video does not decode ({exc})") from exc
    if frames < MIN_FRAMES:
        raise ProbeError(
            f"{path.name}: the video has {frames} frame{'' if frames == 1 else 's'} that decode; "
            f"at least {MIN_FRAMES} are needed"
        )
    promised = duration * fps
    if fps > 0 and frames < MIN_DECODED_SHARE * promised:
        raise ProbeError(
            f"{path.name}: only {frames} of the {promised:.0f} frames its header promises "
            f"({duration:.1f} s at {fps:.3g} fps) decode: the file is truncated or damaged"
        )


# --- what a decoder gets ----------------------------------------------------------------------------------------


class VideoDecodeError(RuntimeError):
    """ffmpeg/ffprobe failed or the file has no video stream."""


@dataclass(frozen=True)
class VideoInfo:
    width: int  # display width, after rotation metadata is applied (ffmpeg autorotates when decoding)
    height: int
    fps: float  # average frame rate of the video stream
    duration: float  # seconds


def probe_video(*, path: str | os.PathLike[str]) -> VideoInfo:
    """Width, height, frame rate and duration of the first video stream."""
    try:
        info = ffmpeg.probe(str(path), cmd=ffprobe_binary())
    except ffmpeg.Error as exc:
        raise VideoDecodeError(f"ffprobe failed on {path}: {exc.stderr.decode(errors='replace')[-500:]}") from exc
    streams = [s for s in info.get("streams", []) if s.get("codec_type") == "video"]
    if not streams:
        raise VideoDecodeError(f"no video stream in {path}")
    stream = streams[0]
    width, height = int(stream["width"]), int(stream["height"])
    if _rotation_degrees(stream) % 180 == 90:
        # Phone videos store landscape pixels plus a rotation; ffmpeg's autorotate hands us the rotated frame.
        width, height = height, width
    fps = parse_rate(stream.get("avg_frame_rate")) or parse_rate(stream.get("r_frame_rate"))
    if not fps:
        raise VideoDecodeError(f"no frame rate for the video stream of {path}")
    duration = float(stream.get("duration") or info.get("format", {}).get("duration") or 0.0)
    return VideoInfo(width=width, height=height, fps=fps, duration=duration)


def _rotation_degrees(stream: dict[str, Any]) -> int:
    rotate = stream.get("tags", {}).get("rotate")
    if rotate is not None:
        return int(float(rotate))
    for side_data in stream.get("side_data_list", []):
        if "rotation" in side_data:
            return int(float(side_data["rotation"]))
    return 0
