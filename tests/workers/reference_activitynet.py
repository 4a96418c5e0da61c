"""A plain per-class, per-prediction port of the official ActivityNet evaluation, kept as the yardstick.

It follows activitynet/ActivityNet ``Evaluation/eval_detection.py`` (``_import_ground_truth``, ``_import_prediction``,
``wrapper_compute_average_precision``, ``compute_average_precision_detection``), ``Evaluation/eval_proposal.py``
(``average_recall_vs_avg_nr_proposals``, ``evaluate``) and ``Evaluation/utils.py`` (``segment_iou``,
``wrapper_segment_iou``, ``interpolated_prec_rec``) loop for loop, with pandas data frames replaced by lists (the
project does not install pandas) and Python 3 spelling. The vectorised code in ``workers/evaluation`` is tested and
benchmarked against it, so it stays deliberately naive.

Where the official code is unspecified or crashes, this port makes the same choices as ``workers/evaluation``:

* score (and tIoU) ties: the official ``argsort()[::-1]`` uses NumPy's unstable default sort; here the sort is stable,
  i.e. the official order whenever its sort happens to be stable (equal values: later first);
* prediction labels that are not ground-truth classes are skipped (official: KeyError);
* ``ignore_unknown_videos=True`` drops predictions on videos outside the ground truth (official: they are kept);
* no proposals at all returns zero recall (official: ZeroDivisionError).

Zero-length segment pairs keep the official NaN tIoU here; the tests do not generate them.
"""

from __future__ import annotations

from typing import Any

import numpy as np

TIOU_THRESHOLDS = np.linspace(0.5, 0.95, 10)


def segment_iou(target_segment: np.ndarray, candidate_segments: np.ndarray) -> np.ndarray:
    tt1 = np.maximum(target_segment[0], candidate_segments[:, 0])
    tt2 = np.minimum(target_segment[1], candidate_segments[:, 1])
    segments_intersection = (tt2 - tt1).clip(0)
    segments_union = (
        (candidate_segments[:, 1] - candidate_segments[:, 0])
        + (target_segment[1] - target_segment[0])
        - segments_intersection
    )
    with np.errstate(invalid="ignore"):
        return segments_intersection.astype(float) / segments_union


def wrapper_segment_iou(target_segments: np.ndarray, candidate_segments: np.ndarray) -> np.ndarray:
    n, m = candidate_segments.shape[0], target_segments.shape[0]
    tiou = np.empty((n, m))
    for i in range(m):
        tiou[:, i] = segment_iou(target_segments[i, :], candidate_segments)
    return tiou


def interpolated_prec_rec(prec: np.ndarray, rec: np.ndarray) -> float:
    mprec = np.hstack([[0], prec, [0]])
    mrec = np.hstack([[0], rec, [1]])
    for i in range(len(mprec) - 1)[::-1]:
        mprec[i] = max(mprec[i], mprec[i + 1])
    idx = np.where(mrec[1::] != mrec[0:-1])[0] + 1
    return float(np.sum((mrec[idx] - mrec[idx - 1]) * mprec[idx]))


def descending(values: np.ndarray) -> np.ndarray:
    """The official ``values.argsort()[::-1]`` with the sort made stable."""
    return np.argsort(values, kind="stable")[::-1]


def import_ground_truth(data: dict[str, Any], subset: str | None) -> tuple[list[tuple], dict[str, int], set[str]]:
    activity_index: dict[str, int] = {}
    rows: list[tuple] = []
    videos: set[str] = set()
    for videoid, v in data["database"].items():
        if subset is not None and subset != v["subset"]:
            continue
        videos.add(videoid)
        for ann in v["annotations"]:
            if ann["label"] not in activity_index:
                activity_index[ann["label"]] = len(activity_index)
            rows.append((videoid, float(ann["segment"][0]), float(ann["segment"][1]), activity_index[ann["label"]]))
    return rows, activity_index, videos


def import_prediction(
    data: dict[str, Any], activity_index: dict[str, int] | None, keep_videos: set[str] | None
) -> list[tuple]:
    rows: list[tuple] = []
    for videoid, v in data["results"].items():
        if keep_videos is not None and videoid not in keep_videos:
            continue
        for result in v:
            label = -1
            if activity_index is not None:
                if result["label"] not in activity_index:
                    continue
                label = activity_index[result["label"]]
            rows.append(
                (videoid, float(result["segment"][0]), float(result["segment"][1]), label, float(result["score"]))
            )
    return rows


