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


# --- import: write ---------------------------------------------------------------------------------------------------


def import_videos(*, videos: list[ParsedVideo], project: Project, gold: bool = False, author=None) -> dict:
    """Write checked videos in one transaction; any conflict raises ImportFileError and nothing is written.

    Plain import: each video gets an imported annotation that is its final answer (a video already answered with the
    same segments is counted unchanged; with other segments, refused). ``gold``: the segments become the reference of
    a video already in the project with its file, which then serves as a hidden check in the timeline queue.
    Videos new to the project need at least one annotation (its label is the video's class).
    """
    from backend.segments.media import segment_media_queue
    from backend.segments.services import segment_settings_get

    classes = {c.name: c for c in ActionClass.objects.filter(name__in={a[0] for v in videos for a in v.annotations})}
    counts = {"videos": 0, "annotations": 0, "segments": 0, "unchanged": 0, "skipped": 0}
    required = segment_settings_get(project=project).annotators_per_video
    with transaction.atomic():
        known = {
            v.external_id: v
            for v in Video.objects.filter(project=project, external_id__in=[p.video_id for p in videos])
        }
        for parsed in videos:
            video = known.get(parsed.video_id)
            if video is None and gold:
                _fail(parsed.path, f"gold segments need this video in project {project.name!r} (ingest it first)")
            if video is None and not parsed.annotations:
                counts["skipped"] += (
                    1  # e.g. the testing subset of ActivityNet: no labels, so no class to file it under
                )
                continue
            if video is None:
                video = Video.objects.create(
                    project=project,
                    external_id=parsed.video_id,
                    subset=parsed.subset,
                    duration=parsed.duration,
                    source_url=parsed.url,
                    query_class=classes[parsed.annotations[0][0]],
                )
                counts["videos"] += 1
            elif video.subset != parsed.subset:
                _fail(
                    f"{parsed.path}.subset",
                    f"video is in subset {video.subset!r} here, the file says {parsed.subset!r}",
                )
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
    if not parsed.annotations:
        _fail(f"{parsed.path}.annotations", "an empty list would say nothing about this video")
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
