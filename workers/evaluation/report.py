"""One entry point for evaluation jobs and the CLI: JSON-ready results and a printable table.

A Celery task (or a management command) loads the two JSON files, calls ``evaluate_files`` and stores the returned
dict as is; ``format_table`` renders the same dict for a terminal or a log. Bad layouts raise
``EvaluationInputError`` (a ``ValueError``) whose message starts with the path of the bad element.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from workers.evaluation.detection import DEFAULT_TIOU_THRESHOLDS, checked_thresholds, detection_map
from workers.evaluation.layout import EvaluationInputError
from workers.evaluation.proposals import proposal_recall

__all__ = ["EvaluationInputError", "evaluate_files", "format_table", "parse_tiou_thresholds"]

# THUMOS'14 reports mAP at tIoU 0.1 … 0.5 (ActionFormer's THUMOS config evaluates 0.3 … 0.7); ActivityNet 0.5:0.95.
THUMOS14_TIOU = "0.1,0.2,0.3,0.4,0.5"

# The AR@AN points leaderboards quote (BMN, BSN report AR@1, 5, 10, 100 on ActivityNet 1.3).
_REPORTED_AN = (1, 5, 10, 100)


def _threshold_key(threshold: float) -> str:
    """ "0.50" for the usual two-decimal thresholds; more digits only when two decimals would lose the value."""
    two = f"{threshold:.2f}"
    return two if abs(float(two) - threshold) < 1e-9 else f"{threshold:.6g}"


def parse_tiou_thresholds(text: str) -> np.ndarray:
    """tIoU thresholds from ``start:stop:step`` (both ends included) or a comma list ``0.1,0.2,0.3``.

    A range is made as the official default is, ``np.linspace(start, stop, n)``, so ``0.5:0.95:0.05`` gives exactly
    ``DEFAULT_TIOU_THRESHOLDS``. A comma list keeps its order; a threshold given twice is refused.
    """
    text = text.strip()
    try:
        if ":" in text:
            parts = [float(p) for p in text.split(":")]
            if len(parts) != 3:
                raise ValueError
            start, stop, step = parts
            if not all(math.isfinite(v) for v in parts) or step <= 0 or stop < start:
                raise ValueError
            steps = (stop - start) / step
            if abs(steps - round(steps)) > 1e-6:
                raise EvaluationInputError(f"tiou: {text!r}: the step does not divide stop - start")
            thresholds = np.linspace(start, stop, round(steps) + 1)
        else:
            thresholds = np.array([float(p) for p in text.split(",")])
    except ValueError as exc:
        if isinstance(exc, EvaluationInputError):
            raise
        raise EvaluationInputError(
            f"tiou: expected start:stop:step (e.g. 0.5:0.95:0.05) or a comma list (e.g. {THUMOS14_TIOU}), got {text!r}"
        ) from None
    thresholds = checked_thresholds(tiou_thresholds=thresholds)
    keys = [_threshold_key(t) for t in thresholds.tolist()]
    if len(set(keys)) != len(keys):
        raise EvaluationInputError(f"tiou: a threshold is given twice in {text!r}")
    return thresholds


def evaluate_files(
    *,
    ground_truth: dict,
    predictions: dict,
    proposals: bool,
    subset: str | None,
    ignore_unknown_videos: bool = False,
    tiou_thresholds: ArrayLike = DEFAULT_TIOU_THRESHOLDS,
) -> dict:
    """Detection mAP (``proposals=False``) or proposal AR@AN/AUC (``proposals=True``) as a JSON-serialisable dict.

    ``ignore_unknown_videos`` drops predictions on videos outside the evaluated subset; the default keeps them
    (false positives / part of the proposal budget), which is what the official ActivityNet code does.
    ``tiou_thresholds``: ActivityNet's 0.50:0.05:0.95 by default (``parse_tiou_thresholds`` reads others, e.g.
    THUMOS'14's 0.1 … 0.5); mAP (or recall) is reported at each, and the average over them.
    """
    report = _proposal_report if proposals else _detection_report
    return report(
        ground_truth=ground_truth,
        predictions=predictions,
        subset=subset,
        ignore=ignore_unknown_videos,
        thresholds=tiou_thresholds,
    )


def _detection_report(
    *, ground_truth: dict, predictions: dict, subset: str | None, ignore: bool, thresholds: ArrayLike
) -> dict:
    result = detection_map(
        ground_truth=ground_truth,
        predictions=predictions,
        subset=subset,
        tiou_thresholds=thresholds,
        ignore_unknown_videos=ignore,
    )
    keys = [_threshold_key(t) for t in result.tiou_thresholds.tolist()]
    per_class = {
        label: {
            "ap": dict(zip(keys, result.average_precision[:, index].tolist(), strict=True)),
            "average_ap": float(result.average_precision[:, index].mean()),
            "ground_truth": int(result.ground_truth_per_class[index]),
            "predictions": int(result.predictions_per_class[index]),
        }
        for index, label in enumerate(result.labels)
    }
    return {
        "task": "detection",
        "subset": subset,
        "tiou_thresholds": result.tiou_thresholds.tolist(),
        "map": dict(zip(keys, result.map_per_threshold.tolist(), strict=True)),
        "average_map": result.average_map,
        "per_class": per_class,
        "counts": {
            "classes": len(result.labels),
            "ground_truth_instances": int(result.ground_truth_per_class.sum()),
            "predictions_evaluated": int(result.predictions_per_class.sum()),
            "predictions_unknown_label": result.predictions_unknown_label,
            "predictions_outside_ground_truth": result.predictions_outside_ground_truth,
            "videos_outside_ground_truth": result.videos_outside_ground_truth,
            "outside_predictions_ignored": result.ignored_outside_predictions,
        },
    }


def _proposal_report(
    *, ground_truth: dict, predictions: dict, subset: str | None, ignore: bool, thresholds: ArrayLike
) -> dict:
    result = proposal_recall(
        ground_truth=ground_truth,
        proposals=predictions,
        subset=subset,
        max_avg_nr_proposals=100,
        tiou_thresholds=thresholds,
        ignore_unknown_videos=ignore,
    )
    # With a budget of 100, curve point j sits at AN = j + 1 (official pcn_lst = (1..100) / 100 * budget).
    ar_at = {str(an): float(result.average_recall[an - 1]) for an in _REPORTED_AN}
    keys = [_threshold_key(t) for t in result.tiou_thresholds.tolist()]
    return {
        "task": "proposals",
        "subset": subset,
        "tiou_thresholds": result.tiou_thresholds.tolist(),
        "max_avg_nr_proposals": result.max_avg_nr_proposals,
        "curve": {
            "average_nr_proposals": result.average_nr_proposals.tolist(),
            "average_recall": result.average_recall.tolist(),
        },
        "recall_at_100": dict(zip(keys, result.recall[:, -1].tolist(), strict=True)),
        "ar_at": ar_at,
        "ar_at_100": ar_at["100"],
        "auc": result.auc,
        "counts": {
            "videos": result.videos,
            "ground_truth_instances": result.ground_truth_instances,
            "proposals_kept": result.proposals_kept,
            "proposals_outside_ground_truth": result.proposals_outside_ground_truth,
            "outside_proposals_ignored": result.ignored_outside_proposals,
        },
    }


def format_table(result: dict) -> str:
    """Plain-text table of an ``evaluate_files`` result (percentages, as the official scripts print)."""
    task = result.get("task")
    subset = result.get("subset") or "all videos"
    if task == "detection":
        lines = [f"ActivityNet detection, subset: {subset}", f"{'tIoU':>8}  {'mAP %':>8}"]
        lines += [f"{key:>8}  {100 * value:8.2f}" for key, value in result["map"].items()]
        lines.append(f"{'average':>8}  {100 * result['average_map']:8.2f}")
        width = max([len("class"), *(len(label) for label in result["per_class"])])
        lines += ["", f"{'class':<{width}}  {'avg AP %':>8}  {'gt':>6}  {'pred':>8}"]
        for label, row in sorted(result["per_class"].items()):
            ap = 100 * row["average_ap"]
            lines.append(f"{label:<{width}}  {ap:8.2f}  {row['ground_truth']:6d}  {row['predictions']:8d}")
        lines += ["", _counts_line(result["counts"])]
        return "\n".join(lines)
    if task == "proposals":
        lines = [f"ActivityNet proposals, subset: {subset}", f"{'metric':>8}  {'%':>8}"]
        lines += [f"{'AR@' + key:>8}  {100 * value:8.2f}" for key, value in result["ar_at"].items()]
        lines.append(f"{'AUC':>8}  {result['auc']:8.2f}")
        lines += ["", _counts_line(result["counts"])]
        return "\n".join(lines)
    raise EvaluationInputError(f'result.task: expected "detection" or "proposals", got {task!r}')


def _counts_line(counts: dict[str, Any]) -> str:
    return ", ".join(f"{key.replace('_', ' ')}: {value}" for key, value in counts.items())
