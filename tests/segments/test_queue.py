"""The timeline queue: leases, autosaved drafts, submit and reject, gold videos mixed in unseen, access."""

import json
import random
import re
from datetime import timedelta

import pytest
from django.utils import timezone

from backend.catalog.models import Clarification
from backend.clips.models import ConsensusResult
from backend.clips.services import QueueError
from backend.exports.activitynet import stream_rejected
from backend.mining.models import Shot
from backend.segments import selectors, services
from backend.segments.models import SegmentAnnotation, SegmentSettings, SegmentVideo
from tests.factories import ActionClassFactory, ClipFactory, GroupFactory, UserFactory
from tests.segments.factories import SegmentAnnotationFactory, SegmentVideoFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def videos(project, action_class):
    """Three 20-s videos of the class in segment annotation, media ready."""
    return [SegmentVideoFactory(video__project=project, video__query_class=action_class) for _ in range(3)]


def next_task(client, project, action_class, **extra):
    return client.post(
        "/api/segment-tasks/next/",
        {"project": project.pk, "action_class": action_class.pk, **extra},
        content_type="application/json",
    )


def test_two_annotators_get_different_videos_and_the_same_one_back_on_reload(
    client, annotators, project, action_class, videos
):
    client.force_login(annotators[0])
    first = next_task(client, project, action_class).json()
    assert next_task(client, project, action_class).json()["task"] == first["task"]  # a reload: same task
    client.force_login(annotators[1])
    second = next_task(client, project, action_class).json()
    assert second["video_url"] != first["video_url"]
    assert SegmentVideo.objects.filter(lease_count=1).count() == 2


def test_payload_names_no_video_and_no_gold_and_media_keys_are_opaque(
    client, annotators, project, action_class, videos
):
    ClipFactory(video=videos[0].video, start=2.0, end=4.0)
    ConsensusResult.objects.create(clip=videos[0].video.clips.get(), value=-1, mode="fixed", n_labels=3, unanimous=True)
    client.force_login(annotators[0])
    res = next_task(client, project, action_class)
    payload = res.json()
    assert set(payload) == {
        "task",
        "action_class",
        "video_url",
        "sprite_url",
        "sprite",
        "duration",
        "fps",
        "marks",
        "cuts",
        "draft",
        "expires_at",
        "suggestions",
        "version",
        "min_seconds",
    }
    shape = re.compile(r"^http://testserver/media/segments/[0-9a-f]{2}/[0-9a-f]{32}\.(mp4|jpg)$")
    assert shape.match(payload["video_url"]) and shape.match(payload["sprite_url"])
    text = res.content.decode().lower()
    for word in ("gold", "external", "vid0", "score", "annotator", "video_id"):
        assert word not in text
    # the grid's consensus on this video is not on an annotator's task (gold videos rarely have clips: docs/security.md)
    assert payload["marks"] == []
    assert selectors.clip_marks(segment_video=videos[0]) == [{"start": 2.0, "end": 4.0, "value": -1}]


def test_payload_carries_the_videos_shot_cuts_on_the_timelines_axis(client, annotators, project, action_class, videos):
    # given mining found three shots in the first video (times from the container start, as clip times)
    video = videos[0]
    SegmentVideo.objects.filter(pk=video.pk).update(first_frame_offset=1.5)
    for index, (start, end) in enumerate(((0.0, 5.5), (5.5, 12.25), (12.25, 21.5))):
        Shot.objects.create(video=video.video, index=index, start=start, end=end)
    video.refresh_from_db()
    # then the cuts are the starts of the later shots, counted from the first frame
    assert selectors.shot_cuts(segment_video=video) == [4.0, 10.75]
    # and a video mining never cut has none (the timeline then snaps and jumps to segment edges only)
    assert selectors.shot_cuts(segment_video=videos[1]) == []
    # and each annotator's task carries the cuts of the video it serves
    served = []
    for annotator in annotators[:3]:
        client.force_login(annotator)
        payload = next_task(client, project, action_class).json()
        served.append(SegmentAnnotation.objects.get(uid=payload["task"]).segment_video_id)
        assert payload["cuts"] == ([4.0, 10.75] if served[-1] == video.pk else [])
    assert video.pk in served


