"""Measure person detectors on the real-frame evaluation set and on OpenCV's pedestrian video, at pipeline settings.

Run from the repository root (needs opencv-doc and ffmpeg; heavy, so niced):
    nice -n 10 .venv/bin/python -m tests.benchmarks.bench_person_detector_real [--no-write] [--only NAME ...]
Writes the section between the markers in docs/benchmarks_models.md unless ``--no-write``.
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from workers.detection.base import PERSON_SCORE_THRESHOLD, PersonDetector, shot_sample_indices
from workers.detection.real_evalset import MANIFEST, OPENCV_EXAMPLES, PIPELINE_SHORT_SIDE, build_real_evalset

DOC = Path(__file__).resolve().parents[2] / "docs" / "benchmarks_models.md"
BEGIN = "<!-- bench_real: begin -->"
END = "<!-- bench_real: end -->"
VIDEO_FPS = 2.0  # workers.mining.ANALYSIS_FPS
PSEUDO_SHOT_SECONDS = 5.0


@dataclass
class Row:
    name: str
    recall: float
    precision: float
    tp: int
    fp: int
    fn: int
    by_category: dict[str, str]
    video_frames_kept: str
    video_min: float
    shots_kept: str
    cpu_ms: float
    wall_ms: float
    missed: list[str]
    false_alarms: list[str]


def _variants() -> list[tuple[str, Callable[[], PersonDetector]]]:
    from workers.detection import get_person_detector
    from workers.detection.ssdlite import SSDLitePersonDetector

    return [
        (
            "ssdlite (default: whole frame; below 0.5 also mirrored + 4 corner tiles)",
            lambda: get_person_detector("ssdlite"),
        ),
        ("ssdlite, whole frame only", lambda: SSDLitePersonDetector(tiles="whole")),
        ("ssdlite, whole; below 0.5 also mirrored (no tiles)", lambda: SSDLitePersonDetector(tiles="mirror")),
        ("ssdlite, whole; below 0.5 also 4 corner tiles (no mirror)", lambda: SSDLitePersonDetector(flip=False)),
        (
            "ssdlite, whole; below 0.5 also mirrored + short-side squares",
            lambda: SSDLitePersonDetector(tiles="squares"),
        ),
        ("mediapipe (previous default: faces)", lambda: get_person_detector("mediapipe")),
    ]


def _video_frames() -> np.ndarray:
    from workers.media.frames import read_frames

    path = OPENCV_EXAMPLES / "data" / "vtest.avi"
    return read_frames(path=path, fps=VIDEO_FPS, short_side=PIPELINE_SHORT_SIDE).frames


def measure(name: str, build: Callable[[], PersonDetector], evalset, video: np.ndarray) -> Row:
    with build() as detector:
        detector.score(evalset[0].image[None])  # warm up
        cpu, wall = time.process_time(), time.perf_counter()
        scores = np.array([detector.score(item.image[None])[0] for item in evalset])
        video_scores = np.array([detector.score(frame[None])[0] for frame in video])
        count = len(evalset) + len(video)
        cpu_ms = (time.process_time() - cpu) / count * 1000
        wall_ms = (time.perf_counter() - wall) / count * 1000
    labels = np.array([item.has_person for item in evalset])
    fired = scores >= PERSON_SCORE_THRESHOLD
    tp, fp, fn = int((fired & labels).sum()), int((fired & ~labels).sum()), int((~fired & labels).sum())
    by_category = {}
    for category in dict.fromkeys(item.category for item in evalset):
        mask = np.array([item.category == category for item in evalset])
        by_category[category] = f"{int(fired[mask].sum())}/{int(mask.sum())}"
    # The video is one shot; cut it into 5-s pseudo-shots and apply SLAC's two-frame rule to each.
    per_shot = max(1, round(PSEUDO_SHOT_SECONDS * VIDEO_FPS))
    shots = [video_scores[i : i + per_shot] for i in range(0, len(video_scores), per_shot)]
    kept = sum(max(shot[shot_sample_indices(len(shot))]) >= PERSON_SCORE_THRESHOLD for shot in shots)
    return Row(
        name=name,
        recall=tp / max(1, tp + fn),
        precision=tp / max(1, tp + fp),
        tp=tp,
        fp=fp,
        fn=fn,
        by_category=by_category,
        video_frames_kept=f"{int((video_scores >= PERSON_SCORE_THRESHOLD).sum())}/{len(video_scores)}",
        video_min=float(video_scores.min()),
        shots_kept=f"{kept}/{len(shots)}",
        cpu_ms=cpu_ms,
        wall_ms=wall_ms,
        missed=[
            f"{item.name} ({s:.2f})"
            for item, s, f in zip(evalset, scores, fired, strict=True)
            if item.has_person and not f
        ],
        false_alarms=[
            f"{item.name} ({s:.2f})"
            for item, s, f in zip(evalset, scores, fired, strict=True)
            if not item.has_person and f
        ],
    )


def render(rows: list[Row], evalset) -> str:
    categories = list(rows[0].by_category)
    positives = sum(item.has_person for item in evalset)
    head = (
        "| detector | recall | precision | TP | FP | FN | "
        + " | ".join(f"{c} fired" for c in categories)
        + " | vtest frames ≥ 0.5 | vtest min | vtest 5-s shots kept | CPU ms/frame | wall ms/frame |"
    )
    lines = [head, "|" + "---|" * (head.count("|") - 1)]
    for r in rows:
        lines.append(
            f"| {r.name} | {r.recall:.3f} | {r.precision:.3f} | {r.tp} | {r.fp} | {r.fn} | "
            + " | ".join(r.by_category[c] for c in categories)
            + f" | {r.video_frames_kept} | {r.video_min:.2f} | {r.shots_kept} | {r.cpu_ms:.0f} | {r.wall_ms:.0f} |"
        )
    detail = "\n".join(
        f"- {r.name}: missed {', '.join(r.missed) or 'none'}; false alarms {', '.join(r.false_alarms) or 'none'}."
        for r in rows
    )
    load = os.getloadavg()[0]
    return f"""{BEGIN}
