"""Test and demo videos made from a real photo with camera motion (ffmpeg-python). Pure compute: no Django.

Real pixels and a real H.264 encode, and no binary fixtures in the repository (STYLE.md, Tests).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import ffmpeg
import numpy as np

from workers.media.clips import run_stream


def make_motion_video(
    *,
    image: np.ndarray,
    out: str | os.PathLike[str],
    seconds: float,
    fps: int = 25,
    size: tuple[int, int] = (480, 360),
    motion: str = "pan",
    audio: bool = False,
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
        args: dict[str, Any] = dict(
            vf=vf, vcodec="libx264", preset="veryfast", pix_fmt="yuv420p", t=seconds, r=fps, g=fps
        )
        if audio:
            tone = ffmpeg.input(f"sine=frequency=440:duration={seconds}", f="lavfi")
            run_stream(ffmpeg.output(video, tone, str(out), acodec="aac", shortest=None, **args))
        else:
            run_stream(ffmpeg.output(video, str(out), **args))
