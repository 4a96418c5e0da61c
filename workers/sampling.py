"""Per-video clip sampling from scored frames: HACS §3.3.2 strategies and SLAC §3.6 query-by-committee (eq. 1).

Each candidate frame x of a video (already inside a detected shot, SLAC §3.5) carries two 201-way class
distributions and a conv feature:

- P_Y(x): classifier trained on YouTube video frames; P_G(x): classifier trained on web (Google) images;
- f(x): the conv feature used for the representativeness term.

For the query class c the per-frame scores are (natural logarithms throughout, so entropy and KL are in nats):

- consensus(x) = P_Y,c(x) + P_G,c(x): the first factor of SLAC eq. 1. It is also the quantity SLAC's τ = 0.01 is
  applied to. With 201 classes a classifier at chance gives 1/201 ≈ 0.005 to c, so τ = 0.01 on the *sum* reads
  "together the two classifiers put class c above chance". The project's mining issue (issue 4) settles which term:
  "keep those whose consensus term > τ = 0.01", the consensus term being P_Y,c(x) + P_G,c(x) as written in eq. 1.
  (Max-Consensus sampling does not depend on it: mean and sum give the same distribution after L1 normalisation.)
- entropy(x) = (H(P_Y(x)) + H(P_G(x))) / 2  (HACS Max-Entropy).
- kl(x) = KL(P_Y(x) ‖ P_G(x)), the committee disagreement; both distributions are clipped at PROB_EPS and
  renormalised first, so a class one softmax rounds to exactly 0 cannot make it infinite.
- cosine(x) = mean cosine similarity of f(x) to the features of the *other* candidate frames of the video
  (representativeness), floored at 0 so it stays a weight; a video with a single candidate frame gets 1.
- qbc(x) = consensus(x) · kl(x) · cosine(x)  (SLAC eq. 1, R(x)).

Sampling distributions are the scores L1-normalised over the frames that can hold a clip (see below); frames are
drawn without replacement with ``numpy.random.Generator.choice``, so a seed fixes the result.

Clips are CLIP_SECONDS = 2 s (HACS clips), centred on the drawn frame, then *moved* (never cut) to lie inside
the frame's shot and the video. Rules, in order:

1. A frame whose shot is shorter than 2 s cannot hold a clip without crossing a cut; such frames get zero
   sampling weight, i.e. their clips are dropped before the draw, so they do not use up the sampling budget.
2. Clips are placed in draw order. A clip that would overlap an earlier one is shifted to the nearest start that
   keeps it inside its shot, still containing its frame and clear of every earlier clip (touching is allowed);
   when no such start exists it is dropped. Earlier draws therefore win.
3. QBC (SLAC §3.6): draw at most QBC_MAX_SAMPLES = 8 frames by qbc(x), keep those with consensus > τ, then add one
   easy positive: the highest-consensus frame (> τ as well) that is not already a clip's frame and can be placed,
   trying the next-highest if needed. At most 8 + 1 clips.
4. Union (HACS §3.3.2, for validation/test videos): Random ∪ Max-Entropy ∪ Max-Consensus, each drawing
   independently; draws are placed round-robin (random, max_entropy, max_consensus, random, …); a frame drawn
   by several methods yields one clip, tagged with the first method in that order.

The counts above are ``sample_clips``' defaults (SLAC's 8 + 1, HACS's one per method). The mining pipeline gives
every strategy one per-video budget instead (``draws_for_budget``), so Random, Max-Entropy, Max-Consensus and QBC
videos cost the same to label; its candidate frames are one per shot (workers/mining.py ``candidate_times``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from workers.shots import Shot

CLIP_SECONDS = 2.0  # HACS: every clip is 2 s
QBC_MAX_SAMPLES = 8  # SLAC §3.6: at most 8 frames per video
CONSENSUS_TAU = 0.01  # SLAC §3.6: τ on consensus(x) = P_Y,c + P_G,c
# HACS Clips: 1.55M clips from 504K videos ≈ 3 per video, i.e. about one per method in the union.
UNION_SAMPLES_PER_METHOD = 1
PROB_EPS = 1e-8  # KL clipping; log(1e-8) ≈ -18.4 bounds each term
TIME_EPS = 1e-6  # seconds; comparisons of clip bounds


class Strategy(StrEnum):
    RANDOM = "random"
    MAX_ENTROPY = "max_entropy"
    MAX_CONSENSUS = "max_consensus"
    QBC = "qbc"
    UNION = "union"


EASY_POSITIVE = "easy_positive"  # method tag of the extra QBC clip
UNION_METHODS = (Strategy.RANDOM, Strategy.MAX_ENTROPY, Strategy.MAX_CONSENSUS)


@dataclass(frozen=True)
class CandidateFrames:
    """Scored candidate frames of one video; row i of every array describes frame i."""

    times: np.ndarray  # (N,) seconds
    shot_starts: np.ndarray  # (N,) bounds of the shot containing each frame, seconds
    shot_ends: np.ndarray  # (N,)
    p_youtube: np.ndarray  # (N, C) P_Y
    p_google: np.ndarray  # (N, C) P_G
    features: np.ndarray  # (N, D) conv features

    def __post_init__(self) -> None:
        count = len(self.times)
        for name in ("shot_starts", "shot_ends", "p_youtube", "p_google", "features"):
            if len(getattr(self, name)) != count:
                raise ValueError(f"{name} has {len(getattr(self, name))} rows, times has {count}")
        if np.shape(self.p_youtube) != np.shape(self.p_google):
            raise ValueError("p_youtube and p_google differ in shape")
        times = np.asarray(self.times)
        if np.any(times < np.asarray(self.shot_starts) - TIME_EPS) or np.any(times > np.asarray(self.shot_ends)):
            raise ValueError("a frame time lies outside its shot")

    @classmethod
    def from_shots(
        cls,
        *,
        times: np.ndarray,
        shots: Sequence[Shot],
        p_youtube: np.ndarray,
        p_google: np.ndarray,
        features: np.ndarray,
    ) -> CandidateFrames:
        """Look up each frame's shot bounds in ``shots`` (sorted, tiling the video, as ``detect_shots`` returns)."""
        times = np.asarray(times, dtype=np.float64)
        starts = np.array([shot.start for shot in shots], dtype=np.float64)
        ends = np.array([shot.end for shot in shots], dtype=np.float64)
        which = np.clip(np.searchsorted(starts, times, side="right") - 1, 0, len(shots) - 1)
        return cls(
            times=times,
            shot_starts=starts[which],
            shot_ends=ends[which],
            p_youtube=p_youtube,
            p_google=p_google,
            features=features,
        )


