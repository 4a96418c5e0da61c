"""ActivityNet-format segments: export (streamed, rejected videos in a side report), import (also HACS Segments files)
with the path of any bad element and nothing written, and the round trip."""

import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from backend.catalog.models import ActionClass, Video
from backend.exports import activitynet
from backend.segments import imports as segment_imports
from backend.segments.models import Segment, SegmentAnnotation, SegmentVideo
from tests.factories import ActionClassFactory, ProjectFactory
from tests.segments.factories import SegmentAnnotationFactory, SegmentVideoFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def taxonomy(db):
    """A small ActivityNet-style tree: Root > Eating and drinking > {Drinking coffee, Drinking beer}."""
    root = ActionClassFactory(node_id=0, name="Root", is_leaf=False)
    parent = ActionClassFactory(node_id=1, name="Eating and drinking", parent=root, is_leaf=False)
    return {
        "coffee": ActionClassFactory(node_id=2, name="Drinking coffee", parent=parent),
        "beer": ActionClassFactory(node_id=3, name="Drinking beer", parent=parent),
    }


@pytest.fixture
def annotated(project, taxonomy):
    """Three videos with final answers (two accepted, one rejected) and one still open."""
    coffee, beer = taxonomy["coffee"], taxonomy["beer"]

    def video(external_id, cls, subset="training", url=""):
        return SegmentVideoFactory(
            video__project=project,
            video__query_class=cls,
            video__external_id=external_id,
            video__subset=subset,
            video__duration=31.5,
            video__source_url=url,
            action_class=cls,
        )

    a = video("vidA", coffee, url="https://www.youtube.com/watch?v=vidA")
    b = video("vidB", beer, subset="validation")
    c = video("vidC", coffee)
    video("vidD", coffee)
    finals = [
        SegmentAnnotationFactory(segment_video=a, segments=[(1.04, 3.2), (10.0, 12.48)]),
        SegmentAnnotationFactory(segment_video=b, segments=[(0.0, 31.5)]),
        SegmentAnnotationFactory(
            segment_video=c, status="rejected", reject_reason="too_blurry", reject_note="out of focus"
        ),
    ]
    for sv, final in zip((a, b, c), finals, strict=True):
        SegmentVideo.objects.filter(pk=sv.pk).update(final=final, is_open=False)
    return project


def export(tmp_path: Path, *args) -> tuple[dict, dict, str]:
    out = tmp_path / "segments.json"
    call_command("export_segments", "-o", str(out), *args)
    text = out.read_text()
    return json.loads(text), json.loads(Path(f"{out}.rejected.json").read_text()), text


def test_export_writes_the_activitynet_layout_and_a_side_report_of_rejected_videos(annotated, tmp_path):
    data, rejected, _ = export(tmp_path)
    assert set(data) == {"version", "taxonomy", "database"}
    assert data["taxonomy"] == [
        {"nodeId": 0, "nodeName": "Root", "parentId": None, "parentName": None},
        {"nodeId": 1, "nodeName": "Eating and drinking", "parentId": 0, "parentName": "Root"},
        {"nodeId": 2, "nodeName": "Drinking coffee", "parentId": 1, "parentName": "Eating and drinking"},
        {"nodeId": 3, "nodeName": "Drinking beer", "parentId": 1, "parentName": "Eating and drinking"},
    ]
    assert data["database"] == {
        "vidA": {
            "subset": "training",
            "duration": 31.5,
            "url": "https://www.youtube.com/watch?v=vidA",
            "annotations": [
                {"label": "Drinking coffee", "segment": [1.04, 3.2]},
                {"label": "Drinking coffee", "segment": [10.0, 12.48]},
            ],
            "label_source": "single",
        },
        "vidB": {
            "subset": "validation",
            "duration": 31.5,
            "url": "",
            "annotations": [{"label": "Drinking beer", "segment": [0.0, 31.5]}],
            "label_source": "single",
        },
    }
    assert rejected["rejected"] == {
        "vidC": {"subset": "training", "duration": 31.5, "url": "", "reason": "too_blurry", "note": "out of focus"}
    }
    # --subset keeps one subset
    data, rejected, _ = export(tmp_path, "--subset", "validation")
    assert list(data["database"]) == ["vidB"] and rejected["rejected"] == {}