def compute_average_precision_detection(
    ground_truth: list[tuple], prediction: list[tuple], tiou_thresholds: np.ndarray
) -> np.ndarray:
    """``ground_truth``: [(video, start, end, ...)] of one class; ``prediction``: [(video, start, end, _, score)]."""
    ap = np.zeros(len(tiou_thresholds))
    if not prediction:
        return ap
    npos = float(len(ground_truth))
    lock_gt = np.ones((len(tiou_thresholds), len(ground_truth))) * -1
    sort_idx = descending(np.array([row[4] for row in prediction]))
    prediction = [prediction[i] for i in sort_idx]
    tp = np.zeros((len(tiou_thresholds), len(prediction)))
    fp = np.zeros((len(tiou_thresholds), len(prediction)))

    # ground_truth.groupby('video-id'): per video, its rows (positions in the class table) in order.
    ground_truth_gbvn: dict[str, list[int]] = {}
    for index, row in enumerate(ground_truth):
        ground_truth_gbvn.setdefault(row[0], []).append(index)
    segments_gbvn = {
        video: np.array([[ground_truth[i][1], ground_truth[i][2]] for i in rows])
        for video, rows in ground_truth_gbvn.items()
    }

    for idx, this_pred in enumerate(prediction):
        if this_pred[0] not in ground_truth_gbvn:
            fp[:, idx] = 1
            continue
        this_gt_index = ground_truth_gbvn[this_pred[0]]
        tiou_arr = segment_iou(np.array([this_pred[1], this_pred[2]]), segments_gbvn[this_pred[0]])
        tiou_sorted_idx = descending(tiou_arr)
        for tidx, tiou_thr in enumerate(tiou_thresholds):
            for jdx in tiou_sorted_idx:
                if tiou_arr[jdx] < tiou_thr:
                    fp[tidx, idx] = 1
                    break
                if lock_gt[tidx, this_gt_index[jdx]] >= 0:
                    continue
                tp[tidx, idx] = 1
                lock_gt[tidx, this_gt_index[jdx]] = idx
                break
            if fp[tidx, idx] == 0 and tp[tidx, idx] == 0:
                fp[tidx, idx] = 1

    tp_cumsum = np.cumsum(tp, axis=1).astype(float)
    fp_cumsum = np.cumsum(fp, axis=1).astype(float)
    recall_cumsum = tp_cumsum / npos
    precision_cumsum = tp_cumsum / (tp_cumsum + fp_cumsum)
    for tidx in range(len(tiou_thresholds)):
        ap[tidx] = interpolated_prec_rec(precision_cumsum[tidx, :], recall_cumsum[tidx, :])
    return ap


def detection_map(
    ground_truth: dict[str, Any],
    predictions: dict[str, Any],
    subset: str | None = None,
    tiou_thresholds: np.ndarray = TIOU_THRESHOLDS,
    ignore_unknown_videos: bool = False,
) -> dict[str, Any]:
    """``ANETdetection(...).evaluate()``: AP table (T, C), mAP per threshold and their mean."""
    gt_rows, activity_index, videos = import_ground_truth(ground_truth, subset)
    pred_rows = import_prediction(predictions, activity_index, videos if ignore_unknown_videos else None)
    gt_by_label: dict[int, list[tuple]] = {}
    for row in gt_rows:
        gt_by_label.setdefault(row[3], []).append(row)
    pred_by_label: dict[int, list[tuple]] = {}
    for row in pred_rows:
        pred_by_label.setdefault(row[3], []).append(row)
    ap = np.zeros((len(tiou_thresholds), len(activity_index)))
    for cidx in activity_index.values():
        ap[:, cidx] = compute_average_precision_detection(
            gt_by_label[cidx], pred_by_label.get(cidx, []), tiou_thresholds
        )
    mean_ap = ap.mean(axis=1)
    return {"labels": list(activity_index), "ap": ap, "map": mean_ap, "average_map": float(mean_ap.mean())}


