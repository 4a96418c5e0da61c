"""The admin's curation list API: curatable clips with their curation fields, filtered by class, human-centric score,
split and trim, paginated; queuing the score answers 202 with a job to poll."""

from __future__ import annotations

import pytest
from django.test import Client

from backend.clips.models import ConsensusResult
from backend.core.models import Job
from backend.curation.models import Curation
from tests.curation.conftest import positive_clip
from tests.factories import ActionClassFactory, ClipFactory, ProjectFactory, UserFactory, VideoFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    project = ProjectFactory(name="Curated")
    plank, pushup = ActionClassFactory(name="gym_plank"), ActionClassFactory(name="pushup")
    v1 = VideoFactory(project=project, query_class=plank, external_id="aaaaaaaaaaa", fps=25)
    v2 = VideoFactory(project=project, query_class=pushup, external_id="bbbbbbbbbbb", fps=30)
    clips = {
        "high": positive_clip(
            video=v1,
            start=0,
            end=2,
            human_centric=0.9,
            human_centric_state="ready",
            first_frame=10,
            last_frame=49,
            split="train",
            dominant_people=1,
            camera_moving=False,
        ),
        "mid": positive_clip(video=v1, start=2, end=4, human_centric=0.5, human_centric_state="ready", split="test"),
        "low": positive_clip(
            video=v2, start=0, end=2, human_centric=0.1, human_centric_state="ready", first_frame=3, last_frame=20
        ),
        "pending": positive_clip(video=v2, start=2, end=4, human_centric_state="pending"),
        "bare": positive_clip(video=v2, start=4, end=6),  # no curation row yet
    }
    segment = ClipFactory(video=v2, start=6, end=8, method="segment")  # made from a segment: curatable
    negative = ClipFactory(video=v2, start=8, end=10)  # the grid said no: not curatable
    ConsensusResult.objects.create(clip=negative, value=-1, mode="fixed", n_labels=3, unanimous=True)
    ClipFactory(video=v2, start=10, end=12)  # not decided: not curatable
    clips["segment"] = segment
    admin = Client()
    admin.force_login(UserFactory(username="chief", is_staff=True))
    return {"project": project, "plank": plank, "pushup": pushup, "clips": clips, "admin": admin}


def ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def url(world, query: str = "") -> str:
    return f"/api/projects/{world['project'].pk}/curation/clips/{query}"


def test_the_list_shows_curatable_clips_with_their_curation(world):
    res = world["admin"].get(url(world))
    body = res.json()
    c = world["clips"]
    assert body["count"] == 6 and body["next"] is None and body["previous"] is None
    assert ids(res) == {clip.pk for clip in c.values()}
    high = next(row for row in body["results"] if row["id"] == c["high"].pk)
    assert high["uid"] == str(c["high"].uid)
    assert high["action_class"] == {"id": world["plank"].pk, "name": "gym_plank"}
    assert high["video"] == {"id": c["high"].video_id, "external_id": "aaaaaaaaaaa", "fps": 25.0, "duration": 20.0}
    assert (high["start"], high["end"], high["method"], high["decided_by"]) == (0.0, 2.0, "random", "consensus")
    assert high["media_url"].startswith("http://testserver/")
    assert high["curation"] == {
        "first_frame": 10,
        "last_frame": 49,
        "trimmed": True,
        "start_time": 0.4,
        "end_time": 2.0,
        "dominant_people": 1,
        "camera_moving": False,
        "split": "train",
        "human_centric": 0.9,
        "human_centric_state": "ready",
        "curated_by": None,
        "updated_at": high["curation"]["updated_at"],
    }
    bare = next(row for row in body["results"] if row["id"] == c["bare"].pk)
    assert bare["curation"] == {
        "first_frame": None,
        "last_frame": None,
        "trimmed": False,
        "start_time": None,
        "end_time": None,
        "dominant_people": None,
        "camera_moving": None,
        "split": "",
        "human_centric": None,
        "human_centric_state": "none",
        "curated_by": None,
        "updated_at": None,
    }
    segment = next(row for row in body["results"] if row["id"] == c["segment"].pk)
    assert (segment["method"], segment["decided_by"]) == ("segment", "segment")


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("?class=gym_plank", {"high", "mid"}),
        ("?class={pushup_id}", {"low", "pending", "bare", "segment"}),
        ("?min_human_centric=0.5", {"high", "mid"}),
        ("?max_human_centric=0.5", {"mid", "low"}),
        ("?min_human_centric=0.2&max_human_centric=0.6", {"mid"}),
        ("?split=train", {"high"}),
        ("?split=none", {"low", "pending", "bare", "segment"}),
        ("?trimmed=true", {"high", "low"}),
        ("?trimmed=false", {"mid", "pending", "bare", "segment"}),
        ("?state=pending", {"pending"}),
        ("?state=none", {"bare", "segment"}),
        ("?class=pushup&trimmed=true&max_human_centric=0.2", {"low"}),
    ],
)
def test_filters(world, query, expected):
    query = query.format(pushup_id=world["pushup"].pk)
    assert ids(world["admin"].get(url(world, query))) == {world["clips"][name].pk for name in expected}


