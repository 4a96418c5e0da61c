"""Nothing stored unseen, and two tabs (issue 11, items 3 and 4), at the API: the submit floor counts from when the
page was shown (a prefetched page is leased before); a repeated submit is idempotent only from the same tab
(`submit_token`); timeline tasks carry a version, and the stale tab's save or submit is refused while the live tab's
work is kept. Each test sets the real floors (the test settings turn them off for the rest of the suite)."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from backend.clips.models import Label, Page
from backend.segments.models import Segment, SegmentAnnotation
from tests.segments.factories import SegmentVideoFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def floors(settings):
    settings.SUBMIT_FLOOR_PAGE_SECONDS = 2.0
    settings.SUBMIT_FLOOR_SECONDS_PER_CLIP = 0.15
    settings.SUBMIT_FLOOR_VIDEO_SECONDS = 2.0
    settings.SUBMIT_FLOOR_VIDEO_FRACTION = 0.25


def as_user(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def lease(client, project, action_class, **extra) -> dict:
    res = client.post(
        "/api/pages/next/",
        {"project": project.pk, "action_class": action_class.pk, **extra},
        content_type="application/json",
    )
    assert res.status_code == 200, res.content
    return res.json()


def submit(client, page: dict, token: str = "tab-a"):
    labels = {i["item"]: 1 for i in page["items"]}
    return client.post(
        f"/api/pages/{page['page']}/submit/",
        {"labels": labels, "seconds_spent": 30, "submit_token": token},
        content_type="application/json",
    )


def age(page: dict, seconds: float, field: str) -> None:
    """Move the page's lease (or its shown time) `seconds` into the past, as if a person had looked that long."""
    Page.objects.filter(uid=page["page"]).update(**{field: timezone.now() - timedelta(seconds=seconds)})


def test_a_page_submitted_sooner_than_the_floor_after_it_was_shown_stores_nothing(
    floors, annotators, project, action_class, make_clips
):
    make_clips(videos=4, per_video=3)
    client = as_user(annotators[0])
    page = lease(client, project, action_class)
    assert page["min_seconds"] == pytest.approx(2.0 + 0.15 * len(page["items"]))
    # a double Enter on the page before: the next page, prefetched long ago, put on screen just now
    age(page, 600, "created_at")
    assert client.post(f"/api/pages/{page['page']}/shown/").status_code == 204
    res = submit(client, page)
    assert res.status_code == 409 and res.json()["code"] == "too_early"
    assert 0 < res.json()["retry_after"] <= page["min_seconds"]
    assert not Label.objects.exists() and Page.objects.get(uid=page["page"]).submitted_at is None
    # once a person could have looked at it, the same submit is taken
    age(page, page["min_seconds"] + 0.1, "shown_at")
    assert submit(client, page).json() == {"stored": len(page["items"]), "dropped": 0, "already_submitted": False}


def test_shown_counts_once_and_a_page_never_shown_counts_from_its_lease(
    floors, annotators, project, action_class, make_clips
):
    make_clips(videos=2, per_video=3)
    client = as_user(annotators[0])
    page = lease(client, project, action_class)
    assert submit(client, page).status_code == 409  # just leased, never shown
    age(page, 60, "created_at")
    assert submit(client, page).status_code == 200  # a script that never says "shown": the lease time counts
    other = as_user(annotators[1])
    assert other.post(f"/api/pages/{page['page']}/shown/").status_code == 404  # not theirs
    client.post(f"/api/pages/{page['page']}/shown/")
    first = Page.objects.get(uid=page["page"]).shown_at
    client.post(f"/api/pages/{page['page']}/shown/")
    assert Page.objects.get(uid=page["page"]).shown_at == first


