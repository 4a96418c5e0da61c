"""The web process SIGKILLed in the middle of a submit: the page is stored whole or not at all.

gunicorn is held at the fault point `submit.before_commit` (every label and counter of the page written, the
transaction not yet committed) and killed there. The database must show none of the page; the annotator's
retry then stores all of it.
"""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from rest_framework.authtoken.models import Token

from backend.clips import services
from backend.clips.models import Clip, ConsensusResult, Label, Page
from tests.faults.harness import free_port, marker_pid, start_gunicorn, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

POINT = "submit.before_commit"


def http(url: str, *, body: dict | None = None, token: str | None = None, timeout: float = 300):
    request = urllib.request.Request(
        url, data=json.dumps(body).encode() if body is not None else None, headers={"Content-Type": "application/json"}
    )
    if token:
        request.add_header("Authorization", f"Token {token}")
    return urllib.request.urlopen(request, timeout=timeout)


def up(url: str) -> bool:
    try:
        return http(url, timeout=5).status == 200
    except (OSError, urllib.error.URLError):
        return False


def test_a_web_process_killed_before_commit_stores_none_of_the_page(
    tmp_path, settings, annotators, project, action_class, make_clips, client
):
    # given a leased page of 2 videos x 3 clips, and gunicorn on the test database
    clips = make_clips(videos=2, per_video=3)
    page = services.page_next(annotator=annotators[0], project=project, action_class=action_class)
    items = list(page.items.order_by("position"))
    counters = dict(Clip.objects.values_list("pk", "lease_count"))
    token = Token.objects.create(user=annotators[0]).key
    port, marker, log = free_port(), tmp_path / "marker", tmp_path / "gunicorn.log"
    web = start_gunicorn(
        port=port,
        media_root=Path(settings.MEDIA_ROOT),
        log=log,
        ACTIONLOOM_FAULT_POINT=POINT,
        ACTIONLOOM_FAULT_MARKER=str(marker),
        ACTIONLOOM_FAULT_DELAY="600",
    )
    try:
        base = f"http://127.0.0.1:{port}"
        wait_for(lambda: up(f"{base}/accounts/login/"), timeout=120, what="gunicorn", proc=web.popen, log=log)
        # when the annotator submits and the web process dies with the transaction open
        outcome: list = []

        def submit() -> None:
            try:
                outcome.append(
                    http(
                        f"{base}/api/pages/{page.uid}/submit/",
                        token=token,
                        body={"labels": {str(i.uid): 1 for i in items}, "seconds_spent": 30},
                    ).status
                )
            except (OSError, urllib.error.URLError) as exc:
                outcome.append(exc)

        thread = threading.Thread(target=submit)
        thread.start()
        worker_pid = wait_for(
            lambda: marker_pid(marker, POINT),
            timeout=120,
            what="the submit at the fault point",
            proc=web.popen,
            log=log,
        )
        assert worker_pid != web.pid  # the gunicorn worker, with the labels written but not committed
        web.kill_group()
        thread.join(timeout=60)
    finally:
        web.stop()
    # then the client saw the connection drop, not a success
    assert len(outcome) == 1 and not isinstance(outcome[0], int)
    # and the database holds none of the page: no label, the page open, every counter as it was
    assert not Label.objects.exists() and not ConsensusResult.objects.exists()
    assert Page.objects.get(pk=page.pk).submitted_at is None
    assert dict(Clip.objects.values_list("pk", "lease_count")) == counters
    assert set(Clip.objects.values_list("label_count", flat=True)) == {0}
    # and the retry stores all of it, once
    client.force_login(annotators[0])
    res = client.post(
        f"/api/pages/{page.uid}/submit/",
        {"labels": {str(i.uid): 1 for i in items}, "seconds_spent": 30},
        content_type="application/json",
    )
    assert res.json() == {"stored": len(clips), "dropped": 0, "already_submitted": False}
    assert Label.objects.filter(page=page).count() == len(clips)
