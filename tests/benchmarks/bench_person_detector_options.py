"""Ways to lift the SSDLite person detector's recall on the real-frame set, measured (issue 12, items 1-2).

For every frame of ``workers/detection/real_evalset.py`` and each detection size (short side 256 as the pipeline
scores today, and 384 / 512 as if the two person-check frames per shot were decoded larger; never above the source's
own short side, never below 256), the person score of every view the network could be run on: the whole frame, it
mirrored, the four 60 % corner tiles (the default's), and a 3×3 grid of 45 % tiles. Combinations are then scored
at the fixed threshold 0.5, at a threshold chosen on one half of the set and reported on the other (both ways), and
at the best threshold chosen on the whole set (an upper bound, optimistic by construction).

Run from the repository root (heavy: about 3,400 network runs; niced):
    nice -n 10 .venv/bin/python -m tests.benchmarks.bench_person_detector_options [--no-write] [--sides 256 ...]
Writes the section between the markers in docs/benchmarks_models.md unless ``--no-write``.
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from workers.detection.base import PERSON_SCORE_THRESHOLD, shot_sample_indices
from workers.detection.real_evalset import MANIFEST, OPENCV_EXAMPLES, PIPELINE_SHORT_SIDE, Item, _load_sources

DOC = Path(__file__).resolve().parents[2] / "docs" / "benchmarks_models.md"
BEGIN = "<!-- bench_options: begin -->"
END = "<!-- bench_options: end -->"
SIDES = (256, 384, 512)
FINE_FRACTION = 0.45
GRID = ("g0", "g1", "g2", "g3")
FINE = tuple(f"n{i}" for i in range(9))
COMBOS: dict[str, tuple[str, ...]] = {
    "whole frame": ("whole",),
    "whole + mirrored": ("whole", "flip"),
    "whole + mirrored + 4 corner tiles (the default's views)": ("whole", "flip", *GRID),
    "whole + 4 corner tiles": ("whole", *GRID),
    "whole + 3×3 tiles of 45 %": ("whole", *FINE),
    "whole + mirrored + 4 corner + 3×3 tiles": ("whole", "flip", *GRID, *FINE),
}
GOAL = 0.95
VTEST = OPENCV_EXAMPLES / "data" / "vtest.avi"
VIDEO_FPS = 2.0  # workers.mining.ANALYSIS_FPS
PSEUDO_SHOT_SECONDS = 5.0
VIDEO_VIEWS = ("whole", "flip", *GRID)


@dataclass
class Result:
    side: int
    combo: str
    recall: float
    precision: float
    missed: list[str]
    false_alarms: list[str]
    split_recall: float
    split_precision: float
    split_thresholds: tuple[float, float]
    best: tuple[float, float, float] | None  # (threshold, recall, precision) on the whole set, precision ≥ GOAL
    runs: int
    ms_per_frame: float
    video: str  # vtest frames ≥ 0.5, lowest score, 5-s pieces kept (256 and the views it was run on only)


def _views(frame: np.ndarray) -> dict[str, np.ndarray]:
    from workers.detection.ssdlite import grid_crops

    height, width = frame.shape[:2]
    views = {"whole": frame, "flip": np.ascontiguousarray(frame[:, ::-1])}
    for name, (top, left, h, w) in zip(GRID, grid_crops(height, width), strict=True):
        views[name] = frame[top : top + h, left : left + w]
    th, tw = round(height * FINE_FRACTION), round(width * FINE_FRACTION)
    boxes = [(t, left) for t in (0, (height - th) // 2, height - th) for left in (0, (width - tw) // 2, width - tw)]
    for name, (top, left) in zip(FINE, boxes, strict=True):
        views[name] = frame[top : top + th, left : left + tw]
    return views


def view_scores(sides: tuple[int, ...]) -> tuple[dict[int, dict[str, dict[str, float]]], dict[int, float]]:
    """Per detection size, per item, per view: the person score; and the measured ms of one view's network run."""
    from workers.detection.ssdlite import SSDLitePersonDetector, _sigmoid
    from workers.media.frames import resize_short_side

    detector = SSDLitePersonDetector()
    sources = _load_sources(MANIFEST)
    scores: dict[int, dict[str, dict[str, float]]] = {}
    ms_per_run: dict[int, float] = {}
    for side in sides:
        scores[side] = {}
        seconds, runs = 0.0, 0
        for item in MANIFEST:
            image = sources[item.source]
            if item.crop is not None:
                y0, y1, x0, x1 = item.crop
                image = image[y0:y1, x0:x1]
            used = max(PIPELINE_SHORT_SIDE, min(side, min(image.shape[:2])))
            views = _views(resize_short_side(np.ascontiguousarray(image), used))
            start = time.process_time()
            _, logits, _ = detector._run(list(views.values()))
            seconds += time.process_time() - start
            runs += len(views)
            scores[side][item.name] = dict(zip(views, map(float, _sigmoid(logits.max(axis=1))), strict=True))
        ms_per_run[side] = seconds / runs * 1000
        print(f"side {side}: {ms_per_run[side]:.0f} CPU ms per view", flush=True)
    return scores, ms_per_run


