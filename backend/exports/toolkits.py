"""Segments in the annotation layouts of temporal action detection toolkits (``export_segments --format``).

Each layout is what the toolkit's own data loader reads; the loaders were read, not copied:

**actionformer** — happyharrycn/actionformer_release, ``libs/datasets/anet.py`` and ``thumos14.py``
(``_load_json_db``)::

    {"version", "database": {video_id: {"subset", "duration", "fps",
                                        "annotations": [{"label", "label_id", "segment": [start, end]}]}}}

The loader keeps the videos whose ``subset.lower()`` is in the config's split, takes ``fps`` from the entry unless
the config sets ``default_fps``, builds its class dict (label → ``label_id``) from every annotation in the file and
asserts it has ``num_classes`` entries; the ids index the classifier's outputs, so they are 0 … C-1.

**opentad** — sming256/OpenTAD, ``opentad/datasets/anet.py``, ``thumos.py``, ``base/padding_dataset.py`` and
``builder.get_class_index``::

    {"version", "database": {video_id: {"subset", "duration", "frame",
                                        "annotations": [{"label", "segment": [start, end]}]}}}

``frame`` is the video's frame count: the loaders take the frame rate as ``frame / duration`` (the ActivityNet
padding and sliding datasets when the config sets no fps; the THUMOS datasets always, turning seconds into frames
as ``int(seconds / duration * frame)``). A label's class index is its line in the class-map file (``class_map``,
one name a line); when that file is missing OpenTAD writes it itself as the sorted label names. The command writes
the same list beside the export, ``FILE.category_idx.txt`` (``class_map_text``), so the indices are fixed either way.

**mmaction2** — open-mmlab/mmaction2, ``mmaction/datasets/activitynet_dataset.py`` (``load_data_list``), the
``GenerateLocalizationLabels`` transform and ``tools/data/activitynet/process_annotations.py``: one JSON object
keyed by video name, no ``database`` level::

    {video_name: {"duration_second", "duration_frame", "feature_frame", "fps", "rfps",
                  "annotations": [{"segment": [start, end], "label"}]}}

The transform scales segments by ``duration_second * feature_frame / duration_frame`` (the seconds the features
cover). We hold no features, so ``feature_frame`` is ``duration_frame`` (features over every frame); whoever
extracts features that stop short of the last frame sets it to what they cover. ``rfps`` (the real rate) is
``duration_frame / duration_second``. mmaction2 looks features up as ``<video_name>.csv`` and reads one file per
subset (``anet_anno_train.json``, ``anet_anno_val.json``): export with ``--subset``; the keys are our video ids
(mmaction2's own ActivityNet files use ``v_`` + the YouTube id because the BSN features are named so).

Rules common to the three:

- Class ids: the names of the classes the exported segments carry, sorted as Python sorts strings (code points),
  which is the order OpenTAD generates; ``label_id`` is the index in that list. An export of one subset has the
  classes of that subset only; the ActivityNet-style toolkits read one file holding every subset (the default).
- Frame rate: the video's stored fps (probed from the file at ingest). A video imported from an annotation file
  without its media has fps 0, unknown: the export refuses, naming such videos, unless ``default_fps`` is given,
  which is then written for those videos only.
- Frame counts: ``round(duration × fps)``, the nearest whole frame, so ``frame / duration`` gives the fps back.
- Times are seconds, as stored, like the ActivityNet export (``activitynet.py``).
- Each video entry says where its segments came from, ``label_source`` (issue 15; the loaders ignore the key).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterator

from backend.catalog.models import Project
from backend.core.errors import ApplicationError
from backend.exports import activitynet
from backend.exports.activitynet import AnnotatedVideo

FORMATS = ("activitynet", "actionformer", "opentad", "mmaction2")
DEFAULT_FORMAT = "activitynet"
CLASS_MAP_SUFFIX = ".category_idx.txt"  # OpenTAD's configs call the file category_idx.txt

_SHOWN = 10  # videos named in a refusal


class ToolkitExportError(ApplicationError):
    """The export cannot be written in the asked layout; nothing was written."""


def check_format(fmt: str) -> None:
    if fmt not in FORMATS:
        raise ToolkitExportError(f"format must be one of {', '.join(FORMATS)}; got {fmt!r}", field="format")


def check_frame_rates(*, project: Project | None, subset: str | None, default_fps: float | None) -> None:
    """Refuse when an exported video has no known frame rate and no ``default_fps`` stands in for it."""
    if default_fps is not None:
        if not (math.isfinite(default_fps) and default_fps > 0):
            raise ToolkitExportError(f"default fps must be a positive number, got {default_fps}")
        return
    missing = activitynet.videos_without_fps(project=project, subset=subset)
    if missing:
        shown = ", ".join(missing[:_SHOWN]) + (f" and {len(missing) - _SHOWN} more" if len(missing) > _SHOWN else "")
        raise ToolkitExportError(
            f"{len(missing)} video(s) have no known frame rate (imported without their media): {shown}; "
            "give a default fps to write for them (--default-fps; in the API ?default_fps=)"
        )


def frame_count(*, duration: float, fps: float) -> int:
    """The video's frame count from its length and rate: the nearest whole frame."""
    return round(duration * fps)


