"""The mining pipeline's stages: each loads what earlier stages stored, calls workers/ compute, and stores its own
result before the stage advances. Running a stage twice leaves the same rows (idempotent), so a redelivered task
after a worker died resumes where the stored stage says. Run by services.stage_run.
"""

from __future__ import annotations

import io
import tempfile
from pathlib import Path

import numpy as np
from django.conf import settings
from django.db import transaction

from backend.catalog.models import Video
from backend.catalog.storage import video_local_path
from backend.clips.models import Clip
from backend.core.faults import fault_point
from backend.mining.models import Shot, Stage, VideoMining, from_bytes, to_bytes
from backend.mining.services import (
    _advance,
    _backbone,
    _detector,
    cache_path,
    classifier_class_index,
    classifier_load,
    latest_classifiers,
    mining_video_remove,
)
from workers import mining as compute
from workers.candidates import ClipSpan

# --- media access ----------------------------------------------------------------------------------------------


def _analysis(video: Video) -> tuple[compute.AnalysisFrames, list]:
    """The video's 2-fps frames and its shots from one decode, kept on local disk until the pipeline ends."""
    from workers.shots import Shot as ShotSpan

    cache = cache_path(video)
    if cache.is_file():
        data = np.load(cache)
        shots = [ShotSpan(index=i, start=float(a), end=float(b)) for i, (a, b) in enumerate(data["shots"])]
        return compute.AnalysisFrames(frames=data["frames"], times=data["times"]), shots
    with tempfile.TemporaryDirectory() as tmp:
        frames, shots = compute.analyse_video(path=video_local_path(video, Path(tmp)))
    cache.parent.mkdir(parents=True, exist_ok=True)
    partial = cache.with_name(cache.stem + ".part.npz")
    np.savez(
        partial,
        frames=frames.frames,
        times=frames.times,
        shots=np.array([[s.start, s.end] for s in shots], dtype=float).reshape(-1, 2),
    )
    partial.replace(cache)  # atomic: a killed worker never leaves half a cache behind
    return frames, shots


def _analysis_frames(video: Video) -> compute.AnalysisFrames:
    return _analysis(video)[0]


# --- stages ----------------------------------------------------------------------------------------------------


def stage_features(mining: VideoMining) -> None:
    feature = compute.video_feature(frames=_analysis_frames(mining.video), embed=_backbone().embed)
    _advance(mining, Stage.FEATURES, feature=to_bytes(feature.astype(np.float32)))


def stage_dedup(mining: VideoMining) -> None:
    """SLAC §3.4 within the class: this video and every featured one; duplicates of a kept video leave."""
    from workers.dedup import find_duplicates

    video = mining.video
    peers = list(
        VideoMining.objects.filter(
            video__project=video.project, video__query_class=video.query_class, feature__isnull=False
        )
        .select_related("video")
        .order_by("video_id")
    )
    features = np.stack([from_bytes(p.feature) for p in peers])
    keys = np.array([[p.video.duration, p.video.width * p.video.height] for p in peers], dtype=float)
    result = find_duplicates(
        features=features, ids=[p.video_id for p in peers], keys=keys, threshold=settings.DEDUP_THRESHOLD
    )
    duplicates = result.duplicate_of()
    with transaction.atomic():
        for peer in peers:
            keeper = duplicates.get(peer.video_id)
            if keeper is not None and peer.pk != mining.pk and peer.stage != Stage.REMOVED:
                _remove(peer, reason="duplicate", duplicate_of_id=keeper)
        keeper = duplicates.get(video.pk)
        if keeper is not None:
            _remove(mining, reason="duplicate", duplicate_of_id=keeper)
        else:
            _advance(mining, Stage.DEDUP)


def _remove(mining: VideoMining, *, reason: str, duplicate_of_id: int | None = None) -> None:
    """Take a video out: its pipeline ends, its clips leave every queue and export (services.mining_video_remove)."""
    with transaction.atomic():
        mining_video_remove(mining=mining, reason=reason, duplicate_of_id=duplicate_of_id)


