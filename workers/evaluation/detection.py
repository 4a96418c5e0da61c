"""ActivityNet temporal action detection mAP, vectorised.

Method: ``compute_average_precision_detection`` and ``interpolated_prec_rec`` of the ActivityNet Challenge
evaluation code (activitynet/ActivityNet, ``Evaluation/eval_detection.py`` and ``Evaluation/utils.py``; Caba Heilbron
et al., "ActivityNet: A Large-Scale Video Benchmark for Human Activity Understanding", CVPR 2015). Per ground-truth
class and per tIoU threshold (0.50:0.05:0.95): predictions sorted by descending score each take the not yet matched
ground-truth instance of highest tIoU in the same video if that tIoU reaches the threshold (true positive), otherwise
they are false positives; AP is the VOC 2011 interpolated area under precision/recall; mAP is the mean over the
ground-truth classes, and the reported "average mAP" the mean over thresholds.

The official code loops over every prediction in Python (pandas ``iterrows``). The greedy matching only depends on
earlier predictions of the same (class, video), so here all (class, video) groups advance together: step ``r`` matches
the ``r``-th best prediction of every group at once, for all thresholds at once.

Deliberate, documented choices where the official code is unspecified or crashes:

* Score ties: the official code sorts with NumPy's default (unstable) ``argsort`` and reverses it, so the order of equal
  scores depends on the array length and the CPU (AVX-512 sorts differ). Here it is pinned to what that code yields
  when the sort happens to be stable: among equal scores, the later prediction in the file comes first. Ties in tIoU
  between ground-truth instances are pinned the same way (the later instance is taken first).
* Prediction labels that are not ground-truth classes of the subset are ignored (the official code raises KeyError);
  they cannot change any AP, since AP is only computed for ground-truth classes.
* Two zero-length segments have tIoU 0 here, NaN (a match) there; see ``tiou.py``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from workers.evaluation.layout import EvaluationInputError, read_ground_truth, read_predictions
from workers.evaluation.tiou import tiou_broadcast

# Official default: np.linspace(0.5, 0.95, 10); the same call, so the same floats (0.8999999999999999 included).
DEFAULT_TIOU_THRESHOLDS: np.ndarray = np.linspace(0.5, 0.95, 10)
DEFAULT_TIOU_THRESHOLDS.setflags(write=False)  # shared default argument: nobody may change it in place

# Upper bound on elements of the (thresholds, predictions, ground truths) blocks built per matching step.
_BLOCK_ELEMENTS = 4_000_000


@dataclass(frozen=True)
class DetectionResult:
    """Per-class AP for each threshold (``average_precision[t, c]``) and the official summaries."""

    tiou_thresholds: np.ndarray  # (T,)
    labels: tuple[str, ...]  # (C,) ground-truth classes, first-appearance order
    average_precision: np.ndarray  # (T, C)
    map_per_threshold: np.ndarray  # (T,) = average_precision.mean(axis=1)
    average_map: float  # map_per_threshold.mean()
    ground_truth_per_class: np.ndarray  # (C,) instances
    predictions_per_class: np.ndarray  # (C,) predictions evaluated
    predictions_unknown_label: int  # never evaluated: label is not a ground-truth class of the subset
    predictions_outside_ground_truth: int  # on videos outside the subset (any label)
    videos_outside_ground_truth: int
    ignored_outside_predictions: bool  # True: those were dropped; False: false positives, as officially


def checked_thresholds(*, tiou_thresholds: ArrayLike) -> np.ndarray:
    """Thresholds as a 1-D float array in [0, 1]; an empty or out-of-range list is a caller error."""
    thresholds = np.asarray(tiou_thresholds, dtype=np.float64).reshape(-1)
    if thresholds.size == 0 or not np.all((thresholds >= 0) & (thresholds <= 1)):
        raise EvaluationInputError(f"tiou_thresholds: expected values in [0, 1], got {thresholds.tolist()}")
    return thresholds


def interpolated_average_precision(*, precision: np.ndarray, recall: np.ndarray) -> float:
    """VOC 2011 interpolated AP, as ``interpolated_prec_rec`` in the official ``Evaluation/utils.py``.

    Precision is made monotone from the right, then summed over the points where recall changes. Same operations
    in the same order as the official loop, so the same float comes out.
    """
    padded_precision = np.hstack([[0.0], precision, [0.0]])
    padded_recall = np.hstack([[0.0], recall, [1.0]])
    padded_precision = np.maximum.accumulate(padded_precision[::-1])[::-1]
    changes = np.flatnonzero(padded_recall[1:] != padded_recall[:-1]) + 1
    return float(np.sum((padded_recall[changes] - padded_recall[changes - 1]) * padded_precision[changes]))


def _match_true_positives(
    *,
    pred_video: np.ndarray,
    pred_label: np.ndarray,
    pred_segments: np.ndarray,
    gt_video: np.ndarray,
    gt_label: np.ndarray,
    gt_segments: np.ndarray,
    thresholds: np.ndarray,
) -> np.ndarray:
    """``tp[t, i]``: prediction ``i`` (already in per-class score order) is a true positive at threshold ``t``.

    Precondition: predictions are sorted so that, within each (class, video), earlier means matched first.
    """
    n_thresholds, n_pred = len(thresholds), len(pred_video)
    true_positive = np.zeros((n_thresholds, n_pred), dtype=bool)
    if n_pred == 0 or len(gt_video) == 0:
        return true_positive
    n_videos = int(max(pred_video.max(), gt_video.max())) + 1
    gt_key = gt_label * n_videos + gt_video
    gt_order = np.argsort(gt_key, kind="stable")  # within a group: file order, as the official `this_gt`
    group_keys, group_start, group_size = np.unique(gt_key[gt_order], return_index=True, return_counts=True)

    pred_key = pred_label * n_videos + pred_video
    group = np.minimum(np.searchsorted(group_keys, pred_key), len(group_keys) - 1)
    candidates = np.flatnonzero(group_keys[group] == pred_key)  # the rest have no ground truth: false positives
    # A prediction below the lowest threshold with every instance of its group is a false positive at every threshold
    # and locks nothing, so it cannot change later matches: drop it before the sequential part (often most of them).
    best_tiou = np.zeros(len(candidates))
    candidate_width = group_size[group[candidates]]
    for m in np.unique(candidate_width).tolist():
        rows = np.flatnonzero(candidate_width == m)
        chosen = candidates[rows]
        gts = gt_order[group_start[group[chosen]][:, None] + np.arange(m)]
        best_tiou[rows] = tiou_broadcast(
            target_start=pred_segments[chosen, 0][:, None],
            target_end=pred_segments[chosen, 1][:, None],
            candidate_start=gt_segments[gts, 0],
            candidate_end=gt_segments[gts, 1],
        ).max(axis=1)
    candidates = candidates[best_tiou >= thresholds.min()]
    if candidates.size == 0:
        return true_positive
    # Rank of each candidate within its (class, video) group, keeping score order.
    by_group = candidates[np.argsort(pred_key[candidates], kind="stable")]
    sorted_keys = pred_key[by_group]
    run_start = np.flatnonzero(np.r_[True, sorted_keys[1:] != sorted_keys[:-1]])
    run_length = np.diff(np.r_[run_start, len(by_group)])
    rank = np.arange(len(by_group)) - np.repeat(run_start, run_length)
    width = group_size[group[by_group]]
    # Blocks of equal (rank, group size): all groups advance one prediction per rank, no padding needed.
    block_order = np.lexsort((width, rank))
    ordered, ordered_rank, ordered_width = by_group[block_order], rank[block_order], width[block_order]
    block_start = np.flatnonzero(
        np.r_[True, (ordered_rank[1:] != ordered_rank[:-1]) | (ordered_width[1:] != ordered_width[:-1])]
    )
    block_end = np.r_[block_start[1:], len(ordered)]

    locked = np.zeros((n_thresholds, len(gt_video)), dtype=bool)
    for start, end in zip(block_start.tolist(), block_end.tolist(), strict=True):
        m = int(ordered_width[start])
        step = max(1, _BLOCK_ELEMENTS // (m * n_thresholds))
        for chunk_start in range(start, end, step):
            chosen = ordered[chunk_start : min(end, chunk_start + step)]
            # (k, m), each row in reverse file order: argmax then takes the later instance among equal tIoUs.
            gts = gt_order[group_start[group[chosen]][:, None] + np.arange(m - 1, -1, -1)]
            tiou = tiou_broadcast(
                target_start=pred_segments[chosen, 0][:, None],
                target_end=pred_segments[chosen, 1][:, None],
                candidate_start=gt_segments[gts, 0],
                candidate_end=gt_segments[gts, 1],
            )
            open_hit = (tiou[None] >= thresholds[:, None, None]) & ~locked[:, gts]  # (T, k, m)
            best = np.where(open_hit, tiou[None], -np.inf).argmax(axis=2)  # highest tIoU among open instances
            hit = open_hit.any(axis=2)
            true_positive[:, chosen] = hit
            t_index, k_index = np.nonzero(hit)
            locked[t_index, gts[k_index, best[t_index, k_index]]] = True
    return true_positive


def average_precision_by_class(
    *,
    gt_video: np.ndarray,
    gt_label: np.ndarray,
    gt_segments: np.ndarray,
    pred_video: np.ndarray,
    pred_label: np.ndarray,
    pred_segments: np.ndarray,
    pred_scores: np.ndarray,
    n_classes: int,
    tiou_thresholds: ArrayLike = DEFAULT_TIOU_THRESHOLDS,
) -> np.ndarray:
    """AP table ``(T, n_classes)`` from flat arrays (labels are class indices in ``[0, n_classes)``).

    Arrays must be in file order, which decides score ties. A class without predictions has AP 0, as in the
    official code; classes are those of ``[0, n_classes)``, i.e. the caller's ground-truth classes.
    """
    thresholds = checked_thresholds(tiou_thresholds=tiou_thresholds)
    ap = np.zeros((len(thresholds), n_classes))
    if len(pred_video) == 0:
        return ap
    # Official: per class, prediction['score'].values.argsort()[::-1]. A stable ascending sort reversed gives
    # classes in descending order, scores descending, and equal scores later-in-file first.
    order = np.lexsort((pred_scores, pred_label))[::-1]
    label_sorted = pred_label[order]
    true_positive = _match_true_positives(
        pred_video=pred_video[order],
        pred_label=label_sorted,
        pred_segments=pred_segments[order],
        gt_video=gt_video,
        gt_label=gt_label,
        gt_segments=gt_segments,
        thresholds=thresholds,
    )
    positives = np.bincount(gt_label, minlength=n_classes)
    run_start = np.flatnonzero(np.r_[True, label_sorted[1:] != label_sorted[:-1]])
    run_end = np.r_[run_start[1:], len(label_sorted)]
    for start, end in zip(run_start.tolist(), run_end.tolist(), strict=True):
        label = int(label_sorted[start])
        tp_cumsum = np.cumsum(true_positive[:, start:end], axis=1, dtype=np.int64)
        fp_cumsum = np.arange(1, end - start + 1) - tp_cumsum
        # Official: float cumsums; recall = tp / npos, precision = tp / (tp + fp). Integer counts are exact floats.
        tp_float = tp_cumsum.astype(np.float64)
        recall = tp_float / float(positives[label])
        precision = tp_float / (tp_float + fp_cumsum.astype(np.float64))
        for t in range(len(thresholds)):
            ap[t, label] = interpolated_average_precision(precision=precision[t], recall=recall[t])
    return ap


def detection_map(
    *,
    ground_truth: Mapping[str, Any],
    predictions: Mapping[str, Any],
    subset: str | None = None,
    tiou_thresholds: ArrayLike = DEFAULT_TIOU_THRESHOLDS,
    ignore_unknown_videos: bool = False,
) -> DetectionResult:
    """ActivityNet detection mAP of ``predictions`` against the ``subset`` of ``ground_truth`` (None: all videos).

    Predictions on videos outside the evaluated ground truth are false positives of their class, as in the official
    code (it keeps every prediction and finds no ground truth for them); ``ignore_unknown_videos=True`` drops them
    instead, which is what one wants when a prediction file covers several subsets.
    """
    thresholds = checked_thresholds(tiou_thresholds=tiou_thresholds)
    gt = read_ground_truth(ground_truth=ground_truth, subset=subset)
    pred = read_predictions(predictions=predictions, ground_truth=gt, with_label=True)
    known_label = pred.label >= 0
    outside = pred.video >= len(gt.video_ids)
    kept = known_label & ~outside if ignore_unknown_videos else known_label
    n_classes = len(gt.labels)
    ap = average_precision_by_class(
        gt_video=gt.video,
        gt_label=gt.label,
        gt_segments=gt.segments,
        pred_video=pred.video[kept],
        pred_label=pred.label[kept],
        pred_segments=pred.segments[kept],
        pred_scores=pred.scores[kept],
        n_classes=n_classes,
        tiou_thresholds=thresholds,
    )
    map_per_threshold = ap.mean(axis=1)
    return DetectionResult(
        tiou_thresholds=thresholds,
        labels=gt.labels,
        average_precision=ap,
        map_per_threshold=map_per_threshold,
        average_map=float(map_per_threshold.mean()),
        ground_truth_per_class=np.bincount(gt.label, minlength=n_classes),
        predictions_per_class=np.bincount(pred.label[kept], minlength=n_classes),
        predictions_unknown_label=int(np.count_nonzero(~known_label)),
        predictions_outside_ground_truth=int(np.count_nonzero(outside)),
        videos_outside_ground_truth=pred.n_outside_videos,
        ignored_outside_predictions=ignore_unknown_videos,
    )
