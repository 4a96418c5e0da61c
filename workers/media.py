"""Video probing and clip media with ffmpeg (ffmpeg-python). Pure compute: no Django.

The binaries come from FFMPEG_BINARY / FFPROBE_BINARY (default: `ffmpeg` / `ffprobe` on PATH).
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import ffmpeg
import numpy as np

from workers.frame_exact import count_frames

CLIP_SHORT_SIDE = 180  # px: a 200-clip page must stay light (issue 2)


def ffmpeg_binary() -> str:
    return os.environ.get("FFMPEG_BINARY", "ffmpeg")


def ffprobe_binary() -> str:
    return os.environ.get("FFPROBE_BINARY", "ffprobe")


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


def _rate(text: str | None) -> float:
    if not text or text in ("0/0", "0"):
        return 0.0
    num, _, den = text.partition("/")
    return float(num) / float(den or 1)


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
        raise ProbeError(f"{path.name}: not a readable video ({_ffmpeg_detail(exc.stderr, path, 'ffprobe failed')})") from exc
    fmt = info.get("format", {})
    if fmt.get("format_name", "") in {"image2", "png_pipe", "jpeg_pipe", "gif", "tty", "txt"}:
        raise ProbeError(f"{path.name}: this is an image or text, not a video")
    video = [s for s in info.get("streams", []) if s.get("codec_type") == "video" and not _is_cover_art(s)]
    if not video:
        raise ProbeError(f"{path.name}: the file has no video stream")
    stream = video[0]
    duration = float(fmt.get("duration") or stream.get("duration") or 0.0)
    if duration <= 0:
        raise ProbeError(f"{path.name}: the video has zero length")
    if max_seconds is not None and duration > max_seconds:
        raise ProbeError(f"{path.name}: the video is {duration:.1f} s long; the limit is {max_seconds:.0f} s")
    fps = _rate(stream.get("avg_frame_rate")) or _rate(stream.get("r_frame_rate"))
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


def _is_cover_art(stream: dict) -> bool:
    return bool(stream.get("disposition", {}).get("attached_pic"))


def _check_decodes(path: Path) -> None:
    """Decode the first frame: a header can look fine while the data behind it is garbage."""
    proc = subprocess.run(
        [ffmpeg_binary(), "-v", "error", "-i", str(path), "-frames:v", "1", "-f", "null", "-"],
        capture_output=True,
        timeout=120,
    )
    if proc.returncode != 0:
        raise ProbeError(f"{path.name}: the video does not decode ({_ffmpeg_detail(proc.stderr, path, 'ffmpeg failed')})")


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
        raise ProbeError(f"{path.name}: the video has {frames} frame{'' if frames == 1 else 's'} that decode; "
                         f"at least {MIN_FRAMES} are needed")
    promised = duration * fps
    if fps > 0 and frames < MIN_DECODED_SHARE * promised:
        raise ProbeError(f"{path.name}: only {frames} of the {promised:.0f} frames its header promises "
                         f"({duration:.1f} s at {fps:.3g} fps) decode: the file is truncated or damaged")


# Containers with a seek index: ffmpeg's input -ss lands on the keyframe before the target and decodes up to it, so the
# cut is exact and fast. Without an index (MPEG-TS, MPEG-PS, FLV, raw streams) it searches timestamps and can land on
# the keyframe *after* the target: a 3.0–5.0 s clip of a TS with a keyframe every 10 s came out as 10.0–12.0 s, and a
# span after the last keyframe as an empty file. Those are cut by decoding from the start (-ss after -i).
INDEXED_FORMATS = frozenset({"mov", "mp4", "m4a", "3gp", "3g2", "mj2", "matroska", "webm"})


def seeks_by_index(source: str | os.PathLike[str]) -> bool:
    """Whether ffmpeg's input seek is exact in this file (its container has a seek index)."""
    proc = subprocess.run(
        [ffprobe_binary(), "-v", "error", "-show_entries", "format=format_name", "-of", "csv=p=0", str(source)],
        capture_output=True, text=True, timeout=60,
    )
    return bool(set(proc.stdout.strip().split(",")) & INDEXED_FORMATS)


