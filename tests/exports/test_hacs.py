"""HACS clips export/import: the layout, round trips, and malformed files that write nothing."""

import csv
import io
import json

import pytest
from django.core.management import CommandError, call_command

from backend.catalog.models import ActionClass, Video
from backend.catalog.services import taxonomy_load
from backend.clips import services
from backend.clips.models import Clip, ConsensusResult, GoldAnswer
from tests.factories import ClipFactory, ProjectFactory, VideoFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def labelled(db):
    """A project with consensus clips in two classes and subsets, and one gold clip."""
    taxonomy_load()
    project = ProjectFactory(name="Export me")
    classes = [ActionClass.objects.get(name="Long jump"), ActionClass.objects.get(name="Drinking coffee")]
    for k, cls in enumerate(classes):
        for j, subset in enumerate(["training", "validation"]):
            video = VideoFactory(project=project, query_class=cls, subset=subset, external_id=f"yt{k}{j}abcdefg"[:11])
            for i, value in enumerate([1, -1]):
                clip = ClipFactory(video=video, action_class=cls, start=1.25 + 3 * i, end=3.25 + 3 * i)
                ConsensusResult.objects.create(
                    clip=clip, value=value, mode="fixed", n_labels=3, unanimous=True, source="unanimous"
                )
    gold = ClipFactory(video=video, action_class=classes[1], start=10.5, end=12.5)
    services.clip_gold_set(clip=gold, value=-1, author=None)
    ClipFactory(video=video, action_class=classes[1], start=14, end=16)  # undecided: not exported
    return project


def export(fmt: str, path) -> str:
    call_command("export_clips", "--format", fmt, "-o", str(path))
    return path.read_text()


def wipe():
    ConsensusResult.objects.all().delete()
    GoldAnswer.objects.all().delete()
    Clip.objects.all().delete()
    Video.objects.all().delete()


def test_csv_has_the_hacs_header_and_one_row_per_decided_clip(labelled, tmp_path):
    rows = list(csv.reader(io.StringIO(export("hacs-csv", tmp_path / "a.csv"))))
    assert rows[0] == ["classname", "youtube_id", "subset", "start", "end", "label", "source"]
    assert len(rows) == 1 + 8 + 1
    assert ["Long jump", "yt00abcdefg", "training", "1.25", "3.25", "1", "unanimous"] in rows
    assert ["Drinking coffee", "yt11abcdefg", "validation", "10.5", "12.5", "-1", "gold"] in rows  # the gold clip


@pytest.mark.parametrize("fmt", ["hacs-csv", "hacs-json"])
def test_export_import_export_round_trips_unchanged(labelled, tmp_path, fmt):
    first = export(fmt, tmp_path / "first")
    wipe()
    call_command("import_clips", str(tmp_path / "first"), "--project", "Export me")
    second = export(fmt, tmp_path / "second")
    # The same rows, each label now saying it was decided elsewhere (issue 15: every export says where it came from).
    for source in ("unanimous", "gold"):
        first = (
            first.replace(f'"{source}"', '"imported"')
            if fmt == "hacs-json"
            else first.replace(f",{source}\n", ",imported\n")
        )
    assert second == first
    assert Video.objects.get(external_id="yt00abcdefg").source_url.endswith("v=yt00abcdefg")


def test_json_export_is_the_same_rows(labelled, tmp_path):
    rows = json.loads(export("hacs-json", tmp_path / "a.json"))
    as_csv = list(csv.DictReader(io.StringIO(export("hacs-csv", tmp_path / "a.csv"))))
    assert [{**r, "start": str(r["start"]), "end": str(r["end"]), "label": str(r["label"])} for r in rows] == as_csv


def test_importing_the_same_file_twice_adds_nothing(labelled, tmp_path, capsys):
    export("hacs-csv", tmp_path / "a.csv")
    before = Clip.objects.count()
    call_command("import_clips", str(tmp_path / "a.csv"), "--project", "Export me")
    assert Clip.objects.count() == before
    assert "9 already present" in capsys.readouterr().out


