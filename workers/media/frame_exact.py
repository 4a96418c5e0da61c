"""Frame-exact reads and cuts of a video by frame index, for HAA500-style curation. Pure compute: no Django.

Frame numbering, once for the curation pipeline: **frame k is the k-th frame from the source's first video frame at
the source's constant rate R**, shown from k / R to (k + 1) / R. That is the timeline tool's axis
(workers/media/proxy.py: ``setpts=PTS-STARTPTS`` and a constant-rate encode at the source's rate), so the frame an
annotator trims to in the tool is the frame read and cut here, whatever the container's start time (MPEG-TS starts
near 1.4 s) or the audio's head start. Here the same chain runs as filters — ``setpts=PTS-STARTPTS,fps=R`` — and
``select`` keeps frames by their index ``n`` in it, so a frame is found by counting, never by seeking to a time that
rounding could move by one. A constant-rate source passes that chain unchanged; a variable-rate one is sampled at R
exactly as the proxy is.

The price of counting: the video is decoded from its start up to the last frame asked for (``-frames:v`` stops
ffmpeg there). HAA500 clips come from videos of a few minutes (ingest refuses > 4 min by default), so that is
seconds per clip.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np

from workers.media.probing import count_frames, ffmpeg_binary, probe_video, rate_arg, run

CUT_CRF = 18  # near-transparent: the cut clips are a dataset, not a preview


def span_frames(*, start: float, end: float, fps: float) -> tuple[int, int]:
    """The frames ``(first, last)`` (inclusive) whose start time k / fps lies in ``[start, end)``, times in seconds
    from the first frame. Raises ValueError when no frame starts in the span."""
    eps = 1e-6  # 0.4 s × 25 fps is 10.000000000000002 in floating point: frame 10, not 11
    first = max(0, math.ceil(start * fps - eps))
    last = math.ceil(end * fps - eps) - 1
    if last < first:
        raise ValueError(f"no frame starts in [{start}, {end}) at {fps} fps")
    return first, last


def frame_span(*, first: int, last: int, fps: float) -> tuple[float, float]:
    """Seconds from the first frame to the start of ``first`` and to the end of ``last``: first / fps, (last + 1) / fps."""
    if first < 0 or last < first:
        raise ValueError(f"frames must satisfy 0 ≤ first ≤ last, got {first}, {last}")
    return first / fps, (last + 1) / fps


def sample_indices(*, first: int, last: int, count: int) -> list[int]:
    """Up to ``count`` frame indices spread evenly over ``[first, last]``, both ends included."""
    if count < 1:
        raise ValueError("count must be at least 1")
    if count == 1:
        return [(first + last) // 2]
    return sorted({int(round(x)) for x in np.linspace(first, last, count)})


def read_frames_at(*, source: str | os.PathLike[str], indices: list[int], fps: float) -> np.ndarray:
    """The frames at these indices (see the module docstring) as an N×H×W×3 uint8 RGB array, in index order.

    Raises ValueError when the video ends before the last index.
    """
    wanted = sorted(set(int(i) for i in indices))
    if not wanted or wanted[0] < 0:
        raise ValueError(f"frame indices must be ≥ 0, got {indices}")
    info = probe_video(path=source)
    select = "+".join(f"eq(n\\,{i})" for i in wanted)
    args = [
        ffmpeg_binary(),
        "-v",
        "error",
        "-nostdin",
        "-i",
        str(source),
        "-map",
        "0:v:0",
        "-an",
        "-sn",
        "-dn",
        "-vf",
        f"{_numbering(fps)},select={select}",
        "-fps_mode",
        "passthrough",
        "-frames:v",
        str(len(wanted)),
        "-f",
        "rawvideo",
        "-pix_fmt",
        "rgb24",
        "pipe:",
    ]
    data = run(args).stdout
    size = info.width * info.height * 3
    got = len(data) // size
    if got < len(wanted):
        raise ValueError(f"{Path(source).name}: frames {wanted[got:]} are past its end ({fps:g} fps)")
    return np.frombuffer(data, np.uint8, count=len(wanted) * size).reshape(len(wanted), info.height, info.width, 3)


def cut_frames(
    *,
    source: str | os.PathLike[str],
    first: int,
    last: int,
    fps: float,
    out: str | os.PathLike[str],
    crf: int = CUT_CRF,
) -> None:
    """Cut frames ``first`` … ``last`` (inclusive) into an H.264 MP4 of exactly ``last - first + 1`` frames at the
    source's rate: no audio, yuv420p (even picture size), ``+faststart``, full resolution.

    Raises ValueError when the video ends before ``last``, RuntimeError when ffmpeg fails.
    """
    frame_span(first=first, last=last, fps=fps)  # checks the range
    count = last - first + 1
    chain = (
        f"{_numbering(fps)},select=between(n\\,{first}\\,{last}),setpts=PTS-STARTPTS,scale=trunc(iw/2)*2:trunc(ih/2)*2"
    )
    run(
        [
            ffmpeg_binary(),
            "-v",
            "error",
            "-nostdin",
            "-y",
            "-i",
            str(source),
            "-map",
            "0:v:0",
            "-an",
            "-sn",
            "-dn",
            "-vf",
            chain,
            "-fps_mode",
            "passthrough",
            "-frames:v",
            str(count),
            "-c:v",
            "libx264",
            "-preset",
            "veryfast",
            "-crf",
            str(crf),
            "-pix_fmt",
            "yuv420p",
            "-movflags",
            "+faststart",
            "-f",
            "mp4",
            str(out),
        ]
    )
    made = count_frames(out)
    if made != count:
        Path(out).unlink(missing_ok=True)
        raise ValueError(f"{Path(source).name}: frames {first}–{last} asked, the video gave {made} (it ends sooner)")


def _numbering(fps: float) -> str:
    return f"setpts=PTS-STARTPTS,fps={rate_arg(fps)}"
