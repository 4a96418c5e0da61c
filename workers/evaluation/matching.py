"""Annotator-versus-gold segment agreement for quality control.

One annotator's segments of a video are matched one-to-one to the gold segments greedily by descending tIoU: the
pair with the highest tIoU is fixed first, both segments leave the pool, and so on while tIoU >= the threshold (0.5,
the first ActivityNet threshold). This is the same greedy rule the ActivityNet detection evaluation applies with
predictions ordered by overlap instead of score (activitynet/ActivityNet, ``Evaluation/eval_detection.py``); it is
easy to explain to an annotator ("your segment went to the gold segment it overlapped most"), and it differs from an
optimal assignment only in contrived chains of near-equal overlaps. Equal tIoUs are taken in (annotator index, gold
index) order so the result is reproducible.

Empty lists, defined so that aggregating over many videos does not divide by zero:

* both empty: the annotator correctly marked nothing, so precision = recall = F1 = mean tIoU = 1.0;
* otherwise an undefined ratio is 0.0: no annotator segment gives precision 0.0, no gold segment gives recall 0.0,
  F1 is 0.0 when precision + recall is 0, and mean tIoU is 0.0 when nothing matched.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from workers.evaluation.layout import EvaluationInputError
from workers.evaluation.tiou import pairwise_tiou

DEFAULT_MATCH_TIOU = 0.5


@dataclass(frozen=True)
class SegmentAgreement:
    """Agreement of one annotator's segments with the gold segments at ``tiou_threshold``."""

    precision: float
    recall: float
    f1: float
    mean_tiou: float  # over matched pairs
    matched: int
    annotator_segments: int
    gold_segments: int
    pairs: tuple[tuple[int, int, float], ...]  # (annotator index, gold index, tIoU), in matching order


def _checked_segments(segments: Sequence[Sequence[float]], name: str) -> np.ndarray:
    array = np.zeros((len(segments), 2))
    for index, segment in enumerate(segments):
        path = f"{name}[{index}]"
        if isinstance(segment, str | bytes) or not hasattr(segment, "__len__") or len(segment) != 2:
            raise EvaluationInputError(f"{path}: expected (start, end), got {segment!r}")
        try:
            start, end = float(segment[0]), float(segment[1])
        except (TypeError, ValueError):
            raise EvaluationInputError(f"{path}: expected (start, end) numbers, got {segment!r}") from None
        if not (math.isfinite(start) and math.isfinite(end)) or end < start:
            raise EvaluationInputError(f"{path}: expected finite start <= end, got {segment!r}")
        array[index] = start, end
    return array


def match_segments(
    *,
    annotator: Sequence[Sequence[float]],
    gold: Sequence[Sequence[float]],
    tiou_threshold: float = DEFAULT_MATCH_TIOU,
) -> SegmentAgreement:
    """Greedy one-to-one matching of ``annotator`` to ``gold`` (lists of ``(start, end)``) by descending tIoU.

    Returns precision (matched / annotator segments), recall (matched / gold segments), their F1 and the mean tIoU
    of the matched pairs; see the module docstring for empty lists.
    """
    mine = _checked_segments(annotator, "annotator")
    theirs = _checked_segments(gold, "gold")
    if len(mine) == 0 and len(theirs) == 0:
        return SegmentAgreement(1.0, 1.0, 1.0, 1.0, 0, 0, 0, ())
    tiou = pairwise_tiou(segments=mine, candidates=theirs)  # (annotator, gold)
    flat = tiou.ravel()
    order = np.argsort(-flat, kind="stable")  # descending tIoU; ties in row-major (annotator, gold) order
    order = order[flat[order] >= tiou_threshold]
    used_mine = np.zeros(len(mine), dtype=bool)
    used_theirs = np.zeros(len(theirs), dtype=bool)
    pairs: list[tuple[int, int, float]] = []
    for row, col in zip(*np.unravel_index(order, tiou.shape), strict=True):
        if used_mine[row] or used_theirs[col]:
            continue
        used_mine[row] = used_theirs[col] = True
        pairs.append((int(row), int(col), float(tiou[row, col])))
    matched = len(pairs)
    precision = matched / len(mine) if len(mine) else 0.0
    recall = matched / len(theirs) if len(theirs) else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall > 0 else 0.0
    mean_tiou = float(np.mean([pair[2] for pair in pairs])) if pairs else 0.0
    return SegmentAgreement(
        precision=precision,
        recall=recall,
        f1=f1,
        mean_tiou=mean_tiou,
        matched=matched,
        annotator_segments=len(mine),
        gold_segments=len(theirs),
        pairs=tuple(pairs),
    )
