"""Issue 12 item 8: `manage.py mine --report FILE.json` (what mining made of each video, for a person and a script)
and `manage.py ingest --mining` (mine files from the shell whatever the project's mining switch)."""

import json
import subprocess

import pytest
from django.core.management import call_command
from django.test import TestCase

from backend.catalog.models import ActionClass, Video
from backend.catalog.services import video_ingest
from backend.clips.models import Clip
from backend.core.models import Job
from backend.mining.models import Shot, Stage, VideoMining
from backend.mining.services import stage_run

pytestmark = [pytest.mark.slow, pytest.mark.django_db]


def _held_copy(source, out):
    """The same video with its last frame held half a second more: a longer duplicate."""
    from workers.media.probing import ffmpeg_binary

    cmd = [ffmpeg_binary(), "-v", "error", "-y", "-i", str(source), "-vf", "tpad=stop_mode=clone:stop_duration=0.5"]
    subprocess.run([*cmd, "-c:v", "libx264", "-crf", "30", str(out)], check=True)
    return out


def test_the_mine_report_gives_each_videos_status_shots_and_clips_as_stored(
    mining_project, shot_videos, monkeypatch, tmp_path
):
    from backend.mining import tasks as mining_tasks

    # given three videos: one with people, one without, and a longer copy of the first (which replaces it)
    long_jump = ActionClass.objects.get(name="Long jump")
    paths = [
        shot_videos["person_mix"],
        shot_videos["no_person"],
        _held_copy(shot_videos["person_mix"], tmp_path / "c.mp4"),
    ]
    videos = [video_ingest(project=mining_project, path=p, action_class=long_jump) for p in paths]

    def run_now(video_id):  # stands in for the worker: runs every stage at once
        while stage_run(video_id=video_id) not in (Stage.DONE, Stage.REMOVED):
            pass

    monkeypatch.setattr(mining_tasks.mine_stage_task, "delay", run_now)
    report = tmp_path / "report.json"
    # when they are mined with a report asked for
    call_command("mine", "--class", "Long jump", "--report", str(report))
    data = json.loads(report.read_text())
    # then the file lists every video, in the words the database holds
    assert data["version"] == 1
    by_id = {row["video"]: row for row in data["videos"]}
    assert set(by_id) == {v.external_id for v in videos}
    person_mix, no_person, copy = (by_id[v.external_id] for v in videos)
    assert (person_mix["status"], person_mix["removed_reason"], person_mix["duplicate_of"]) == (
        "removed",
        "duplicate",
        videos[2].external_id,
    )
    assert (no_person["status"], no_person["removed_reason"], no_person["duplicate_of"]) == (
        "removed",
        "no person",
        None,
    )
    assert (copy["status"], copy["removed_reason"], copy["duplicate_of"]) == ("kept", None, None)
    assert copy["clips"], "the kept video has sampled clips"
    for video in videos:
        row = by_id[video.external_id]
        video.refresh_from_db()
        assert (row["fps"], row["duration"], row["class"]) == (video.fps, video.duration, "Long jump")
        assert row["fps"] == pytest.approx(25.0)
        stored = list(Shot.objects.filter(video=video).order_by("index"))
        assert [(s["start"], s["end"], s["person_score"]) for s in row["shots"]] == [
            (s.start, s.end, s.person_score) for s in stored
        ]
        for shot, later in zip(row["shots"], [*row["shots"][1:], None], strict=True):
            assert shot["start_frame"] == round(shot["start"] * video.fps)
            assert shot["end_frame"] == round(shot["end"] * video.fps) - 1
            if later is not None:
                assert later["start_frame"] == shot["end_frame"] + 1  # shots tile the video, frame by frame
            assert shot["kept"] == (shot["person_score"] >= 0.5)
        clips = Clip.objects.filter(video=video).order_by("start", "end", "pk")
        assert [(c["start"], c["end"], c["method"]) for c in row["clips"]] == [
            (c.start, c.end, c.method) for c in clips
        ]
    kept_shots = [s["kept"] for s in copy["shots"]]
    assert kept_shots == [True, False, True]  # astronaut, coffee, cameraman
    assert not any(s["kept"] for s in no_person["shots"])
    for clip in copy["clips"]:  # the sampled clips lie inside the kept shots
        assert any(
            s["start"] - 1e-6 <= clip["start"] and clip["end"] <= s["end"] + 1e-6 for s in copy["shots"] if s["kept"]
        )


def test_ingest_with_mining_queues_the_files_for_mining_whatever_the_projects_switch(
    mining_project, shot_videos, monkeypatch, capsys
):
    from backend.mining import tasks as mining_tasks

    mining_project.mining_enabled = False
    mining_project.save()
    published = []
    monkeypatch.setattr(mining_tasks.mine_stage_task, "delay", published.append)
    # without --mining the project's switch decides: random clips straight away, no mining
    call_command("ingest", str(shot_videos["no_person"]), "--class", "Long jump", "--project", mining_project.name)
    plain = Video.objects.get()
    assert plain.clips.count() == mining_project.clips_per_video
    assert not VideoMining.objects.filter(video=plain).exists()
    # with --mining: queued for mining, no random clips, its first stage published once the ingest commits
    with TestCase.captureOnCommitCallbacks(execute=True):
        call_command(
            "ingest",
            str(shot_videos["person_mix"]),
            "--class",
            "Long jump",
            "--project",
            mining_project.name,
            "--mining",
        )
    mined = Video.objects.exclude(pk=plain.pk).get()
    assert VideoMining.objects.get(video=mined).stage == Stage.QUEUED
    assert Job.objects.get(video=mined, kind="mine").state == Job.State.QUEUED
    assert not mined.clips.exists()
    assert published == [mined.pk]
    assert "queued for mining" in capsys.readouterr().out
