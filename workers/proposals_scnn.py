"""S-CNN temporal action proposals (Shou, Wang and Chang, "Temporal Action Localization in Untrimmed Videos via
Multi-stage CNNs", CVPR 2016), scored by the frame classifiers instead of S-CNN's learned proposal network.

S-CNN §3.1: multi-scale segments of 16, 32, 64, 128, 256 and 512 frames slide over the video with 75 % overlap, so a
window of L frames starts every L/4 frames. §3.2 scores each segment with a proposal network; until enough
annotated segments exist to train one (issue 6), a window's score for the video's class is the mean class
probability of the frame classifiers over the sampled frames inside it. Windows scoring at least 0.7 are kept and
temporal non-maximum suppression at tIoU 0.4 (§3.4's post-processing) removes near-duplicates.

Conventions:
- Frame i covers [i / fps, (i + 1) / fps). A window [start, start + L) in frames is [start / fps, (start + L) / fps)
  in seconds, and only windows that fit inside the video are made: a video shorter than L frames has no window of
  length L, and the last frames after the final stride step are left to the shorter scales.
- A sampled time t is inside a window when start_s ≤ t < end_s (half-open, like the frames). A window with no
  sampled time inside has no score (NaN) and is never proposed: sample at least as densely as the shortest window
  that should be able to propose.
- NMS is greedy: best score first; a window is suppressed when its tIoU with an already *kept* window is strictly
  greater than the threshold. Suppressed windows suppress nothing, so in a chain A > B > C where A overlaps B and B
  overlaps C, C survives if it clears A. Equal scores are common with a mean probability (every window inside a
  confident stretch scores the same), and there the *longer* window goes first: it carries the same confidence
  over more frames, and nested shorter windows then fall to it instead of fragmenting the action. Remaining ties:
  earlier start, then input order.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike

from workers.evaluation.tiou import segment_tiou

WINDOW_LENGTHS = (16, 32, 64, 128, 256, 512)  # S-CNN §3.1, frames
WINDOW_OVERLAP = 0.75  # S-CNN §3.1
DEFAULT_SCORE_THRESHOLD = 0.7  # issue 6
DEFAULT_NMS_TIOU = 0.4  # issue 6 (S-CNN §3.4 post-processing)
_SCORE_DECIMALS = 9  # scores closer than this rank as equal in NMS
SAMPLE_FPS = 2.0  # frames the classifiers look at per second: the mining models' rate (workers/mining.py)
SAMPLE_SHORT_SIDE = 256  # the classifiers resize to short side 256 and crop 224 (SLAC §3.4)


class Proposal(NamedTuple):
    start_s: float
    end_s: float
    score: float


def window_stride(length: int, *, overlap: float = WINDOW_OVERLAP) -> int:
    """Frames between consecutive windows of ``length`` frames: ``length * (1 - overlap)`` (16 → 4 at 75 %)."""
    if length < 1:
        raise ValueError(f"window length must be at least 1 frame, got {length}")
    if not 0.0 <= overlap < 1.0:
        raise ValueError(f"overlap must be in [0, 1), got {overlap}")
    stride = length * (1.0 - overlap)
    if stride < 1 or not float(stride).is_integer():
        raise ValueError(f"a {length}-frame window at {overlap:.0%} overlap has no whole-frame stride ({stride})")
    return int(stride)


def sliding_windows(
    *, num_frames: int, lengths: Sequence[int] = WINDOW_LENGTHS, overlap: float = WINDOW_OVERLAP
) -> np.ndarray:
    """``(n, 2)`` int array of ``[start, end)`` frame windows: per length (in the order given), starts 0, s, 2s, …
    while the window fits, i.e. ``(num_frames - L) // s + 1`` windows of length L when ``num_frames ≥ L``."""
    if num_frames < 0:
        raise ValueError(f"num_frames must be ≥ 0, got {num_frames}")
    windows = []
    for length in lengths:
        stride = window_stride(length, overlap=overlap)
        if num_frames < length:
            continue
        starts = np.arange(0, num_frames - length + 1, stride, dtype=np.int64)
        windows.append(np.stack([starts, starts + length], axis=1))
    return np.concatenate(windows) if windows else np.zeros((0, 2), dtype=np.int64)


def windows_in_seconds(windows: np.ndarray, *, fps: float) -> np.ndarray:
    """Frame windows ``[start, end)`` as ``[start / fps, end / fps]`` seconds."""
    if fps <= 0:
        raise ValueError(f"fps must be positive, got {fps}")
    return np.asarray(windows, dtype=np.float64).reshape(-1, 2) / float(fps)


