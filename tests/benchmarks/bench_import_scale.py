"""Benchmark (issue 13 item 3): imports at HACS size on PostgreSQL, beside a set-based load of the same rows.

A script, not a test (pytest collects test_*.py only). In one run, on a database of its own (`actionloom_bench_scale`,
dropped and made again) on the PostgreSQL of 127.0.0.1:

1. generates, in a temporary folder, a HACS Clips CSV (1,550,016 rows, 504,000 videos, 200 classes) and an
   ActivityNet-layout segments file (49,581 videos, ~139K segments, 12% test videos with an empty list), as
   tests/benchmarks/bench_import_export.py makes them;
2. baseline: the set-based load of the same CSV into the same schema (the real tables, with every index, constraint
   and foreign key): COPY into a staging table, then INSERT … SELECT into catalog_video, clips_clip and
   clips_consensusresult, in one transaction; the tables are emptied again (TRUNCATE) after it;
3. `manage.py import_clips` of the same file into the empty tables (a subprocess; its peak RSS from /proc's VmHWM), then
   again (a re-import with nothing new), and the import of a tenth of the file into another project (peak RSS at
   another file size);
4. `manage.py import_segments` of the segments file into a new project, then again (nothing new);
5. Dawid–Skene: 1.5M labels (500,000 imported clips × 3 of 100 simulated annotators, 2,000 gold clips) and
   `manage.py consensus_dawid_skene --apply` over them.

It prints each figure and the ratios the issue sets goals for; --write puts them in docs/benchmarks_scale.md.
Run from the repository root:

    .venv/bin/python tests/benchmarks/bench_import_scale.py --write docs/benchmarks_scale.md
    .venv/bin/python tests/benchmarks/bench_import_scale.py --rows 50000 --videos 16000 --segment-videos 2000 \
        --segments 5600 --labels 150000           # a small run while developing
"""

from __future__ import annotations

import argparse
import os
import platform
import secrets
import sys
import tempfile
import time
from pathlib import Path

import psycopg2

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_import_export import (  # noqa: E402 — a sibling script, not a package
    SERVER,
    Run,
    fresh_database,
    manage,
    write_clips_csv,
    write_section,
    write_segments_json,
)

SECTION_TITLE = "## Issue 13: imports beside a set-based load (PostgreSQL), {rows:,} clip rows"
CLIP_TABLES = "clips_consensusresult, quality_goldanswer, clips_label, clips_clip, catalog_video"


