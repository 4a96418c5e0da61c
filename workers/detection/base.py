"""The person-detector interface and the shot rule built on it (SLAC §3.5; HACS supplementary §3.1).

SLAC keeps a shot for annotation only if a person detector fires on it: two frames are sampled from the shot,
each gets the highest person score the detector gives, and the shot scores the larger of the two. A shot with a
score of at least ``PERSON_SCORE_THRESHOLD`` counts as showing a person.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Self

import numpy as np

# SLAC §3.5 / HACS supp. §3.1: a shot shows a person when the detector's best score reaches 0.5.
PERSON_SCORE_THRESHOLD = 0.5
# SLAC §3.5: two frames per shot are checked.
FRAMES_PER_SHOT = 2


class DetectorUnavailable(RuntimeError):
    """A backend's package or weights are missing; the message names what to install or provide."""


class PersonDetector(ABC):
    """Scores frames for the presence of people.

    ``score`` takes an N×H×W×3 uint8 RGB batch and answers, per frame, the highest person score in [0, 1].
    Implementations load their model in ``__init__`` and may be reused for many calls; ``close`` frees it.
    """

    name: str

    @abstractmethod
    def score(self, frames: np.ndarray) -> np.ndarray: ...

    def score_first_look(self, frames: np.ndarray) -> np.ndarray:
        """A cheaper first look (e.g. the whole frame only). A score at or above ``PERSON_SCORE_THRESHOLD`` is the
        frame's; below it, ``score_closer_look`` may still find a person. Without a cheaper look: ``score``."""
        return self.score(frames)

    def score_closer_look(self, frames: np.ndarray) -> np.ndarray:
        """The best score over the views the first look left out (tiles, …); 0 when there are none. For a frame
        the first look scored below the threshold, ``score`` is the larger of the two looks."""
        return np.zeros(len(check_frames(frames)), dtype=np.float64)

    def close(self) -> None:  # noqa: B027 - optional hook; most backends hold nothing that needs freeing
        pass

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def check_frames(frames: np.ndarray) -> np.ndarray:
    """The batch as a contiguous N×H×W×3 uint8 array, or ValueError saying what is wrong with it."""
    frames = np.asarray(frames)
    if frames.ndim == 3:
        raise ValueError("frames must be a batch N×H×W×3; wrap a single frame as frames[None]")
    if frames.ndim != 4 or frames.shape[-1] != 3:
        raise ValueError(f"frames must be N×H×W×3 RGB, got shape {frames.shape}")
    if frames.dtype != np.uint8:
        raise ValueError(f"frames must be uint8, got {frames.dtype}")
    return np.ascontiguousarray(frames)


def shot_sample_indices(num_frames: int) -> list[int]:
    """Which frames of a shot to check: ``FRAMES_PER_SHOT`` of them, evenly inside the shot (at 1/3 and 2/3),
    away from the cuts where a shot detector's boundary may be a frame off."""
    if num_frames <= 0:
        raise ValueError("a shot has at least one frame")
    if num_frames <= FRAMES_PER_SHOT:
        return list(range(num_frames))
    return sorted({int(num_frames * (i + 1) / (FRAMES_PER_SHOT + 1)) for i in range(FRAMES_PER_SHOT)})


def shot_person_score(frames_of_shot: np.ndarray, *, detector: PersonDetector | None = None) -> float:
    """SLAC §3.5: the larger person score of two frames sampled from the shot.

    ``frames_of_shot`` may hold the whole shot (N×H×W×3) or just the two frames already sampled with
    ``shot_sample_indices``; either way at most ``FRAMES_PER_SHOT`` frames are scored. Without a ``detector``
    the default offline one is used (built once per process).
    """
    frames = check_frames(frames_of_shot)
    if detector is None:
        from workers.detection.registry import default_person_detector

        detector = default_person_detector()
    sampled = frames[shot_sample_indices(len(frames))]
    return float(shots_person_scores(sampled[None], detector=detector)[0])


def shots_person_scores(frames: np.ndarray, *, detector: PersonDetector) -> np.ndarray:
    """``shot_person_score`` of many shots at once: ``frames`` is S×K×H×W×3, the K frames sampled from each of S
    shots. The detector looks only as far as a shot's decision needs: the first look at each shot's first frame,
    at its next frame only while the shot is below the threshold, and the closer look (tiles) only at the frames
    of shots still below it. A shot at or above the threshold keeps the score that got it there (the best so far,
    not necessarily the best over every view); a shot below it gets the best over all views of its frames."""
    frames = np.asarray(frames)
    if frames.ndim != 5:
        raise ValueError(f"frames must be S×K×H×W×3 (K frames of each of S shots), got shape {frames.shape}")
    scores = np.zeros(frames.shape[0], dtype=np.float64)
    for k in range(frames.shape[1]):
        undecided = np.flatnonzero(~shot_has_person(scores))
        if len(undecided):
            scores[undecided] = np.maximum(scores[undecided], detector.score_first_look(frames[undecided, k]))
    undecided = np.flatnonzero(~shot_has_person(scores))
    if len(undecided):
        closer = detector.score_closer_look(frames[undecided].reshape(-1, *frames.shape[2:]))
        scores[undecided] = np.maximum(scores[undecided], closer.reshape(len(undecided), -1).max(axis=1))
    return scores


def shot_has_person(score: float | np.ndarray) -> bool | np.ndarray:
    return score >= PERSON_SCORE_THRESHOLD