def test_pages(world):
    first = world["admin"].get(url(world, "?page_size=4")).json()
    assert first["count"] == 6 and len(first["results"]) == 4 and "page=2" in first["next"]
    second = world["admin"].get(first["next"]).json()
    assert len(second["results"]) == 2 and second["next"] is None
    names = [r["action_class"]["name"] for r in first["results"] + second["results"]]
    assert names == sorted(names)  # ordered by class, then video and start


@pytest.mark.parametrize(
    "query",
    [
        "?min_human_centric=2",
        "?split=holdout",
        "?trimmed=maybe",
        "?page_size=1000",
        "?min_human_centric=0.8&max_human_centric=0.2",
        "?page=0",
    ],
)
def test_bad_filters_are_400(world, query):
    assert world["admin"].get(url(world, query)).status_code == 400


def test_an_unknown_class_is_404_and_the_list_is_for_admins_only(world):
    assert world["admin"].get(url(world, "?class=nope")).status_code == 404
    annotator = Client()
    annotator.force_login(UserFactory(username="ann"))
    assert annotator.get(url(world)).status_code == 403
    assert Client().get(url(world)).status_code == 403


def test_queuing_the_score_answers_202_with_a_job_to_poll(world, django_capture_on_commit_callbacks):
    # given clips with video files (the score needs the file)
    from backend.catalog.models import Video

    Video.objects.filter(project=world["project"]).update(file="videos/aa/source")
    admin = world["admin"]
    score = f"/api/projects/{world['project'].pk}/curation/score/"
    with django_capture_on_commit_callbacks() as callbacks:
        res = admin.post(score, {"action_class": world["pushup"].pk}, content_type="application/json")
    # then only the pushup clips not scored yet are queued, as one job
    assert res.status_code == 202
    body = res.json()
    assert body["clips"] == 3 and body["poll"] == f"/api/curation-jobs/{body['job']}/" and len(callbacks) == 1
    assert set(Curation.objects.filter(human_centric_state="pending").values_list("clip_id", flat=True)) == {
        world["clips"][n].pk for n in ("pending", "bare", "segment")
    }
    poll = admin.get(body["poll"]).json()
    assert (poll["id"], poll["kind"], poll["state"], poll["progress"]) == (body["job"], "human_centric", "queued", 0.0)
    # and with all, every curatable clip of the class again
    res = admin.post(score, {"action_class": world["pushup"].pk, "all": True}, content_type="application/json")
    assert (res.status_code, res.json()["clips"]) == (202, 4)
    # a job of another kind is not a curation job
    other = Job.objects.create(kind="mine")
    assert admin.get(f"/api/curation-jobs/{other.pk}/").status_code == 404
