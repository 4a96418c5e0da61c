"""The offline person detector: MediaPipe's shipped face models, checked in two stages over a tile pyramid.

Why faces, and why two stages (numbers: docs/benchmarks_models.md, tests/benchmarks/bench_person_detector.py):
- MediaPipe 0.10.14 ships no general object detector (objectron's SSD is not in the wheel), so the candidates
  are its BlazePose person detector and BlazeFace full-range face detector. Both detectors' raw scores pass 0.5
  on many scenes without people once they look at tiles (a cat's face, a rocket gantry, a logo).
- The landmark models that follow them in MediaPipe answer a presence probability for a candidate's region.
  The face mesh's presence separates faces from look-alikes sharply; the pose landmark model's presence does
  not (it answers > 0.9 on a logo or a page of text), so pose candidates added no recall that faces lacked
  while costing twice the time. A candidate's score is detector score × face-mesh presence: both must agree.
- Web video shows people small and several at once, so the frame is searched whole and in overlapping square
  tiles at two finer scales (tiles of ½ and ¼ of the frame's short side): a person 8–20 % of the frame's
  height is too small for the 192-pixel detector input when the whole frame is squeezed into it.
What it cannot see: people whose face is hidden (back to camera, cut off, turned away behind a camera) and
faces under ~10 pixels. Those frames score low; the paper's Faster R-CNN backend covers them when its weights
are available.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Iterator, Sequence

import numpy as np

from workers.detection.base import PersonDetector, check_frames
from workers.detection.blaze import BlazeModels, Candidate, Kind, Region

# Tiles per short side of the frame: 1 = the whole frame, 2 and 4 = the two finer scales, an octave apart.
DEFAULT_TILE_SCALES = (1, 2, 4)
# Neighbouring tiles overlap so a person on a tile border is whole in at least one tile.
TILE_GROWTH = 1.3  # a tile's side is 1.3 × (short side / scale)
TILE_STRIDE = 0.7  # consecutive tiles start 0.7 × tile side apart
# Scales whose tiles would be smaller than this are skipped: upsampling them only invents detail.
MIN_TILE_SIDE = 128
# Detector candidates below this score are not verified: score × presence could not reach 0.5 anyway.
MIN_CANDIDATE_SCORE = 0.25
CANDIDATES_PER_TILE = 3
# Once a frame has a candidate this sure, finer tiles cannot change the shot decision: stop searching.
EARLY_EXIT_SCORE = 0.9


def square_tiles(height: int, width: int, scale: int) -> list[tuple[int, int, int]]:
    """(top, left, side) of overlapping square tiles covering the frame at ``scale`` tiles per short side."""
    short = min(height, width)
    side = short if scale == 1 else min(short, round(short / scale * TILE_GROWTH))

    def starts(length: int) -> list[int]:
        if length <= side:
            return [0]
        count = math.ceil((length - side) / (TILE_STRIDE * side)) + 1
        return [round(i * (length - side) / (count - 1)) for i in range(count)]

    return [(top, left, side) for top in starts(height) for left in starts(width)]


class BlazePersonDetector(PersonDetector):
    """Person score = max over tiles and candidates of (detector score × face-mesh presence).

    ``kinds`` chooses the proposal detectors: ``("face",)`` (the default) or ``("pose", "face")`` to also
    verify BlazePose proposals on their face box. MediaPipe runs on the CPU only (TFLite with XNNPACK).
    """

    def __init__(
        self,
        *,
        kinds: Sequence[Kind] = ("face",),
        tile_scales: Sequence[int] = DEFAULT_TILE_SCALES,
        early_exit: bool = True,
        name: str = "mediapipe",
    ) -> None:
        self.name = name
        self.tile_scales = tuple(tile_scales)
        self.early_exit = early_exit
        self._models = {kind: BlazeModels(kind, min_detection_score=MIN_CANDIDATE_SCORE) for kind in kinds}
        self._face = self._models.get("face") or BlazeModels("face", min_detection_score=MIN_CANDIDATE_SCORE)
        self._lock = threading.Lock()

    def score(self, frames: np.ndarray) -> np.ndarray:
        frames = check_frames(frames)
        with self._lock:
            return np.array([self._frame_score(frame) for frame in frames], dtype=np.float64)

    def _tiles(self, frame: np.ndarray) -> Iterator[np.ndarray]:
        height, width = frame.shape[:2]
        for scale in self.tile_scales:
            tiles = square_tiles(height, width, scale)
            if scale > 1 and tiles[0][2] < MIN_TILE_SIDE:
                continue
            for top, left, side in tiles:
                yield frame[top : top + side, left : left + side]

    def _frame_score(self, frame: np.ndarray) -> float:
        best = 0.0
        for tile in self._tiles(frame):
            for models in self._models.values():
                candidates = sorted(models.detect(tile), key=lambda c: -c.score)[:CANDIDATES_PER_TILE]
                for candidate in candidates:
                    if candidate.score <= best:
                        continue  # presences are ≤ 1, so this candidate cannot beat the best
                    best = max(best, candidate.score * self._presence(models, tile, candidate))
            if self.early_exit and best >= EARLY_EXIT_SCORE:
                break
        return best

    def _presence(self, models: BlazeModels, tile: np.ndarray, candidate: Candidate) -> float:
        """Probability that the candidate is real: its own landmark model's presence, and for a pose candidate
        also the face mesh's presence on its box (BlazePose's detector box is the person's face, since the
        detector uses the face as its anchor; no eye keypoints, hence no rotation)."""
        presence = models.presence(tile, models.region(candidate))
        if candidate.kind == "pose" and presence > 0.0:
            x0, y0, x1, y1 = candidate.box
            face_region = Region((x0 + x1) / 2, (y0 + y1) / 2, max(x1 - x0, y1 - y0) * 1.5, 0.0)
            presence *= self._face.presence(tile, face_region)
        return presence

    def close(self) -> None:
        for models in {id(m): m for m in (*self._models.values(), self._face)}.values():
            models.close()
