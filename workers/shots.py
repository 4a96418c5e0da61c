"""Shot detection by colour-histogram change, SLAC §3.5.

SLAC splits every video into shots so that a sampled clip never straddles a cut. A cut is declared at frame t
when the colour-histogram distance between frames t-1 and t is large *and* has jumped from the previous
frame-to-frame distance (its gradient): camera motion and zooms change the histogram a little on every frame,
a cut changes it a lot at once. Two guards suppress flicker (flashes, strobes, a few dropped frames):

- persistence: the picture ``flash_window`` seconds before the cut must still differ from the picture
  ``flash_window`` seconds after it, so a flash or flicker that returns to the same picture is no cut (both its
  edges pass the distance and gradient tests: the flash frames are alike, so the distance drops to ~0 inside);
- minimum shot length: cuts closer than ``min_shot_length`` seconds to the previous cut (or to either end of
  the video) are dropped, merging the sliver into its neighbour.

Gradual transitions (dissolves, fades) are not detected; SLAC's method does not target them either.

The histogram is a joint RGB histogram with 8 bins per channel (512 bins, normalised to sum 1) and the distance
is half the L1 distance (total variation), which lies in [0, 1]: 0 for identical histograms, 1 for disjoint ones.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

# No values are taken from SLAC; these are tuned on the generated test videos (tests/workers/test_shots.py: five real
# photos with zoom/pan, temporal noise of strength 10 and 25, three shot orders, x264, 160×120, 25 fps).
# Measured there: within-shot distances ≤ 0.14 and gradients ≤ 0.10; at cuts, distances ≥ 0.41, gradients ≥ 0.34
# and persistence ≥ 0.42. The thresholds sit inside that gap, nearer the within-shot side, because a missed cut
# lets a clip straddle two shots, the costlier error for SLAC; a false cut only shortens a shot.
DIST_THRESHOLD = 0.25
GRADIENT_THRESHOLD = 0.15
MIN_SHOT_LENGTH = 0.4  # seconds; shorter runs are flicker (10 frames at 25 fps)
FLASH_WINDOW = 0.2  # seconds each side of a cut for the persistence check; longer flashes count as shots

HIST_BINS = 8  # per channel
ANALYSIS_SHORT_SIDE = 128  # histograms need no detail; decoding a long video smaller saves time


@dataclass(frozen=True)
class Shot:
    index: int
    start: float  # seconds, inclusive
    end: float  # seconds, exclusive; the next shot starts here


def frame_histograms(frames: np.ndarray, *, bins: int = HIST_BINS) -> np.ndarray:
    """Joint RGB histograms of an N×H×W×3 uint8 batch, N×bins³ float32, each row summing to 1."""
    if frames.ndim != 4 or frames.shape[-1] != 3:
        raise ValueError(f"expected N×H×W×3 frames, got shape {frames.shape}")
    count = frames.shape[0]
    quantised = (frames.astype(np.uint32) * bins) >> 8  # 0..bins-1 per channel
    cell = (quantised[..., 0] * bins + quantised[..., 1]) * bins + quantised[..., 2]
    cell = cell.reshape(count, -1) + (np.arange(count, dtype=np.uint32) * bins**3)[:, None]
    counts = np.bincount(cell.ravel(), minlength=count * bins**3).reshape(count, bins**3)
    pixels = frames.shape[1] * frames.shape[2]
    return (counts / pixels).astype(np.float32)


def histogram_distance(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Half L1 distance between histograms (rows), in [0, 1]."""
    return 0.5 * np.abs(a - b).sum(axis=-1)