def class_map_text(*, project: Project | None = None, subset: str | None = None) -> str:
    """The class list, one name a line, line k = class id k (OpenTAD's class-map file)."""
    return "".join(f"{name}\n" for name in activitynet.segment_class_names(project=project, subset=subset))


def _actionformer(video: AnnotatedVideo, fps: float, label_id: dict[str, int]) -> dict:
    annotations = [
        {"label": label, "label_id": label_id[label], "segment": [start, end]} for label, start, end in video.segments
    ]
    return {
        "subset": video.subset,
        "duration": video.duration,
        "fps": fps,
        "annotations": annotations,
        "label_source": video.source,
    }


def _opentad(video: AnnotatedVideo, fps: float, label_id: dict[str, int]) -> dict:
    annotations = [{"label": label, "segment": [start, end]} for label, start, end in video.segments]
    frames = frame_count(duration=video.duration, fps=fps)
    return {
        "subset": video.subset,
        "duration": video.duration,
        "frame": frames,
        "annotations": annotations,
        "label_source": video.source,
    }


def _mmaction2(video: AnnotatedVideo, fps: float, label_id: dict[str, int]) -> dict:
    frames = frame_count(duration=video.duration, fps=fps)
    return {
        "duration_second": video.duration,
        "duration_frame": frames,
        "feature_frame": frames,
        "fps": fps,
        "rfps": frames / video.duration if video.duration > 0 else float(fps),
        "annotations": [{"segment": [start, end], "label": label} for label, start, end in video.segments],
        "label_source": video.source,
    }


_ENTRY: dict[str, Callable[[AnnotatedVideo, float, dict[str, int]], dict]] = {
    "actionformer": _actionformer,
    "opentad": _opentad,
    "mmaction2": _mmaction2,
}


def stream(
    fmt: str = DEFAULT_FORMAT,
    *,
    project: Project | None = None,
    subset: str | None = None,
    default_fps: float | None = None,
) -> Iterator[str]:
    """Text chunks of the export in ``fmt``. Checks first (format, frame rates), so a refusal comes before any
    chunk; ``activitynet`` is ``activitynet.stream`` unchanged (it needs no frame rate)."""
    check_format(fmt)
    if fmt == "activitynet":
        return activitynet.stream(project=project, subset=subset)
    check_frame_rates(project=project, subset=subset, default_fps=default_fps)
    names = activitynet.segment_class_names(project=project, subset=subset)
    return _stream(
        fmt, project=project, subset=subset, default_fps=default_fps, label_id={n: i for i, n in enumerate(names)}
    )


def _stream(
    fmt: str, *, project: Project | None, subset: str | None, default_fps: float | None, label_id: dict[str, int]
) -> Iterator[str]:
    entry = _ENTRY[fmt]
    if fmt == "mmaction2":
        yield "{"
    else:
        yield '{"version": ' + json.dumps(f"ActionLoom segments 1.0 ({fmt} layout)") + ', "database": {'
    for i, video in enumerate(activitynet.annotated_videos(project=project, subset=subset)):
        fps = video.fps if video.fps > 0 else (default_fps or 0.0)  # check_frame_rates refused a missing default
        yield ("," if i else "") + "\n" + json.dumps(video.external_id) + ": " + json.dumps(entry(video, fps, label_id))
    yield "\n}\n" if fmt == "mmaction2" else "\n}}\n"
