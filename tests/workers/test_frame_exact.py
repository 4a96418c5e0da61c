"""Frame-exact reads and cuts: frame k is the k-th frame from the first video frame, whatever the container's start.

The videos are made in the test: frame k is a flat grey of level 8·k (losslessly encoded), so a frame read back names
its own index.
"""

from __future__ import annotations

import subprocess
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from workers.media.frame_exact import cut_frames, frame_span, read_frames_at, sample_indices, span_frames
from workers.media.probing import count_frames, ffmpeg_binary, fps_fraction, probe
from workers.media.proxy import first_frame_time

FPS = 25
FRAMES = 30
LEVEL = 8  # grey level step per frame: 8·k for k < 30 stays < 256


def numbered_video(out: Path, *, container: str = "mp4", audio: bool = False) -> Path:
    """FRAMES frames at FPS, frame k a flat grey 8·k; H.264 at qp 0 (lossless), optionally with AAC audio."""
    frames = np.stack([np.full((48, 64, 3), LEVEL * k, np.uint8) for k in range(FRAMES)])
    args = [
        ffmpeg_binary(),
        "-v",
        "error",
        "-y",
        "-f",
        "rawvideo",
        "-pix_fmt",
        "rgb24",
        "-s",
        "64x48",
        "-r",
        str(FPS),
        "-i",
        "pipe:",
    ]
    if audio:
        args += ["-f", "lavfi", "-i", f"sine=frequency=440:duration={FRAMES / FPS}", "-c:a", "aac"]
    args += ["-c:v", "libx264", "-qp", "0", "-pix_fmt", "yuv444p", "-f", container, str(out)]
    subprocess.run(args, input=frames.tobytes(), check=True, capture_output=True)
    return out


def level(frame: np.ndarray) -> int:
    return round(float(frame.mean()) / LEVEL)


@pytest.fixture(scope="module")
def videos(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("numbered")
    return {
        "mp4": numbered_video(folder / "plain.mp4"),
        # MPEG-TS starts its clock near 1.4 s and AAC starts before the video: the first frame is still frame 0
        "ts": numbered_video(folder / "offset.ts", container="mpegts", audio=True),
    }


# --- the arithmetic ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "fps", "expected"),
    [
        (0.0, 2.0, 25, (0, 49)),  # 2 s at 25 fps: frames 0…49
        (0.4, 0.6, 25, (10, 14)),  # 0.4 × 25 is 10.000000000000002 in floating point: still frame 10
        (0.41, 0.6, 25, (11, 14)),  # frame 10 starts at 0.40, before the span: the first frame starting in it is 11
        (1.0, 1.002, 30000 / 1001, (30, 30)),  # 29.97 fps: frame 30 starts at 30 × 1001 / 30000 = 1.001 s
    ],
)
def test_a_span_holds_the_frames_that_start_in_it(start, end, fps, expected):
    assert span_frames(start=start, end=end, fps=fps) == expected


def test_frames_give_back_their_span_and_a_span_without_frames_is_refused():
    assert frame_span(first=10, last=14, fps=25) == (0.4, 0.6)
    assert span_frames(start=0.4, end=0.6, fps=25) == (10, 14)
    with pytest.raises(ValueError, match="no frame starts"):
        span_frames(start=0.41, end=0.43, fps=25)
    with pytest.raises(ValueError, match="first ≤ last"):
        frame_span(first=5, last=4, fps=25)
    assert fps_fraction(29.97002997) == Fraction(30000, 1001) and fps_fraction(25.0).denominator == 1


def test_samples_spread_over_the_range_with_both_ends():
    assert sample_indices(first=10, last=17, count=8) == list(range(10, 18))
    assert sample_indices(first=0, last=49, count=4) == [0, 16, 33, 49]
    assert sample_indices(first=3, last=4, count=8) == [3, 4]  # never more than the range holds
    assert sample_indices(first=0, last=10, count=1) == [5]


# --- real ffmpeg ---------------------------------------------------------------------------------------------


def test_the_ts_video_really_has_a_start_offset(videos):
    timing = first_frame_time(videos["ts"])
    assert timing.container_start > 1.0 and probe(videos["ts"]).start_time > 1.0
    assert timing.first_frame >= timing.container_start


@pytest.mark.parametrize("kind", ["mp4", "ts"])
def test_reading_frames_by_index_gives_exactly_those_frames(videos, kind):
    frames = read_frames_at(source=videos[kind], indices=[17, 0, 5, 29], fps=FPS)
    assert frames.shape == (4, 48, 64, 3)
    assert [level(f) for f in frames] == [0, 5, 17, 29]  # index order, each frame its own


def test_reading_past_the_end_is_refused(videos):
    with pytest.raises(ValueError, match="past its end"):
        read_frames_at(source=videos["mp4"], indices=[28, 30], fps=FPS)


@pytest.mark.parametrize("kind", ["mp4", "ts"])
def test_a_cut_holds_exactly_the_frames_asked_for(videos, kind, tmp_path):
    out = tmp_path / "cut.mp4"
    cut_frames(source=videos[kind], first=7, last=19, fps=FPS, out=out)
    # then ffprobe counts 13 frames, H.264, starting at 0 and lasting 13 / 25 s
    assert count_frames(out) == 13
    info = probe(out)
    assert info.codec == "h264" and not info.has_audio and info.fps == FPS
    assert info.duration == pytest.approx(13 / FPS, abs=0.5 / FPS)
    # and its first and last frames are source frames 7 and 19 (CRF 18 is lossy: a grey level within ±3)
    cut = read_frames_at(source=out, indices=[0, 12], fps=FPS)
    assert [abs(float(f.mean()) - LEVEL * k) <= 3 for f, k in zip(cut, (7, 19), strict=True)] == [True, True]


def test_a_cut_past_the_end_is_refused_and_leaves_no_file(videos, tmp_path):
    out = tmp_path / "cut.mp4"
    with pytest.raises(ValueError, match="ends sooner"):
        cut_frames(source=videos["mp4"], first=25, last=40, fps=FPS, out=out)
    assert not out.exists()
