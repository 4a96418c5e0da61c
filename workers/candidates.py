"""Uniform random candidate clips: the baseline sampler (HACS "Random") used before mining scores exist."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

CLIP_SECONDS = 2.0  # HACS Clips are 2-second clips


@dataclass(frozen=True)
class ClipSpan:
    start: float
    end: float
    method: str = "random"
    scores: dict = field(default_factory=dict)


def random_spans(*, duration: float, count: int, seed: int, clip_seconds: float = CLIP_SECONDS) -> list[ClipSpan]:
    """`count` non-overlapping clips of `clip_seconds`, uniformly placed: one per equal stratum of the video.

    Stratifying keeps clips apart without rejection loops; a video shorter than `count` clips gets fewer.
    """
    n = min(count, math.floor(duration / clip_seconds + 1e-9))
    if n <= 0:
        return []
    rng = np.random.default_rng(seed)
    stratum = duration / n
    spans = []
    for k in range(n):
        lo, hi = k * stratum, (k + 1) * stratum - clip_seconds
        start = math.floor((float(rng.uniform(lo, hi)) if hi > lo else lo) * 1000) / 1000  # ms, never past hi
        spans.append(ClipSpan(start=start, end=round(start + clip_seconds, 3)))
    return spans
