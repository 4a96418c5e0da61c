"""Bulk writing of checked HACS rows: a HACS-size file (1.55M clips, 504K videos) in one transaction.

PostgreSQL: the checked rows stream through COPY into temporary staging tables; INSERT … SELECT then writes
catalog_video, clips_clip and clips_consensusresult (or quality_goldanswer) with ON CONFLICT handling, chunk by
chunk so the progress bar moves. SQLite (the embedded default): the same checks, then batched bulk_create. Both
write the same rows as the row-by-row import they replace. Which of the two runs is decided in `clips_load`, the
only place in the code that looks at the database vendor.

The checks themselves are hacs.py's. What is checked here needs the whole file or the database: duplicate rows,
a video given two subsets, gold rows of unknown videos, and a clip whose stored label the file contradicts.
"""

from __future__ import annotations

import csv
import io
import logging
import sys
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction
from django.utils import timezone
from tqdm import tqdm

from backend.catalog.models import ActionClass, Project, Video
from backend.clips.models import Clip, ConsensusResult
from backend.exports.hacs import (
    MAX_REPORTED,
    ImportFileError,
    Problems,
    Row,
    RowChecker,
    _youtube_url,
    duplicate_lines,
    records,
)
from backend.quality.models import GoldAnswer

log = logging.getLogger("actionloom.exports")

CHUNK = 50_000  # staging rows per INSERT … SELECT: small enough for a lively progress bar, big enough to be cheap
BATCH = 2_000  # rows per bulk_create / IN (…) on SQLite


def clips_import_file(*, path: Path, project: Project, gold: bool = False, author=None,
                      progress: bool = False) -> dict:
    """Check and import a HACS CSV/JSON file, streaming it: the rows are never all in memory (CSV).

    Raises ImportFileError (nothing written) and UnicodeDecodeError for a file that is not UTF-8.
    """
    total = _count_lines(path) if progress else None
    checker = RowChecker()
    with path.open(encoding="utf-8-sig", newline="") as fh:  # -sig: a leading byte-order mark is dropped
        return clips_load(rows=checker.rows(records(fh)), project=project, gold=gold, author=author,
                          problems=checker.problems, total=total, progress=progress)


def clips_load(*, rows: Iterable[Row], project: Project, gold: bool = False, author=None,
               problems: Problems | None = None, total: int | None = None, progress: bool = False) -> dict:
    """Write checked rows in one transaction: videos by external id, clips, consensus (or gold) answers.

    `rows` may be a stream whose checker reports into `problems`: they are raised (nothing written) once the
    stream is consumed. Returns counts: rows, videos (new), clips (new), unchanged (already there, same label).
    """
    problems = problems or Problems()
    bar = tqdm(total=total, unit=" rows", desc="checking", disable=not progress, file=sys.stderr, mininterval=0.5)
    try:
        if connection.vendor == "postgresql":
            return _PostgresLoad(project=project, gold=gold, author=author, bar=bar, progress=progress).run(
                rows, problems)
        return _BatchedLoad(project=project, gold=gold, author=author, bar=bar).run(rows, problems)
    finally:
        bar.close()


def _count_lines(path: Path) -> int:
    with path.open("rb") as fh:
        return max(0, sum(chunk.count(b"\n") for chunk in iter(lambda: fh.read(1 << 20), b"")) - 1)


# --- what both loaders share --------------------------------------------------------------------------------


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
    raise ImportFileError(f"line {line}: gold clips need the video {youtube_id!r} in project {project.name!r} "
                          f"({rows} rows refer to unknown videos) — nothing was imported")


def _publish_media_tasks(clip_ids: Iterable[int]) -> None:
    from backend.clips.tasks import clip_media_cut_task
    from backend.config.celery import task_publish_on_commit

    for pk in clip_ids:
        task_publish_on_commit(clip_media_cut_task, pk)


def _class_ids() -> dict[str, int]:
    return dict(ActionClass.objects.filter(is_leaf=True).values_list("name", "pk"))


# --- PostgreSQL: COPY into staging, INSERT … SELECT ---------------------------------------------------------


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


