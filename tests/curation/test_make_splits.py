"""make_splits: per class 20 curatable clips from 20 different source videos split 16:1:3, class-balanced, no source
video in two splits (across classes too), trimmed clips first, and a class that cannot be split named with the reason
(videos available vs needed) while nothing is stored."""

from __future__ import annotations

from collections import Counter, defaultdict

import pytest
from django.core.management import CommandError, call_command

from backend.clips.models import Clip, ConsensusResult
from backend.curation.models import Curation
from tests.curation.conftest import positive_clip
from tests.factories import ActionClassFactory, ClipFactory, ProjectFactory, VideoFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def project():
    return ProjectFactory(name="HAA")


def shared_videos(project, classes, *, videos=12, per_video=2, trimmed=0, prefix="yt"):
    """``videos`` videos, each with ``per_video`` curatable clips of every class; the first ``trimmed`` clips of each
    class per video are trimmed."""
    for k in range(videos):
        video = VideoFactory(project=project, query_class=classes[0], external_id=f"{prefix}{k:05d}")
        for cls in classes:
            for n in range(per_video):
                start = 10.0 * classes.index(cls) + 2.0 * n
                fields = {"first_frame": int(start * 25), "last_frame": int(start * 25) + 40} if n < trimmed else {}
                clip = positive_clip(video=video, start=start, end=start + 2.0, **fields)
                Clip.objects.filter(pk=clip.pk).update(action_class=cls)


def stored_splits(project) -> dict[str, dict[str, list[Curation]]]:
    out: dict[str, dict[str, list[Curation]]] = defaultdict(lambda: defaultdict(list))
    for c in (
        Curation.objects.filter(clip__video__project=project)
        .exclude(split="")
        .select_related("clip__action_class", "clip__video")
    ):
        out[c.clip.action_class.name][c.split].append(c)
    return out


def video_splits(project) -> dict[int, set[str]]:
    where: dict[int, set[str]] = defaultdict(set)
    for video_id, split in (
        Curation.objects.filter(clip__video__project=project).exclude(split="").values_list("clip__video_id", "split")
    ):
        where[video_id].add(split)
    return where


def test_every_class_gets_16_1_3_and_no_video_is_in_two_splits(project, capsys):
    # given two classes cut from the same 12 videos, 2 curatable clips of each per video, and clips that are not
    # curatable: rejected by the grid, not decided yet
    jump, run = ActionClassFactory(name="jump"), ActionClassFactory(name="run")
    shared_videos(project, [jump, run], videos=24)
    rejected = ClipFactory(video=VideoFactory(project=project, query_class=jump), start=0, end=2)
    ConsensusResult.objects.create(clip=rejected, value=-1, mode="fixed", n_labels=3, unanimous=True)
    undecided = ClipFactory(video=rejected.video, start=4, end=6)
    # when make_splits runs with HAA500's defaults
    call_command("make_splits", "--project", str(project.pk))
    # then each class has 16 train, 1 val, 3 test clips of its own
    splits = stored_splits(project)
    assert set(splits) == {"jump", "run"}
    for name, by_split in splits.items():
        assert {s: len(c) for s, c in by_split.items()} == {"train": 16, "val": 1, "test": 3}
        assert all(c.clip.action_class.name == name for cs in by_split.values() for c in cs)
        # from 20 different source videos: no two clips of a class share one
        assert len({c.clip.video_id for cs in by_split.values() for c in cs}) == 20
    # and a video serves one split across both classes
    assert all(len(names) == 1 for names in video_splits(project).values())
    # and clips the grid rejected or has not decided are never in a split
    assert not Curation.objects.filter(clip__in=[rejected, undecided]).exclude(split="").exists()
    out = capsys.readouterr().out
    assert "jump: train 16, val 1, test 3 from 20 video(s)" in out and "splits stored for 2 class(es)" in out


def test_the_same_seed_gives_the_same_splits_and_another_seed_others(project):
    jump = ActionClassFactory(name="jump")
    shared_videos(project, [jump], videos=25)
    call_command("make_splits", "--project", str(project.pk), "--seed", "3")
    first = dict(Curation.objects.exclude(split="").values_list("clip_id", "split"))
    call_command("make_splits", "--project", str(project.pk), "--seed", "3")
    assert dict(Curation.objects.exclude(split="").values_list("clip_id", "split")) == first
    call_command("make_splits", "--project", str(project.pk), "--seed", "4")
    assert dict(Curation.objects.exclude(split="").values_list("clip_id", "split")) != first
    assert Curation.objects.exclude(split="").count() == 20  # a re-split replaces, never adds


