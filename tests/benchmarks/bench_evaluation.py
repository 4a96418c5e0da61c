"""Benchmark: vectorised ActivityNet detection mAP against the per-class Python loop (issue 3).

    python tests/benchmarks/bench_evaluation.py [--videos N] [--reference-videos M] [--seed S]

Generates an ActivityNet-layout ground truth of N videos x 3 segments over 200 classes and 100 scored predictions per
video (mostly near a ground-truth segment and of one of the video's classes, as a detector's output looks), then
times ``workers.evaluation.detection_map`` and ``tests/workers/reference_activitynet.detection_map`` on the same
input in the same run, prints both times and the ratio, and asserts that the AP tables agree to 1e-9.

With ``--reference-videos M`` (< N) the loop runs on the first M videos only, and so does a second vectorised run
for the equality check; the full-size loop time is then an extrapolation (linear in predictions) and printed as such.
Not collected by pytest (only test_*.py files are).
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # run as a script from anywhere

from tests.workers import reference_activitynet as reference  # noqa: E402
from workers.evaluation.detection import detection_map  # noqa: E402

N_CLASSES = 200
GT_PER_VIDEO = 3
PREDICTIONS_PER_VIDEO = 100


def generate(*, n_videos: int, seed: int) -> tuple[dict, dict]:
    """Ground truth and predictions in the ActivityNet JSON layout (plain Python floats and strings)."""
    rng = np.random.default_rng(seed)
    labels = [f"class_{index:03d}" for index in range(N_CLASSES)]
    duration = rng.uniform(30, 300, n_videos)
    # Ground truth: the video's main class, sometimes a second one.
    main_class = rng.integers(N_CLASSES, size=n_videos)
    gt_class = np.where(rng.random((n_videos, GT_PER_VIDEO)) < 0.8, main_class[:, None], rng.integers(N_CLASSES))
    gt_length = duration[:, None] * rng.uniform(0.05, 0.3, (n_videos, GT_PER_VIDEO))
    gt_start = rng.uniform(0, 1, (n_videos, GT_PER_VIDEO)) * (duration[:, None] - gt_length)
    gt_end = gt_start + gt_length
    # Predictions: 70% around a ground-truth segment (jittered), 30% anywhere; 80% of them with a class of the video.
    shape = (n_videos, PREDICTIONS_PER_VIDEO)
    anchor = rng.integers(GT_PER_VIDEO, size=shape)
    rows = np.arange(n_videos)[:, None]
    near = rng.random(shape) < 0.7
    a_start, a_end = gt_start[rows, anchor], gt_end[rows, anchor]
    length = a_end - a_start
    jitter_start = a_start + rng.normal(0, 0.15, shape) * length
    jitter_end = a_end + rng.normal(0, 0.15, shape) * length
    free_length = duration[:, None] * rng.uniform(0.02, 0.5, shape)
    free_start = rng.uniform(0, 1, shape) * (duration[:, None] - free_length)
    p_start = np.where(near, jitter_start, free_start)
    p_end = np.where(near, jitter_end, free_start + free_length)
    p_start, p_end = np.minimum(p_start, p_end - 0.1), np.maximum(p_end, p_start + 0.1)
    p_class = np.where(rng.random(shape) < 0.8, gt_class[rows, anchor], rng.integers(N_CLASSES, size=shape))
    p_score = rng.random(shape)

    database = {}
    results = {}
    for v in range(n_videos):
        video_id = f"v_{v:07d}"
        database[video_id] = {
            "subset": "validation",
            "duration": f"{duration[v]:.2f}",  # HACS writes durations as strings
            "annotations": [
                {"label": labels[c], "segment": [s, e]}
                for c, s, e in zip(gt_class[v].tolist(), gt_start[v].tolist(), gt_end[v].tolist(), strict=True)
            ],
        }
        results[video_id] = [
            {"label": labels[c], "segment": [s, e], "score": score}
            for c, s, e, score in zip(
                p_class[v].tolist(), p_start[v].tolist(), p_end[v].tolist(), p_score[v].tolist(), strict=True
            )
        ]
    return {"database": database}, {"results": results}


def first_videos(ground_truth: dict, predictions: dict, count: int) -> tuple[dict, dict]:
    keep = list(ground_truth["database"])[:count]
    return (
        {"database": {video: ground_truth["database"][video] for video in keep}},
        {"results": {video: predictions["results"][video] for video in keep}},
    )


def timed(function, **kwargs):
    start = time.perf_counter()
    value = function(**kwargs)
    return value, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--videos", type=int, default=50_000)
    parser.add_argument("--reference-videos", type=int, default=None, help="run the loop on the first M videos only")
    parser.add_argument("--seed", type=int, default=3)
    args = parser.parse_args()
    reference_videos = min(args.reference_videos or args.videos, args.videos)

    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"NumPy {np.__version__}"
    )
    (ground_truth, predictions), generate_seconds = timed(generate, n_videos=args.videos, seed=args.seed)
    n_predictions = args.videos * PREDICTIONS_PER_VIDEO
    print(
        f"data: {args.videos} videos, {args.videos * GT_PER_VIDEO} ground-truth segments, {N_CLASSES} classes, "
        f"{n_predictions} predictions (generated in {generate_seconds:.1f} s, not timed below)"
    )

    fast, fast_seconds = timed(detection_map, ground_truth=ground_truth, predictions=predictions)
    print(f"{'vectorised detection_map, full data:':<46}{fast_seconds:8.2f} s   average mAP {fast.average_map:.6f}")

    if reference_videos == args.videos:
        gt_part, pred_part, fast_part = ground_truth, predictions, fast
    else:
        gt_part, pred_part = first_videos(ground_truth, predictions, reference_videos)
        fast_part, part_seconds = timed(detection_map, ground_truth=gt_part, predictions=pred_part)
        print(f"{f'vectorised detection_map, {reference_videos} videos:':<46}{part_seconds:8.2f} s")
    slow, slow_seconds = timed(
        reference.detection_map, ground_truth=gt_part, predictions=pred_part, subset="validation"
    )
    label = "full data" if reference_videos == args.videos else f"{reference_videos} videos"
    print(f"{f'per-class loop reference, {label}:':<46}{slow_seconds:8.2f} s   average mAP {slow['average_map']:.6f}")

    assert list(fast_part.labels) == slow["labels"]
    difference = float(np.abs(fast_part.average_precision - slow["ap"]).max())
    assert difference <= 1e-9, difference
    print(f"agreement: max |AP difference| = {difference:.3g} over {len(slow['labels'])} classes x 10 thresholds")

    if reference_videos == args.videos:
        print(f"speed-up (loop / vectorised), same data: {slow_seconds / fast_seconds:.1f}x")
    else:
        extrapolated = slow_seconds * args.videos / reference_videos
        print(
            f"loop time EXTRAPOLATED to {args.videos} videos (x{args.videos / reference_videos:g}, linear): "
            f"{extrapolated:.1f} s"
        )
        print(
            f"speed-up on the measured part: {slow_seconds / part_seconds:.1f}x; "
            f"against the extrapolated full loop: {extrapolated / fast_seconds:.1f}x (extrapolated)"
        )


if __name__ == "__main__":
    main()
