"""ActivityNet segments layout (ActivityNet 1.3, HACS Segments): export, and import with the path of any bad element.

    {"version": str, "taxonomy": [{"nodeId", "nodeName", "parentId", "parentName"}, …],
     "database": {video_id: {"subset", "duration", "url", "annotations": [{"label", "segment": [start, end]}]}}}

Times are seconds from the video's first frame (workers/media/proxy.py), written as stored (no rounding on the way out, so an
import followed by an export gives back the same numbers). The export streams: the database object is written entry
by entry from a server-side cursor. Videos whose final answer is a rejection are left out and listed by
``stream_rejected`` (the side report). The import checks the whole file before writing anything, in one transaction.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice
from typing import Any

from backend.catalog.models import ActionClass, Project, Video
from backend.core.errors import ImportFileError
from backend.segments.imports import ParsedVideo, _fail, import_videos
from backend.segments.models import Segment, SegmentAnnotation, SegmentVideo
from backend.segments.selectors_review import segment_label_sources

VERSION = "ActionLoom segments 1.0 (ActivityNet 1.3 layout)"
CHUNK = 2000
SHOWN = 20  # bad videos named in a refusal; the rest are counted (as hacs.MAX_REPORTED lines)
NOTHING = " — nothing was imported"  # how segments/imports.py's _fail ends every refusal


# --- export ------------------------------------------------------------------------------------------------------


def taxonomy_nodes() -> list[dict]:
    """The ActivityNet node list of the catalog's action classes, by node id."""
    rows = ActionClass.objects.order_by("node_id").values_list("node_id", "name", "parent__node_id", "parent__name")
    return [{"nodeId": n, "nodeName": name, "parentId": pid, "parentName": pname} for n, name, pid, pname in rows]


def _finals(*, project: Project | None, subset: str | None, status: str):
    qs = SegmentVideo.objects.filter(final__isnull=False, final__status=status, retired_reason="")
    if project is not None:
        qs = qs.filter(video__project=project)
    if subset:
        qs = qs.filter(video__subset=subset)
    return qs.order_by("video__external_id", "video__project_id")


def _chunks(iterable, size: int = CHUNK):
    iterator = iter(iterable)
    while chunk := list(islice(iterator, size)):
        yield chunk


@dataclass(frozen=True)
class AnnotatedVideo:
    """A video with a final, non-rejected annotation: what every segments layout is written from."""

    external_id: str
    subset: str
    duration: float  # seconds
    fps: float  # the video's stored frame rate; 0 when unknown (e.g. imported from a file without the media)
    url: str
    segments: list[tuple[str, float, float]]  # (class name, start, end) in the annotation's order
    # Where the segments came from (segments/selectors_review.py: segment_label_sources): single, unanimous,
    # majority, adjudicated (a reviewer), gold, imported, disputed. Every layout writes it as "label_source".
    source: str = ""


def annotated_videos(*, project: Project | None = None, subset: str | None = None) -> Iterator[AnnotatedVideo]:
    """Every video with a final, non-rejected annotation, in video id order, read in chunks."""
    rows = _finals(project=project, subset=subset, status=SegmentAnnotation.Status.SUBMITTED).values_list(
        "final_id", "video__external_id", "video__subset", "video__duration", "video__fps", "video__source_url", "pk"
    )
    for chunk in _chunks(rows.iterator(chunk_size=CHUNK)):
        sources = segment_label_sources([row[-1] for row in chunk])
        segments: dict[int, list[tuple[str, float, float]]] = {row[0]: [] for row in chunk}
        for ann, label, start, end in (
            Segment.objects.filter(annotation_id__in=list(segments))
            .order_by("annotation_id", "position", "start", "pk")
            .values_list("annotation_id", "action_class__name", "start", "end")
        ):
            segments[ann].append((label, start, end))
        for final_id, external_id, sub, duration, fps, url, pk in chunk:
            yield AnnotatedVideo(external_id, sub, duration, fps, url, segments[final_id], sources[pk])


