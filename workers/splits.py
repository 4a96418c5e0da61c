"""HAA500-style class-balanced splits, disjoint by source video, and the per-class HAA500 clip files.

HAA500 (Chung et al., ICCV 2021; issue 6): every class has the same number of clips, 20, split 16 / 1 / 3 into
train, validation and test, so no class dominates training and every class is measured on the same number of
clips. A source video never contributes to two splits: clips of one video share actors, scene and camera, and a
model that saw some of them in training would be flattered by the rest at test time.

Rules:
- Split sizes are ``per_class`` shared by ``ratios`` with the largest-remainder method (ties go to the earlier
  split in train, val, test order): 20 at 16:1:3 is exactly 16 / 1 / 3; 10 at 16:1:3 is 8 / 1 / 1.
- Videos, not clips, are assigned to splits; a split then takes the clips it needs from its videos, round-robin
  over them (so one long video does not fill a split alone) and clips not needed are left out of every split.
  The largest split takes every video the others do not need; the others are filled with the least clips
  possible (an exact search over videos, small because only the smaller splits' sizes are tracked), which leaves
  the largest split as much choice as the class allows.
- With ``disjoint_across_classes`` (the default) a video keeps one split for the whole dataset: classes are
  split in name order and a video a class has put in a split can only serve that split (or none) later.
- Deterministic: a seed and a class name fix the shuffle of videos and clips; the input order does not matter.
- A class that cannot be split this way raises ``SplitError`` naming the class and the reason (too few clips,
  too few videos, one video holding too many of the clips, or videos already taken by other classes' splits).
"""

from __future__ import annotations

import csv
import io
import random
import re
from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

SPLITS = ("train", "val", "test")
DEFAULT_CLIPS_PER_CLASS = 20  # HAA500
DEFAULT_RATIOS = (16, 1, 3)  # HAA500: train / val / test
HAA500_HEADER = ("youtube_url", "start_time", "end_time", "is_camera_moving", "num_of_dominant_figure")
YOUTUBE_WATCH_URL = "https://www.youtube.com/watch?v="
_YOUTUBE_ID = re.compile(r"[A-Za-z0-9_-]{11}")

# Clip and video ids are the caller's (database keys, external ids): kept as given, compared only for equality.
ClipId = TypeVar("ClipId", bound=Hashable)
VideoKey = TypeVar("VideoKey", bound=Hashable)


class SplitError(ValueError):
    """A class cannot be split as asked; the message names the class and why."""


@dataclass(frozen=True)
class SplitClip(Generic[ClipId, VideoKey]):
    clip_id: ClipId
    action_class: str
    video_id: VideoKey


@dataclass(frozen=True)
class ClassSplit(Generic[ClipId]):
    action_class: str
    train: tuple[ClipId, ...]
    val: tuple[ClipId, ...]
    test: tuple[ClipId, ...]

    def clips(self, split: str) -> tuple[ClipId, ...]:
        if split not in SPLITS:
            raise ValueError(f"unknown split {split!r}")
        return getattr(self, split)


def split_sizes(total: int, ratios: Sequence[int] = DEFAULT_RATIOS) -> tuple[int, ...]:
    """``total`` shared by ``ratios`` with the largest-remainder method (ties to the earlier split)."""
    if total < 0 or any(r < 0 for r in ratios) or sum(ratios) == 0:
        raise ValueError(f"cannot share {total} by {tuple(ratios)}")
    exact = [total * r / sum(ratios) for r in ratios]
    sizes = [int(e) for e in exact]
    by_remainder = sorted(range(len(ratios)), key=lambda i: (-(exact[i] - sizes[i]), i))
    for i in by_remainder[: total - sum(sizes)]:
        sizes[i] += 1
    return tuple(sizes)