@dataclass(frozen=True)
class ClipCandidate:
    start: float  # seconds
    end: float  # start + CLIP_SECONDS
    center: float  # time of the sampled frame; the clip is centred on it unless it had to move
    method: str  # a Strategy value or EASY_POSITIVE
    scores: dict[str, float] = field(default_factory=dict)  # p_y_c, p_g_c, consensus, entropy, kl, cosine, qbc
    frame_index: int = -1  # row in CandidateFrames


def entropy(p: np.ndarray) -> np.ndarray:
    """Shannon entropy of each row in nats (0·log 0 = 0)."""
    p = _as_distribution(p)
    logs = np.log(np.where(p > 0, p, 1.0))
    return -(p * logs).sum(axis=-1)


def kl_divergence(p: np.ndarray, q: np.ndarray, *, eps: float = PROB_EPS) -> np.ndarray:
    """KL(p ‖ q) per row in nats, after clipping both at ``eps`` and renormalising."""
    p = _as_distribution(np.clip(_as_distribution(p), eps, None))
    q = _as_distribution(np.clip(_as_distribution(q), eps, None))
    return np.maximum((p * (np.log(p) - np.log(q))).sum(axis=-1), 0.0)


def mean_cosine_to_others(features: np.ndarray) -> np.ndarray:
    """Mean cosine similarity of each row to every other row, floored at 0; 1 for a single row.

    Uses Σ_j cos(i, j) = x_i · Σ_j x_j over unit rows, O(N·D) instead of an N×N matrix.
    """
    x = np.asarray(features, dtype=np.float64)
    if len(x) == 1:
        return np.ones(1)
    x = x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)
    self_similarity = (x * x).sum(axis=1)  # 1, or 0 for an all-zero feature
    return np.maximum((x @ x.sum(axis=0) - self_similarity) / (len(x) - 1), 0.0)


