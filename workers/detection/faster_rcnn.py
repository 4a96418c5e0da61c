"""The paper's person detector: torchvision's Faster R-CNN ResNet-50 FPN trained on COCO (SLAC §3.5).

The weights are not shipped by any package, so the user provides the file (torchvision's
``fasterrcnn_resnet50_fpn_coco-258fb6c6.pth`` state dict, loaded strictly). ``torch`` and ``torchvision`` are
imported when the detector is built; if either is missing the error says which, and why it may be.
"""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import numpy as np

from workers.detection.base import DetectorUnavailable, PersonDetector, check_frames
from workers.device import pick_device

COCO_PERSON_LABEL = 1  # torchvision's COCO category ids: 0 is background, 1 is person
# torchvision keeps boxes above 0.05 by default; a frame with none scores 0.
BOX_SCORE_FLOOR = 0.05


def _import_torchvision_detection() -> ModuleType:
    try:
        import torch  # noqa: F401
    except ImportError as error:
        raise DetectorUnavailable(
            "the faster_rcnn person detector needs torch (pinned in requirements.txt): pip install torch"
        ) from error
    try:
        from torchvision.models import detection
    except (ImportError, OSError, RuntimeError) as error:
        # PyPI's torchvision wheels are built against CUDA torch; beside a CPU-only torch their C++ ops fail
        # to load ("operator torchvision::nms does not exist"). A torchvision built for the installed torch is
        # needed (e.g. from the same index the torch build came from).
        raise DetectorUnavailable(
            "the faster_rcnn person detector needs torchvision built for the installed torch "
            f"({error.__class__.__name__}: {error}); install the matching torchvision, or use the offline "
            "'mediapipe' person detector"
        ) from error
    return detection


class FasterRCNNPersonDetector(PersonDetector):
    """Max COCO-person box score per frame from torchvision's ``fasterrcnn_resnet50_fpn``."""

    name = "faster_rcnn"

    def __init__(self, *, weights_path: str | Path | None, device: str = "auto") -> None:
        detection = _import_torchvision_detection()
        import torch

        if weights_path is None or not Path(weights_path).is_file():
            raise DetectorUnavailable(
                "the faster_rcnn person detector needs weights_path: torchvision's COCO state dict for "
                f"fasterrcnn_resnet50_fpn (fasterrcnn_resnet50_fpn_coco-258fb6c6.pth); got {weights_path!r}"
            )
        self.device = pick_device(device)
        model = detection.fasterrcnn_resnet50_fpn(
            weights=None, weights_backbone=None, num_classes=91, box_score_thresh=BOX_SCORE_FLOOR
        )
        state = torch.load(weights_path, map_location="cpu", weights_only=True)
        model.load_state_dict(state)  # strict: a wrong file fails here, not with silent nonsense later
        self._model = model.eval().to(self.device)

    def score(self, frames: np.ndarray) -> np.ndarray:
        import torch

        frames = check_frames(frames)
        batch = torch.from_numpy(frames).to(self.device).permute(0, 3, 1, 2).float().div_(255.0)
        with torch.inference_mode():
            outputs = self._model(list(batch))
        scores = []
        for output in outputs:
            person = output["scores"][output["labels"] == COCO_PERSON_LABEL]
            scores.append(float(person.max()) if len(person) else 0.0)
        return np.array(scores, dtype=np.float64)
