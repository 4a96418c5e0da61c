"""Human-centric score of a frame or clip: HAA500's "detectable joints", with MediaPipe's shipped BlazePose.

HAA500 (Chung et al., "HAA500: Human-Centric Atomic Action Dataset with Curated Videos", ICCV 2021) rates how
human-centric its clips are by the share of a person's body joints a pose estimator detects: a clip whose actor
is whole and visible scores near 1, a face close-up or a view of hands only scores low. Here:

- The pose model is BlazePose as MediaPipe 0.10.14 ships it (``pose_detection.tflite`` proposes people,
  ``pose_landmark_full.tflite`` places 33 landmarks with a visibility each); nothing is fetched at run time.
  The stages run one by one (``workers/detection/blaze.py``) because MediaPipe's ready-made Pose solution
  follows only the detector's best-scored person and hides the raw scores.
- Joints are the 17 COCO keypoints (nose, eyes, ears, shoulders, elbows, wrists, hips, knees, ankles), the
  skeleton of the common 2D pose estimators, taken from BlazePose's 33 by their COCO names. (We could not read
  HAA500's text here to confirm its estimator's skeleton; COCO-17 is the usual one.) BlazePose's extra face,
  hand and foot points would count the face five more times and tilt the score towards close-ups.
- A joint is detected when its visibility is > 0.5 (HAA500's joint score threshold) and it lies inside the
  frame: BlazePose extrapolates a whole body from a head, and a joint placed outside the picture is not
  "detectable" however confident the model is that the body goes on there.
- "Largest person": of the people the detector finds with score ≥ 0.5 (MediaPipe Pose's default
  ``min_detection_confidence``), the one whose body circle (pose_detection_to_roi) is largest. When the landmark
  model's pose presence for that region is < 0.5 (MediaPipe's default ``min_tracking_confidence``), there is no
  person and the frame scores 0.
- A clip's score is the mean of its sampled frames' scores (a frame without a person counts 0).

``mediapipe`` and ``cv2`` are imported inside functions, through ``workers.detection.blaze``.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from workers.detection.blaze import BlazeModels, Candidate, MediaPipeGraph, Region, crop_region

JOINT_SCORE_THRESHOLD = 0.5  # HAA500: a joint counts when its score is > 0.5
MIN_PERSON_DETECTION_SCORE = 0.5  # MediaPipe Pose's default min_detection_confidence
MIN_POSE_PRESENCE = 0.5  # MediaPipe Pose's default min_tracking_confidence

# COCO-17 keypoints as indices into BlazePose's 33 landmarks (MediaPipe's PoseLandmark enum).
COCO_JOINTS: dict[str, int] = {
    "nose": 0,
    "left_eye": 2,
    "right_eye": 5,
    "left_ear": 7,
    "right_ear": 8,
    "left_shoulder": 11,
    "right_shoulder": 12,
    "left_elbow": 13,
    "right_elbow": 14,
    "left_wrist": 15,
    "right_wrist": 16,
    "left_hip": 23,
    "right_hip": 24,
    "left_knee": 25,
    "right_knee": 26,
    "left_ankle": 27,
    "right_ankle": 28,
}

_LANDMARK_INPUT = 256  # pose_landmark_full.tflite input side
_LANDMARK_COUNT = 39  # 33 pose landmarks + 6 auxiliary (ROI) points
_VALUES_PER_LANDMARK = 5  # x, y, z, visibility logit, presence logit

# pose_landmark_by_roi_cpu.pbtxt, up to the raw tensors: landmarks (tensor 0) and pose presence (tensor 1).
_LANDMARK_GRAPH = """
input_stream: "image"
output_stream: "landmarks"
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
      model_path: "mediapipe/modules/pose_landmark/pose_landmark_full.tflite"
      delegate { xnnpack {} }
    }
  }
}
node {
  calculator: "SplitTensorVectorCalculator"
  input_stream: "output_tensors"
  output_stream: "landmark_tensor"
  output_stream: "presence_tensor"
  options: {
    [mediapipe.SplitVectorCalculatorOptions.ext] {
      ranges: { begin: 0 end: 1 }
      ranges: { begin: 1 end: 2 }
    }
  }
}
node {
  calculator: "TensorsToFloatsCalculator"
  input_stream: "TENSORS:landmark_tensor"
  output_stream: "FLOATS:landmarks"
}
node {
  calculator: "TensorsToFloatsCalculator"
  input_stream: "TENSORS:presence_tensor"
  output_stream: "FLOAT:presence"
}
"""


@dataclass(frozen=True)
class PoseJoints:
    """The COCO-17 joints of one person, in pixels of the frame, with BlazePose's visibility as their score."""

    xy: np.ndarray  # (17, 2) x, y
    scores: np.ndarray  # (17,) visibility in [0, 1]
    presence: float  # the landmark model's probability that a person fills the region
    region: Region  # the body region the landmarks were read in
    frame_shape: tuple[int, int]  # height, width

    @property
    def inside(self) -> np.ndarray:
        """Which joints lie inside the frame."""
        height, width = self.frame_shape
        x, y = self.xy[:, 0], self.xy[:, 1]
        return (x >= 0) & (x < width) & (y >= 0) & (y < height)


