"""Reading and checking the ActivityNet JSON layout into flat NumPy tables.

Ground truth (ActivityNet 1.3 / HACS Segments layout)::

    {"database": {video_id: {"subset": str, "duration": number, "annotations": [{"label": str, "segment": [s, e]}]}}}

Predictions / proposals (ActivityNet Challenge submission layout)::

    {"results": {video_id: [{"label": str, "segment": [s, e], "score": number}]}}

Numbers may also be numeric strings: HACS Segments writes durations as strings, and the official code reads every
number through ``float()``. Every error names the path of the bad element, e.g.
``results["vid1"][3].segment: expected [start, end] numbers, got [1, 'x']``, so a 5-million-line file can be fixed
without bisecting it.

Order matters for reproducing the official numbers exactly: videos and items are kept in file order, and classes are
numbered in order of first appearance in the ground truth (``activity_index`` in the official ``_import_ground_truth``).
"""

from __future__ import annotations

import itertools
import json
import math
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np


class EvaluationInputError(ValueError):
    """The ground truth or the predictions do not follow the ActivityNet layout; the message starts with the path."""


@dataclass(frozen=True)
class GroundTruthTable:
    """Ground-truth instances of the evaluated subset, one row per annotation.

    ``video_ids`` lists every video of the subset in file order, including videos without annotations: predictions
    on those are genuine false positives, not predictions "outside the ground truth".
    """

    video_ids: tuple[str, ...]
    labels: tuple[str, ...]
    video: np.ndarray  # int64 (n,), index into video_ids
    label: np.ndarray  # int64 (n,), index into labels
    segments: np.ndarray  # float64 (n, 2)


@dataclass(frozen=True)
class PredictionTable:
    """Predictions in file order (videos in ``results`` order, then list order).

    ``video`` indexes ``GroundTruthTable.video_ids``; videos absent from it get indices from ``len(video_ids)`` up.
    ``label`` is -1 for labels that are not ground-truth classes of the subset, and for proposals read without labels.
    """

    video: np.ndarray  # int64 (n,)
    label: np.ndarray  # int64 (n,)
    segments: np.ndarray  # float64 (n, 2)
    scores: np.ndarray  # float64 (n,)
    n_outside_videos: int  # videos of `results` that are not in the evaluated ground truth


class _FastPathMiss(Exception):
    """The bulk reader met something unusual; the item-by-item reader decides (and names the path if it is bad)."""


