"""Curation fixtures: videos made with ffmpeg in the test (from real photos, or frames that carry their own index),
stored as a Video's file, and curatable clips (positive consensus) on them."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest
from django.core.files import File

from backend.catalog.models import Video
from backend.clips.models import Clip, ConsensusResult
from backend.curation.models import Curation
from tests.factories import ClipFactory, VideoFactory
from workers.media.probing import ffmpeg_binary

FPS = 25
LEVEL = 8  # numbered videos: frame k is a flat grey of level 8·k


def encode(frames: np.ndarray, out: Path, *, fps: int = FPS, container: str = "mp4", lossless: bool = False) -> Path:
    """Encode N×H×W×3 uint8 RGB frames (even H and W) with libx264 at ``fps``."""
    height, width = frames.shape[1:3]
    quality = ["-qp", "0", "-pix_fmt", "yuv444p"] if lossless else ["-crf", "18", "-pix_fmt", "yuv420p"]
    subprocess.run(
        [
            ffmpeg_binary(),
            "-v",
            "error",
            "-y",
            "-f",
            "rawvideo",
            "-pix_fmt",
            "rgb24",
            "-s",
            f"{width}x{height}",
            "-r",
            str(fps),
            "-i",
            "pipe:",
            "-c:v",
            "libx264",
            *quality,
            "-f",
            container,
            str(out),
        ],
        input=np.ascontiguousarray(frames).tobytes(),
        check=True,
        capture_output=True,
    )
    return out


def still_video(photo: np.ndarray, out: Path, *, seconds: float = 2.0) -> Path:
    """A real photo held still for ``seconds`` (cropped to even sides for yuv420p)."""
    h, w = photo.shape[0] // 2 * 2, photo.shape[1] // 2 * 2
    frames = np.repeat(photo[None, :h, :w, :3], int(seconds * FPS), axis=0)
    return encode(frames, out)


def numbered_video(out: Path, *, frames: int = 30, container: str = "mp4") -> Path:
    return encode(
        np.stack([np.full((48, 64, 3), LEVEL * k, np.uint8) for k in range(frames)]),
        out,
        container=container,
        lossless=True,
    )


def stored_video(path: Path, **fields) -> Video:
    """A Video row whose file is ``path`` (stored under its generated key), probed fps and duration."""
    from workers.media.probing import probe

    info = probe(path)
    video = VideoFactory(fps=info.fps, duration=info.duration, start_time=info.start_time, **fields)
    with path.open("rb") as fh:
        video.file.save("source", File(fh), save=True)
    return video


def positive_clip(*, video: Video, start: float, end: float, **curation) -> Clip:
    """A clip the grid decided positive (so curatable), with a curation row when fields are given."""
    clip = ClipFactory(video=video, action_class=video.query_class, start=start, end=end)
    ConsensusResult.objects.create(clip=clip, value=1, mode="fixed", n_labels=3, unanimous=True)
    if curation:
        Curation.objects.create(clip=clip, **curation)
    return clip


@pytest.fixture(scope="session")
def photo_videos(tmp_path_factory) -> dict[str, Path]:
    """2-s still videos of a full-body person (opencv-doc's messi5.jpg, as the human-centric tests use) and of a
    face close-up (matplotlib's Grace Hopper portrait, cropped to the head), and the two back to back (1 s each)."""
    from tests.workers.test_human_centric import grace_hopper_face, opencv_sample

    folder = tmp_path_factory.mktemp("photo-videos")
    body, face = opencv_sample("messi5.jpg"), grace_hopper_face()
    out = {"body": still_video(body, folder / "body.mp4"), "face": still_video(face, folder / "face.mp4")}
    # face then body in one video on one canvas (the body photo's size); the face scaled to the canvas height
    from skimage.transform import resize

    height, width = body.shape[0] // 2 * 2, body.shape[1] // 2 * 2
    scaled = (
        resize(face, (height, round(face.shape[1] * height / face.shape[0])), preserve_range=True)
        .round()
        .astype(np.uint8)
    )
    face_frame = np.zeros((height, width, 3), np.uint8)
    left = (width - scaled.shape[1]) // 2
    face_frame[:, left : left + scaled.shape[1]] = scaled
    body_frame = body[:height, :width]
    frames = np.concatenate([np.repeat(face_frame[None], FPS, 0), np.repeat(body_frame[None], FPS, 0)])
    out["face_then_body"] = encode(frames, folder / "face_then_body.mp4")
    return out
