"""A learned proposal head for the S-CNN windows: logistic regression on what the frame classifiers say in and around
each window, trained on annotated segments. Pure compute (NumPy), no Django.

Why: scoring a window by the mean class probability inside it (workers/proposals_scnn.py) cannot tell a window that
covers an action from one that sits inside it — every window within a confident stretch scores the same, and the
longest one that fits wins even when a longer one, reaching a little past the edges, matches the action better (a
10-s action's best surviving window reached tIoU 0.51). S-CNN §3.2 learns its proposal network from annotated
segments for this reason. Here the network is small: a logistic regression on a dozen window features — the mean,
maximum, minimum and share of confident samples inside, the mean just before and just after the window and the
contrast with them (an action ends where the probability drops), and the window's scale.

Target: each training window's best tIoU with an annotated segment of its video, as a soft label in [0, 1]
(logistic loss with fractional targets). The head so predicts the tIoU a window will reach, which is what AR@AN
rewards at its thresholds 0.5:0.05:0.95; its score is that estimate. Its threshold is therefore a tIoU, 0.5 by default
(ActivityNet's lowest hit), not the mean probability's 0.7; NMS applies as to the mean probability.

Context: the "before" and "after" stretches are half the window long and at least CONTEXT_MIN_SECONDS; beyond the
ends of the video the probability counts as 0 (the video's edge is an edge of the action).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np
from numpy.typing import ArrayLike

from workers.evaluation.tiou import pairwise_tiou
from workers.proposals_scnn import (
    DEFAULT_NMS_TIOU,
    WINDOW_LENGTHS,
    WINDOW_OVERLAP,
    Proposal,
    sliding_windows,
    temporal_nms,
    windows_in_seconds,
)

FEATURES = (
    "mean",
    "max",
    "min",
    "confident_share",
    "before",
    "after",
    "contrast",
    "edge_contrast",
    "log_seconds",
    "share_of_video",
    "mean_squared",
)
DEFAULT_HEAD_THRESHOLD = 0.5  # predicted tIoU a window needs: ActivityNet's lowest hit threshold
CONTEXT_MIN_SECONDS = 1.0
CONFIDENT = 0.5  # a sample counts as confident above this probability
L2 = 1.0  # ridge on the standardised coefficients: keeps the fit finite when a feature separates perfectly
NEWTON_STEPS = 50


@dataclass(frozen=True)
class VideoScores:
    """One video as the head sees it: its frames, the sampled class probabilities, and (for training) its segments."""

    num_frames: int
    fps: float
    times: np.ndarray
    probabilities: np.ndarray
    segments: np.ndarray | None = None  # (k, 2) seconds; None when unknown


def _windowed(
    times: np.ndarray, probs: np.ndarray, starts: np.ndarray, ends: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Sum and count of the samples in each half-open [start, end) by prefix sums; their index range [first, last)."""
    cumulative = np.concatenate([[0.0], np.cumsum(probs)])
    first = np.searchsorted(times, starts, side="left")
    last = np.searchsorted(times, ends, side="left")
    return cumulative[last] - cumulative[first], last - first, first, last


def window_features(*, windows_s: ArrayLike, times: ArrayLike, probabilities: ArrayLike, duration: float) -> np.ndarray:
    """``(n, len(FEATURES))`` features of each window; a row of NaN for a window holding no sampled time."""
    windows = np.asarray(windows_s, dtype=np.float64).reshape(-1, 2)
    times = np.asarray(times, dtype=np.float64).reshape(-1)
    probs: np.ndarray = np.asarray(probabilities, dtype=np.float64).reshape(-1)
    order = np.argsort(times, kind="stable")
    times, probs = times[order], probs[order]
    start, end = windows[:, 0], windows[:, 1]
    length = end - start
    total, count, first, last = _windowed(times, probs, start, end)
    out = np.full((len(windows), len(FEATURES)), np.nan)
    has = count > 0
    mean = np.divide(total, count, out=np.zeros(len(windows)), where=has)
    confident = np.concatenate([[0.0], np.cumsum(probs > CONFIDENT)])
    maxima, minima = np.zeros(len(windows)), np.zeros(len(windows))
    for i in np.flatnonzero(has):
        inside = probs[first[i] : last[i]]
        maxima[i], minima[i] = inside.max(), inside.min()
    context = np.maximum(length / 2, CONTEXT_MIN_SECONDS)
    before = _context_mean(times, probs, start - context, start, duration)
    after = _context_mean(times, probs, end, end + context, duration)
    out[:, 0] = mean
    out[:, 1] = maxima
    out[:, 2] = minima
    out[:, 3] = np.divide(confident[last] - confident[first], count, out=np.zeros(len(windows)), where=has)
    out[:, 4] = before
    out[:, 5] = after
    out[:, 6] = mean - np.maximum(before, after)
    # The first and last samples inside against the context: high when the window's edges sit on the action's.
    edge_first = probs[np.minimum(first, len(probs) - 1)] if len(probs) else np.zeros(len(windows))
    edge_last = probs[np.maximum(last - 1, 0)] if len(probs) else np.zeros(len(windows))
    out[:, 7] = np.minimum(edge_first - before, edge_last - after)
    out[:, 8] = np.log2(np.maximum(length, 1e-9))
    out[:, 9] = length / max(duration, 1e-9)
    out[:, 10] = mean**2
    out[~has] = np.nan
    return out


