"""export_haa500: HAA500's per-class files (and per split), the curation table, and with --cut the clips cut
frame-exactly — checked to the byte on a hand-built case, and by ffprobe's frame count on real cuts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from backend.segments.models import SegmentVideo
from tests.curation.conftest import LEVEL, numbered_video, positive_clip, stored_video
from tests.factories import ActionClassFactory, ProjectFactory, VideoFactory
from workers.media.frame_exact import read_frames_at
from workers.media.probing import count_frames, probe

pytestmark = pytest.mark.django_db

NTSC = 30000 / 1001


@pytest.fixture
def hand_built():
    """Two classes, three videos (two YouTube ids, one local upload whose first frame is 0.5 s after its container
    start), clips trimmed and untrimmed in every split, and clips that are not exported."""
    project = ProjectFactory(name="HAA")
    plank, coffee = ActionClassFactory(name="gym_plank"), ActionClassFactory(name="Drinking coffee")
    rick = VideoFactory(project=project, query_class=plank, external_id="dQw4w9WgXcQ", fps=25)
    push = VideoFactory(project=project, query_class=plank, external_id="IODxDxX7oi4", fps=25)
    local = VideoFactory(project=project, query_class=plank, external_id="local-upload-7", fps=NTSC)
    linked = VideoFactory(
        project=project, query_class=coffee, external_id="x-from-url", source_url="https://example.org/v.mp4"
    )
    SegmentVideo.objects.create(
        video=local, action_class=plank, media_state="ready", media_fps=NTSC, first_frame_offset=0.5
    )
    clips = {
        "a": positive_clip(
            video=rick,
            start=0.3,
            end=2.5,
            first_frame=10,
            last_frame=59,
            split="train",
            camera_moving=True,
            dominant_people=1,
            human_centric=0.8235294,
            human_centric_state="ready",
        ),
        "b": positive_clip(
            video=rick,
            start=4.0,
            end=6.0,
            first_frame=100,
            last_frame=149,
            split="train",
            camera_moving=False,
            dominant_people=2,
        ),
        "c": positive_clip(
            video=push,
            start=0.0,
            end=1.0,
            first_frame=0,
            last_frame=24,
            split="val",
            camera_moving=False,
            dominant_people=3,
            human_centric=0.5,
            human_centric_state="ready",
        ),
        # untrimmed: its grid span 1.5–3.5 s counts from the container start; frames from the first frame 0.5 s later
        "d": positive_clip(video=local, start=1.5, end=3.5, split="test", camera_moving=True, dominant_people=1),
        "e": positive_clip(
            video=rick,
            start=8.0,
            end=10.0,
            first_frame=200,
            last_frame=249,
            split="test",
            camera_moving=False,
            dominant_people=1,
        ),
        "f": positive_clip(
            video=linked,
            start=0.0,
            end=2.0,
            first_frame=0,
            last_frame=49,
            split="train",
            camera_moving=False,
            dominant_people=1,
        ),
        "unsplit": positive_clip(video=rick, start=12.0, end=14.0, first_frame=300, last_frame=320),
    }
    from backend.clips.models import Clip

    Clip.objects.filter(pk=clips["e"].pk).update(action_class=coffee)
    return project, clips


def test_the_files_of_a_hand_built_case(hand_built, tmp_path):
    project, c = hand_built
    out = tmp_path / "haa500"
    call_command("export_haa500", "-o", str(out), "--project", str(project.pk))
    # HAA500's own class file: no header, train lines, then val, then test
    assert (out / "gym_plank.txt").read_text() == (
        "https://www.youtube.com/watch?v=dQw4w9WgXcQ,0.400,2.400,1,1\n"
        "https://www.youtube.com/watch?v=dQw4w9WgXcQ,4.000,6.000,0,2\n"
        "https://www.youtube.com/watch?v=IODxDxX7oi4,0.000,1.000,0,3\n"
        "local-upload-7,1.001,3.003,1,1\n"  # frames 30–89 at 29.97 fps: [1.5 − 0.5, 3.5 − 0.5) s
    )
    assert (out / "Drinking_coffee.txt").read_text() == (
        "https://example.org/v.mp4,0.000,2.000,0,1\n"  # a video's source URL wins over its id
        "https://www.youtube.com/watch?v=dQw4w9WgXcQ,8.000,10.000,0,1\n"
    )
    # per split, with the header
    header = "youtube_url,start_time,end_time,is_camera_moving,num_of_dominant_figure\n"
    assert (out / "train" / "gym_plank.txt").read_text() == header + (
        "https://www.youtube.com/watch?v=dQw4w9WgXcQ,0.400,2.400,1,1\n"
        "https://www.youtube.com/watch?v=dQw4w9WgXcQ,4.000,6.000,0,2\n"
    )
    assert (out / "val" / "gym_plank.txt").read_text() == header + (
        "https://www.youtube.com/watch?v=IODxDxX7oi4,0.000,1.000,0,3\n"
    )
    assert (out / "test" / "gym_plank.txt").read_text() == header + "local-upload-7,1.001,3.003,1,1\n"
    assert (out / "test" / "Drinking_coffee.txt").read_text() == header + (
        "https://www.youtube.com/watch?v=dQw4w9WgXcQ,8.000,10.000,0,1\n"
    )
    assert (out / "train" / "Drinking_coffee.txt").read_text() == header + "https://example.org/v.mp4,0.000,2.000,0,1\n"
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()) == [
        "Drinking_coffee.txt",
        "curation.csv",
        "curation.json",
        "gym_plank.txt",
        "test/Drinking_coffee.txt",
        "test/gym_plank.txt",
        "train/Drinking_coffee.txt",
        "train/gym_plank.txt",
        "val/gym_plank.txt",
    ]
    # the curation table, with the human-centric score
    assert (out / "curation.csv").read_text() == (
        "class,split,line,youtube_url,video,clip,first_frame,last_frame,fps,start_time,end_time,trimmed,"
        "is_camera_moving,num_of_dominant_figure,human_centric,human_centric_state,file\n"
        f"Drinking coffee,train,0,https://example.org/v.mp4,x-from-url,{c['f'].uid},0,49,25.0,0.000,2.000,1,0,1,,none,\n"
        f"Drinking coffee,test,1,https://www.youtube.com/watch?v=dQw4w9WgXcQ,dQw4w9WgXcQ,{c['e'].uid},200,249,25.0,"
        "8.000,10.000,1,0,1,,none,\n"
        f"gym_plank,train,0,https://www.youtube.com/watch?v=dQw4w9WgXcQ,dQw4w9WgXcQ,{c['a'].uid},10,59,25.0,"
        "0.400,2.400,1,1,1,0.824,ready,\n"
        f"gym_plank,train,1,https://www.youtube.com/watch?v=dQw4w9WgXcQ,dQw4w9WgXcQ,{c['b'].uid},100,149,25.0,"
        "4.000,6.000,1,0,2,,none,\n"
        f"gym_plank,val,2,https://www.youtube.com/watch?v=IODxDxX7oi4,IODxDxX7oi4,{c['c'].uid},0,24,25.0,"
        "0.000,1.000,1,0,3,0.500,ready,\n"
        f"gym_plank,test,3,local-upload-7,local-upload-7,{c['d'].uid},30,89,29.97003,1.001,3.003,0,1,1,,none,\n"
    )
    data = json.loads((out / "curation.json").read_text())
    assert data["version"] == "ActionLoom HAA500 curation 1.0" and len(data["clips"]) == 6
    assert data["clips"][2] == {
        "class": "gym_plank",
        "split": "train",
        "line": 0,
        "youtube_url": "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
        "video": "dQw4w9WgXcQ",
        "clip": str(c["a"].uid),
        "first_frame": 10,
        "last_frame": 59,
        "fps": 25.0,
        "start_time": 0.4,
        "end_time": 2.4,
        "trimmed": True,
        "is_camera_moving": True,
        "num_of_dominant_figure": 1,
        "human_centric": 0.824,
        "human_centric_state": "ready",
        "file": "",
    }


def test_a_clip_without_camera_or_people_is_refused_by_name(hand_built, tmp_path):
    project, c = hand_built
    c["b"].curation.dominant_people = None
    c["b"].curation.save()
    with pytest.raises(CommandError, match=f"clip {c['b'].uid} .*moving camera and dominant people not set"):
        call_command("export_haa500", "-o", str(tmp_path / "x"), "--project", str(project.pk))
    assert not (tmp_path / "x").exists()


def test_a_folder_that_is_not_empty_and_an_export_without_splits_are_refused(hand_built, tmp_path):
    (tmp_path / "old.txt").write_text("keep me")
    with pytest.raises(CommandError, match="not empty"):
        call_command("export_haa500", "-o", str(tmp_path))
    with pytest.raises(CommandError, match="no clip is in a split: run make_splits first"):
        call_command("export_haa500", "-o", str(tmp_path / "new"), "--project", str(ProjectFactory().pk))


def test_cut_clips_hold_exactly_their_frames(tmp_path):
    # given a real 30-frame video (frame k a grey of level 8·k) in MPEG-TS, whose clock starts near 1.4 s, and the
    # timeline's stored first-frame offset of a second video: 0.4 s
    project = ProjectFactory(name="Cut")
    plank = ActionClassFactory(name="gym_plank")
    ts = stored_video(
        numbered_video(tmp_path / "n.ts", container="mpegts"),
        project=project,
        query_class=plank,
        external_id="numbered-ts-1",
    )
    assert probe(tmp_path / "n.ts").start_time > 1.0
    mp4 = stored_video(
        numbered_video(tmp_path / "n.mp4"), project=project, query_class=plank, external_id="numbered-mp4-1"
    )
    SegmentVideo.objects.create(
        video=mp4, action_class=plank, media_state="ready", media_fps=25, first_frame_offset=0.4
    )
    trimmed = positive_clip(
        video=ts,
        start=0.0,
        end=1.0,
        first_frame=5,
        last_frame=17,
        split="train",
        camera_moving=False,
        dominant_people=1,
    )
    # untrimmed: 0.8–1.2 s from the container start is 0.4–0.8 s from the first frame, frames 10–19
    untrimmed = positive_clip(video=mp4, start=0.8, end=1.2, split="test", camera_moving=True, dominant_people=2)
    # when exported with --cut
    out = tmp_path / "export"
    call_command("export_haa500", "-o", str(out), "--project", str(project.pk), "--cut")
    # then each cut holds exactly its frames, as ffprobe counts them, first frame first
    train_cut, test_cut = (
        out / "clips/train/gym_plank/gym_plank_000.mp4",
        out / "clips/test/gym_plank/gym_plank_001.mp4",
    )
    assert count_frames(train_cut) == 13 and count_frames(test_cut) == 10
    for cut, first, last in ((train_cut, 5, 17), (test_cut, 10, 19)):
        info = probe(cut)
        assert info.codec == "h264" and info.fps == 25
        ends = read_frames_at(source=cut, indices=[0, last - first], fps=25)
        assert [round(float(f.mean()) / LEVEL) for f in ends] == [first, last]
    # and the table names the files, with the same frames
    rows = json.loads((out / "curation.json").read_text())["clips"]
    assert [(r["clip"], r["first_frame"], r["last_frame"], r["file"]) for r in rows] == [
        (str(trimmed.uid), 5, 17, "clips/train/gym_plank/gym_plank_000.mp4"),
        (str(untrimmed.uid), 10, 19, "clips/test/gym_plank/gym_plank_001.mp4"),
    ]
    assert Path(out / "gym_plank.txt").read_text() == (
        "numbered-ts-1,0.200,0.720,0,1\nnumbered-mp4-1,0.400,0.800,1,2\n"
    )
