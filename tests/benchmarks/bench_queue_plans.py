"""Benchmark: the queue's queries at HACS size (issue 5) — EXPLAIN (ANALYZE, BUFFERS) of next page and submit.

A script, not a test. Runs on the database tests/benchmarks/bench_import_export.py leaves behind (1,550,016 imported,
closed clips in project "HACS"). It opens one class for labelling — every clip of it open, ready and leasable,
5% of them gold — puts 10 annotators in its group and lets them work through some pages (so labels, pages and
leases exist) — after giving every other imported clip the history a labelled HACS has (3 labels on pages of
60: ~4.6M labels and page items) — then captures every statement of one `page_next` and one `page_submit`
(services, as the API calls them), runs EXPLAIN (ANALYZE, BUFFERS) on each in a rolled-back transaction, and times
both operations. Run from the repository root after the import benchmark:

    .venv/bin/python tests/benchmarks/bench_queue_plans.py --write docs/benchmarks_scale.md
"""

from __future__ import annotations

import argparse
import os
import random
import re
import secrets
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
SECTION_TITLE = "## Queue at HACS size: next page and submit plans (PostgreSQL)"


def setup_django(database: str) -> None:
    os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{database}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.config.settings")
    os.environ.setdefault("DJANGO_SECRET_KEY", secrets.token_urlsafe(50))  # settings refuse the dev key without DEBUG
    import django

    django.setup()


def open_class(class_name: str, annotators: int, gold_share: float):
    """Make every clip of one class open, ready and leasable (as if cut by the worker), some gold. Idempotent."""
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction

    from backend.catalog.models import ActionClass, AnnotatorGroup, Project

    project = Project.objects.get(name="HACS")
    cls = ActionClass.objects.get(name=class_name)
    users = []
    for i in range(annotators):
        user, _ = get_user_model().objects.get_or_create(username=f"plan{i:02d}")
        users.append(user)
    group, created = AnnotatorGroup.objects.get_or_create(project=project, name="plans")
    if created:
        group.members.set(users)
        group.classes.set([cls])
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute(
                "DELETE FROM clips_consensusresult r USING clips_clip c WHERE r.clip_id = c.id "
                "AND c.action_class_id = %s",
                [cls.pk],
            )
            cur.execute(
                "UPDATE clips_clip SET is_open = true, media_state = 'ready', label_count = 0, "
                "lease_count = 0, required_labels = 3, media = 'clips/' || uid || '.mp4', "
                "poster = 'clips/' || uid || '.jpg' WHERE action_class_id = %s",
                [cls.pk],
            )
            cur.execute(
                "INSERT INTO quality_goldanswer (clip_id, value, created_at) SELECT id, 1, now() "
                "FROM clips_clip WHERE action_class_id = %s AND random() < %s",
                [cls.pk, gold_share],
            )
        with connection.cursor() as cur:
            cur.execute("ANALYZE")
    return project, cls, users


