"""Curation writes: human-centric scores (queued, computed by a worker, stored) and class-balanced splits.

Human-centric score (HAA500 "detectable joints", workers/human_centric.py): a clip is read from its source video —
its trimmed frames when it has a trim, else its grid span — and SCORE_FRAMES frames spread evenly over it, both ends
included, are scored. The clip's score is their **mean**: HAA500 reports its dataset's human-centricity (69.7%
detectable joints) as an average over frames, and a clip is human-centric when its actor stays visible through the
action; the maximum would rate a clip whose actor fills one sampled frame of eight as fully human-centric. A frame
without a person counts 0.

Splits (HAA500: 20 clips per class from 20 different source videos, 16 / 1 / 3, no source video in two splits;
workers/splits.py) are drawn per class from its curatable clips (selectors.py). Rule for trimmed clips: **a class is
split from its trimmed clips alone when they come from enough videos, else from all its curatable clips** (trimmed
and untrimmed); ``trimmed_only`` refuses the fallback. Rule for the one clip a video gives its class
(``_split_preference``): a trimmed clip before an untrimmed one (a person fixed its frames), then the highest
human-centric score (HAA500's human-centric criterion; unscored clips after scored ones), then the seeded draw.
A video keeps one split across classes, including classes not re-split now (their stored splits pin their videos).
"""

from __future__ import annotations

import functools
import logging
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction

from backend.catalog.models import ActionClass, Project
from backend.catalog.storage import video_local_path
from backend.clips.models import Clip
from backend.core.jobs import job_create, job_done, job_failed, job_running, job_update
from backend.core.models import Job
from backend.core.tasks import task_publish_on_commit
from backend.curation import selectors
from backend.curation.models import Curation
from backend.curation.timing import TimingError, clip_frames, video_frame_timing
from workers import splits
from workers.media import frame_exact

log = logging.getLogger("actionloom.curation")

JOB_KIND = "human_centric"
SCORE_FRAMES = 8  # frames sampled per clip: one every ~0.25 s of a 2-s HAA500 clip
State = Curation.ScoreState


# --- human-centric score ----------------------------------------------------------------------------------------


def human_centric_enqueue(
    *, project: Project, action_class: ActionClass | None = None, rescore: bool = False
) -> tuple[Job | None, int]:
    """Queue the human-centric score of the project's curatable clips (of one class, or all) that have a video file.

    Without ``rescore`` only clips not scored yet (no score, pending or failed); with it, every one again. Marks
    them pending, creates the job's status row and publishes its task on commit. Returns (job, clip count); no job
    when there is nothing to score.
    """
    clips = selectors.curatable_clips(project=project, action_class=action_class).exclude(video__file="")
    if not rescore:
        clips = clips.exclude(curation__human_centric_state=State.READY)
    ids = list(clips.order_by("pk").values_list("pk", flat=True))
    if not ids:
        return None, 0
    from backend.curation.tasks import human_centric_score_task

    with transaction.atomic():
        Curation.objects.bulk_create([Curation(clip_id=pk) for pk in ids], ignore_conflicts=True)
        Curation.objects.filter(clip_id__in=ids).update(human_centric_state=State.PENDING)
        job = job_create(kind=JOB_KIND, message=f"{len(ids)} clips to score")
        task_publish_on_commit(human_centric_score_task, job.pk, ids)
    return job, len(ids)


@functools.cache
def _scorer():
    """One BlazePose scorer per worker process (building one loads the models, ≈ 0.5 s)."""
    from workers.human_centric import HumanCentricScorer

    return HumanCentricScorer()


def clip_human_centric_compute(*, clip_id: int, scorer=None) -> float:
    """The clip's human-centric score: mean detectable-joint share of SCORE_FRAMES frames of the clip.

    Raises Clip.DoesNotExist, TimingError, ValueError (frames past the video's end), RuntimeError (ffmpeg) and
    OSError (the file cannot be read).
    """
    clip = Clip.objects.select_related("video").get(pk=clip_id)
    curation = Curation.objects.filter(clip=clip).first()
    with tempfile.TemporaryDirectory() as tmp:
        source = video_local_path(clip.video, Path(tmp))
        # a trim is in frames already; a grid span needs the first-frame offset (probed when not stored)
        trimmed = curation is not None and curation.is_trimmed
        timing = video_frame_timing(video=clip.video, source=None if trimmed and clip.video.fps else source)
        first, last = clip_frames(clip=clip, curation=curation, timing=timing)
        indices = frame_exact.sample_indices(first=first, last=last, count=SCORE_FRAMES)
        frames = frame_exact.read_frames_at(source=source, indices=indices, fps=timing.fps)
    score = (scorer or _scorer()).clip_score(frames)
    return min(1.0, max(0.0, score))


