"""The timeline queue near its end: a video locked for a moment by another annotator's draw is waited for, not
reported as "nothing waiting" (core.locks.draw_retrying, the rule the clip grid shares)."""

import threading
import time

import pytest
from django.db import connection, transaction

from backend.clips.services import QueueError
from backend.segments import services
from backend.segments.models import SegmentAnnotation, SegmentVideo
from tests.factories import GroupFactory, UserFactory
from tests.segments.factories import SegmentVideoFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_queue_whose_videos_are_all_locked_for_a_moment_is_not_reported_empty(project, action_class):
    # given: the class's only video locked by another annotator's draw, which commits 0.3 s later without a lease
    annotator = UserFactory()
    GroupFactory(project=project, members=[annotator], classes=[action_class])
    video = SegmentVideoFactory(video__project=project, video__query_class=action_class)
    locked, done = threading.Event(), []

    def hold_every_video() -> None:
        try:
            with transaction.atomic():
                list(SegmentVideo.objects.select_for_update().order_by("pk"))
                locked.set()
                time.sleep(0.3)
        finally:
            locked.set()
            connection.close()

    def ask() -> None:
        try:
            done.append(services.segment_task_next(annotator=annotator, project=project, action_class=action_class))
        except QueueError as exc:
            done.append(exc)
        finally:
            connection.close()

    holder = threading.Thread(target=hold_every_video)
    holder.start()
    locked.wait(timeout=10)
    asker = threading.Thread(target=ask)
    asker.start()
    asker.join(timeout=30)
    holder.join(timeout=30)

    # then: the annotator waits the moment out and gets the video
    assert len(done) == 1 and isinstance(done[0], SegmentAnnotation), done
    assert done[0].segment_video_id == video.pk


def test_an_empty_queue_is_still_reported_at_once(project, action_class):
    annotator = UserFactory()
    GroupFactory(project=project, members=[annotator], classes=[action_class])
    started = time.monotonic()
    with pytest.raises(QueueError) as exc:
        services.segment_task_next(annotator=annotator, project=project, action_class=action_class)
    assert exc.value.code == "empty"
    assert time.monotonic() - started < 1.0  # no backoff when nothing waits
