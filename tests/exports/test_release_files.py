"""Release files in (issue 13, items 1 and 2): what the imports do with repeated clip rows, videos without
segments, durations, segments past the end, taxonomy names that change, and classes the catalog does not know.

Every test runs on the database the suite runs on: SQLite (batched loader) or PostgreSQL (COPY + INSERT … SELECT).
"""

import json
import re
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from backend.catalog.models import ActionClass, Guideline, Video
from backend.catalog.services import taxonomy_load
from backend.clips.models import Clip, ConsensusResult
from backend.segments.models import Segment, SegmentAnnotation, SegmentVideo
from tests.factories import ClipFactory, ProjectFactory, VideoFactory

pytestmark = pytest.mark.django_db

HEADER = "classname,youtube_id,subset,start,end,label\n"


@pytest.fixture
def project(db):
    taxonomy_load()  # ActivityNet v1.3: Root > … > Long jump, Drinking coffee; "Dancing" is a group of classes
    return ProjectFactory(name="Only")


def import_clips(tmp_path: Path, body: str, *args: str) -> None:
    path = tmp_path / "clips.csv"
    path.write_text(HEADER + body)
    call_command("import_clips", str(path), *args)


def import_segments(tmp_path: Path, database: dict, *args: str) -> None:
    path = tmp_path / "segments.json"
    path.write_text(json.dumps({"version": "VERSION 1.3", "database": database}))
    call_command("import_segments", str(path), *args)


def export_segments(tmp_path: Path) -> str:
    out = tmp_path / "export.json"
    call_command("export_segments", "-o", str(out))
    return out.read_text()


def entry(duration, *segments, label="Drinking coffee", subset="training") -> dict:
    return {
        "subset": subset,
        "duration": duration,
        "url": "",
        "annotations": [{"label": label, "segment": list(s)} for s in segments],
    }


def labels() -> dict:
    return dict(Clip.objects.values_list("video__external_id", "consensus__value"))


# --- clips: repeated rows -------------------------------------------------------------------------------------------


def test_identical_repeated_rows_are_stored_once_and_counted(project, tmp_path, capsys):
    import_clips(
        tmp_path,
        "Long jump,vidaaaaaaaa,training,1,3,1\n"
        "Long jump,vidbbbbbbbb,training,1,3,-1\n"
        "Long jump,vidaaaaaaaa,training,1,3,1\n"
        "Long jump,vidaaaaaaaa,training,1,3,1\n",
    )
    assert Clip.objects.count() == 2 and ConsensusResult.objects.count() == 2
    assert labels() == {"vidaaaaaaaa": 1, "vidbbbbbbbb": -1}
    out = capsys.readouterr().out
    assert "imported 4 rows: 2 new clips, 2 new videos, 0 already present, 2 repeated rows stored once" in out


def test_conflicting_repeats_are_refused_with_their_line_numbers_and_nothing_is_written(project, tmp_path):
    with pytest.raises(CommandError) as exc:
        import_clips(
            tmp_path,
            "Long jump,vidaaaaaaaa,training,1,3,1\n"  # line 2
            "Long jump,vidbbbbbbbb,training,1,3,1\n"  # line 3
            "Long jump,vidaaaaaaaa,training,1,3,-1\n"  # line 4: line 2's clip, other label
            "Long jump,vidbbbbbbbb,training,1,3,1\n"  # line 5: identical to line 3, fine
            "Long jump,vidcccccccc,training,4,6,-1\n"  # line 6
            "Long jump,vidcccccccc,training,4,6,1\n",  # line 7: line 6's clip, other label
        )
    message = str(exc.value)
    assert "line 4: label -1, but line 2 gives the same clip" in message and "(lines 2, 4)" in message
    assert "line 7: label 1, but line 6 gives the same clip" in message and "(lines 6, 7)" in message
    assert "line 5" not in message
    assert "--on-conflict first or --on-conflict last" in message and "nothing was imported" in message
    assert not Clip.objects.exists() and not Video.objects.exists()


