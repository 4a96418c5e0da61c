"""Frame decoding: shapes, timestamps and which source frame each timestamp really shows."""

import subprocess
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from workers.media.frames import (
    center_crop,
    iter_frames,
    read_ahead,
    read_dedup_frames,
    read_frames,
    resize_short_side,
)
from workers.media.probing import VideoDecodeError, probe_video

FPS = 25
SECONDS = 4


@pytest.fixture(scope="module")
def numbered_video(tmp_path_factory) -> Path:
    """160×120, 25 fps, 4 s; frame n has luma 20 + 2n (lossless), so a frame's brightness names its index."""
    path = tmp_path_factory.mktemp("frames") / "numbered.mp4"
    source = f"color=c=gray:s=160x120:r={FPS}:d={SECONDS},geq=lum='20+N*2':cb=128:cr=128"
    subprocess.run(
        ["ffmpeg", "-y", "-loglevel", "error", "-f", "lavfi", "-i", source]
        + ["-c:v", "libx264", "-qp", "0", "-pix_fmt", "yuv420p", str(path)],
        check=True,
    )
    return path


@pytest.fixture(scope="module")
def native_brightness(numbered_video) -> np.ndarray:
    return read_frames(path=numbered_video).frames.mean(axis=(1, 2, 3))


def source_indices(frames: np.ndarray, native_brightness: np.ndarray) -> np.ndarray:
    brightness = frames.mean(axis=(1, 2, 3))
    return np.abs(brightness[:, None] - native_brightness[None, :]).argmin(axis=1)


def test_probe_reports_size_rate_and_duration(numbered_video):
    info = probe_video(path=numbered_video)

    assert (info.width, info.height) == (160, 120)
    assert info.fps == pytest.approx(FPS)
    assert info.duration == pytest.approx(SECONDS, abs=0.05)


def test_native_rate_gives_every_frame_with_its_time(numbered_video, native_brightness):
    batch = read_frames(path=numbered_video)

    assert batch.frames.shape == (FPS * SECONDS, 120, 160, 3)
    assert batch.frames.dtype == np.uint8
    np.testing.assert_allclose(batch.timestamps, np.arange(FPS * SECONDS) / FPS)
    # the luma ramp is strictly increasing, so every frame is distinct and in order
    assert np.all(np.diff(native_brightness) > 0)


@pytest.mark.parametrize("fps", [5, 7, 0.5])
def test_resampled_frame_is_the_one_on_screen_at_its_timestamp(numbered_video, native_brightness, fps):
    batch = read_frames(path=numbered_video, fps=fps)

    np.testing.assert_allclose(batch.timestamps, np.arange(len(batch)) / fps)
    assert len(batch) == pytest.approx(SECONDS * fps, abs=1)
    # on screen at time t: the latest source frame n with n / 25 <= t
    expected = np.floor(batch.timestamps * FPS + 1e-9).astype(int)
    np.testing.assert_array_equal(source_indices(batch.frames, native_brightness), expected)


def test_start_and_duration_select_a_window(numbered_video, native_brightness):
    batch = read_frames(path=numbered_video, fps=5, start=1.0, duration=2.0)

    np.testing.assert_allclose(batch.timestamps, 1.0 + np.arange(10) / 5)
    np.testing.assert_array_equal(source_indices(batch.frames, native_brightness), 25 + 5 * np.arange(10))


def test_size_and_short_side_scale_the_frames(numbered_video):
    assert read_frames(path=numbered_video, size=(64, 32), duration=0.2).frames.shape == (5, 32, 64, 3)
    # 160×120 with short side 60 keeps 4:3
    assert read_frames(path=numbered_video, short_side=60, duration=0.2).frames.shape == (5, 60, 80, 3)


def test_streaming_batches_match_the_whole_read(numbered_video):
    whole = read_frames(path=numbered_video, fps=10)

    batches = list(iter_frames(path=numbered_video, fps=10, batch_frames=16))

    assert [len(b) for b in batches] == [16, 16, 8]
    assert batches[0].frames.flags.writeable  # callers may draw on or normalise frames in place
    np.testing.assert_array_equal(np.concatenate([b.frames for b in batches]), whole.frames)
    np.testing.assert_allclose(np.concatenate([b.timestamps for b in batches]), whole.timestamps)