def add_history(project, opened, annotators: int = 30) -> None:
    """The labelling history a HACS-size project has: every imported clip labelled by 3 distinct annotators on
    pages of 60 (1.55M clips: ~78K pages, 4.65M page items, 4.65M labels), so the queue's tables are their real
    size when the plans are taken. The opened class is left out: its queue is the one measured. Idempotent."""
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction

    with connection.cursor() as cur:
        cur.execute(
            "SELECT EXISTS (SELECT 1 FROM clips_label l JOIN auth_user u ON u.id = l.annotator_id "
            "WHERE u.username = 'hist00')"
        )
        if cur.fetchone()[0]:
            return
    users = [get_user_model().objects.get_or_create(username=f"hist{i:02d}")[0].pk for i in range(annotators)]
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("SET LOCAL work_mem = '256MB'")
        cur.execute(
            "CREATE TEMP TABLE h ON COMMIT DROP AS SELECT c.id AS clip_id, c.action_class_id, "
            "(row_number() OVER (PARTITION BY c.action_class_id ORDER BY c.video_id, c.start) - 1) AS r "
            "FROM clips_clip c JOIN catalog_video v ON v.id = c.video_id "
            "WHERE v.project_id = %s AND c.method = 'imported' AND c.action_class_id <> %s",
            [project.pk, opened.pk],
        )
        cur.execute(
            "CREATE TEMP TABLE hp ON COMMIT DROP AS SELECT k, p, action_class_id, "
            "nextval(pg_get_serial_sequence('clips_page', 'id')) AS page_id, "
            "(%s::bigint[])[1 + (p * 3 + k) %% %s] AS annotator_id, "
            "now() - interval '30 days' + (p * 3 + k) * interval '1 second' AS at "
            "FROM (SELECT DISTINCT action_class_id, r / 60 AS p FROM h) pages, generate_series(0, 2) k",
            [users, len(users)],
        )
        cur.execute("CREATE INDEX ON hp (action_class_id, p, k)")
        cur.execute(
            "INSERT INTO clips_page (id, uid, annotator_id, project_id, action_class_id, created_at, "
            "expires_at, submitted_at, seconds_spent) SELECT page_id, gen_random_uuid(), annotator_id, %s, "
            "action_class_id, at, at + interval '30 minutes', at + interval '1 minute', 60 FROM hp "
            "ORDER BY page_id",
            [project.pk],
        )
        cur.execute(
            "INSERT INTO clips_pageitem (uid, page_id, clip_id, position) SELECT gen_random_uuid(), "
            "hp.page_id, h.clip_id, h.r % 60 FROM h JOIN hp ON hp.action_class_id = h.action_class_id "
            "AND hp.p = h.r / 60 ORDER BY hp.page_id, h.r"
        )
        cur.execute(
            "INSERT INTO clips_label (clip_id, annotator_id, page_id, value, seconds_spent, created_at, "
            "active) SELECT h.clip_id, hp.annotator_id, hp.page_id, r.value, 1, "
            "hp.at + interval '1 minute', true FROM h JOIN hp ON hp.action_class_id = h.action_class_id "
            "AND hp.p = h.r / 60 JOIN clips_consensusresult r ON r.clip_id = h.clip_id "
            "ORDER BY hp.page_id, h.r"
        )
        cur.execute("UPDATE clips_clip c SET label_count = 3 FROM h WHERE c.id = h.clip_id")
    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE clips_clip")
        cur.execute("VACUUM ANALYZE clips_page")
        cur.execute("VACUUM ANALYZE clips_pageitem")
        cur.execute("VACUUM ANALYZE clips_label")
    print(f"history written in {time.perf_counter() - started:.0f} s")


def cycle(user, project, cls, rng: random.Random) -> tuple[float, float]:
    from backend.clips import services

    started = time.perf_counter()
    page = services.page_next(annotator=user, project=project, action_class=cls)
    leased = time.perf_counter()
    labels = {str(uid): rng.choice((1, -1)) for uid in page.items.values_list("uid", flat=True)}
    services.page_submit(annotator=user, page_uid=page.uid, labels=labels, seconds_spent=30)
    return leased - started, time.perf_counter() - leased


def capture(fn) -> list[str]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        fn()
    return [q["sql"] for q in ctx.captured_queries]


def explain(sql: str) -> str:
    from django.db import connection, transaction

    try:
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
            plan = "\n".join(row[0] for row in cur.fetchall())
            transaction.set_rollback(True)  # the statement ran for real (locks, inserts): undo it
    except Exception as exc:  # noqa: BLE001 — a statement that only makes sense in its transaction
        plan = f"(not explained: {exc})"
    return plan


def describe(sql: str) -> str:
    sql = re.sub(r"\s+", " ", sql)
    head = sql[:160] + ("…" if len(sql) > 160 else "")
    return head