def human_centric_requeue_pending() -> int:
    """Publish one scoring job for every clip still pending (run at worker start: a broker outage or a lost message
    leaves clips pending). Returns how many tasks were published (0 or 1). Safe alongside the original message, if
    it survived: a job scores only clips still pending, so each clip is scored once."""
    from backend.core.tasks import task_publish
    from backend.curation.tasks import human_centric_score_task

    ids = list(
        Curation.objects.filter(human_centric_state=State.PENDING).order_by("clip_id").values_list("clip_id", flat=True)
    )
    if not ids:
        return 0
    Job.objects.filter(kind=JOB_KIND, state=Job.State.QUEUED).update(
        state=Job.State.FAILED, message="its message was lost; its clips were queued again at worker start"
    )
    job = job_create(kind=JOB_KIND, message=f"{len(ids)} clips to score (re-queued)")
    return int(task_publish(human_centric_score_task, job.pk, ids))


def human_centric_job_run(*, job_id: int, clip_ids: Sequence[int], scorer=None) -> Job:
    """Score the job's clips that are still pending, storing each as it is done; a clip that cannot be read is
    marked failed and the others go on. Idempotent: a redelivered or retried run skips the clips already stored."""
    job_running(job_id, stage="scoring")
    total = max(1, len(clip_ids))
    for done, clip_id in enumerate(clip_ids, 1):
        pending = Curation.objects.filter(clip_id=clip_id, human_centric_state=State.PENDING).exists()
        if pending:
            try:
                value = clip_human_centric_compute(clip_id=clip_id, scorer=scorer)
            except Clip.DoesNotExist:
                pass  # deleted since it was queued: its curation went with it
            except (TimingError, ValueError, RuntimeError, FileNotFoundError) as exc:
                log.warning("human-centric score of clip %s failed: %s", clip_id, exc)
                Curation.objects.filter(clip_id=clip_id, human_centric_state=State.PENDING).update(
                    human_centric_state=State.FAILED
                )
            else:
                Curation.objects.filter(clip_id=clip_id, human_centric_state=State.PENDING).update(
                    human_centric=value, human_centric_state=State.READY
                )
        job_update(job_id, progress=done / total)
    counts = human_centric_job_counts(clip_ids=clip_ids)
    job_done(job_id, message=f"{counts[State.READY]} scored, {counts[State.FAILED]} failed of {len(clip_ids)} clips")
    return Job.objects.get(pk=job_id)


def human_centric_job_failed(*, job_id: int, clip_ids: Sequence[int], error: str) -> None:
    """The task gave up (retries spent): the job and its clips still pending are failed; a later run retries them."""
    Curation.objects.filter(clip_id__in=list(clip_ids), human_centric_state=State.PENDING).update(
        human_centric_state=State.FAILED
    )
    job_failed(job_id, message=error)


def human_centric_reset(*, clip_ids: Sequence[int]) -> int:
    """Forget the clips' scores (a new trim makes them stale: they were computed on other frames), so that the
    next ``score_human_centric`` run, without --all, scores them again. Returns how many were reset."""
    return (
        Curation.objects.filter(clip_id__in=list(clip_ids))
        .exclude(human_centric_state=State.NONE)
        .update(human_centric=None, human_centric_state=State.NONE)
    )


def human_centric_job_counts(*, clip_ids: Sequence[int]) -> dict[str, int]:
    counts = dict.fromkeys(State.values, 0)
    for state in Curation.objects.filter(clip_id__in=list(clip_ids)).values_list("human_centric_state", flat=True):
        counts[state] += 1
    return counts


# --- splits ------------------------------------------------------------------------------------------------------