def average_recall_vs_avg_nr_proposals(
    ground_truth: list[tuple],
    proposals: list[tuple],
    max_avg_nr_proposals: float | None = None,
    tiou_thresholds: np.ndarray = TIOU_THRESHOLDS,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    video_lst = list(dict.fromkeys(row[0] for row in ground_truth))  # ground_truth['video-id'].unique()
    if not max_avg_nr_proposals:
        max_avg_nr_proposals = float(len(proposals)) / len(video_lst)
    if not proposals:
        zeros = np.zeros((len(tiou_thresholds), 100))
        return zeros, zeros.mean(axis=0), np.arange(1, 101) / 100.0 * max_avg_nr_proposals
    ratio = max_avg_nr_proposals * float(len(video_lst)) / len(proposals)
    ground_truth_gbvn: dict[str, list[tuple]] = {}
    for row in ground_truth:
        ground_truth_gbvn.setdefault(row[0], []).append(row)
    proposals_gbvn: dict[str, list[tuple]] = {}
    for row in proposals:
        proposals_gbvn.setdefault(row[0], []).append(row)

    score_lst = []
    total_nr_proposals = 0
    for videoid in video_lst:
        this_video_ground_truth = np.array([[row[1], row[2]] for row in ground_truth_gbvn[videoid]])
        if videoid not in proposals_gbvn:
            score_lst.append(np.zeros((this_video_ground_truth.shape[0], 1)))
            continue
        rows = proposals_gbvn[videoid]
        this_video_proposals = np.array([[row[1], row[2]] for row in rows])
        sort_idx = descending(np.array([row[4] for row in rows]))
        this_video_proposals = this_video_proposals[sort_idx, :]
        nr_proposals = np.minimum(int(this_video_proposals.shape[0] * ratio), this_video_proposals.shape[0])
        total_nr_proposals += nr_proposals
        this_video_proposals = this_video_proposals[:nr_proposals, :]
        score_lst.append(wrapper_segment_iou(this_video_proposals, this_video_ground_truth))

    if total_nr_proposals == 0:
        zeros = np.zeros((len(tiou_thresholds), 100))
        return zeros, zeros.mean(axis=0), np.arange(1, 101) / 100.0 * max_avg_nr_proposals
    pcn_lst = np.arange(1, 101) / 100.0 * (max_avg_nr_proposals * float(len(video_lst)) / total_nr_proposals)
    matches = np.empty((len(video_lst), pcn_lst.shape[0]))
    positives = np.empty(len(video_lst))
    recall = np.empty((tiou_thresholds.shape[0], pcn_lst.shape[0]))
    for ridx, tiou in enumerate(tiou_thresholds):
        for i, score in enumerate(score_lst):
            positives[i] = score.shape[0]
            true_positives_tiou = score >= tiou
            pcn_proposals = np.minimum((score.shape[1] * pcn_lst).astype(int), score.shape[1])
            for j, nr_proposals in enumerate(pcn_proposals):
                matches[i, j] = np.count_nonzero((true_positives_tiou[:, :nr_proposals]).sum(axis=1))
        recall[ridx, :] = matches.sum(axis=0) / positives.sum()
    avg_recall = recall.mean(axis=0)
    proposals_per_video = pcn_lst * (float(total_nr_proposals) / len(video_lst))
    return recall, avg_recall, proposals_per_video


def proposal_auc(
    ground_truth: dict[str, Any],
    proposals: dict[str, Any],
    subset: str | None = None,
    max_avg_nr_proposals: float | None = 100,
    tiou_thresholds: np.ndarray = TIOU_THRESHOLDS,
    ignore_unknown_videos: bool = False,
) -> dict[str, Any]:
    """``ANETproposal(...).evaluate()``: recall (T, 100), AR, AN and the printed AUC percentage."""
    gt_rows, _, videos = import_ground_truth(ground_truth, subset)
    proposal_rows = import_prediction(proposals, None, videos if ignore_unknown_videos else None)
    recall, avg_recall, proposals_per_video = average_recall_vs_avg_nr_proposals(
        gt_rows, proposal_rows, max_avg_nr_proposals, tiou_thresholds
    )
    area_under_curve = np.trapezoid(avg_recall, proposals_per_video)
    return {
        "recall": recall,
        "average_recall": avg_recall,
        "average_nr_proposals": proposals_per_video,
        "auc": 100.0 * float(area_under_curve) / proposals_per_video[-1],
    }
