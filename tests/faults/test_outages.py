"""The database or Redis briefly unavailable: requests get a clear 503 (never a 500 with a traceback), workers
retry, and nothing is lost — a submit refused during the outage goes through when it is retried, rows committed
while the broker was down get their tasks from the sweep every worker runs at start."""

from __future__ import annotations

import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.db import OperationalError, connection
from django.test import RequestFactory

from backend.clips.models import Clip, Label
from backend.config.middleware import server_error
from tests.faults.harness import ROOT, app_env, free_port, start_worker, wait_for

MESSAGE = "The database is unavailable; try again in a moment."


@contextmanager
def database_down():
    """Point the connection at a database that is not there (a closed port; for SQLite, a missing folder)."""
    saved = dict(connection.settings_dict)
    connection.close()
    if connection.vendor == "postgresql":
        connection.settings_dict.update(HOST="127.0.0.1", PORT=str(free_port()))
    else:
        connection.settings_dict["NAME"] = "/nonexistent-actionloom-outage/db.sqlite3"
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(saved)


@pytest.mark.django_db(transaction=True)
def test_requests_during_a_database_outage_get_503_and_the_retried_submit_goes_through(
    client, annotators, project, action_class, make_clips
):
    make_clips(videos=1, per_video=3)
    client.force_login(annotators[0])
    page = client.post(
        "/api/pages/next/", {"project": project.pk, "action_class": action_class.pk}, content_type="application/json"
    ).json()
    submit = (
        f"/api/pages/{page['page']}/submit/",
        {"labels": {i["item"]: 1 for i in page["items"]}, "seconds_spent": 9},
    )
    with database_down():
        api = client.get("/api/me/")
        html = client.get("/")
        refused = client.post(*submit, content_type="application/json")
        login = client.post("/accounts/login/", {"username": "ann2", "password": "pw"})
    # then the API answers JSON, pages answer HTML, each 503 with Retry-After and a sentence, no traceback
    assert (api.status_code, api["Retry-After"], api.json()) == (
        503,
        "5",
        {"detail": MESSAGE, "code": "service_unavailable"},
    )
    assert html.status_code == 503 and html["Content-Type"].startswith("text/html")
    assert "try again in a moment" in html.content.decode() and "Traceback" not in html.content.decode()
    assert refused.status_code == 503 and refused.json()["detail"] == MESSAGE
    assert login.status_code == 503
    # and once the database is back nothing was half-stored: the same submit stores the page, once
    assert not Label.objects.exists()
    assert client.post(*submit, content_type="application/json").json()["stored"] == 3
    assert client.post(*submit, content_type="application/json").json()["already_submitted"] is True
    assert Label.objects.count() == 3


@pytest.mark.django_db
def test_a_redis_cache_outage_answers_503_at_log_in(client, settings, annotators):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{free_port()}/0",
        }
    }
    res = client.post("/accounts/login/", {"username": "ann1", "password": "pw"})
    assert res.status_code == 503 and res["Retry-After"] == "5"
    assert "task queue or cache is unavailable" in res.content.decode()


def test_an_outage_met_outside_a_view_also_answers_503_and_a_bug_still_500():
    request = RequestFactory().get("/api/me/")
    try:
        raise OperationalError("server closed the connection unexpectedly")
    except OperationalError:
        assert server_error(request).status_code == 503
    try:
        raise ZeroDivisionError
    except ZeroDivisionError:
        assert server_error(request).status_code == 500


@pytest.mark.django_db
def test_a_media_task_that_meets_a_database_outage_is_retried(make_clips, monkeypatch):
    from backend.clips import services, tasks

    (clip,) = make_clips(videos=1, per_video=1, media_state=Clip.MediaState.PENDING)
    calls = []

    def flaky(*, clip_id):
        calls.append(clip_id)
        if len(calls) == 1:
            raise OperationalError("could not connect to server: Connection refused")
        Clip.objects.filter(pk=clip_id).update(media_state=Clip.MediaState.READY)

    monkeypatch.setattr(services, "clip_media_cut", flaky)
    result = tasks.clip_media_cut_task.apply(args=[clip.pk])  # eager: a retry runs again at once
    assert result.successful() and calls == [clip.pk, clip.pk]
    clip.refresh_from_db()
    assert clip.media_state == Clip.MediaState.READY


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_rows_committed_while_the_broker_is_down_get_their_tasks_when_a_worker_starts(
    tmp_path, settings, demo_video, project, action_class
):
    from backend.config.celery import app

    app.control.purge()
    media_root = Path(settings.MEDIA_ROOT)
    # given an ingest while the broker (Redis on a closed port) is down
    env = app_env(media_root=media_root, CELERY_BROKER_URL=f"redis://127.0.0.1:{free_port()}/0")
    proc = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "ingest",
            str(demo_video),
            "--class",
            action_class.name,
            "--project",
            project.name,
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    # then the ingest still succeeds: the video and its clips are committed, the clips pending, the failure logged
    assert proc.returncode == 0, proc.stderr
    assert "could not publish backend.clips.tasks.clip_media_cut_task" in proc.stderr
    clips = Clip.objects.filter(video__project=project)
    assert clips.count() == 3 and set(clips.values_list("media_state", flat=True)) == {Clip.MediaState.PENDING}
    # and when a worker starts on the working broker, it re-enqueues them and every clip gets its media
    log = tmp_path / "worker.log"
    worker = start_worker(media_root=media_root, log=log)
    try:
        wait_for(
            lambda: not clips.exclude(media_state=Clip.MediaState.READY).exists(),
            timeout=240,
            what="the pending clips cut",
            proc=worker.popen,
            log=log,
        )
    finally:
        worker.stop()
    assert "re-enqueued 3 task(s) left pending" in log.read_text()
