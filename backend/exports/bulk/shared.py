"""What both HACS clip loaders (PostgreSQL and batched) share: tallies, refusals, media tasks."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterable, Iterator

from tqdm import tqdm

from backend.catalog.models import ActionClass, Project
from backend.exports.hacs import (
    ImportFileError,
    Row,
)

log = logging.getLogger("actionloom.exports")

CHUNK = 50_000  # staging rows per INSERT … SELECT: small enough for a lively progress bar, big enough to be cheap
BATCH = 2_000  # rows per bulk_create / IN (…) on SQLite


class _Video:
    """What the file says about one video: its first row's subset and class, the latest clip end, rows."""

    __slots__ = ("vno", "subset", "class_id", "duration", "first_line", "rows")

    def __init__(self, vno: int, row: Row, class_id: int) -> None:
        self.vno, self.subset, self.class_id = vno, row.subset, class_id
        self.duration, self.first_line, self.rows = row.end, row.line, 0


class _Tally:
    """Per video of the file, in order of first appearance; the first row that gives a video a second subset."""

    def __init__(self) -> None:
        self.videos: dict[str, _Video] = {}
        self.conflict: tuple[int, str] | None = None

    def add(self, row: Row, class_id: int) -> _Video:
        video = self.videos.get(row.youtube_id)
        if video is None:
            video = self.videos[row.youtube_id] = _Video(len(self.videos), row, class_id)
        elif video.subset != row.subset and self.conflict is None:
            self.conflict = (row.line, _subset_conflict(row.youtube_id, video.subset, row.subset))
        if row.end > video.duration:
            video.duration = row.end
        video.rows += 1
        return video


def _subset_conflict(youtube_id: str, subset: str, wanted: str) -> str:
    return f"video {youtube_id!r} is in subset {subset!r}, not {wanted!r}"


def _label_conflict(known: int, label: int) -> str:
    return f"clip already has label {known}, the file says {label}"


def _refuse_first(*conflicts: tuple[int, str] | None) -> None:
    """The row-by-row import stopped at the first bad row: refuse naming the earliest of the conflicts found."""
    found = [c for c in conflicts if c is not None]
    if found:
        line, message = min(found)
        raise ImportFileError(f"line {line}: {message} — nothing was imported")


def _refuse_unknown_gold_videos(project: Project, first: tuple[int, str], rows: int) -> None:
    line, youtube_id = first
    raise ImportFileError(
        f"line {line}: gold clips need the video {youtube_id!r} in project {project.name!r} "
        f"({rows} rows refer to unknown videos) — nothing was imported"
    )


def _publish_media_tasks(clip_ids: Iterable[int]) -> None:
    from backend.clips.tasks import clip_media_cut_task
    from backend.core.tasks import task_publish_on_commit

    for pk in clip_ids:
        task_publish_on_commit(clip_media_cut_task, pk)


def _class_ids() -> dict[str, int]:
    return dict(ActionClass.objects.filter(is_leaf=True).values_list("name", "pk"))


class _LineReader(io.TextIOBase):
    """A file for psycopg2's copy_expert over an iterator of lines. An exception of the iterator (a refused
    file) ends the COPY cleanly and is raised again by `reraise()`, so it is the error the caller sees."""

    def __init__(self, lines: Iterator[str], bar: tqdm | None = None) -> None:
        self._lines, self._bar, self.error = lines, bar, None

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> str:
        out, length, count = [], 0, 0
        try:
            for line in self._lines:
                out.append(line)
                length += len(line)
                count += 1
                if 0 < size <= length:
                    break
        except Exception as exc:  # noqa: BLE001 — kept and raised again once COPY has ended
            self.error = exc
        if self._bar is not None:
            self._bar.update(count)
        return "".join(out)

    def reraise(self) -> None:
        if self.error is not None:
            raise self.error
