"""The dashboard's polled answer at many classes and annotators: a fixed number of queries (not one per class, per
annotator or per pair), the same figures as the per-annotator selector, and one class's breakdown on demand."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from backend.quality.selectors import annotator_accuracy
from tests.factories import UserFactory
from tests.quality.dashboard_seed import seed_dashboard

pytestmark = pytest.mark.django_db


def queries_for(client, url: str) -> tuple[int, dict]:
    with CaptureQueriesContext(connection) as ctx:
        res = client.get(url)
    assert res.status_code == 200, res.content
    return len(ctx.captured_queries), res.json()


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(username="boss", is_staff=True, is_superuser=True))
    return client


def test_the_dashboard_answer_costs_the_same_queries_at_3_and_at_30_classes_and_annotators(admin_client):
    small = seed_dashboard(classes=3, annotators=3, prefix="S")
    large = seed_dashboard(classes=30, annotators=12, prefix="L")
    small_queries, _ = queries_for(admin_client, f"/api/projects/{small.project.pk}/dashboard/")
    large_queries, board = queries_for(admin_client, f"/api/projects/{large.project.pk}/dashboard/")
    assert 5 < small_queries == large_queries <= 15, (small_queries, large_queries)
    assert len(board["annotators"]) == 12 and len(board["progress"]) == 30
    # the figures are those of the one-annotator selector
    for row, user in zip(board["annotators"], large.users, strict=True):
        assert row["accuracy"] == pytest.approx(annotator_accuracy(annotator=user).accuracy)
        assert row["labels"] == 60 and row["median_seconds_per_clip"] == pytest.approx(
            1.0 + large.users.index(user) % 5
        )
    assert {p["sampled"] for p in board["progress"]} == {1} and {p["gold"] for p in board["progress"]} == {1}


def test_a_pair_below_the_gate_is_named_and_the_class_breakdown_comes_on_demand(admin_client):
    seeded = seed_dashboard(classes=8, annotators=8)
    seeded.project.min_gold_for_gate = 1
    seeded.project.save()
    board = admin_client.get(f"/api/projects/{seeded.project.pk}/dashboard/").json()
    # annotator i misses the gold clip of class c when (i + c) % 7 == 0: annotator001 in class 6
    row = next(a for a in board["annotators"] if a["username"] == "annotator001")
    assert [c["class"] for c in row["flagged_classes"]] == ["Class 006"] and row["flagged"]
    cls = seeded.classes[6]
    url = f"/api/projects/{seeded.project.pk}/dashboard/classes/{cls.pk}/"
    few, detail = queries_for(admin_client, url)
    figures = {a["username"]: (a["accuracy"], a["labels"], a["flagged"]) for a in detail["annotators"]}
    assert figures["annotator001"] == (0.0, 2, True) and figures["annotator000"] == (1.0, 2, False)
    assert detail["labels_per_day"][0]["labels"] == 16
    more = seed_dashboard(classes=2, annotators=40, prefix="M")
    many, _ = queries_for(admin_client, f"/api/projects/{more.project.pk}/dashboard/classes/{more.classes[0].pk}/")
    assert many == few


def test_the_class_breakdown_is_for_staff_only(client):
    seeded = seed_dashboard(classes=1, annotators=1)
    client.force_login(seeded.users[0])
    res = client.get(f"/api/projects/{seeded.project.pk}/dashboard/classes/{seeded.classes[0].pk}/")
    assert res.status_code == 403
