"""PostgreSQL: checked rows stream through COPY into staging tables, then INSERT … SELECT, chunk by chunk."""

from __future__ import annotations

import itertools
import sys
import time
from collections.abc import Iterable, Iterator

from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction
from django.utils import timezone
from tqdm import tqdm

from backend.catalog.models import Project, Video
from backend.clips.models import Clip, ConsensusResult, GoldAnswer
from backend.exports.bulk.shared import (
    CHUNK,
    _class_ids,
    _label_conflict,
    _LineReader,
    _publish_media_tasks,
    _refuse_first,
    _refuse_unknown_gold_videos,
    _subset_conflict,
    log,
)
from backend.exports.hacs import (
    YOUTUBE_ID,
    YOUTUBE_WATCH,
    ImportFileError,
    Problems,
    Repeats,
    Row,
)


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

    def run(self, rows: Iterable[Row], problems: Problems, repeats: Repeats) -> dict:
        """Stream the checked rows into staging, then do every per-video and per-clip step in SQL: Python keeps no
        entry per row or per video, so memory stays flat whatever the file's size (issue 13)."""
        class_ids, n_rows = _class_ids(), 0

        def staged_lines() -> Iterator[str]:
            nonlocal n_rows
            for row in rows:
                n_rows += 1
                # The video id is the one free text: quoted for CSV (a quote doubled), so any character passes.
                youtube_id = row.youtube_id.replace('"', '""')
                yield (
                    f'{row.line},"{youtube_id}",{row.subset},{class_ids[row.classname]},{row.start!r},{row.end!r},'
                    f"{row.label}\n"
                )

        with transaction.atomic(), connection.cursor() as cur:
            # Large hash aggregates and joins stay in memory; only for this transaction.
            cur.execute("SET LOCAL work_mem = '256MB'")
            self._create_staging(cur)
            self._copy(cur, "import_row", staged_lines(), self.bar)
            self._lap("check+copy")
            subset_conflict = None
            if problems.count == 0 and n_rows:
                # Before the repeats go: a repeated row may be the one that gives its video a second subset.
                self._stage_videos(cur)
                subset_conflict = self._file_subset_conflict(cur)
            self._repeats(cur, problems, repeats)
            self._lap("repeats")
            problems.raise_if_any()
            if not n_rows:
                raise ImportFileError("the file has no rows — nothing was imported")
            if self.gold:
                cur.execute(
                    "SELECT first_line, external_id, sum(n_rows) OVER () FROM import_video "
                    "WHERE db_id IS NULL ORDER BY first_line LIMIT 1"
                )
                unknown = cur.fetchone()
                if unknown:
                    _refuse_unknown_gold_videos(self.project, (unknown[0], unknown[1]), unknown[2])
            self._stage_clips(cur)
            self._lap("staging")
            fk_names = self._foreign_keys(cur)
            # Check foreign keys as each chunk is written, not all at commit: the bar then shows where time goes.
            cur.execute(f"SET CONSTRAINTS {fk_names} IMMEDIATE")
            _refuse_first(subset_conflict, self._db_subset_conflict(cur), self._label_conflict(cur))
            created = self._write_old_video_clips(cur)
            self._lap("existing videos")
            counts = {"rows": n_rows, "videos": self._write_videos(cur)}
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
        log.info(
            "bulk import of %d rows: %s",
            counts["rows"],
            ", ".join(f"{stage} {sec:.1f} s" for stage, sec in self.seconds.items()),
        )
        return counts

    # staging

    def _create_staging(self, cur) -> None:
        # ON COMMIT DROP ends them with the transaction; dropped first in case an enclosing transaction (a test)
        # has seen an earlier import.
        cur.execute(
            "DROP TABLE IF EXISTS pg_temp.import_row, pg_temp.import_video, pg_temp.import_clip, pg_temp.import_drop"
        )
        cur.execute(
            "CREATE TEMP TABLE import_row (line integer, youtube_id text, subset text, class_id bigint, start float8, "
            '"end" float8, label smallint) ON COMMIT DROP'
        )

    def _copy(self, cur, table: str, lines: Iterator[str], bar: tqdm | None = None, not_null: tuple = ()) -> None:
        reader = _LineReader(lines, bar)
        # FORCE_NOT_NULL: an empty text is '' (an empty source_url), not NULL as CSV would have it.
        options = f", FORCE_NOT_NULL ({', '.join(not_null)})" if not_null else ""
        cur.copy_expert(f"COPY {table} FROM STDIN WITH (FORMAT csv{options})", reader, size=1 << 16)
        reader.reraise()
        cur.execute(f"ANALYZE {table}")  # temporary tables are never analysed by autovacuum

    def _repeats(self, cur, problems: Problems, repeats: Repeats) -> None:
        """Find the rows of clips the file names more than once, let the shared rule decide (hacs.Repeats), and
        delete from staging the rows it leaves out. The repeated rows stream from a server-side cursor and the lines
        to drop go back by COPY, so a file given twice over (every row repeated) keeps memory as flat as a file of
        distinct rows, bar the set of lines dropped."""
        with connection.connection.cursor(name="import_repeats") as found:
            found.itersize = CHUNK
            found.execute("""
                SELECT r.youtube_id, r.class_id, r.start, r."end", r.line, r.label FROM import_row r JOIN (
                    SELECT youtube_id, class_id, start, "end" FROM import_row
                    GROUP BY youtube_id, class_id, start, "end" HAVING count(*) > 1
                ) d USING (youtube_id, class_id, start, "end")
                ORDER BY r.youtube_id, r.class_id, r.start, r."end", r.line""")
            groups = (
                [(line, label) for *_, line, label in group]
                for _, group in itertools.groupby(found, key=lambda row: row[:4])
            )
            drop = repeats.resolve(groups, problems)
        if drop and not problems.count:
            cur.execute("CREATE TEMP TABLE import_drop (line integer) ON COMMIT DROP")
            self._copy(cur, "import_drop", (f"{line}\n" for line in drop))
            cur.execute("DELETE FROM import_row r USING import_drop d WHERE r.line = d.line")
            cur.execute("DROP TABLE import_drop")

    def _stage_videos(self, cur) -> None:
        """One row per video of the file, from the staged rows (GROUP BY, not a Python dict: issue 13's flat memory):
        its first row's line, subset and class, its latest clip end, its rows; and what the project has of it."""
        video = Video._meta.db_table
        # The first row's line and class come out of one min() over (line, class) packed into a bigint, so the
        # GROUP BY is the only pass over the rows; its subset is every row's subset unless the video is `mixed`
        # (refused, see _file_subset_conflict).
        cur.execute(
            f"""
            CREATE TEMP TABLE import_video ON COMMIT DROP AS
            SELECT a.youtube_id AS external_id, a.first >> 32 AS first_line, a.first & 4294967295 AS class_id,
                   a.subset, a.duration, a.n_rows, a.mixed,
                   v.id AS db_id, v.subset AS db_subset, v.duration AS db_duration,
                   coalesce(v.file <> '', false) AS has_file,
                   -- a new video's id comes from the table's own sequence now, so its clips need no second join
                   coalesce(v.id, nextval(pg_get_serial_sequence('{video}', 'id'))) AS video_id
            FROM (SELECT youtube_id, min((line::bigint << 32) | class_id) AS first, min(subset) AS subset,
                         min(subset) <> max(subset) AS mixed, max("end") AS duration, count(*) AS n_rows
                  FROM import_row GROUP BY youtube_id) a
            LEFT JOIN {video} v ON v.project_id = %s AND v.external_id = a.youtube_id""",
            [self.project.pk],
        )
        cur.execute("CREATE INDEX ON import_video USING brin (video_id)")
        cur.execute("ANALYZE import_video")

    def _file_subset_conflict(self, cur) -> tuple[int, str] | None:
        """The first row (by line) that gives its video another subset than the video's first row did."""
        cur.execute("SELECT EXISTS (SELECT 1 FROM import_video WHERE mixed)")
        if not cur.fetchone()[0]:
            return None
        cur.execute(
            "SELECT r.line, r.youtube_id, f.subset, r.subset FROM import_video v "
            "JOIN import_row f ON f.line = v.first_line JOIN import_row r ON r.youtube_id = v.external_id "
            "WHERE v.mixed AND r.subset <> f.subset ORDER BY r.line LIMIT 1"
        )
        line, youtube_id, subset, wanted = cur.fetchone()
        return line, _subset_conflict(youtube_id, subset, wanted)

    def _stage_clips(self, cur) -> None:
        """One row per kept row of the file, with its video's id; a row of a video the project already has is
        matched to its clip (if any) and the label that clip already has (gold first, as the consensus rule reads
        it) in the same statement: one set-based join, so a re-import with nothing new finds that out without a
        row going through Python twice or an UPDATE of the staging table (issue 13).

        clip_id: the existing clip the row names; new_id: the id of the clip to write, drawn from the table's
        sequence only for rows that name none (so chunks by new_id are chunks of the file)."""
        clip, gold, consensus = Clip._meta.db_table, GoldAnswer._meta.db_table, ConsensusResult._meta.db_table
        new = f"nextval(pg_get_serial_sequence('{clip}', 'id'))"
        cur.execute("SELECT EXISTS (SELECT 1 FROM import_video WHERE db_id IS NOT NULL)")
        if cur.fetchone()[0]:
            match = f"""
                LEFT JOIN {clip} c ON v.db_id IS NOT NULL AND c.video_id = v.db_id AND c.action_class_id = r.class_id
                                  AND c.start = r.start AND c."end" = r."end"
                LEFT JOIN {gold} g ON g.clip_id = c.id LEFT JOIN {consensus} cr ON cr.clip_id = c.id"""
            found = f"c.id AS clip_id, coalesce(g.value, cr.value) AS known, CASE WHEN c.id IS NULL THEN {new} END"
        else:  # a first import into the project: nothing to match
            match, found = "", f"NULL::bigint AS clip_id, NULL::smallint AS known, {new}"
        cur.execute(f"""
            CREATE TEMP TABLE import_clip ON COMMIT DROP AS
            SELECT r.line, r.class_id, r.start, r."end", r.label, v.video_id, v.db_id IS NOT NULL AS old_video,
                   v.has_file, {found} AS new_id
            FROM import_row r JOIN import_video v ON v.external_id = r.youtube_id {match}""")
        cur.execute("CREATE INDEX ON import_clip USING brin (new_id)")
        cur.execute("ANALYZE import_clip")

    def _foreign_keys(self, cur) -> str:
        names = []
        for model in (Video, Clip, ConsensusResult, GoldAnswer):
            constraints = connection.introspection.get_constraints(cur, model._meta.db_table)
            names += [connection.ops.quote_name(n) for n, c in constraints.items() if c["foreign_key"]]
        return ", ".join(sorted(names))

    # checks that need the database

    def _db_subset_conflict(self, cur) -> tuple[int, str] | None:
        cur.execute(
            "SELECT first_line, external_id, db_subset, subset FROM import_video "
            "WHERE db_id IS NOT NULL AND db_subset <> subset ORDER BY first_line LIMIT 1"
        )
        found = cur.fetchone()
        return (found[0], _subset_conflict(*found[1:])) if found else None

    def _label_conflict(self, cur) -> tuple[int, str] | None:
        if self.gold:
            return None
        cur.execute(
            "SELECT line, known, label FROM import_clip WHERE known IS NOT NULL AND known <> label "
            "ORDER BY line LIMIT 1"
        )
        found = cur.fetchone()
        return (found[0], _label_conflict(found[1], found[2])) if found else None

    # writes

    def _chunked(self, cur, sql: str, params: list, *, table: str, key: str, where: str, desc: str) -> int:
        """Run `sql` (whose WHERE ends in `{chunk}`) over `table` in CHUNK-wide ranges of `key`; rows written."""
        cur.execute(f"SELECT min({key}), max({key}), count(*) FROM {table} WHERE {where}")
        low, high, count = cur.fetchone()
        written = 0
        with tqdm(
            total=count, unit=" rows", desc=desc, disable=not self.progress, file=sys.stderr, mininterval=0.5
        ) as bar:
            for start in range(low or 0, (high or -1) + 1, CHUNK):
                cur.execute(sql.format(chunk=f"AND {key} >= %s AND {key} < %s"), [*params, start, start + CHUNK])
                written += cur.rowcount
                bar.update(cur.rowcount)
        return written

    def _insert_select(
        self, model, given: dict[str, str | tuple[str, list]], constants: dict[str, object]
    ) -> tuple[str, str, list]:
        """Columns and SELECT list of an INSERT … SELECT into `model`: `given` (column → SQL over the staging
        table, or (SQL, its parameters)), `constants` (column → value), every other column at its model default —
        so a field added later with a default needs no change here."""
        columns, exprs, params = [], [], []
        for field in model._meta.concrete_fields:
            column = field.column
            if column in given:
                expr, extra = (given[column], []) if isinstance(given[column], str) else given[column]
                params += extra
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
            given={
                "id": "new_id",
                "uid": "gen_random_uuid()",
                "video_id": "video_id",
                "action_class_id": "class_id",
                "start": "start",
                "end": '"end"',
                "media_state": f"CASE WHEN has_file THEN '{Clip.MediaState.PENDING}' ELSE '{Clip.MediaState.NONE}' END",
            },
            constants={"method": Clip.Method.IMPORTED, "is_open": self.gold},
        )
        if which == "old_video":
            return (
                f"INSERT INTO {Clip._meta.db_table} ({columns}) SELECT {exprs} FROM import_clip "
                'WHERE old_video AND clip_id IS NULL ORDER BY new_id ON CONFLICT (video_id, action_class_id, start, "end") '
                "DO NOTHING",
                params,
            )
        # Rows of new videos cannot meet an existing clip (no one else sees the video before the commit), and the
        # file's repeats are gone: no ON CONFLICT, whose speculative insertion probes the span index once more.
        return (
            f"INSERT INTO {Clip._meta.db_table} ({columns}) SELECT {exprs} FROM import_clip "
            "WHERE NOT old_video {chunk} ORDER BY new_id",
            params,
        )

    def _write_old_video_clips(self, cur) -> int:
        """Clips for the rows of the project's videos that name none yet. One that another import added meanwhile
        meets ON CONFLICT: its row is matched to that clip instead, and checked against its label."""
        cur.execute("SELECT count(*) FROM import_clip WHERE old_video AND clip_id IS NULL")
        wanted = cur.fetchone()[0]
        if not wanted:
            return 0
        cur.execute(*self._insert_clips("old_video"))
        created = cur.rowcount
        if created < wanted:
            clip, gold, consensus = Clip._meta.db_table, GoldAnswer._meta.db_table, ConsensusResult._meta.db_table
            cur.execute(f"""
                UPDATE import_clip i SET clip_id = c.id, new_id = NULL, known = coalesce(g.value, cr.value)
                FROM {clip} c LEFT JOIN {gold} g ON g.clip_id = c.id LEFT JOIN {consensus} cr ON cr.clip_id = c.id
                WHERE i.old_video AND i.clip_id IS NULL AND c.id <> i.new_id AND c.video_id = i.video_id
                  AND c.action_class_id = i.class_id AND c.start = i.start AND c."end" = i."end"
                """)
            _refuse_first(self._label_conflict(cur))
        return created

    def _write_videos(self, cur) -> int:
        columns, exprs, params = self._insert_select(
            Video,
            given={
                "id": "video_id",
                "uid": "gen_random_uuid()",
                "external_id": "external_id",
                "source_url": (
                    "CASE WHEN external_id ~ %s THEN %s || external_id ELSE '' END",
                    [YOUTUBE_ID, YOUTUBE_WATCH],
                ),
                "query_class_id": "class_id",
                "subset": "subset",
                "duration": "duration",
            },
            constants={"project_id": self.project.pk},
        )
        sql = (
            f"INSERT INTO {Video._meta.db_table} ({columns}) SELECT {exprs} FROM import_video "
            "WHERE db_id IS NULL {chunk} ORDER BY video_id ON CONFLICT (project_id, external_id) DO NOTHING"
        )
        written = self._chunked(
            cur, sql, params, table="import_video", key="video_id", where="db_id IS NULL", desc="videos"
        )
        cur.execute("SELECT count(*) FROM import_video WHERE db_id IS NULL")
        if written != cur.fetchone()[0]:  # another import added one of these videos meanwhile
            raise ImportFileError(
                "videos of this file were added to the project while it was being imported; "
                "run the import again — nothing was imported"
            )
        # A video without a local file is as long as its latest clip says (as the row-by-row import did).
        cur.execute(
            f"UPDATE {Video._meta.db_table} v SET duration = i.duration FROM import_video i "
            "WHERE v.id = i.db_id AND NOT i.has_file AND i.duration > i.db_duration"
        )
        return written

    def _write_new_video_clips(self, cur) -> int:
        sql, params = self._insert_clips("new_video")
        return self._chunked(cur, sql, params, table="import_clip", key="new_id", where="NOT old_video", desc="clips")

    def _write_consensus(self, cur) -> int:
        """Consensus rows for clips without a label; an existing clip that gets one is closed. Returns how many
        rows were already there with the same label."""
        columns, exprs, params = self._insert_select(
            ConsensusResult,
            given={"clip_id": "coalesce(clip_id, new_id)", "value": "label"},
            constants={"mode": "imported", "n_labels": 0, "unanimous": True, "source": "imported"},
        )
        insert = f"INSERT INTO {ConsensusResult._meta.db_table} ({columns}) SELECT {exprs} FROM import_clip "
        # The clips this import made have no consensus anywhere else yet: no ON CONFLICT for them.
        self._chunked(
            cur,
            insert + "WHERE clip_id IS NULL {chunk}",
            params,
            table="import_clip",
            key="new_id",
            where="clip_id IS NULL",
            desc="labels",
        )
        cur.execute(insert + "WHERE clip_id IS NOT NULL AND known IS NULL ON CONFLICT (clip_id) DO NOTHING", params)
        cur.execute(
            f"UPDATE {Clip._meta.db_table} SET is_open = false "
            "WHERE id IN (SELECT clip_id FROM import_clip WHERE clip_id IS NOT NULL AND known IS NULL)"
        )
        cur.execute("SELECT count(*) FROM import_clip WHERE known IS NOT NULL")
        return cur.fetchone()[0]

    def _write_gold(self, cur) -> None:
        columns, exprs, params = self._insert_select(
            GoldAnswer,
            given={"clip_id": "coalesce(clip_id, new_id)", "value": "label"},
            constants={"author_id": self.author.pk if self.author else None},
        )
        cur.execute(
            f"INSERT INTO {GoldAnswer._meta.db_table} ({columns}) SELECT {exprs} FROM import_clip "
            "ON CONFLICT (clip_id) DO UPDATE SET value = EXCLUDED.value, author_id = EXCLUDED.author_id",
            params,
        )
        cur.execute("SELECT new_id FROM import_clip WHERE clip_id IS NULL AND has_file ORDER BY line")
        _publish_media_tasks(pk for (pk,) in cur.fetchall())
