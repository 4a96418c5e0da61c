"""MediaPipe's BlazePose and BlazeFace models, run stage by stage so their scores stay visible.

All four models ship inside the ``mediapipe`` wheel (``modules/pose_detection/pose_detection.tflite``,
``modules/pose_landmark/pose_landmark_full.tflite``, ``modules/face_detection/face_detection_full_range_sparse
.tflite``, ``modules/face_landmark/face_landmark.tflite``), so nothing is fetched at run time.

MediaPipe's ready-made solutions hide the scores and cut them at 0.5. Here the *detectors* propose candidates
(an SSD score each) and the *landmark* models, run on each candidate's region of interest, answer a presence
probability: the same two-stage check MediaPipe uses to drop a detector's false alarms (its
``min_tracking_confidence``). Graph configs and region-of-interest rules follow MediaPipe v0.10.14's
``pose_detection_cpu.pbtxt``, ``pose_detection_to_roi.pbtxt``, ``face_detection_full_range.pbtxt`` and
``face_detection_front_detection_to_roi.pbtxt``.

``mediapipe`` and ``cv2`` are imported inside functions: importing this module stays cheap.
"""

from __future__ import annotations

import math
import threading
import warnings
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

Kind = Literal["pose", "face"]

_POSE_DETECTION_GRAPH = """
input_stream: "image"
output_stream: "detections"
node {
  calculator: "ImageToTensorCalculator"
  input_stream: "IMAGE:image"
  output_stream: "TENSORS:input_tensors"
  options: {
    [mediapipe.ImageToTensorCalculatorOptions.ext] {
      output_tensor_width: 224
      output_tensor_height: 224
      keep_aspect_ratio: true
      output_tensor_float_range { min: -1.0 max: 1.0 }
      border_mode: BORDER_ZERO
    }
  }
}
node {
  calculator: "InferenceCalculator"
  input_stream: "TENSORS:input_tensors"
  output_stream: "TENSORS:detection_tensors"
  options: {
    [mediapipe.InferenceCalculatorOptions.ext] {
      model_path: "mediapipe/modules/pose_detection/pose_detection.tflite"
      delegate { xnnpack {} }
    }
  }
}
node {
  calculator: "SsdAnchorsCalculator"
  output_side_packet: "anchors"
  options: {
    [mediapipe.SsdAnchorsCalculatorOptions.ext] {
      num_layers: 5
      min_scale: 0.1484375
      max_scale: 0.75
      input_size_height: 224
      input_size_width: 224
      anchor_offset_x: 0.5
      anchor_offset_y: 0.5
      strides: 8
      strides: 16
      strides: 32
      strides: 32
      strides: 32
      aspect_ratios: 1.0
      fixed_anchor_size: true
    }
  }
}
node {
  calculator: "TensorsToDetectionsCalculator"
  input_stream: "TENSORS:detection_tensors"
  input_side_packet: "ANCHORS:anchors"
  output_stream: "DETECTIONS:unfiltered"
  options: {
    [mediapipe.TensorsToDetectionsCalculatorOptions.ext] {
      num_classes: 1
      num_boxes: 2254
      num_coords: 12
      box_coord_offset: 0
      keypoint_coord_offset: 4
      num_keypoints: 4
      num_values_per_keypoint: 2
      sigmoid_score: true
      score_clipping_thresh: 100.0
      reverse_output_order: true
      x_scale: 224.0
      y_scale: 224.0
      h_scale: 224.0
      w_scale: 224.0
      min_score_thresh: %(min_score)s
    }
  }
}
node {
  calculator: "NonMaxSuppressionCalculator"
  input_stream: "unfiltered"
  output_stream: "detections"
  options: {
    [mediapipe.NonMaxSuppressionCalculatorOptions.ext] {
      min_suppression_threshold: 0.3
      overlap_type: INTERSECTION_OVER_UNION
      algorithm: WEIGHTED
    }
  }
}
"""

