"""Generated test media for the timeline: frames that carry their own index as a bar code.

Frame n shows BITS vertical bars 32 px wide, bar b white when bit b of n is set. Bars survive H.264, scaling down to
half size and the browser's canvas, so a decoded frame says which frame it is: the basis of the seek tests.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np

WIDTH, HEIGHT, BITS, BAR = 320, 180, 10, 32


def index_frame(n: int) -> np.ndarray:
    frame = np.zeros((HEIGHT, WIDTH), np.uint8)
    for b in range(BITS):
        if (n >> b) & 1:
            frame[:, b * BAR : (b + 1) * BAR] = 255
    return frame


def decode_index(frame: np.ndarray) -> int:
    """The index a frame shows (RGB or gray, any size with the 320×180 aspect)."""
    gray = frame.mean(axis=2) if frame.ndim == 3 else frame
    bar = gray.shape[1] / BITS
    return sum(
        1 << b for b in range(BITS) if gray[:, int(b * bar + bar / 4) : int((b + 1) * bar - bar / 4)].mean() > 128
    )


def make_index_video(path: Path, *, seconds: float, fps: int = 25, audio: bool = True, gop: int = 250) -> Path:
    """An H.264 video of numbered frames; MPEG-TS (``.ts``) gives a container start time near 1.4 s, as broadcast
    captures have, and a sparse keyframe interval (``gop``) makes seeking in the source itself imprecise."""
    frames = int(round(seconds * fps))
    args = [
        "ffmpeg",
        "-v",
        "error",
        "-y",
        "-f",
        "rawvideo",
        "-pix_fmt",
        "gray",
        "-s",
        f"{WIDTH}x{HEIGHT}",
        "-r",
        str(fps),
        "-i",
        "pipe:",
    ]
    if audio:
        args += ["-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}", "-c:a", "aac", "-shortest"]
    args += ["-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p", "-g", str(gop), str(path)]
    proc = subprocess.Popen(args, stdin=subprocess.PIPE)
    for n in range(frames):
        proc.stdin.write(index_frame(n).tobytes())
    proc.stdin.close()
    assert proc.wait() == 0, "ffmpeg could not encode the index video"
    return path


def media_inline(monkeypatch) -> None:
    """Queued segment media (and the proposals after it) are made in-process at once; queued clip media is not made
    at all (not needed here)."""
    from backend.clips import tasks as clip_tasks
    from backend.segments import media, proposals, tasks

    monkeypatch.setattr(
        tasks.segment_media_make_task,
        "delay",
        lambda pk, job_id=None: media.segment_media_make(segment_video_id=pk, job_id=job_id),
    )
    # The proposals that follow the media, in-process too (without classifiers they are "no_classifier" at once).
    monkeypatch.setattr(
        tasks.segment_proposals_make_task,
        "delay",
        lambda pk, force=False: proposals.segment_proposals_make(segment_video_id=pk, force=force),
    )
    monkeypatch.setattr(clip_tasks.clip_media_cut_task, "delay", lambda pk: None)


def make_span_video(path: Path, *, seconds: float, spans: list[tuple[float, float]], fps: int = 25) -> Path:
    """An H.264 MPEG-TS video (with audio, so the container starts late) that is bright during ``spans`` and dark
    elsewhere, each frame also carrying its index bars: a stand-in frame classifier reads "the action" from brightness.
    """
    frames = int(round(seconds * fps))
    args = [
        "ffmpeg",
        "-v",
        "error",
        "-y",
        "-f",
        "rawvideo",
        "-pix_fmt",
        "gray",
        "-s",
        f"{WIDTH}x{HEIGHT}",
        "-r",
        str(fps),
        "-i",
        "pipe:",
        "-f",
        "lavfi",
        "-i",
        f"sine=frequency=440:duration={seconds}",
        "-c:a",
        "aac",
        "-shortest",
        "-c:v",
        "libx264",
        "-preset",
        "veryfast",
        "-pix_fmt",
        "yuv420p",
        str(path),
    ]
    proc = subprocess.Popen(args, stdin=subprocess.PIPE)
    for n in range(frames):
        bright = any(a <= n / fps < b for a, b in spans)
        frame = np.full((HEIGHT, WIDTH), 230 if bright else 20, np.uint8)
        frame[:40] = index_frame(n)[:40]  # a strip of index bars at the top; the rest is the "content"
        proc.stdin.write(frame.tobytes())
    proc.stdin.close()
    assert proc.wait() == 0, "ffmpeg could not encode the span video"
    return path


class BrightnessClassifier:
    """A frame classifier for tests: the class's probability is the frame's brightness below the index strip
    (0..1), background takes the rest; columns are ``class_names`` of the ClassifierModel row it stands for."""

    def __init__(self, class_index: int, num_classes: int):
        self.class_index, self.num_classes = class_index, num_classes
        self.frames_seen = 0

    def predict_proba(self, frames: np.ndarray) -> np.ndarray:
        frames = np.asarray(frames)
        self.frames_seen += len(frames)
        rows = frames.shape[1]
        brightness = frames[:, rows // 3 :, :, :].mean(axis=(1, 2, 3)) / 255.0
        out = np.zeros((len(frames), self.num_classes))
        out[:, self.class_index] = brightness
        out[:, -1] = 1.0 - brightness
        return out
