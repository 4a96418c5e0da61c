"""HAA500 class-balanced splits (16:1:3 of 20 clips per class, one clip per source video), disjoint by source video,
and the per-class files."""

from __future__ import annotations

import random

import pytest

from workers.splits import (
    SPLITS,
    ClassSplit,
    Haa500Row,
    SplitClip,
    SplitError,
    class_balanced_splits,
    format_haa500_class_file,
    split_sizes,
    youtube_url,
)


def clips_of(action_class: str, clips_per_video: list[int], *, prefix: str | None = None) -> list[SplitClip]:
    """Clips of one class; video k has clips_per_video[k] clips. Videos are named <prefix>v<k>."""
    prefix = action_class if prefix is None else prefix
    return [
        SplitClip(clip_id=f"{action_class}/{prefix}v{k}/c{n}", action_class=action_class, video_id=f"{prefix}v{k}")
        for k, count in enumerate(clips_per_video)
        for n in range(count)
    ]


def video_of(clip_id: str) -> str:
    return clip_id.split("/")[1]


def split_videos(split: ClassSplit) -> dict[str, set[str]]:
    return {name: {video_of(c) for c in split.clips(name)} for name in SPLITS}


@pytest.mark.parametrize(
    ("total", "expected"),
    [(20, (16, 1, 3)), (10, (8, 1, 1)), (40, (32, 2, 6)), (0, (0, 0, 0)), (1, (1, 0, 0))],
)
def test_split_sizes_share_by_largest_remainder(total, expected):
    # 10 at 16:1:3 = 8, 0.5, 1.5 → floors 8, 0, 1 (9); one left, remainders .5 and .5 tie → the earlier split (val)
    assert split_sizes(total, (16, 1, 3)) == expected
    assert sum(split_sizes(total, (16, 1, 3))) == total


def test_every_class_gets_16_1_3_from_its_own_clips_one_per_video():
    clips = clips_of("jump", [3] * 22) + clips_of("run", [1] * 25) + clips_of("swim", [5] * 20)
    splits = class_balanced_splits(clips=clips)
    assert set(splits) == {"jump", "run", "swim"}
    for action_class, split in splits.items():
        assert (len(split.train), len(split.val), len(split.test)) == (16, 1, 3)
        every = split.train + split.val + split.test
        assert len(set(every)) == 20
        assert all(clip.startswith(f"{action_class}/") for clip in every)
        # 20 clips from 20 different videos
        assert len({video_of(c) for c in every}) == 20


def test_no_source_video_is_in_two_splits():
    clips = clips_of("jump", [3] * 22) + clips_of("swim", [5] * 20) + clips_of("box", [7, 6, 4, 2, 2, 1] * 4)
    for split in class_balanced_splits(clips=clips).values():
        videos = split_videos(split)
        assert not videos["train"] & videos["val"]
        assert not videos["train"] & videos["test"]
        assert not videos["val"] & videos["test"]


def test_the_preferred_clip_of_a_video_is_taken_and_equal_ones_are_drawn():
    # given 20 videos of 2 clips, where clip c1 of every even video is preferred (lower preference)
    clips = [
        SplitClip(f"jump/v{k}/c{n}", "jump", f"v{k}", (0 if (k % 2 == 0 and n == 1) else 1,))
        for k in range(20)
        for n in range(2)
    ]
    for seed in range(5):
        split = class_balanced_splits(clips=clips, seed=seed)["jump"]
        every = split.train + split.val + split.test
        # then every even video gives its c1, whatever the seed
        assert {c for c in every if int(video_of(c)[1:]) % 2 == 0} == {f"jump/v{k}/c1" for k in range(0, 20, 2)}
    # and the odd videos' equal clips are drawn: some seed takes c0 of one, another c1
    odd = {
        c
        for seed in range(5)
        for name, split in class_balanced_splits(clips=clips, seed=seed).items()
        for c in split.train + split.val + split.test
        if int(video_of(c)[1:]) % 2 == 1
    }
    assert any(c.endswith("/c0") for c in odd) and any(c.endswith("/c1") for c in odd)


def test_splits_are_deterministic_and_do_not_depend_on_input_order():
    clips = clips_of("jump", [2] * 30) + clips_of("run", [4] * 24)
    shuffled = list(clips)
    random.Random(1).shuffle(shuffled)
    first = class_balanced_splits(clips=clips, seed=7)
    assert class_balanced_splits(clips=clips, seed=7) == first
    assert class_balanced_splits(clips=shuffled, seed=7) == first
    assert class_balanced_splits(clips=clips, seed=8) != first  # the seed picks which clips and videos