def test_export_streams_entry_by_entry(annotated):
    chunks = list(activitynet.stream())
    assert len(chunks) == 4  # head with taxonomy, one chunk per video, closing braces
    assert chunks[1].lstrip().startswith('"vidA": {') and chunks[2].startswith(',\n"vidB": {')


def test_the_exported_file_reads_in_the_evaluation_and_the_api_download_is_the_same(
    annotated, tmp_path, client, admin_user
):
    from workers.evaluation.layout import read_ground_truth

    _, _, text = export(tmp_path)
    table = read_ground_truth(ground_truth=json.loads(text), subset=None)
    assert table.video_ids == ("vidA", "vidB") and len(table.segments) == 3
    client.force_login(admin_user)
    res = client.get(f"/api/projects/{annotated.pk}/exports/segments/")
    assert res.status_code == 200 and res["Content-Disposition"].endswith('.json"')
    assert b"".join(res.streaming_content).decode() == text
    report = client.get(f"/api/projects/{annotated.pk}/exports/segments/?report=rejected")
    assert json.loads(b"".join(report.streaming_content))["rejected"]["vidC"]["reason"] == "too_blurry"


def test_export_then_import_round_trips_unchanged(annotated, tmp_path):
    # given an export
    _, _, first = export(tmp_path)
    source = tmp_path / "first.json"
    source.write_text(first)
    # when every video is gone and the file is imported into an empty project, then exported again
    Video.objects.all().delete()
    call_command("import_segments", str(source), "--project", annotated.name)
    _, _, second = export(tmp_path)
    # then the second export is the first, byte for byte, but for where the segments came from: a file now
    assert second == first.replace('"label_source": "single"', '"label_source": "imported"')
    # and importing it once more changes nothing
    counts_before = (Video.objects.count(), SegmentAnnotation.objects.count(), Segment.objects.count())
    call_command("import_segments", str(source), "--project", annotated.name)
    assert (Video.objects.count(), SegmentAnnotation.objects.count(), Segment.objects.count()) == counts_before


def test_a_hacs_segments_file_with_string_durations_and_no_taxonomy_imports(project, taxonomy, tmp_path):
    hacs = {
        "database": {
            "--0edUL8zmA": {
                "annotations": [
                    {"label": "Drinking coffee", "segment": [2.5, 9.75]},
                    {"label": "Drinking coffee", "segment": [20.0, 28.333333]},
                ],
                "subset": "training",
                "duration": "92.18",
                "url": "https://www.youtube.com/watch?v=--0edUL8zmA",
            },
            "-0dvhNxasIo": {
                "annotations": [{"label": "Drinking beer", "segment": [0.0, 4.0]}],
                "subset": "validation",
                "duration": "31.0",
            },
            "-testsubset": {"annotations": [], "subset": "testing", "duration": "12.0"},
        }
    }
    path = tmp_path / "HACS_segments_v1.1.1.json"
    path.write_text(json.dumps(hacs))
    call_command("import_segments", str(path))
    video = Video.objects.get(external_id="--0edUL8zmA")
    assert video.duration == 92.18 and video.subset == "training" and video.query_class == taxonomy["coffee"]
    final = video.segment_video.final
    assert final.kind == SegmentAnnotation.Kind.IMPORTED
    assert list(final.segments.values_list("start", "end")) == [(2.5, 9.75), (20.0, 28.333333)]
    empty = Video.objects.get(external_id="-testsubset")  # no labels: kept, filed under the taxonomy's root
    assert (empty.query_class.name, empty.segment_video.final.segments.count()) == ("Root", 0)
    data, _, _ = export(tmp_path)
    assert data["database"]["-testsubset"] == {
        "subset": "testing",
        "duration": 12.0,
        "url": "",
        "annotations": [],
        "label_source": "imported",
    }
    assert data["database"]["--0edUL8zmA"]["duration"] == 92.18
    assert data["database"]["-0dvhNxasIo"]["annotations"] == [{"label": "Drinking beer", "segment": [0.0, 4.0]}]


