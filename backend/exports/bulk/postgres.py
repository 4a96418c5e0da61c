"""PostgreSQL: checked rows stream through COPY into staging tables, then INSERT … SELECT, chunk by chunk."""

from __future__ import annotations

import csv
import io
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
    _Tally,
    log,
)
from backend.exports.hacs import (
    ImportFileError,
    Problems,
    Repeats,
    Row,
    _youtube_url,
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
            self._repeats(cur, problems, repeats)
            self._lap("repeats")
            problems.raise_if_any()
            if not tally.videos:
                raise ImportFileError("the file has no rows — nothing was imported")
            self._stage_videos(cur, tally)
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
            "CREATE TEMP TABLE import_row (line integer, vno integer, class_id bigint, start float8, "
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
                SELECT r.vno, r.class_id, r.start, r."end", r.line, r.label FROM import_row r JOIN (
                    SELECT vno, class_id, start, "end" FROM import_row
                    GROUP BY vno, class_id, start, "end" HAVING count(*) > 1
                ) d USING (vno, class_id, start, "end")
                ORDER BY r.vno, r.class_id, r.start, r."end", r.line""")
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

    def _stage_videos(self, cur, tally: _Tally) -> None:
        cur.execute(
            "CREATE TEMP TABLE import_video_file (vno integer, external_id text, subset text, "
            "class_id bigint, duration float8, source_url text, first_line integer, n_rows integer) "
            "ON COMMIT DROP"
        )
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")

        def lines() -> Iterator[str]:
            for external_id, v in tally.videos.items():
                writer.writerow(
                    (
                        v.vno,
                        external_id,
                        v.subset,
                        v.class_id,
                        repr(v.duration),
                        _youtube_url(external_id),
                        v.first_line,
                        v.rows,
                    )
                )
                yield out.getvalue()
                out.seek(0)
                out.truncate()

        self._copy(cur, "import_video_file", lines(), not_null=("source_url",))
        # A new video's id comes from the table's own sequence now, so its clips can be written without a join.
        cur.execute(
            f"""
            CREATE TEMP TABLE import_video ON COMMIT DROP AS
            SELECT f.*, v.id AS db_id, v.subset AS db_subset, v.duration AS db_duration,
                   coalesce(v.file <> '', false) AS has_file,
                   coalesce(v.id, nextval(pg_get_serial_sequence('{Video._meta.db_table}', 'id'))) AS video_id
            FROM import_video_file f
            LEFT JOIN {Video._meta.db_table} v ON v.project_id = %s AND v.external_id = f.external_id""",
            [self.project.pk],
        )
        cur.execute("DROP TABLE import_video_file")
        cur.execute("CREATE INDEX ON import_video USING brin (video_id)")
        cur.execute("ANALYZE import_video")

    def _stage_clips(self, cur) -> None:
        # new_id: the clip's id if it is new, drawn from the table's sequence in staging order (so chunks by
        # new_id are chunks of the file); clip_id: the id it ends up with (an existing clip's, if there is one).
        cur.execute(f"""
            CREATE TEMP TABLE import_clip ON COMMIT DROP AS
            SELECT r.line, r.class_id, r.start, r."end", r.label, v.video_id, v.db_id IS NOT NULL AS old_video,
                   v.has_file, nextval(pg_get_serial_sequence('{Clip._meta.db_table}', 'id')) AS new_id,
                   NULL::bigint AS clip_id, false AS existed, NULL::smallint AS known
            FROM import_row r JOIN import_video v USING (vno)""")
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
        """Rows of videos already in the project: note which clip each row is and the label it already has (gold
        first, as the consensus rule reads it), then write the clips of the rows that matched none.

        Existing rows are skipped set-based (issue 13: a re-import with nothing new): one join of the staging rows to
        the clips finds them, and only the rest are inserted. A clip another import added meanwhile meets ON CONFLICT
        and is matched by the second pass."""
        cur.execute("SELECT EXISTS (SELECT 1 FROM import_video WHERE db_id IS NOT NULL)")
        if not cur.fetchone()[0]:
            return 0
        clip, gold, consensus = Clip._meta.db_table, GoldAnswer._meta.db_table, ConsensusResult._meta.db_table
        match = f'''
            UPDATE import_clip i SET clip_id = c.id, existed = c.id <> i.new_id, known = coalesce(g.value, cr.value)
            FROM {clip} c LEFT JOIN {gold} g ON g.clip_id = c.id LEFT JOIN {consensus} cr ON cr.clip_id = c.id
            WHERE i.old_video AND i.clip_id IS NULL AND c.video_id = i.video_id AND c.action_class_id = i.class_id
              AND c.start = i.start AND c."end" = i."end"'''
        cur.execute(match)
        cur.execute("SELECT EXISTS (SELECT 1 FROM import_clip WHERE old_video AND clip_id IS NULL)")
        if not cur.fetchone()[0]:
            return 0
        cur.execute(*self._insert_clips("old_video"))
        created = cur.rowcount
        cur.execute(match)
        return created

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
        # Rows of new videos cannot meet an existing clip (nobody else sees the video yet); old videos' can.
        conflict = 'ON CONFLICT (video_id, action_class_id, start, "end") DO NOTHING'
        if which == "old_video":
            return (
                f"INSERT INTO {Clip._meta.db_table} ({columns}) SELECT {exprs} FROM import_clip "
                f"WHERE old_video AND clip_id IS NULL ORDER BY new_id {conflict}",
                params,
            )
        return (
            f"INSERT INTO {Clip._meta.db_table} ({columns}) SELECT {exprs} FROM import_clip "
            f"WHERE NOT old_video {{chunk}} ORDER BY new_id {conflict}",
            params,
        )

    def _write_videos(self, cur) -> int:
        columns, exprs, params = self._insert_select(
            Video,
            given={
                "id": "video_id",
                "uid": "gen_random_uuid()",
                "external_id": "external_id",
                "source_url": "source_url",
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
        sql = (
            f"INSERT INTO {ConsensusResult._meta.db_table} ({columns}) SELECT {exprs} FROM import_clip "
            "WHERE known IS NULL {chunk} ON CONFLICT (clip_id) DO NOTHING"
        )
        self._chunked(cur, sql, params, table="import_clip", key="new_id", where="known IS NULL", desc="labels")
        cur.execute(
            f"UPDATE {Clip._meta.db_table} SET is_open = false "
            "WHERE id IN (SELECT clip_id FROM import_clip WHERE existed AND known IS NULL)"
        )
        cur.execute("SELECT count(*) FROM import_clip WHERE known IS NOT NULL")
        return cur.fetchone()[0]

    def _write_gold(self, cur) -> None:
        columns, exprs, params = self._insert_select(
            GoldAnswer,
            given={"clip_id": "clip_id", "value": "label"},
            constants={"author_id": self.author.pk if self.author else None},
        )
        cur.execute(
            f"INSERT INTO {GoldAnswer._meta.db_table} ({columns}) SELECT {exprs} FROM import_clip "
            "ON CONFLICT (clip_id) DO UPDATE SET value = EXCLUDED.value, author_id = EXCLUDED.author_id",
            params,
        )
        cur.execute("SELECT clip_id FROM import_clip WHERE NOT existed AND has_file ORDER BY line")
        _publish_media_tasks(pk for (pk,) in cur.fetchall())