## Person detector on real frames at pipeline resolution (issue 12)

Written by `python -m tests.benchmarks.bench_person_detector_real` on {time.strftime("%Y-%m-%d")}, {platform.machine()}, \
{os.cpu_count()} cores, CPU only, load average {load:.1f} at the end (the machine is shared: times are upper \
bounds; CPU ms counts both cores' time). Threshold {PERSON_SCORE_THRESHOLD}.

Evaluation set (`workers/detection/real_evalset.py`, every item and its label listed there): {len(evalset)} real \
photos and video frames, {positives} with people, {len(evalset) - positives} without, from opencv-doc, \
scikit-image and matplotlib; nothing composed. Each is scaled to a {PIPELINE_SHORT_SIDE}-px short side as the \
mining pipeline scales frames. The *vtest* columns run OpenCV's pedestrian video (768×576, one static surveillance \
shot, 2–8 people per frame) through `workers.frames.read_frames` at {VIDEO_FPS:g} frames/s and short side \
{PIPELINE_SHORT_SIDE}, as mining does; *5-s shots* cuts it into {PSEUDO_SHOT_SECONDS:g}-s pieces and applies the \
two-frame shot rule to each. ms/frame is over the set and the video together.

{chr(10).join(lines)}

{detail}
{END}"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument("--only", nargs="*", help="substrings of variant names to run")
    args = parser.parse_args()
    evalset = build_real_evalset()
    assert len(evalset) == len(MANIFEST)
    video = _video_frames()
    rows = []
    for name, build in _variants():
        if args.only and not any(s in name for s in args.only):
            continue
        rows.append(measure(name, build, evalset, video))
        print(f"{name}: recall {rows[-1].recall:.3f} precision {rows[-1].precision:.3f}", flush=True)
    section = render(rows, evalset)
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