def entries(*, project: Project | None = None, subset: str | None = None) -> Iterator[tuple[str, dict]]:
    """(video id, database entry) of every video with a final, non-rejected annotation, in video id order."""
    for video in annotated_videos(project=project, subset=subset):
        annotations = [{"label": label, "segment": [start, end]} for label, start, end in video.segments]
        yield (
            video.external_id,
            {
                "subset": video.subset,
                "duration": video.duration,
                "url": video.url,
                "annotations": annotations,
                "label_source": video.source,
            },
        )


def segment_class_names(*, project: Project | None = None, subset: str | None = None) -> list[str]:
    """Names of the classes the exported segments carry, sorted by Python's ``sorted`` (code-point order)."""
    finals = _finals(project=project, subset=subset, status=SegmentAnnotation.Status.SUBMITTED).values("final_id")
    names = Segment.objects.filter(annotation_id__in=finals).values_list("action_class__name", flat=True).distinct()
    return sorted(set(names))


def videos_without_fps(*, project: Project | None = None, subset: str | None = None) -> list[str]:
    """Ids of the exported videos whose frame rate is unknown (stored as 0), in id order."""
    finals = _finals(project=project, subset=subset, status=SegmentAnnotation.Status.SUBMITTED)
    return list(finals.filter(video__fps__lte=0).values_list("video__external_id", flat=True))


def stream(*, project: Project | None = None, subset: str | None = None) -> Iterator[str]:
    """Text chunks of the ActivityNet JSON file."""
    head = json.dumps({"version": VERSION, "taxonomy": taxonomy_nodes()})
    yield head[:-1] + ', "database": {'
    for i, (video_id, entry) in enumerate(entries(project=project, subset=subset)):
        yield ("," if i else "") + "\n" + json.dumps(video_id) + ": " + json.dumps(entry)
    yield "\n}}\n"


def stream_rejected(*, project: Project | None = None, subset: str | None = None) -> Iterator[str]:
    """The side report: videos left out of the export because their final answer is a rejection, and why."""
    rows = _finals(project=project, subset=subset, status=SegmentAnnotation.Status.REJECTED).values_list(
        "video__external_id",
        "video__subset",
        "video__duration",
        "video__source_url",
        "final__reject_reason",
        "final__reject_note",
    )
    yield '{"version": ' + json.dumps(VERSION) + ', "rejected": {'
    for i, (video_id, sub, duration, url, reason, note) in enumerate(rows.iterator(chunk_size=CHUNK)):
        entry = {"subset": sub, "duration": duration, "url": url, "reason": reason, "note": note}
        yield ("," if i else "") + "\n" + json.dumps(video_id) + ": " + json.dumps(entry)
    yield "\n}}\n"


# --- import: check --------------------------------------------------------------------------------------------------


