"""Importing a release file, the one path shared by the commands (import_clips, import_segments) and the admin's
import API (a Celery task, backend/exports/tasks.py).

Each function checks the whole file and writes it in one transaction, or raises ImportFileError naming the line(s)
or path(s) at fault and writes nothing (with ``create_classes``, the new classes are taken back too). It returns
the counts and a one-line summary a person reads.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from django.db import connection, transaction

from backend.catalog.models import Project
from backend.core.errors import ImportFileError
from backend.exports import activitynet, bulk, hacs
from backend.exports.bulk.load import _count_lines
from backend.exports.classes import classes_create_unknown, classes_refuse_unknown, segment_labels

KINDS = ("clips", "segments")
PROGRESS_EVERY = 2000  # rows between two progress reports of a clips import

# on_progress(stage, fraction 0..1): where an import is, for a job's progress bar
Progress = Callable[[str, float], None]


@dataclass(frozen=True)
class ImportResult:
    counts: dict
    created_classes: list[str]
    summary: str


def _check_parent(*, parent: str | None, create_classes: bool) -> None:
    if parent is not None and not create_classes:
        raise ImportFileError(
            "parent only says where create-classes puts new classes: ask for create-classes too", field="parent"
        )


def clips_file_import(
    *,
    path: Path,
    project: Project,
    gold: bool = False,
    on_conflict: str | None = None,
    create_classes: bool = False,
    parent: str | None = None,
    progress_bar: bool = False,
    on_progress: Progress | None = None,
) -> ImportResult:
    """Import a HACS Clips CSV or hacs-json file (consensus labels, or with ``gold`` a golden set)."""
    _check_parent(parent=parent, create_classes=create_classes)
    if on_conflict is not None and on_conflict not in hacs.ON_CONFLICT:
        raise ImportFileError(f"on-conflict must be one of {', '.join(hacs.ON_CONFLICT)}", field="on_conflict")
    created = []
    try:
        # With create_classes the new classes and the rows are one transaction: a refused file takes them back.
        with transaction.atomic() if create_classes else contextlib.nullcontext():
            if create_classes:
                with path.open(encoding="utf-8-sig", newline="") as fh:
                    names = hacs.class_names(fh)
                created = classes_create_unknown({name: f"line {line}" for name, line in names.items()}, parent=parent)
            counts = _clips_load(
                path=path, project=project, gold=gold, on_conflict=on_conflict, bar=progress_bar, report=on_progress
            )
    except UnicodeDecodeError:
        # The file streams, so the decoder's position is within a chunk: name the byte as a whole read does.
        try:
            path.read_bytes().decode("utf-8-sig")
            position = "a byte"
        except UnicodeDecodeError as exc:
            position = f"byte {exc.start}"
        raise ImportFileError(
            f"not UTF-8 text (a binary file?): {position} cannot be decoded — nothing was imported"
        ) from None
    summary = (
        f"imported {counts['rows']} rows: {counts['clips']} new clips, {counts['videos']} new videos, "
        f"{counts['unchanged']} already present, {counts['repeated']} repeated rows stored once"
    )
    if counts["overridden"]:
        summary += f", {counts['overridden']} conflicting rows left out (on-conflict {on_conflict})"
    if created:
        summary += f"; new classes: {', '.join(c.name for c in created)}"
    return ImportResult(counts=counts, created_classes=[c.name for c in created], summary=summary)


def _clips_load(
    *, path: Path, project: Project, gold: bool, on_conflict: str | None, bar: bool, report: Progress | None
) -> dict:
    if report is None:
        return bulk.clips_import_file(path=path, project=project, gold=gold, progress=bar, on_conflict=on_conflict)
    total = max(1, _count_lines(path))
    checker = hacs.RowChecker()
    # On PostgreSQL the rows stream into a COPY on the import's own connection, which can run no other statement
    # until the COPY ends: the job's row is not updated while they stream (its bar moves at the stages' ends).
    streamed_into_copy = connection.vendor == "postgresql"

    def counted(rows: Iterable[hacs.Row]) -> Iterator[hacs.Row]:
        for n, row in enumerate(rows, 1):
            if n % PROGRESS_EVERY == 0 and not streamed_into_copy:
                report("checking", 0.8 * min(n / total, 1.0))  # the last fifth is the writing
            yield row

    with path.open(encoding="utf-8-sig", newline="") as fh:  # -sig: a leading byte-order mark is dropped
        rows = counted(checker.rows(hacs.records(fh)))
        return bulk.clips_load(
            rows=rows, project=project, gold=gold, problems=checker.problems, on_conflict=on_conflict
        )


def segments_file_import(
    *,
    path: Path,
    project: Project,
    gold: bool = False,
    update_durations: bool = False,
    create_classes: bool = False,
    parent: str | None = None,
    on_progress: Progress | None = None,
) -> ImportResult:
    """Import an ActivityNet-style (or HACS Segments) file; with ``gold``, reference segments of known videos."""
    _check_parent(parent=parent, create_classes=create_classes)
    report = on_progress or (lambda stage, fraction: None)
    report("reading", 0.0)
    try:
        with path.open(encoding="utf-8") as fh:
            data = json.load(fh)
    except UnicodeDecodeError as exc:
        raise ImportFileError(f"not UTF-8 text (a binary file?): {exc} — nothing was imported") from None
    except json.JSONDecodeError as exc:
        raise ImportFileError(f"line {exc.lineno}: not valid JSON ({exc.msg}) — nothing was imported") from None
    except RecursionError:
        raise ImportFileError("the JSON is nested too deeply to be segments — nothing was imported") from None
    created = []
    try:
        report("checking", 0.3)
        # With create_classes the new classes and the segments are one transaction: a refused file takes them back.
        with transaction.atomic() if create_classes else contextlib.nullcontext():
            if create_classes:
                created = classes_create_unknown(segment_labels(data), parent=parent)
            else:
                classes_refuse_unknown(segment_labels(data))
            videos = activitynet.parse(data)
            del data  # the parsed videos hold what is needed; the loaded JSON is as big again
            report("writing", 0.6)
            counts = activitynet.import_videos(
                videos=videos, project=project, gold=gold, update_durations=update_durations
            )
    except RecursionError:  # a value nested just under json's limit, met again while checking or quoting it
        raise ImportFileError("the JSON is nested too deeply to be segments — nothing was imported") from None
    summary = (
        f"imported {len(videos)} videos: {counts['annotations']} {'gold ' if gold else ''}annotations with "
        f"{counts['segments']} segments, {counts['videos']} new videos, {counts['unchanged']} already present, "
        f"{counts['empty']} without segments, {counts['durations']} durations stored"
    )
    if created:
        summary += f"; new classes: {', '.join(c.name for c in created)}"
    return ImportResult(
        counts={**counts, "videos_in_file": len(videos)}, created_classes=[c.name for c in created], summary=summary
    )