def baseline_load(dsn: str, csv_path: Path, project_id: int) -> dict[str, float]:
    """The set-based load of the CSV into the real tables: COPY to staging, then INSERT … SELECT, one transaction."""
    laps: dict[str, float] = {}
    started = clock = time.perf_counter()

    def lap(stage: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        laps[stage], clock = now - clock, now

    with psycopg2.connect(dsn) as conn, conn.cursor() as cur:
        cur.execute("SET LOCAL work_mem = '256MB'")
        cur.execute(
            "CREATE TEMP TABLE base_row (classname text, youtube_id text, subset text, start float8, "
            '"end" float8, label smallint) ON COMMIT DROP'
        )
        with csv_path.open() as fh:
            cur.copy_expert("COPY base_row FROM STDIN WITH (FORMAT csv, HEADER true)", fh, size=1 << 16)
        cur.execute("ANALYZE base_row")
        lap("COPY to staging")
        cur.execute(
            """
            INSERT INTO catalog_video (uid, external_id, source_url, file, original_name, subset, duration, fps,
                                       width, height, size_bytes, start_time, status, created_at, project_id,
                                       query_class_id)
            SELECT gen_random_uuid(), r.youtube_id, 'https://www.youtube.com/watch?v=' || r.youtube_id, '', '',
                   min(r.subset), max(r."end"), 0, 0, 0, 0, 0, 'ingested', now(), %s, min(c.id)
            FROM base_row r JOIN catalog_actionclass c ON c.name = r.classname
            GROUP BY r.youtube_id""",
            [project_id],
        )
        lap("videos")
        cur.execute(
            """
            CREATE TEMP TABLE base_clip ON COMMIT DROP AS
            SELECT nextval(pg_get_serial_sequence('clips_clip', 'id')) AS id, v.id AS video_id,
                   c.id AS class_id, r.start, r."end", r.label
            FROM base_row r JOIN catalog_actionclass c ON c.name = r.classname
            JOIN catalog_video v ON v.project_id = %s AND v.external_id = r.youtube_id""",
            [project_id],
        )
        cur.execute(
            """
            INSERT INTO clips_clip (id, uid, start, "end", method, scores, media, poster, media_state,
                                    required_labels, label_count, lease_count, is_open, created_at,
                                    action_class_id, video_id, retired_reason)
            SELECT id, gen_random_uuid(), start, "end", 'imported', '{}', '', '', 'none', 3, 0, 0, false, now(),
                   class_id, video_id, ''
            FROM base_clip ORDER BY id"""
        )
        lap("clips")
        cur.execute(
            "INSERT INTO clips_consensusresult (clip_id, value, mode, n_labels, unanimous, decided_at, source) "
            "SELECT id, label, 'imported', 0, true, now(), 'imported' FROM base_clip ORDER BY id"
        )
        lap("labels")
    lap("commit (deferred foreign keys)")
    laps["total"] = time.perf_counter() - started
    return laps


def sql(dsn: str, statement: str, params: list | None = None):
    with psycopg2.connect(dsn) as conn, conn.cursor() as cur:
        cur.execute(statement, params)
        return cur.fetchall() if cur.description else None


def make_project(env: dict, name: str) -> int:
    out = manage(
        "shell",
        "-c",
        f"from backend.catalog.models import Project; print(Project.objects.create(name={name!r}).pk)",
        env=env,
    )
    return int(out.stdout.strip().splitlines()[-1])


def make_labels(dsn: str, env: dict, project_id: int, *, labels: int, annotators: int = 100, gold: int = 2000) -> int:
    """`labels` labels: 3 per clip of the project's first labels/3 clips, by annotators of accuracy 0.6–0.95 each
    saying the clip's imported label (the truth here) or its opposite; the first `gold` clips get a gold answer."""
    manage(
        "shell",
        "-c",
        "from django.contrib.auth import get_user_model; U = get_user_model(); "
        f"U.objects.bulk_create([U(username=f'sim{{i:03d}}', password='!') for i in range({annotators})])",
        env=env,
    )
    with psycopg2.connect(dsn) as conn, conn.cursor() as cur:
        cur.execute("SELECT setseed(0.13)")
        cur.execute(
            """
            CREATE TEMP TABLE sim_annotator AS
            SELECT row_number() OVER (ORDER BY id) - 1 AS k, id,
                   0.6 + 0.35 * ((row_number() OVER (ORDER BY id) - 1) % 10) / 9.0 AS accuracy
            FROM auth_user WHERE username LIKE 'sim%'"""
        )
        cur.execute(
            """
            CREATE TEMP TABLE sim_clip AS
            SELECT row_number() OVER (ORDER BY c.id) - 1 AS n, c.id, cr.value
            FROM clips_clip c JOIN catalog_video v ON v.id = c.video_id
            JOIN clips_consensusresult cr ON cr.clip_id = c.id
            WHERE v.project_id = %s ORDER BY c.id LIMIT %s""",
            [project_id, labels // 3],
        )
        cur.execute(
            """
            INSERT INTO clips_label (clip_id, annotator_id, value, seconds_spent, created_at, active)
            SELECT s.id, a.id, CASE WHEN random() < a.accuracy THEN s.value ELSE -s.value END, 1.0, now(), true
            FROM sim_clip s CROSS JOIN generate_series(0, 2) j
            JOIN sim_annotator a ON a.k = (s.n + 37 * j) %% %s""",
            [annotators],
        )
        made = cur.rowcount
        cur.execute(
            "INSERT INTO quality_goldanswer (clip_id, value, created_at) SELECT id, value, now() FROM sim_clip "
            "WHERE n < %s",
            [gold],
        )
    return made


# Each remaining index of the big tables, with a query that uses it (the plan shows which index the planner takes).
PLANS = [
    (
        "clip_unique_span",
        "a clip by its span (the import's match)",
        "SELECT id FROM clips_clip WHERE video_id = {video} AND action_class_id = {cls} AND start = {start} "
        'AND "end" = {end}',
    ),
    (
        "clip_unique_span",
        "a video's clips (media: are they all ready?)",
        "SELECT 1 FROM clips_clip WHERE video_id = {video} AND media_state <> 'ready' LIMIT 1",
    ),
    (
        "clip_queue_idx",
        "a class's open clips by media state (pages: gold pool, dashboard counts)",
        "SELECT count(*) FROM clips_clip WHERE action_class_id = {cls} AND is_open AND media_state = 'pending'",
    ),
    (
        "clip_ready_queue_idx",
        "the next-page draw",
        "SELECT id FROM clips_clip WHERE action_class_id = {cls} AND is_open AND media_state = 'ready' "
        "ORDER BY video_id, start, id LIMIT 160",
    ),
    ("clip_learning_round_idx", "a round's clips (mining)", "SELECT id FROM clips_clip WHERE learning_round_id = 1"),
    ("clips_clip_uid_key", "a clip by uid", "SELECT id FROM clips_clip WHERE uid = '{uid}'"),
    (
        "one_active_label_per_annotator",
        "a clip's active labels (consensus)",
        "SELECT value FROM clips_label WHERE clip_id = {clip} AND active",
    ),
    (
        "clips_label_clip_id",
        "all of a clip's labels, sent-back ones too (admin; cascade)",
        "SELECT id FROM clips_label WHERE clip_id = {clip}",
    ),
    (
        "label_annotator_idx",
        "an annotator's active labels (accuracy)",
        "SELECT count(*) FROM clips_label WHERE annotator_id = {annotator} AND active",
    ),
    (
        "clips_label_page_id",
        "a page's labels (SET NULL when a page goes)",
        "SELECT id FROM clips_label WHERE page_id = 1",
    ),
    (
        "video_external_id_unique",
        "a project's video by id (imports)",
        "SELECT id FROM catalog_video WHERE project_id = {project} AND external_id = '{external}'",
    ),
    (
        "clips_consensusresult_clip_id_key",
        "a clip's consensus",
        "SELECT value FROM clips_consensusresult WHERE clip_id = {clip}",
    ),
    (
        "segments_segment_annotation_id",
        "an annotation's segments (export)",
        'SELECT start, "end" FROM segments_segment WHERE annotation_id = {annotation}',
    ),
    (
        "segments_segmentannotation_segment_video_id",
        "a video's annotations, every kind (import, dashboard)",
        "SELECT id FROM segments_segmentannotation WHERE segment_video_id = {segment_video}",
    ),
    (
        "segments_segmentvideo_video_id_key",
        "a video's segment video",
        "SELECT id FROM segments_segmentvideo WHERE video_id = {seg_video_video}",
    ),
]


def plans(dsn: str) -> list[str]:
    """One plan line per query of PLANS: the index scan node the planner chose (EXPLAIN, not run)."""
    values = dict(
        zip(
            ["video", "cls", "start", "end", "uid", "clip"],
            sql(dsn, 'SELECT video_id, action_class_id, start, "end", uid, id FROM clips_clip ORDER BY id LIMIT 1')[0],
            strict=True,
        )
    )
    values["clip"] = sql(dsn, "SELECT clip_id FROM clips_label ORDER BY id LIMIT 1")[0][0]
    values["annotator"] = sql(dsn, "SELECT annotator_id FROM clips_label ORDER BY id LIMIT 1")[0][0]
    values["project"], values["external"] = sql(dsn, "SELECT project_id, external_id FROM catalog_video LIMIT 1")[0]
    values["annotation"], values["segment_video"], values["seg_video_video"] = sql(
        dsn,
        "SELECT a.id, a.segment_video_id, sv.video_id FROM segments_segmentannotation a "
        "JOIN segments_segmentvideo sv ON sv.id = a.segment_video_id ORDER BY a.id LIMIT 1",
    )[0]
    sql(dsn, "ANALYZE")
    out = []
    for index, purpose, query in PLANS:
        text = query.format(**values)
        plan = [row[0] for row in sql(dsn, "EXPLAIN " + text)]
        scans = [line.strip().removeprefix("->  ") for line in plan if " on " in line and "Scan" in line]
        node = next((line for line in scans if "Index" in line), scans[0] if scans else plan[0].strip())
        used = "uses it" if index in node else "**does not use it**"
        out.append(f"| `{index}` | {purpose} | `{node.split('  (')[0]}` | {used} |")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_550_016, help="clips in the file (HACS: 1,550,016)")
    parser.add_argument("--videos", type=int, default=504_000, help="videos in the clips file (HACS: 504K)")
    parser.add_argument("--segment-videos", type=int, default=49_581, help="videos in the segments file")
    parser.add_argument("--segments", type=int, default=139_000, help="segments in the segments file")
    parser.add_argument("--labels", type=int, default=1_500_000, help="labels for Dawid–Skene")
    parser.add_argument("--database", default="actionloom_bench_scale")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--write", type=Path, help="markdown file to write the results section into")
    parser.add_argument("--no-dawid-skene", action="store_true", help="stop after the imports (a smaller run)")
    args = parser.parse_args()
    command = " ".join([".venv/bin/python", *sys.argv])
    dsn = f"{SERVER}/{args.database}"
    env = {**os.environ, "DATABASE_URL": dsn, "ACTIONLOOM_LOG_LEVEL": "INFO"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    # As in production: DEBUG off (its cursor wrapper also keeps every query), so a secret key of the run's own.
    env.update(DJANGO_DEBUG="0", DJANGO_SECRET_KEY=env.get("DJANGO_SECRET_KEY") or secrets.token_urlsafe(50))
    wall = time.perf_counter()
    results: dict[str, object] = {}

    with tempfile.TemporaryDirectory(prefix="actionloom-scale-") as tmp:
        work = Path(tmp)
        csv_path, tenth_path, seg_path = work / "clips.csv", work / "clips_tenth.csv", work / "segments.json"
        rows = write_clips_csv(csv_path, rows=args.rows, videos=args.videos, seed=args.seed)
        tenth = write_clips_csv(tenth_path, rows=args.rows // 10, videos=args.videos // 10, seed=args.seed + 1)
        seg_videos, seg_count = write_segments_json(
            seg_path, videos=args.segment_videos, segments=args.segments, seed=args.seed
        )
        print(f"generated {rows:,} clip rows, {seg_videos:,} segment videos ({seg_count:,} segments)", flush=True)

        fresh_database(args.database)
        manage("migrate", "-v0", env=env)
        manage("load_taxonomy", env=env)
        base_project = make_project(env, "Baseline")
        make_project(env, "HACS")
        make_project(env, "Tenth")
        make_project(env, "Segments")

        baseline = baseline_load(dsn, csv_path, base_project)
        print("baseline:", ", ".join(f"{k} {v:.1f} s" for k, v in baseline.items()), flush=True)
        sql(dsn, f"TRUNCATE {CLIP_TABLES} CASCADE")

        def timed(label: str, *cmd: str) -> Run:
            run = manage(*cmd, env=env)
            print(f"{label}: {run.seconds:.1f} s, peak RSS {run.peak_rss_mb:.0f} MB — {run.stdout.strip()}", flush=True)
            return run

        first = timed("import_clips", "import_clips", str(csv_path), "--project", "HACS", "--no-progress")
        again = timed("re-import", "import_clips", str(csv_path), "--project", "HACS", "--no-progress")
        small = timed("import of a tenth", "import_clips", str(tenth_path), "--project", "Tenth", "--no-progress")
        segments = timed("import_segments", "import_segments", str(seg_path), "--project", "Segments")
        segments_again = timed("segments re-import", "import_segments", str(seg_path), "--project", "Segments")
        made, dawid, plan_rows = 0, None, []
        if not args.no_dawid_skene:
            made = make_labels(
                dsn,
                env,
                project_id=int(sql(dsn, "SELECT id FROM catalog_project WHERE name='HACS'")[0][0]),
                labels=args.labels,
            )
            print(f"{made:,} labels made", flush=True)
            dawid = timed("consensus_dawid_skene", "consensus_dawid_skene", "--project", "HACS", "--apply")
            plan_rows = plans(dsn)
            print("\n".join(plan_rows), flush=True)
        results.update(first=first, again=again, small=small, segments=segments, segments_again=segments_again)

    ratio = first.seconds / baseline["total"]
    reimport = again.seconds / first.seconds
    peak = max(first.peak_rss_mb, again.peak_rss_mb, segments.peak_rss_mb)

    def goal(met: bool) -> str:
        return "**met**" if met else "**missed**"

    def stages(run: Run) -> str:
        logged = [line for line in run.stderr.splitlines() if "bulk import of" in line]
        return logged[0].split("rows: ", 1)[-1] if logged else "not logged"

    title = SECTION_TITLE.format(rows=rows)
    lines = [
        title,
        "",
        f"Command (from the repository root, {time.strftime('%Y-%m-%d')}):",
        "",
        "```",
        command,
        "```",
        "",
        f"Files: {rows:,} clip rows of {args.videos:,} videos (HACS Clips layout); {seg_videos:,} segment videos with "
        f"{seg_count:,} segments (ActivityNet layout). PostgreSQL {sql(dsn, 'SHOW server_version')[0][0]}, "
        f"{os.cpu_count()} CPUs shared with other jobs, Python {platform.python_version()}.",
        "",
        "| step | seconds | against | goal | peak RSS |",
        "|---|---|---|---|---|",
        f"| baseline: COPY to staging + INSERT … SELECT into the real tables "
        f"({', '.join(f'{k} {v:.1f}' for k, v in baseline.items() if k != 'total')}) | {baseline['total']:.1f} "
        "| 1 | — | — |",
        f"| `import_clips` into empty tables | {first.seconds:.1f} | {ratio:.2f}× the baseline "
        f"| ≤ 1.3×: {goal(ratio <= 1.3)} | {first.peak_rss_mb:.0f} MB |",
        f"| `import_clips` again, nothing new | {again.seconds:.1f} | {reimport:.2f} of the first import "
        f"| ≤ 0.2: {goal(reimport <= 0.2)} | {again.peak_rss_mb:.0f} MB |",
        f"| `import_clips` of a tenth of the file ({tenth:,} rows) | {small.seconds:.1f} | — "
        f"| flat memory | {small.peak_rss_mb:.0f} MB |",
        f"| `import_segments` ({seg_videos:,} videos) | {segments.seconds:.1f} | — | — | {segments.peak_rss_mb:.0f} MB |",
        f"| `import_segments` again, nothing new | {segments_again.seconds:.1f} "
        f"| {segments_again.seconds / segments.seconds:.2f} of the first | ≤ 0.2: "
        f"{goal(segments_again.seconds <= 0.2 * segments.seconds)} | {segments_again.peak_rss_mb:.0f} MB |",
        *(
            [
                f"| `consensus_dawid_skene --apply` over {made:,} labels | {dawid.seconds:.1f} | — "
                f"| ≤ 60 s: {goal(dawid.seconds <= 60)} | {dawid.peak_rss_mb:.0f} MB |"
            ]
            if dawid
            else []
        ),
        "",
        f"Peak RSS of the imports (VmHWM of each child): {peak:.0f} MB at most — goal < 300 MB: "
        f"{goal(peak < 300)}; a tenth of the file: {small.peak_rss_mb:.0f} MB.",
        f"Import stages (its log): {stages(first)}; the re-import's: {stages(again)}.",
        f"Wall time of the run: {time.perf_counter() - wall:.0f} s.",
    ]
    if plan_rows:
        lines += [
            "",
            "Plans at this size (EXPLAIN of a query each remaining index is kept for; the scan node chosen):",
            "",
            "| index | kept for | plan node | |",
            "|---|---|---|---|",
            *plan_rows,
        ]
    body = "\n".join(lines) + "\n"
    print("\n" + body)
    if args.write:
        write_section(args.write, body, title=title)
        print(f"wrote {args.write}")


if __name__ == "__main__":
    main()