@pytest.mark.parametrize(("policy", "kept"), [("first", 1), ("last", -1)])
def test_on_conflict_keeps_the_first_or_the_last_row_of_a_clip(project, tmp_path, capsys, policy, kept):
    import_clips(
        tmp_path,
        "Long jump,vidaaaaaaaa,training,1,3,1\n"
        "Long jump,vidaaaaaaaa,training,1,3,1\n"
        "Long jump,vidaaaaaaaa,training,1,3,-1\n"
        "Long jump,vidbbbbbbbb,training,1,3,1\n",
        "--on-conflict",
        policy,
    )
    assert labels() == {"vidaaaaaaaa": kept, "vidbbbbbbbb": 1} and Clip.objects.count() == 2
    out = capsys.readouterr().out
    # first: line 2 kept, line 3 identical, line 4 left out; last: line 4 kept, lines 2 and 3 left out
    repeated, overridden = (1, 1) if policy == "first" else (0, 2)
    assert (
        f"{repeated} repeated rows stored once, {overridden} conflicting rows left out (--on-conflict {policy})" in out
    )


def test_the_kept_row_still_meets_the_label_already_stored(project, tmp_path):
    # given the clip already decided -1
    video = VideoFactory(project=project, external_id="vidaaaaaaaa", subset="training", duration=20.0)
    clip = ClipFactory(video=video, action_class=ActionClass.objects.get(name="Long jump"), start=1.0, end=3.0)
    ConsensusResult.objects.create(clip=clip, value=-1, mode="fixed", n_labels=3, unanimous=True)
    body = "Long jump,vidaaaaaaaa,training,1,3,-1\nLong jump,vidaaaaaaaa,training,1,3,1\n"
    # when the file's last row wins, it contradicts the stored label: refused
    with pytest.raises(CommandError, match="line 3: clip already has label -1, the file says 1"):
        import_clips(tmp_path, body, "--on-conflict", "last")
    # the first row agrees with it: nothing changes
    import_clips(tmp_path, body, "--on-conflict", "first")
    assert labels() == {"vidaaaaaaaa": -1} and ConsensusResult.objects.count() == 1


# --- segments: videos without segments ------------------------------------------------------------------------------


def test_a_video_with_empty_annotations_is_kept_in_a_new_project_and_round_trips(project, tmp_path, capsys):
    database = {
        "vidA": entry(30.0, (1.5, 4.0)),
        "vidB": entry(12.0, subset="testing"),  # no annotations
    }
    import_segments(tmp_path, database)
    empty = Video.objects.get(external_id="vidB")
    assert (empty.subset, empty.duration, empty.query_class.name) == ("testing", 12.0, "Root")
    assert empty.segment_video.final.segments.count() == 0
    assert "1 without segments" in capsys.readouterr().out
    # the export has it, with no annotations
    first = export_segments(tmp_path)
    assert json.loads(first)["database"]["vidB"] == {
        "subset": "testing",
        "duration": 12.0,
        "url": "",
        "annotations": [],
        "label_source": "imported",
    }
    # and export → empty project → import → export gives the same file
    source = tmp_path / "first.json"
    source.write_text(first)
    Video.objects.all().delete()
    call_command("import_segments", str(source))
    assert export_segments(tmp_path) == first
    # importing it again changes nothing
    before = (Video.objects.count(), SegmentAnnotation.objects.count(), Segment.objects.count())
    call_command("import_segments", str(source))
    assert (Video.objects.count(), SegmentAnnotation.objects.count(), Segment.objects.count()) == before


def test_a_video_the_project_has_stays_with_no_segments_and_exports_so(project, tmp_path):
    coffee = ActionClass.objects.get(name="Drinking coffee")
    VideoFactory(project=project, external_id="vidB", query_class=coffee, subset="training", duration=12.0)
    import_segments(tmp_path, {"vidA": entry(30.0, (1.5, 4.0)), "vidB": entry(12.0)})
    video = Video.objects.get(external_id="vidB")
    assert video.query_class == coffee and video.segment_video.action_class == coffee
    assert SegmentVideo.objects.get(video=video).final.segments.count() == 0
    database = json.loads(export_segments(tmp_path))["database"]
    assert database["vidB"]["annotations"] == [] and database["vidA"]["annotations"] != []


# --- segments: durations --------------------------------------------------------------------------------------------


