"""Splits with videos already bound to a split (pinned), and HAA500's own header-less class file."""

from __future__ import annotations

import pytest

from workers.splits import Haa500Row, SplitClip, class_balanced_splits, format_haa500_class_file


def clips_of(action_class: str, clips_per_video: list[int]) -> list[SplitClip]:
    return [
        SplitClip(f"{action_class}/v{k}/c{n}", action_class, f"v{k}")
        for k, count in enumerate(clips_per_video)
        for n in range(count)
    ]


def test_pinned_videos_serve_only_their_split():
    # given 24 one-clip videos, v0–v3 bound to test by a class split earlier
    pinned = {f"v{k}": "test" for k in range(4)}
    split = class_balanced_splits(clips=clips_of("jump", [1] * 24), pinned=pinned)["jump"]
    # then no pinned video is in train or val, and test draws from the pinned ones first (they cost train nothing)
    for name in ("train", "val"):
        assert not {c.split("/")[1] for c in split.clips(name)} & set(pinned)
    assert {c.split("/")[1] for c in split.test} <= set(pinned)


def test_splitting_one_class_at_a_time_with_pins_equals_splitting_them_together():
    clips = clips_of("a", [1] * 22) + clips_of("b", [2] * 24)
    together = class_balanced_splits(clips=clips)
    first = class_balanced_splits(clips=[c for c in clips if c.action_class == "a"])
    pins = {c.split("/")[1]: name for name in ("train", "val", "test") for c in first["a"].clips(name)}
    second = class_balanced_splits(clips=[c for c in clips if c.action_class == "b"], pinned=pins)
    assert first["a"] == together["a"] and second["b"] == together["b"]


def test_a_pin_to_an_unknown_split_is_refused():
    with pytest.raises(ValueError, match="unknown splits"):
        class_balanced_splits(clips=clips_of("jump", [1] * 20), pinned={"v0": "validation"})


def test_haa500s_own_class_file_has_no_header():
    rows = [Haa500Row("https://www.youtube.com/watch?v=IODxDxX7oi4", 3.37, 7.08, True, 1)]
    assert (
        format_haa500_class_file(rows, header=False) == "https://www.youtube.com/watch?v=IODxDxX7oi4,3.370,7.080,1,1\n"
    )
    assert format_haa500_class_file(rows).startswith("youtube_url,start_time,end_time,")