def good_file() -> dict:
    return {
        "version": "VERSION 1.3",
        "taxonomy": [],
        "database": {
            "ok": {
                "subset": "training",
                "duration": 10,
                "annotations": [{"label": "Drinking coffee", "segment": [1, 2]}],
            },
            "abc": {
                "subset": "training",
                "duration": 10,
                "url": "",
                "annotations": [
                    {"label": "Drinking coffee", "segment": [1, 2]},
                    {"label": "Drinking coffee", "segment": [3, 4]},
                    {"label": "Drinking coffee", "segment": [5, 6]},
                ],
            },
        },
    }


@pytest.mark.parametrize(
    ("change", "path"),
    [
        (
            lambda d: d["database"]["abc"]["annotations"][2].update(segment=[6, "x"]),
            'database["abc"].annotations[2].segment',
        ),
        (
            lambda d: d["database"]["abc"]["annotations"][2].update(segment=[6, 5]),
            'database["abc"].annotations[2].segment',
        ),
        (
            lambda d: d["database"]["abc"]["annotations"][2].update(segment=[1, 2, 3]),
            'database["abc"].annotations[2].segment',
        ),
        (
            lambda d: d["database"]["abc"]["annotations"][1].update(label="Juggling"),
            'database["abc"].annotations[1].label',
        ),
        (
            lambda d: d["database"]["abc"]["annotations"][0].pop("segment"),
            'database["abc"].annotations[0]: missing "segment"',
        ),
        (lambda d: d["database"]["abc"].update(duration="long"), 'database["abc"].duration'),
        (lambda d: d["database"]["abc"].update(subset="train"), 'database["abc"].subset'),
        (lambda d: d["database"]["abc"].update(annotations={}), 'database["abc"].annotations'),
        (lambda d: d["database"].update(abc=[]), 'database["abc"]: expected an object'),
        (lambda d: d.update(taxonomy=[{"nodeId": 1}]), 'taxonomy[0]: missing "nodeName"'),
        (lambda d: d.update(version=1.3), "version"),
        (lambda d: d.pop("database"), 'missing "database"'),
    ],
)
def test_malformed_input_is_refused_with_the_path_of_the_bad_element_and_nothing_is_written(
    project, taxonomy, tmp_path, change, path
):
    data = good_file()
    change(data)
    source = tmp_path / "bad.json"
    source.write_text(json.dumps(data))
    with pytest.raises(CommandError) as exc:
        call_command("import_segments", str(source))
    assert path in str(exc.value) and "nothing was imported" in str(exc.value)
    assert not Video.objects.exists() and not SegmentAnnotation.objects.exists()


def test_a_conflict_found_while_writing_rolls_back_the_whole_file(project, taxonomy, tmp_path):
    # given "abc" already has other final segments
    sv = SegmentVideoFactory(
        video__project=project, video__external_id="abc", video__query_class=taxonomy["coffee"], video__duration=10
    )
    final = SegmentAnnotationFactory(segment_video=sv, segments=[(7.0, 8.0)])
    SegmentVideo.objects.filter(pk=sv.pk).update(final=final, is_open=False)
    source = tmp_path / "conflict.json"
    source.write_text(json.dumps(good_file()))
    with pytest.raises(CommandError, match=r'database\["abc"\].annotations: the video already has other final'):
        call_command("import_segments", str(source))
    assert not Video.objects.filter(external_id="ok").exists()  # written before "abc" was reached, rolled back


def test_not_json_is_refused_with_its_line(project, tmp_path):
    source = tmp_path / "broken.json"
    source.write_text('{"database": {\n"a": }')
    with pytest.raises(CommandError, match="line 2: not valid JSON"):
        call_command("import_segments", str(source))


