"""A worker killed in the middle of a video's proxy: the video is made ready by a later worker, and its media job
says so (it used to stay `running` for ever). A job whose worker died and that nothing finished is failed after
JOB_STALE_SECONDS, with the reason, and reads done once a later run makes the media ready.

The worker is held at `segment_media_make.encoding` (backend/segments/media.py): the job row already says
`running`, the proxy is being encoded.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files import File
from django.utils import timezone

from backend.core.models import Job
from backend.segments import media
from backend.segments.models import SegmentVideo
from tests.factories import VideoFactory
from tests.faults.harness import marker_pid, start_worker, wait_for

POINT = "segment_media_make.encoding"


@pytest.fixture
def workers():
    from backend.config.celery import app

    app.control.purge()
    started = []
    yield started
    for proc in started:
        proc.stop()


def video_with_file(project, action_class, demo_video: Path):
    video = VideoFactory(project=project, query_class=action_class, duration=8.0)
    with demo_video.open("rb") as fh:
        video.file.save("source", File(fh))
    return video


def job_seen_by_admin(client, job: Job) -> dict:
    return client.get(f"/api/segment-media-jobs/{job.pk}/").json()


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_proxy_leaves_no_job_running_for_ever(
    workers, tmp_path, settings, demo_video, project, action_class, admin_user, client
):
    media_root, marker = Path(settings.MEDIA_ROOT), tmp_path / "marker"
    first = start_worker(
        media_root=media_root,
        log=tmp_path / "first.log",
        ACTIONLOOM_FAULT_POINT=POINT,
        ACTIONLOOM_FAULT_MARKER=str(marker),
        ACTIONLOOM_FAULT_DELAY="600",
        ACTIONLOOM_REQUEUE_ON_WORKER_START="0",
    )
    workers.append(first)
    # given a video sent to segment annotation whose proxy is being made when its worker is SIGKILLed
    video = video_with_file(project, action_class, demo_video)
    [job] = media.segment_videos_enqueue(project=project, videos=[video])
    wait_for(
        lambda: marker_pid(marker, POINT),
        timeout=180,
        what="the proxy at the fault point",
        proc=first.popen,
        log=first.log,
    )
    first.kill_group()
    client.force_login(admin_user)
    assert job_seen_by_admin(client, job)["state"] == "running"
    # when a new worker starts (it re-publishes the videos still waiting for media) and makes the proxy
    second = start_worker(media_root=media_root, log=tmp_path / "second.log")
    workers.append(second)
    segment_video = SegmentVideo.objects.get(video=video)
    wait_for(
        lambda: SegmentVideo.objects.get(pk=segment_video.pk).media_state == SegmentVideo.MediaState.READY,
        timeout=240,
        what="the proxy made by the second worker",
        proc=second.popen,
        log=second.log,
    )
    # then the job the admin polls says done, not `running` for ever
    seen = job_seen_by_admin(client, job)
    assert (seen["state"], seen["progress"]) == ("done", 1.0)


@pytest.mark.django_db
def test_a_running_job_without_progress_past_the_timeout_is_failed_with_the_reason(
    settings, project, action_class, admin_user, client
):
    settings.JOB_STALE_SECONDS = 1800
    video = VideoFactory(project=project, query_class=action_class)
    SegmentVideo.objects.create(video=video, action_class=action_class, media_state=SegmentVideo.MediaState.PENDING)
    fresh = Job.objects.create(kind=media.JOB_KIND, video=video, state=Job.State.RUNNING, progress=0.1)
    stale = Job.objects.create(kind=media.JOB_KIND, video=video, state=Job.State.RUNNING, progress=0.1)
    Job.objects.filter(pk=stale.pk).update(updated_at=timezone.now() - timedelta(minutes=31))
    Job.objects.filter(pk=fresh.pk).update(updated_at=timezone.now() - timedelta(minutes=29))
    client.force_login(admin_user)
    assert job_seen_by_admin(client, fresh)["state"] == "running"  # still within the time a proxy may take
    seen = job_seen_by_admin(client, stale)
    assert seen["state"] == "failed"
    assert seen["message"].startswith("No progress for 30 minutes: the worker running it stopped (killed or crashed).")
    # and once a later run makes the media ready, both read done
    SegmentVideo.objects.filter(video=video).update(media_state=SegmentVideo.MediaState.READY)
    assert job_seen_by_admin(client, stale)["state"] == job_seen_by_admin(client, fresh)["state"] == "done"


@pytest.mark.django_db
def test_a_job_that_failed_on_its_own_stays_failed(project, action_class, admin_user, client):
    # ffmpeg refused the source: that failure is the job's answer, not a stalled run
    video = VideoFactory(project=project, query_class=action_class)
    SegmentVideo.objects.create(video=video, action_class=action_class, media_state=SegmentVideo.MediaState.FAILED)
    job = Job.objects.create(
        kind=media.JOB_KIND, video=video, state=Job.State.FAILED, stage="failed", message="ffmpeg: invalid data"
    )
    client.force_login(admin_user)
    assert job_seen_by_admin(client, job)["state"] == "failed"
    assert media.segment_media_jobs_reconcile() == 0
