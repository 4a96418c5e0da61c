"""Issue 12 item 5: removing a video retires its clips from every queue and export, whatever the order in which the
videos arrived and whoever removed it; the labels and their history stay.

Retired means: no page draws the clip (regular or gold), the queue counter does not count it, the clip export leaves
it out, a page leased before the removal stores no label for it at submit; its rows (labels, consensus) are kept.
"""

import subprocess
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from backend.catalog.models import ActionClass, Project, Video
from backend.catalog.services import video_ingest
from backend.clips import services as clips
from backend.clips.models import Clip, ConsensusResult, Label
from backend.clips.selectors import queue_invariant_violations
from backend.exports.hacs import clip_rows
from backend.mining.models import Stage, VideoMining
from backend.mining.services import mining_videos_start, stage_run
from tests.factories import GroupFactory, UserFactory
from tests.mining.test_pipeline import mine

pytestmark = [pytest.mark.slow, pytest.mark.django_db]

LONG_JUMP = "Long jump"


@pytest.fixture(scope="module")
def longer_copy(shot_videos, tmp_path_factory) -> Path:
    """person_mix re-encoded with its last frame held half a second more: the same content, a longer video (the keeper)."""
    from workers.media.probing import ffmpeg_binary

    out = tmp_path_factory.mktemp("dup") / "longer.mp4"
    subprocess.run(
        [
            ffmpeg_binary(),
            "-v",
            "error",
            "-y",
            "-i",
            str(shot_videos["person_mix"]),
            "-vf",
            "tpad=stop_mode=clone:stop_duration=0.5",
            "-c:v",
            "libx264",
            "-crf",
            "30",
            str(out),
        ],
        check=True,
    )
    return out


@pytest.fixture
def crew(mining_project):
    users = [UserFactory(username=f"worker{i}") for i in range(6)]
    GroupFactory(project=mining_project, members=users, classes=[ActionClass.objects.get(name=LONG_JUMP)])
    return users


def _ready(video: Video) -> None:
    Clip.objects.filter(video=video).update(media_state=Clip.MediaState.READY)  # media cutting is stubbed here


def _submit(user, project: Project, size: int):
    cls = ActionClass.objects.get(name=LONG_JUMP)
    page = clips.page_next(annotator=user, project=project, action_class=cls, size=size)
    labels = {str(item.uid): 1 for item in page.items.all()}
    return clips.page_submit(annotator=user, page_uid=page.uid, labels=labels, seconds_spent=10)


def _work_on(video: Video, project: Project, crew) -> object:
    """People label the video's clips so that one is decided and another labelled twice and leased (any others are
    labelled twice and waiting). Returns the page leased (not yet submitted)."""
    _ready(video)
    n = video.clips.count()
    assert n >= 2
    _submit(crew[0], project, size=200)
    _submit(crew[1], project, size=200)
    _submit(crew[2], project, size=1)
    assert Label.objects.filter(clip__video=video).count() == 2 * n + 1
    assert ConsensusResult.objects.filter(clip__video=video).count() == 1
    assert video.pk in _drawn_videos(crew[5], project)  # its clips are in the queue
    assert video.external_id in _exported(project)  # and its decided clip in the export
    cls = ActionClass.objects.get(name=LONG_JUMP)
    return clips.page_next(annotator=crew[3], project=project, action_class=cls, size=1)


def _drawn_videos(user, project: Project) -> set[int]:
    """The videos of every clip this annotator could be given now (one big page, handed back at once)."""
    cls = ActionClass.objects.get(name=LONG_JUMP)
    try:
        page = clips.page_next(annotator=user, project=project, action_class=cls, size=200)
    except clips.QueueError as exc:
        assert exc.code == "empty"
        return set()
    videos = set(page.items.values_list("clip__video_id", flat=True))
    page.expires_at = timezone.now() - timedelta(seconds=1)  # hand it back as a lease that ran out
    page.save(update_fields=["expires_at"])
    clips.pages_release_expired()
    return videos


def _exported(project: Project) -> set[str]:
    return {row["youtube_id"] for row in clip_rows(project=project)}