def test_trimmed_clips_are_preferred_and_untrimmed_ones_fill_in_only_when_needed(project, capsys):
    # given "jump" with 22 videos of 2 clips, one of them trimmed (22 videos with a trimmed clip: enough), and "run"
    # with 22 videos of 2 clips where only 10 videos have a trimmed clip (not enough videos)
    jump, run = ActionClassFactory(name="jump"), ActionClassFactory(name="run")
    shared_videos(project, [jump], videos=22, trimmed=1, prefix="j")
    shared_videos(project, [run], videos=10, trimmed=1, prefix="rt")
    shared_videos(project, [run], videos=12, prefix="ru")
    call_command("make_splits", "--project", str(project.pk))
    splits = stored_splits(project)
    # then every chosen "jump" clip is trimmed; "run" used untrimmed clips as well, and says so
    assert all(c.is_trimmed for cs in splits["jump"].values() for c in cs)
    run_chosen = [c for cs in splits["run"].values() for c in cs]
    assert len(run_chosen) == 20 and not all(c.is_trimmed for c in run_chosen)
    # and where a "run" video has a trimmed clip, that is the clip it gives
    assert all(c.is_trimmed for c in run_chosen if c.clip.video.external_id.startswith("rt"))
    out = capsys.readouterr().out
    assert "jump: train 16, val 1, test 3 from" in out and "trimmed clips\n" in out
    assert "run: train 16, val 1, test 3" in out and "trimmed and untrimmed clips" in out
    # and --trimmed-only refuses "run" (its trimmed clips come from 10 videos), storing nothing new
    before = dict(Curation.objects.values_list("clip_id", "split"))
    with pytest.raises(CommandError, match="'run': its clips come from 10 source video"):
        call_command("make_splits", "--project", str(project.pk), "--trimmed-only")
    assert dict(Curation.objects.values_list("clip_id", "split")) == before


def test_one_clip_per_source_video_chosen_trimmed_first_then_most_human_centric(project):
    # given "jump": 18 one-clip videos, one video with an untrimmed and a trimmed clip, one with two untrimmed clips
    # scored 0.3 and 0.9 for human-centricity, and one with an unscored clip and a clip scored 0.1
    jump = ActionClassFactory(name="jump")
    for _ in range(18):
        positive_clip(video=VideoFactory(project=project, query_class=jump), start=0, end=2)
    two = VideoFactory(project=project, query_class=jump)
    positive_clip(video=two, start=0, end=2, human_centric=0.99)
    trimmed = positive_clip(video=two, start=4, end=6, first_frame=100, last_frame=140)
    scored = VideoFactory(project=project, query_class=jump)
    positive_clip(video=scored, start=0, end=2, human_centric=0.3)
    best = positive_clip(video=scored, start=4, end=6, human_centric=0.9)
    third = VideoFactory(project=project, query_class=jump)
    positive_clip(video=third, start=0, end=2)
    low = positive_clip(video=third, start=4, end=6, human_centric=0.1)
    # when split (several seeds: the rule, not the draw, decides)
    for seed in ("0", "1", "2"):
        call_command("make_splits", "--project", str(project.pk), "--seed", seed)
        chosen = Curation.objects.exclude(split="")
        # then 20 clips from 21 clips, one per video, and the stated rule picks each video's clip
        assert chosen.count() == 20 and len(set(chosen.values_list("clip__video_id", flat=True))) == 20
        assert {trimmed.pk, best.pk, low.pk} <= set(chosen.values_list("clip_id", flat=True))


