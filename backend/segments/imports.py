"""Writing imported ActivityNet-style segments (the checks and the file format live in backend/exports/activitynet.py).

Segments own these rows, so their import writes live here; exports parses a file into ParsedVideo and calls
`import_videos`.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from backend.catalog.models import ActionClass, Project, Video
from backend.core.errors import ImportFileError
from backend.segments.models import Segment, SegmentAnnotation, SegmentVideo


@dataclass(frozen=True)
class ParsedVideo:
    video_id: str
    path: str  # database["…"], for messages
    subset: str
    duration: float
    url: str
    annotations: tuple[tuple[str, float, float], ...]  # (label, start, end) in file order


def _fail(path: str, message: str):
    raise ImportFileError(f"{path}: {message} — nothing was imported")


# --- import: check against the project, then write --------------------------------------------------------------------

# Durations agree when they differ by at most one frame at the stored video's frame rate, and never less than 0.01 s
# (the precision files such as HACS Segments write; a new video's frame rate is unknown, so 0.01 s).
DURATION_TOLERANCE = 0.01
SHOWN = 20  # elements named in a refusal; the rest are counted


def duration_tolerance(video: Video | None) -> float:
    return max(DURATION_TOLERANCE, 1 / video.fps) if video is not None and video.fps > 0 else DURATION_TOLERANCE


def _listed(problems: list[str]) -> str:
    more = f" (and {len(problems) - SHOWN} more)" if len(problems) > SHOWN else ""
    return "; ".join(problems[:SHOWN]) + more


def _check_durations(*, videos: list[ParsedVideo], known: dict[str, Video], update_durations: bool) -> dict[str, float]:
    """The duration each existing video is to be given (stored none, or --update-durations and another one); refuses
    (ImportFileError, before anything is written) stored durations the file contradicts and segments ending past
    their video's duration, listing every one."""
    differ, past, give = [], [], {}
    for parsed in videos:
        video = known.get(parsed.video_id)
        tolerance = duration_tolerance(video)
        duration = parsed.duration
        if video is not None and video.duration > 0 and abs(video.duration - parsed.duration) <= tolerance:
            duration = video.duration  # the same, within a frame: the stored value stays
        elif video is not None and video.duration > 0 and not update_durations:
            differ.append(f"{parsed.path}.duration: stored {video.duration!r} s, the file says {parsed.duration!r} s")
            duration = video.duration
        elif video is not None:
            give[parsed.video_id] = parsed.duration  # none stored, or --update-durations
        for i, (_, _, end) in enumerate(parsed.annotations):
            if end > duration + tolerance:
                past.append(
                    f"{parsed.path}.annotations[{i}].segment: ends at {end!r} s, past the video's {duration!r} s"
                )
    refusals = []
    if differ:
        refusals.append(
            f"{len(differ)} video(s) of the project have another duration than the file's (tolerance: one frame, at "
            f"least {DURATION_TOLERANCE} s): {_listed(differ)}; import with --update-durations to store the file's"
        )
    if past:
        refusals.append(f"{len(past)} segment(s) end past their video's duration: {_listed(past)}")
    if refusals:
        raise ImportFileError(". ".join(refusals) + " — nothing was imported")
    return give