def test_stopping_a_stream_early_is_clean(numbered_video):
    stream = iter_frames(path=numbered_video, batch_frames=4)

    first = next(stream)
    stream.close()  # kills ffmpeg instead of waiting for it to fill the pipe

    assert len(first) == 4


def test_reading_ahead_hands_out_the_same_batches_while_the_caller_works(numbered_video):
    # given a caller that holds each batch a while, as the shot detector does
    whole = read_frames(path=numbered_video, fps=10)
    reader = read_ahead(iter_frames(path=numbered_video, fps=10, batch_frames=8), depth=2)
    batches = []
    for batch in reader:
        time.sleep(0.05)
        batches.append(batch)
    # then it got every frame, in order, from a thread that read while it worked
    np.testing.assert_array_equal(np.concatenate([b.frames for b in batches]), whole.frames)
    np.testing.assert_allclose(np.concatenate([b.timestamps for b in batches]), whole.timestamps)


def test_reading_ahead_raises_the_decoders_error_and_stops_early_cleanly(numbered_video):
    def failing():
        yield from iter_frames(path=numbered_video, batch_frames=4, duration=0.2)
        raise VideoDecodeError("ffmpeg failed")

    got = []
    with pytest.raises(VideoDecodeError):
        for batch in read_ahead(failing()):
            got.append(batch)
    assert sum(len(b) for b in got) == 5  # the batches before the error still arrive
    # stopping after one batch closes the stream, and its ffmpeg, in the reading thread
    before = threading.active_count()
    reader = read_ahead(iter_frames(path=numbered_video, batch_frames=4))
    assert len(next(reader)) == 4
    reader.close()
    assert threading.active_count() == before


def test_dedup_frames_follow_slac(tmp_path):
    # 11 s at 5 fps: SLAC §3.4 samples 0.2 fps, so frames at 0, 5 and 10 s
    path = tmp_path / "long.mp4"
    subprocess.run(
        ["ffmpeg", "-y", "-loglevel", "error", "-f", "lavfi", "-i", "testsrc=s=160x120:r=5:d=11"]
        + ["-pix_fmt", "yuv420p", str(path)],
        check=True,
    )

    batch = read_dedup_frames(path=path)

    assert batch.frames.shape == (3, 224, 224, 3)
    np.testing.assert_allclose(batch.timestamps, [0.0, 5.0, 10.0])


def test_center_crop_takes_the_middle():
    image = np.arange(6 * 8 * 3, dtype=np.uint8).reshape(6, 8, 3)

    crop = center_crop(image, size=(4, 2))

    np.testing.assert_array_equal(crop, image[2:4, 2:6])
    assert center_crop(np.stack([image, image]), size=4).shape == (2, 4, 4, 3)
    with pytest.raises(ValueError):
        center_crop(image, size=7)


def test_resize_short_side_keeps_aspect_and_range():
    frames = np.full((2, 120, 160, 3), 200, dtype=np.uint8)

    resized = resize_short_side(frames, short_side=256)

    assert resized.shape == (2, 256, 341, 3)
    assert resized.dtype == np.uint8
    assert np.all(resized == 200)


def test_binaries_come_from_the_environment(numbered_video, monkeypatch):
    monkeypatch.setenv("FFPROBE_BINARY", "/nonexistent/ffprobe")
    with pytest.raises(FileNotFoundError):
        probe_video(path=numbered_video)

    monkeypatch.setenv("FFPROBE_BINARY", "ffprobe")
    monkeypatch.setenv("FFMPEG_BINARY", "/nonexistent/ffmpeg")
    with pytest.raises(FileNotFoundError):
        read_frames(path=numbered_video)


def test_a_file_that_is_not_a_video_is_reported(tmp_path):
    path = tmp_path / "broken.mp4"
    path.write_bytes(b"not a video at all")

    with pytest.raises(VideoDecodeError):
        read_frames(path=path)