class _PostgresLoad:
    def __init__(self, *, project: Project, gold: bool, author, bar: tqdm, progress: bool) -> None:
        self.project, self.gold, self.author, self.bar, self.progress = project, gold, author, bar, progress
        self.now = timezone.now()
        self.seconds: dict[str, float] = {}  # per stage, logged: where the time of a big import goes
        self._clock = time.perf_counter()

    def _lap(self, stage: str) -> None:
        now = time.perf_counter()
        self.seconds[stage] = self.seconds.get(stage, 0.0) + now - self._clock
        self._clock = now

    def run(self, rows: Iterable[Row], problems: Problems) -> dict:
        class_ids, tally = _class_ids(), _Tally()

        def staged_lines() -> Iterator[str]:
            for row in rows:
                class_id = class_ids[row.classname]
                video = tally.add(row, class_id)
                yield f"{row.line},{video.vno},{class_id},{row.start!r},{row.end!r},{row.label}\n"

        with transaction.atomic(), connection.cursor() as cur:
            # Large hash aggregates and joins stay in memory; only for this transaction.
            cur.execute("SET LOCAL work_mem = '256MB'")
            self._create_staging(cur)
            self._copy(cur, "import_row", staged_lines(), self.bar)
            self._lap("check+copy")
            self._duplicates(cur, problems)
            self._lap("duplicates")
            problems.raise_if_any()
            if not tally.videos:
                raise ImportFileError("the file has no rows — nothing was imported")
            self._stage_videos(cur, tally)
            if self.gold:
                cur.execute("SELECT first_line, external_id, sum(n_rows) OVER () FROM import_video "
                            "WHERE db_id IS NULL ORDER BY first_line LIMIT 1")
                unknown = cur.fetchone()
                if unknown:
                    _refuse_unknown_gold_videos(self.project, (unknown[0], unknown[1]), unknown[2])
            self._stage_clips(cur)
            self._lap("staging")
            fk_names = self._foreign_keys(cur)
            # Check foreign keys as each chunk is written, not all at commit: the bar then shows where time goes.
            cur.execute(f"SET CONSTRAINTS {fk_names} IMMEDIATE")
            created = self._old_video_clips(cur)
            _refuse_first(tally.conflict, self._db_subset_conflict(cur), self._label_conflict(cur))
            self._lap("existing videos")
            counts = {"rows": sum(v.rows for v in tally.videos.values()), "videos": self._write_videos(cur)}
            self._lap("videos")
            counts["clips"] = created + self._write_new_video_clips(cur)
            self._lap("clips")
            if self.gold:
                self._write_gold(cur)
                counts["unchanged"] = 0
            else:
                counts["unchanged"] = self._write_consensus(cur)
            self._lap("labels")
            cur.execute(f"SET CONSTRAINTS {fk_names} DEFERRED")  # as Django declares them, for the caller's rest
            cur.execute("DROP TABLE import_row, import_video, import_clip")
        self._lap("commit")
        log.info("bulk import of %d rows: %s", counts["rows"],
                 ", ".join(f"{stage} {sec:.1f} s" for stage, sec in self.seconds.items()))
        return counts

    # staging

    def _create_staging(self, cur) -> None:
        # ON COMMIT DROP ends them with the transaction; dropped first in case an enclosing transaction (a test)
        # has seen an earlier import.
        cur.execute("DROP TABLE IF EXISTS pg_temp.import_row, pg_temp.import_video, pg_temp.import_clip")
        cur.execute('CREATE TEMP TABLE import_row (line integer, vno integer, class_id bigint, start float8, '
                    '"end" float8, label smallint) ON COMMIT DROP')

    def _copy(self, cur, table: str, lines: Iterator[str], bar: tqdm | None = None, not_null: tuple = ()) -> None:
        reader = _LineReader(lines, bar)
        # FORCE_NOT_NULL: an empty text is '' (an empty source_url), not NULL as CSV would have it.
        options = f", FORCE_NOT_NULL ({', '.join(not_null)})" if not_null else ""
        cur.copy_expert(f"COPY {table} FROM STDIN WITH (FORMAT csv{options})", reader, size=1 << 16)
        reader.reraise()
        cur.execute(f"ANALYZE {table}")  # temporary tables are never analysed by autovacuum

    def _duplicates(self, cur, problems: Problems) -> None:
        cur.execute('''
            SELECT r.line, d.first_line, count(*) OVER () FROM import_row r JOIN (
                SELECT vno, class_id, start, "end", min(line) AS first_line FROM import_row
                GROUP BY vno, class_id, start, "end" HAVING count(*) > 1
            ) d USING (vno, class_id, start, "end")
            WHERE r.line > d.first_line ORDER BY r.line LIMIT %s''', [MAX_REPORTED])
        found = cur.fetchall()
        for line, first, _ in found:
            problems.add(line, f"duplicate of line {first}")
        if found:
            problems.count += found[0][2] - len(found)  # counted, not named

    def _stage_videos(self, cur, tally: _Tally) -> None:
        cur.execute("CREATE TEMP TABLE import_video_file (vno integer, external_id text, subset text, "
                    "class_id bigint, duration float8, source_url text, first_line integer, n_rows integer) "
                    "ON COMMIT DROP")
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")

        def lines() -> Iterator[str]:
            for external_id, v in tally.videos.items():
                writer.writerow((v.vno, external_id, v.subset, v.class_id, repr(v.duration),
                                 _youtube_url(external_id), v.first_line, v.rows))
                yield out.getvalue()
                out.seek(0)
                out.truncate()

        self._copy(cur, "import_video_file", lines(), not_null=("source_url",))
        # A new video's id comes from the table's own sequence now, so its clips can be written without a join.
        cur.execute(f'''
            CREATE TEMP TABLE import_video ON COMMIT DROP AS
            SELECT f.*, v.id AS db_id, v.subset AS db_subset, v.duration AS db_duration,
                   coalesce(v.file <> '', false) AS has_file,
                   coalesce(v.id, nextval(pg_get_serial_sequence('{Video._meta.db_table}', 'id'))) AS video_id
            FROM import_video_file f
            LEFT JOIN {Video._meta.db_table} v ON v.project_id = %s AND v.external_id = f.external_id''',
                    [self.project.pk])
        cur.execute("DROP TABLE import_video_file")
        cur.execute("CREATE INDEX ON import_video USING brin (video_id)")
        cur.execute("ANALYZE import_video")

    def _stage_clips(self, cur) -> None:
        # new_id: the clip's id if it is new, drawn from the table's sequence in staging order (so chunks by
        # new_id are chunks of the file); clip_id: the id it ends up with (an existing clip's, if there is one).
        cur.execute(f'''
            CREATE TEMP TABLE import_clip ON COMMIT DROP AS
            SELECT r.line, r.class_id, r.start, r."end", r.label, v.video_id, v.db_id IS NOT NULL AS old_video,
                   v.has_file, nextval(pg_get_serial_sequence('{Clip._meta.db_table}', 'id')) AS new_id,
                   NULL::bigint AS clip_id, false AS existed, NULL::smallint AS known
            FROM import_row r JOIN import_video v USING (vno)''')
        cur.execute("CREATE INDEX ON import_clip USING brin (new_id)")
        cur.execute("ANALYZE import_clip")

    def _foreign_keys(self, cur) -> str:
        names = []
        for model in (Video, Clip, ConsensusResult, GoldAnswer):
            constraints = connection.introspection.get_constraints(cur, model._meta.db_table)
            names += [connection.ops.quote_name(n) for n, c in constraints.items() if c["foreign_key"]]
        return ", ".join(sorted(names))

    # checks that need the database

    def _old_video_clips(self, cur) -> int:
        """Rows of videos already in the project: write their clips unless there (ON CONFLICT), then note which
        clip each row is and the label it already has (gold first, as the consensus rule reads it)."""
        cur.execute("SELECT EXISTS (SELECT 1 FROM import_video WHERE db_id IS NOT NULL)")
        if not cur.fetchone()[0]:
            return 0
        cur.execute(*self._insert_clips("old_video"))
        created = cur.rowcount
        clip, gold, consensus = Clip._meta.db_table, GoldAnswer._meta.db_table, ConsensusResult._meta.db_table
        cur.execute(f'''
            UPDATE import_clip i SET clip_id = c.id, existed = c.id <> i.new_id, known = coalesce(g.value, cr.value)
            FROM {clip} c LEFT JOIN {gold} g ON g.clip_id = c.id LEFT JOIN {consensus} cr ON cr.clip_id = c.id
            WHERE i.old_video AND c.video_id = i.video_id AND c.action_class_id = i.class_id
              AND c.start = i.start AND c."end" = i."end"''')
        return created

    def _db_subset_conflict(self, cur) -> tuple[int, str] | None:
        cur.execute("SELECT first_line, external_id, db_subset, subset FROM import_video "
                    "WHERE db_id IS NOT NULL AND db_subset <> subset ORDER BY first_line LIMIT 1")
        found = cur.fetchone()
        return (found[0], _subset_conflict(*found[1:])) if found else None

    def _label_conflict(self, cur) -> tuple[int, str] | None:
        if self.gold:
            return None
        cur.execute("SELECT line, known, label FROM import_clip WHERE known IS NOT NULL AND known <> label "
                    "ORDER BY line LIMIT 1")
        found = cur.fetchone()
        return (found[0], _label_conflict(found[1], found[2])) if found else None

    # writes

    def _chunked(self, cur, sql: str, params: list, *, table: str, key: str, where: str, desc: str) -> int:
        """Run `sql` (whose WHERE ends in `{chunk}`) over `table` in CHUNK-wide ranges of `key`; rows written."""
        cur.execute(f"SELECT min({key}), max({key}), count(*) FROM {table} WHERE {where}")
        low, high, count = cur.fetchone()
        written = 0
        with tqdm(total=count, unit=" rows", desc=desc, disable=not self.progress, file=sys.stderr,
                  mininterval=0.5) as bar:
            for start in range(low or 0, (high or -1) + 1, CHUNK):
                cur.execute(sql.format(chunk=f"AND {key} >= %s AND {key} < %s"), [*params, start, start + CHUNK])
                written += cur.rowcount
                bar.update(cur.rowcount)
        return written

    def _insert_select(self, model, given: dict[str, str], constants: dict[str, object]) -> tuple[str, str, list]:
        """Columns and SELECT list of an INSERT … SELECT into `model`: `given` (column → SQL over the staging
        table), `constants` (column → value), every other column at its model default — so a field added later
        with a default needs no change here."""
        columns, exprs, params = [], [], []
        for field in model._meta.concrete_fields:
            column = field.column
            if column in given:
                expr = given[column]
            elif field.primary_key:
                continue
            elif column in constants or getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
                expr, value = "%s", constants.get(column, self.now)
                params.append(field.get_db_prep_save(value, connection))
            elif field.unique or not (field.has_default() or field.null or field.empty_strings_allowed):
                raise ImproperlyConfigured(f"bulk import: no value for {model.__name__}.{field.name}")
            else:
                expr = "%s"
                params.append(field.get_db_prep_save(field.get_default(), connection))
            columns.append(connection.ops.quote_name(column))
            exprs.append(expr)
        return ", ".join(columns), ", ".join(exprs), params

    def _insert_clips(self, which: str) -> tuple[str, list]:
        columns, exprs, params = self._insert_select(
            Clip,
            given={"id": "new_id", "uid": "gen_random_uuid()", "video_id": "video_id", "action_class_id": "class_id",
                   "start": "start", "end": '"end"',
                   "media_state": f"CASE WHEN has_file THEN '{Clip.MediaState.PENDING}' "
                                  f"ELSE '{Clip.MediaState.NONE}' END"},
            constants={"method": Clip.Method.IMPORTED, "is_open": self.gold},
        )
        # Rows of new videos cannot meet an existing clip (nobody else sees the video yet); old videos' can.
        conflict = 'ON CONFLICT (video_id, action_class_id, start, "end") DO NOTHING'
        if which == "old_video":
            return f"INSERT INTO {Clip._meta.db_table} ({columns}) SELECT {exprs} FROM import_clip " \
                   f"WHERE old_video ORDER BY new_id {conflict}", params
        return f"INSERT INTO {Clip._meta.db_table} ({columns}) SELECT {exprs} FROM import_clip " \
               f"WHERE NOT old_video {{chunk}} ORDER BY new_id {conflict}", params

    def _write_videos(self, cur) -> int:
        columns, exprs, params = self._insert_select(
            Video,
            given={"id": "video_id", "uid": "gen_random_uuid()", "external_id": "external_id",
                   "source_url": "source_url", "query_class_id": "class_id", "subset": "subset",
                   "duration": "duration"},
            constants={"project_id": self.project.pk},
        )
        sql = (f"INSERT INTO {Video._meta.db_table} ({columns}) SELECT {exprs} FROM import_video "
               "WHERE db_id IS NULL {chunk} ORDER BY video_id ON CONFLICT (project_id, external_id) DO NOTHING")
        written = self._chunked(cur, sql, params, table="import_video", key="video_id", where="db_id IS NULL",
                                desc="videos")
        cur.execute("SELECT count(*) FROM import_video WHERE db_id IS NULL")
        if written != cur.fetchone()[0]:  # another import added one of these videos meanwhile
            raise ImportFileError("videos of this file were added to the project while it was being imported; "
                                  "run the import again — nothing was imported")
        # A video without a local file is as long as its latest clip says (as the row-by-row import did).
        cur.execute(f"UPDATE {Video._meta.db_table} v SET duration = i.duration FROM import_video i "
                    "WHERE v.id = i.db_id AND NOT i.has_file AND i.duration > i.db_duration")
        return written

    def _write_new_video_clips(self, cur) -> int:
        sql, params = self._insert_clips("new_video")
        return self._chunked(cur, sql, params, table="import_clip", key="new_id", where="NOT old_video",
                             desc="clips")

    def _write_consensus(self, cur) -> int:
        """Consensus rows for clips without a label; an existing clip that gets one is closed. Returns how many
        rows were already there with the same label."""
        columns, exprs, params = self._insert_select(
            ConsensusResult, given={"clip_id": "coalesce(clip_id, new_id)", "value": "label"},
            constants={"mode": "imported", "n_labels": 0, "unanimous": True},
        )
        sql = (f"INSERT INTO {ConsensusResult._meta.db_table} ({columns}) SELECT {exprs} FROM import_clip "
               "WHERE known IS NULL {chunk} ON CONFLICT (clip_id) DO NOTHING")
        self._chunked(cur, sql, params, table="import_clip", key="new_id", where="known IS NULL", desc="labels")
        cur.execute(f"UPDATE {Clip._meta.db_table} SET is_open = false "
                    "WHERE id IN (SELECT clip_id FROM import_clip WHERE existed AND known IS NULL)")
        cur.execute("SELECT count(*) FROM import_clip WHERE known IS NOT NULL")
        return cur.fetchone()[0]

    def _write_gold(self, cur) -> None:
        columns, exprs, params = self._insert_select(
            GoldAnswer, given={"clip_id": "clip_id", "value": "label"},
            constants={"author_id": self.author.pk if self.author else None},
        )
        cur.execute(f"INSERT INTO {GoldAnswer._meta.db_table} ({columns}) SELECT {exprs} FROM import_clip "
                    "ON CONFLICT (clip_id) DO UPDATE SET value = EXCLUDED.value, author_id = EXCLUDED.author_id",
                    params)
        cur.execute("SELECT clip_id FROM import_clip WHERE NOT existed AND has_file ORDER BY line")
        _publish_media_tasks(pk for (pk,) in cur.fetchall())


