"""Shot detection (SLAC §3.5) on videos cut together from real photos with camera motion and noise."""

import subprocess
from pathlib import Path

import numpy as np
import pytest
from skimage import data, io

from workers.media.frames import read_frames
from workers.media.probing import probe_video
from workers.shots import Shot, detect_shots, detect_shots_in_frames, histogram_signals, shots_from_cuts

FPS = 25
FRAME = 1 / FPS

# (photo, frames, motion); cuts fall after 60, 110, 165 and 210 frames
SEGMENTS = [
    ("astronaut", 60, "zoom_in"),
    ("coffee", 50, "pan"),
    ("chelsea", 55, "zoom_out"),
    ("rocket", 45, "pan"),
    ("camera", 50, "zoom_in"),
]
MOTION = {
    # zoompan expressions: z zoom, x/y top-left of the window; `on` is the output frame number
    "zoom_in": ("1+0.4*on/{n}", "iw/2-iw/zoom/2", "ih/2-ih/zoom/2"),
    "zoom_out": ("1.4-0.4*on/{n}", "iw/2-iw/zoom/2", "ih/2-ih/zoom/2"),
    "pan": ("1.5", "(iw-iw/zoom)*on/{n}", "ih/2-ih/zoom/2"),
}


def photo_png(directory: Path, name: str) -> Path:
    image = getattr(data, name)()
    if image.ndim == 2:  # camera() is grey
        image = np.stack([image] * 3, axis=-1)
    path = directory / f"{name}.png"
    io.imsave(path, image[..., :3], check_contrast=False)
    return path


def make_cut_video(path: Path, segments, *, noise: int) -> list[float]:
    """Concatenate moving shots of photos (160×120, 25 fps, temporal noise); return the true cut times."""
    inputs, chains = [], []
    for i, (name, frames, motion) in enumerate(segments):
        inputs += ["-i", str(photo_png(path.parent, name))]
        zoom, x, y = (expr.format(n=frames) for expr in MOTION[motion])
        chains.append(f"[{i}:v]zoompan=z='{zoom}':x='{x}':y='{y}':d={frames}:s=160x120:fps={FPS},setsar=1[s{i}]")
    joined = "".join(f"[s{i}]" for i in range(len(segments)))
    chains.append(f"{joined}concat=n={len(segments)}:v=1:a=0,noise=alls={noise}:allf=t,format=yuv420p[out]")
    subprocess.run(
        ["ffmpeg", "-y", "-loglevel", "error", *inputs, "-filter_complex", ";".join(chains), "-map", "[out]"]
        + ["-c:v", "libx264", "-crf", "20", "-preset", "veryfast", str(path)],
        check=True,
    )
    return list(np.cumsum([frames for _, frames, _ in segments])[:-1] / FPS)


@pytest.fixture(scope="module")
def cut_video(tmp_path_factory) -> tuple[Path, list[float]]:
    path = tmp_path_factory.mktemp("shots") / "cuts.mp4"
    return path, make_cut_video(path, SEGMENTS, noise=10)


def assert_tiles(shots: list[Shot], duration: float) -> None:
    assert shots[0].start == 0.0
    assert shots[-1].end == pytest.approx(duration)
    assert [s.index for s in shots] == list(range(len(shots)))
    for before, after in zip(shots, shots[1:], strict=False):
        assert before.end == after.start  # no gap, no overlap
        assert before.start < before.end


def test_cuts_are_found_within_one_frame(cut_video):
    path, cuts = cut_video

    shots = detect_shots(path=path)

    # exactly one detection per true cut: nothing inside the zooming and panning shots
    assert len(shots) == len(cuts) + 1
    np.testing.assert_allclose([s.start for s in shots[1:]], cuts, atol=FRAME + 1e-9)
    assert_tiles(shots, probe_video(path=path).duration)


def test_noisier_video_in_another_order(tmp_path):
    order = [SEGMENTS[2], SEGMENTS[0], SEGMENTS[4], SEGMENTS[1], SEGMENTS[3]]
    cuts = make_cut_video(tmp_path / "noisy.mp4", order, noise=25)

    shots = detect_shots(path=tmp_path / "noisy.mp4")

    assert len(shots) == len(cuts) + 1
    np.testing.assert_allclose([s.start for s in shots[1:]], cuts, atol=FRAME + 1e-9)


def test_lower_analysis_rate_reports_cuts_at_most_one_interval_late(cut_video):
    path, cuts = cut_video

    shots = detect_shots(path=path, fps=5)

    starts = np.array([s.start for s in shots[1:]])
    assert len(starts) == len(cuts)
    assert np.all(starts >= np.array(cuts) - 1e-9)
    assert np.all(starts - cuts <= 1 / 5 + 1e-9)