def test_gold_import_makes_reference_segments_for_videos_with_files(
    project, taxonomy, tmp_path, monkeypatch, django_capture_on_commit_callbacks
):
    from django.core.files.base import ContentFile

    from backend.segments import tasks

    queued = []
    monkeypatch.setattr(tasks.segment_media_make_task, "delay", lambda pk, job_id=None: queued.append(pk))
    video = Video.objects.create(project=project, external_id="abc", query_class=taxonomy["coffee"], duration=10)
    video.file.save("source", ContentFile(b"x"), save=True)
    data = good_file()
    source = tmp_path / "gold.json"
    del data["database"]["ok"]
    source.write_text(json.dumps(data))
    with django_capture_on_commit_callbacks(execute=True):
        call_command("import_segments", str(source), "--gold")
    sv = SegmentVideo.objects.get(video=video)
    assert queued == [sv.pk]  # its proxy is made, so it can be served as a check
    assert sv.is_gold and not sv.is_open and sv.final.kind == SegmentAnnotation.Kind.GOLD
    assert sv.final.segments.count() == 3
    # a gold video for a project without that video is refused
    other = tmp_path / "gold_unknown.json"
    other.write_text(json.dumps(good_file()))
    with pytest.raises(CommandError, match=r'database\["ok"\]: gold segments need this video'):
        call_command("import_segments", str(other), "--gold")
    assert ActionClass.objects.count() == 4 and ProjectFactory._meta.model.objects.count() == 1


def _many_videos(count: int) -> dict:
    return {
        "database": {
            f"vid{i:05d}": {
                "subset": "training",
                "duration": "60.0",
                "annotations": [{"label": "Drinking coffee", "segment": [1.0, 5.0]}] if i % 3 else [],
            }
            for i in range(count)
        }
    }


@pytest.mark.parametrize("count", [6, 60])
def test_the_import_writes_set_based_not_video_by_video(
    project, taxonomy, tmp_path, count, django_assert_max_num_queries
):
    # given a file of `count` videos (a third without segments), imported once
    path = tmp_path / "many.json"
    path.write_text(json.dumps(_many_videos(count)))
    # when it is imported, and imported again with nothing new
    with django_assert_max_num_queries(40):  # the same few statements for 6 videos as for 60 (was ~10 per video)
        first = activitynet.import_videos(videos=activitynet.parse(json.loads(path.read_text())), project=project)
    with django_assert_max_num_queries(15):
        again = activitynet.import_videos(videos=activitynet.parse(json.loads(path.read_text())), project=project)
    # then every video has its final answer, and the second import found every one unchanged and wrote nothing
    assert (first["videos"], first["annotations"], first["empty"]) == (count, count, count // 3)
    assert SegmentVideo.objects.filter(final__isnull=False, is_open=False).count() == count
    assert Segment.objects.count() == count - count // 3
    assert (again["unchanged"], again["annotations"], SegmentAnnotation.objects.count()) == (count, 0, count)


def test_written_in_batches_every_video_gets_its_own_answer_and_segments(project, taxonomy, tmp_path, monkeypatch):
    # given batches of 4 videos (2,000 in production), and 3 of the file's 11 videos already answered the same way
    monkeypatch.setattr(segment_imports, "BATCH", 4)
    data = _many_videos(11)
    for i, entry in enumerate(data["database"].values()):
        entry["annotations"] = [{"label": "Drinking beer", "segment": [1.0, 2.0 + i]}] if i % 3 else []
    first = {"database": {k: v for i, (k, v) in enumerate(data["database"].items()) if i in (1, 5, 9)}}
    activitynet.import_videos(videos=activitynet.parse(first), project=project)
    # when the whole file is imported
    counts = activitynet.import_videos(videos=activitynet.parse(data), project=project)
    # then each video's final answer holds exactly its own segment (none shifted to a neighbour across a batch edge)
    assert (counts["videos"], counts["unchanged"], counts["annotations"]) == (8, 3, 8)
    finals = {
        sv.video.external_id: list(sv.final.segments.values_list("end", flat=True))
        for sv in SegmentVideo.objects.select_related("video", "final")
    }
    assert finals == {f"vid{i:05d}": ([2.0 + i] if i % 3 else []) for i in range(11)}