def test_a_class_that_cannot_be_split_is_named_and_nothing_is_stored(project):
    # given "jump" that can be split, "run" with 19 one-clip videos, "swim" with 20 clips from 2 videos, and "box"
    # with 20 clips from 6 videos (the case of issue 13: once split 16 from 4 videos and 3 from 1)
    jump, run, swim, box = (ActionClassFactory(name=n) for n in ("jump", "run", "swim", "box"))
    shared_videos(project, [jump], videos=20)
    for _ in range(19):
        positive_clip(video=VideoFactory(project=project, query_class=run), start=0, end=2)
    for cls, clips_per_video in ((swim, [10, 10]), (box, [6, 5, 4, 2, 2, 1])):
        for count in clips_per_video:
            video = VideoFactory(project=project, query_class=cls)
            for n in range(count):
                positive_clip(video=video, start=2.0 * n, end=2.0 * n + 2)
    # when make_splits runs, it fails naming each class, the videos it has and the videos it needs
    with pytest.raises(CommandError) as error:
        call_command("make_splits", "--project", str(project.pk))
    message = str(error.value)
    assert "no split was stored" in message
    assert "'run': its clips come from 19 source video(s), 20 needed" in message
    assert "'swim': its clips come from 2 source video(s), 20 needed" in message
    assert "'box': its clips come from 6 source video(s), 20 needed (one clip per video: train 16, val 1, test 3)" in (
        message
    )
    assert "'jump'" not in message
    # and no class got a split, not even "jump"
    assert not Curation.objects.exclude(split="").exists()


def test_videos_bound_by_another_class_count_only_for_their_split(project):
    # given "a" and "c" split over 20 videos each, and "b" whose clips are in the 32 videos a and c put in train
    a, b, c = (ActionClassFactory(name=n) for n in ("a", "b", "c"))
    shared_videos(project, [a], videos=20, per_video=1, prefix="a")
    shared_videos(project, [c], videos=20, per_video=1, prefix="c")
    call_command("make_splits", "--project", str(project.pk))
    train_videos = {cur.clip.video for cs in stored_splits(project).values() for cur in cs["train"]}
    for video in train_videos:
        clip = positive_clip(video=video, start=30.0, end=32.0)
        Clip.objects.filter(pk=clip.pk).update(action_class=b)
    # when "b" alone is split, keeping a's and c's splits
    with pytest.raises(CommandError) as error:
        call_command("make_splits", "--project", str(project.pk), "--class", "b")
    # then it is refused: only 16 of its 32 videos can serve a split (train), 20 needed
    assert (
        "'b': 16 of its 32 source videos can serve the splits, 20 needed (one clip per video: train 16, val 1, "
        "test 3); 16 are bound by other classes to splits already full"
    ) in str(error.value)


def test_one_class_is_re_split_keeping_the_videos_other_classes_bound(project):
    jump, run = ActionClassFactory(name="jump"), ActionClassFactory(name="run")
    shared_videos(project, [jump, run], videos=24)
    call_command("make_splits", "--project", str(project.pk))
    jump_before = {c.clip_id: c.split for c in Curation.objects.filter(clip__action_class=jump).exclude(split="")}
    # when only "run" is split again with another seed
    call_command("make_splits", "--project", str(project.pk), "--class", "run", "--seed", "9")
    # then "jump" keeps its splits, "run" still has 16/1/3, and still no video is in two splits
    assert {c.clip_id: c.split for c in Curation.objects.filter(clip__action_class=jump).exclude(split="")} == (
        jump_before
    )
    assert Counter(
        Curation.objects.filter(clip__action_class=run).exclude(split="").values_list("split", flat=True)
    ) == {"train": 16, "val": 1, "test": 3}
    assert all(len(names) == 1 for names in video_splits(project).values())


def test_other_sizes_and_ratios_and_bad_arguments(project):
    jump = ActionClassFactory(name="jump")
    shared_videos(project, [jump], videos=12)
    call_command("make_splits", "--project", str(project.pk), "--per-class", "10", "--ratios", "8:1:1")
    assert Counter(Curation.objects.exclude(split="").values_list("split", flat=True)) == {
        "train": 8,
        "val": 1,
        "test": 1,
    }
    with pytest.raises(CommandError, match="--ratios must be three whole numbers"):
        call_command("make_splits", "--project", str(project.pk), "--ratios", "16:4")
    with pytest.raises(CommandError, match="no project with id 999"):
        call_command("make_splits", "--project", "999")
    with pytest.raises(CommandError, match="unknown action class 'nope'"):
        call_command("make_splits", "--project", str(project.pk), "--class", "nope")
