"""Per-video mining compute (SLAC §3.4–3.6, HACS §3.3): the stages the Celery pipeline runs, pure and Django-free.

A video is decoded once for its content (analyse_video: shot detection at SHOT_ANALYSIS_FPS and, from the same frames,
the ANALYSIS_FPS frames the models look at: de-dup features, person detection, frame classifiers) and once more, up
to its last kept cut, to refine those cuts at the video's own rate (workers.shots.refine_cuts, run by the scores stage).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

import numpy as np

from workers.dedup import mean_feature
from workers.detection.base import PersonDetector
from workers.media import frames as frame_io
from workers.media.probing import probe_video
from workers.shots import Shot

ANALYSIS_FPS = 2.0  # frames per second kept for content analysis
ANALYSIS_SHORT_SIDE = 256  # SLAC §3.4 resizes to short side 256 before the central 224 crop
DEDUP_FPS = 0.2  # SLAC §3.4: frames at 0.2 fps for the video's mean feature
TRAINING_FRAME_INTERVAL = 1.0  # seconds between the frames of a shot the video-frame classifier learns from
SHOT_ANALYSIS_FPS = 10.0  # shot detection rate; cut times are late by at most 0.1 s at this rate
# A cut found at SHOT_ANALYSIS_FPS is the time of the first decoded frame of the new shot (the fps filter rounds
# up), so the true cut lies up to one decoded-frame interval *before* it: a shot's stored end may hold 0.1 s of the
# next shot, its stored start never holds the previous one. The pipeline refines the cuts around the shots it
# samples at the video's own rate (workers.shots.refine_cuts); shots scored before that keep this far from a cut.
CUT_LATENESS = 1.0 / SHOT_ANALYSIS_FPS
CANDIDATES_PER_SHOT = 1  # HACS §3.3.2 / SLAC §3.6: one frame per shot (settings.MINING_CANDIDATES_PER_SHOT)


class CandidatePlacement(StrEnum):
    """Where a shot's candidate frames sit: HACS scores each shot's central frame, SLAC a random frame of it."""

    CENTRAL = "central"
    RANDOM = "random"


Progress = Callable[[float], None]


@dataclass(frozen=True)
class AnalysisFrames:
    frames: np.ndarray  # N×H×W×3 uint8, short side ANALYSIS_SHORT_SIDE
    times: np.ndarray  # seconds

    def nearest(self, t: float) -> int:
        """Index of the frame whose time is closest to ``t`` (the earlier one on a tie); 0 when there is none."""
        if not len(self.times):
            return 0
        after = int(np.clip(np.searchsorted(self.times, t), 0, len(self.times) - 1))
        before = max(after - 1, 0)
        return before if abs(t - self.times[before]) <= abs(self.times[after] - t) else after

    def at(self, times: Sequence[float]) -> np.ndarray:
        idx = [self.nearest(t) for t in times]
        return self.frames[idx] if idx else self.frames[:0]


def analyse_video(*, path: str | Path) -> tuple[AnalysisFrames, list[Shot]]:
    """One streaming decode for both: shots (SLAC §3.5) from every frame at SHOT_ANALYSIS_FPS, and the
    ANALYSIS_FPS frames the models look at (every k-th of the same frames). Decoding is most of a stage's cost,
    so the video is decoded once, not once per use."""
    from workers import shots as shot_io

    info = probe_video(path=path)
    keep_every = max(1, int(round(SHOT_ANALYSIS_FPS / ANALYSIS_FPS)))
    timestamps: list[np.ndarray] = []
    kept_frames: list[np.ndarray] = []
    kept_times: list[np.ndarray] = []

    def histogram_batches() -> Iterator[np.ndarray]:
        seen = 0
        # A reader thread drains ffmpeg's pipe while this one computes histograms: decoding and compute overlap.
        decoded = frame_io.iter_frames(path=path, fps=SHOT_ANALYSIS_FPS, short_side=ANALYSIS_SHORT_SIDE)
        for batch in frame_io.read_ahead(decoded):
            timestamps.append(batch.timestamps)
            keep = (np.arange(seen, seen + len(batch.timestamps)) % keep_every) == 0
            kept_frames.append(batch.frames[keep].copy())
            kept_times.append(batch.timestamps[keep])
            seen += len(batch.timestamps)
            # Every other pixel: the histograms of the 128-px frames the shot thresholds were tuned on, 4× cheaper.
            yield shot_io.frame_histograms(batch.frames[:, ::2, ::2])

    lookahead = max(1, round(shot_io.FLASH_WINDOW * SHOT_ANALYSIS_FPS))
    distances, persistence = shot_io.histogram_signals(histogram_batches(), lookahead=lookahead)
    times = np.concatenate(timestamps) if timestamps else np.zeros(0)
    duration = info.duration or (float(times[-1]) + 1.0 / SHOT_ANALYSIS_FPS if len(times) else 0.0)
    cuts = shot_io.cut_frames(
        distances=distances,
        persistence=persistence,
        timestamps=times,
        duration=duration,
        dist_threshold=shot_io.DIST_THRESHOLD,
        gradient_threshold=shot_io.GRADIENT_THRESHOLD,
        min_shot_length=shot_io.MIN_SHOT_LENGTH,
    )
    shots = shot_io.shots_from_cuts(cut_times=times[cuts], duration=duration)
    frames = AnalysisFrames(
        frames=np.concatenate(kept_frames) if kept_frames else np.zeros((0, 1, 1, 3), np.uint8),
        times=np.concatenate(kept_times) if kept_times else np.zeros(0),
    )
    return frames, shots


def video_feature(*, frames: AnalysisFrames, embed: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
    """SLAC §3.4: mean ImageNet feature of central 224 crops of frames at 0.2 fps (L2-normalised)."""
    step = max(1, int(round(ANALYSIS_FPS / DEDUP_FPS)))
    picked = frames.frames[::step]
    if len(picked) == 0:
        raise ValueError("the video has no decodable frames")
    return mean_feature(embed(frame_io.center_crop(picked, size=224)))


def person_frame_times(shot: Shot) -> list[float]:
    """SLAC §3.5: two frames per shot, at 1/3 and 2/3 of its length (away from the cuts)."""
    length = shot.end - shot.start
    return [shot.start + length / 3, shot.start + 2 * length / 3]


def shot_person_scores(*, frames: AnalysisFrames, shots: Sequence[Shot], detector: PersonDetector) -> list[float]:
    """Per shot, the person score of its two frames (SLAC §3.5), each frame looked at only while the shot's decision
    is open (workers.detection.base.shots_person_scores)."""
    from workers.detection.base import shots_person_scores

    times = [t for shot in shots for t in person_frame_times(shot)]
    if not times:
        return []
    picked = frames.at(times)
    return shots_person_scores(picked.reshape(len(shots), 2, *picked.shape[1:]), detector=detector).tolist()


def sampling_span(shot: Shot, *, duration: float) -> Shot:
    """The part of a detected shot a clip may cover: its stored end less CUT_LATENESS when it ends at a cut (not
    at the video's end), so a clip placed inside it lies inside the true shot, never across the cut."""
    end = shot.end - CUT_LATENESS if shot.end < duration - 1e-6 else shot.end
    return Shot(index=shot.index, start=shot.start, end=max(end, shot.start))


def candidate_times(
    *,
    shot: Shot,
    placement: CandidatePlacement | str,
    per_shot: int = CANDIDATES_PER_SHOT,
    seed: int | Sequence[int] | None = None,
) -> list[float]:
    """The frames of one shot a clip may be centred on, the same number for a long and a short shot, so long shots
    do not dominate the draw.

    CENTRAL (HACS §3.3.2, each shot's central frame): the centres of ``per_shot`` equal parts of the shot, which
    for one is the shot's centre. RANDOM (SLAC §3.6, a random frame per shot): ``per_shot`` uniform times in the
    shot, fixed by ``seed`` so a re-run stage stores the same candidates.
    """
    length = shot.end - shot.start
    if length <= 0 or per_shot <= 0:
        return []
    if CandidatePlacement(placement) is CandidatePlacement.CENTRAL:
        times = [shot.start + length * (k + 0.5) / per_shot for k in range(per_shot)]
    else:
        times = np.random.default_rng(seed).uniform(shot.start, shot.end, size=per_shot).tolist()
    return sorted(min(max(round(t, 3), shot.start), shot.end) for t in times)  # ms, as clips are stored


def training_frame_times(shot: Shot, interval: float = TRAINING_FRAME_INTERVAL) -> list[float]:
    """Frames the video-frame classifier learns from: the shot's central frame and one every `interval` seconds
    around it (training wants many frames of a shot; sampling wants the same number from every shot)."""
    centre = (shot.start + shot.end) / 2
    half = (shot.end - shot.start) / 2
    offsets = np.arange(interval, half, interval) if half > interval else np.array([])
    times = sorted({round(centre, 3), *np.round(centre - offsets, 3), *np.round(centre + offsets, 3)})
    return [t for t in times if shot.start <= t < shot.end]


@dataclass(frozen=True)
class ScoredFrames:
    times: np.ndarray
    p_youtube: np.ndarray  # N×201
    p_google: np.ndarray  # N×201
    features: np.ndarray  # N×D conv features (representativeness term of SLAC eq. 1)


def score_candidates(
    *,
    frames: AnalysisFrames,
    times: Sequence[float],
    committee: Callable[[np.ndarray], tuple[np.ndarray, np.ndarray, np.ndarray]],
) -> ScoredFrames:
    """SLAC §3.6: both 201-way classifiers on each candidate frame, plus its feature vector. ``committee`` answers
    (p_youtube, p_google, features) for a batch of frames; the pipeline's runs the shared ImageNet trunk once for
    all three (workers.classifiers.frame_classifier.committee_pass). Score every shot's candidates in one call:
    a batch of one frame per call wastes most of a CPU's vector width."""
    p_youtube, p_google, features = committee(frames.at(times))
    return ScoredFrames(
        times=np.asarray(times, dtype=float),
        p_youtube=np.asarray(p_youtube, dtype=np.float64),
        p_google=np.asarray(p_google, dtype=np.float64),
        features=np.asarray(features, dtype=np.float64),
    )