def video_view_scores() -> dict[str, np.ndarray]:
    """Per view of ``VIDEO_VIEWS``, the scores of OpenCV's pedestrian video as mining reads it (2 frames/s, short
    side 256): every frame shows people."""
    from workers.detection.ssdlite import SSDLitePersonDetector, _sigmoid
    from workers.media.frames import read_frames

    detector = SSDLitePersonDetector()
    frames = read_frames(path=VTEST, fps=VIDEO_FPS, short_side=PIPELINE_SHORT_SIDE).frames
    out: dict[str, list[float]] = {name: [] for name in VIDEO_VIEWS}
    for frame in frames:
        views = _views(frame)
        _, logits, _ = detector._run([views[name] for name in VIDEO_VIEWS])
        for name, score in zip(VIDEO_VIEWS, _sigmoid(logits.max(axis=1)), strict=True):
            out[name].append(float(score))
    return {name: np.array(values) for name, values in out.items()}


def video_summary(combo: str, video: dict[str, np.ndarray]) -> str:
    keys = COMBOS[combo]
    if not video or not set(keys) <= set(video):
        return "–"
    scores = np.max([video[k] for k in keys], axis=0)
    per_shot = round(PSEUDO_SHOT_SECONDS * VIDEO_FPS)
    shots = [scores[i : i + per_shot] for i in range(0, len(scores), per_shot)]
    kept = sum(max(shot[shot_sample_indices(len(shot))]) >= PERSON_SCORE_THRESHOLD for shot in shots)
    fired = int((scores >= PERSON_SCORE_THRESHOLD).sum())
    return f"{fired}/{len(scores)}, min {scores.min():.2f}, {kept}/{len(shots)}"


def halves(items: tuple[Item, ...]) -> tuple[set[str], set[str]]:
    """Two halves, alternating within each category in manifest order (so both have every kind of frame)."""
    seen: dict[str, int] = {}
    first, second = set(), set()
    for item in items:
        index = seen.get(item.category, 0)
        seen[item.category] = index + 1
        (first if index % 2 == 0 else second).add(item.name)
    return first, second


def counts(frame_scores: dict[str, float], names: set[str], threshold: float) -> tuple[int, int, int]:
    labels = {item.name: item.has_person for item in MANIFEST}
    tp = sum(frame_scores[n] >= threshold and labels[n] for n in names)
    fp = sum(frame_scores[n] >= threshold and not labels[n] for n in names)
    fn = sum(frame_scores[n] < threshold and labels[n] for n in names)
    return tp, fp, fn


def choose_threshold(frame_scores: dict[str, float], names: set[str]) -> float:
    """The threshold with the highest recall at precision ≥ GOAL on ``names`` (ties: the highest threshold); 0.5
    when none reaches that precision."""
    best: tuple[float, float] | None = None
    for threshold in sorted({frame_scores[n] for n in names}):
        tp, fp, fn = counts(frame_scores, names, threshold)
        if tp and tp / (tp + fp) >= GOAL:
            recall = tp / (tp + fn)
            if best is None or recall >= best[0]:
                best = (recall, threshold)
    return best[1] if best else PERSON_SCORE_THRESHOLD


