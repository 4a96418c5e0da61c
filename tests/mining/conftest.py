"""Mining tests: a project with mining on, whose stages the test runs itself."""

import pytest

from backend.catalog.services import taxonomy_load


@pytest.fixture
def mining_project(project, monkeypatch):
    from backend.clips import tasks as clip_tasks
    from backend.mining import tasks as mining_tasks

    taxonomy_load()
    project.mining_enabled = True
    project.save()
    # The stages run here, one by one; media cutting is not what these tests look at.
    monkeypatch.setattr(mining_tasks.mine_stage_task, "delay", lambda video_id: None)
    monkeypatch.setattr(clip_tasks.clip_media_cut_task, "delay", lambda clip_id: None)
    return project


@pytest.fixture
def cut_video(tmp_path):
    """A video of lavfi sources joined with hard cuts: cut_video([("testsrc", 3.04), ("smptebars", 2.04)]).

    Segment lengths off the 0.1-s grid put each true cut between two frames of the 10-fps shot detection."""
    import subprocess

    from workers.media.probing import ffmpeg_binary

    def make(parts: list[tuple[str, float]], name: str = "cuts.mp4"):
        inputs = []
        for source, seconds in parts:  # a source with options of its own: "color=c=red"
            options = f"size=320x240:rate=25:duration={seconds}"
            inputs += ["-f", "lavfi", "-i", f"{source}:{options}" if "=" in source else f"{source}={options}"]
        joined = "".join(f"[{i}]" for i in range(len(parts))) + f"concat=n={len(parts)}:v=1[v]"
        out = tmp_path / name
        subprocess.run(
            [ffmpeg_binary(), "-v", "error", "-y", *inputs, "-filter_complex", joined, "-map", "[v]"]
            + ["-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p", str(out)],
            check=True,
        )
        return out

    return make


@pytest.fixture
def mine_as_people(mining_project):
    """Ingest a video and run its mining stages from shot detection on, every shot taken as a person shot.

    The person detector and the de-dup feature are not what these tests look at (and lavfi pictures hold no
    people); shots, candidate frames, scores and sampling run for real."""
    from backend.catalog.models import ActionClass
    from backend.catalog.services import video_ingest
    from backend.mining.models import Shot, Stage, VideoMining
    from backend.mining.services import stage_run

    def mine(path, *, class_name: str = "Long jump"):
        video = video_ingest(project=mining_project, path=path, action_class=ActionClass.objects.get(name=class_name))
        VideoMining.objects.filter(video=video).update(stage=Stage.DEDUP)
        assert stage_run(video_id=video.pk) == Stage.SHOTS
        Shot.objects.filter(video=video).update(person_score=0.9)
        VideoMining.objects.filter(video=video).update(stage=Stage.PERSONS)
        while stage_run(video_id=video.pk) not in (Stage.DONE, Stage.REMOVED):
            pass
        return video

    return mine