# --- SQLite (and any other database): batched bulk_create ---------------------------------------------------


def _batches(items: list, size: int = BATCH) -> Iterator[list]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


class _BatchedLoad:
    def __init__(self, *, project: Project, gold: bool, author, bar: tqdm) -> None:
        self.project, self.gold, self.author, self.bar = project, gold, author, bar

    def run(self, rows: Iterable[Row], problems: Problems) -> dict:
        class_ids, tally, kept = _class_ids(), _Tally(), []
        for row in rows:
            class_id = class_ids[row.classname]
            tally.add(row, class_id)
            kept.append((row, class_id))
            self.bar.update()
        for line, first in duplicate_lines(row for row, _ in kept):
            problems.add(line, f"duplicate of line {first}")
        problems.raise_if_any()
        if not kept:
            raise ImportFileError("the file has no rows — nothing was imported")
        with transaction.atomic():
            videos: dict[str, Video] = {}
            for batch in _batches(list(tally.videos)):
                videos.update((v.external_id, v) for v in Video.objects.filter(project=self.project,
                                                                               external_id__in=batch))
            if self.gold:
                unknown = [(v.first_line, ext) for ext, v in tally.videos.items() if ext not in videos]
                if unknown:
                    rows_unknown = sum(tally.videos[ext].rows for _, ext in unknown)
                    _refuse_unknown_gold_videos(self.project, min(unknown), rows_unknown)
            old = {v.pk for v in videos.values()}
            clips = self._existing_clips(old)
            db_subset = min(((tally.videos[ext].first_line, _subset_conflict(ext, v.subset, tally.videos[ext].subset))
                             for ext, v in videos.items() if v.subset != tally.videos[ext].subset), default=None)
            label = None
            if not self.gold:
                label = min(((row.line, _label_conflict(hit[1], row.label)) for row, class_id in kept
                             if (hit := clips.get(self._span(videos, row, class_id))) and hit[1] is not None
                             and hit[1] != row.label), default=None)
            _refuse_first(tally.conflict, db_subset, label)
            new_videos = self._write_videos(tally, videos)
            return {"rows": len(kept), "videos": new_videos, **self._write_clips(kept, videos, clips, old)}

    @staticmethod
    def _span(videos: dict[str, Video], row: Row, class_id: int) -> tuple:
        video = videos.get(row.youtube_id)
        return (video.pk if video else None, class_id, row.start, row.end)

    def _existing_clips(self, video_ids: set[int]) -> dict[tuple, tuple[int, int | None]]:
        """(video, class, start, end) → (clip id, the label it has: gold first, as the consensus rule reads it)."""
        out = {}
        for batch in _batches(sorted(video_ids)):
            for pk, video, cls, start, end, gold, consensus in Clip.objects.filter(video_id__in=batch).values_list(
                    "pk", "video_id", "action_class_id", "start", "end", "gold__value", "consensus__value"):
                out[(video, cls, start, end)] = (pk, gold if gold is not None else consensus)
        return out

    def _write_videos(self, tally: _Tally, videos: dict[str, Video]) -> int:
        new = [Video(project=self.project, external_id=ext, subset=v.subset, query_class_id=v.class_id,
                     duration=v.duration, source_url=_youtube_url(ext))
               for ext, v in tally.videos.items() if ext not in videos]
        Video.objects.bulk_create(new, batch_size=BATCH)
        longer = [v for ext, v in videos.items() if not v.file and tally.videos[ext].duration > v.duration]
        for video in longer:
            video.duration = tally.videos[video.external_id].duration
        Video.objects.bulk_update(longer, ["duration"], batch_size=BATCH)
        videos.update((v.external_id, v) for v in new)
        return len(new)

    def _write_clips(self, kept: list[tuple[Row, int]], videos: dict[str, Video],
                     clips: dict[tuple, tuple[int, int | None]], old: set[int]) -> dict:
        new: list[tuple[Clip, Row]] = []
        answer: list[tuple[int, Row]] = []  # (existing clip id, row) that gets a consensus or gold answer
        unchanged = 0
        for row, class_id in kept:
            video = videos[row.youtube_id]
            hit = clips.get((video.pk, class_id, row.start, row.end)) if video.pk in old else None
            if hit is None:
                state = Clip.MediaState.PENDING if video.file else Clip.MediaState.NONE
                new.append((Clip(video=video, action_class_id=class_id, start=row.start, end=row.end,
                                 method=Clip.Method.IMPORTED, is_open=self.gold, media_state=state), row))
            elif self.gold or hit[1] is None:
                answer.append((hit[0], row))
            else:
                unchanged += 1
        Clip.objects.bulk_create([clip for clip, _ in new], batch_size=BATCH)
        targets = [(clip.pk, row) for clip, row in new] + answer
        if self.gold:
            GoldAnswer.objects.bulk_create(
                [GoldAnswer(clip_id=pk, value=row.label, author=self.author) for pk, row in targets],
                batch_size=BATCH, update_conflicts=True, unique_fields=["clip"], update_fields=["value", "author"])
            _publish_media_tasks(clip.pk for clip, _ in new if clip.video.file)
        else:
            ConsensusResult.objects.bulk_create(
                [ConsensusResult(clip_id=pk, value=row.label, mode="imported", n_labels=0, unanimous=True)
                 for pk, row in targets], batch_size=BATCH)
            for batch in _batches([pk for pk, _ in answer]):
                Clip.objects.filter(pk__in=batch).update(is_open=False)
        return {"clips": len(new), "unchanged": unchanged}
