"""Temporal intersection over union (tIoU) of ``[start, end]`` segments, vectorised.

The arithmetic repeats ``segment_iou`` of the ActivityNet Challenge evaluation code (activitynet/ActivityNet,
``Evaluation/utils.py``) operation for operation, ``union = (candidate length + target length) - intersection``,
so that a tIoU compared with a threshold here lands on the same side as in the official evaluation, bit for bit.

One deliberate difference: when the union is zero (two zero-length segments) the official code divides 0 by 0 and
gets NaN, which its detection matcher then counts as a hit (``NaN < threshold`` is false). Here such a pair scores
0.0: two instants do not overlap in any measurable way.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike


def tiou_broadcast(
    *, target_start: ArrayLike, target_end: ArrayLike, candidate_start: ArrayLike, candidate_end: ArrayLike
) -> np.ndarray:
    """tIoU of targets and candidates given as separate start/end arrays that broadcast against each other.

    This is the kernel the matchers use: they pair each prediction with a row of ground-truth segments
    (shapes ``(k, 1)`` against ``(k, m)``) without building ``(k, m, 2)`` arrays.
    """
    t_start = np.asarray(target_start, dtype=np.float64)
    t_end = np.asarray(target_end, dtype=np.float64)
    c_start = np.asarray(candidate_start, dtype=np.float64)
    c_end = np.asarray(candidate_end, dtype=np.float64)
    intersection = (np.minimum(t_end, c_end) - np.maximum(t_start, c_start)).clip(0)
    # Same association as the official code: (candidate length + target length) - intersection.
    union = ((c_end - c_start) + (t_end - t_start)) - intersection
    intersection, union = np.broadcast_arrays(intersection, union)
    return np.divide(intersection, union, out=np.zeros(union.shape), where=union > 0)


def segment_tiou(*, segment: ArrayLike, candidates: ArrayLike) -> np.ndarray:
    """tIoU of one ``[start, end]`` segment against each of ``candidates`` (shape ``(n, 2)``); returns ``(n,)``."""
    target = np.asarray(segment, dtype=np.float64).reshape(2)
    others = np.asarray(candidates, dtype=np.float64).reshape(-1, 2)
    return tiou_broadcast(
        target_start=target[0], target_end=target[1], candidate_start=others[:, 0], candidate_end=others[:, 1]
    )


def pairwise_tiou(*, segments: ArrayLike, candidates: ArrayLike) -> np.ndarray:
    """tIoU matrix of shape ``(len(segments), len(candidates))``: entry ``[i, j]`` is tIoU(segments[i], candidates[j]).

    Row ``i`` equals ``segment_tiou(segment=segments[i], candidates=candidates)`` exactly (same operations).
    """
    rows = np.asarray(segments, dtype=np.float64).reshape(-1, 2)
    cols = np.asarray(candidates, dtype=np.float64).reshape(-1, 2)
    return tiou_broadcast(
        target_start=rows[:, :1],
        target_end=rows[:, 1:],
        candidate_start=cols[:, 0][None, :],
        candidate_end=cols[:, 1][None, :],
    )