def score_windows(*, windows_s: ArrayLike, times: ArrayLike, probabilities: ArrayLike) -> np.ndarray:
    """Mean of ``probabilities`` (one class, one value per sampled time) over the times inside each window.

    ``windows_s`` is ``(n, 2)`` seconds; returns ``(n,)`` rounded to 9 decimals, NaN for a window that holds no
    sampled time.
    """
    windows = np.asarray(windows_s, dtype=np.float64).reshape(-1, 2)
    times = np.asarray(times, dtype=np.float64).reshape(-1)
    probs: np.ndarray = np.asarray(probabilities, dtype=np.float64).reshape(-1)
    if times.shape != probs.shape:
        raise ValueError(f"times ({times.size}) and probabilities ({probs.size}) differ in length")
    if np.any((probs < 0) | (probs > 1)) or np.any(~np.isfinite(probs)):
        raise ValueError("probabilities must lie in [0, 1]")
    order = np.argsort(times, kind="stable")
    times, probs = times[order], probs[order]
    # Prefix sums turn each window's mean into two binary searches.
    cumulative = np.concatenate([[0.0], np.cumsum(probs)])
    first = np.searchsorted(times, windows[:, 0], side="left")
    last = np.searchsorted(times, windows[:, 1], side="left")  # end is exclusive
    count = last - first
    total = cumulative[last] - cumulative[first]
    means = np.divide(total, count, out=np.full(len(windows), np.nan), where=count > 0)
    # Prefix sums leave errors in the last bits (a stretch of 0.95 averages to 0.9500000000000002 here and
    # 0.9499999999999993 there); rounding makes equal means equal, so they tie in NMS and sort as equals.
    return np.round(means, _SCORE_DECIMALS)


def temporal_nms(*, segments: ArrayLike, scores: ArrayLike, tiou_threshold: float = DEFAULT_NMS_TIOU) -> np.ndarray:
    """Indices of the segments greedy NMS keeps, best first (see the module docstring for ties and chains)."""
    segments = np.asarray(segments, dtype=np.float64).reshape(-1, 2)
    scores = np.asarray(scores, dtype=np.float64).reshape(-1)
    if len(segments) != len(scores):
        raise ValueError(f"{len(segments)} segments but {len(scores)} scores")
    if np.any(np.isnan(scores)):
        raise ValueError("NMS needs a score for every segment (drop unscored windows first)")
    # lexsort: last key is primary. Best score, then longer, then earlier start, then input order. Scores and
    # lengths are ranked to 1e-9 so that values equal but for their last bits (means summed in another order,
    # frame counts divided by the fps) tie.
    lengths = np.round(segments[:, 1] - segments[:, 0], _SCORE_DECIMALS)
    ranked = np.round(scores, _SCORE_DECIMALS)
    order = np.lexsort((np.arange(len(scores)), segments[:, 0], -lengths, -ranked))
    suppressed = np.zeros(len(scores), dtype=bool)
    kept = []
    for position, index in enumerate(order):
        if suppressed[index]:
            continue
        kept.append(index)
        rest = order[position + 1 :]
        rest = rest[~suppressed[rest]]
        if len(rest):
            overlap = segment_tiou(segment=segments[index], candidates=segments[rest])
            suppressed[rest[overlap > tiou_threshold]] = True
    return np.asarray(kept, dtype=np.int64)


def scnn_proposals(
    *,
    num_frames: int,
    fps: float,
    times: ArrayLike,
    probabilities: ArrayLike,
    score_threshold: float = DEFAULT_SCORE_THRESHOLD,
    nms_tiou: float = DEFAULT_NMS_TIOU,
    lengths: Sequence[int] = WINDOW_LENGTHS,
    overlap: float = WINDOW_OVERLAP,
) -> list[Proposal]:
    """S-CNN proposals for one video and one class, best first.

    ``times`` (seconds) and ``probabilities`` (the class's probability at each time, e.g. the mean of the two frame
    classifiers) describe the sampled frames. Windows scoring at least ``score_threshold`` survive, then NMS.
    """
    windows_s = windows_in_seconds(sliding_windows(num_frames=num_frames, lengths=lengths, overlap=overlap), fps=fps)
    scores = score_windows(windows_s=windows_s, times=times, probabilities=probabilities)
    # NaN (no sampled frame inside) compares False, so unscored windows fall out here.
    passing = np.flatnonzero(scores >= score_threshold)
    kept = passing[temporal_nms(segments=windows_s[passing], scores=scores[passing], tiou_threshold=nms_tiou)]
    return [Proposal(float(windows_s[i, 0]), float(windows_s[i, 1]), float(scores[i])) for i in kept]


def sample_class_probabilities(
    *,
    path: str | Path,
    predictors: Sequence[Callable[[np.ndarray], np.ndarray]],
    class_index: int,
    sample_fps: float = SAMPLE_FPS,
    progress: Callable[[float], None] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """``(times, probabilities)``: frames of ``path`` at ``sample_fps`` and the class's probability at each, the mean
    over ``predictors`` (each maps N×H×W×3 uint8 frames to N×C probabilities: the two frame classifiers).

    Decode ``path`` = the timeline's proxy: its first frame is at 0 (workers/media/proxy.py), so the times are on the
    tool's axis. ``workers.media.frames`` labels frame k ``k / sample_fps``, the frame on screen at that instant.
    """
    from workers.media import frames as frame_io
    from workers.media.probing import probe_video

    if not predictors:
        raise ValueError("at least one frame classifier is needed to score windows")
    expected = max(1.0, probe_video(path=path).duration * sample_fps)
    times, probabilities = [], []
    for batch in frame_io.iter_frames(path=path, fps=sample_fps, short_side=SAMPLE_SHORT_SIDE):
        per_model = [np.asarray(predict(batch.frames), dtype=np.float64)[:, class_index] for predict in predictors]
        times.append(batch.timestamps)
        probabilities.append(np.clip(np.mean(per_model, axis=0), 0.0, 1.0))
        if progress:
            progress(min(1.0, sum(len(t) for t in times) / expected))
    if not times:
        return np.zeros(0), np.zeros(0)
    return np.concatenate(times), np.concatenate(probabilities)
