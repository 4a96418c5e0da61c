"""The admin's import API (a job per file, polled at /api/jobs/<id>/) and the export downloads in every format."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from django.conf import settings

from backend.catalog.models import ActionClass, Video
from backend.clips.models import Clip, ConsensusResult, GoldAnswer
from backend.segments.models import Segment, SegmentAnnotation
from tests.factories import ActionClassFactory, ProjectFactory, UserFactory

pytestmark = pytest.mark.django_db

HEADER = "classname,youtube_id,subset,start,end,label\n"


@pytest.fixture
def staff(client):
    client.force_login(UserFactory(username="importer", is_staff=True))
    return client


@pytest.fixture
def classes(db):
    """Two leaf classes under a root node (where new classes and class-less videos are filed)."""
    root = ActionClassFactory(name="Root", node_id=0, is_leaf=False)
    return {name: ActionClassFactory(name=name, parent=root) for name in ("Long jump", "Drinking coffee")}


@pytest.fixture
def published(monkeypatch):
    """The tasks the request published on commit, as (task, args): run them with `run_published`."""
    calls: list[tuple] = []
    monkeypatch.setattr("backend.core.tasks.task_publish", lambda task, *args: calls.append((task, args)) or True)
    return calls


def run_published(published: list[tuple]) -> None:
    """What a worker does with the published messages (through Celery's apply, in this process)."""
    while published:
        task, args = published.pop(0)
        result = task.apply(args=list(args))
        assert result.successful(), result.traceback


def upload(client, project, name: str, text: str, **fields):
    from django.core.files.uploadedfile import SimpleUploadedFile

    data = {"file": SimpleUploadedFile(name, text.encode()), **fields}
    return client.post(f"/api/projects/{project.pk}/imports/", data)


def start_and_run(client, project, published, django_capture_on_commit_callbacks, name, text, **fields) -> dict:
    with django_capture_on_commit_callbacks(execute=True):
        res = upload(client, project, name, text, **fields)
    assert res.status_code == 202, res.content
    body = res.json()
    assert body["poll"] == f"/api/jobs/{body['job']}/"
    queued = client.get(body["poll"]).json()
    assert (queued["kind"], queued["state"]) == ("import", "queued")
    assert len(published) == 1
    run_published(published)
    return client.get(body["poll"]).json()


def test_a_good_clips_file_is_imported_by_a_job_that_ends_done_with_its_counts(
    staff, classes, published, django_capture_on_commit_callbacks
):
    # given a project and a HACS clips CSV of three rows over two videos
    project = ProjectFactory(name="Imported")
    text = HEADER + (
        "Long jump,ytAAAAAAAAA,training,1.0,3.0,1\n"
        "Long jump,ytAAAAAAAAA,training,4.0,6.0,-1\n"
        "Drinking coffee,ytBBBBBBBBB,validation,0.5,2.5,1\n"
    )
    # when the admin uploads it and the worker runs the job
    job = start_and_run(staff, project, published, django_capture_on_commit_callbacks, "clips.csv", text, kind="clips")
    # then the job is done and says what it wrote
    assert (job["state"], job["progress"]) == ("done", 1.0)
    assert job["message"].startswith("imported 3 rows: 3 new clips, 2 new videos, 0 already present")
    assert Video.objects.filter(project=project).count() == 2
    assert sorted(ConsensusResult.objects.values_list("value", flat=True)) == [-1, 1, 1]
    # and the uploaded file is not kept once imported
    assert [p for p in (Path(settings.MEDIA_ROOT) / "imports").rglob("*") if p.is_file()] == []


def test_a_refused_clips_file_fails_its_job_naming_every_bad_line_and_writes_nothing(
    staff, classes, published, django_capture_on_commit_callbacks
):
    # given a file whose lines 4 and 5 are bad (an empty clip, a label that is not 1 or -1)
    project = ProjectFactory()
    text = HEADER + (
        "Long jump,ytAAAAAAAAA,training,1.0,3.0,1\n"
        "Long jump,ytAAAAAAAAA,training,4.0,6.0,1\n"
        "Long jump,ytCCCCCCCCC,training,1.0,1.0,1\n"
        "Drinking coffee,ytBBBBBBBBB,validation,0.5,2.5,7\n"
    )
    classes_before = ActionClass.objects.count()
    # when the admin uploads it
    job = start_and_run(staff, project, published, django_capture_on_commit_callbacks, "bad.csv", text, kind="clips")
    # then the job failed, naming each bad line, and nothing was written
    assert (job["state"], job["stage"]) == ("failed", "refused")
    assert "line 4: need 0 <= start < end" in job["message"]
    assert "line 5: label must be 1 or -1" in job["message"]
    assert job["message"].endswith("nothing was imported")
    assert (Video.objects.count(), Clip.objects.count(), ConsensusResult.objects.count()) == (0, 0, 0)
    # and with new classes asked for (line 3 names one), a refused file takes them back too
    text = text.replace("Long jump,ytAAAAAAAAA,training,4.0", "Not a class,ytA,training,4.0")
    job = start_and_run(
        staff,
        project,
        published,
        django_capture_on_commit_callbacks,
        "bad.csv",
        text,
        kind="clips",
        create_classes="true",
    )
    assert job["state"] == "failed" and "line 5: label must be 1 or -1" in job["message"]
    assert ActionClass.objects.count() == classes_before and Clip.objects.count() == 0


def test_unknown_classes_are_refused_listing_each_with_its_line(
    staff, classes, published, django_capture_on_commit_callbacks
):
    project = ProjectFactory()
    text = (
        HEADER + "Juggling,ytAAAAAAAAA,training,1.0,3.0,1\nLong jump,ytA,training,1,2,1\nSkating,ytB,training,1,2,1\n"
    )
    job = start_and_run(staff, project, published, django_capture_on_commit_callbacks, "c.csv", text, kind="clips")
    assert job["state"] == "failed"
    assert "line 2: unknown class 'Juggling'" in job["message"] and "line 4: unknown class 'Skating'" in job["message"]
    assert Clip.objects.count() == 0


SEGMENTS = {
    "version": "1.3",
    "database": {
        "vidA": {
            "subset": "training",
            "duration": 31.5,
            "url": "",
            "annotations": [
                {"label": "Long jump", "segment": [1.04, 3.2]},
                {"label": "Drinking coffee", "segment": [10.0, 12.48]},
            ],
        },
        "vidB": {"subset": "validation", "duration": 12.0, "url": "", "annotations": []},
    },
}


def test_a_segments_file_is_imported_and_a_bad_one_names_its_path_and_writes_nothing(
    staff, classes, published, django_capture_on_commit_callbacks
):
    project = ProjectFactory()
    bad = json.loads(json.dumps(SEGMENTS))
    bad["database"]["vidA"]["annotations"][1]["segment"] = [12.0, 3.0]
    bad["database"]["vidB"]["subset"] = "nowhere"
    job = start_and_run(
        staff, project, published, django_capture_on_commit_callbacks, "s.json", json.dumps(bad), kind="segments"
    )
    assert job["state"] == "failed"
    assert 'database["vidA"].annotations[1].segment: need 0 <= start <= end' in job["message"]
    assert 'database["vidB"].subset: expected one of' in job["message"]
    assert (Video.objects.count(), SegmentAnnotation.objects.count(), Segment.objects.count()) == (0, 0, 0)

    job = start_and_run(
        staff, project, published, django_capture_on_commit_callbacks, "s.json", json.dumps(SEGMENTS), kind="segments"
    )
    assert job["state"] == "done"
    assert job["message"] == (
        "imported 2 videos: 2 annotations with 2 segments, 2 new videos, 0 already present, 1 without segments, "
        "0 durations stored"
    )
    assert Segment.objects.count() == 2


def test_gold_clips_need_videos_already_in_the_project(staff, classes, published, django_capture_on_commit_callbacks):
    project = ProjectFactory()
    text = HEADER + "Long jump,ytAAAAAAAAA,training,1.0,3.0,1\n"
    job = start_and_run(
        staff, project, published, django_capture_on_commit_callbacks, "g.csv", text, kind="clips", gold="true"
    )
    assert job["state"] == "failed" and "line 2" in job["message"]
    assert GoldAnswer.objects.count() == 0 and Video.objects.count() == 0


@pytest.mark.parametrize(
    ("fields", "field", "words"),
    [
        ({"kind": "segments", "on_conflict": "first"}, "on_conflict", "clips files only"),
        ({"kind": "clips", "update_durations": "true"}, "update_durations", "segments files only"),
        ({"kind": "clips", "parent": "Sports"}, "parent", "tick create_classes"),
        ({"kind": "videos"}, "kind", "is not a valid choice"),
    ],
)
def test_options_that_do_not_apply_are_refused_before_anything_is_queued(
    staff, published, django_capture_on_commit_callbacks, fields, field, words
):
    project = ProjectFactory()
    with django_capture_on_commit_callbacks(execute=True):
        res = upload(staff, project, "x.csv", HEADER, **fields)
    assert res.status_code == 400
    assert field in res.content.decode() and words in res.content.decode()
    assert published == []


def test_only_staff_may_import_or_open_the_page(client, project, annotators, published):
    # an annotator is refused the API (403) and sent to the admin log-in for the page
    client.force_login(annotators[0])
    assert upload(client, project, "c.csv", HEADER, kind="clips").status_code == 403
    assert client.get(f"/projects/{project.pk}/imports/").status_code == 302
    client.logout()
    assert upload(client, project, "c.csv", HEADER, kind="clips").status_code == 403
    assert published == []


def test_the_page_offers_every_export_format(staff, project):
    page = staff.get(f"/projects/{project.pk}/imports/").content.decode()
    for fmt in ("hacs-csv", "hacs-json"):
        assert f"/api/projects/{project.pk}/exports/clips/?format={fmt}" in page
    for fmt in ("activitynet", "actionformer", "opentad", "mmaction2"):
        assert f"/api/projects/{project.pk}/exports/segments/?format={fmt}" in page


def test_every_export_format_downloads_with_its_filename(staff, classes, published, django_capture_on_commit_callbacks):
    # given clips and segments brought in through the import API
    project = ProjectFactory()
    clips = HEADER + "Long jump,ytAAAAAAAAA,training,1.0,3.0,1\nDrinking coffee,ytBBBBBBBBB,validation,0.5,2.5,-1\n"
    assert (
        start_and_run(staff, project, published, django_capture_on_commit_callbacks, "c.csv", clips, kind="clips")[
            "state"
        ]
        == "done"
    )
    job = start_and_run(
        staff, project, published, django_capture_on_commit_callbacks, "s.json", json.dumps(SEGMENTS), kind="segments"
    )
    assert job["state"] == "done"

    def download(kind: str, query: str) -> tuple[str, str]:
        res = staff.get(f"/api/projects/{project.pk}/exports/{kind}/?{query}")
        assert res.status_code == 200, res.content
        assert res.streaming
        return res["Content-Disposition"], b"".join(res.streaming_content).decode()

    # clips: CSV and JSON, the imported rows back
    disposition, body = download("clips", "format=hacs-csv")
    assert disposition == f'attachment; filename="hacs_clips_{project.pk}.csv"'
    rows = list(csv.DictReader(io.StringIO(body)))
    assert {(r["youtube_id"], r["label"]) for r in rows} == {("ytAAAAAAAAA", "1"), ("ytBBBBBBBBB", "-1")}
    disposition, body = download("clips", "format=hacs-json")
    assert disposition == f'attachment; filename="hacs_clips_{project.pk}.json"'
    assert {(r["youtube_id"], r["label"]) for r in json.loads(body)} == {("ytAAAAAAAAA", 1), ("ytBBBBBBBBB", -1)}
    # segments: ActivityNet as imported; the toolkit layouts (imported videos have no frame rate: a default is given)
    disposition, body = download("segments", "format=activitynet")
    assert disposition == f'attachment; filename="segments_{project.pk}.json"'
    assert json.loads(body)["database"]["vidA"]["annotations"] == SEGMENTS["database"]["vidA"]["annotations"]
    for fmt in ("actionformer", "opentad", "mmaction2"):
        disposition, body = download("segments", f"format={fmt}&default_fps=25")
        assert disposition == f'attachment; filename="segments_{project.pk}_{fmt}.json"'
        data = json.loads(body)
        entries = data if fmt == "mmaction2" else data["database"]
        assert [a["segment"] for a in entries["vidA"]["annotations"]] == [[1.04, 3.2], [10.0, 12.48]]
    # without a frame rate the toolkit layouts are refused, saying what to give
    res = staff.get(f"/api/projects/{project.pk}/exports/segments/?format=opentad")
    assert res.status_code == 400 and "default_fps" in res.json()["detail"]


def test_a_message_delivered_again_after_its_job_ended_changes_nothing(
    staff, classes, published, django_capture_on_commit_callbacks
):
    project = ProjectFactory()
    text = HEADER + "Long jump,ytAAAAAAAAA,training,1.0,3.0,1\n"
    with django_capture_on_commit_callbacks(execute=True):
        job_id = upload(staff, project, "c.csv", text, kind="clips").json()["job"]
    again = list(published)
    run_published(published)
    assert staff.get(f"/api/jobs/{job_id}/").json()["state"] == "done"
    # when the broker delivers the same message again (acks_late), the stored file being gone by now
    run_published(again)
    # then the job's outcome stands and nothing more was written
    job = staff.get(f"/api/jobs/{job_id}/").json()
    assert job["state"] == "done" and job["message"].startswith("imported 1 rows")
    assert Clip.objects.count() == 1


def test_an_import_queued_while_the_broker_was_down_runs_once_when_a_worker_starts(
    staff, classes, monkeypatch, django_capture_on_commit_callbacks
):
    from backend.core.tasks import requeue_all

    project = ProjectFactory()
    text = HEADER + "Long jump,ytAAAAAAAAA,training,1.0,3.0,1\n"
    # given the broker is down at the upload: the job stays queued
    monkeypatch.setattr("backend.core.tasks.task_publish", lambda task, *args: False)
    with django_capture_on_commit_callbacks(execute=True):
        job_id = upload(staff, project, "c.csv", text, kind="clips").json()["job"]
    assert staff.get(f"/api/jobs/{job_id}/").json()["state"] == "queued"
    # when a worker starts (its hook runs every requeuer) — twice, as two workers would
    published: list[tuple] = []
    monkeypatch.setattr("backend.core.tasks.task_publish", lambda task, *args: published.append((task, args)) or True)
    assert requeue_all()["imports"] == 1
    assert requeue_all()["imports"] == 1  # still queued: the first message has not run yet
    run_published(published)
    # then the import ran once and the job is done; nothing is left to publish
    job = staff.get(f"/api/jobs/{job_id}/").json()
    assert job["state"] == "done" and job["message"].startswith("imported 1 rows: 1 new clips")
    assert Clip.objects.count() == 1
    assert requeue_all()["imports"] == 0


def test_an_import_whose_worker_died_mid_run_ends_stopped_with_its_upload_deleted(
    staff, classes, published, settings, django_capture_on_commit_callbacks
):
    from datetime import timedelta

    from django.core.files.storage import default_storage
    from django.utils import timezone

    from backend.core.models import Job
    from backend.exports.models import ImportRequest

    project = ProjectFactory()
    with django_capture_on_commit_callbacks(execute=True):
        job_id = upload(staff, project, "c.csv", HEADER + "Long jump,ytAAAAAAAAA,training,1.0,3.0,1\n", kind="clips")
        job_id = job_id.json()["job"]
    stored = ImportRequest.objects.get(job_id=job_id).stored_name
    # a worker claimed the job, then was killed (its transaction rolled back: nothing written, the row says running)
    Job.objects.filter(pk=job_id).update(state=Job.State.RUNNING, stage="writing", progress=0.8)
    settings.JOB_STALE_SECONDS = 600
    assert staff.get(f"/api/jobs/{job_id}/").json()["state"] == "running"  # still within the allowance
    Job.objects.filter(pk=job_id).update(updated_at=timezone.now() - timedelta(seconds=601))
    job = staff.get(f"/api/jobs/{job_id}/").json()
    assert (job["state"], job["stage"]) == ("failed", "stopped")
    assert "nothing was imported" in job["message"] and "upload the file again" in job["message"]
    assert not default_storage.exists(stored) and Clip.objects.count() == 0
    # the message the dead run left in the broker, delivered again, finds the job ended and does nothing
    run_published(published)
    assert staff.get(f"/api/jobs/{job_id}/").json()["state"] == "failed" and Clip.objects.count() == 0
