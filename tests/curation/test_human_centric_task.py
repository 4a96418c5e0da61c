"""The human-centric score of a clip, computed by the Celery task with the real BlazePose model on real photos
made into videos: a full-body person scores high, a face close-up low; a trim decides which frames are scored."""

from __future__ import annotations

import pytest
from django.core.files import File
from django.core.management import call_command

from backend.core.models import Job
from backend.curation import services
from backend.curation.models import Curation
from backend.curation.tasks import human_centric_score_task
from tests.curation.conftest import positive_clip, stored_video
from tests.factories import ActionClassFactory, ProjectFactory

pytestmark = pytest.mark.django_db

READY, FAILED, PENDING = Curation.ScoreState.READY, Curation.ScoreState.FAILED, Curation.ScoreState.PENDING


def run_queued(callbacks) -> None:
    """Run, in this process, the tasks the enqueue published on commit (eagerly, through Celery's apply)."""
    assert len(callbacks) == 1
    job = Job.objects.get(kind=services.JOB_KIND)
    clip_ids = list(Curation.objects.filter(human_centric_state=PENDING).values_list("clip_id", flat=True))
    result = human_centric_score_task.apply(args=[job.pk, sorted(clip_ids)])
    assert result.successful(), result.traceback


@pytest.fixture
def project():
    return ProjectFactory(name="Curated")


@pytest.mark.slow
def test_a_full_body_clip_scores_high_and_a_face_close_up_low(
    project, photo_videos, django_capture_on_commit_callbacks
):
    # given two curatable clips: 2 s of a real full-body photo, 2 s of a real face close-up
    action_class = ActionClassFactory(name="pushup")
    body = positive_clip(
        video=stored_video(photo_videos["body"], project=project, query_class=action_class), start=0.0, end=2.0
    )
    face = positive_clip(
        video=stored_video(photo_videos["face"], project=project, query_class=action_class), start=0.0, end=2.0
    )
    # when the admin queues scoring and the worker runs the task
    with django_capture_on_commit_callbacks() as callbacks:
        job, count = services.human_centric_enqueue(project=project)
    assert count == 2 and Job.objects.get(pk=job.pk).state == Job.State.QUEUED
    run_queued(callbacks)
    # then the body clip is human-centric, the close-up is not
    body_c, face_c = Curation.objects.get(clip=body), Curation.objects.get(clip=face)
    assert (body_c.human_centric_state, face_c.human_centric_state) == (READY, READY)
    assert body_c.human_centric >= 0.9
    assert face_c.human_centric <= 0.4
    job.refresh_from_db()
    assert (job.state, job.progress, job.message) == (Job.State.DONE, 1.0, "2 scored, 0 failed of 2 clips")


@pytest.mark.slow
def test_a_trimmed_clip_is_scored_on_its_trimmed_frames(project, photo_videos):
    # given one video: 1 s of a face close-up (frames 0–24) then 1 s of a full-body person (frames 25–49), and three
    # clips of it: the whole 2 s untrimmed, and the same span trimmed to the face frames or to the body frames
    video = stored_video(photo_videos["face_then_body"], project=project, query_class=ActionClassFactory())
    whole = positive_clip(video=video, start=0.0, end=2.0)
    on_face = positive_clip(video=video, start=0.0, end=1.99, first_frame=2, last_frame=22)
    on_body = positive_clip(video=video, start=0.01, end=2.0, first_frame=27, last_frame=49)
    job, _ = services.human_centric_enqueue(project=project)
    # when the task runs (twice: a redelivered message must change nothing)
    clip_ids = [whole.pk, on_face.pk, on_body.pk]
    human_centric_score_task.apply(args=[job.pk, clip_ids])
    first = dict(Curation.objects.values_list("clip_id", "human_centric"))
    human_centric_score_task.apply(args=[job.pk, clip_ids])
    assert dict(Curation.objects.values_list("clip_id", "human_centric")) == first
    # then each clip is scored on its own frames: the whole clip sits between its two halves
    assert first[on_body.pk] >= 0.9
    assert first[on_face.pk] <= 0.4
    assert first[on_face.pk] < first[whole.pk] < first[on_body.pk]