def test_a_video_keeps_one_split_across_classes():
    # given two classes cut from the same 24 videos (2 clips of each class per video)
    clips = clips_of("jump", [2] * 24, prefix="") + clips_of("run", [2] * 24, prefix="")
    splits = class_balanced_splits(clips=clips)
    # then a video serves one split for the whole dataset
    where: dict[str, set[str]] = {}
    for split in splits.values():
        for name, videos in split_videos(split).items():
            for video in videos:
                where.setdefault(video, set()).add(name)
    assert all(len(names) == 1 for names in where.values())
    assert all(len(s.train) == 16 and len(s.val) == 1 and len(s.test) == 3 for s in splits.values())


@pytest.mark.parametrize(
    ("clips_per_video", "message"),
    [
        ([1] * 19, "its clips come from 19 source video"),
        ([10, 10], "its clips come from 2 source video"),
        # issue 13's case: 20 clips from 6 videos (once 16 train clips from 4 videos and 3 test clips from 1)
        (
            [6, 5, 4, 2, 2, 1],
            r"its clips come from 6 source video\(s\), 20 needed \(one clip per video: train 16, val 1",
        ),
        ([2] * 19, "19 source video"),
    ],
)
def test_a_class_that_cannot_be_split_is_named_with_the_reason(clips_per_video, message):
    with pytest.raises(SplitError, match=message) as error:
        class_balanced_splits(clips=clips_of("jump", clips_per_video))
    assert "'jump'" in str(error.value)


def test_videos_bound_by_another_class_can_make_a_class_impossible():
    # given class "a" (split first: classes go in name order) over v0–v19, and class "b" with clips in the same 20
    # videos and 3 of its own: a's 16 train, 1 val and 3 test videos serve b's same splits, so b fits
    clips = clips_of("a", [1] * 20, prefix="") + clips_of("b", [1] * 20, prefix="")
    splits = class_balanced_splits(clips=clips)
    assert split_videos(splits["a"]) == split_videos(splits["b"])
    # given "c" with clips in a's and b's 16 + 16 train videos only (32 videos, 16 usable)
    clips = clips_of("a", [1] * 20, prefix="a") + clips_of("b", [1] * 20, prefix="b")
    first = class_balanced_splits(clips=clips)
    train_videos = sorted(video_of(c) for name in ("a", "b") for c in first[name].train)
    clips += [SplitClip(f"c/{v}/c0", "c", v) for v in train_videos]
    with pytest.raises(SplitError, match="'c': 16 of its 32 source videos can serve the splits, 20 needed"):
        class_balanced_splits(clips=clips)
    # without the dataset-wide rule, "c" splits on its own
    splits = class_balanced_splits(clips=clips, disjoint_across_classes=False)
    assert len(splits["c"].test) == 3


def test_other_ratios_and_sizes():
    split = class_balanced_splits(clips=clips_of("jump", [1] * 12), per_class=10)["jump"]
    assert len({video_of(c) for c in split.train + split.val + split.test}) == 10
    assert (len(split.train), len(split.val), len(split.test)) == (8, 1, 1)
    with pytest.raises(ValueError, match="one number per split"):
        class_balanced_splits(clips=clips_of("jump", [1] * 20), ratios=(8, 2))


def test_a_clip_listed_twice_is_refused():
    clip = SplitClip("c1", "jump", "v1")
    with pytest.raises(ValueError, match="twice"):
        class_balanced_splits(clips=[clip, clip])


# --- HAA500 per-class files --------------------------------------------------------------------------------


def test_haa500_class_file_layout():
    text = format_haa500_class_file(
        [
            Haa500Row(youtube_url("dQw4w9WgXcQ"), 12.5, 14.25, is_camera_moving=True, num_of_dominant_figure=1),
            Haa500Row(youtube_url("demo-74-0"), 0.0, 1.0, is_camera_moving=False, num_of_dominant_figure=3),
        ]
    )
    assert text == (
        "youtube_url,start_time,end_time,is_camera_moving,num_of_dominant_figure\n"
        "https://www.youtube.com/watch?v=dQw4w9WgXcQ,12.500,14.250,1,1\n"
        "demo-74-0,0.000,1.000,0,3\n"
    )


def test_youtube_ids_become_watch_urls_and_other_ids_stay():
    assert youtube_url("dQw4w9WgXcQ") == "https://www.youtube.com/watch?v=dQw4w9WgXcQ"
    assert youtube_url("https://example.org/v.mp4") == "https://example.org/v.mp4"
    assert youtube_url("local-upload-7") == "local-upload-7"


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (Haa500Row("u", 2.0, 1.0, False, 1), "before end"),
        (Haa500Row("u", -1.0, 1.0, False, 1), "≥ 0"),
        (Haa500Row("u", 0.0, 1.0, False, 4), "1, 2 or 3"),
        (Haa500Row("", 0.0, 1.0, False, 1), "URL"),
    ],
)
def test_haa500_rows_are_checked(row, message):
    with pytest.raises(ValueError, match=message):
        format_haa500_class_file([row])