def histogram_signals(histograms: Iterable[np.ndarray], *, lookahead: int) -> tuple[np.ndarray, np.ndarray]:
    """Frame-to-frame distances and persistence distances from histogram batches, in one streaming pass.

    ``distance[t]`` = D(h[t-1], h[t]) and ``persistence[t]`` = D(h[t-1-k], h[t+k]) with k = ``lookahead``
    (indices clamped to the video), both 0 at t = 0. Only the last 2k + 1 histograms are kept, so memory does
    not grow with the video.
    """
    if lookahead < 0:
        raise ValueError("lookahead must be >= 0")
    k = lookahead
    distances: list[np.ndarray] = [np.zeros(0)]
    persistence: list[np.ndarray] = [np.zeros(0)]
    carry: np.ndarray | None = None  # the last 2k + 1 histograms seen
    seen = 0
    for batch in histograms:
        if len(batch) == 0:
            continue
        window = batch if carry is None else np.concatenate([carry, batch])
        offset = seen - (len(window) - len(batch))  # global index of window[0]
        new = np.arange(seen, seen + len(batch))
        step = histogram_distance(window[np.maximum(new - 1 - offset, 0)], window[new - offset])
        step[new == 0] = 0.0  # the first frame has no predecessor
        distances.append(step)
        # Frame j = t + k arrives now, so persistence[t] is known for t = j - k >= 1.
        t: np.ndarray = new - k  # 1-D, and still 1-D after the mask below
        t = t[t >= 1]
        before = np.maximum(t - 1 - k, 0)
        persistence.append(histogram_distance(window[before - offset], window[t + k - offset]))
        seen += len(batch)
        carry = window[-(2 * k + 1) :]
    if carry is None:
        return np.zeros(0), np.zeros(0)
    # The last k frames have no frame k later: compare with the last frame of the video instead.
    t = np.arange(max(1, seen - k), seen)
    offset = seen - len(carry)
    before = np.maximum(t - 1 - k, 0)
    persistence.append(histogram_distance(carry[before - offset], carry[np.full(len(t), len(carry) - 1)]))
    return np.concatenate(distances).astype(np.float64), np.concatenate([np.zeros(1), *persistence]).astype(np.float64)


def cut_frames(
    *,
    distances: np.ndarray,
    persistence: np.ndarray,
    timestamps: np.ndarray,
    duration: float,
    dist_threshold: float = DIST_THRESHOLD,
    gradient_threshold: float = GRADIENT_THRESHOLD,
    min_shot_length: float = MIN_SHOT_LENGTH,
) -> list[int]:
    """Indices t of the frames that start a new shot (cut between frames t-1 and t).

    A candidate needs distance > ``dist_threshold``, gradient > ``gradient_threshold`` and persistence >
    ``dist_threshold`` (the change must still be there ``flash_window`` later); then cuts that would leave a
    shot shorter than ``min_shot_length`` are dropped, scanning forward, and finally from the end.
    """
    gradient = np.diff(distances, prepend=0.0)
    candidates = np.flatnonzero(
        (distances > dist_threshold) & (gradient > gradient_threshold) & (persistence > dist_threshold)
    )
    kept: list[int] = []
    last_start = 0.0
    for t in candidates:
        if t >= 1 and timestamps[t] - last_start >= min_shot_length:
            kept.append(int(t))
            last_start = float(timestamps[t])
    while kept and duration - float(timestamps[kept[-1]]) < min_shot_length:
        kept.pop()
    return kept


def shots_from_cuts(*, cut_times: Iterable[float], duration: float) -> list[Shot]:
    """Shots covering [0, duration] without gaps or overlaps, split at the given times."""
    bounds = [0.0, *sorted(float(t) for t in cut_times if 0.0 < t < duration), float(duration)]
    return [Shot(index=i, start=bounds[i], end=bounds[i + 1]) for i in range(len(bounds) - 1)]


def detect_shots_in_frames(
    *,
    frames: np.ndarray,
    timestamps: np.ndarray,
    duration: float | None = None,
    dist_threshold: float = DIST_THRESHOLD,
    gradient_threshold: float = GRADIENT_THRESHOLD,
    min_shot_length: float = MIN_SHOT_LENGTH,
    flash_window: float = FLASH_WINDOW,
) -> list[Shot]:
    """Shots of frames already in memory (N×H×W×3 uint8, timestamps in seconds).

    ``duration`` defaults to the last timestamp plus one median frame interval.
    """
    timestamps = np.asarray(timestamps, dtype=np.float64)
    if len(frames) != len(timestamps):
        raise ValueError("frames and timestamps differ in length")
    if duration is None:
        step = float(np.median(np.diff(timestamps))) if len(timestamps) > 1 else 0.0
        duration = float(timestamps[-1]) + step if len(timestamps) else 0.0
    lookahead = _lookahead_frames(timestamps=timestamps, flash_window=flash_window)
    distances, persistence = histogram_signals([frame_histograms(frames)] if len(frames) else [], lookahead=lookahead)
    cuts = cut_frames(
        distances=distances,
        persistence=persistence,
        timestamps=timestamps,
        duration=duration,
        dist_threshold=dist_threshold,
        gradient_threshold=gradient_threshold,
        min_shot_length=min_shot_length,
    )
    return shots_from_cuts(cut_times=timestamps[cuts], duration=duration)


