"""The whole pipeline on S3 storage, run by a worker with no media folder: every stage reads and writes through the
storage API (issue 12 item 7). Train (web images stored, then an active-learning round), score and sample, the timeline's suggestions and a
clip's media all run against moto's S3; any use of local media storage fails the test.
"""

import shutil
from pathlib import Path

import pytest
from django.core.files.storage import FileSystemStorage, default_storage
from storages.backends.s3 import S3Storage

from backend.clips.models import Clip, ConsensusResult
from backend.clips.services import clip_media_cut
from backend.mining.models import ClassifierModel, Stage, VideoMining
from backend.mining.services import stage_run
from tests.conftest import S3_BUCKET
from tests.mining.test_active_learning import django_capture
from tests.mining.test_pipeline import make_web_images, mine

pytestmark = [pytest.mark.slow, pytest.mark.django_db]


@pytest.fixture
def no_local_media(settings, tmp_path, monkeypatch):
    """A worker on another machine: no MEDIA_ROOT, and local media storage refuses every use."""
    settings.MEDIA_ROOT = tmp_path / "no-media-here"

    def refuse(self, *args, **kwargs):
        raise AssertionError(f"local media storage used: {args!r}")

    for method in ("path", "_open", "_save", "exists", "delete", "size", "url"):
        monkeypatch.setattr(FileSystemStorage, method, refuse)
    return settings.MEDIA_ROOT


@pytest.fixture
def opened(monkeypatch):
    """The names read from S3 storage, in order."""
    names: list[str] = []
    original = S3Storage._open

    def spy(self, name, mode="rb"):
        names.append(name)
        return original(self, name, mode)

    monkeypatch.setattr(S3Storage, "_open", spy)
    return names


def keys(s3) -> set[str]:
    return {o["Key"] for o in s3.list_objects_v2(Bucket=S3_BUCKET).get("Contents", [])}


def another_worker(settings, tmp_path: Path, name: str) -> Path:
    """A fresh worker process on another machine: an empty local cache and no classifier in memory."""
    from workers.classifiers.frame_classifier import frame_classifier_cache_clear

    settings.MINING_CACHE_DIR = tmp_path / name
    frame_classifier_cache_clear()
    return settings.MINING_CACHE_DIR


def test_train_score_sample_propose_and_cut_with_s3_storage_and_no_local_media(
    s3, no_local_media, opened, mining_project, shot_videos, settings, tmp_path, monkeypatch
):
    from backend.mining.learning import learning_round_run
    from backend.mining.training import classifier_train
    from backend.segments.media import segment_videos_enqueue
    from backend.segments.models import SegmentProposalRun, SegmentVideo
    from tests.segments.media import media_inline

    # given a video mined on worker A (no classifiers yet: random clips), its clips cut and decided by consensus
    another_worker(settings, tmp_path, "worker-a")
    video, stages = mine(mining_project, shot_videos["person_mix"])
    assert stages[-1] == Stage.DONE
    assert isinstance(default_storage, S3Storage)
    with pytest.raises(NotImplementedError):
        default_storage.path(video.file.name)  # S3 has no local path: every stage below must read through storage
    clips = list(video.clips.all())
    assert clips
    for i, clip in enumerate(clips):
        clip_media_cut(clip_id=clip.pk)
        ConsensusResult.objects.create(
            clip=clip, value=1 if i % 2 == 0 else -1, mode="fixed", n_labels=3, unanimous=True
        )
        Clip.objects.filter(pk=clip.pk).update(label_count=3, is_open=False)

    # and a web-image classifier trained on A from a folder of A's, which goes into the bucket
    first_web = classifier_train(kind=ClassifierModel.Kind.WEB, folder=make_web_images(tmp_path / "web"), epochs=1)
    shutil.rmtree(tmp_path / "web")  # only the bucket has them now
    web_images = {k for k in keys(s3) if k.startswith(f"{first_web.image_folder}/")}
    assert len(web_images) == 20 and first_web.train_counts == {"Long jump": 8, "background": 12}

    # when worker B trains both classifiers in an active-learning round (clip posters and web images read from S3)
    another_worker(settings, tmp_path, "worker-b")
    posters_before = len([n for n in opened if n.endswith(".jpg")])
    with django_capture():
        round_ = learning_round_run(epochs=1, resample=False)
    assert len([n for n in opened if n.endswith(".jpg")]) - posters_before == len(clips)
    youtube, web = round_.youtube_model, round_.web_model
    assert web.image_folder == first_web.image_folder and sum(web.train_counts.values()) == len(clips) + 20
    assert web_images <= set(opened)
    # then the weights are stored in the bucket, not in a media folder
    assert {youtube.file.name, web.file.name} <= keys(s3)
    assert s3.head_object(Bucket=S3_BUCKET, Key=youtube.file.name)["ContentLength"] > 100_000

    # when worker C, with an empty cache, scores and samples the video again with them
    cache_c = another_worker(settings, tmp_path, "worker-c")
    # (as for a video nobody has labelled yet, whose clips sampling replaces: the round's `videos_resample`)
    ConsensusResult.objects.filter(clip__video=video).delete()
    Clip.objects.filter(video=video).update(label_count=0, is_open=True)
    VideoMining.objects.filter(video=video).update(stage=Stage.PERSONS)
    assert stage_run(video_id=video.pk) == Stage.SCORES
    assert stage_run(video_id=video.pk) == Stage.SAMPLE
    sampled = list(video.clips.all())
    assert sampled and {c.method for c in sampled} == {"qbc"}
    assert all({"consensus", "kl", "qbc"} <= set(c.scores) for c in sampled)
    # the weights came from the bucket into C's cache, once each, however many shots were scored
    for model in (youtube, web):
        assert (cache_c / "stored" / model.file.name).is_file()
        assert opened.count(model.file.name) == 1  # B wrote them without reading; C read each once
    # and the timeline's suggestions on C score the S3 proxy with the same cached weights
    media_inline(monkeypatch)
    with django_capture():
        segment_videos_enqueue(project=mining_project, videos=[video])
    segment_video = SegmentVideo.objects.get(video=video)
    assert segment_video.media_state == SegmentVideo.MediaState.READY and segment_video.proxy.name in keys(s3)
    run = SegmentProposalRun.objects.get(segment_video=segment_video)
    assert run.state == SegmentProposalRun.State.READY, run.message
    assert (run.youtube_model_id, run.web_model_id) == (youtube.pk, web.pk) and run.scores
    for model in (youtube, web):
        assert opened.count(model.file.name) == 1  # not downloaded again

    # when C cuts a sampled clip's media, then it is in the bucket too
    clip_media_cut(clip_id=sampled[0].pk)
    sampled[0].refresh_from_db()
    assert {sampled[0].media.name, sampled[0].poster.name} <= keys(s3)
    assert ClassifierModel.objects.count() == 3
    assert not no_local_media.exists()  # nothing was written where a local media folder would be