def _key(video_id: object) -> str:
    return json.dumps(video_id) if isinstance(video_id, str) else repr(video_id)


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _number(value: object, path: str, what: str) -> float:
    """A finite float from an int, float or numeric string (as the official ``float()`` reads); never a bool."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise EvaluationInputError(f"{path}: expected {what}, got {_short(value)}")
    try:
        number = float(value)
    except (ValueError, OverflowError):
        raise EvaluationInputError(f"{path}: expected {what}, got {_short(value)}") from None
    if not math.isfinite(number):
        raise EvaluationInputError(f"{path}: expected a finite {what}, got {_short(value)}")
    return number


def _segment(value: object, path: str) -> tuple[float, float]:
    what = "[start, end] numbers"
    if not isinstance(value, list | tuple) or len(value) != 2:
        raise EvaluationInputError(f"{path}: expected {what}, got {_short(value)}")
    start = _number(value[0], path, what)
    end = _number(value[1], path, what)
    if end < start:
        raise EvaluationInputError(f"{path}: end {end} is before start {start}")
    return start, end


def _mapping(value: object, path: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise EvaluationInputError(f"{path}: expected an object, got {_short(value)}")
    return value


def _read_items(
    *, lists: list[tuple[str, Any]], with_score: bool, with_label: bool
) -> tuple[np.ndarray, np.ndarray, list[str] | None, np.ndarray]:
    """Segments, scores, labels and per-list lengths of ``lists`` = [(path, items), ...], checked.

    A bulk path handles well-formed files at C speed (type sets, one ``np.array`` call); anything unusual (numeric
    strings, tuples, a bad element) falls back to the item-by-item reader, which accepts or rejects with a path.
    """
    try:
        return _read_items_in_bulk(lists=lists, with_score=with_score, with_label=with_label)
    except _FastPathMiss:
        return _read_items_one_by_one(lists=lists, with_score=with_score, with_label=with_label)


def _read_items_in_bulk(
    *, lists: list[tuple[str, Any]], with_score: bool, with_label: bool
) -> tuple[np.ndarray, np.ndarray, list[str] | None, np.ndarray]:
    if not all(type(items) is list for _, items in lists):
        raise _FastPathMiss
    flat = [item for _, items in lists for item in items]
    lengths = np.fromiter((len(items) for _, items in lists), dtype=np.int64, count=len(lists))
    if not set(map(type, flat)) <= {dict}:
        raise _FastPathMiss
    try:
        raw_segments = [item["segment"] for item in flat]
        raw_scores = [item["score"] for item in flat] if with_score else []
        labels = [item["label"] for item in flat] if with_label else None
    except KeyError:
        raise _FastPathMiss from None
    if not set(map(type, raw_segments)) <= {list} or not set(map(len, raw_segments)) <= {2}:
        raise _FastPathMiss
    if not set(map(type, itertools.chain.from_iterable(raw_segments))) <= {int, float}:
        raise _FastPathMiss
    if not set(map(type, raw_scores)) <= {int, float}:
        raise _FastPathMiss
    if labels is not None and not set(map(type, labels)) <= {str}:
        raise _FastPathMiss
    try:
        segments = np.array(raw_segments, dtype=np.float64).reshape(-1, 2)
        scores = np.array(raw_scores, dtype=np.float64) if with_score else np.zeros(len(flat))
    except OverflowError:  # a huge int; the slow reader names it
        raise _FastPathMiss from None
    finite = np.isfinite(segments).all() and np.isfinite(scores).all()
    if not finite or not (segments[:, 1] >= segments[:, 0]).all():
        raise _FastPathMiss
    return segments, scores, labels, lengths


def _read_items_one_by_one(
    *, lists: list[tuple[str, Any]], with_score: bool, with_label: bool
) -> tuple[np.ndarray, np.ndarray, list[str] | None, np.ndarray]:
    segments: list[tuple[float, float]] = []
    scores: list[float] = []
    labels: list[str] | None = [] if with_label else None
    lengths = np.zeros(len(lists), dtype=np.int64)
    for position, (path, items) in enumerate(lists):
        if not isinstance(items, list | tuple):
            raise EvaluationInputError(f"{path}: expected a list, got {_short(items)}")
        lengths[position] = len(items)
        for index, raw in enumerate(items):
            item_path = f"{path}[{index}]"
            item = _mapping(raw, item_path)
            for field in ("segment", "score", "label"):
                wanted = field == "segment" or (field == "score" and with_score) or (field == "label" and with_label)
                if wanted and field not in item:
                    raise EvaluationInputError(f'{item_path}: missing "{field}"')
            segments.append(_segment(item["segment"], f"{item_path}.segment"))
            if with_score:
                scores.append(_number(item["score"], f"{item_path}.score", "a number"))
            if labels is not None:
                label = item["label"]
                if not isinstance(label, str):
                    raise EvaluationInputError(f"{item_path}.label: expected a string, got {_short(label)}")
                labels.append(label)
    segment_array = np.array(segments, dtype=np.float64).reshape(-1, 2)
    score_array = np.array(scores, dtype=np.float64) if with_score else np.zeros(len(segments))
    return segment_array, score_array, labels, lengths


def read_ground_truth(*, ground_truth: Mapping[str, Any], subset: str | None) -> GroundTruthTable:
    """Check ``ground_truth`` and return the instances of ``subset`` (every video when ``subset`` is None).

    As in the official ``_import_ground_truth``, only the chosen subset's annotations are read (and checked): a
    malformed training entry does not block evaluating the validation subset. A subset with no annotation at all is
    an error rather than the official division by zero.
    """
    root = _mapping(ground_truth, "ground_truth")
    if "database" not in root:
        raise EvaluationInputError('ground_truth: missing "database"')
    database = _mapping(root["database"], "database")
    selected: list[tuple[str, Mapping[str, Any]]] = []
    subsets_seen: set[str] = set()
    for video_id, raw_entry in database.items():
        path = f"database[{_key(video_id)}]"
        if not isinstance(video_id, str):
            raise EvaluationInputError(f"{path}: video ids must be strings")
        entry = _mapping(raw_entry, path)
        entry_subset = entry.get("subset")
        if (subset is not None or "subset" in entry) and not isinstance(entry_subset, str):
            raise EvaluationInputError(f"{path}.subset: expected a string, got {_short(entry_subset)}")
        if isinstance(entry_subset, str):
            subsets_seen.add(entry_subset)
        if subset is not None and entry_subset != subset:
            continue
        if "duration" in entry:
            _number(entry["duration"], f"{path}.duration", "a number (or a numeric string)")
        if "annotations" not in entry:
            raise EvaluationInputError(f'{path}: missing "annotations"')
        selected.append((video_id, entry))
    if subset is not None and not selected:
        present = ", ".join(sorted(subsets_seen)) or "none"
        raise EvaluationInputError(f'database: no videos with subset "{subset}" (subsets present: {present})')

    lists = [(f"database[{_key(video_id)}].annotations", entry["annotations"]) for video_id, entry in selected]
    segments, _, raw_labels, lengths = _read_items(lists=lists, with_score=False, with_label=True)
    if len(segments) == 0:
        where = f' in subset "{subset}"' if subset is not None else ""
        raise EvaluationInputError(f"database: no annotations{where}")
    label_index: dict[str, int] = {}
    for label in raw_labels or []:
        label_index.setdefault(label, len(label_index))
    labels = np.fromiter(map(label_index.__getitem__, raw_labels or []), dtype=np.int64, count=len(segments))
    return GroundTruthTable(
        video_ids=tuple(video_id for video_id, _ in selected),
        labels=tuple(label_index),
        video=np.repeat(np.arange(len(selected), dtype=np.int64), lengths),
        label=labels,
        segments=segments,
    )


def read_predictions(
    *, predictions: Mapping[str, Any], ground_truth: GroundTruthTable, with_label: bool
) -> PredictionTable:
    """Check the whole ``results`` object and index it against ``ground_truth``; nothing is dropped here.

    ``with_label`` is False for proposals, whose items need no label. Whether predictions on videos outside the
    evaluated ground truth count is the caller's decision (the official code keeps them).
    """
    root = _mapping(predictions, "predictions")
    if "results" not in root:
        raise EvaluationInputError('predictions: missing "results"')
    results = _mapping(root["results"], "results")
    for video_id in results:
        if not isinstance(video_id, str):
            raise EvaluationInputError(f"results[{_key(video_id)}]: video ids must be strings")
    lists = [(f"results[{_key(video_id)}]", items) for video_id, items in results.items()]
    segments, scores, raw_labels, lengths = _read_items(lists=lists, with_score=True, with_label=with_label)

    known = {video_id: index for index, video_id in enumerate(ground_truth.video_ids)}
    per_video = np.empty(len(results), dtype=np.int64)
    n_outside = 0
    for position, video_id in enumerate(results):
        index = known.get(video_id)
        if index is None:
            index = len(known) + n_outside
            n_outside += 1
        per_video[position] = index
    video = np.repeat(per_video, lengths)
    if with_label:
        # A defaultdict's __getitem__ maps in C; unknown labels become -1 (the copy may grow, harmlessly).
        label_index = defaultdict(lambda: -1, {label: index for index, label in enumerate(ground_truth.labels)})
        label = np.fromiter(map(label_index.__getitem__, raw_labels or []), dtype=np.int64, count=len(video))
    else:
        label = np.full(len(video), -1, dtype=np.int64)
    return PredictionTable(video=video, label=label, segments=segments, scores=scores, n_outside_videos=n_outside)