def _assert_retired(video: Video, project: Project, crew, *, leased_page, labels_before: int, reason: str) -> None:
    cls = ActionClass.objects.get(name=LONG_JUMP)
    # no queue: not drawn for anyone, not counted
    for user in (crew[2], crew[4], crew[5]):
        assert video.pk not in _drawn_videos(user, project)
    live = Clip.objects.filter(action_class=cls, is_open=True, label_count=0).exclude(video=video).count()
    assert clips.queue_counts(annotator=crew[5], project=project, action_class=cls) == live
    # the page leased before the removal stores nothing for the retired clip at submit; its lease is given back
    labels = {str(item.uid): 1 for item in leased_page.items.all()}
    result = clips.page_submit(annotator=crew[3], page_uid=leased_page.uid, labels=labels, seconds_spent=5)
    assert (result.stored, result.dropped) == (0, 1)
    assert Label.objects.filter(clip__video=video).count() == labels_before
    assert not Clip.objects.filter(video=video, lease_count__gt=0).exists()
    # no export
    assert video.external_id not in _exported(project)
    assert queue_invariant_violations(project=project) == []
    # and its rows are kept (its labels: above), every clip closed for good with the reason
    assert ConsensusResult.objects.filter(clip__video=video).count() == 1
    kept = list(Clip.objects.filter(video=video))
    assert len(kept) == (labels_before - 1) // 2 and all(
        c.retired_reason == f"video removed: {reason}" and not c.is_open for c in kept
    )


def test_a_longer_duplicate_arriving_later_retires_the_earlier_videos_labelled_clips(
    mining_project, crew, shot_videos, longer_copy
):
    # given the shorter video mined and worked on: one clip decided, two labelled twice, one of them leased
    shorter, stages = mine(mining_project, shot_videos["person_mix"])
    assert stages[-1] == Stage.DONE
    leased = _work_on(shorter, mining_project, crew)
    labels_before = Label.objects.filter(clip__video=shorter).count()
    # when its longer duplicate arrives
    longer, stages = mine(mining_project, longer_copy)
    # then the longer one is kept and the shorter one removed as its duplicate, its clips retired
    assert stages[-1] == Stage.DONE
    removed = VideoMining.objects.get(video=shorter)
    assert (removed.stage, removed.removed_reason, removed.duplicate_of_id) == (Stage.REMOVED, "duplicate", longer.pk)
    _ready(longer)
    assert longer.clips.exists()
    _assert_retired(shorter, mining_project, crew, leased_page=leased, labels_before=labels_before, reason="duplicate")
    assert longer.pk in _drawn_videos(crew[5], mining_project)  # the keeper's clips are the queue now
    # an admin removing it again (say, with a reason of their own) keeps what it duplicates
    from backend.mining.services import video_remove

    video_remove(video=shorter, reason="checked: same jump", by=crew[0])
    removed.refresh_from_db()
    assert (removed.removed_reason, removed.duplicate_of_id) == ("checked: same jump", longer.pk)


def test_a_shorter_duplicate_arriving_later_is_removed_and_the_earlier_work_stays(
    mining_project, crew, shot_videos, longer_copy
):
    # given the longer video mined and worked on
    longer, _ = mine(mining_project, longer_copy)
    leased = _work_on(longer, mining_project, crew)
    # when a shorter duplicate arrives
    shorter, stages = mine(mining_project, shot_videos["person_mix"])
    # then the newcomer is removed before it has clips, and the earlier video's clips stay in the queue and export
    removed = VideoMining.objects.get(video=shorter)
    assert (stages[-1], removed.removed_reason, removed.duplicate_of_id) == (Stage.REMOVED, "duplicate", longer.pk)
    assert not Clip.objects.filter(video=shorter).exists()
    assert not Clip.objects.filter(video=longer).exclude(retired_reason="").exists()
    labels = {str(item.uid): 1 for item in leased.items.all()}  # the page leased before still takes its label
    result = clips.page_submit(annotator=crew[3], page_uid=leased.uid, labels=labels, seconds_spent=5)
    assert (result.stored, result.dropped) == (1, 0)
    assert ConsensusResult.objects.filter(clip__video=longer).count() == 2
    assert longer.external_id in _exported(mining_project)
    assert queue_invariant_violations(project=mining_project) == []


def test_a_no_person_removal_retires_the_clips_labelled_before_mining(mining_project, crew, shot_videos):
    # given a video ingested while the project did not mine: random clips, worked on
    mining_project.mining_enabled = False
    mining_project.save()
    video = video_ingest(
        project=mining_project, path=shot_videos["no_person"], action_class=ActionClass.objects.get(name=LONG_JUMP)
    )
    leased = _work_on(video, mining_project, crew)
    labels_before = Label.objects.filter(clip__video=video).count()
    # when it is mined later and has no person shot
    mining_videos_start(videos=[video])
    while (stage := stage_run(video_id=video.pk)) not in (Stage.DONE, Stage.REMOVED):
        pass
    # then it is removed and its clips are retired
    assert (stage, VideoMining.objects.get(video=video).removed_reason) == (Stage.REMOVED, "no person")
    _assert_retired(video, mining_project, crew, leased_page=leased, labels_before=labels_before, reason="no person")


