"""Clip cutting lands on the labelled span whatever the container: an MPEG-TS with a keyframe every 10 s, where
ffmpeg's input seek jumps to the keyframe after the target, is cut as exactly as an MP4 with the same keyframes."""

import subprocess

import numpy as np
import pytest
from skimage import data

from workers.media.clips import cut_clip, seeks_by_index
from workers.media.probing import ffmpeg_binary
from workers.media.synthetic import make_motion_video

FPS = 25


@pytest.fixture(scope="module")
def sparse(tmp_path_factory):
    """The same 14-s pan of a real photo, keyframes at 0 and 10 s only, as MPEG-TS and as MP4."""
    tmp = tmp_path_factory.mktemp("sparse")
    make_motion_video(image=data.astronaut(), out=tmp / "src.mp4", seconds=14, fps=FPS, motion="pan")
    made = {}
    for ext in ("ts", "mp4"):
        made[ext] = tmp / f"sparse.{ext}"
        subprocess.run(
            [
                ffmpeg_binary(),
                "-v",
                "error",
                "-y",
                "-i",
                str(tmp / "src.mp4"),
                "-c:v",
                "libx264",
                "-g",
                "250",
                "-keyint_min",
                "250",
                "-sc_threshold",
                "0",
                str(made[ext]),
            ],
            check=True,
        )
    return made


def grey_frames(path) -> np.ndarray:
    out = subprocess.run(
        [
            ffmpeg_binary(),
            "-v",
            "error",
            "-i",
            str(path),
            "-vf",
            "scale=96:72",
            "-f",
            "rawvideo",
            "-pix_fmt",
            "gray",
            "-",
        ],
        capture_output=True,
        check=True,
    ).stdout
    return np.frombuffer(out, np.uint8).reshape(-1, 72, 96).astype(np.float32)


def source_index(frame: np.ndarray, source: np.ndarray) -> int:
    """Which frame of the source this one is (the pan makes every frame different)."""
    return int(np.argmin(np.abs(source - frame).mean(axis=(1, 2))))


def test_only_containers_with_an_index_are_seeked_on_input(sparse):
    assert seeks_by_index(sparse["mp4"]) and not seeks_by_index(sparse["ts"])


@pytest.mark.parametrize("ext", ["ts", "mp4"])
@pytest.mark.parametrize("start", [3.0, 12.0])
def test_a_clip_holds_exactly_the_frames_of_its_span(sparse, tmp_path, ext, start):
    source = grey_frames(sparse[ext])
    cut_clip(
        source=sparse[ext], start=start, duration=2.0, out_video=tmp_path / "clip.mp4", out_poster=tmp_path / "clip.jpg"
    )
    clip = grey_frames(tmp_path / "clip.mp4")
    first = round(start * FPS)
    assert len(clip) == 2 * FPS
    assert [source_index(clip[0], source), source_index(clip[-1], source)] == [first, first + 2 * FPS - 1]
    assert (tmp_path / "clip.jpg").stat().st_size > 0


def test_a_span_past_the_end_is_an_error_and_leaves_no_file(sparse, tmp_path):
    with pytest.raises(RuntimeError, match="holds no frame"):
        cut_clip(
            source=sparse["ts"],
            start=20.0,
            duration=2.0,
            out_video=tmp_path / "clip.mp4",
            out_poster=tmp_path / "clip.jpg",
        )
    assert not (tmp_path / "clip.mp4").exists()