KEY = re.compile(
    r"(Index|Seq Scan|LockRows|Limit|Sort|Nested Loop|Hash|Bitmap|Execution Time|Update on|Insert on|"
    r"Delete on|Anti Join|Semi Join)"
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database", default="actionloom_bench")
    parser.add_argument("--class-name", default="Long jump")
    parser.add_argument("--annotators", type=int, default=10)
    parser.add_argument("--warmup-cycles", type=int, default=60, help="page+submit cycles before measuring")
    parser.add_argument("--timed-cycles", type=int, default=30)
    parser.add_argument(
        "--no-history",
        dest="history",
        action="store_false",
        help="skip writing 3 labels (and their pages) for every imported clip first",
    )
    parser.add_argument("--write", type=Path)
    args = parser.parse_args()
    command = " ".join([".venv/bin/python", *sys.argv])
    setup_django(args.database)

    from django.db import connection

    from backend.clips import services
    from backend.clips.models import Clip, Label, Page
    from backend.clips.selectors import queue_invariant_violations

    project, cls, users = open_class(args.class_name, args.annotators, gold_share=0.05)
    if args.history:
        add_history(project, cls)
    rng = random.Random(1)
    for i in range(args.warmup_cycles):
        cycle(users[i % len(users)], project, cls, rng)
    with connection.cursor() as cur:
        cur.execute("ANALYZE clips_page, clips_pageitem, clips_label, clips_consensusresult")
    timings = [cycle(users[i % len(users)], project, cls, rng) for i in range(args.timed_cycles)]

    user = users[0]
    page_holder = {}

    def next_page():
        page_holder["page"] = services.page_next(annotator=user, project=project, action_class=cls)

    next_sql = capture(next_page)
    page = page_holder["page"]
    labels = {str(uid): 1 for uid in page.items.values_list("uid", flat=True)}
    submit_sql = capture(
        lambda: services.page_submit(annotator=user, page_uid=page.uid, labels=labels, seconds_spent=30)
    )
    plans = []
    for name, statements in (("next page", next_sql), ("submit", submit_sql)):
        for sql in statements:
            if sql.startswith(("SAVEPOINT", "RELEASE", "ROLLBACK")):
                continue
            plans.append((name, sql, explain(sql)))

    counts = {
        "clips": Clip.objects.count(),
        "open clips of the class": Clip.objects.filter(action_class=cls, is_open=True).count(),
        "gold clips of the class": Clip.objects.filter(action_class=cls, gold__isnull=False).count(),
        "labels": Label.objects.count(),
        "pages": Page.objects.count(),
    }
    violations = queue_invariant_violations(project=project, action_class=cls)
    next_ms = [t[0] * 1000 for t in timings]
    submit_ms = [t[1] * 1000 for t in timings]

    lines = [
        SECTION_TITLE,
        "",
        f"Command (from the repository root, {time.strftime('%Y-%m-%d')}, after the import benchmark):",
        "",
        "```",
        command,
        "```",
        "",
        "State: " + ", ".join(f"{v:,} {k}" for k, v in counts.items()) + f"; class {cls.name!r} opened for "
        f"{len(users)} annotators (pages of {project.page_size}, {project.gold_rate:.0%} gold), "
        f"{args.warmup_cycles} page+submit cycles done before measuring. Queue invariants after the run: "
        f"{'none violated' if not violations else '; '.join(violations)} (checked for the class).",
        "",
        f"In-process timings over {args.timed_cycles} cycles (services, no HTTP): next page median "
        f"{statistics.median(next_ms):.0f} ms (max {max(next_ms):.0f}), submit median "
        f"{statistics.median(submit_ms):.0f} ms (max {max(submit_ms):.0f}).",
        "",
        "Every statement of one next page and one submit, with the key lines of its plan "
        "(`EXPLAIN (ANALYZE, BUFFERS)`, run again in a rolled-back transaction):",
        "",
    ]
    for name, sql, plan in plans:
        # An INSERT run again repeats its unique keys: it is shown as not explained (its plan is a plain insert).
        key = [line.rstrip() for line in plan.splitlines() if KEY.search(line) or line.startswith("(not explained")]
        lines += [f"- **{name}** — `{describe(sql)}`", "", "  ```", *[f"  {line}" for line in key], "  ```", ""]
    draw = next((p for p in plans if "SKIP LOCKED" in p[1]), None)
    if draw:
        lines += ["The next-page draw in full:", "", "```", draw[1], "", draw[2], "```", ""]
    body = "\n".join(lines)
    print(body)
    if args.write:
        from tests.benchmarks.bench_import_export import write_section

        write_section(args.write, body, SECTION_TITLE)
        print(f"wrote {args.write}")


if __name__ == "__main__":
    main()