def stage_shots(mining: VideoMining) -> None:
    shots = _analysis(mining.video)[1]  # SLAC §3.5, computed in the same decode as the analysis frames
    with transaction.atomic():
        Shot.objects.filter(video=mining.video).delete()  # a redelivered stage replaces, never duplicates
        Shot.objects.bulk_create([Shot(video=mining.video, index=s.index, start=s.start, end=s.end) for s in shots])
        _advance(mining, Stage.SHOTS)


def stage_persons(mining: VideoMining) -> None:
    from workers.detection.base import shot_has_person

    shots = list(Shot.objects.filter(video=mining.video))
    scores = compute.shot_person_scores(frames=_analysis_frames(mining.video), shots=shots, detector=_detector())
    with transaction.atomic():
        for shot, score in zip(shots, scores, strict=True):
            shot.person_score = score
        Shot.objects.bulk_update(shots, ["person_score"])
        if not any(shot_has_person(s) for s in scores):  # SLAC §3.5: a video with no person shot is removed
            _remove(mining, reason="no person")
        else:
            _advance(mining, Stage.PERSONS)


def stage_scores(mining: VideoMining) -> None:
    """SLAC §3.6: both classifiers on each person shot's candidate frames, read at the video's class column in the
    label list the classifiers were trained with. Without that column (no classifiers, a class added after the
    last `retrain`) only the candidate times are stored, and sampling falls back to Random, with the reason."""
    from workers.detection.base import shot_has_person
    from workers.shots import Shot as ShotSpan

    video = mining.video
    youtube, web = latest_classifiers()
    class_index, note = classifier_class_index(youtube=youtube, web=web, class_name=video.query_class.name)
    frames = _analysis_frames(video)
    shots = list(Shot.objects.filter(video=video))
    video_end = max((s.end for s in shots), default=0.0)  # the last shot ends where the video does
    person_shots = [s for s in shots if shot_has_person(s.person_score or 0.0)]
    exact = _refine_cuts(video=video, shots=shots, person_shots=person_shots, video_end=video_end)
    # HACS §3.3.2 scores each shot's central frame; SLAC §3.6 (QBC) a random frame of each shot.
    placement = (
        compute.CandidatePlacement.RANDOM if strategy_for(video) == "qbc" else compute.CandidatePlacement.CENTRAL
    )
    shot_times = {
        shot.pk: compute.candidate_times(
            shot=ShotSpan(index=shot.index, start=shot.start, end=shot.end),
            placement=placement,
            per_shot=settings.MINING_CANDIDATES_PER_SHOT,
            seed=[video.pk, shot.index],  # the same random frame when the stage runs again
        )
        for shot in person_shots
    }
    if class_index is None or youtube is None or web is None:
        blobs = {pk: _npz(times=np.asarray(times), exact_bounds=np.asarray(exact)) for pk, times in shot_times.items()}
    else:
        # Every shot's candidates in one batch, through one pass of the frozen ImageNet trunk for both classifiers
        # and the conv features (SLAC eq. 1: the last conv block, global-average-pooled, 1280-d).
        scored = compute.score_candidates(
            frames=frames,
            times=[t for times in shot_times.values() for t in times],
            committee=_committee(youtube, web),
        )
        blobs, start = {}, 0
        for pk, times in shot_times.items():
            part = slice(start, start + len(times))
            start += len(times)
            blobs[pk] = _npz(
                times=scored.times[part],
                p_youtube=scored.p_youtube[part].astype(np.float32),
                p_google=scored.p_google[part].astype(np.float32),
                features=scored.features[part].astype(np.float32),
                class_index=np.asarray(class_index),  # the column these scores were read with
                exact_bounds=np.asarray(exact),  # whether the shot's cuts were refined at the video's own rate
            )
    with transaction.atomic():
        for shot in person_shots:
            shot.candidates = blobs[shot.pk]
        Shot.objects.bulk_update(shots, ["start", "end"])
        Shot.objects.bulk_update(person_shots, ["candidates"])
        _advance(mining, Stage.SCORES, sampling_note=note)