def class_balanced_splits(
    *,
    clips: Iterable[SplitClip[ClipId, VideoKey]],
    per_class: int = DEFAULT_CLIPS_PER_CLASS,
    ratios: Sequence[int] = DEFAULT_RATIOS,
    seed: int = 0,
    disjoint_across_classes: bool = True,
    pinned: Mapping[VideoKey, str] | None = None,
) -> dict[str, ClassSplit[ClipId]]:
    """Per class, ``per_class`` clips split by ``ratios`` into train / val / test, no video in two splits.

    ``pinned`` binds videos to a split before any class is split (video id → "train" / "val" / "test"): splits
    already stored for classes not split now, so that splitting one class at a time keeps a video in one split.
    """
    if len(ratios) != len(SPLITS):
        raise ValueError(f"ratios needs one number per split {SPLITS}, got {tuple(ratios)}")
    unknown = {split for split in (pinned or {}).values() if split not in SPLITS}
    if unknown:
        raise ValueError(f"pinned names unknown splits {sorted(unknown)}; use {SPLITS}")
    sizes = split_sizes(per_class, ratios)
    by_class: dict[str, dict[VideoKey, list[ClipId]]] = defaultdict(lambda: defaultdict(list))
    seen: set[ClipId] = set()
    for clip in clips:
        if clip.clip_id in seen:
            raise ValueError(f"clip {clip.clip_id!r} is listed twice")
        seen.add(clip.clip_id)
        by_class[clip.action_class][clip.video_id].append(clip.clip_id)

    # across classes, when disjoint_across_classes
    video_split: dict[VideoKey, int] = {video: SPLITS.index(split) for video, split in (pinned or {}).items()}
    result = {}
    for action_class in sorted(by_class):
        rng = random.Random(f"{seed}:{action_class}")
        videos = sorted(by_class[action_class].items(), key=lambda item: repr(item[0]))
        for _, clip_ids in videos:
            clip_ids.sort(key=repr)
            rng.shuffle(clip_ids)
        rng.shuffle(videos)
        bound = video_split if disjoint_across_classes else {}
        assignment = _assign_videos(action_class, videos, sizes, bound)
        chosen, contributing = _take_clips(videos, assignment, sizes)
        if disjoint_across_classes:
            # Only videos that gave clips are bound; one the train split did not need stays free.
            video_split.update({videos[index][0]: assignment[index] for index in contributing})
        result[action_class] = ClassSplit(action_class, *(tuple(chosen[s]) for s in range(len(SPLITS))))
    return result


def _assign_videos(
    action_class: str,
    videos: list[tuple[VideoKey, list[ClipId]]],
    sizes: tuple[int, ...],
    pinned: dict[VideoKey, int],
) -> dict[int, int]:
    """Video index → split index, covering every split's size with the fewest clips outside the largest split.

    Exact search: the state is how many clips each smaller split has so far (capped at its size), the value the
    clips it costs the largest split (a video bound to a smaller split by another class costs it nothing); the
    largest split takes every remaining video it may take.
    """
    total_clips = sum(len(c) for _, c in videos)
    if total_clips < sum(sizes):
        raise SplitError(f"class {action_class!r}: {total_clips} clips, {sum(sizes)} needed")
    needed_splits = sum(1 for size in sizes if size > 0)
    if len(videos) < needed_splits:
        raise SplitError(
            f"class {action_class!r}: its clips come from {len(videos)} video(s); {needed_splits} splits of "
            f"sizes {sizes} need a different video each"
        )
    largest = max(range(len(sizes)), key=lambda s: (sizes[s], -s))
    small = [s for s in range(len(sizes)) if s != largest and sizes[s] > 0]
    # states: capped counts of the small splits → (clips spent, assignment of videos to small splits)
    states: dict[tuple[int, ...], tuple[int, dict[int, int]]] = {tuple(0 for _ in small): (0, {})}
    for index, (video, clip_ids) in enumerate(videos):
        allowed = [k for k, s in enumerate(small) if pinned.get(video, s) == s]
        updated = dict(states)
        for state, (spent, assigned) in states.items():
            for k in allowed:
                if state[k] >= sizes[small[k]]:
                    continue  # already full: more clips there would be waste
                new_state = list(state)
                new_state[k] = min(sizes[small[k]], state[k] + len(clip_ids))
                key = tuple(new_state)
                cost = len(clip_ids) if pinned.get(video, largest) == largest else 0
                candidate = (spent + cost, {**assigned, index: small[k]})
                if key not in updated or candidate[0] < updated[key][0]:
                    updated[key] = candidate
        states = updated
    full = tuple(sizes[s] for s in small)
    if full not in states:
        raise SplitError(_why_not(action_class, videos, sizes, small, pinned))
    _, assignment = states[full]
    for index, (video, _) in enumerate(videos):
        if index not in assignment and pinned.get(video, largest) == largest:
            assignment[index] = largest
    capacity = sum(len(videos[i][1]) for i, s in assignment.items() if s == largest)
    if capacity < sizes[largest]:
        others = " and ".join(SPLITS[s] for s in small)
        raise SplitError(
            f"class {action_class!r}: once {others} have their videos, {SPLITS[largest]} has {capacity} clips "
            f"from the other videos, {sizes[largest]} needed" + _bound_note(videos, pinned)
        )
    return assignment


