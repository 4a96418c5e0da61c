"""The grid tool's clips: a short muted MP4 and a poster cut from a video by time (ffmpeg-python). Pure compute.

Times here are seconds on the container's clock (from its start time S, what ingest stores); the timeline tool's
axis starts at the first video frame instead (workers/media/proxy.py says how the two relate).
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import ffmpeg

from workers.media.probing import count_frames, ffmpeg_binary, ffprobe_binary, run

CLIP_SHORT_SIDE = 180  # px: a 200-clip page must stay light (issue 2)

# Containers with a seek index: ffmpeg's input -ss lands on the keyframe before the target and decodes up to it, so the
# cut is exact and fast. Without an index (MPEG-TS, MPEG-PS, FLV, raw streams) it searches timestamps and can land on
# the keyframe *after* the target: a 3.0–5.0 s clip of a TS with a keyframe every 10 s came out as 10.0–12.0 s, and a
# span after the last keyframe as an empty file. Those are cut by decoding from the start (-ss after -i).
INDEXED_FORMATS = frozenset({"mov", "mp4", "m4a", "3gp", "3g2", "mj2", "matroska", "webm"})


def scale_down_filter(short_side: int) -> str:
    """ffmpeg filters that bring the short side down to ``short_side`` (never up), with even sides for yuv420p."""
    return (
        f"scale='if(lt(iw,ih),min({short_side},iw),-2)':'if(lt(iw,ih),-2,min({short_side},ih))',"
        "scale=trunc(iw/2)*2:trunc(ih/2)*2"
    )


def seeks_by_index(source: str | os.PathLike[str]) -> bool:
    """Whether ffmpeg's input seek is exact in this file (its container has a seek index)."""
    proc = subprocess.run(
        [ffprobe_binary(), "-v", "error", "-show_entries", "format=format_name", "-of", "csv=p=0", str(source)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    return bool(set(proc.stdout.strip().split(",")) & INDEXED_FORMATS)


def cut_clip(
    *,
    source: str | os.PathLike[str],
    start: float,
    duration: float,
    out_video: str | os.PathLike[str],
    out_poster: str | os.PathLike[str],
    short_side: int = CLIP_SHORT_SIDE,
) -> None:
    """Cut [start, start+duration) into a muted H.264 MP4 (short side <= short_side px, +faststart) and a poster.

    The clip shows exactly the span that is labelled: see INDEXED_FORMATS for how it seeks. Raises RuntimeError when
    ffmpeg fails or the span holds no frame (past the video's end).
    """
    scale = scale_down_filter(short_side)
    start = max(start, 0.0)
    poster_at = start + duration / 2
    clip_seek: dict[str, float]
    poster_seek: dict[str, float]
    if seeks_by_index(source):
        clip_in, clip_seek = ffmpeg.input(str(source), ss=start, t=duration), {}
        poster_in, poster_seek = ffmpeg.input(str(source), ss=poster_at), {}
    else:
        clip_in, clip_seek = ffmpeg.input(str(source)), {"ss": start, "t": duration}
        poster_in, poster_seek = ffmpeg.input(str(source)), {"ss": poster_at}
    run_stream(
        clip_in.output(
            str(out_video),
            vf=scale,
            vcodec="libx264",
            preset="veryfast",
            crf=28,
            pix_fmt="yuv420p",
            an=None,
            movflags="+faststart",
            **clip_seek,
            **{"profile:v": "main"},
        )
    )
    if count_frames(out_video) == 0:
        Path(out_video).unlink(missing_ok=True)
        raise RuntimeError(
            f"the span {start:.3f}–{start + duration:.3f} s holds no frame of {Path(source).name} (past its end?)"
        )
    run_stream(poster_in.output(str(out_poster), vf=scale, vframes=1, **poster_seek, **{"q:v": 5}))


def run_stream(stream: ffmpeg.nodes.OutputStream) -> None:
    """Run an ffmpeg-python output stream (overwriting, quiet); RuntimeError as ``probing.run`` raises it."""
    run(stream.overwrite_output().global_args("-v", "error", "-nostdin").compile(cmd=ffmpeg_binary()))
