"""Annotator segment accuracy against gold videos, the dashboard section, the gate and send-back."""

import random

import pytest

from backend.segments import services
from backend.segments.models import SegmentAnnotation, SegmentSettings, SegmentVideo
from backend.segments.selectors import annotator_segment_accuracy
from tests.segments.factories import SegmentAnnotationFactory, SegmentVideoFactory

pytestmark = pytest.mark.django_db

GOLD = SegmentAnnotation.Kind.GOLD


@pytest.fixture
def gold_videos(project, action_class, admin_user):
    """Three gold videos with reference segments [2, 6] and [10, 14] (and one plain video)."""
    out = []
    for _ in range(3):
        video = SegmentVideoFactory(
            video__project=project, video__query_class=action_class, is_gold=True, is_open=False
        )
        gold = SegmentAnnotationFactory(
            segment_video=video, kind=GOLD, annotator=admin_user, segments=[(2.0, 6.0), (10.0, 14.0)]
        )
        SegmentVideo.objects.filter(pk=video.pk).update(final=gold)
        out.append(video)
    SegmentVideoFactory(video__project=project, video__query_class=action_class)
    return out


def annotate(user, video, segments=None, reject=None):
    return SegmentAnnotationFactory(
        segment_video=video,
        annotator=user,
        segments=segments or [],
        status="rejected" if reject else "submitted",
        reject_reason=reject or "",
    )


def test_accuracy_matches_one_to_one_by_tiou_and_averages_over_gold_videos(annotators, gold_videos):
    me = annotators[0]
    annotate(me, gold_videos[0], [(2.0, 6.0), (10.0, 14.0)])  # perfect: F1 1
    annotate(me, gold_videos[1], [(2.0, 5.0), (2.5, 6.0)])  # tIoU .75 and .875 with the first; one match: P .5 R .5
    annotate(me, gold_videos[2], reject="no_action")  # a rejection is no segments: P 0, R 0, F1 0
    acc = annotator_segment_accuracy(annotator=me)
    assert acc.gold_videos == 3
    assert acc.precision == pytest.approx((1 + 0.5 + 0) / 3)
    assert acc.recall == pytest.approx((1 + 0.5 + 0) / 3)
    assert acc.f1 == pytest.approx((1 + 0.5 + 0) / 3)
    # the matched pairs: two of tIoU 1, then the 0.875 one (greedy takes the higher)
    assert acc.mean_tiou == pytest.approx((1 + 1 + 0.875) / 3)


def test_no_gold_no_figure(annotators, gold_videos):
    assert annotator_segment_accuracy(annotator=annotators[1]).f1 is None


def test_dashboard_flags_an_annotator_below_the_gate_and_send_back_reopens_their_videos(
    client, annotators, admin_user, project, action_class, gold_videos
):
    good, poor = annotators[0], annotators[1]
    for video in gold_videos:
        annotate(good, video, [(2.0, 6.0), (10.0, 14.0)])
        annotate(poor, video, [(0.0, 1.0)])
    plain = SegmentVideo.objects.get(is_gold=False)
    task = services.segment_task_next(annotator=poor, project=project, action_class=action_class)
    assert task.segment_video_id == plain.pk
    services.segment_task_submit(annotator=poor, task_uid=task.uid, segments=[[0, 1]], seconds_spent=10)
    plain.refresh_from_db()
    assert not plain.is_open and plain.final.annotator == poor

    client.force_login(admin_user)
    board = client.get(f"/api/projects/{project.pk}/segments/dashboard/").json()
    rows = {a["username"]: a for a in board["annotators"]}
    assert rows[good.username]["f1"] == 1.0 and not rows[good.username]["flagged"]
    assert rows[poor.username]["f1"] == 0.0 and rows[poor.username]["flagged"]
    assert rows[poor.username]["per_class"][0]["gold_videos"] == 3
    assert rows[poor.username]["videos"] == 4 and rows[poor.username]["seconds_per_video"] == pytest.approx(2.5)
    progress = board["progress"][0]
    assert (progress["videos"], progress["gold"], progress["done"], progress["media_ready"]) == (4, 3, 1, 4)

    # send back: the poor annotator's work no longer counts, the plain video is open again
    res = client.post(
        f"/api/annotators/{poor.pk}/segments/send-back/",
        {"action_class": action_class.pk},
        content_type="application/json",
    )
    assert res.json() == {"annotations_sent_back": 4}
    plain.refresh_from_db()
    assert plain.is_open and plain.final is None and plain.annotation_count == 0
    assert annotator_segment_accuracy(annotator=poor).gold_videos == 0
    assert all(v.is_gold and not v.is_open for v in SegmentVideo.objects.filter(is_gold=True))
    # and they can do the plain video again; the gold videos are theirs to do again too, mixed in at the gold rate
    # (the rng is fixed: an unseeded one served a gold video here one run in ten)
    again = services.segment_task_next(
        annotator=poor, project=project, action_class=action_class, rng=FixedRandom(0.99)
    )
    assert again.segment_video_id == plain.pk
    SegmentAnnotation.objects.filter(pk=again.pk).update(expires_at=again.created_at)  # let the lease run out
    gold_again = services.segment_task_next(
        annotator=poor, project=project, action_class=action_class, rng=FixedRandom(0.0)
    )
    assert gold_again.segment_video.is_gold