def detectable_share(*, scores: np.ndarray, inside: np.ndarray, threshold: float = JOINT_SCORE_THRESHOLD) -> float:
    """HAA500's detectable joints: the share of joints scored > ``threshold`` that lie inside the frame."""
    scores = np.asarray(scores, dtype=np.float64).reshape(-1)
    inside = np.asarray(inside, dtype=bool).reshape(-1)
    if scores.shape != inside.shape:
        raise ValueError(f"scores ({scores.shape}) and inside ({inside.shape}) differ in shape")
    if scores.size == 0:
        raise ValueError("no joints to score")
    return float(np.count_nonzero((scores > threshold) & inside)) / scores.size


def largest_candidate(candidates: Sequence[Candidate], *, regions: Sequence[Region]) -> int | None:
    """Index of the candidate with the largest body region (ties: the better-scored, then the first)."""
    if not candidates:
        return None
    order = sorted(range(len(candidates)), key=lambda i: (-regions[i].side, -candidates[i].score, i))
    return order[0]


class HumanCentricScorer:
    """BlazePose run stage by stage: detector → largest person → landmarks → detectable-joint share.

    Calls are serialised by a lock (MediaPipe graphs take one packet at a time), so one scorer can be shared by
    threads. Building one loads the models (≈ 0.5 s); reuse it across frames and clips.
    """

    def __init__(self, *, min_detection_score: float = MIN_PERSON_DETECTION_SCORE) -> None:
        self.min_detection_score = min_detection_score
        # Only the detector and region rule of BlazeModels are used; its presence-only landmark graph is not.
        self._detector = BlazeModels("pose", min_detection_score=min_detection_score)
        self._landmarks = MediaPipeGraph(
            _LANDMARK_GRAPH % {"size": _LANDMARK_INPUT}, {"landmarks": "FLOAT_LIST", "presence": "FLOAT"}
        )
        self._lock = threading.Lock()

    def __enter__(self) -> HumanCentricScorer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._detector.close()
        self._landmarks.close()

    def largest_person(self, frame: np.ndarray) -> PoseJoints | None:
        """The COCO-17 joints of the frame's largest person, or None when no person is found."""
        frame = _check_frame(frame)
        height, width = frame.shape[:2]
        # The pose detector letterboxes without mapping back, so it is given a square: the frame padded with
        # black at the bottom and right, which keeps pixel coordinates those of the frame.
        side = max(height, width)
        square = np.zeros((side, side, 3), np.uint8)
        square[:height, :width] = frame
        with self._lock:
            candidates = [c for c in self._detector.detect(square) if c.score >= self.min_detection_score]
            regions = [self._detector.region(c) for c in candidates]
            chosen = largest_candidate(candidates, regions=regions)
            if chosen is None:
                return None
            region = regions[chosen]
            result = self._landmarks(crop_region(square, region, _LANDMARK_INPUT))
        presence = float(result.presence)
        if presence < MIN_POSE_PRESENCE:
            return None
        raw = np.asarray(result.landmarks, dtype=np.float64).reshape(_LANDMARK_COUNT, _VALUES_PER_LANDMARK)
        joints = raw[list(COCO_JOINTS.values())]
        xy = _crop_to_frame(joints[:, :2], region)
        scores = 1.0 / (1.0 + np.exp(-joints[:, 3]))  # MediaPipe: visibility_activation SIGMOID
        return PoseJoints(xy=xy, scores=scores, presence=presence, region=region, frame_shape=(height, width))

    def frame_score(self, frame: np.ndarray) -> float:
        """Share of the largest person's 17 joints detected (> 0.5, inside the frame); 0 without a person."""
        pose = self.largest_person(frame)
        if pose is None:
            return 0.0
        return detectable_share(scores=pose.scores, inside=pose.inside)

    def clip_score(self, frames: np.ndarray | Sequence[np.ndarray]) -> float:
        """Mean of ``frame_score`` over a clip's sampled frames."""
        if len(frames) == 0:
            raise ValueError("a clip score needs at least one frame")
        return float(np.mean([self.frame_score(frame) for frame in frames]))


def _check_frame(frame: np.ndarray) -> np.ndarray:
    frame = np.asarray(frame)
    if frame.dtype != np.uint8 or frame.ndim != 3 or frame.shape[2] != 3:
        raise ValueError(f"a frame must be an H×W×3 uint8 RGB array, got {frame.dtype} {frame.shape}")
    return np.ascontiguousarray(frame)


def _crop_to_frame(uv: np.ndarray, region: Region) -> np.ndarray:
    """Landmark pixels of the 256×256 crop back to frame pixels: the inverse of ``crop_region``'s sampling."""
    scale = region.side / _LANDMARK_INPUT
    cos, sin = math.cos(region.rotation) * scale, math.sin(region.rotation) * scale
    du, dv = uv[:, 0] - _LANDMARK_INPUT / 2, uv[:, 1] - _LANDMARK_INPUT / 2
    return np.stack([region.center_x + cos * du - sin * dv, region.center_y + sin * du + cos * dv], axis=1)