def _context_mean(times: np.ndarray, probs: np.ndarray, a: np.ndarray, b: np.ndarray, duration: float) -> np.ndarray:
    """Mean probability over [a, b) where the part outside [0, duration) counts as probability 0."""
    inside_a, inside_b = np.clip(a, 0, duration), np.clip(b, 0, duration)
    total, count, _, _ = _windowed(times, probs, inside_a, inside_b)
    inside_mean = np.divide(total, count, out=np.zeros(len(a)), where=count > 0)
    span = np.maximum(b - a, 1e-9)
    inside_share = np.clip((inside_b - inside_a) / span, 0, 1)
    inside_share = np.where(count > 0, inside_share, 0.0)
    return inside_mean * inside_share


def window_targets(*, windows_s: ArrayLike, segments: ArrayLike) -> np.ndarray:
    """Each window's best tIoU with any of the segments (0 when there are none)."""
    windows = np.asarray(windows_s, dtype=np.float64).reshape(-1, 2)
    segments = np.asarray(segments, dtype=np.float64).reshape(-1, 2)
    if not len(segments) or not len(windows):
        return np.zeros(len(windows))
    return pairwise_tiou(segments=windows, candidates=segments).max(axis=1)


@dataclass(frozen=True)
class ProposalHead:
    """Standardisation and coefficients of the logistic regression; ``as_dict`` / ``from_dict`` round-trip as JSON."""

    features: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    coef: tuple[float, ...]
    intercept: float
    windows: int
    videos: int
    segments: int

    def score(self, features: np.ndarray) -> np.ndarray:
        """Predicted best tIoU of each window in [0, 1] (NaN rows stay NaN), rounded to 9 decimals like the mean."""
        x = (np.asarray(features, dtype=np.float64) - np.asarray(self.mean)) / np.asarray(self.scale)
        z = x @ np.asarray(self.coef) + self.intercept
        return np.round(1.0 / (1.0 + np.exp(-np.clip(z, -40, 40))), 9)

    def as_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> ProposalHead:
        if tuple(data["features"]) != FEATURES:
            raise ValueError(f"a head made for features {data['features']} cannot score {FEATURES}")
        return cls(**{**data, **{k: tuple(data[k]) for k in ("features", "mean", "scale", "coef")}})


def _video_windows(video: VideoScores, *, lengths: Sequence[int], overlap: float) -> np.ndarray:
    return windows_in_seconds(
        sliding_windows(num_frames=video.num_frames, lengths=lengths, overlap=overlap), fps=video.fps
    )


def training_set(
    videos: Sequence[VideoScores], *, lengths: Sequence[int] = WINDOW_LENGTHS, overlap: float = WINDOW_OVERLAP
) -> tuple[np.ndarray, np.ndarray]:
    """Features and tIoU targets of every scored window of the annotated videos."""
    xs, ys = [], []
    for video in videos:
        if video.segments is None:
            raise ValueError("training needs each video's annotated segments")
        windows = _video_windows(video, lengths=lengths, overlap=overlap)
        x = window_features(
            windows_s=windows,
            times=video.times,
            probabilities=video.probabilities,
            duration=video.num_frames / video.fps,
        )
        keep = ~np.isnan(x).any(axis=1)
        xs.append(x[keep])
        ys.append(window_targets(windows_s=windows[keep], segments=video.segments))
    if not xs or not sum(len(x) for x in xs):
        raise ValueError("no scored windows to train on")
    return np.concatenate(xs), np.concatenate(ys)


