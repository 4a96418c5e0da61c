"""Temporal segment evaluation: ActivityNet detection mAP, proposal AR@AN/AUC, annotator-vs-gold matching.

Hand-computed cases spell out their arithmetic. AP is the VOC 2011 interpolated AP of the official code:
AP = sum over recall steps of (recall step) * (max precision at or after that step).
The ten official thresholds are 0.50, 0.55, ..., 0.95; crafted tIoUs stay clear of them (0.62, not 0.6).
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from tests.workers import reference_activitynet as reference
from workers.evaluation import (
    EvaluationInputError,
    detection_map,
    evaluate_files,
    format_table,
    match_segments,
    pairwise_tiou,
    proposal_recall,
    segment_tiou,
)

Annotation = tuple[str, float, float]  # label, start, end
Prediction = tuple[str, float, float, float]  # label, start, end, score


def ground_truth(videos: dict[str, list[Annotation]], *, subset: str = "validation") -> dict:
    return {
        "database": {
            video: {
                "subset": subset,
                "duration": "120.0",  # a string, as HACS Segments writes it
                "annotations": [{"label": label, "segment": [start, end]} for label, start, end in annotations],
            }
            for video, annotations in videos.items()
        }
    }


def predictions(videos: dict[str, list[Prediction]]) -> dict:
    return {
        "results": {
            video: [{"label": label, "segment": [start, end], "score": score} for label, start, end, score in items]
            for video, items in videos.items()
        }
    }


def ap_of(result, label: str) -> np.ndarray:
    return result.average_precision[:, result.labels.index(label)]


# --- tIoU --------------------------------------------------------------------------------------------------------


def test_segment_tiou_of_overlapping_disjoint_and_nested_segments():
    tiou = segment_tiou(segment=[0, 10], candidates=[[5, 15], [20, 30], [2, 4], [0, 10]])

    # [0,10] vs [5,15]: 5 / (10 + 10 - 5) = 1/3; disjoint: 0; [2,4] inside: 2 / 10; identical: 1.
    np.testing.assert_allclose(tiou, [1 / 3, 0.0, 0.2, 1.0])


def test_pairwise_tiou_rows_equal_one_vs_many():
    segments = np.array([[0.0, 10.0], [3.0, 7.5], [9.0, 12.0]])
    candidates = np.array([[1.0, 4.0], [0.0, 10.0], [8.0, 20.0], [11.0, 11.5]])

    matrix = pairwise_tiou(segments=segments, candidates=candidates)

    assert matrix.shape == (3, 4)
    for row, segment in enumerate(segments):
        np.testing.assert_array_equal(matrix[row], segment_tiou(segment=segment, candidates=candidates))


def test_two_zero_length_segments_have_tiou_zero_not_nan():
    assert segment_tiou(segment=[5, 5], candidates=[[5, 5], [1, 9]]).tolist() == [0.0, 0.0]


# --- detection mAP: crafted cases --------------------------------------------------------------------------------


def test_ground_truth_against_itself_scores_one_at_every_threshold():
    videos = {
        "v1": [("jump", 0, 10), ("run", 12, 30), ("jump", 40, 41.5)],
        "v2": [("run", 5, 6), ("swim", 0, 100)],
        "v3": [("swim", 3, 9), ("swim", 8, 20)],
    }
    as_predictions = {video: [(*annotation, 1.0) for annotation in items] for video, items in videos.items()}

    result = detection_map(ground_truth=ground_truth(videos), predictions=predictions(as_predictions))

    assert result.labels == ("jump", "run", "swim")
    np.testing.assert_array_equal(result.map_per_threshold, np.ones(10))
    assert result.average_map == 1.0


def test_partial_overlap_counts_only_at_thresholds_up_to_its_tiou():
    gt = ground_truth({"v1": [("jump", 0, 10)], "v2": [("jump", 20, 30)]})
    # p1 on v1: [0, 8.2] -> tIoU 8.2/10 = 0.82; p2 on v2: [20, 26.2] -> tIoU 6.2/10 = 0.62.
    preds = predictions({"v1": [("jump", 0, 8.2, 0.9)], "v2": [("jump", 20, 26.2, 0.8)]})

    result = detection_map(ground_truth=gt, predictions=preds)

    # 0.50-0.60: TP, TP -> precision 1, 1; recall .5, 1 -> AP = .5*1 + .5*1 = 1
    # 0.65-0.80: TP, FP -> precision 1, .5; recall .5, .5 -> AP = .5*1 = .5
    # 0.85-0.95: FP, FP -> AP = 0
    expected = [1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.5, 0.0, 0.0, 0.0]
    np.testing.assert_allclose(result.map_per_threshold, expected)
    # average = (3*1 + 4*.5 + 3*0) / 10 = .5
    assert result.average_map == pytest.approx(0.5)


def test_ranking_the_weaker_prediction_first_lowers_ap():
    gt = ground_truth({"v1": [("jump", 0, 10)], "v2": [("jump", 20, 30)]})
    # Same segments as above, scores swapped: the 0.62-tIoU prediction now ranks first.
    preds = predictions({"v1": [("jump", 0, 8.2, 0.8)], "v2": [("jump", 20, 26.2, 0.9)]})

    result = detection_map(ground_truth=gt, predictions=preds)

    # 0.65-0.80: FP, TP -> precision 0, .5; recall 0, .5
    #   interpolated precision at the recall step (.5) is .5 -> AP = .5*.5 = .25 (was .5 with the better order)
    expected = [1.0, 1.0, 1.0, 0.25, 0.25, 0.25, 0.25, 0.0, 0.0, 0.0]
    np.testing.assert_allclose(result.map_per_threshold, expected)


def test_duplicate_detection_is_a_false_positive():
    gt = ground_truth({"v1": [("jump", 0, 10)], "v2": [("jump", 0, 10)]})
    preds = predictions(
        {"v1": [("jump", 0, 10, 0.9), ("jump", 0, 10, 0.8)], "v2": [("jump", 0, 10, 0.7)]}  # 0.8 duplicates 0.9
    )

    result = detection_map(ground_truth=gt, predictions=preds)

    # TP, FP (duplicate), TP -> precision 1, .5, 2/3; recall .5, .5, 1
    # interpolated: step .5 at max(1, .5, 2/3) = 1, step .5 at 2/3 -> AP = .5 + .5*2/3 = 5/6 at every threshold
    np.testing.assert_allclose(result.map_per_threshold, np.full(10, 5 / 6))


def test_prediction_takes_the_unmatched_ground_truth_of_highest_tiou():
    gt = ground_truth({"v1": [("jump", 0, 10), ("jump", 1, 11)]})
    # p1 [0,10]: tIoU 1.0 with g1, 9/11 = .818 with g2 -> takes g1.
    # p2 [0,10]: g1 taken -> takes g2 at tIoU .818 where the threshold allows it.
    preds = predictions({"v1": [("jump", 0, 10, 0.9), ("jump", 0, 10, 0.8)]})

    result = detection_map(ground_truth=gt, predictions=preds)

    # 0.50-0.80: TP, TP -> AP 1;  0.85-0.95: TP, FP -> precision 1, .5; recall .5, .5 -> AP .5
    expected = [1.0] * 7 + [0.5] * 3
    np.testing.assert_allclose(result.map_per_threshold, expected)


def test_equal_tiou_with_two_instances_takes_the_later_instance():
    gt = ground_truth({"v1": [("jump", 0, 10), ("jump", 2, 12)]})
    # p1 [1,11]: 9/11 = .818 with both g1 and g2 -> the official order (stable sort, reversed) tries g2 first.
    # p2 [0,9]: .9 with g1, 7/12 = .583 with g2 -> g1 is still open for it.
    preds = predictions({"v1": [("jump", 1, 11, 0.9), ("jump", 0, 9, 0.8)]})

    result = detection_map(ground_truth=gt, predictions=preds)

    # 0.50-0.80: TP (g2), TP (g1) -> AP 1.  (Taking g1 for p1 would leave p2 only g2 at .583: AP .5 from 0.60 on.)
    # 0.85, 0.90: FP (.818 too low), TP (g1 at .9) -> precision 0, .5; recall 0, .5 -> AP .5*.5 = .25.  0.95: 0.
    np.testing.assert_allclose(result.map_per_threshold, [1.0] * 7 + [0.25, 0.25, 0.0])


def test_wrong_label_is_a_false_positive_and_a_class_without_predictions_scores_zero():
    gt = ground_truth({"v1": [("jump", 0, 10)], "v2": [("run", 0, 10)]})
    preds = predictions(
        {
            "v1": [("run", 0, 10, 0.9), ("dance", 0, 10, 0.95)],  # right place, wrong class; "dance" is no class
            "v2": [("run", 0, 10, 0.8)],
        }
    )

    result = detection_map(ground_truth=gt, predictions=preds)

    # run: FP (v1), TP (v2) -> precision 0, .5; recall 0, 1 -> AP = 1*.5 = .5
    # jump: no prediction -> AP 0;  mAP = (0 + .5) / 2 = .25 at every threshold
    np.testing.assert_allclose(ap_of(result, "run"), np.full(10, 0.5))
    np.testing.assert_allclose(ap_of(result, "jump"), np.zeros(10))
    np.testing.assert_allclose(result.map_per_threshold, np.full(10, 0.25))
    assert result.predictions_unknown_label == 1  # "dance" is ignored, not an error


def test_video_without_ground_truth_gives_false_positives_and_video_without_predictions_lowers_recall():
    gt = ground_truth({"v1": [("jump", 0, 10)], "v2": [("jump", 0, 10)], "v3": []})  # v3: subset video, no action
    preds = predictions({"v1": [("jump", 0, 10, 0.9)], "v3": [("jump", 0, 10, 0.8)]})  # nothing for v2

    result = detection_map(ground_truth=gt, predictions=preds)

    # TP (v1), FP (v3) -> precision 1, .5; recall .5, .5 (v2 never found) -> AP = .5*1 = .5
    np.testing.assert_allclose(result.map_per_threshold, np.full(10, 0.5))
    assert result.predictions_outside_ground_truth == 0  # v3 belongs to the subset


def test_predictions_outside_the_subset_are_false_positives_as_officially_unless_ignored():
    gt = ground_truth({"v1": [("jump", 0, 10)], "v2": [("jump", 0, 10)]})
    gt["database"]["t1"] = {"subset": "training", "annotations": [{"label": "jump", "segment": [0, 10]}]}
    preds = predictions(
        {
            "t1": [("jump", 0, 10, 0.95)],  # a training video: not part of the validation ground truth
            "v1": [("jump", 0, 10, 0.9)],
            "zz": [("jump", 0, 10, 0.1)],  # a video in no subset at all
        }
    )

    official = detection_map(ground_truth=gt, predictions=preds, subset="validation")
    ignoring = detection_map(ground_truth=gt, predictions=preds, subset="validation", ignore_unknown_videos=True)

    # Official: FP (t1), TP (v1), FP (zz) -> precision 0, .5, 1/3; recall 0, .5, .5 -> AP = .5*.5 = .25
    np.testing.assert_allclose(official.map_per_threshold, np.full(10, 0.25))
    # Ignored: TP (v1) -> precision 1; recall .5 (npos 2: t1's instance is not counted) -> AP .5
    np.testing.assert_allclose(ignoring.map_per_threshold, np.full(10, 0.5))
    assert official.predictions_outside_ground_truth == ignoring.predictions_outside_ground_truth == 2
    assert official.videos_outside_ground_truth == 2


def test_subset_none_evaluates_every_video():
    gt = ground_truth({"v1": [("jump", 0, 10)]})
    gt["database"]["t1"] = {"subset": "training", "annotations": [{"label": "jump", "segment": [0, 10]}]}
    preds = predictions({"v1": [("jump", 0, 10, 0.9)], "t1": [("jump", 0, 10, 0.8)]})

    result = detection_map(ground_truth=gt, predictions=preds, subset=None)

    assert result.average_map == 1.0  # both instances found; with subset="validation" t1 would be a FP


def test_equal_scores_rank_the_later_prediction_first():
    gt = ground_truth({"v1": [("jump", 0, 10)]})
    # Same score: the official argsort()[::-1] order (when its sort is stable) puts the later one, the miss, first.
    preds = predictions({"v1": [("jump", 0, 10, 0.5), ("jump", 50, 60, 0.5)]})

    result = detection_map(ground_truth=gt, predictions=preds)

    # FP, TP -> precision 0, .5; recall 0, 1 -> AP = .5 (it would be 1.0 with the hit first)
    np.testing.assert_allclose(result.map_per_threshold, np.full(10, 0.5))


# --- detection and proposals against the per-class loop reference -------------------------------------------------


def random_case(seed: int, *, n_videos: int = 120, n_classes: int = 25) -> tuple[dict, dict]:
    """Coarse integer segments and one-decimal scores, so tIoU ties and score ties are frequent."""
    rng = np.random.default_rng(seed)
    database: dict = {}
    results: dict = {}
    for index in range(n_videos):
        video = f"video_{index}"
        subset = "validation" if rng.random() < 0.8 else "training"
        annotations = []
        for _ in range(rng.integers(0, 6)):
            start = float(rng.integers(0, 60))
            end = start + float(rng.integers(1, 25))
            annotations.append({"label": f"c{rng.integers(n_classes)}", "segment": [start, end]})
        database[video] = {"subset": subset, "duration": 100.0, "annotations": annotations}
        items = []
        for _ in range(rng.integers(0, 40)):
            start = float(rng.integers(0, 60))
            items.append(
                {
                    "label": f"c{rng.integers(n_classes + 3)}",  # a few labels that are no class
                    "segment": [start, start + float(rng.integers(1, 25))],
                    "score": round(float(rng.random()), 1),
                }
            )
        results[video] = items
    for index in range(4):  # videos the ground truth does not know
        results[f"stray_{index}"] = [{"label": "c1", "segment": [0.0, 9.0], "score": 0.5}]
    return {"database": database}, {"results": results}


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("ignore_unknown_videos", [False, True])
def test_vectorised_detection_equals_the_per_class_loop(seed: int, ignore_unknown_videos: bool):
    gt, preds = random_case(seed)

    fast = detection_map(
        ground_truth=gt, predictions=preds, subset="validation", ignore_unknown_videos=ignore_unknown_videos
    )
    slow = reference.detection_map(gt, preds, "validation", ignore_unknown_videos=ignore_unknown_videos)

    assert list(fast.labels) == slow["labels"]
    np.testing.assert_allclose(fast.average_precision, slow["ap"], rtol=0, atol=1e-9)
    np.testing.assert_allclose(fast.map_per_threshold, slow["map"], rtol=0, atol=1e-9)
    assert fast.average_map == pytest.approx(slow["average_map"], abs=1e-9)
    assert 0 < fast.average_map < 1  # a case where something is at stake


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("budget", [100, 7, 1, None])
def test_vectorised_proposals_equal_the_loop(seed: int, budget: float | None):
    gt, preds = random_case(seed)
    ignore = seed % 2 == 1

    fast = proposal_recall(
        ground_truth=gt, proposals=preds, subset="validation", max_avg_nr_proposals=budget, ignore_unknown_videos=ignore
    )
    slow = reference.proposal_auc(gt, preds, "validation", budget, ignore_unknown_videos=ignore)

    np.testing.assert_allclose(fast.recall, slow["recall"], rtol=0, atol=1e-9)
    np.testing.assert_allclose(fast.average_nr_proposals, slow["average_nr_proposals"], rtol=0, atol=1e-9)
    assert fast.auc == pytest.approx(slow["auc"], abs=1e-9)


# --- proposals: crafted ------------------------------------------------------------------------------------------


def test_proposal_average_recall_and_auc_on_a_crafted_case():
    gt = ground_truth({"v1": [("x", 0, 10)], "v2": [("x", 0, 10), ("x", 20, 30)]})
    proposals = {
        "results": {
            "v1": [{"segment": [0, 10], "score": 0.9}, {"segment": [50, 60], "score": 0.8}],
            "v2": [{"segment": [20, 30], "score": 0.9}, {"segment": [0, 6.2], "score": 0.8}],  # 2nd: tIoU .62
        }
    }

    result = proposal_recall(ground_truth=gt, proposals=proposals, max_avg_nr_proposals=2)

    # budget 2, 2 videos, 4 proposals -> ratio 2*2/4 = 1, all 4 kept; pcn_j = (j+1)/100 * (2*2/4) = (j+1)/100
    # each video uses int(2 * pcn_j) proposals: 0 for j+1 < 50, 1 for 50 <= j+1 < 100, 2 at j+1 = 100.
    # 1 proposal: v1 [0,10] and v2 [20,30] recall 2 of 3 instances at every threshold -> AR 2/3
    # 2 proposals: + v2 [0,10] at tIoU .62 for thresholds .50, .55, .60 -> AR = (3*1 + 7*2/3) / 10 = 23/30
    expected = np.r_[np.zeros(49), np.full(50, 2 / 3), 23 / 30]
    np.testing.assert_allclose(result.average_recall, expected)
    # AN_j = pcn_j * 4/2 = (j+1)/50
    np.testing.assert_allclose(result.average_nr_proposals, np.arange(1, 101) / 50)
    # trapezoids of width .02: (0 + 2/3)/2 + 49 * 2/3 + (2/3 + 23/30)/2 = 1/3 + 98/3 + 43/60 = 33.7166...
    area = 0.02 * (1 / 3 + 98 / 3 + 43 / 60)
    assert result.area_under_curve == pytest.approx(area)
    assert result.auc == pytest.approx(100 * area / 2.0)  # official: 100 * area / AN[-1] = 33.716...%


def test_proposal_budget_keeps_only_the_best_proposals_per_video():
    gt = ground_truth({"v1": [("x", 0, 10)], "v2": [("x", 20, 30)]})
    proposals = {
        "results": {
            "v1": [{"segment": [50, 60], "score": 0.9}, {"segment": [0, 10], "score": 0.1}],
            "v2": [{"segment": [20, 30], "score": 0.9}, {"segment": [70, 80], "score": 0.2}],
        }
    }

    result = proposal_recall(ground_truth=gt, proposals=proposals, max_avg_nr_proposals=1)

    # ratio = 1*2/4 = .5 -> each video keeps int(2*.5) = 1 proposal, its best: v1's miss and v2's hit.
    # Only at j+1 = 100 does int(1 * pcn) reach 1: recall 1/2 there, 0 before.
    assert result.proposals_kept == 2
    np.testing.assert_allclose(result.average_recall, np.r_[np.zeros(99), 0.5])


# --- annotator vs gold matching ----------------------------------------------------------------------------------


def test_match_counts_precision_recall_f1_and_mean_tiou():
    annotator = [(0, 10), (20, 30), (40, 50)]
    gold = [(0, 8), (22, 30), (60, 70), (80, 90)]

    agreement = match_segments(annotator=annotator, gold=gold)

    # (0,10)-(0,8): 8/10 = .8; (20,30)-(22,30): 8/10 = .8; (40,50) overlaps nothing.
    assert (agreement.matched, agreement.annotator_segments, agreement.gold_segments) == (2, 3, 4)
    assert agreement.precision == pytest.approx(2 / 3)
    assert agreement.recall == pytest.approx(2 / 4)
    assert agreement.f1 == pytest.approx(2 * (2 / 3) * 0.5 / (2 / 3 + 0.5))  # 4/7
    assert agreement.mean_tiou == pytest.approx(0.8)


def test_match_is_one_to_one_and_takes_the_highest_tiou_first():
    # One long annotator segment over two gold segments, and a short one equal to the second gold segment.
    annotator = [(0, 20), (10, 20)]
    gold = [(0, 10), (10, 20)]

    agreement = match_segments(annotator=annotator, gold=gold)

    # tIoUs: a0-g0 .5, a0-g1 .5, a1-g1 1.0 -> a1-g1 first; then a0-g0 (.5, counts: >= .5). One-to-one: 2 pairs.
    assert [(a, g) for a, g, _ in agreement.pairs] == [(1, 1), (0, 0)]
    assert agreement.mean_tiou == pytest.approx(0.75)
    assert agreement.precision == agreement.recall == agreement.f1 == 1.0


def test_a_gold_segment_is_matched_at_most_once():
    # Two annotator segments over the same gold segment: tIoU 1.0 and .9 -> only the first is a match.
    agreement = match_segments(annotator=[(0, 10), (1, 10)], gold=[(0, 10)])

    assert [(a, g) for a, g, _ in agreement.pairs] == [(0, 0)]
    assert (agreement.precision, agreement.recall) == (0.5, 1.0)
    assert agreement.f1 == pytest.approx(2 / 3)  # 2 * .5 * 1 / 1.5


def test_match_below_threshold_is_no_match():
    agreement = match_segments(annotator=[(0, 10)], gold=[(5, 15)])  # tIoU 1/3

    assert agreement.matched == 0
    assert (agreement.precision, agreement.recall, agreement.f1, agreement.mean_tiou) == (0.0, 0.0, 0.0, 0.0)


def test_match_empty_lists():
    both_empty = match_segments(annotator=[], gold=[])
    nothing_marked = match_segments(annotator=[], gold=[(0, 5)])
    nothing_to_mark = match_segments(annotator=[(0, 5)], gold=[])

    assert (both_empty.precision, both_empty.recall, both_empty.f1, both_empty.mean_tiou) == (1.0, 1.0, 1.0, 1.0)
    assert (nothing_marked.precision, nothing_marked.recall, nothing_marked.f1) == (0.0, 0.0, 0.0)
    assert (nothing_to_mark.precision, nothing_to_mark.recall, nothing_to_mark.f1) == (0.0, 0.0, 0.0)


def test_match_rejects_a_reversed_segment():
    with pytest.raises(EvaluationInputError, match=r"gold\[1\]"):
        match_segments(annotator=[(0, 5)], gold=[(0, 5), (9, 3)])


# --- layout checks -----------------------------------------------------------------------------------------------


def test_bad_prediction_segment_error_names_its_path():
    gt = ground_truth({"vid1": [("jump", 0, 10)]})
    preds = predictions({"vid1": [("jump", 0, 1, 0.1)] * 3})
    preds["results"]["vid1"].append({"label": "jump", "segment": [1, "x"], "score": 0.5})

    expected = r'^results\["vid1"\]\[3\]\.segment: expected \[start, end\] numbers'
    with pytest.raises(EvaluationInputError, match=expected):
        detection_map(ground_truth=gt, predictions=preds)


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda gt, p: gt.pop("database"), r'^ground_truth: missing "database"'),
        (lambda gt, p: p.pop("results"), r'^predictions: missing "results"'),
        (lambda gt, p: gt["database"]["v1"]["annotations"][0].update(segment=[5, 1]), r"\[0\]\.segment: end 1"),
        (lambda gt, p: gt["database"]["v1"].update(duration="long"), r'database\["v1"\]\.duration: expected a number'),
        (lambda gt, p: p["results"]["v1"][0].update(score=None), r'results\["v1"\]\[0\]\.score: expected a number'),
        (lambda gt, p: p["results"]["v1"][0].pop("label"), r'results\["v1"\]\[0\]: missing "label"'),
        (lambda gt, p: p["results"].update(v1={"a": 1}), r'results\["v1"\]: expected a list'),
        (lambda gt, p: p["results"]["v1"][0].update(segment=[0, float("nan")]), r"segment: expected a finite"),
    ],
)
def test_layout_errors_name_the_bad_element(mutate, message):
    gt = ground_truth({"v1": [("jump", 0, 10)]})
    preds = predictions({"v1": [("jump", 0, 10, 0.9)]})
    mutate(gt, preds)

    with pytest.raises(EvaluationInputError, match=message):
        detection_map(ground_truth=gt, predictions=preds)


def test_unknown_subset_is_an_error_listing_the_subsets():
    gt = ground_truth({"v1": [("jump", 0, 10)]})

    expected = r'no videos with subset "validaton" \(subsets present: validation\)'
    with pytest.raises(EvaluationInputError, match=expected):
        detection_map(ground_truth=gt, predictions=predictions({}), subset="validaton")


def test_numeric_strings_read_like_numbers():
    gt = ground_truth({"v1": [("jump", 0, 10)]})
    as_numbers = predictions({"v1": [("jump", 0, 8.2, 0.9), ("jump", 1, 3, 0.4)]})
    as_strings = json.loads(json.dumps(as_numbers))
    as_strings["results"]["v1"][0].update(segment=["0", "8.2"], score="0.9")

    numbers = detection_map(ground_truth=gt, predictions=as_numbers)
    strings = detection_map(ground_truth=gt, predictions=as_strings)

    np.testing.assert_array_equal(numbers.average_precision, strings.average_precision)


# --- report ------------------------------------------------------------------------------------------------------


def test_evaluate_files_detection_is_json_ready_and_prints():
    gt = ground_truth({"v1": [("jump", 0, 10)], "v2": [("jump", 20, 30)]})
    preds = predictions({"v1": [("jump", 0, 8.2, 0.9)], "v2": [("jump", 20, 26.2, 0.8)]})

    result = evaluate_files(ground_truth=gt, predictions=preds, proposals=False, subset="validation")
    table = format_table(result)

    assert json.loads(json.dumps(result)) == result
    assert result["map"]["0.50"] == 1.0 and result["map"]["0.70"] == 0.5 and result["map"]["0.90"] == 0.0
    assert result["average_map"] == pytest.approx(0.5)
    assert result["per_class"]["jump"]["ground_truth"] == 2
    assert "average     50.00" in table and "jump" in table


def test_evaluate_files_proposals_reports_ar_at_100_and_auc():
    gt = ground_truth({"v1": [("x", 0, 10)], "v2": [("x", 20, 30)]})
    proposals = {"results": {"v1": [{"segment": [0, 10], "score": 1.0}], "v2": [{"segment": [0, 5], "score": 1.0}]}}

    result = evaluate_files(ground_truth=gt, predictions=proposals, proposals=True, subset=None)

    # budget 100 but 1 proposal per video: every cut-off from AN=1 on uses it (v1 hit, v2 miss) -> AR .5 throughout
    assert json.loads(json.dumps(result)) == result
    assert result["ar_at_100"] == 0.5 and result["ar_at"]["1"] == 0.5
    # ratio = 100*2/2 = 100 keeps each video's one proposal; pcn_j = (j+1)/100 * 100*2/2 = j+1 -> AN_j = j+1
    # AUC = 100 * trapz(.5 over AN 1..100) / AN[-1] = 100 * (99 * .5) / 100 = 49.5
    assert result["auc"] == pytest.approx(49.5)
    assert "AUC" in format_table(result)
