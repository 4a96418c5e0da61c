"""ActivityNet temporal proposal evaluation: average recall vs average number of proposals per video (AR@AN), AUC.

Method: ``average_recall_vs_avg_nr_proposals`` and ``ANETproposal.evaluate`` of the ActivityNet Challenge evaluation
code (activitynet/ActivityNet, ``Evaluation/eval_proposal.py``; the AR@AN metric of Escorcia et al., "DAPs: Deep Action
Proposals for Action Understanding", ECCV 2016). With a budget of ``max_avg_nr_proposals`` per video:

* ``ratio = budget * n_videos / n_proposals`` and each video keeps its ``min(int(n * ratio), n)`` best-scored proposals
  (``n_videos`` counts annotated videos; ``n_proposals`` counts every proposal in the file, including those on
  videos outside the ground truth, exactly as the official code does);
* at 100 fractions ``pcn = (1..100) / 100 * budget * n_videos / kept_total`` each video uses its first
  ``min(int(kept * pcn), kept)`` proposals, and a ground-truth instance is recalled at a threshold when any of them
  reaches it in tIoU (no one-to-one matching);
* recall per threshold is recalled / all instances, AR its mean over thresholds, AN ``= pcn * kept_total / n_videos``;
* AUC is ``100 * trapz(AR, AN) / AN[-1]``, the percentage the official script prints (67.10 for BMN).

Vectorised form: per instance, the highest tIoU over its video's first ``j`` proposals only grows with ``j``; as a
threshold "level" (how many thresholds it reaches, an integer) its running maximum is exact, and the recall at every
cut-off is a gather from it. Ties in score are pinned as in ``detection.py`` (later-in-file first).

Edge cases the official code divides by zero on are defined here: no proposal kept at all gives recall 0 everywhere
and the nominal AN axis ``(1..100) / 100 * budget``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from workers.evaluation.detection import DEFAULT_TIOU_THRESHOLDS, checked_thresholds
from workers.evaluation.layout import EvaluationInputError, read_ground_truth, read_predictions
from workers.evaluation.tiou import tiou_broadcast

# Instance/proposal pairs handled per chunk (bounds memory: ~10 arrays of this length).
_CHUNK_PAIRS = 2_000_000


@dataclass(frozen=True)
class ProposalResult:
    """The AR@AN curve (100 points) with its per-threshold recall, and the official AUC."""

    tiou_thresholds: np.ndarray  # (T,)
    max_avg_nr_proposals: float
    average_nr_proposals: np.ndarray  # (100,) AN axis
    recall: np.ndarray  # (T, 100)
    average_recall: np.ndarray  # (100,) = recall.mean(axis=0)
    area_under_curve: float  # trapz(average_recall, average_nr_proposals)
    auc: float  # 100 * area_under_curve / average_nr_proposals[-1], as the official script prints
    videos: int  # annotated videos evaluated
    ground_truth_instances: int
    proposals_kept: int  # after the per-video budget
    proposals_outside_ground_truth: int
    ignored_outside_proposals: bool


def average_recall_vs_avg_nr_proposals(
    *,
    gt_video: np.ndarray,
    gt_segments: np.ndarray,
    proposal_video: np.ndarray,
    proposal_segments: np.ndarray,
    proposal_scores: np.ndarray,
    max_avg_nr_proposals: float | None = 100,
    tiou_thresholds: ArrayLike = DEFAULT_TIOU_THRESHOLDS,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """``(recall (T, 100), average_recall (100,), proposals_per_video (100,), kept_total)`` from flat arrays.

    Arrays are in file order. Proposals whose video has no ground-truth instance still count in the ratio (as in
    the official code, which divides by ``proposals.shape[0]``) but are never evaluated. ``max_avg_nr_proposals``
    None (or 0) means "all proposals", as the official ``if not max_avg_nr_proposals``.
    """
    thresholds = checked_thresholds(tiou_thresholds=tiou_thresholds)
    videos = np.unique(gt_video)
    n_videos, n_instances, n_all = len(videos), len(gt_video), len(proposal_video)
    if n_videos == 0:
        raise EvaluationInputError("database: no annotations to evaluate proposals against")
    if not max_avg_nr_proposals:
        max_avg_nr_proposals = float(n_all) / n_videos
    fractions = np.arange(1, 101) / 100.0
    no_recall = np.zeros((len(thresholds), len(fractions)))
    if n_all == 0:
        return no_recall, no_recall.mean(axis=0), fractions * max_avg_nr_proposals, 0
    ratio = max_avg_nr_proposals * float(n_videos) / n_all

    # Proposals of annotated videos grouped by video, each run by ascending score (stable: ties in file order).
    # Read from the end, a run is the official `argsort()[::-1]` order: best first, equal scores later-in-file first.
    ascending = np.lexsort((proposal_scores, proposal_video))
    slot = np.searchsorted(videos, proposal_video[ascending])
    on_annotated = videos[np.minimum(slot, n_videos - 1)] == proposal_video[ascending]
    ascending, slot = ascending[on_annotated], slot[on_annotated]
    available = np.bincount(slot, minlength=n_videos)
    run_end = np.cumsum(available) - 1  # position of each video's best proposal in `ascending`
    kept = np.minimum((available * ratio).astype(np.int64), available)
    kept_total = int(kept.sum())
    if kept_total == 0:
        return no_recall, no_recall.mean(axis=0), fractions * max_avg_nr_proposals, 0

    pcn = fractions * (max_avg_nr_proposals * float(n_videos) / kept_total)
    # Official `score.shape[1]`: the kept proposals, or 1 for a video without proposals (a column of zeros).
    columns = np.where(available > 0, kept, 1)
    cutoff = np.minimum((columns[:, None] * pcn[None, :]).astype(np.int64), columns[:, None])  # (V, 100)
    cutoff[available == 0] = 0  # that zero column recalls nothing

    sorted_thresholds = np.sort(thresholds)
    need_level = np.searchsorted(sorted_thresholds, thresholds, side="left")  # hit at t  <=>  level > need_level[t]
    recalled = np.zeros((len(thresholds), len(fractions)), dtype=np.int64)
    instance_slot = np.searchsorted(videos, gt_video)
    pairs_per_instance = kept[instance_slot]
    for first, last in _instance_chunks(pairs_per_instance=pairs_per_instance):
        instance = np.arange(first, last)
        n_pairs = pairs_per_instance[first:last]
        if n_pairs.sum() == 0:
            continue
        first_pair = np.cumsum(n_pairs) - n_pairs
        pair_instance = np.repeat(np.arange(len(instance)), n_pairs)
        pair_rank = np.arange(pair_instance.size) - first_pair[pair_instance]
        proposal = ascending[run_end[instance_slot[instance[pair_instance]]] - pair_rank]
        gt = instance[pair_instance]
        tiou = tiou_broadcast(
            target_start=proposal_segments[proposal, 0],
            target_end=proposal_segments[proposal, 1],
            candidate_start=gt_segments[gt, 0],
            candidate_end=gt_segments[gt, 1],
        )
        level = np.searchsorted(sorted_thresholds, tiou, side="right")  # how many thresholds this pair reaches
        # Running maximum within each instance's run, exact on integers: lift each run above all earlier ones.
        lift = pair_instance * (len(thresholds) + 1)
        best_level = np.maximum.accumulate(level + lift) - lift
        cut = cutoff[instance_slot[instance]]  # (k, 100); cut <= n_pairs of its row
        reached = np.where(cut > 0, best_level[np.maximum(first_pair[:, None] + cut - 1, 0)], 0)
        for t, needed in enumerate(need_level.tolist()):
            recalled[t] += np.count_nonzero(reached > needed, axis=0)
    # Official: matches.sum(axis=0) / positives.sum(); both are sums of integers, exact in float64.
    recall = recalled.astype(np.float64) / float(n_instances)
    average_recall = recall.mean(axis=0)
    proposals_per_video = pcn * (float(kept_total) / n_videos)
    return recall, average_recall, proposals_per_video, kept_total


def _instance_chunks(*, pairs_per_instance: np.ndarray) -> list[tuple[int, int]]:
    """Consecutive ``(first, last)`` instance ranges holding about ``_CHUNK_PAIRS`` instance/proposal pairs each."""
    chunk_id = (np.cumsum(pairs_per_instance) - pairs_per_instance) // _CHUNK_PAIRS
    edges = np.r_[np.flatnonzero(np.r_[True, chunk_id[1:] != chunk_id[:-1]]), len(pairs_per_instance)]
    return list(zip(edges[:-1].tolist(), edges[1:].tolist(), strict=True))


def proposal_recall(
    *,
    ground_truth: Mapping[str, Any],
    proposals: Mapping[str, Any],
    subset: str | None = None,
    max_avg_nr_proposals: float | None = 100,
    tiou_thresholds: ArrayLike = DEFAULT_TIOU_THRESHOLDS,
    ignore_unknown_videos: bool = False,
) -> ProposalResult:
    """AR@AN curve and AUC of ``proposals`` (``results`` layout, labels optional) against ``ground_truth``'s ``subset``.

    Labels are ignored, as in the official proposal task. With ``ignore_unknown_videos=True`` proposals on videos
    outside the evaluated subset are dropped before the budget ratio is computed; by default they count in it, as
    officially (which shrinks every video's share of the budget).
    """
    thresholds = checked_thresholds(tiou_thresholds=tiou_thresholds)
    gt = read_ground_truth(ground_truth=ground_truth, subset=subset)
    pred = read_predictions(predictions=proposals, ground_truth=gt, with_label=False)
    outside = pred.video >= len(gt.video_ids)
    kept = ~outside if ignore_unknown_videos else np.ones(len(pred.video), dtype=bool)
    budget = max_avg_nr_proposals or float(np.count_nonzero(kept)) / len(np.unique(gt.video))
    recall, average_recall, proposals_per_video, kept_total = average_recall_vs_avg_nr_proposals(
        gt_video=gt.video,
        gt_segments=gt.segments,
        proposal_video=pred.video[kept],
        proposal_segments=pred.segments[kept],
        proposal_scores=pred.scores[kept],
        max_avg_nr_proposals=budget,
        tiou_thresholds=thresholds,
    )
    area = float(np.trapezoid(average_recall, proposals_per_video))
    return ProposalResult(
        tiou_thresholds=thresholds,
        max_avg_nr_proposals=float(budget),
        average_nr_proposals=proposals_per_video,
        recall=recall,
        average_recall=average_recall,
        area_under_curve=area,
        auc=100.0 * area / float(proposals_per_video[-1]) if proposals_per_video[-1] > 0 else 0.0,
        videos=len(np.unique(gt.video)),
        ground_truth_instances=len(gt.video),
        proposals_kept=kept_total,
        proposals_outside_ground_truth=int(np.count_nonzero(outside)),
        ignored_outside_proposals=ignore_unknown_videos,
    )