def test_frames_in_memory_give_the_same_shots_as_the_file(cut_video):
    path, _ = cut_video
    batch = read_frames(path=path)

    duration = probe_video(path=path).duration

    from_frames = detect_shots_in_frames(frames=batch.frames, timestamps=batch.timestamps, duration=duration)

    assert from_frames == detect_shots(path=path)


def test_a_flash_inside_a_shot_is_not_a_cut(cut_video):
    path, cuts = cut_video
    batch = read_frames(path=path)
    frames = batch.frames.copy()
    frames[30:32] = 255  # two white frames in the middle of the first shot

    shots = detect_shots_in_frames(frames=frames, timestamps=batch.timestamps)

    np.testing.assert_allclose([s.start for s in shots[1:]], cuts, atol=FRAME + 1e-9)


def test_a_sliver_shorter_than_the_minimum_merges_into_its_neighbour(cut_video):
    path, _ = cut_video
    batch = read_frames(path=path)
    # first shot (frames 0-59), 5 frames of the third shot (0.2 s < 0.4 s minimum), then the second shot
    frames = np.concatenate([batch.frames[:60], batch.frames[120:125], batch.frames[60:110]])
    timestamps = np.arange(len(frames)) / FPS

    shots = detect_shots_in_frames(frames=frames, timestamps=timestamps)

    assert [s.start for s in shots] == [0.0, pytest.approx(60 / FPS)]
    assert shots[-1].end == pytest.approx(len(frames) / FPS)


def test_a_still_video_is_one_shot():
    frames = np.full((50, 24, 32, 3), 90, dtype=np.uint8)

    shots = detect_shots_in_frames(frames=frames, timestamps=np.arange(50) / FPS)

    assert shots == [Shot(index=0, start=0.0, end=2.0)]


@pytest.mark.parametrize("batch", [1, 3, 7, 64])
def test_streaming_signals_do_not_depend_on_batch_size(batch):
    histograms = np.random.default_rng(0).random((40, 16)).astype(np.float32)
    whole = histogram_signals([histograms], lookahead=3)

    streamed = histogram_signals([histograms[i : i + batch] for i in range(0, 40, batch)], lookahead=3)

    np.testing.assert_array_equal(streamed[0], whole[0])
    np.testing.assert_array_equal(streamed[1], whole[1])
    # persistence[t] compares the frame k = 3 before the cut's predecessor with the frame k after the cut
    assert whole[1][10] == pytest.approx(0.5 * np.abs(histograms[6] - histograms[13]).sum())
    assert whole[1][38] == pytest.approx(0.5 * np.abs(histograms[34] - histograms[39]).sum())  # clamped at the end


def test_shots_from_cuts_tile_the_video():
    shots = shots_from_cuts(cut_times=[4.0, 1.5, 0.0, 9.0], duration=6.0)

    # cuts at the very start or past the end are ignored; the rest are sorted
    assert shots == [Shot(0, 0.0, 1.5), Shot(1, 1.5, 4.0), Shot(2, 4.0, 6.0)]


@pytest.mark.parametrize("fps", [25, 30])
def test_refine_cuts_finds_the_exact_frame_of_a_cut_found_late(tmp_path, fps):
    """Hard cuts at frames 2.04·fps and 4.08·fps (rounded): found at 10 fps they are late; refined, exact."""
    from workers.media.probing import ffmpeg_binary
    from workers.shots import refine_cuts

    lengths = [round(2.04 * fps), round(2.04 * fps), 2 * fps]  # frames per part
    inputs = []
    for source, frames in zip(["testsrc", "smptebars", "testsrc2"], lengths, strict=True):
        inputs += ["-f", "lavfi", "-i", f"{source}=size=160x120:rate={fps}:duration={frames / fps}"]
    out = tmp_path / "cuts.mp4"
    subprocess.run(
        [ffmpeg_binary(), "-v", "error", "-y", *inputs, "-filter_complex", "[0][1][2]concat=n=3:v=1[v]"]
        + ["-map", "[v]", "-c:v", "libx264", "-pix_fmt", "yuv420p", str(out)],
        check=True,
    )
    true_cuts = [lengths[0] / fps, (lengths[0] + lengths[1]) / fps]
    found = [cut.start for cut in detect_shots(path=out, fps=10.0)[1:]]
    assert all(t - 1e-6 <= f <= t + 0.1 + 1e-6 for t, f in zip(true_cuts, found, strict=True)), found

    refined = refine_cuts(path=out, cut_times=found, fps=fps, lateness=0.1)

    assert refined == pytest.approx(true_cuts, abs=1e-9)
    assert refine_cuts(path=out, cut_times=refined, fps=fps, lateness=0.1) == pytest.approx(true_cuts, abs=1e-9)
