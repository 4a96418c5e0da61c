"""Active learning: retrain on consensus labels, version the models, re-sample unlabelled videos, report rounds."""

import pytest

from backend.catalog.models import ActionClass
from backend.catalog.services import video_ingest
from backend.clips.models import Clip, ConsensusResult
from backend.clips.services import clip_media_cut
from backend.mining.learning import learning_round_run, learning_rounds_report
from backend.mining.models import ClassifierModel, LearningRound, Stage, VideoMining
from backend.mining.services import stage_run
from tests.mining.test_pipeline import mine

pytestmark = [pytest.mark.slow, pytest.mark.django_db]


def test_a_round_retrains_both_classifiers_and_resamples_the_unlabelled_videos(
    mining_project, shot_videos, monkeypatch, demo_video
):
    from backend.mining import tasks as mining_tasks

    # given a labelled video (consensus on its clips, real posters) and one nobody has labelled
    labelled, _ = mine(mining_project, shot_videos["person_mix"])
    for clip in labelled.clips.all():
        clip_media_cut(clip_id=clip.pk)
    clips = list(labelled.clips.all())
    assert clips
    for i, clip in enumerate(clips):
        ConsensusResult.objects.create(
            clip=clip, value=1 if i % 2 == 0 else -1, mode="fixed", n_labels=3, unanimous=i != 1
        )
        Clip.objects.filter(pk=clip.pk).update(label_count=3, is_open=False)
    untouched = video_ingest(
        project=mining_project, path=demo_video, action_class=ActionClass.objects.get(name="Long jump")
    )
    while stage_run(video_id=untouched.pk) not in (Stage.DONE, Stage.REMOVED):
        pass
    queued = []
    monkeypatch.setattr(mining_tasks.mine_stage_task, "delay", queued.append)
    # and a video in the timeline tool, whose suggestions come from the classifiers
    from backend.segments import tasks as segment_tasks
    from tests.segments.factories import SegmentVideoFactory

    in_timeline = SegmentVideoFactory(video__project=mining_project)
    proposals_queued = []
    monkeypatch.setattr(
        segment_tasks.segment_proposals_make_task, "delay", lambda pk, force: proposals_queued.append(pk)
    )
    # when a round runs
    with django_capture():
        round_ = learning_round_run(epochs=1)
    # then both classifiers have a new version trained on the consensus clips, and the unlabelled video is re-sampled
    assert (round_.number, round_.training_clips) == (1, len(clips))
    assert set(ClassifierModel.objects.values_list("kind", "version")) == {("youtube", 1), ("web", 1)}
    assert queued == [untouched.pk] and round_.videos_resampled == 1
    assert proposals_queued == [in_timeline.pk]  # re-scored with the new versions by its task
    assert VideoMining.objects.get(video=untouched).stage == Stage.PERSONS  # next: scores, sample
    while stage_run(video_id=untouched.pk) not in (Stage.DONE, Stage.REMOVED):
        pass
    resampled = list(untouched.clips.all())
    assert resampled and all(c.learning_round_id == round_.pk for c in resampled)
    assert {c.method for c in resampled} <= {"qbc", "random", "max_entropy", "max_consensus"}
    report = learning_rounds_report()
    assert report[0]["round"] == 1 and report[0]["sampled"] == len(resampled) and report[0]["decided"] == 0
    assert LearningRound.objects.count() == 1


def django_capture():
    """Run on_commit callbacks at once (the test holds one transaction)."""
    from django.test import TestCase

    return TestCase.captureOnCommitCallbacks(execute=True)