def _bound_note(videos: list[tuple[VideoKey, list[ClipId]]], pinned: dict[VideoKey, int]) -> str:
    held = sum(1 for video, _ in videos if video in pinned)
    return f"; {held} of its {len(videos)} videos are bound to splits by other classes" if held else ""


def _why_not(
    action_class: str,
    videos: list[tuple[VideoKey, list[ClipId]]],
    sizes: tuple[int, ...],
    small: list[int],
    pinned: dict[VideoKey, int],
) -> str:
    wanted = " and ".join(f"{SPLITS[s]} {sizes[s]}" for s in small)
    return (
        f"class {action_class!r}: no choice of whole videos gives {wanted} clips, each split from videos of its "
        f"own" + _bound_note(videos, pinned)
    )


def _take_clips(
    videos: list[tuple[VideoKey, list[ClipId]]], assignment: dict[int, int], sizes: tuple[int, ...]
) -> tuple[list[list[ClipId]], set[int]]:
    """Each split's clips, round-robin over its videos in shuffled order, until it has its size; and the
    indices of the videos that gave at least one clip."""
    chosen: list[list[ClipId]] = [[] for _ in sizes]
    contributing: set[int] = set()
    for split, size in enumerate(sizes):
        queues = [(i, list(videos[i][1])) for i in sorted(assignment) if assignment[i] == split]
        while len(chosen[split]) < size:
            for index, queue in queues:
                if queue and len(chosen[split]) < size:
                    chosen[split].append(queue.pop(0))
                    contributing.add(index)
    return chosen, contributing


# --- HAA500-style per-class files ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Haa500Row:
    youtube_url: str
    start_time: float  # seconds
    end_time: float
    is_camera_moving: bool
    num_of_dominant_figure: int  # 1, 2, or 3 for "more than two"


def youtube_url(external_id: str) -> str:
    """The watch URL of a YouTube id; other ids (local uploads, URLs already) are kept as they are."""
    return f"{YOUTUBE_WATCH_URL}{external_id}" if _YOUTUBE_ID.fullmatch(external_id) else external_id


def format_haa500_class_file(rows: Iterable[Haa500Row], *, header: bool = True) -> str:
    """One class's clips as CSV with HAA500's columns, in the order given.

    ``header=False`` leaves out the column-name line, as HAA500's own class files do (their split is by line
    number: the first 16 lines train, the 17th validation, the rest test — the dataset's README).

    ``start_time``/``end_time`` are seconds with 3 decimals (millisecond, as the HACS export);
    ``is_camera_moving`` is 1 or 0; ``num_of_dominant_figure`` is 1, 2 or 3, where 3 stands for "more than two"
    (the trim tool's three choices). The column names are the issue's; these value encodings are ours, since
    HAA500's own files could not be consulted here.
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    if header:
        writer.writerow(HAA500_HEADER)
    for row in rows:
        if not row.youtube_url:
            raise ValueError("a row needs a video URL")
        if not 0 <= row.start_time < row.end_time:
            raise ValueError(f"{row.youtube_url}: start {row.start_time} must be ≥ 0 and before end {row.end_time}")
        if row.num_of_dominant_figure not in (1, 2, 3):
            raise ValueError(f"{row.youtube_url}: num_of_dominant_figure must be 1, 2 or 3 (> 2)")
        writer.writerow(
            [
                row.youtube_url,
                f"{row.start_time:.3f}",
                f"{row.end_time:.3f}",
                int(bool(row.is_camera_moving)),
                row.num_of_dominant_figure,
            ]
        )
    return out.getvalue()