# The full-range face detector is a registered MediaPipe subgraph (it includes its own suppression); only
# its score cut is lowered.
_FACE_DETECTION_GRAPH = """
input_stream: "image"
output_stream: "detections"
node {
  calculator: "FaceDetectionFullRange"
  input_stream: "IMAGE:image"
  output_stream: "DETECTIONS:detections"
  node_options: {
    [type.googleapis.com/mediapipe.FaceDetectionOptions] {
      min_score_thresh: %(min_score)s
      delegate { xnnpack {} }
    }
  }
}
"""

# A landmark model on an already-cropped region of interest; only its presence output is read.
_PRESENCE_GRAPH = """
input_stream: "image"
output_stream: "presence"
node {
  calculator: "ImageToTensorCalculator"
  input_stream: "IMAGE:image"
  output_stream: "TENSORS:input_tensors"
  options: {
    [mediapipe.ImageToTensorCalculatorOptions.ext] {
      output_tensor_width: %(size)d
      output_tensor_height: %(size)d
      keep_aspect_ratio: false
      output_tensor_float_range { min: 0.0 max: 1.0 }
    }
  }
}
node {
  calculator: "InferenceCalculator"
  input_stream: "TENSORS:input_tensors"
  output_stream: "TENSORS:output_tensors"
  options: {
    [mediapipe.InferenceCalculatorOptions.ext] {
      model_path: "%(model)s"
      delegate { xnnpack {} }
    }
  }
}
node {
  calculator: "SplitTensorVectorCalculator"
  input_stream: "output_tensors"
  output_stream: "presence_tensor"
  options: { [mediapipe.SplitVectorCalculatorOptions.ext] { ranges: { begin: 1 end: 2 } } }
}
node {
  calculator: "TensorsToFloatsCalculator"
  input_stream: "TENSORS:presence_tensor"
  output_stream: "FLOAT:presence"
  options: { [mediapipe.TensorsToFloatsCalculatorOptions.ext] { activation: %(activation)s } }
}
"""


@dataclass(frozen=True)
class _LandmarkSpec:
    model: str
    input_size: int
    activation: str  # the pose model's presence output is already a probability, the face model's a logit
    start_keypoint: int  # keypoints that set the region's rotation
    end_keypoint: int
    target_angle_degrees: float
    scale: float  # how much the region grows around the detection before cropping


_LANDMARK_SPECS: dict[str, _LandmarkSpec] = {
    # Pose: keypoint 0 is the mid-hip, 1 a point on the circle around the whole body (pose_detection_to_roi).
    "pose": _LandmarkSpec("mediapipe/modules/pose_landmark/pose_landmark_full.tflite", 256, "NONE", 0, 1, 90.0, 1.25),
    # Face: keypoints 0 and 1 are the eyes; the box grows 1.5× (face_detection_front_detection_to_roi).
    "face": _LandmarkSpec("mediapipe/modules/face_landmark/face_landmark.tflite", 192, "SIGMOID", 0, 1, 0.0, 1.5),
}


@dataclass(frozen=True)
class Candidate:
    """One detector proposal, in pixels of the image it was found in."""

    kind: Kind
    score: float
    box: tuple[float, float, float, float]  # x0, y0, x1, y1
    keypoints: np.ndarray  # K×2 (x, y)


@dataclass(frozen=True)
class Region:
    """A rotated square to crop: centre and side in pixels, rotation clockwise in radians (MediaPipe's rule)."""

    center_x: float
    center_y: float
    side: float
    rotation: float


class MediaPipeGraph:
    """A MediaPipe graph with one image input, called one packet at a time under a lock.

    With one output, a call returns that output's value; with several (``output`` a name → type mapping), the
    result object, whose attributes are the outputs.
    """

    def __init__(self, config: str, output: str | dict[str, str], output_type: str | None = None) -> None:
        from mediapipe.python.solution_base import PacketDataType, SolutionBase

        if isinstance(output, dict):
            outputs = output
        elif output_type is None:
            raise ValueError(f"the output {output!r} needs its output_type")
        else:
            outputs = {output: output_type}
        self._output = None if isinstance(output, dict) else output
        self._lock = threading.Lock()
        self._graph: Any = SolutionBase(
            graph_config=config,
            outputs=list(outputs),
            stream_type_hints={name: getattr(PacketDataType, kind) for name, kind in outputs.items()},
        )

    def __call__(self, image: np.ndarray) -> Any:
        image = np.ascontiguousarray(image, dtype=np.uint8)
        with self._lock, warnings.catch_warnings():
            # protobuf 4's SymbolDatabase.GetPrototype deprecation, raised by mediapipe on every call.
            warnings.simplefilter("ignore", UserWarning)
            result = self._graph.process({"image": image})
        return result if self._output is None else getattr(result, self._output)

    def close(self) -> None:
        self._graph.close()