def test_a_duration_is_stored_for_a_video_that_has_none(project, tmp_path, capsys):
    VideoFactory(project=project, external_id="vidA", subset="training", duration=0.0)
    import_segments(tmp_path, {"vidA": entry(30.25, (1.5, 29.0))})
    assert Video.objects.get(external_id="vidA").duration == 30.25
    assert "1 durations stored" in capsys.readouterr().out


def test_a_differing_duration_is_refused_listing_the_videos_unless_update_durations(project, tmp_path, capsys):
    # given stored durations: one agrees within a frame (25 fps: 0.04 s), two do not
    VideoFactory(project=project, external_id="vidA", subset="training", duration=30.0, fps=25)
    VideoFactory(project=project, external_id="vidB", subset="training", duration=12.0, fps=25)
    VideoFactory(project=project, external_id="vidC", subset="training", duration=50.0, fps=25)
    database = {
        "vidA": entry(30.03, (1.0, 2.0)),
        "vidB": entry(14.5, (1.0, 2.0)),
        "vidC": entry(40.0, (1.0, 2.0)),
        "vidD": entry(9.0, (1.0, 2.0)),  # new
    }
    with pytest.raises(CommandError) as exc:
        import_segments(tmp_path, database)
    message = str(exc.value)
    assert "2 video(s) of the project have another duration" in message
    assert 'database["vidB"].duration: stored 12.0 s, the file says 14.5 s' in message
    assert 'database["vidC"].duration: stored 50.0 s, the file says 40.0 s' in message
    assert "vidA" not in message and "--update-durations" in message and "nothing was imported" in message
    assert not SegmentAnnotation.objects.exists() and not Video.objects.filter(external_id="vidD").exists()
    # when asked to, the file's durations are stored; the one within a frame keeps its own
    import_segments(tmp_path, database, "--update-durations")
    stored = dict(Video.objects.values_list("external_id", "duration"))
    assert stored == {"vidA": 30.0, "vidB": 14.5, "vidC": 40.0, "vidD": 9.0}
    assert "2 durations stored" in capsys.readouterr().out


def test_a_segment_ending_past_its_video_is_refused_with_its_path(project, tmp_path):
    VideoFactory(project=project, external_id="vidA", subset="training", duration=20.0, fps=25)
    database = {
        "vidA": entry(20.0, (1.0, 2.0), (5.0, 20.03), (6.0, 21.0)),  # 20.03: within a frame at 25 fps
        "vidB": entry(10.0, (0.0, 10.0), (1.0, 2.0), (3.0, 4.0), (9.0, 10.5)),  # new video: 0.01 s
    }
    with pytest.raises(CommandError) as exc:
        import_segments(tmp_path, database)
    message = str(exc.value)
    assert "2 segment(s) end past their video's duration" in message
    assert 'database["vidA"].annotations[2].segment: ends at 21.0 s, past the video\'s 20.0 s' in message
    assert 'database["vidB"].annotations[3].segment: ends at 10.5 s, past the video\'s 10.0 s' in message
    assert "annotations[1]" not in message and "nothing was imported" in message
    assert not SegmentAnnotation.objects.exists() and Video.objects.count() == 1


def test_a_refusal_lists_twenty_and_counts_the_rest(project, tmp_path):
    database = {f"vid{i:02d}": entry(10.0, (1.0, 11.0)) for i in range(25)}
    with pytest.raises(CommandError) as exc:
        import_segments(tmp_path, database)
    message = str(exc.value)
    assert "25 segment(s) end past" in message and "(and 5 more)" in message
    assert len(re.findall(r"annotations\[0\]\.segment", message)) == 20
    assert not Video.objects.exists()


# --- taxonomy: names that change, classes that are new --------------------------------------------------------------


def node(node_id: int, name: str, parent: tuple[int, str] | None = None) -> dict:
    return {
        "nodeId": node_id,
        "nodeName": name,
        "parentId": parent[0] if parent else None,
        "parentName": parent[1] if parent else None,
    }