def cut_clip(
    *, source: str | os.PathLike[str], start: float, duration: float, out_video: str | os.PathLike[str],
    out_poster: str | os.PathLike[str], short_side: int = CLIP_SHORT_SIDE,
) -> None:
    """Cut [start, start+duration) into a muted H.264 MP4 (short side <= short_side px, +faststart) and a poster.

    The clip shows exactly the span that is labelled: see INDEXED_FORMATS for how it seeks. Raises RuntimeError when
    ffmpeg fails or the span holds no frame (past the video's end).
    """
    # Scale the short side down to short_side (never up), keep even dimensions for yuv420p.
    scale = (
        f"scale='if(lt(iw,ih),min({short_side},iw),-2)':'if(lt(iw,ih),-2,min({short_side},ih))',"
        "scale=trunc(iw/2)*2:trunc(ih/2)*2"
    )
    start = max(start, 0.0)
    poster_at = start + duration / 2
    if seeks_by_index(source):
        clip_in, clip_seek = ffmpeg.input(str(source), ss=start, t=duration), {}
        poster_in, poster_seek = ffmpeg.input(str(source), ss=poster_at), {}
    else:
        clip_in, clip_seek = ffmpeg.input(str(source)), {"ss": start, "t": duration}
        poster_in, poster_seek = ffmpeg.input(str(source)), {"ss": poster_at}
    _run(
        clip_in.output(
            str(out_video), vf=scale, vcodec="libx264", preset="veryfast", crf=28, pix_fmt="yuv420p",
            an=None, movflags="+faststart", **clip_seek, **{"profile:v": "main"},
        )
    )
    if count_frames(out_video) == 0:
        Path(out_video).unlink(missing_ok=True)
        raise RuntimeError(f"the span {start:.3f}–{start + duration:.3f} s holds no frame of {Path(source).name} "
                           "(past its end?)")
    _run(poster_in.output(str(out_poster), vf=scale, vframes=1, **poster_seek, **{"q:v": 5}))


def _run(stream: ffmpeg.nodes.OutputStream) -> None:
    try:
        stream.overwrite_output().global_args("-v", "error", "-nostdin").run(
            cmd=ffmpeg_binary(), capture_stdout=True, capture_stderr=True
        )
    except ffmpeg.Error as exc:
        raise RuntimeError(f"ffmpeg failed: {(exc.stderr or b'').decode(errors='replace').strip()}") from exc


def make_motion_video(
    *, image: np.ndarray, out: str | os.PathLike[str], seconds: float, fps: int = 25, size: tuple[int, int] = (480, 360),
    motion: str = "pan", audio: bool = False,
) -> None:
    """Encode a real photo (an H×W×3 uint8 array) into a video with camera motion (pan or zoom).

    Used for demo data and tests: real pixels, real ffmpeg encode, no binary fixtures in the repository.
    """
    img = np.ascontiguousarray(image)
    if img.ndim == 2:
        img = np.stack([img] * 3, axis=-1)
    height, width = img.shape[:2]
    w, h = size
    frames = int(round(seconds * fps))
    if motion == "zoom":
        vf = (
            f"scale={w * 2}:{h * 2},zoompan=z='min(1+0.004*on,1.6)':x='iw/2-(iw/zoom/2)':y='ih/2-(ih/zoom/2)'"
            f":d={frames}:s={w}x{h}:fps={fps}"
        )
    else:
        vf = f"scale={w * 2}:{h * 2},crop={w}:{h}:x='(iw-{w})*t/{seconds}':y='(ih-{h})*(0.5+0.4*sin(t))'"
    with tempfile.TemporaryDirectory() as tmp:
        still = Path(tmp) / "still.ppm"  # PPM: a header and raw RGB, no imaging library needed
        still.write_bytes(f"P6 {width} {height} 255\n".encode() + img.astype(np.uint8).tobytes())
        video = ffmpeg.input(str(still), loop=1, framerate=fps)
        args: dict = dict(vf=vf, vcodec="libx264", preset="veryfast", pix_fmt="yuv420p", t=seconds, r=fps, g=fps)
        if audio:
            tone = ffmpeg.input(f"sine=frequency=440:duration={seconds}", f="lavfi")
            _run(ffmpeg.output(video, tone, str(out), acodec="aac", shortest=None, **args))
        else:
            _run(ffmpeg.output(video, str(out), **args))


def ffprobe_json(path: str | os.PathLike[str]) -> dict:
    """Raw ffprobe output (streams and format), for tests and diagnostics."""
    proc = subprocess.run(
        [ffprobe_binary(), "-v", "error", "-print_format", "json", "-show_streams", "-show_format", str(path)],
        capture_output=True, check=True,
    )
    return json.loads(proc.stdout)
