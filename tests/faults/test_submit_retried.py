"""A retried submit (the same page POSTed twice, one after the other or at the same moment) stores the labels
once: the page uid is the idempotency key, and the page's row lock orders two submits racing each other."""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from django.test import Client

from backend.clips.models import Clip, ConsensusResult, Label, Page

URL = "/api/pages/{}/submit/"


def lease_page(client, project, action_class) -> dict:
    res = client.post(
        "/api/pages/next/", {"project": project.pk, "action_class": action_class.pk}, content_type="application/json"
    )
    assert res.status_code == 200, res.content
    return res.json()


def assert_stored_once(page_uid: str, n_items: int) -> None:
    page = Page.objects.get(uid=page_uid)
    assert page.submitted_at is not None
    assert Label.objects.filter(page=page).count() == n_items
    assert Label.objects.filter(annotator=page.annotator).count() == n_items
    assert set(Clip.objects.filter(page_items__page=page).values_list("label_count", "lease_count")) == {(1, 0)}


@pytest.mark.django_db
def test_the_same_page_submitted_twice_in_a_row_is_stored_once(client, annotators, project, action_class, make_clips):
    make_clips(videos=2, per_video=3)
    client.force_login(annotators[0])
    page = lease_page(client, project, action_class)
    body = {"labels": {i["item"]: 1 for i in page["items"]}, "seconds_spent": 20}
    first = client.post(URL.format(page["page"]), body, content_type="application/json")
    # the retry even flips a label: the first submit stands, nothing is stored twice or changed
    body["labels"][page["items"][0]["item"]] = -1
    again = client.post(URL.format(page["page"]), body, content_type="application/json")
    assert first.status_code == again.status_code == 200
    assert first.json() == {"stored": 6, "dropped": 0, "already_submitted": False}
    assert again.json() == {"stored": 6, "dropped": 0, "already_submitted": True}
    assert_stored_once(page["page"], 6)
    assert set(Label.objects.values_list("value", flat=True)) == {1}


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_posts_of_one_page_store_it_once(annotators, project, action_class, make_clips, monkeypatch):
    make_clips(videos=2, per_video=3)
    setup = Client()
    setup.force_login(annotators[0])
    page = lease_page(setup, project, action_class)
    body = {"labels": {i["item"]: 1 for i in page["items"]}, "seconds_spent": 20}
    # the first submit to take the page lock holds it a moment before committing, so the other is surely waiting
    monkeypatch.setenv("ACTIONLOOM_FAULT_POINT", "submit.before_commit")
    monkeypatch.setenv("ACTIONLOOM_FAULT_DELAY", "0.5")
    monkeypatch.delenv("ACTIONLOOM_FAULT_MARKER", raising=False)
    start = threading.Barrier(2)
    answers: list = []

    def post() -> None:
        client = Client()
        client.force_login(annotators[0])
        start.wait()
        try:
            res = client.post(URL.format(page["page"]), body, content_type="application/json")
            answers.append((res.status_code, res.json()))
        finally:
            connection.close()  # this thread's own connection

    threads = [threading.Thread(target=post) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert sorted(answers, key=lambda a: a[1]["already_submitted"]) == [
        (200, {"stored": 6, "dropped": 0, "already_submitted": False}),
        (200, {"stored": 6, "dropped": 0, "already_submitted": True}),
    ]
    assert_stored_once(page["page"], 6)
    assert not ConsensusResult.objects.exists()  # one label per clip: nothing decided yet
