"""HAA500-style class-balanced splits, one clip per source video, and the per-class HAA500 clip files.

HAA500 (Chung et al., ICCV 2021; issue 6): every class has the same number of clips, 20, split 16 / 1 / 3 into
train, validation and test, so no class dominates training and every class is measured on the same number of
clips; and the 20 clips of a class come from 20 different source videos (issue 13: a class's clips cut from a
few long videos would repeat actors, scene and camera within the class and across its splits). A source video
never contributes to two splits either: a model that saw some of its clips in training would be flattered by the
rest at test time.

Rules:
- Split sizes are ``per_class`` shared by ``ratios`` with the largest-remainder method (ties go to the earlier
  split in train, val, test order): 20 at 16:1:3 is exactly 16 / 1 / 3; 10 at 16:1:3 is 8 / 1 / 1.
- One clip per source video and class: of a video's clips the one with the lowest ``SplitClip.preference`` is
  taken (the caller states its order; make_splits prefers trimmed clips, then the highest human-centric score),
  and among equal preferences the seeded draw decides. The other clips of that video stay out of every split.
- So a class needs ``per_class`` distinct source videos; each split gets as many videos as it has clips.
- With ``disjoint_across_classes`` (the default) a video keeps one split for the whole dataset: classes are
  split in name order, and a video a class has put in a split can only serve that split (or none) later; such
  bound videos fill their split first (they can serve nothing else), free videos the rest. Only videos that gave
  a clip are bound.
- Deterministic: a seed and a class name fix the draw of videos and clips; the input order does not matter.
- A class that cannot be split this way raises ``SplitError`` naming the class, the videos it has (or that can
  serve the splits still open) and the number needed.
"""

from __future__ import annotations

import csv
import io
import random
import re
from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

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
    preference: tuple[Any, ...] = ()  # lower is taken first among a video's clips; equal ones by the seeded draw


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
    """Per class, ``per_class`` clips from as many source videos, split by ``ratios`` into train / val / test.

    ``pinned`` binds videos to a split before any class is split (video id → "train" / "val" / "test"): splits
    already stored for classes not split now, so that splitting one class at a time keeps a video in one split.
    """
    if len(ratios) != len(SPLITS):
        raise ValueError(f"ratios needs one number per split {SPLITS}, got {tuple(ratios)}")
    unknown = {split for split in (pinned or {}).values() if split not in SPLITS}
    if unknown:
        raise ValueError(f"pinned names unknown splits {sorted(unknown)}; use {SPLITS}")
    sizes = split_sizes(per_class, ratios)
    by_class: dict[str, dict[VideoKey, list[SplitClip[ClipId, VideoKey]]]] = defaultdict(lambda: defaultdict(list))
    seen: set[ClipId] = set()
    for clip in clips:
        if clip.clip_id in seen:
            raise ValueError(f"clip {clip.clip_id!r} is listed twice")
        seen.add(clip.clip_id)
        by_class[clip.action_class][clip.video_id].append(clip)

    video_split: dict[VideoKey, int] = {video: SPLITS.index(split) for video, split in (pinned or {}).items()}
    result = {}
    for action_class in sorted(by_class):
        rng = random.Random(f"{seed}:{action_class}")
        videos = sorted(by_class[action_class].items(), key=lambda item: repr(item[0]))
        rng.shuffle(videos)
        # one clip per video: the preferred one, ties drawn (shuffled, then a stable sort by preference)
        picked: list[tuple[VideoKey, ClipId]] = []
        for video, video_clips in videos:
            candidates = sorted(video_clips, key=lambda c: repr(c.clip_id))
            rng.shuffle(candidates)
            picked.append((video, min(candidates, key=lambda c: c.preference).clip_id))
        bound = video_split if disjoint_across_classes else {}
        chosen = _assign_videos(action_class, picked, sizes, bound)
        if disjoint_across_classes:
            video_split.update({video: split for split, members in enumerate(chosen) for video, _ in members})
        result[action_class] = ClassSplit(action_class, *(tuple(c for _, c in members) for members in chosen))
    return result


def _assign_videos(
    action_class: str,
    picked: list[tuple[VideoKey, ClipId]],
    sizes: tuple[int, ...],
    bound: Mapping[VideoKey, int],
) -> list[list[tuple[VideoKey, ClipId]]]:
    """Each split's (video, clip) pairs, ``sizes[s]`` of them, no video twice. Videos bound to a split fill it first
    (they can serve no other); free videos, in drawn order, fill what is left, train first."""
    needed = sum(sizes)
    wanted = _sizes_text(sizes)
    if len(picked) < needed:
        raise SplitError(
            f"class {action_class!r}: its clips come from {len(picked)} source video(s), {needed} needed "
            f"(one clip per video: {wanted})"
        )
    chosen: list[list[tuple[VideoKey, ClipId]]] = [[] for _ in sizes]
    free = []
    for video, clip in picked:
        split = bound.get(video)
        if split is None:
            free.append((video, clip))
        elif len(chosen[split]) < sizes[split]:
            chosen[split].append((video, clip))
    usable = len(free) + sum(len(members) for members in chosen)
    if usable < needed:
        held = len(picked) - usable
        raise SplitError(
            f"class {action_class!r}: {usable} of its {len(picked)} source videos can serve the splits, {needed} "
            f"needed (one clip per video: {wanted}); {held} are bound by other classes to splits already full"
        )
    queue = iter(free)
    for split, size in enumerate(sizes):
        while len(chosen[split]) < size:
            chosen[split].append(next(queue))
    return chosen


def _sizes_text(sizes: tuple[int, ...]) -> str:
    return ", ".join(f"{name} {size}" for name, size in zip(SPLITS, sizes, strict=True))


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