def detect_shots(
    *,
    path: str | Path,
    fps: float | None = None,
    dist_threshold: float = DIST_THRESHOLD,
    gradient_threshold: float = GRADIENT_THRESHOLD,
    min_shot_length: float = MIN_SHOT_LENGTH,
    flash_window: float = FLASH_WINDOW,
) -> list[Shot]:
    """Shots of a video file, decoded at ``fps`` (the native rate if None) in a streaming pass.

    Cut times are the timestamp of the first frame of the new shot, so they are exact at the native rate and
    late by up to one analysis frame interval at a lower ``fps``.
    """
    from workers.media.frames import iter_frames
    from workers.media.probing import probe_video

    info = probe_video(path=path)
    rate = float(fps) if fps else info.fps
    short_side = ANALYSIS_SHORT_SIDE if min(info.width, info.height) > ANALYSIS_SHORT_SIDE else None
    timestamps: list[np.ndarray] = []

    def histogram_batches() -> Iterable[np.ndarray]:
        for batch in iter_frames(path=path, fps=rate, short_side=short_side):
            timestamps.append(batch.timestamps)
            yield frame_histograms(batch.frames)

    lookahead = max(1, round(flash_window * rate))
    distances, persistence = histogram_signals(histogram_batches(), lookahead=lookahead)
    times = np.concatenate(timestamps) if timestamps else np.zeros(0)
    duration = info.duration or (float(times[-1]) + 1.0 / rate if len(times) else 0.0)
    cuts = cut_frames(
        distances=distances,
        persistence=persistence,
        timestamps=times,
        duration=duration,
        dist_threshold=dist_threshold,
        gradient_threshold=gradient_threshold,
        min_shot_length=min_shot_length,
    )
    return shots_from_cuts(cut_times=times[cuts], duration=duration)


def _lookahead_frames(*, timestamps: np.ndarray, flash_window: float) -> int:
    if len(timestamps) < 2:
        return 1
    step = float(np.median(np.diff(timestamps)))
    return max(1, round(flash_window / step)) if step > 0 else 1


REFINE_SIZE = (64, 48)  # frames compared when refining a cut: the colour histogram needs no detail


def refine_cuts(*, path: str | Path, cut_times: Sequence[float], fps: float, lateness: float) -> list[float]:
    """Exact times of cuts found at a lower rate, at the video's own rate ``fps``: each true cut lies within
    ``lateness`` seconds before its found time (a lower-rate decode sees the new shot up to one of its frames late);
    the frame in that window whose histogram differs most from the frame before starts the new shot.

    Frames are numbered as workers/media/frame_exact.py does (frame k shows from k / fps) and found by counting in one
    decode up to the last cut, never by seeking, so a refined time is a frame's exact start.
    """
    from workers.media.frame_exact import _numbering
    from workers.media.probing import ffmpeg_binary, run

    if not len(cut_times):
        return []
    windows = [range(max(math.floor((t - lateness) * fps) - 1, 0), math.ceil(t * fps + 1e-6) + 2) for t in cut_times]
    wanted = sorted({k for window in windows for k in window})
    select = "+".join(f"between(n\\,{w.start}\\,{w.stop - 1})" for w in windows)
    width, height = REFINE_SIZE
    args = [ffmpeg_binary(), "-v", "error", "-nostdin", "-i", str(path), "-map", "0:v:0", "-an", "-sn", "-dn"]
    args += ["-vf", f"{_numbering(fps)},select={select},scale={width}:{height}", "-fps_mode", "passthrough"]
    args += ["-frames:v", str(len(wanted)), "-f", "rawvideo", "-pix_fmt", "rgb24", "pipe:"]
    data = run(args).stdout
    got = len(data) // (width * height * 3)
    frames = np.frombuffer(data, np.uint8, count=got * width * height * 3).reshape(got, height, width, 3)
    histograms = {k: h for k, h in zip(wanted, frame_histograms(frames), strict=False)}
    refined = []
    for found, window in zip(cut_times, windows, strict=True):
        pairs = [(k - 1, k) for k in window if k - 1 in histograms and k in histograms]
        if not pairs:  # the video ended inside the window: keep the time found
            refined.append(float(found))
            continue
        distances = [float(histogram_distance(histograms[a], histograms[b])) for a, b in pairs]
        refined.append(pairs[int(np.argmax(distances))][1] / fps)
    return refined