def _refine_cuts(*, video: Video, shots: list[Shot], person_shots: list[Shot], video_end: float) -> bool:
    """Move the cuts that bound person shots (the shots clips are sampled from) to their exact frame, found at the
    video's own rate (workers.shots.refine_cuts), in place on `shots`: the 10-fps detection places a cut up to
    0.1 s late, where a clip pushed to its shot's end would show the next shot. Exact cuts stay exact when the
    stage runs again (the window around an exact cut holds it). False when the video's rate is unknown."""
    from workers.shots import refine_cuts

    found = sorted({s.start for s in person_shots if s.start > 0} | {s.end for s in person_shots if s.end < video_end})
    if not found:
        return True
    if not video.fps:
        return False
    with tempfile.TemporaryDirectory() as tmp:
        exact = refine_cuts(
            path=video_local_path(video, Path(tmp)), cut_times=found, fps=video.fps, lateness=compute.CUT_LATENESS
        )
    moved = dict(zip(found, exact, strict=True))
    for shot in shots:  # a cut is the end of one shot and the start of the next: both move
        shot.start, shot.end = moved.get(shot.start, shot.start), moved.get(shot.end, shot.end)
    return True


def _committee(youtube, web):
    """(p_youtube, p_google, features) of a batch of frames from one pass of the worker's ImageNet trunk."""
    from workers.classifiers.frame_classifier import committee_pass

    backbone = _backbone()
    classifiers = [classifier_load(youtube), classifier_load(web)]

    def score(frames: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        features, (p_youtube, p_google) = committee_pass(
            frames, trunk=backbone.model, device=backbone.device, classifiers=classifiers
        )
        return p_youtube, p_google, features

    return score


def _npz(**arrays: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return buf.getvalue()


def strategy_for(video: Video) -> str:
    project = video.project
    return project.sampling_training if video.subset == Video.Subset.TRAINING else project.sampling_evaluation


def stage_sample(mining: VideoMining) -> None:
    """HACS §3.3.2 / SLAC §3.6 sampling over the candidate frames of the video's person shots."""
    from workers.detection.base import shot_has_person
    from workers.sampling import CandidateFrames, draws_for_budget, sample_clips
    from workers.shots import Shot as ShotSpan

    video = mining.video
    shots = list(Shot.objects.filter(video=video))
    video_end = max((s.end for s in shots), default=0.0)
    person = [s for s in shots if shot_has_person(s.person_score or 0.0) and s.candidates is not None]
    parts = [np.load(io.BytesIO(bytes(s.candidates))) for s in person]
    exact = {s.pk for s, p in zip(person, parts, strict=True) if "exact_bounds" in p and bool(p["exact_bounds"])}
    # Clips are placed inside their shot, never across a cut: a shot whose cuts stage_scores refined as it is, one
    # scored before that (its cuts up to 0.1 s late) inside its sampling span.
    spans = [
        ShotSpan(index=s.index, start=s.start, end=s.end)
        if s.pk in exact
        else compute.sampling_span(ShotSpan(index=s.index, start=s.start, end=s.end), duration=video_end)
        for s in shots
    ]
    span_end = {s.pk: span.end for s, span in zip(shots, spans, strict=True)}
    # a frame an earlier stage stored in the margin of a late cut is dropped with the margin
    keep = [np.asarray(p["times"]) <= span_end[s.pk] for s, p in zip(person, parts, strict=True)]
    parts = [{key: p[key][k] if p[key].ndim else p[key] for key in p.files} for p, k in zip(parts, keep, strict=True)]
    times = np.concatenate([p["times"] for p in parts]) if parts else np.zeros(0)
    strategy = strategy_for(video)
    # Scores stored before the classifiers' own label list was used carry no class_index: Random until re-scored.
    scored = bool(parts) and all("p_youtube" in p and "class_index" in p for p in parts)
    if not scored:
        strategy = "random"  # the scores the other strategies need do not exist (stage_scores stored why)
    n = len(times)
    class_index = int(parts[0]["class_index"]) if scored else 0
    candidates = CandidateFrames.from_shots(
        times=times,
        shots=spans,
        p_youtube=np.concatenate([p["p_youtube"] for p in parts]) if scored else np.ones((n, 1)),
        p_google=np.concatenate([p["p_google"] for p in parts]) if scored else np.ones((n, 1)),
        features=np.concatenate([p["features"] for p in parts]) if scored else np.ones((n, 1)),
    )
    picked = (
        sample_clips(
            candidates=candidates,
            class_index=class_index,
            strategy=strategy,
            seed=video.pk,
            # One per-video budget for every strategy (issue 12): a video costs the same to label whichever ran.
            num_samples=draws_for_budget(strategy=strategy, budget=video.project.clips_per_video),
            video_duration=video.duration,
        )
        if n
        else []
    )
    spans_out = [
        ClipSpan(
            start=round(c.start, 3),
            end=round(c.end, 3),
            method=str(c.method),
            scores={k: float(v) for k, v in c.scores.items()},
        )
        for c in picked
    ]
    from backend.clips.services import video_candidates_create, video_clips_untouched_delete

    with transaction.atomic():
        # Mined candidates replace the uniform random ones nobody has touched yet
        # (also the clips of an earlier round, when active learning re-samples a video nobody has labelled).
        video_clips_untouched_delete(video=video)
        created = video_candidates_create(video=video, spans=spans_out)
        fault_point("mining.sample.before_commit")  # tests/faults: a worker killed here redoes the stage
        from backend.mining.models import LearningRound

        current = LearningRound.objects.order_by("-number").first()
        if current is not None:
            Clip.objects.filter(pk__in=[c.pk for c in created]).update(learning_round=current)
        _advance(mining, Stage.SAMPLE, strategy=strategy)


def stage_done(mining: VideoMining) -> None:
    cache_path(mining.video).unlink(missing_ok=True)
    _advance(mining, Stage.DONE)


def external_dedup(
    *, features: np.ndarray, classes: list[str], mapping: dict[str, list[str]], threshold: float | None = None
) -> list[int]:
    """Remove our videos that match another dataset's validation/test videos (SLAC §3.4, external de-dup).

    `features`/`classes`: the other dataset's per-video mean features and their class names; `mapping`: its class
    → our similar classes. Only our videos whose features exist (mined past the features stage) are compared.
    Returns the ids of the videos removed.
    """
    from workers.dedup import match_external

    if len(features) != len(classes):
        raise ValueError(f"{len(features)} feature rows but {len(classes)} class names")
    threshold = settings.DEDUP_THRESHOLD if threshold is None else threshold
    ours_to_theirs: dict[str, list[int]] = {}
    for theirs, ours in mapping.items():
        rows = [i for i, c in enumerate(classes) if c == theirs]
        for name in ours:
            ours_to_theirs.setdefault(name, []).extend(rows)
    removed = []
    for name, rows in ours_to_theirs.items():
        candidates = list(
            VideoMining.objects.filter(video__query_class__name=name, feature__isnull=False)
            .exclude(stage=Stage.REMOVED)
            .select_related("video")
        )
        if not candidates or not rows:
            continue
        mine = np.stack([from_bytes(m.feature) for m in candidates])
        hits = match_external(features=mine, external_features=features[sorted(set(rows))], threshold=threshold)
        for mining, hit in zip(candidates, hits, strict=True):
            if hit:
                _remove(mining, reason="external duplicate")
                removed.append(mining.video_id)
    return removed