def test_gold_videos_are_mixed_in_and_look_like_any_other(
    client, annotators, project, action_class, videos, admin_user
):
    # given the first video is gold (an admin marked its reference segments)
    gold = videos[0]
    SegmentAnnotationFactory(
        segment_video=gold, kind=SegmentAnnotation.Kind.GOLD, annotator=admin_user, segments=[(1.0, 5.0)]
    )
    SegmentVideo.objects.filter(pk=gold.pk).update(is_gold=True, is_open=False)
    # when the gold rate says "gold" for the next draw
    SegmentSettings.objects.create(project=project, gold_rate=1.0)
    task = services.segment_task_next(
        annotator=annotators[0], project=project, action_class=action_class, rng=random.Random(0)
    )
    assert task.segment_video_id == gold.pk
    # then its payload has the same fields and key shapes as a regular one
    from django.test import RequestFactory

    from backend.segments.api import task_payload

    request = RequestFactory().get("/")
    SegmentSettings.objects.filter(project=project).update(gold_rate=0.0)
    regular = services.segment_task_next(
        annotator=annotators[1], project=project, action_class=action_class, rng=random.Random(1)
    )
    gold_payload, other_payload = task_payload(task, request), task_payload(regular, request)
    assert set(gold_payload) == set(other_payload)
    assert {k: type(v) for k, v in gold_payload.items()} == {k: type(v) for k, v in other_payload.items()}
    assert len(gold_payload["video_url"]) == len(other_payload["video_url"])
    # and the queue picker counts regular work only; with no regular work left, no gold is served alone
    assert services.segment_queue_waiting(annotator=annotators[0], project=project, action_class=action_class) == 1


def test_no_gold_alone_when_regular_work_is_done(annotators, project, action_class, videos, admin_user):
    SegmentSettings.objects.create(project=project, gold_rate=1.0)
    SegmentVideo.objects.filter(pk=videos[0].pk).update(is_gold=True, is_open=False)
    SegmentVideo.objects.exclude(pk=videos[0].pk).update(is_open=False)
    with pytest.raises(QueueError) as exc:
        services.segment_task_next(annotator=annotators[0], project=project, action_class=action_class)
    assert exc.value.code == "empty"


def test_timeline_page_is_the_same_with_and_without_gold(client, annotators, project, action_class, videos):
    client.force_login(annotators[0])

    def page() -> str:
        html = client.get(f"/timeline/{project.pk}/{action_class.pk}/").content.decode()
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)

    without = page()
    SegmentVideo.objects.filter(pk=videos[0].pk).update(is_gold=True)
    assert page() == without


def test_draft_autosave_survives_a_reload_and_renews_the_lease(client, annotators, project, action_class, videos):
    client.force_login(annotators[0])
    task = next_task(client, project, action_class).json()
    before = SegmentAnnotation.objects.get(uid=task["task"]).expires_at
    draft = {"segments": [[1.0, 2.5], [4.0, 6.0]], "open": 8.2, "time": 8.4, "seconds_spent": 42.0}
    res = client.put(f"/api/segment-tasks/{task['task']}/draft/", draft, content_type="application/json")
    assert res.status_code == 200
    # a reload asks for the next task: the same one comes back with the draft
    again = next_task(client, project, action_class).json()
    assert again["task"] == task["task"] and again["draft"] == draft
    assert SegmentAnnotation.objects.get(uid=task["task"]).expires_at >= before
    # someone else cannot write my draft
    client.force_login(annotators[1])
    assert (
        client.put(f"/api/segment-tasks/{task['task']}/draft/", draft, content_type="application/json").status_code
        == 404
    )