def test_an_admin_removal_retires_labelled_leased_gold_and_example_clips(
    client, project, action_class, annotators, admin_user
):
    from backend.catalog.models import Guideline, GuidelineExample
    from backend.quality.selectors_dashboard import dashboard
    from tests.factories import ClipFactory, VideoFactory

    # given two videos of a class; the first worked on: labels, a lease, a gold clip and a guideline example
    video, other = (VideoFactory(project=project, query_class=action_class) for _ in range(2))
    doomed = [ClipFactory(video=video, start=2.0 * i, end=2.0 * i + 2) for i in range(5)]
    live = [ClipFactory(video=other, start=2.0 * i, end=2.0 * i + 2) for i in range(2)]
    clips.clip_gold_set(clip=doomed[3], value=1, author=admin_user)
    guideline = Guideline.objects.create(action_class=action_class)
    GuidelineExample.objects.create(guideline=guideline, kind="positive", clip=doomed[4])
    # one page labels every clip once; another leases them all (a small queue fills one page: no draw is random)
    page = clips.page_next(annotator=annotators[0], project=project, action_class=action_class, size=200)
    labels = {str(i.uid): 1 for i in page.items.all()}
    clips.page_submit(annotator=annotators[0], page_uid=page.uid, labels=labels, seconds_spent=10)
    leased = clips.page_next(annotator=annotators[3], project=project, action_class=action_class, size=200)
    assert {c.pk for c in [*doomed[:3], *live]} <= set(leased.items.values_list("clip_id", flat=True))
    labels_before = Label.objects.filter(clip__video=video).count()
    assert labels_before and video.external_id in _exported(project)
    fresh = annotators[4]
    assert clips.queue_counts(annotator=fresh, project=project, action_class=action_class) > 0
    progress = dashboard(project=project)["progress"][0]
    assert (progress["sampled"], progress["gold"]) == (5, 1)  # examples are never work; gold counted apart
    url = f"/api/projects/{project.pk}/videos/{video.pk}/remove/"
    # when an annotator tries, they are refused; when an admin removes it, the answer names the gold and the example
    client.force_login(annotators[0])
    assert client.post(url, {"reason": "wrong sport"}).status_code == 403
    client.force_login(admin_user)
    response = client.post(url, {"reason": "wrong sport"}, content_type="application/json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["removed_reason"], body["gold_retired"], body["examples_retired"]) == ("wrong sport", 1, 1)
    assert body["clips_deleted"] + body["clips_retired"] == len(doomed)
    mining = VideoMining.objects.get(video=video)
    assert (mining.stage, mining.removed_by) == (Stage.REMOVED, admin_user)
    # then none of its clips is drawn or counted for anyone, the leased page stores nothing for them, none exported
    assert Label.objects.filter(clip__video=video).count() == labels_before
    assert not Clip.objects.filter(video=video, retired_reason="").exists()
    page = clips.page_next(annotator=fresh, project=project, action_class=action_class, size=200)
    assert set(page.items.values_list("clip_id", flat=True)) <= {c.pk for c in live}
    labels = {str(i.uid): 1 for i in leased.items.all()}
    result = clips.page_submit(annotator=annotators[3], page_uid=leased.uid, labels=labels, seconds_spent=5)
    stored_for_removed = Label.objects.filter(clip__video=video, annotator=annotators[3]).count()
    assert stored_for_removed == 0 and result.stored == leased.items.filter(clip__video=other).count()
    assert video.external_id not in _exported(project)
    assert queue_invariant_violations(project=project) == []
    progress = dashboard(project=project)["progress"][0]  # the admin's progress counts only the live work
    assert (progress["sampled"], progress["gold"]) == (len(live), 0)


def test_a_removed_video_leaves_the_timeline_queue_and_the_segment_export(
    project, action_class, annotators, admin_user
):
    from backend.exports import activitynet
    from backend.mining.services import video_remove
    from backend.segments import services as segments
    from backend.segments.models import SegmentAnnotation, SegmentVideo
    from tests.segments.factories import SegmentAnnotationFactory, SegmentVideoFactory

    # given a video in the timeline tool, waiting for annotators, whose earlier annotation is its exported final
    task = SegmentVideoFactory(video__project=project, video__query_class=action_class)
    final = SegmentAnnotationFactory(segment_video=task, annotator=annotators[1], segments=[(1.0, 3.0)])
    SegmentVideo.objects.filter(pk=task.pk).update(final=final)
    user = annotators[0]
    assert segments.segment_queue_waiting(annotator=user, project=project, action_class=action_class) == 1
    assert task.video.external_id in dict(activitynet.entries(project=project))
    # when an admin removes the video
    video_remove(video=task.video, reason="wrong sport", by=admin_user)
    # then nobody is given it, it is not counted as waiting nor exported, and its annotation is kept
    assert segments.segment_queue_waiting(annotator=user, project=project, action_class=action_class) == 0
    with pytest.raises(clips.QueueError) as refused:
        segments.segment_task_next(annotator=user, project=project, action_class=action_class)
    assert refused.value.code == "empty"
    assert task.video.external_id not in dict(activitynet.entries(project=project))
    assert SegmentAnnotation.objects.filter(pk=final.pk).exists()
    task.refresh_from_db()
    assert (task.is_open, task.retired_reason) == (False, "video removed: wrong sport")


def test_an_external_duplicate_removal_retires_the_labelled_clips(project, action_class, annotators):
    import numpy as np

    from backend.mining.models import to_bytes
    from backend.mining.stages import external_dedup
    from tests.factories import ClipFactory, VideoFactory

    # given a mined video whose clips were labelled, and another dataset holding the same video
    video = VideoFactory(project=project, query_class=action_class)
    feature = np.array([1.0, 0.5, 0.0, 0.2], dtype=np.float32)
    VideoMining.objects.create(video=video, stage=Stage.DONE, feature=to_bytes(feature))
    for i in range(3):
        ClipFactory(video=video, start=2.0 * i, end=2.0 * i + 2)

    def label_what_is_waiting(user) -> None:
        page = clips.page_next(annotator=user, project=project, action_class=action_class, size=200)
        labels = {str(i.uid): 1 for i in page.items.all()}
        clips.page_submit(annotator=user, page_uid=page.uid, labels=labels, seconds_spent=10)

    for user in annotators[:3]:  # three decided clips
        label_what_is_waiting(user)
    ClipFactory(video=video, start=6.0, end=8.0)
    label_what_is_waiting(annotators[0])  # and one labelled once, still waiting for others
    labels_before = Label.objects.filter(clip__video=video).count()
    assert labels_before == 10 and video.external_id in _exported(project)
    assert clips.queue_counts(annotator=annotators[4], project=project, action_class=action_class) == 1
    # when external de-dup matches it
    removed = external_dedup(
        features=feature[None, :], classes=["their jump"], mapping={"their jump": [action_class.name]}
    )
    # then it is removed and its labelled clips are retired: not drawn, not exported, labels kept
    assert removed == [video.pk]
    assert VideoMining.objects.get(video=video).removed_reason == "external duplicate"
    with pytest.raises(clips.QueueError):
        clips.page_next(annotator=annotators[4], project=project, action_class=action_class, size=200)
    assert video.external_id not in _exported(project)
    assert Label.objects.filter(clip__video=video).count() == labels_before
    assert queue_invariant_violations(project=project) == []


def test_a_stage_running_across_a_removal_leaves_no_open_clip_behind(mining_project, shot_videos, crew):
    from backend.mining import stages
    from backend.mining.services import video_remove

    # given a video whose sample stage is about to run: a worker has loaded its row
    video = video_ingest(
        project=mining_project, path=shot_videos["person_mix"], action_class=ActionClass.objects.get(name=LONG_JUMP)
    )
    while stage_run(video_id=video.pk) != Stage.SCORES:
        pass
    loaded = VideoMining.objects.select_related("video", "video__project", "video__query_class").get(video=video)
    # when an admin removes the video before that worker stores its stage
    video_remove(video=video, reason="wrong sport", by=crew[0])
    try:
        stages.stage_sample(loaded)
    except Exception as exc:  # the stage may refuse (and roll back); it must not store clips for a removed video
        assert type(exc).__name__ == "VideoRemovedMeanwhile", exc
    # then the video stays removed and has no clip to draw
    assert VideoMining.objects.get(video=video).stage == Stage.REMOVED
    assert not Clip.objects.filter(video=video, retired_reason="").exists()
    assert stage_run(video_id=video.pk) == Stage.REMOVED
