"""The mining pipeline with the real offline models: shots, people, de-dup, classifiers, sampling.

Stages run in this process (stage_run) so the test reads each stage's rows; the same stages on a real worker
process are tested in tests/integration/test_mining_worker.py.
"""

from pathlib import Path

import numpy as np
import pytest

from backend.catalog.models import ActionClass
from backend.catalog.services import video_ingest
from backend.clips.models import Clip
from backend.core.models import Job
from backend.mining.models import ClassifierModel, Shot, Stage, VideoMining
from backend.mining.services import stage_run

pytestmark = [pytest.mark.slow, pytest.mark.django_db]


def mine(project, path: Path, class_name: str = "Long jump"):
    video = video_ingest(project=project, path=path, action_class=ActionClass.objects.get(name=class_name))
    stages = []
    while not stages or stages[-1] not in (Stage.DONE, Stage.REMOVED):
        stages.append(stage_run(video_id=video.pk))
    return video, stages


def make_web_images(web_dir: Path) -> Path:
    """A small "web image" set: random crops of scikit-image's photos, 8 of Long jump (people), 12 background."""
    from skimage import data, io

    rng = np.random.default_rng(0)
    for folder, photos in {"Long jump": ["astronaut", "camera"], "background": ["coffee", "rocket", "chelsea"]}.items():
        (web_dir / folder).mkdir(parents=True)
        for name in photos:
            image = getattr(data, name)()
            for k in range(4):
                h, w = image.shape[:2]
                top, left = rng.integers(0, h // 4), rng.integers(0, w // 4)
                io.imsave(
                    web_dir / folder / f"{name}{k}.png",
                    image[top : top + 3 * h // 4, left : left + 3 * w // 4],
                    check_contrast=False,
                )
    return web_dir


def test_person_shots_are_kept_and_clips_stay_inside_them(mining_project, shot_videos):
    video, stages = mine(mining_project, shot_videos["person_mix"])
    assert stages == [Stage.FEATURES, Stage.DEDUP, Stage.SHOTS, Stage.PERSONS, Stage.SCORES, Stage.SAMPLE, Stage.DONE]
    shots = list(Shot.objects.filter(video=video))
    # cuts at 3 s and 6 s (shot detection at 10 fps: at most one analysis frame late)
    assert [s.start for s in shots] == [0.0, pytest.approx(3.0, abs=0.11), pytest.approx(6.0, abs=0.11)]
    scores = [s.person_score for s in shots]
    assert scores[0] > 0.5 and scores[1] < 0.5 and scores[2] > 0.5, scores  # astronaut, coffee, cameraman
    clips = list(video.clips.all())
    assert clips, "a video with person shots gets clips"
    person_spans = [(s.start, s.end) for s in shots if s.person_score > 0.5]
    for clip in clips:
        assert clip.end - clip.start == pytest.approx(2.0)
        assert any(a - 1e-6 <= clip.start and clip.end <= b + 1e-6 for a, b in person_spans), (clip.start, clip.end)
    assert Job.objects.get(video=video, kind="mine").state == Job.State.DONE


def test_a_video_without_people_is_removed(mining_project, shot_videos):
    video, stages = mine(mining_project, shot_videos["no_person"])
    assert stages[-1] == Stage.REMOVED
    assert VideoMining.objects.get(video=video).removed_reason == "no person"
    assert not video.clips.exists()


def test_a_reencoded_copy_is_a_duplicate_of_the_first(mining_project, shot_videos, tmp_path):
    import subprocess

    copy = tmp_path / "copy.mp4"
    subprocess.run(
        [
            "ffmpeg",
            "-v",
            "error",
            "-i",
            str(shot_videos["person_mix"]),
            "-c:v",
            "libx264",
            "-crf",
            "35",
            "-vf",
            "eq=saturation=1.3",
            str(copy),
        ],
        check=True,
    )
    first, _ = mine(mining_project, shot_videos["person_mix"])
    second, stages = mine(mining_project, copy)
    mining = VideoMining.objects.get(video=second)
    assert (stages[-1], mining.removed_reason, mining.duplicate_of_id) == (Stage.REMOVED, "duplicate", first.pk)
    other, stages = mine(mining_project, shot_videos["no_person"])
    assert VideoMining.objects.get(video=other).removed_reason == "no person"  # distinct: not a duplicate


def test_a_stage_run_twice_leaves_the_same_rows(mining_project, shot_videos):
    video, _ = mine(mining_project, shot_videos["person_mix"])
    before = sorted(Clip.objects.filter(video=video).values_list("start", "end", "method"))
    shots = list(Shot.objects.filter(video=video).values_list("index", "start", "end"))
    # a redelivered task: the worker died after storing the sample stage but before recording it
    VideoMining.objects.filter(video=video).update(stage=Stage.SCORES)
    assert stage_run(video_id=video.pk) == Stage.SAMPLE
    VideoMining.objects.filter(video=video).update(stage=Stage.DEDUP)
    assert stage_run(video_id=video.pk) == Stage.SHOTS
    assert list(Shot.objects.filter(video=video).values_list("index", "start", "end")) == shots
    assert sorted(Clip.objects.filter(video=video).values_list("start", "end", "method")) == before


def test_trained_classifiers_drive_qbc_sampling(mining_project, shot_videos, tmp_path):
    """Both classifiers trained on real frames and images; then QBC clips carry their scores (SLAC eq. 1)."""
    from backend.mining.training import classifier_train

    video, _ = mine(mining_project, shot_videos["person_mix"])
    assert {c.method for c in video.clips.all()} == {"random"}  # no classifiers yet: Random, said so
    youtube = classifier_train(kind=ClassifierModel.Kind.YOUTUBE, epochs=2)
    web = classifier_train(kind=ClassifierModel.Kind.WEB, folder=make_web_images(tmp_path / "web"), epochs=2)
    assert (youtube.version, web.version) == (1, 1)
    assert len(youtube.class_names) == 201 and youtube.class_names[-1] == "background"
    assert youtube.train_counts["Long jump"] > 0 and web.train_counts["background"] == 12

    # mine the same video again (`manage.py mine --restart`): QBC replaces the random clips nobody labelled
    VideoMining.objects.filter(video=video).update(stage=Stage.QUEUED)
    while stage_run(video_id=video.pk) not in (Stage.DONE, Stage.REMOVED):
        pass
    clips = list(video.clips.all())
    assert clips and {c.method for c in clips} == {"qbc"}
    for clip in clips:
        assert {"consensus", "kl", "cosine", "qbc"} <= set(clip.scores)
    assert VideoMining.objects.get(video=video).strategy == "qbc"


def test_external_dedup_removes_videos_matching_another_datasets_videos(mining_project, shot_videos, tmp_path):
    from django.core.management import call_command

    from backend.mining.models import from_bytes

    video, _ = mine(mining_project, shot_videos["person_mix"])
    ours = from_bytes(VideoMining.objects.get(video=video).feature)
    rng = np.random.default_rng(1)
    other = rng.normal(size=(3, ours.shape[0])).astype(np.float32)
    features = tmp_path / "anet_val.npz"
    mapping = tmp_path / "map.json"
    mapping.write_text('{"Long jump (ActivityNet)": ["Long jump"]}')
    # given another dataset whose videos are unrelated: nothing is removed
    np.savez(features, features=other, classes=np.array(["Long jump (ActivityNet)"] * 3))
    call_command("dedup_external", str(features), str(mapping))
    assert VideoMining.objects.get(video=video).stage == Stage.DONE
    # when one of its videos is (nearly) ours, under a mapped class: ours is removed
    other[1] = ours + rng.normal(scale=0.01, size=ours.shape)
    np.savez(features, features=other, classes=np.array(["Long jump (ActivityNet)"] * 3))
    call_command("dedup_external", str(features), str(mapping))
    mining = VideoMining.objects.get(video=video)
    assert (mining.stage, mining.removed_reason) == (Stage.REMOVED, "external duplicate")


def test_the_mining_api_shows_progress_and_starts_runs(mining_project, shot_videos, client, admin_user, annotators):
    video, _ = mine(mining_project, shot_videos["person_mix"])
    client.force_login(annotators[0])
    assert client.get(f"/api/projects/{mining_project.pk}/mining/").status_code == 403
    client.force_login(admin_user)
    data = client.get(f"/api/projects/{mining_project.pk}/mining/").json()
    assert data["stages"] == {"done": 1}
    assert data["jobs"][0]["video"] == video.external_id and data["jobs"][0]["progress"] == 1.0
    res = client.post(f"/api/projects/{mining_project.pk}/mining/", {"restart": True}, content_type="application/json")
    assert res.status_code == 202 and res.json() == {"queued": 1}
    assert VideoMining.objects.get(video=video).stage == Stage.QUEUED


def test_mine_command_queues_unfinished_videos_and_waits_with_a_progress_bar(
    mining_project, shot_videos, monkeypatch, capsys
):
    from django.core.management import call_command

    from backend.mining import tasks as mining_tasks

    video = video_ingest(
        project=mining_project, path=shot_videos["person_mix"], action_class=ActionClass.objects.get(name="Long jump")
    )
    queued = []

    def run_now(video_id):  # stands in for the worker: runs every stage at once
        queued.append(video_id)
        while stage_run(video_id=video_id) not in (Stage.DONE, Stage.REMOVED):
            pass

    monkeypatch.setattr(mining_tasks.mine_stage_task, "delay", run_now)
    call_command("mine", "--class", "Long jump")
    assert queued == [video.pk]
    out = capsys.readouterr()
    assert "mined 1 video(s); 0 removed" in out.out and "mining" in out.err  # tqdm writes to stderr
    call_command("mine")  # nothing left to do
    assert "no videos to mine" in capsys.readouterr().out


def test_a_second_delivery_backs_off_and_the_worker_start_sweep_requeues_unfinished_videos(
    mining_project, shot_videos, monkeypatch
):
    from datetime import timedelta

    from django.utils import timezone

    from backend.mining import tasks as mining_tasks
    from backend.mining.services import StageBusy, mining_requeue_unfinished

    video = video_ingest(
        project=mining_project, path=shot_videos["person_mix"], action_class=ActionClass.objects.get(name="Long jump")
    )
    # another worker (on another host) holds the video: this delivery does nothing
    VideoMining.objects.filter(video=video).update(
        claimed_by="worker-7:4242", claimed_until=timezone.now() + timedelta(minutes=5)
    )
    with pytest.raises(StageBusy):
        stage_run(video_id=video.pk)
    assert VideoMining.objects.get(video=video).stage == Stage.QUEUED
    mining_tasks.mine_stage_task.run(video.pk)  # the task swallows it: no retry loop, no failure row
    assert Job.objects.get(video=video, kind="mine").state == Job.State.QUEUED
    # a worker of this host that died mid-stage: its claim no longer holds, and a starting worker publishes the
    # video's next stage again
    import socket
    import subprocess

    finished = subprocess.Popen(["true"])
    finished.wait()
    VideoMining.objects.filter(video=video).update(
        claimed_by=f"{socket.gethostname()}:{finished.pid}", claimed_until=timezone.now() + timedelta(minutes=5)
    )
    published = []
    monkeypatch.setattr(mining_tasks.mine_stage_task, "delay", published.append)
    assert mining_requeue_unfinished() == 1 and published == [video.pk]
    assert stage_run(video_id=video.pk) == Stage.FEATURES