def test_an_expired_lease_goes_back_to_the_queue_and_its_draft_comes_back_to_its_annotator(
    annotators, project, action_class, videos
):
    SegmentSettings.objects.create(project=project, annotators_per_video=1)
    task = services.segment_task_next(annotator=annotators[0], project=project, action_class=action_class)
    services.segment_draft_save(annotator=annotators[0], task_uid=task.uid, draft={"segments": [[1.0, 2.0]]})
    SegmentAnnotation.objects.filter(pk=task.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    assert services.segment_tasks_release_expired() == 1
    assert SegmentVideo.objects.get(pk=task.segment_video_id).lease_count == 0
    # the annotator comes back: the same video, with the draft
    again = services.segment_task_next(annotator=annotators[0], project=project, action_class=action_class)
    assert again.pk != task.pk and again.segment_video_id == task.segment_video_id
    assert again.draft == {"segments": [[1.0, 2.0]]}


def test_submit_stores_segments_once_and_closes_the_video(client, annotators, project, action_class, videos):
    client.force_login(annotators[0])
    task = next_task(client, project, action_class).json()
    body = {"segments": [[6.0, 8.0004], [2.0, 5.0]], "seconds_spent": 30}
    res = client.post(f"/api/segment-tasks/{task['task']}/submit/", body, content_type="application/json")
    assert res.json() == {"stored": 2, "already_submitted": False}
    again = client.post(f"/api/segment-tasks/{task['task']}/submit/", body, content_type="application/json")
    assert again.json() == {"stored": 2, "already_submitted": True}
    annotation = SegmentAnnotation.objects.get(uid=task["task"])
    assert list(annotation.segments.values_list("start", "end")) == [(2.0, 5.0), (6.0, 8.0)]
    assert annotation.seconds_spent == 30 and annotation.draft == {}
    video = annotation.segment_video
    video.refresh_from_db()
    assert (video.is_open, video.annotation_count, video.lease_count, video.final_id) == (False, 1, 0, annotation.pk)


@pytest.mark.parametrize(
    ("segments", "message"),
    [
        ([], "at least one segment"),
        ([[5.0, 2.0]], "0 <= start < end"),
        ([[-1.0, 2.0]], "0 <= start < end"),
        ([[1.0, 25.0]], "0 <= start < end"),  # the video is 20 s
    ],
)
def test_bad_segments_are_refused_and_nothing_is_stored(
    client, annotators, project, action_class, videos, segments, message
):
    client.force_login(annotators[0])
    task = next_task(client, project, action_class).json()
    res = client.post(
        f"/api/segment-tasks/{task['task']}/submit/",
        {"segments": segments, "seconds_spent": 1},
        content_type="application/json",
    )
    assert res.status_code == 400 and message in res.json()["detail"]
    assert SegmentAnnotation.objects.get(uid=task["task"]).status == SegmentAnnotation.Status.LEASED


def test_an_end_within_one_frame_past_the_end_is_clamped_to_the_duration(annotators, project, action_class, videos):
    task = services.segment_task_next(annotator=annotators[0], project=project, action_class=action_class)
    services.segment_task_submit(annotator=annotators[0], task_uid=task.uid, segments=[[18.0, 20.03]], seconds_spent=1)
    assert list(task.segments.values_list("start", "end")) == [(18.0, 20.0)]


def test_reject_needs_a_known_reason_and_skips_the_video(client, annotators, project, action_class, videos):
    client.force_login(annotators[0])
    task = next_task(client, project, action_class).json()
    url = f"/api/segment-tasks/{task['task']}/reject/"
    assert (
        client.post(url, {"reason": "boring", "seconds_spent": 1}, content_type="application/json").status_code == 400
    )
    res = client.post(
        url, {"reason": "too_dark", "note": "night scene", "seconds_spent": 3}, content_type="application/json"
    )
    assert res.json() == {"stored": 0, "already_submitted": False}
    annotation = SegmentAnnotation.objects.get(uid=task["task"])
    assert (annotation.status, annotation.reject_reason, annotation.reject_note) == (
        "rejected",
        "too_dark",
        "night scene",
    )
    # the next task is another video
    assert next_task(client, project, action_class).json()["video_url"] != task["video_url"]


def test_queue_empties_when_every_video_is_done(annotators, project, action_class, videos):
    for _ in videos:
        task = services.segment_task_next(annotator=annotators[0], project=project, action_class=action_class)
        services.segment_task_reject(annotator=annotators[0], task_uid=task.uid, reason="other", seconds_spent=1)
    with pytest.raises(QueueError) as exc:
        services.segment_task_next(annotator=annotators[1], project=project, action_class=action_class)
    assert exc.value.code == "empty"


def test_clarifications_must_be_acknowledged_first(client, annotators, project, action_class, videos, admin_user):
    clarification = Clarification.objects.create(
        action_class=action_class, text="Pouring is not drinking.", author=admin_user
    )
    client.force_login(annotators[0])
    res = next_task(client, project, action_class)
    assert res.status_code == 409 and res.json()["clarifications"][0]["text"] == "Pouring is not drinking."
    client.post(f"/api/clarifications/{clarification.pk}/ack/")
    assert next_task(client, project, action_class).status_code == 200


def test_only_members_of_the_class_group_get_tasks_and_pages(client, annotators, project, action_class, videos):
    outsider = UserFactory(username="outsider")
    GroupFactory(project=project, members=[outsider], classes=[ActionClassFactory()])
    client.force_login(outsider)
    assert next_task(client, project, action_class).status_code == 403
    assert client.get(f"/timeline/{project.pk}/{action_class.pk}/").status_code == 403
    assert next_task(client, project, action_class, mode="gold").status_code == 403
    assert client.get(f"/timeline/{project.pk}/{action_class.pk}/?mode=gold").status_code == 403
    client.force_login(annotators[0])
    task = next_task(client, project, action_class).json()
    client.force_login(outsider)
    res = client.post(
        f"/api/segment-tasks/{task['task']}/submit/",
        {"segments": [[1, 2]], "seconds_spent": 1},
        content_type="application/json",
    )
    assert res.status_code == 404
    client.logout()
    assert client.get(f"/timeline/{project.pk}/{action_class.pk}/").status_code == 302
    assert client.get("/api/segment-queues/").status_code == 403


def test_home_lists_segment_queues_and_offers_to_resume(client, annotators, project, action_class, videos):
    client.force_login(annotators[0])
    html = client.get("/").content.decode()
    assert (
        "Segment queues" in html and "Start segmenting" in html and f"/timeline/{project.pk}/{action_class.pk}/" in html
    )
    next_task(client, project, action_class)
    assert "Resume segmenting" in client.get("/").content.decode()
    queues = client.get("/api/segment-queues/").json()
    assert queues == [
        {
            "project": project.pk,
            "project_name": project.name,
            "action_class": action_class.pk,
            "name": action_class.name,
            "waiting": 2,
            "in_progress": True,
            "qualified": True,
        }
    ]


def test_gold_mode_admin_marks_reference_segments_and_the_video_becomes_gold(
    client, admin_user, project, action_class, videos
):
    client.force_login(admin_user)
    task = next_task(client, project, action_class, mode="gold").json()
    client.post(
        f"/api/segment-tasks/{task['task']}/submit/",
        {"segments": [[1.0, 3.0]], "seconds_spent": 5},
        content_type="application/json",
    )
    gold = SegmentVideo.objects.get(is_gold=True)
    assert gold.final.kind == SegmentAnnotation.Kind.GOLD and not gold.is_open
    # the next gold task is another video
    assert next_task(client, project, action_class, mode="gold").json()["video_url"] != task["video_url"]


def test_with_three_annotators_per_video_the_medoid_is_exported_and_the_admin_can_pick(
    annotators, project, action_class, admin_user, client
):
    SegmentSettings.objects.create(project=project, annotators_per_video=3, gold_rate=0)
    video = SegmentVideoFactory(video__project=project, video__query_class=action_class, required_annotations=3)
    answers = [[[2.0, 5.0]], [[2.1, 5.2]], [[10.0, 12.0]]]  # two agree, one is off
    for user, segments in zip(annotators[:3], answers, strict=True):
        task = services.segment_task_next(annotator=user, project=project, action_class=action_class)
        assert task.segment_video_id == video.pk
        services.segment_task_submit(annotator=user, task_uid=task.uid, segments=segments, seconds_spent=1)
    video.refresh_from_db()
    assert not video.is_open and video.final.annotator == annotators[0]
    with pytest.raises(QueueError):  # the video is full
        services.segment_task_next(annotator=annotators[3], project=project, action_class=action_class)
    # the dashboard shows their agreement; the admin picks the third answer instead
    client.force_login(admin_user)
    board = client.get(f"/api/projects/{project.pk}/segments/dashboard/").json()
    row = board["to_pick"][0]
    assert row["agreement"] == pytest.approx(1 / 3) and len(row["annotations"]) == 3
    third = row["annotations"][2]["id"]
    res = client.post(f"/api/segment-videos/{video.pk}/final/", {"annotation": third}, content_type="application/json")
    assert res.json() == {"segment_video": video.pk, "final": third}


def test_an_admin_rejecting_in_gold_mode_takes_the_video_out_as_rejected(admin_user, project, action_class, videos):
    task = services.segment_gold_task_next(admin=admin_user, project=project, action_class=action_class)
    assert SegmentVideo.objects.get(pk=task.segment_video_id).lease_count == 0  # holds no annotator's place
    services.segment_task_reject(annotator=admin_user, task_uid=task.uid, reason="not_playable", seconds_spent=2)
    video = SegmentVideo.objects.get(pk=task.segment_video_id)
    assert not video.is_gold and not video.is_open and video.final.status == SegmentAnnotation.Status.REJECTED
    assert (
        services.segment_queue_waiting(annotator=UserFactory(username="x"), project=project, action_class=action_class)
        == 2
    )  # it left the queue; two remain
    rejected = json.loads("".join(stream_rejected(project=project)))["rejected"]
    assert rejected[video.video.external_id]["reason"] == "not_playable"


def test_the_media_task_acknowledges_late_and_retries_io_errors():
    from backend.segments.tasks import segment_media_make_task

    assert segment_media_make_task.acks_late is True
    assert OSError in segment_media_make_task.autoretry_for