def train_proposal_head(
    videos: Sequence[VideoScores],
    *,
    lengths: Sequence[int] = WINDOW_LENGTHS,
    overlap: float = WINDOW_OVERLAP,
    l2: float = L2,
) -> ProposalHead:
    """Fit the head by Newton's method (logistic loss, soft tIoU targets, ridge ``l2``). Deterministic."""
    x, y = training_set(videos, lengths=lengths, overlap=overlap)
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale < 1e-9] = 1.0  # a constant feature: left as is, its coefficient goes to 0 under the ridge
    design = np.hstack([(x - mean) / scale, np.ones((len(x), 1))])
    weights = np.zeros(design.shape[1])
    ridge = np.full(design.shape[1], l2)
    ridge[-1] = 0.0  # the intercept is not shrunk
    for _ in range(NEWTON_STEPS):
        p = 1.0 / (1.0 + np.exp(-np.clip(design @ weights, -40, 40)))
        gradient = design.T @ (p - y) + ridge * weights
        hessian = (design * (p * (1 - p))[:, None]).T @ design + np.diag(ridge) + 1e-9 * np.eye(len(weights))
        step = np.linalg.solve(hessian, gradient)
        weights -= step
        if np.abs(step).max() < 1e-8:
            break
    segments = sum(len(v.segments) for v in videos if v.segments is not None)
    return ProposalHead(
        features=FEATURES,
        mean=tuple(mean.tolist()),
        scale=tuple(scale.tolist()),
        coef=tuple(weights[:-1].tolist()),
        intercept=float(weights[-1]),
        windows=len(x),
        videos=len(videos),
        segments=segments,
    )


def head_proposals(
    *,
    head: ProposalHead,
    num_frames: int,
    fps: float,
    times: ArrayLike,
    probabilities: ArrayLike,
    score_threshold: float = DEFAULT_HEAD_THRESHOLD,
    nms_tiou: float = DEFAULT_NMS_TIOU,
    lengths: Sequence[int] = WINDOW_LENGTHS,
    overlap: float = WINDOW_OVERLAP,
) -> list[Proposal]:
    """The S-CNN windows scored by the head instead of the mean probability; threshold and NMS as scnn_proposals."""
    windows = windows_in_seconds(sliding_windows(num_frames=num_frames, lengths=lengths, overlap=overlap), fps=fps)
    features = window_features(windows_s=windows, times=times, probabilities=probabilities, duration=num_frames / fps)
    scores = head.score(features)
    passing = np.flatnonzero(scores >= score_threshold)  # NaN rows fall out here
    kept = passing[temporal_nms(segments=windows[passing], scores=scores[passing], tiou_threshold=nms_tiou)]
    return [Proposal(float(windows[i, 0]), float(windows[i, 1]), float(scores[i])) for i in kept]


def proposals_auc(
    *, segments: Sequence[np.ndarray], proposals: Sequence[Sequence[Proposal]], max_avg_nr_proposals: float = 100
) -> float:
    """AR@AN AUC (the ActivityNet percentage, workers/evaluation/proposals.py) of per-video proposals."""
    from workers.evaluation.proposals import average_recall_vs_avg_nr_proposals

    gt_video = np.concatenate([np.full(len(s), i) for i, s in enumerate(segments)]).astype(np.int64)
    gt_segments = np.concatenate([np.asarray(s, dtype=np.float64).reshape(-1, 2) for s in segments])
    p_video = np.array([i for i, ps in enumerate(proposals) for _ in ps], dtype=np.int64)
    p_segments = np.array([[p.start_s, p.end_s] for ps in proposals for p in ps], dtype=np.float64).reshape(-1, 2)
    p_scores = np.array([p.score for ps in proposals for p in ps], dtype=np.float64)
    _, average_recall, an, _ = average_recall_vs_avg_nr_proposals(
        gt_video=gt_video,
        gt_segments=gt_segments,
        proposal_video=p_video,
        proposal_segments=p_segments,
        proposal_scores=p_scores,
        max_avg_nr_proposals=max_avg_nr_proposals,
    )
    return 100.0 * float(np.trapezoid(average_recall, an)) / float(an[-1]) if an[-1] > 0 else 0.0
