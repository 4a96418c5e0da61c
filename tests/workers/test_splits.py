"""HAA500 class-balanced splits (16:1:3 of 20 clips per class), disjoint by source video, and the per-class files."""

from __future__ import annotations

import random
from collections import Counter

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


def test_every_class_gets_16_1_3_from_its_own_clips():
    clips = clips_of("jump", [3] * 10) + clips_of("run", [1] * 25) + clips_of("swim", [5] * 6)
    splits = class_balanced_splits(clips=clips)
    assert set(splits) == {"jump", "run", "swim"}
    for action_class, split in splits.items():
        assert (len(split.train), len(split.val), len(split.test)) == (16, 1, 3)
        every = split.train + split.val + split.test
        assert len(set(every)) == 20
        assert all(clip.startswith(f"{action_class}/") for clip in every)


def test_no_source_video_is_in_two_splits():
    clips = clips_of("jump", [3] * 10) + clips_of("swim", [5] * 6) + clips_of("box", [7, 6, 4, 2, 2, 1])
    for split in class_balanced_splits(clips=clips).values():
        videos = split_videos(split)
        assert not videos["train"] & videos["val"]
        assert not videos["train"] & videos["test"]
        assert not videos["val"] & videos["test"]


def test_an_exact_fit_is_found():
    # 20 clips in videos of 16, 3 and 1: the only split is val ← the 1-clip video, test ← the 3, train ← the 16
    split = class_balanced_splits(clips=clips_of("jump", [16, 3, 1]))["jump"]
    assert split_videos(split) == {"train": {"jumpv0"}, "val": {"jumpv2"}, "test": {"jumpv1"}}
    # videos 8, 8, 2, 1, 1: val ← one 1-clip video; test ← the 2 and the other 1; train ← 8 + 8
    split = class_balanced_splits(clips=clips_of("run", [8, 8, 2, 1, 1]))["run"]
    videos = split_videos(split)
    assert videos["train"] == {"runv0", "runv1"}
    assert "runv2" in videos["test"] and len(videos["test"]) == 2
    assert videos["val"] | videos["test"] == {"runv2", "runv3", "runv4"}


def test_a_split_draws_evenly_from_its_videos():
    # videos 10, 10, 1, 3: train gets the two 10-clip videos and takes 8 from each, not 10 + 6
    split = class_balanced_splits(clips=clips_of("jump", [10, 10, 1, 3]))["jump"]
    assert Counter(video_of(c) for c in split.train) == {"jumpv0": 8, "jumpv1": 8}


def test_splits_are_deterministic_and_do_not_depend_on_input_order():
    clips = clips_of("jump", [2] * 30) + clips_of("run", [4] * 12)
    shuffled = list(clips)
    random.Random(1).shuffle(shuffled)
    first = class_balanced_splits(clips=clips, seed=7)
    assert class_balanced_splits(clips=clips, seed=7) == first
    assert class_balanced_splits(clips=shuffled, seed=7) == first
    assert class_balanced_splits(clips=clips, seed=8) != first  # the seed picks which clips and videos


def test_a_video_keeps_one_split_across_classes():
    # given two classes cut from the same 12 videos (2 clips of each class per video)
    clips = clips_of("jump", [2] * 12, prefix="") + clips_of("run", [2] * 12, prefix="")
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
        ([1] * 19, "19 clips, 20 needed"),
        ([10, 10], "2 video"),  # three splits need three different videos
        # 18 + 1 + 1: test needs 3 clips from one side of the videos; only the 18-clip video has them, leaving
        # train 1 + 1 (or 1) clips for its 16
        ([18, 1, 1], "train has 1 clips"),
        # 17 + 3 clips: val and test need two more videos than the one holding train
        ([17, 3], "2 video"),
    ],
)
def test_a_class_that_cannot_be_split_is_named_with_the_reason(clips_per_video, message):
    with pytest.raises(SplitError, match=message) as error:
        class_balanced_splits(clips=clips_of("jump", clips_per_video))
    assert "'jump'" in str(error.value)


def test_videos_bound_by_another_class_can_make_a_class_impossible():
    # given class "a" (split first: classes go in name order) with videos v0, v1, v2 of 16, 3 and 1 clips — an
    # exact fit that binds v0 to train, v1 to test, v2 to val — and class "b" with 3, 16 and 1 clips in them
    clips = clips_of("a", [16, 3, 1], prefix="") + clips_of("b", [3, 16, 1], prefix="")
    # then "b" can only put v0's 3 clips in train
    with pytest.raises(SplitError, match="'b'.*train has 3 clips.*3 of its 3 videos are bound .* other classes"):
        class_balanced_splits(clips=clips)
    # without the dataset-wide rule, "b" splits on its own
    splits = class_balanced_splits(clips=clips, disjoint_across_classes=False)
    assert len(splits["b"].test) == 3
    # and when the bound videos cannot even fill test: "c" has 16, 1, 3 clips in v0 (train), v1 (test), v2 (val)
    clips = clips_of("a", [16, 3, 1], prefix="") + clips_of("c", [16, 1, 3], prefix="")
    with pytest.raises(SplitError, match="'c': no choice of whole videos gives val 1 and test 3 clips"):
        class_balanced_splits(clips=clips)


def test_other_ratios_and_sizes():
    split = class_balanced_splits(clips=clips_of("jump", [1] * 12), per_class=10)["jump"]
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