def _key(video_id: str) -> str:
    return f"database[{json.dumps(video_id)}]"


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _number(value: Any, path: str) -> float:
    """A finite float from a number or a numeric string (HACS writes durations as strings); never a bool."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        _fail(path, f"expected a number, got {_short(value)}")
    try:
        number = float(value)
    except (ValueError, OverflowError):
        _fail(path, f"expected a number, got {_short(value)}")
    if not math.isfinite(number):
        _fail(path, f"expected a finite number, got {_short(value)}")
    return number


def parse(data: Any) -> list[ParsedVideo]:
    """Check a loaded ActivityNet / HACS Segments file; raise ImportFileError naming the first bad element of each
    bad video (the first SHOWN videos, and how many more)."""
    if not isinstance(data, dict):
        _fail("(top level)", 'expected an object with a "database"')
    if "version" in data and not isinstance(data["version"], str):
        _fail("version", f"expected a string, got {_short(data['version'])}")
    _check_taxonomy(data.get("taxonomy"))
    if "database" not in data:
        _fail("(top level)", 'missing "database"')
    database = data["database"]
    if not isinstance(database, dict):
        _fail("database", f"expected an object, got {_short(database)}")
    classes = set(ActionClass.objects.filter(is_leaf=True).values_list("name", flat=True))
    videos, problems = [], []
    for video_id, entry in database.items():
        try:
            videos.append(_parse_video(video_id, entry, classes))
        except ImportFileError as exc:  # each bad video is named (its first bad element), not only the first one
            problems.append(str(exc).removesuffix(NOTHING))
    if problems:
        more = f" (and {len(problems) - SHOWN} more)" if len(problems) > SHOWN else ""
        raise ImportFileError("; ".join(problems[:SHOWN]) + more + NOTHING)
    return videos


def _check_taxonomy(taxonomy: Any) -> None:
    if taxonomy is None:
        return
    if not isinstance(taxonomy, list):
        _fail("taxonomy", f"expected a list of nodes, got {_short(taxonomy)}")
    for i, node in enumerate(taxonomy):
        if not isinstance(node, dict):
            _fail(f"taxonomy[{i}]", f"expected an object, got {_short(node)}")
        for field in ("nodeId", "nodeName"):
            if field not in node:
                _fail(f"taxonomy[{i}]", f'missing "{field}"')
        if not isinstance(node["nodeName"], str):
            _fail(f"taxonomy[{i}].nodeName", f"expected a string, got {_short(node['nodeName'])}")


def _parse_video(video_id: str, entry: Any, classes: set[str]) -> ParsedVideo:
    path = _key(video_id)
    if not video_id or len(video_id) > 64:
        _fail(path, "video ids must be 1 to 64 characters")
    if not isinstance(entry, dict):
        _fail(path, f"expected an object, got {_short(entry)}")
    for field in ("subset", "duration", "annotations"):
        if field not in entry:
            _fail(path, f'missing "{field}"')
    if entry["subset"] not in Video.Subset.values:
        _fail(f"{path}.subset", f"expected one of {', '.join(Video.Subset.values)}, got {_short(entry['subset'])}")
    duration = _number(entry["duration"], f"{path}.duration")
    if duration <= 0:
        _fail(f"{path}.duration", f"expected a positive number of seconds, got {_short(entry['duration'])}")
    url = entry.get("url") or ""
    if not isinstance(url, str) or len(url) > 500:
        _fail(f"{path}.url", "expected a string of at most 500 characters")
    annotations = entry["annotations"]
    if not isinstance(annotations, list):
        _fail(f"{path}.annotations", f"expected a list, got {_short(annotations)}")
    out = []
    for i, item in enumerate(annotations):
        item_path = f"{path}.annotations[{i}]"
        if not isinstance(item, dict):
            _fail(item_path, f"expected an object, got {_short(item)}")
        for field in ("label", "segment"):
            if field not in item:
                _fail(item_path, f'missing "{field}"')
        if item["label"] not in classes:
            _fail(f"{item_path}.label", f"unknown action class {_short(item['label'])}")
        segment = item["segment"]
        if not isinstance(segment, list) or len(segment) != 2:
            _fail(f"{item_path}.segment", f"expected [start, end], got {_short(segment)}")
        start = _number(segment[0], f"{item_path}.segment")
        end = _number(segment[1], f"{item_path}.segment")
        if start < 0 or end < start:
            _fail(f"{item_path}.segment", f"need 0 <= start <= end, got {_short(segment)}")
        out.append((item["label"], start, end))
    return ParsedVideo(
        video_id=video_id, path=path, subset=entry["subset"], duration=duration, url=url, annotations=tuple(out)
    )


__all__ = [
    "AnnotatedVideo",
    "ImportFileError",
    "ParsedVideo",
    "annotated_videos",
    "entries",
    "segment_class_names",
    "videos_without_fps",
    "import_videos",
    "parse",
    "stream",
    "stream_rejected",
]