def import_videos(
    *, videos: list[ParsedVideo], project: Project, gold: bool = False, author=None, update_durations: bool = False
) -> dict:
    """Write checked videos in one transaction; any conflict raises ImportFileError and nothing is written.

    Plain import: each video gets an imported annotation that is its final answer (a video already answered with the
    same segments is counted unchanged; with other segments, refused). A video with an empty ``annotations`` list is
    kept with no segments (its final answer is that empty list, so it exports as it came); a new one is filed under
    the taxonomy's root, since no label names its class. ``gold``: the segments become the reference of a video
    already in the project with its file, which then serves as a hidden check in the timeline queue.
    Durations: an existing video without one (0) takes the file's; one that differs by more than a frame is refused
    unless ``update_durations``; a segment ending past its video's duration is refused (``_check_durations``).
    """
    from backend.catalog.services import taxonomy_root
    from backend.segments.media import segment_media_queue
    from backend.segments.services import segment_settings_get

    classes = {c.name: c for c in ActionClass.objects.filter(name__in={a[0] for v in videos for a in v.annotations})}
    counts = {"videos": 0, "annotations": 0, "segments": 0, "unchanged": 0, "empty": 0, "durations": 0}
    required = segment_settings_get(project=project).annotators_per_video
    with transaction.atomic():
        known = {
            v.external_id: v
            for v in Video.objects.filter(project=project, external_id__in=[p.video_id for p in videos])
        }
        durations = _check_durations(videos=videos, known=known, update_durations=update_durations)
        root = None
        if any(p.video_id not in known and not p.annotations for p in videos):
            root = taxonomy_root()
        for parsed in videos:
            video = known.get(parsed.video_id)
            if video is None and gold:
                _fail(parsed.path, f"gold segments need this video in project {project.name!r} (ingest it first)")
            if video is None:
                if parsed.annotations:
                    query_class = classes[parsed.annotations[0][0]]
                elif root is not None:
                    query_class = root  # no label names its class: filed under the root, never served to annotators
                else:
                    _fail(f"{parsed.path}.annotations", "a video without segments needs a taxonomy (load_taxonomy)")
                video = Video.objects.create(
                    project=project,
                    external_id=parsed.video_id,
                    subset=parsed.subset,
                    duration=parsed.duration,
                    source_url=parsed.url,
                    query_class=query_class,
                )
                counts["videos"] += 1
            elif video.subset != parsed.subset:
                _fail(
                    f"{parsed.path}.subset",
                    f"video is in subset {video.subset!r} here, the file says {parsed.subset!r}",
                )
            elif parsed.video_id in durations:
                Video.objects.filter(pk=video.pk).update(duration=durations[parsed.video_id])
                counts["durations"] += 1
            segment_video = SegmentVideo.objects.filter(video=video).first()
            if segment_video is None:
                cls = classes[parsed.annotations[0][0]] if parsed.annotations else video.query_class
                segment_video = SegmentVideo.objects.create(
                    video=video,
                    action_class=cls,
                    required_annotations=required,
                    media_state=SegmentVideo.MediaState.NONE,
                )
                if gold and video.file:
                    segment_media_queue(segment_video=segment_video)
            if gold:
                if not video.file:
                    _fail(parsed.path, "gold segments need the video's file (it was imported without one)")
                _write_gold(parsed=parsed, segment_video=segment_video, classes=classes, author=author)
            elif not _write_final(parsed=parsed, segment_video=segment_video, classes=classes):
                counts["unchanged"] += 1
                continue
            counts["annotations"] += 1
            counts["segments"] += len(parsed.annotations)
            counts["empty"] += not parsed.annotations
    return counts


def _same(segment_video: SegmentVideo, parsed: ParsedVideo) -> bool:
    final = segment_video.final
    if final is None or final.status != SegmentAnnotation.Status.SUBMITTED:
        return False
    mine = sorted(final.segments.values_list("action_class__name", "start", "end"))
    return mine == sorted(parsed.annotations)


def _new_annotation(
    *, segment_video: SegmentVideo, parsed: ParsedVideo, classes: dict, kind: str, author=None
) -> SegmentAnnotation:
    from django.utils import timezone

    annotation = SegmentAnnotation.objects.create(
        segment_video=segment_video,
        annotator=author,
        kind=kind,
        status=SegmentAnnotation.Status.SUBMITTED,
        submitted_at=timezone.now(),
    )
    Segment.objects.bulk_create(
        [
            Segment(annotation=annotation, action_class=classes[label], start=start, end=end, position=i)
            for i, (label, start, end) in enumerate(parsed.annotations)
        ]
    )
    return annotation


def _write_final(*, parsed: ParsedVideo, segment_video: SegmentVideo, classes: dict) -> bool:
    """Make the file's segments the video's answer. False when it already is exactly that."""
    if segment_video.final_id is not None:
        if _same(segment_video, parsed):
            return False
        _fail(
            f"{parsed.path}.annotations",
            "the video already has other final segments here (or was rejected); "
            "pick in the dashboard instead of importing over them",
        )
    # An empty list is kept: the video is in the release with no segments, and exports so.
    annotation = _new_annotation(
        segment_video=segment_video, parsed=parsed, classes=classes, kind=SegmentAnnotation.Kind.IMPORTED
    )
    SegmentVideo.objects.filter(pk=segment_video.pk).update(final=annotation, is_open=False)
    return True


def _write_gold(*, parsed: ParsedVideo, segment_video: SegmentVideo, classes: dict, author) -> None:
    if not parsed.annotations:
        _fail(f"{parsed.path}.annotations", "a gold video needs at least one reference segment")
    SegmentAnnotation.objects.filter(segment_video=segment_video, kind=SegmentAnnotation.Kind.GOLD, active=True).update(
        active=False
    )
    annotation = _new_annotation(
        segment_video=segment_video, parsed=parsed, classes=classes, kind=SegmentAnnotation.Kind.GOLD, author=author
    )
    SegmentVideo.objects.filter(pk=segment_video.pk).update(final=annotation, is_gold=True, is_open=False)
