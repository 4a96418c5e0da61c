"""Check the paper's Faster R-CNN backend (SLAC §3.5) with a weights file you provide; not part of the suite.

    ACTIONLOOM_FASTER_RCNN_WEIGHTS=fasterrcnn_resnet50_fpn_coco.pth .venv/bin/python tests/benchmarks/check_faster_rcnn.py

It needs torchvision, which cannot be installed beside the CPU build of torch on the development machines (see
docs/benchmarks_models.md); the suite tests instead that the backend says exactly what is missing.
"""

import os
import sys

from workers.detection import PERSON_SCORE_THRESHOLD, get_person_detector
from workers.detection.evalset import build_person_evalset


def main() -> int:
    weights = os.environ.get("ACTIONLOOM_FASTER_RCNN_WEIGHTS")
    if not weights:
        print("set ACTIONLOOM_FASTER_RCNN_WEIGHTS to torchvision's COCO Faster R-CNN state dict", file=sys.stderr)
        return 2
    frames = build_person_evalset()
    with get_person_detector("faster_rcnn", weights_path=weights) as detector:
        scores = [float(detector.score(f.image[None])[0]) for f in frames]  # frames differ in size
    tp = sum(s >= PERSON_SCORE_THRESHOLD and f.has_person for s, f in zip(scores, frames, strict=False))
    fp = sum(s >= PERSON_SCORE_THRESHOLD and not f.has_person for s, f in zip(scores, frames, strict=False))
    fn = sum(s < PERSON_SCORE_THRESHOLD and f.has_person for s, f in zip(scores, frames, strict=False))
    print(f"precision {tp / max(1, tp + fp):.3f}  recall {tp / max(1, tp + fn):.3f}  ({len(frames)} frames)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
