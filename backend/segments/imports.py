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


BATCH = 2000  # ids per IN (…) and rows per bulk write (SQLite's limit on query parameters)
# Only the columns the checks and writes read: a re-import of 10,000 known videos spent a third of its time building
# full model instances (JSON fields decoded, every column converted) it never looked at (issue 13).
_KNOWN_VIDEOS = Video.objects.only("pk", "external_id", "subset", "duration", "fps", "file", "query_class_id")
_SEGMENT_VIDEOS = SegmentVideo.objects.select_related("final").only(
    "pk", "video_id", "is_open", "is_gold", "final_id", "final__status"
)


def _batches(items: list, size: int = BATCH):
    for i in range(0, len(items), size):
        yield items[i : i + size]


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

    Set-based (issue 13: video by video, 49,581 videos took 135 s): the project's rows for the file's videos are read
    in batches, every check runs over them in memory in file order (the first bad video is the one named, as before),
    then each table is written with a few bulk statements. A re-import with nothing new writes nothing.
    """
    from backend.catalog.services import taxonomy_root

    classes = {c.name: c for c in ActionClass.objects.filter(name__in={a[0] for v in videos for a in v.annotations})}
    counts = {"videos": 0, "annotations": 0, "segments": 0, "unchanged": 0, "empty": 0, "durations": 0}
    with transaction.atomic():
        known: dict[str, Video] = {}
        for batch in _batches([p.video_id for p in videos]):
            known.update((v.external_id, v) for v in _KNOWN_VIDEOS.filter(project=project, external_id__in=batch))
        durations = _check_durations(videos=videos, known=known, update_durations=update_durations)
        root = None
        if any(p.video_id not in known and not p.annotations for p in videos):
            root = taxonomy_root()
        segment_videos = _segment_videos(known)
        finals = {} if gold else _final_segments(segment_videos)
        unchanged = _check_against_project(
            videos=videos,
            project=project,
            known=known,
            root=root,
            gold=gold,
            segment_videos=segment_videos,
            finals=finals,
        )
        counts["unchanged"] = len(unchanged)
        counts["durations"] = _write_durations(known=known, durations=durations)
        del finals, durations
        # Written a batch of videos at a time, every check done: the rows made for one batch (videos, segment
        # videos, annotations, segments) are let go before the next, so a first import's memory does not grow with
        # the file (issue 13: 527 MB for 49,581 videos when every object was kept to the end).
        for batch in _batches([p for p in videos if p.video_id not in unchanged]):
            batch_known = {p.video_id: known[p.video_id] for p in batch if p.video_id in known}
            batch_segment_videos = {v.pk: segment_videos[v.pk] for v in batch_known.values() if v.pk in segment_videos}
            counts["videos"] += _write_videos(
                videos=batch, project=project, known=batch_known, classes=classes, root=root
            )
            _write_segment_videos(
                videos=batch,
                project=project,
                known=batch_known,
                classes=classes,
                gold=gold,
                segment_videos=batch_segment_videos,
            )
            _write_annotations(
                videos=batch,
                known=batch_known,
                classes=classes,
                gold=gold,
                author=author,
                segment_videos=batch_segment_videos,
            )
            counts["annotations"] += len(batch)
            counts["segments"] += sum(len(p.annotations) for p in batch)
            counts["empty"] += sum(not p.annotations for p in batch)
    return counts


def _segment_videos(known: dict[str, Video]) -> dict[int, SegmentVideo]:
    """Video id → its SegmentVideo (with the final annotation's id and status), for the file's known videos."""
    out: dict[int, SegmentVideo] = {}
    for batch in _batches([v.pk for v in known.values()]):
        for sv in _SEGMENT_VIDEOS.filter(video_id__in=batch):
            out[sv.video_id] = sv
    return out


def _final_segments(segment_videos: dict[int, SegmentVideo]) -> dict[int, list[tuple[str, float, float]]]:
    """Final annotation id → its segments sorted (class name, start, end), for the submitted finals only."""
    final_ids = [
        sv.final_id
        for sv in segment_videos.values()
        if sv.final is not None and sv.final.status == SegmentAnnotation.Status.SUBMITTED
    ]
    out: dict[int, list[tuple[str, float, float]]] = {pk: [] for pk in final_ids}
    for batch in _batches(final_ids):
        for annotation_id, name, start, end in Segment.objects.filter(annotation_id__in=batch).values_list(
            "annotation_id", "action_class__name", "start", "end"
        ):
            out[annotation_id].append((name, start, end))
    return {pk: sorted(segments) for pk, segments in out.items()}


def _check_against_project(
    *,
    videos: list[ParsedVideo],
    project: Project,
    known: dict[str, Video],
    root: ActionClass | None,
    gold: bool,
    segment_videos: dict[int, SegmentVideo],
    finals: dict[int, list[tuple[str, float, float]]],
) -> set[str]:
    """Refuse the first video (in file order) the project's rows rule out; return the ids of the videos whose final
    answer already is the file's segments (plain import: nothing to write for them)."""
    unchanged = set()
    for parsed in videos:
        video = known.get(parsed.video_id)
        if video is None and gold:
            _fail(parsed.path, f"gold segments need this video in project {project.name!r} (ingest it first)")
        if video is None:
            if not parsed.annotations and root is None:
                _fail(f"{parsed.path}.annotations", "a video without segments needs a taxonomy (load_taxonomy)")
            continue
        if video.subset != parsed.subset:
            _fail(f"{parsed.path}.subset", f"video is in subset {video.subset!r} here, the file says {parsed.subset!r}")
        segment_video = segment_videos.get(video.pk)
        if gold:
            if not video.file:
                _fail(parsed.path, "gold segments need the video's file (it was imported without one)")
            if not parsed.annotations:
                _fail(f"{parsed.path}.annotations", "a gold video needs at least one reference segment")
        elif segment_video is not None and segment_video.final_id is not None:
            if finals.get(segment_video.final_id) != sorted(parsed.annotations):
                _fail(
                    f"{parsed.path}.annotations",
                    "the video already has other final segments here (or was rejected); "
                    "pick in the dashboard instead of importing over them",
                )
            unchanged.add(parsed.video_id)
    return unchanged


def _write_videos(
    *, videos: list[ParsedVideo], project: Project, known: dict[str, Video], classes: dict, root: ActionClass | None
) -> int:
    new = [
        Video(
            project=project,
            external_id=parsed.video_id,
            subset=parsed.subset,
            duration=parsed.duration,
            source_url=parsed.url,
            # no label names the class of a video without segments: filed under the root, never served to annotators
            query_class=classes[parsed.annotations[0][0]] if parsed.annotations else root,
        )
        for parsed in videos
        if parsed.video_id not in known
    ]
    Video.objects.bulk_create(new, batch_size=BATCH)
    known.update((v.external_id, v) for v in new)
    return len(new)


def _write_durations(*, known: dict[str, Video], durations: dict[str, float]) -> int:
    changed = []
    for video_id, duration in durations.items():
        video = known[video_id]
        video.duration = duration
        changed.append(video)
    Video.objects.bulk_update(changed, ["duration"], batch_size=500)
    return len(changed)


def _write_segment_videos(
    *,
    videos: list[ParsedVideo],
    project: Project,
    known: dict[str, Video],
    classes: dict,
    gold: bool,
    segment_videos: dict[int, SegmentVideo],
) -> None:
    from backend.segments.media import segment_media_queue
    from backend.segments.services import segment_settings_get

    required = segment_settings_get(project=project).annotators_per_video
    new = []
    for parsed in videos:
        video = known[parsed.video_id]
        if video.pk not in segment_videos:
            segment_videos[video.pk] = SegmentVideo(
                video=video,
                action_class=classes[parsed.annotations[0][0]] if parsed.annotations else video.query_class,
                required_annotations=required,
                media_state=SegmentVideo.MediaState.NONE,
            )
            new.append(segment_videos[video.pk])
    SegmentVideo.objects.bulk_create(new, batch_size=BATCH)
    if gold:
        for segment_video in new:
            if segment_video.video.file:
                segment_media_queue(segment_video=segment_video)


def _write_annotations(
    *,
    videos: list[ParsedVideo],
    known: dict[str, Video],
    classes: dict,
    gold: bool,
    author,
    segment_videos: dict[int, SegmentVideo],
) -> None:
    """One submitted annotation per video (imported, or gold replacing the active gold one), its segments, and the
    video's final answer pointing at it."""
    from django.utils import timezone

    targets = [segment_videos[known[p.video_id].pk] for p in videos]
    if gold:
        for batch in _batches([sv.pk for sv in targets]):
            SegmentAnnotation.objects.filter(
                segment_video_id__in=batch, kind=SegmentAnnotation.Kind.GOLD, active=True
            ).update(active=False)
    now = timezone.now()
    kind = SegmentAnnotation.Kind.GOLD if gold else SegmentAnnotation.Kind.IMPORTED
    annotations = [
        SegmentAnnotation(
            segment_video=sv,
            annotator=author if gold else None,
            kind=kind,
            status=SegmentAnnotation.Status.SUBMITTED,
            submitted_at=now,
        )
        for sv in targets
    ]
    SegmentAnnotation.objects.bulk_create(annotations, batch_size=BATCH)
    Segment.objects.bulk_create(
        (
            Segment(annotation=annotation, action_class=classes[label], start=start, end=end, position=i)
            for parsed, annotation in zip(videos, annotations, strict=True)
            for i, (label, start, end) in enumerate(parsed.annotations)
        ),
        batch_size=BATCH,
    )
    for sv, annotation in zip(targets, annotations, strict=True):
        sv.final, sv.is_open = annotation, False
        sv.is_gold = sv.is_gold or gold
    SegmentVideo.objects.bulk_update(targets, ["final", "is_open", "is_gold"], batch_size=500)
