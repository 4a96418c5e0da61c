"""End to end on a real worker: ingest (mining on) → the pipeline's stage tasks → clip media → the grid queue."""

import time
from pathlib import Path

import pytest

from backend.catalog.services import taxonomy_load, video_ingest
from backend.clips import services
from backend.clips.models import Clip
from backend.core.models import Job
from backend.mining.models import Stage, VideoMining
from tests.factories import GroupFactory, UserFactory

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_an_ingested_video_is_mined_by_the_worker_and_its_clips_reach_the_grid_queue(
    worker, shot_videos, project, settings
):
    from backend.catalog.models import ActionClass

    taxonomy_load()
    project.mining_enabled = True
    project.save()
    action_class = ActionClass.objects.get(name="Long jump")
    annotator = UserFactory()
    GroupFactory(project=project, members=[annotator], classes=[action_class])
    # given a video ingested with mining on: ingest only queues the first stage
    video = video_ingest(project=project, path=shot_videos["person_mix"], action_class=action_class)
    assert not video.clips.exists()
    # when the worker runs the stages and cuts the clips
    deadline = time.monotonic() + 180
    log = Path(settings.MEDIA_ROOT).parent / "worker.log"
    while time.monotonic() < deadline:
        job = Job.objects.get(video=video, kind="mine")
        done = (
            job.state == Job.State.DONE
            and video.clips.exists()
            and not video.clips.exclude(media_state=Clip.MediaState.READY).exists()
        )
        if done or job.state == Job.State.FAILED:
            break
        assert worker.poll() is None, log.read_text()[-3000:]
        time.sleep(1)
    # then the video went through every stage, and its clips are in the annotator's queue
    assert (job.state, job.progress) == (Job.State.DONE, 1.0), (job.message, log.read_text()[-3000:])
    assert VideoMining.objects.get(video=video).stage == Stage.DONE
    page = services.page_next(annotator=annotator, project=project, action_class=action_class)
    assert page.items.count() == video.clips.count() > 0