def frame_scores(*, candidates: CandidateFrames, class_index: int) -> dict[str, np.ndarray]:
    """Every per-frame score named in the module docstring, as arrays of length N."""
    p_y, p_g = _as_distribution(candidates.p_youtube), _as_distribution(candidates.p_google)
    if not 0 <= class_index < p_y.shape[1]:
        raise ValueError(f"class_index {class_index} outside 0..{p_y.shape[1] - 1}")
    p_y_c, p_g_c = p_y[:, class_index], p_g[:, class_index]
    consensus = p_y_c + p_g_c
    kl = kl_divergence(p_y, p_g)
    cosine = mean_cosine_to_others(candidates.features)
    return {
        "p_y_c": p_y_c,
        "p_g_c": p_g_c,
        "consensus": consensus,
        "entropy": 0.5 * (entropy(p_y) + entropy(p_g)),
        "kl": kl,
        "cosine": cosine,
        "qbc": consensus * kl * cosine,
    }


def sample_clips(
    *,
    candidates: CandidateFrames,
    class_index: int,
    strategy: Strategy | str,
    seed: int | np.random.Generator | None = None,
    num_samples: int | None = None,
    video_duration: float | None = None,
    tau: float = CONSENSUS_TAU,
) -> list[ClipCandidate]:
    """Clips of one video for ``strategy``, sorted by start time.

    ``num_samples`` is the number of draws (per method for the union); None means QBC_MAX_SAMPLES for QBC and
    UNION_SAMPLES_PER_METHOD otherwise. ``video_duration`` defaults to the end of the last shot.
    """
    strategy = Strategy(strategy)
    if len(candidates.times) == 0:
        return []
    rng = np.random.default_rng(seed)
    scores = frame_scores(candidates=candidates, class_index=class_index)
    times = np.asarray(candidates.times, dtype=np.float64)
    lower = np.maximum(np.asarray(candidates.shot_starts, dtype=np.float64), 0.0)
    upper = np.asarray(candidates.shot_ends, dtype=np.float64)
    if video_duration is not None:
        upper = np.minimum(upper, video_duration)
    placeable = upper - lower >= CLIP_SECONDS - TIME_EPS  # rule 1

    if strategy is Strategy.UNION:
        count = UNION_SAMPLES_PER_METHOD if num_samples is None else num_samples
        picks = _union_picks(rng=rng, scores=scores, allowed=placeable, count=count)
    else:
        default = QBC_MAX_SAMPLES if strategy is Strategy.QBC else UNION_SAMPLES_PER_METHOD
        count = default if num_samples is None else num_samples
        drawn = _draw(rng=rng, weights=_method_weights(strategy, scores), allowed=placeable, count=count)
        if strategy is Strategy.QBC:
            drawn = drawn[scores["consensus"][drawn] > tau]  # SLAC §3.6: τ filter
        picks = [(int(i), strategy.value) for i in drawn]

    clips: list[ClipCandidate] = []
    for index, method in picks:
        clip = _place(index=index, method=method, times=times, lower=lower, upper=upper, clips=clips, scores=scores)
        if clip is not None:
            clips.append(clip)
    if strategy is Strategy.QBC:
        # Highest consensus first; a stable sort keeps the earlier frame first among ties.
        taken = {clip.frame_index for clip in clips}
        for index in np.argsort(-scores["consensus"], kind="stable").tolist():
            if scores["consensus"][index] <= tau:
                break
            if index in taken or not placeable[index]:
                continue
            clip = _place(
                index=index, method=EASY_POSITIVE, times=times, lower=lower, upper=upper, clips=clips, scores=scores
            )
            if clip is not None:
                clips.append(clip)
                break
    return sorted(clips, key=lambda clip: clip.start)


