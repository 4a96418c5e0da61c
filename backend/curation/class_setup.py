"""The guided "add a class" flow (HAA500: a class can be added in 20–60 minutes): class → guideline → videos →
mining → examples → first page. Each step's completion time is stored, so the platform reports its own minutes.

Videos are uploaded through the ordinary upload API and mined or cut by the ordinary worker tasks; this module
only creates the class, keeps the record of the steps and reads their progress.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import Count, Max, Q
from django.utils import timezone

from backend.catalog.models import ActionClass, AnnotatorGroup, ClassSetup, Guideline, GuidelineExample, Project, Video
from backend.catalog.taxonomy import FIRST_OWN_NODE_ID
from backend.clips.models import Clip
from backend.core.errors import ApplicationError
from backend.core.models import Job
from backend.mining.models import Stage, VideoMining


class ClassSetupError(ApplicationError, ValueError):
    """The step cannot be done (yet); the message says why, for the admin."""


def class_setup_start(
    *, project: Project, name: str, parent: ActionClass | None, group: AnnotatorGroup, created_by, started_at: datetime
) -> ClassSetup:
    """Create the leaf class under `parent`, its (empty) guideline, and bind it to the annotator group."""
    name = " ".join(name.split())
    if not name:
        raise ClassSetupError("give the class a name")
    if ActionClass.objects.filter(name__iexact=name).exists():
        raise ClassSetupError(f"a class named {name!r} exists already")
    if parent is not None and parent.is_leaf:
        raise ClassSetupError(
            f"{parent.name} is an action class, not a group of classes: pick its parent "
            f"({parent.parent.name if parent.parent else 'no parent'}) instead"
        )
    if group.project_id != project.pk:
        raise ClassSetupError(f"the group {group.name} belongs to another project")
    if started_at > timezone.now():
        raise ClassSetupError("the start time is in the future")
    with transaction.atomic():
        top = ActionClass.objects.select_for_update().aggregate(top=Max("node_id"))["top"] or 0
        action_class = ActionClass.objects.create(
            node_id=max(top + 1, FIRST_OWN_NODE_ID), name=name, parent=parent, is_leaf=True
        )
        Guideline.objects.create(action_class=action_class)
        group.classes.add(action_class)
        return ClassSetup.objects.create(
            project=project,
            action_class=action_class,
            created_by=created_by,
            started_at=started_at,
            step_done_at={"class": timezone.now().isoformat()},
        )


def class_setup_guideline(*, setup: ClassSetup, definition: str) -> None:
    definition = definition.strip()
    if len(definition) < 20:
        raise ClassSetupError(
            "write the definition: what the action is, where it starts and ends, what is not it (at least a sentence)"
        )
    guideline = setup.action_class.guideline
    guideline.definition = definition
    guideline.save(update_fields=["definition", "updated_at"])
    _step_done(setup=setup, step="guideline")


def class_setup_example(*, setup: ClassSetup, clip: Clip, kind: str | None) -> None:
    """Make a clip of the class a positive example, a hard negative, or neither (kind None)."""
    if clip.action_class_id != setup.action_class_id:
        raise ClassSetupError("that clip is not of this class")
    guideline = setup.action_class.guideline
    if kind is None:
        GuidelineExample.objects.filter(guideline=guideline, clip=clip).delete()
        return
    if kind not in GuidelineExample.Kind.values:
        raise ClassSetupError(f"unknown example kind {kind!r}")
    GuidelineExample.objects.update_or_create(guideline=guideline, clip=clip, defaults={"kind": kind})


def class_setup_step_done(*, setup: ClassSetup, step: str) -> None:
    """Mark the videos, mining or examples step done, once what it needs is there."""
    progress = class_setup_progress(setup=setup)
    if step == "videos" and progress.videos == 0:
        raise ClassSetupError("upload at least one video first")
    if step == "mining" and progress.clips_ready == 0:
        raise ClassSetupError("no clip is ready yet: wait for the worker")
    if step == "examples" and progress.positive_examples == 0:
        raise ClassSetupError("mark at least one positive example: annotators learn the class from it")
    if step not in ("videos", "mining", "examples"):
        raise ClassSetupError(f"unknown step {step!r}")
    _step_done(setup=setup, step=step)


def class_setup_finish(*, setup: ClassSetup) -> ClassSetup:
    missing = [s for s in ClassSetup.STEPS if s not in setup.step_done_at]
    if missing:
        raise ClassSetupError(f"steps left: {', '.join(missing)}")
    if setup.finished_at is None:
        setup.finished_at = timezone.now()
        setup.save(update_fields=["finished_at"])
    return setup


def _step_done(*, setup: ClassSetup, step: str) -> None:
    # The first completion counts: going back to fix a step later does not move the clock of the first pass.
    if step not in setup.step_done_at:
        setup.step_done_at = {**setup.step_done_at, step: timezone.now().isoformat()}
        setup.save(update_fields=["step_done_at"])


# --- reads ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SetupProgress:
    videos: int
    videos_removed: int
    jobs_running: int
    jobs_failed: int
    job_progress: float  # mean over the class's mining jobs, 0..1 (1 when mining is off)
    clips: int
    clips_ready: int
    positive_examples: int
    hard_negative_examples: int
    # Why mining gave the class's videos Random clips (a new class: the classifiers were trained without it); "".
    sampling_note: str = ""


def class_setup_progress(*, setup: ClassSetup) -> SetupProgress:
    videos = Video.objects.filter(project=setup.project, query_class=setup.action_class)
    jobs = Job.objects.filter(video__in=videos, kind="mine").aggregate(
        running=Count("pk", filter=Q(state__in=[Job.State.QUEUED, Job.State.RUNNING])),
        failed=Count("pk", filter=Q(state=Job.State.FAILED)),
        n=Count("pk"),
    )
    progress = list(Job.objects.filter(video__in=videos, kind="mine").values_list("progress", flat=True))
    clips = Clip.objects.filter(video__in=videos, action_class=setup.action_class).aggregate(
        n=Count("pk"), ready=Count("pk", filter=Q(media_state=Clip.MediaState.READY))
    )
    examples = dict(
        GuidelineExample.objects.filter(guideline__action_class=setup.action_class)
        .values_list("kind")
        .annotate(n=Count("pk"))
        .values_list("kind", "n")
    )
    return SetupProgress(
        videos=videos.count(),
        videos_removed=VideoMining.objects.filter(video__in=videos, stage=Stage.REMOVED).count(),
        jobs_running=jobs["running"],
        jobs_failed=jobs["failed"],
        job_progress=sum(progress) / len(progress) if progress else (1.0 if not setup.project.mining_enabled else 0.0),
        clips=clips["n"],
        clips_ready=clips["ready"],
        positive_examples=examples.get(GuidelineExample.Kind.POSITIVE, 0),
        hard_negative_examples=examples.get(GuidelineExample.Kind.HARD_NEGATIVE, 0),
        sampling_note=VideoMining.objects.filter(video__in=videos)
        .exclude(sampling_note="")
        .values_list("sampling_note", flat=True)
        .first()
        or "",
    )


def class_setup_minutes(*, setup: ClassSetup) -> dict:
    """Minutes from opening the flow to each step's completion, and in total (None until finished)."""
    start = setup.started_at
    out, previous = {}, start
    for step in ClassSetup.STEPS:
        if step in setup.step_done_at:
            done = datetime.fromisoformat(setup.step_done_at[step])
            out[step] = round((done - previous).total_seconds() / 60, 2)
            previous = done
    total = round((setup.finished_at - start).total_seconds() / 60, 2) if setup.finished_at else None
    return {"steps": out, "total": total}