class BlazeModels:
    """The detector and landmark graphs of one kind ("pose" or "face"), built once and reused."""

    def __init__(self, kind: Kind, *, min_detection_score: float) -> None:
        spec = _LANDMARK_SPECS[kind]
        detection_graph = _POSE_DETECTION_GRAPH if kind == "pose" else _FACE_DETECTION_GRAPH
        self.kind: Kind = kind
        self._spec = spec
        self._detect = MediaPipeGraph(detection_graph % {"min_score": min_detection_score}, "detections", "PROTO_LIST")
        self._presence = MediaPipeGraph(
            _PRESENCE_GRAPH % {"size": spec.input_size, "model": spec.model, "activation": spec.activation},
            "presence",
            "FLOAT",
        )

    def detect(self, image: np.ndarray) -> list[Candidate]:
        """Candidates in a square image (the detectors letterbox anything else, so callers pass squares)."""
        height, width = image.shape[:2]
        candidates = []
        for detection in self._detect(image) or ():
            box = detection.location_data.relative_bounding_box
            keypoints = np.array(
                [(k.x * width, k.y * height) for k in detection.location_data.relative_keypoints], np.float64
            )
            candidates.append(
                Candidate(
                    kind=self.kind,
                    score=float(detection.score[0]),
                    box=(
                        box.xmin * width,
                        box.ymin * height,
                        (box.xmin + box.width) * width,
                        (box.ymin + box.height) * height,
                    ),
                    keypoints=keypoints,
                )
            )
        return candidates

    def region(self, candidate: Candidate) -> Region:
        spec = self._spec
        start, end = candidate.keypoints[spec.start_keypoint], candidate.keypoints[spec.end_keypoint]
        rotation = math.radians(spec.target_angle_degrees) - math.atan2(-(end[1] - start[1]), end[0] - start[0])
        rotation = (rotation + math.pi) % (2 * math.pi) - math.pi
        if self.kind == "pose":
            # The whole body sits in a circle around the mid-hip through keypoint 1.
            center_x, center_y = start
            side = 2.0 * float(np.hypot(*(end - start)))
        else:
            x0, y0, x1, y1 = candidate.box
            center_x, center_y = (x0 + x1) / 2, (y0 + y1) / 2
            side = max(x1 - x0, y1 - y0)
        return Region(float(center_x), float(center_y), side * spec.scale, rotation)

    def presence(self, image: np.ndarray, region: Region) -> float:
        """The landmark model's probability that a pose / face fills ``region`` of ``image``."""
        crop = crop_region(image, region, self._spec.input_size)
        return float(self._presence(crop))

    def close(self) -> None:
        self._detect.close()
        self._presence.close()


def crop_region(image: np.ndarray, region: Region, size: int) -> np.ndarray:
    """Sample the rotated square ``region`` into a size×size image; outside the image reads as black."""
    import cv2

    scale = region.side / size
    cos, sin = math.cos(region.rotation) * scale, math.sin(region.rotation) * scale
    half = size / 2
    # Output pixel (u, v) reads the source at centre + R(rotation)·scale·(u − half, v − half).
    matrix = np.array(
        [
            [cos, -sin, region.center_x - cos * half + sin * half],
            [sin, cos, region.center_y - sin * half - cos * half],
        ],
        np.float64,
    )
    return cv2.warpAffine(
        np.ascontiguousarray(image),
        matrix,
        (size, size),
        flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
        borderMode=cv2.BORDER_CONSTANT,
        borderValue=(0, 0, 0),
    )
