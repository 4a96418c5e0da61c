"""A Celery worker SIGKILLed in the middle of cutting a clip: the task runs again, and every clip ends with
exactly one MP4 and one poster (no duplicates, no gaps).

The worker is held mid-task at the fault point `clip_media_cut.after_store` (backend/core/faults.py): the clip's
MP4 is already in storage, its row still says pending — the worst place to die, since a naive rerun would store a
second file beside the first. (The mining pipeline's tasks need the same harness once they exist.)
"""

from __future__ import annotations

import os
import re
import signal
import time
from pathlib import Path

import pytest
from django.core.management import call_command

from backend.catalog.services import video_ingest
from backend.clips.models import Clip
from tests.faults.harness import marker_pid, start_worker, wait_for
from workers.media.probing import ffprobe_json

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

POINT = "clip_media_cut.after_store"
HOLD = {
    "ACTIONLOOM_FAULT_POINT": POINT,
    "ACTIONLOOM_FAULT_DELAY": "600",
    # no re-publishing at worker start here: what brings the task back must be the broker itself
    "ACTIONLOOM_REQUEUE_ON_WORKER_START": "0",
}


@pytest.fixture
def workers():
    from backend.config.celery import app

    app.control.purge()  # this run's queue: messages an earlier test left name rows that no longer exist
    started = []
    yield started
    for proc in started:
        proc.stop()


def ready_count(video) -> int:
    return video.clips.filter(media_state=Clip.MediaState.READY).count()


def assert_one_media_file_per_clip(video, media_root: Path) -> None:
    clips = list(video.clips.all())
    assert len(clips) == 3 and all(c.media_state == Clip.MediaState.READY for c in clips)
    stored = sorted(str(p.relative_to(media_root)) for p in (media_root / "clips").rglob("*") if p.is_file())
    assert stored == sorted([c.media.name for c in clips] + [c.poster.name for c in clips])
    for clip in clips:
        assert float(ffprobe_json(media_root / clip.media.name)["format"]["duration"]) == pytest.approx(2.0, abs=0.05)


def test_a_pool_process_killed_mid_task_is_redelivered_and_each_clip_is_cut_once(
    workers, tmp_path, settings, demo_video, project, action_class
):
    media_root, marker, log = Path(settings.MEDIA_ROOT), tmp_path / "marker", tmp_path / "worker.log"
    worker = start_worker(media_root=media_root, log=log, ACTIONLOOM_FAULT_MARKER=str(marker), **HOLD)
    workers.append(worker)
    # given a video whose three clip tasks are published on commit, the first of them held mid-task
    video = video_ingest(project=project, path=demo_video, action_class=action_class)
    child = wait_for(
        lambda: marker_pid(marker, POINT), timeout=180, what="a task at the fault point", proc=worker.popen, log=log
    )
    assert child != worker.pid  # the pool process, not the worker's main process
    assert len(list((media_root / "clips").rglob("*.mp4"))) == 1 and ready_count(video) == 0
    # when the pool process running it is SIGKILLed
    os.kill(child, signal.SIGKILL)
    # then the worker survives, the task is delivered again (acks_late + reject_on_worker_lost), and every clip
    # ends with one MP4 and one poster: the rerun replaced the file the killed run left
    wait_for(lambda: ready_count(video) == 3, timeout=240, what="all three clips ready", proc=worker.popen, log=log)
    assert worker.alive()
    assert_one_media_file_per_clip(video, media_root)
    text = log.read_text()
    assert "SIGKILL" in text and "WorkerLostError" in text
    received = re.findall(r"Task backend\.clips\.tasks\.clip_media_cut_task\[([0-9a-f-]+)\] received", text)
    assert len(set(received)) == 3 and len(received) == 4  # three tasks; the killed one delivered twice


def test_a_whole_worker_killed_mid_task_loses_nothing(
    workers, tmp_path, settings, demo_video, project, action_class, capsys
):
    media_root, marker = Path(settings.MEDIA_ROOT), tmp_path / "marker"
    first = start_worker(media_root=media_root, log=tmp_path / "first.log", ACTIONLOOM_FAULT_MARKER=str(marker), **HOLD)
    workers.append(first)
    video = video_ingest(project=project, path=demo_video, action_class=action_class)
    wait_for(
        lambda: marker_pid(marker, POINT),
        timeout=180,
        what="a task at the fault point",
        proc=first.popen,
        log=first.log,
    )
    # when the whole worker (main process, pool process, ffmpeg) is SIGKILLed at once
    first.kill_group()
    killed_at = time.monotonic()
    log = tmp_path / "second.log"
    if settings.BROKER_KIND == "redis":
        # then Redis still holds the unacknowledged message and hands it out again once the visibility timeout
        # has passed (a starting worker restores such messages at once; a running one checks every ~100 s)
        visibility = 5
        time.sleep(max(0.0, killed_at + visibility + 1 - time.monotonic()))
        second = start_worker(
            media_root=media_root,
            log=log,
            CELERY_VISIBILITY_TIMEOUT=str(visibility),
            ACTIONLOOM_REQUEUE_ON_WORKER_START="0",
        )
        workers.append(second)
        wait_for(lambda: ready_count(video) == 3, timeout=240, what="all clips ready", proc=second.popen, log=log)
    else:
        # then on the filesystem broker the message died with the worker (it leaves the disk when delivered):
        # the two never-delivered tasks run, the third clip stays pending ...
        second = start_worker(media_root=media_root, log=log, ACTIONLOOM_REQUEUE_ON_WORKER_START="0")
        workers.append(second)
        wait_for(lambda: ready_count(video) == 2, timeout=240, what="two clips ready", proc=second.popen, log=log)
        time.sleep(3)
        assert ready_count(video) == 2
        # ... until the sweep every worker runs at start (here: the command) publishes it again
        call_command("requeue_pending_media")
        assert "re-enqueued 1 clip media task" in capsys.readouterr().out
        wait_for(lambda: ready_count(video) == 3, timeout=240, what="all clips ready", proc=second.popen, log=log)
    assert_one_media_file_per_clip(video, media_root)