class SplitsError(ValueError):
    """Some classes cannot be split; nothing was stored. The message has one line per class and why."""


@dataclass(frozen=True)
class ClassSplitResult:
    action_class: str
    train: int
    val: int
    test: int
    videos: int
    from_trimmed_only: bool  # False: trimmed clips did not suffice, untrimmed ones were used too
    trimmed: int  # trimmed clips among the chosen


def splits_make(
    *,
    project: Project,
    action_class: ActionClass | None = None,
    per_class: int = splits.DEFAULT_CLIPS_PER_CLASS,
    ratios: Sequence[int] = splits.DEFAULT_RATIOS,
    seed: int = 0,
    trimmed_only: bool = False,
) -> list[ClassSplitResult]:
    """Split every class of the project that has curatable clips (or one class), and store ``Curation.split``.

    All or nothing: when a class cannot be split, SplitsError lists every such class and no split changes. Splitting
    every class replaces all the project's splits; splitting one replaces that class's, and the other classes'
    stored splits stay and pin their videos.
    """
    pool = selectors.curatable_split_pool(project=project, action_class=action_class)
    if action_class is not None and action_class.name not in pool:
        raise SplitsError(f"class {action_class.name!r}: no curatable clips (positive consensus or segment clips)")
    if not pool:
        raise SplitsError(f"project {project.name!r} has no curatable clips (positive consensus or segment clips)")
    # splitting every class starts afresh; splitting one keeps the videos the other classes' splits hold
    bound = {} if action_class is None else selectors.split_bindings(project=project, other_than=list(pool))
    chosen: dict[int, str] = {}
    results, problems = [], []
    for name in sorted(pool):  # name order, as workers/splits.py splits classes
        candidates = pool[name]
        trimmed = [c for c in candidates if c["trimmed"]]
        attempts = (
            [trimmed] if trimmed_only else ([trimmed, candidates] if len(trimmed) < len(candidates) else [candidates])
        )
        split, error = None, None
        for clips in attempts:
            if not clips:
                continue
            try:
                split = splits.class_balanced_splits(
                    clips=[splits.SplitClip(c["clip"], name, c["video"], _split_preference(c)) for c in clips],
                    per_class=per_class,
                    ratios=ratios,
                    seed=seed,
                    pinned=bound,
                )[name]
                break
            except splits.SplitError as exc:
                error = exc
        if split is None:
            problems.append(f"class {name!r}: no trimmed clips" if error is None else str(error))
            continue
        video_of = {c["clip"]: c["video"] for c in candidates}
        for split_name in splits.SPLITS:
            for clip_id in split.clips(split_name):
                chosen[clip_id] = split_name
                bound[video_of[clip_id]] = split_name  # later classes keep this video in this split
        picked = [c for c in candidates if c["clip"] in chosen]
        results.append(
            ClassSplitResult(
                action_class=name,
                train=len(split.train),
                val=len(split.val),
                test=len(split.test),
                videos=len({c["video"] for c in picked}),
                from_trimmed_only=all(c["trimmed"] for c in picked),
                trimmed=sum(c["trimmed"] for c in picked),
            )
        )
    if problems:
        raise SplitsError("\n".join(problems))
    _splits_store(project=project, action_class=action_class, chosen=chosen)
    return results


def _split_preference(clip: dict) -> tuple[int, int, float]:
    """Lower first, among one video's clips of a class: trimmed, then scored, then the higher human-centric score."""
    score = clip["human_centric"]
    return (0 if clip["trimmed"] else 1, 0 if score is not None else 1, -(score or 0.0))


def _splits_store(*, project: Project, action_class: ActionClass | None, chosen: dict[int, str]) -> None:
    """Replace the stored splits of the project (or of one class) with ``chosen`` (clip id → split)."""
    previous = Curation.objects.filter(clip__video__project=project).exclude(split="")
    if action_class is not None:
        previous = previous.filter(clip__action_class=action_class)
    with transaction.atomic():
        previous.update(split="")
        Curation.objects.bulk_create([Curation(clip_id=pk) for pk in chosen], ignore_conflicts=True)
        for split_name in splits.SPLITS:
            Curation.objects.filter(clip_id__in=[pk for pk, s in chosen.items() if s == split_name]).update(
                split=split_name
            )