def draws_for_budget(*, strategy: Strategy | str, budget: int) -> int:
    """The ``num_samples`` that gives a video at most ``budget`` clips under ``strategy``: one per-video budget for
    every strategy, so Random, Max-Entropy, Max-Consensus and QBC videos cost the same to label.

    Random, Max-Entropy and Max-Consensus draw ``budget`` frames. QBC draws ``budget - 1`` and its easy positive
    (rule 3) takes the last place. The union draws ``budget // 3`` per method (at least one), HACS's one clip per
    method at the default budget of 3.
    """
    strategy = Strategy(strategy)
    if strategy is Strategy.QBC:
        return max(budget - 1, 0)
    if strategy is Strategy.UNION:
        return max(budget // len(UNION_METHODS), 1)
    return max(budget, 0)


def place_clip(
    *, time: float, shot_start: float, shot_end: float, taken: Sequence[tuple[float, float]]
) -> tuple[float, float] | None:
    """(start, end) of a CLIP_SECONDS clip around ``time`` inside [shot_start, shot_end] and clear of ``taken``.

    Centred when possible, otherwise moved (never cut): first into the shot, then to the nearest start that
    avoids the taken clips while still containing ``time``. None when the shot is too short or no start fits.
    """
    length = CLIP_SECONDS
    if shot_end - shot_start < length - TIME_EPS:
        return None
    lowest = max(shot_start, time - length)
    highest = min(shot_end - length, time)
    desired = min(max(time - length / 2, shot_start), shot_end - length)
    options = [desired] + [a - length for a, _ in taken] + [b for _, b in taken]
    feasible = [
        s
        for s in options
        if lowest - TIME_EPS <= s <= highest + TIME_EPS
        and all(s + length <= a + TIME_EPS or s >= b - TIME_EPS for a, b in taken)
    ]
    if not feasible:
        return None
    start = min(feasible, key=lambda s: (abs(s - desired), s))
    return start, start + length


def _place(
    *,
    index: int,
    method: str,
    times: np.ndarray,
    lower: np.ndarray,
    upper: np.ndarray,
    clips: list[ClipCandidate],
    scores: dict[str, np.ndarray],
) -> ClipCandidate | None:
    bounds = place_clip(
        time=float(times[index]),
        shot_start=float(lower[index]),
        shot_end=float(upper[index]),
        taken=[(clip.start, clip.end) for clip in clips],
    )
    if bounds is None:
        return None
    return ClipCandidate(
        start=bounds[0],
        end=bounds[1],
        center=float(times[index]),
        method=method,
        scores={name: float(values[index]) for name, values in scores.items()},
        frame_index=index,
    )


def _union_picks(
    *, rng: np.random.Generator, scores: dict[str, np.ndarray], allowed: np.ndarray, count: int
) -> list[tuple[int, str]]:
    """HACS union: each method draws ``count`` frames; merged round-robin, a frame kept once (first method)."""
    per_method = [
        _draw(rng=rng, weights=_method_weights(method, scores), allowed=allowed, count=count)
        for method in UNION_METHODS
    ]
    picks: list[tuple[int, str]] = []
    picked: set[int] = set()
    for round_ in range(count):
        for method, drawn in zip(UNION_METHODS, per_method, strict=True):
            if round_ < len(drawn) and int(drawn[round_]) not in picked:
                picked.add(int(drawn[round_]))
                picks.append((int(drawn[round_]), method.value))
    return picks


def _method_weights(method: Strategy, scores: dict[str, np.ndarray]) -> np.ndarray:
    if method is Strategy.RANDOM:
        return np.ones_like(scores["consensus"])
    if method is Strategy.MAX_ENTROPY:
        return scores["entropy"]
    if method is Strategy.MAX_CONSENSUS:
        return 0.5 * scores["consensus"]  # HACS: the average of P_Y,c and P_G,c
    if method is Strategy.QBC:
        return scores["qbc"]
    raise ValueError(f"no weights for {method}")


def _draw(*, rng: np.random.Generator, weights: np.ndarray, allowed: np.ndarray, count: int) -> np.ndarray:
    """Up to ``count`` distinct indices drawn in order, with probability ∝ weight (L1-normalised)."""
    weights = np.where(allowed, np.maximum(weights, 0.0), 0.0)
    size = min(count, int(np.count_nonzero(weights)))
    if size <= 0:
        return np.zeros(0, dtype=np.int64)
    return rng.choice(len(weights), size=size, replace=False, p=weights / weights.sum())


def _as_distribution(p: np.ndarray) -> np.ndarray:
    """Rows as float64 probabilities summing to 1 (float32 softmax rows drift by ~1e-7)."""
    p = np.maximum(np.asarray(p, dtype=np.float64), 0.0)
    return p / np.maximum(p.sum(axis=-1, keepdims=True), 1e-300)