def test_load_taxonomy_refuses_to_rename_a_node_unless_rename(db, tmp_path, capsys):
    path = tmp_path / "t.json"
    path.write_text(json.dumps([node(1, "Sports"), node(2, "kick", (1, "Sports")), node(3, "throw", (1, "Sports"))]))
    call_command("load_taxonomy", str(path))
    kick = ActionClass.objects.get(name="kick")
    # the same ids, two of them under other names (one a repurposed class), one new node
    path.write_text(
        json.dumps(
            [
                node(1, "Sport"),
                node(2, "soccer kick", (1, "Sport")),
                node(3, "throw", (1, "Sport")),
                node(4, "run", (1, "Sport")),
            ]
        )
    )
    with pytest.raises(CommandError) as exc:
        call_command("load_taxonomy", str(path))
    message = str(exc.value)
    assert "node 1: loaded as 'Sports', the file says 'Sport'" in message
    assert "node 2: loaded as 'kick', the file says 'soccer kick'" in message
    assert "node 3" not in message and "--rename" in message and "nothing was written" in message
    assert sorted(ActionClass.objects.values_list("name", flat=True)) == ["Sports", "kick", "throw"]
    # when the renames are meant
    call_command("load_taxonomy", str(path), "--rename")
    kick.refresh_from_db()
    assert kick.name == "soccer kick" and ActionClass.objects.filter(name="run", parent__name="Sport").exists()


def test_an_unknown_class_is_refused_naming_create_classes(project, tmp_path):
    with pytest.raises(
        CommandError, match=re.escape("line 3: unknown class 'Kite surfing' (import with --create-classes")
    ):
        import_clips(tmp_path, "Long jump,vidaaaaaaaa,training,1,3,1\nKite surfing,vidbbbbbbbb,training,1,3,1\n")
    with pytest.raises(CommandError) as exc:
        import_segments(
            tmp_path,
            {"vidA": entry(30.0, (1.0, 2.0)), "vidB": entry(30.0, (1.0, 2.0), (3.0, 4.0), label="Kite surfing")},
        )
    message = str(exc.value)
    assert "1 unknown class(es): database[\"vidB\"].annotations[0].label: 'Kite surfing'" in message
    assert "--create-classes [--parent NAME]" in message
    assert not Video.objects.exists() and not ActionClass.objects.filter(name="Kite surfing").exists()


def test_create_classes_makes_leaf_classes_under_the_root_or_the_named_parent(project, tmp_path, capsys):
    # clips, no --parent: under the taxonomy's root
    import_clips(tmp_path, "Kite surfing,vidaaaaaaaa,training,1,3,1\n", "--create-classes")
    kite = ActionClass.objects.get(name="Kite surfing")
    assert (kite.parent.name, kite.is_leaf, kite.node_id >= 100_000) == ("Root", True, True)
    assert Guideline.objects.filter(action_class=kite).exists()
    assert labels() == {"vidaaaaaaaa": 1} and "new classes: Kite surfing" in capsys.readouterr().out
    # segments, under a named group
    import_segments(
        tmp_path, {"vidB": entry(30.0, (1.0, 2.0), label="Salsa")}, "--create-classes", "--parent", "Dancing"
    )
    salsa = ActionClass.objects.get(name="Salsa")
    assert (salsa.parent.name, salsa.is_leaf) == ("Dancing", True)
    assert Video.objects.get(external_id="vidB").segment_video.final.segments.get().action_class == salsa


def test_create_classes_takes_them_back_when_the_file_is_refused(project, tmp_path):
    with pytest.raises(CommandError, match="label must be 1 or -1"):
        import_clips(tmp_path, "Kite surfing,vidaaaaaaaa,training,1,3,7\n", "--create-classes")
    with pytest.raises(CommandError, match="past their video's duration"):
        import_segments(tmp_path, {"vidB": entry(3.0, (1.0, 4.0), label="Salsa")}, "--create-classes")
    assert not ActionClass.objects.filter(name__in=["Kite surfing", "Salsa"]).exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--parent", "Dancing"], "add --create-classes"),
        (["--create-classes", "--parent", "Nowhere"], "--parent 'Nowhere': no node of the taxonomy has that name"),
        (["--create-classes", "--parent", "Tango"], "--parent 'Tango' is an action class, not a group of classes"),
    ],
)
def test_a_parent_must_be_a_group_of_classes_given_with_create_classes(project, tmp_path, args, message):
    with pytest.raises(CommandError, match=re.escape(message)):
        import_clips(tmp_path, "Kite surfing,vidaaaaaaaa,training,1,3,1\n", *args)
    assert not ActionClass.objects.filter(name="Kite surfing").exists() and not Clip.objects.exists()