def test_a_retry_from_the_same_tab_is_idempotent_and_another_tabs_submit_is_a_conflict(
    annotators, project, action_class, make_clips
):
    make_clips(videos=2, per_video=3)
    client = as_user(annotators[0])
    page = lease(client, project, action_class)
    # two tabs show the same open page
    assert lease(client, project, action_class)["page"] == page["page"]
    assert submit(client, page, token="tab-a").status_code == 200
    again = submit(client, page, token="tab-a")
    assert again.status_code == 200 and again.json()["already_submitted"] is True
    stale = submit(client, page, token="tab-b")
    assert stale.status_code == 409 and stale.json()["code"] == "conflict" and "another tab" in stale.json()["detail"]
    assert Label.objects.count() == len(page["items"])


@pytest.fixture
def task(annotators, project, action_class):
    SegmentVideoFactory(video__project=project, video__query_class=action_class, media_duration=20.0)
    client = as_user(annotators[0])
    res = client.post(
        "/api/segment-tasks/next/",
        {"project": project.pk, "action_class": action_class.pk},
        content_type="application/json",
    )
    assert res.status_code == 200, res.content
    return client, res.json()


def save(client, task_uid, version, segments):
    return client.put(
        f"/api/segment-tasks/{task_uid}/draft/",
        {"segments": segments, "version": version},
        content_type="application/json",
    )


def test_two_tabs_on_a_timeline_task_the_live_tab_wins_and_the_stale_one_is_told(task):
    client, payload = task
    uid, version = payload["task"], payload["version"]
    # both tabs loaded version 0; tab A saves
    saved = save(client, uid, version, [[1.0, 2.0]])
    assert saved.status_code == 200 and saved.json()["version"] == version + 1
    # tab B, still at version 0, saves over it: refused, A's draft kept and sent back
    stale = save(client, uid, version, [[5.0, 6.0]])
    assert stale.status_code == 409 and stale.json()["code"] == "conflict"
    assert stale.json()["draft"]["segments"] == [[1.0, 2.0]] and stale.json()["version"] == version + 1
    assert SegmentAnnotation.objects.get(uid=uid).draft["segments"] == [[1.0, 2.0]]
    # B's submit is refused too; A submits
    submit_b = client.post(
        f"/api/segment-tasks/{uid}/submit/",
        {"segments": [[5.0, 6.0]], "seconds_spent": 9, "version": version, "submit_token": "tab-b"},
        content_type="application/json",
    )
    assert submit_b.status_code == 409 and not Segment.objects.exists()
    body = {"segments": [[1.0, 2.0]], "seconds_spent": 9, "version": version + 1, "submit_token": "tab-a"}
    assert client.post(f"/api/segment-tasks/{uid}/submit/", body, content_type="application/json").status_code == 200
    # a retry of A's submit says so; B's late submit is a conflict
    again = client.post(f"/api/segment-tasks/{uid}/submit/", body, content_type="application/json")
    assert again.status_code == 200 and again.json()["already_submitted"] is True
    late = client.post(
        f"/api/segment-tasks/{uid}/submit/", {**body, "submit_token": "tab-b"}, content_type="application/json"
    )
    assert late.status_code == 409 and late.json()["code"] == "conflict"
    assert list(Segment.objects.values_list("start", "end")) == [(1.0, 2.0)]


def test_a_timeline_video_submitted_sooner_than_its_floor_stores_nothing(floors, task):
    client, payload = task
    assert payload["min_seconds"] == pytest.approx(2.0 + 0.25 * 20.0)
    body = {"segments": [[1.0, 2.0]], "seconds_spent": 0, "submit_token": "t"}
    res = client.post(f"/api/segment-tasks/{payload['task']}/submit/", body, content_type="application/json")
    assert res.status_code == 409 and res.json()["code"] == "too_early" and not Segment.objects.exists()
    SegmentAnnotation.objects.filter(uid=payload["task"]).update(created_at=timezone.now() - timedelta(seconds=8))
    res = client.post(f"/api/segment-tasks/{payload['task']}/submit/", body, content_type="application/json")
    assert res.status_code == 200 and Segment.objects.count() == 1