GOOD = "Long jump,abcdefghijk,training,1.0,3.0,1\n"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("classname,youtube_id,subset,start,end\n" + GOOD, "line 1: the header"),
        (
            "classname,youtube_id,subset,start,end,label\n" + GOOD + "Long jump,abcdefghijk,training,4,6,0\n",
            "line 3: label must be 1 or -1",
        ),
        (
            "classname,youtube_id,subset,start,end,label\n" + GOOD + "Flying,abcdefghijk,training,4,6,1\n",
            "line 3: unknown class 'Flying'",
        ),
        (
            "classname,youtube_id,subset,start,end,label\n" + GOOD + GOOD.replace(",1\n", ",-1\n"),
            "line 3: label -1, but line 2 gives the same clip",
        ),
        (
            "classname,youtube_id,subset,start,end,label\n" + GOOD + "Long jump,abcdefghijk,training,six,8,1\n",
            "line 3: start and end must be numbers",
        ),
        (
            "classname,youtube_id,subset,start,end,label\n" + GOOD + "Long jump,abcdefghijk,training,5,4,1\n",
            "line 3: need 0 <= start < end",
        ),
        (
            "classname,youtube_id,subset,start,end,label\n" + GOOD + "Long jump,abcdefghijk,train,5,7,1\n",
            "line 3: subset must be one of",
        ),
        (
            "classname,youtube_id,subset,start,end,label\n" + GOOD + "Long jump,abcdefghijk,training,5\n",
            "line 3: expected 6 fields, found 4",
        ),
        (
            "classname,youtube_id,subset,start,end,label\n" + GOOD + f"Long jump,{'x' * 5000},training,5,7,1\n",
            "line 3: field youtube_id is longer than",
        ),
        ('[{"classname": "Long jump"}]', "line 2: missing field"),
        ("[{broken json", "not valid JSON"),
        ("", "the file is empty"),
    ],
)
def test_a_malformed_file_is_refused_by_line_and_nothing_is_written(tmp_path, body, message):
    taxonomy_load()
    ProjectFactory(name="Only")
    path = tmp_path / "in.csv"
    path.write_text(body)
    with pytest.raises(CommandError, match=message):
        call_command("import_clips", str(path))
    assert Video.objects.count() == Clip.objects.count() == ConsensusResult.objects.count() == 0


def test_gold_import_needs_known_videos_and_marks_clips_gold(tmp_path):
    taxonomy_load()
    project = ProjectFactory(name="Only")
    VideoFactory(project=project, external_id="abcdefghijk", query_class=ActionClass.objects.get(name="Long jump"))
    path = tmp_path / "gold.csv"
    path.write_text("classname,youtube_id,subset,start,end,label\n" + GOOD + "Long jump,zzzzzzzzzzz,training,1,3,-1\n")
    with pytest.raises(CommandError, match="line 3: gold clips need the video 'zzzzzzzzzzz'"):
        call_command("import_clips", str(path), "--gold")
    assert Clip.objects.count() == 0
    path.write_text("classname,youtube_id,subset,start,end,label\n" + GOOD)
    call_command("import_clips", str(path), "--gold")
    assert GoldAnswer.objects.get().value == 1 and not ConsensusResult.objects.exists()


def test_export_downloads_from_the_api_for_admins_only(labelled, client, admin_user, annotators):
    client.force_login(annotators[0])
    assert client.get(f"/api/projects/{labelled.pk}/exports/clips/").status_code == 403
    client.force_login(admin_user)
    res = client.get(f"/api/projects/{labelled.pk}/exports/clips/?format=hacs-csv&subset=validation")
    body = b"".join(res.streaming_content).decode()
    assert res["Content-Disposition"].endswith('.csv"')
    assert body.count("\n") == 1 + 5 and "training" not in body