class FixedRandom(random.Random):
    """An rng whose `random()` is fixed, to decide the gold draw; `choice` stays a real one."""

    def __init__(self, value):
        super().__init__(0)
        self.value = value

    def random(self):
        return self.value


def test_annotators_see_their_own_f1_only(client, annotators, project, action_class, gold_videos):
    from backend.quality.selectors import SHOWN_EVERY

    annotate(annotators[0], gold_videos[0], [(2.0, 6.0)])  # P 1, R .5: F1 2/3
    client.force_login(annotators[0])
    # one video: not shown yet (a figure after each video would tell which one was gold)
    assert client.get("/api/segments/me/").json() == {"f1": None}
    # a whole block of finished videos (the gold one and plain ones): the figure over its gold, rounded to 0.05
    for _ in range(SHOWN_EVERY - 1):
        plain = SegmentVideoFactory(video__project=project, video__query_class=action_class)
        annotate(annotators[0], plain, [(1.0, 2.0)])
    assert client.get("/api/segments/me/").json() == {"f1": 0.65}


def test_segment_admin_endpoints_are_for_admins(client, annotators, project, action_class):
    client.force_login(annotators[0])
    for method, url in [
        ("get", f"/api/projects/{project.pk}/segments/dashboard/"),
        ("post", f"/api/projects/{project.pk}/segments/enqueue/"),
        ("get", f"/api/projects/{project.pk}/exports/segments/"),
        ("post", "/api/segment-videos/1/final/"),
        ("post", f"/api/annotators/{annotators[1].pk}/segments/send-back/"),
    ]:
        assert getattr(client, method)(url, content_type="application/json").status_code == 403, url


def test_dashboard_page_has_the_segment_section(client, admin_user, project):
    client.force_login(admin_user)
    html = client.get(f"/dashboard/{project.pk}/").content.decode()
    assert "Segment accuracy (gold videos)" in html and "timeline/segment_dashboard.js" in html
    assert f"/api/projects/{project.pk}/exports/segments/" in html


def test_enqueue_api_answers_202_with_jobs(client, admin_user, project, action_class, monkeypatch):
    from django.core.files.base import ContentFile

    from tests.factories import VideoFactory

    video = VideoFactory(project=project, query_class=action_class)
    video.file.save("source", ContentFile(b"x"), save=True)
    SegmentSettings.objects.create(project=project, annotators_per_video=2)
    client.force_login(admin_user)
    res = client.post(f"/api/projects/{project.pk}/segments/enqueue/", {}, content_type="application/json")
    assert res.status_code == 202 and len(res.json()["jobs"]) == 1
    job = client.get(f"/api/segment-media-jobs/{res.json()['jobs'][0]}/").json()
    assert job["video"] == video.pk and job["state"] == "queued" and job["progress"] == 0.0
    segment_video = SegmentVideo.objects.get(video=video)
    assert segment_video.required_annotations == 2 and segment_video.media_state == "pending"
