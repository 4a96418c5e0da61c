"""Person detection for shot filtering (SLAC §3.5). Importing this package loads no model."""

from workers.detection.base import (
    FRAMES_PER_SHOT,
    PERSON_SCORE_THRESHOLD,
    DetectorUnavailable,
    PersonDetector,
    shot_has_person,
    shot_person_score,
    shot_sample_indices,
    shots_person_scores,
)
from workers.detection.registry import (
    DEFAULT_PERSON_DETECTOR,
    PERSON_DETECTORS,
    default_person_detector,
    get_person_detector,
)

__all__ = [
    "DEFAULT_PERSON_DETECTOR",
    "FRAMES_PER_SHOT",
    "PERSON_DETECTORS",
    "PERSON_SCORE_THRESHOLD",
    "DetectorUnavailable",
    "PersonDetector",
    "default_person_detector",
    "get_person_detector",
    "shot_has_person",
    "shot_person_score",
    "shot_sample_indices",
    "shots_person_scores",
]