def test_a_clip_whose_video_cannot_be_read_is_marked_failed_and_the_job_goes_on(project, tmp_path):
    # given a curatable clip whose stored file is not a video (no model is needed: it fails before scoring)
    from tests.factories import VideoFactory

    bad = tmp_path / "broken.mp4"
    bad.write_bytes(b"\x00\x00\x00\x18ftypmp42" + bytes(500))
    video = VideoFactory(project=project, fps=25)
    with bad.open("rb") as fh:
        video.file.save("source", File(fh), save=True)
    clip = positive_clip(video=video, start=0.0, end=2.0)
    job, count = services.human_centric_enqueue(project=project)
    # when the task runs
    human_centric_score_task.apply(args=[job.pk, [clip.pk]])
    # then the clip is failed (a later run tries again), the job is done and says so
    assert Curation.objects.get(clip=clip).human_centric_state == FAILED
    job.refresh_from_db()
    assert (job.state, job.message) == (Job.State.DONE, "0 scored, 1 failed of 1 clips")
    assert services.human_centric_enqueue(project=project)[1] == 1  # failed clips are queued again


def test_the_command_queues_what_is_not_scored_and_all_with_all(project, django_capture_on_commit_callbacks):
    # given three curatable clips with files, one already scored, and a clip the grid rejected
    from backend.clips.models import ConsensusResult
    from tests.factories import ClipFactory, VideoFactory

    action_class = ActionClassFactory(name="gym_plank")
    video = VideoFactory(project=project, query_class=action_class, file="videos/xx/present")
    scored = positive_clip(video=video, start=0, end=2, human_centric=0.7, human_centric_state=READY)
    positive_clip(video=video, start=2, end=4)
    positive_clip(video=video, start=4, end=6)
    rejected = ClipFactory(video=video, start=6, end=8)
    ConsensusResult.objects.create(clip=rejected, value=-1, mode="fixed", n_labels=3, unanimous=True)
    # when the command runs without and with --all
    with django_capture_on_commit_callbacks() as callbacks:
        call_command("score_human_centric", "--project", str(project.pk), "--class", "gym_plank")
    assert len(callbacks) == 1
    assert set(Curation.objects.filter(human_centric_state=PENDING).values_list("clip_id", flat=True)) == (
        set(video.clips.exclude(pk__in=[scored.pk, rejected.pk]).values_list("pk", flat=True))
    )
    call_command("score_human_centric", "--project", project.name, "--all")
    # then --all queues the scored clip too, never the rejected one
    assert Curation.objects.filter(human_centric_state=PENDING).count() == 3
    assert not Curation.objects.filter(clip=rejected).exists()
    assert Job.objects.filter(kind=services.JOB_KIND).count() == 2


def test_a_reset_score_is_queued_again_without_all(project):
    # given a scored clip with a video file (a new trim makes its score stale)
    from tests.factories import VideoFactory

    video = VideoFactory(project=project, file="videos/xx/present")
    clip = positive_clip(video=video, start=0, end=2, human_centric=0.9, human_centric_state=READY)
    assert services.human_centric_enqueue(project=project) == (None, 0)
    # when its score is reset, the next run without --all queues it
    assert services.human_centric_reset(clip_ids=[clip.pk]) == 1
    assert Curation.objects.get(clip=clip).human_centric is None
    assert services.human_centric_enqueue(project=project)[1] == 1


def test_clips_left_pending_by_a_lost_message_are_queued_again_once_at_worker_start(make_clips, monkeypatch):
    from backend.config.celery import requeue_pending_on_worker_start
    from backend.core.models import Job
    from backend.curation import tasks
    from backend.curation.models import Curation
    from backend.curation.services import JOB_KIND

    # given two clips whose scoring job was queued but whose message never reached a worker, and one already scored
    clips = make_clips(videos=1, per_video=3)
    lost = Job.objects.create(kind=JOB_KIND, stage="queued")
    Curation.objects.create(clip=clips[0], human_centric_state="pending")
    Curation.objects.create(clip=clips[1], human_centric_state="pending")
    Curation.objects.create(clip=clips[2], human_centric=0.7, human_centric_state="ready")
    published = []
    monkeypatch.setattr(tasks.human_centric_score_task, "delay", lambda job, ids: published.append((job, ids)))
    from django.db import connections

    monkeypatch.setattr(connections, "close_all", lambda: None)  # the test's transaction must survive the hook
    # when a worker starts
    requeue_pending_on_worker_start()
    # then one new job scores the two pending clips, and the lost job says what became of it
    [(job_id, ids)] = published
    assert ids == [clips[0].pk, clips[1].pk] and job_id != lost.pk
    lost.refresh_from_db()
    assert lost.state == "failed" and "queued again" in lost.message
