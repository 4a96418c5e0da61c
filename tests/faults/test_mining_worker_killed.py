"""A Celery worker killed in the middle of a mining pipeline task: the stage runs again, and the video ends with
its shots and clips once each (no duplicates, no gaps), every clip with one MP4.

The pool process is held at `mining.sample.before_commit` (backend/mining/services.py): the sample stage has
created the clips in its transaction but not committed. SIGKILL there is the worst case for duplicates.
"""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from backend.catalog.models import ActionClass
from backend.catalog.services import taxonomy_load, video_ingest
from backend.clips.models import Clip
from backend.core.models import Job
from backend.mining.models import Shot, Stage, VideoMining
from tests.faults.harness import marker_pid, start_worker, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

POINT = "mining.sample.before_commit"


@pytest.fixture
def workers():
    from backend.config.celery import app

    app.control.purge()
    started = []
    yield started
    for proc in started:
        proc.stop()


def test_a_worker_killed_mid_pipeline_resumes_without_duplicate_shots_or_clips(
    workers, tmp_path, settings, shot_videos, project
):
    taxonomy_load()
    project.mining_enabled = True
    project.save()
    media_root, marker, log = Path(settings.MEDIA_ROOT), tmp_path / "marker", tmp_path / "worker.log"
    worker = start_worker(
        media_root=media_root,
        log=log,
        ACTIONLOOM_FAULT_POINT=POINT,
        ACTIONLOOM_FAULT_MARKER=str(marker),
        ACTIONLOOM_FAULT_DELAY="600",
        ACTIONLOOM_REQUEUE_ON_WORKER_START="0",
    )
    workers.append(worker)
    # given a video whose pipeline is held in its sample stage, clips created but not committed
    video = video_ingest(
        project=project, path=shot_videos["person_mix"], action_class=ActionClass.objects.get(name="Long jump")
    )
    child = wait_for(
        lambda: marker_pid(marker, POINT),
        timeout=240,
        what="the sample stage at the fault point",
        proc=worker.popen,
        log=log,
    )
    assert not video.clips.exists() and VideoMining.objects.get(video=video).stage == Stage.SCORES
    # when the pool process running it is SIGKILLed
    os.kill(child, signal.SIGKILL)
    # then the task is delivered again, the stage redone, and the pipeline ends with every clip cut once
    wait_for(
        lambda: Job.objects.get(video=video, kind="mine").state == Job.State.DONE
        and video.clips.exists()
        and not video.clips.exclude(media_state=Clip.MediaState.READY).exists(),
        timeout=300,
        what="the pipeline done and its clips cut",
        proc=worker.popen,
        log=log,
    )
    assert worker.alive()
    shots = list(Shot.objects.filter(video=video).values_list("index", flat=True))
    assert shots == sorted(set(shots)) == list(range(len(shots)))  # each shot once, none missing
    spans = list(video.clips.values_list("start", "end"))
    assert len(spans) == len(set(spans))
    ordered = sorted(spans)
    assert all(a[1] <= b[0] + 1e-6 for a, b in zip(ordered, ordered[1:], strict=False))  # no overlap
    stored = sorted(p.name for p in (media_root / "clips").rglob("*.mp4"))
    assert stored == sorted(Path(c.media.name).name for c in video.clips.all())  # one MP4 per clip, no orphan
    assert "WorkerLostError" in log.read_text()