def evaluate(
    side: int, combo: str, per_item: dict[str, dict[str, float]], ms_per_run: float, video: dict[str, np.ndarray]
) -> Result:
    keys = COMBOS[combo]
    frame_scores = {name: max(views[k] for k in keys) for name, views in per_item.items()}
    everything = set(frame_scores)
    tp, fp, fn = counts(frame_scores, everything, PERSON_SCORE_THRESHOLD)
    labels = {item.name: item.has_person for item in MANIFEST}
    first, second = halves(MANIFEST)
    t_first, t_second = choose_threshold(frame_scores, first), choose_threshold(frame_scores, second)
    # report each half at the threshold chosen on the other, then add the two halves up
    a, b = counts(frame_scores, second, t_first), counts(frame_scores, first, t_second)
    s_tp, s_fp, s_fn = (x + y for x, y in zip(a, b, strict=True))
    t_all = choose_threshold(frame_scores, everything)
    b_tp, b_fp, b_fn = counts(frame_scores, everything, t_all)
    best = (t_all, b_tp / (b_tp + b_fn), b_tp / max(1, b_tp + b_fp)) if b_tp / max(1, b_tp + b_fp) >= GOAL else None
    return Result(
        side=side,
        combo=combo,
        recall=tp / (tp + fn),
        precision=tp / max(1, tp + fp),
        missed=sorted(f"{n} ({s:.2f})" for n, s in frame_scores.items() if labels[n] and s < PERSON_SCORE_THRESHOLD),
        false_alarms=sorted(
            f"{n} ({s:.2f})" for n, s in frame_scores.items() if not labels[n] and s >= PERSON_SCORE_THRESHOLD
        ),
        split_recall=s_tp / (s_tp + s_fn),
        split_precision=s_tp / max(1, s_tp + s_fp),
        split_thresholds=(t_first, t_second),
        best=best,
        runs=len(keys),
        ms_per_frame=len(keys) * ms_per_run,
        video=video_summary(combo, video) if side == PIPELINE_SHORT_SIDE else "–",
    )


def render(results: list[Result]) -> str:
    head = (
        "| detection short side | views | recall @0.5 | precision @0.5 | recall / precision, threshold chosen on "
        "the other half (thresholds) | best recall at precision ≥ 0.95, threshold chosen on the whole set | "
        "vtest frames ≥ 0.5, lowest, 5-s pieces kept | network runs / frame (all views) | CPU ms / frame (all views) |"
    )
    lines = [head, "|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        best = f"{r.best[1]:.3f} at {r.best[0]:.2f}" if r.best else "none reaches 0.95 precision"
        lines.append(
            f"| {r.side} | {r.combo} | {r.recall:.3f} | {r.precision:.3f} | {r.split_recall:.3f} / "
            f"{r.split_precision:.3f} ({r.split_thresholds[0]:.2f}, {r.split_thresholds[1]:.2f}) | {best} | "
            f"{r.video} | {r.runs} | {r.ms_per_frame:.0f} |"
        )
    detail = "\n".join(
        f"- {r.side}, {r.combo}: missed {', '.join(r.missed) or 'none'}; false alarms "
        f"{', '.join(r.false_alarms) or 'none'}."
        for r in results
    )
    positives = sum(item.has_person for item in MANIFEST)
    return f"""{BEGIN}
## Person detector: options tried for recall (issue 12)

Written by `python -m tests.benchmarks.bench_person_detector_options` on {time.strftime("%Y-%m-%d")}, \
{platform.machine()}, {os.cpu_count()} cores, CPU only, load average {os.getloadavg()[0]:.1f} at the end (shared \
machine: ms are upper bounds). The real-frame set ({len(MANIFEST)} frames, {positives} with people). A frame's \
score is the highest over the listed views, each run through the network on its own (the default runs the extra \
views only for frames the whole view scores below 0.5, which gives the same decisions at threshold 0.5; the ms \
column counts every view). *Detection short side* 384 / 512: the frame as if decoded at that short side (at most \
the source's own, at least 256) for detection only. *Other half*: the set split in two, alternating within each \
category; each half is scored at the threshold (highest recall at precision ≥ 0.95) chosen on the other, and the \
two halves are added up. *Whole set*: the same choice made on all frames, an upper bound. *vtest*: OpenCV's \
pedestrian video read as mining reads it ({VIDEO_FPS:g} frames/s, short side 256; people in every frame), the \
frames scoring ≥ 0.5, the lowest score, and the {PSEUDO_SHOT_SECONDS:g}-s pieces kept by the two-frame shot rule.

{chr(10).join(lines)}

{detail}
{END}"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument("--sides", nargs="*", type=int, default=list(SIDES))
    args = parser.parse_args()
    video = video_view_scores() if PIPELINE_SHORT_SIDE in args.sides else {}
    scores, ms_per_run = view_scores(tuple(args.sides))
    results = [evaluate(side, combo, scores[side], ms_per_run[side], video) for side in scores for combo in COMBOS]
    section = render(results)
    print(section)
    if not args.no_write:
        text = DOC.read_text()
        if BEGIN in text:
            text = text[: text.index(BEGIN)] + section + text[text.index(END) + len(END) :]
        else:
            text = text.rstrip("\n") + "\n\n" + section + "\n"
        DOC.write_text(text)


if __name__ == "__main__":
    main()
