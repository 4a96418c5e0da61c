"""Load driver: 100 simulated annotators against gunicorn + PostgreSQL + Redis (issue 5). Loopback only.

A script, not a test. It prepares project "Load" in a PostgreSQL database (by default the one
tests/benchmarks/bench_import_export.py leaves, so the queue runs beside 1.55M imported clips): 10 classes of
10,000 ready clips each (5% gold), 100 annotators, 10 per class group. It starts gunicorn on 127.0.0.1 on a free
port (4 sync workers, Redis as broker and cache) and runs 100 asyncio clients (httpx), each of which logs in
(session + CSRF, as the browser does) and then, until the time is up: asks for a page of 60 clips
(POST /api/pages/next/), labels it (`--label-seconds` on average), submits it (POST /api/pages/<uid>/submit/) and
calls the trivial authenticated endpoint (GET /api/ping/). Every request is bounded (30 s timeout), every client
stops at the deadline or after `--max-cycles`, and the whole run is cut off 60 s after the deadline (log-ins, before
the clock starts, get 5 minutes).

Afterwards, with gunicorn stopped, it checks the database: each submitted label stored exactly once (against what
the responses said), the queue's invariants (backend/clips/selectors.py) with the last pages still leased, and
again once those leases have run out and been given back. Run from the repository root:

    .venv/bin/python tests/benchmarks/load_annotators.py --write docs/benchmarks_scale.md
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import random
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
SECTION_TITLE = "## 100 annotators at once: next page and submit over HTTP (gunicorn + PostgreSQL + Redis)"
HOST = "127.0.0.1"  # loopback only
PASSWORD = "load-annotator-pw"


# --- data --------------------------------------------------------------------------------------------------------


def prepare(*, classes: int, clips_per_class: int, annotators: int, gold_share: float, page_size: int):
    """Project "Load", made again from nothing: classes of ready clips (10 per video), annotators in per-class
    groups. Returns the project and {class id: [usernames]}."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.db import connection, transaction

    from backend.catalog.models import ActionClass, AnnotatorGroup, Project
    from backend.catalog.services import taxonomy_load

    if not ActionClass.objects.exists():
        taxonomy_load()
    with transaction.atomic(), connection.cursor() as cur:
        old = Project.objects.filter(name="Load").first()
        if old:  # SQL, not the ORM's collector: a previous run leaves ~100K clips and their labels
            for sql in (
                "DELETE FROM clips_label l USING clips_page p WHERE l.page_id = p.id AND p.project_id = %s",
                "DELETE FROM clips_pageitem i USING clips_page p WHERE i.page_id = p.id AND p.project_id = %s",
                "DELETE FROM clips_page WHERE project_id = %s",
                "DELETE FROM clips_consensusresult r USING clips_clip c, catalog_video v "
                "WHERE r.clip_id = c.id AND c.video_id = v.id AND v.project_id = %s",
                "DELETE FROM quality_goldanswer g USING clips_clip c, catalog_video v "
                "WHERE g.clip_id = c.id AND c.video_id = v.id AND v.project_id = %s",
                "DELETE FROM clips_clip c USING catalog_video v WHERE c.video_id = v.id AND v.project_id = %s",
                "DELETE FROM catalog_video WHERE project_id = %s",
            ):
                cur.execute(sql, [old.pk])
            old.delete()
        project = Project.objects.create(name="Load", page_size=page_size, gold_rate=0.10)
        chosen = list(ActionClass.objects.filter(is_leaf=True).exclude(name="Long jump").order_by("name")[:classes])
        videos_per_class = clips_per_class // 10
        for cls in chosen:
            cur.execute(
                "INSERT INTO catalog_video (uid, project_id, external_id, source_url, file, original_name, subset, "
                "duration, fps, width, height, size_bytes, start_time, status, created_at, query_class_id) "
                "SELECT gen_random_uuid(), %s, 'load-' || %s || '-' || n, '', '', '', 'training', 40, 25, 320, 240, "
                "0, 0, 'ready', now(), %s FROM generate_series(1, %s) n",
                [project.pk, cls.pk, cls.pk, videos_per_class],
            )
        cur.execute(
            'INSERT INTO clips_clip (uid, video_id, action_class_id, start, "end", method, scores, media, poster, '
            "media_state, required_labels, label_count, lease_count, is_open, created_at) "
            "SELECT u, id, query_class_id, 2 * k, 2 * k + 2, 'random', '{}', 'clips/' || u || '.mp4', "
            "'clips/' || u || '.jpg', 'ready', 3, 0, 0, true, now() FROM (SELECT gen_random_uuid() AS u, v.id, "
            "v.query_class_id, k FROM catalog_video v, generate_series(0, 9) k WHERE v.project_id = %s) s "
            "ORDER BY id, k",
            [project.pk],
        )
        cur.execute(
            "INSERT INTO quality_goldanswer (clip_id, value, created_at) SELECT c.id, "
            "CASE WHEN random() < 0.5 THEN 1 ELSE -1 END, now() FROM clips_clip c JOIN catalog_video v "
            "ON v.id = c.video_id WHERE v.project_id = %s AND random() < %s",
            [project.pk, gold_share],
        )
        users = get_user_model()
        names = [f"load{i:03d}" for i in range(annotators)]
        existing = set(users.objects.filter(username__in=names).values_list("username", flat=True))
        users.objects.bulk_create([users(username=n) for n in names if n not in existing])
        # One hash for all: PBKDF2 is slow on purpose, and the benchmark measures the queue, not hashing.
        users.objects.filter(username__in=names).update(password=make_password(PASSWORD))
        by_class = {}
        for k, cls in enumerate(chosen):
            members = names[k :: len(chosen)]
            group = AnnotatorGroup.objects.create(project=project, name=f"load {cls.name}")
            group.members.set(users.objects.filter(username__in=members))
            group.classes.set([cls])
            by_class[cls.pk] = members
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    return project, by_class


# --- gunicorn ----------------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def start_gunicorn(port: int, workers: int, env: dict) -> subprocess.Popen:
    cmd = [
        str(ROOT / ".venv" / "bin" / "gunicorn"),
        "backend.config.wsgi:application",
        "--bind",
        f"{HOST}:{port}",
        "--workers",
        str(workers),
        "--timeout",
        "60",
        "--graceful-timeout",
        "10",
        "--log-level",
        "warning",
    ]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://{HOST}:{port}/accounts/login/", timeout=2).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        if proc.poll() is not None:
            raise SystemExit(f"gunicorn exited with {proc.returncode}")
        time.sleep(0.5)
    stop(proc)
    raise SystemExit("gunicorn did not answer within 60 s")


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)  # the gunicorn master (we started it): it stops its workers
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


# --- clients -----------------------------------------------------------------------------------------------------


@dataclass
class Stats:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: Counter = field(default_factory=Counter)
    errors: Counter = field(default_factory=Counter)
    submitted: dict[str, tuple[int, int, int]] = field(default_factory=dict)  # page uid → items, stored, dropped

    def record(self, name: str, started: float, response: httpx.Response | None, error: str | None = None) -> None:
        self.latencies[name].append(time.perf_counter() - started)
        if response is not None:
            self.statuses[(name, response.status_code)] += 1
            if response.status_code >= 400:
                self.errors[(name, f"HTTP {response.status_code}")] += 1
        else:
            self.errors[(name, error or "no response")] += 1


class Start:
    """The measured phase starts once every annotator has logged in (PBKDF2 makes 100 log-ins take a while)."""

    def __init__(self, annotators: int, seconds: float) -> None:
        self.waiting, self.seconds, self.go, self.deadline = annotators, seconds, asyncio.Event(), 0.0

    def ready(self) -> None:
        self.waiting -= 1
        if self.waiting == 0:
            self.deadline = time.perf_counter() + self.seconds
            self.go.set()


async def annotator(
    username: str,
    project: int,
    action_class: int,
    base: str,
    start: Start,
    stats: Stats,
    *,
    label_seconds: float,
    max_cycles: int,
    seed: int,
) -> None:
    rng = random.Random(seed)
    async with httpx.AsyncClient(base_url=base, timeout=30, limits=httpx.Limits(max_connections=1)) as client:

        async def call(name: str, method: str, url: str, **kwargs) -> httpx.Response | None:
            started = time.perf_counter()
            try:
                headers = {"X-CSRFToken": client.cookies.get("csrftoken", ""), "Referer": base + "/"}
                response = await client.request(method, url, headers=headers, **kwargs)
            except httpx.HTTPError as exc:
                stats.record(name, started, None, type(exc).__name__)
                return None
            stats.record(name, started, response)
            return response

        try:
            await client.get("/accounts/login/")
            login = await call(
                "login",
                "POST",
                "/accounts/login/",
                data={
                    "username": username,
                    "password": PASSWORD,
                    "csrfmiddlewaretoken": client.cookies.get("csrftoken"),
                },
            )
        finally:
            start.ready()
        if login is None or login.status_code != 302:
            return
        await start.go.wait()
        # Annotators arrive spread over one labelling time, not all in the same millisecond.
        await asyncio.sleep(rng.uniform(0, max(1.0, label_seconds)))
        for _ in range(max_cycles):
            if time.perf_counter() >= start.deadline:
                return
            page = await call(
                "next page", "POST", "/api/pages/next/", json={"project": project, "action_class": action_class}
            )
            if page is not None and page.status_code == 200:
                body = page.json()
                # HACS/SLAC grid: every clip starts positive; the annotator clicks the wrong ones (~30% here).
                labels = {item["item"]: (-1 if rng.random() < 0.3 else 1) for item in body["items"]}
                await asyncio.sleep(rng.uniform(0, 2 * label_seconds))
                if time.perf_counter() >= start.deadline:
                    return  # the page stays leased: its lease runs out, as an abandoned page's does
                done = await call(
                    "submit", "POST", f"/api/pages/{body['page']}/submit/", json={"labels": labels, "seconds_spent": 30}
                )
                if done is not None and done.status_code == 200:
                    result = done.json()
                    if not result["already_submitted"]:
                        stats.submitted[body["page"]] = (len(labels), result["stored"], result["dropped"])
            elif page is not None and page.status_code == 404:
                await asyncio.sleep(1)  # the class's queue is empty for this annotator
            await call("ping", "GET", "/api/ping/")


def percentile(values: list[float], q: float) -> float:
    """Nearest rank."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)] if ordered else 0.0


# --- checks ------------------------------------------------------------------------------------------------------


def check_database(project, stats: Stats) -> tuple[list[str], dict]:
    from django.db.models import Count
    from django.utils import timezone

    from backend.clips import services
    from backend.clips.models import Clip, Label, Page, PageItem
    from backend.clips.selectors import queue_invariant_violations

    problems = []
    stored = {
        str(uid): n
        for uid, n in Label.objects.filter(page__uid__in=list(stats.submitted))
        .values_list("page__uid")
        .annotate(n=Count("pk"))
        .values_list("page__uid", "n")
    }
    items = {
        str(uid): n
        for uid, n in PageItem.objects.filter(page__uid__in=list(stats.submitted))
        .values_list("page__uid")
        .annotate(n=Count("pk"))
        .values_list("page__uid", "n")
    }
    for uid, (n_items, n_stored, n_dropped) in stats.submitted.items():
        if stored.get(uid, 0) != n_stored:
            problems.append(
                f"page {uid}: the response said {n_stored} labels stored, the database has {stored.get(uid, 0)}"
            )
        if items.get(uid) != n_items or n_stored + n_dropped != n_items:
            problems.append(f"page {uid}: {n_items} items, {n_stored} stored + {n_dropped} dropped")
    open_pages = Page.objects.filter(project=project, submitted_at__isnull=True, released_at__isnull=True)
    facts = {
        "labels": Label.objects.filter(page__project=project).count(),
        "pages submitted": Page.objects.filter(project=project, submitted_at__isnull=False).count(),
        "pages still leased at the end": open_pages.count(),
    }
    problems += [f"while leased: {v}" for v in queue_invariant_violations(project=project)]
    open_pages.update(expires_at=timezone.now() - timedelta(minutes=1))  # the annotators have gone
    while services.pages_release_expired():
        pass
    problems += [f"after expiry: {v}" for v in queue_invariant_violations(project=project)]
    if Clip.objects.filter(video__project=project, lease_count__gt=0).exists():
        problems.append("after expiry: clips still count leases")
    facts["pages given back"] = Page.objects.filter(project=project, released_at__isnull=False).count()
    return problems, facts


# --- the run -----------------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--annotators", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=60, help="how long the annotators work")
    parser.add_argument(
        "--label-seconds",
        type=float,
        default=1.0,
        help="mean time an annotator spends on a page between getting and submitting it",
    )
    parser.add_argument("--max-cycles", type=int, default=10_000, help="pages per annotator at most")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--classes", type=int, default=10)
    parser.add_argument("--clips-per-class", type=int, default=10_000)
    parser.add_argument("--database", default="actionloom_bench")
    parser.add_argument("--write", type=Path)
    args = parser.parse_args()
    command = " ".join([".venv/bin/python", *sys.argv])
    dsn = f"postgres://postgres@{HOST}:5432/{args.database}"
    os.environ.setdefault("DJANGO_SECRET_KEY", secrets.token_urlsafe(50))  # settings refuse the dev key without DEBUG
    env = {
        **os.environ,
        "DATABASE_URL": dsn,
        "CELERY_BROKER_URL": f"redis://{HOST}:6379/0",
        "CACHE_URL": f"redis://{HOST}:6379/1",
        "DJANGO_SETTINGS_MODULE": "backend.config.settings",
    }
    os.environ.update({k: env[k] for k in ("DATABASE_URL", "CELERY_BROKER_URL", "CACHE_URL", "DJANGO_SETTINGS_MODULE")})
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    project, by_class = prepare(
        classes=args.classes,
        clips_per_class=args.clips_per_class,
        annotators=args.annotators,
        gold_share=0.05,
        page_size=60,
    )
    print(f"prepared project Load in {time.perf_counter() - started:.0f} s")
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM clips_clip")
        all_clips = cur.fetchone()[0]
    connection.close()

    port = free_port()
    server = start_gunicorn(port, args.workers, env)
    stats = Stats()
    try:
        base = f"http://{HOST}:{port}"

        async def run() -> float:
            start = Start(sum(len(names) for names in by_class.values()), args.seconds)
            tasks = [
                annotator(
                    name,
                    project.pk,
                    cls,
                    base,
                    start,
                    stats,
                    label_seconds=args.label_seconds,
                    max_cycles=args.max_cycles,
                    seed=k * 1000 + i,
                )
                for k, (cls, names) in enumerate(by_class.items())
                for i, name in enumerate(names)
            ]
            # Bounded: log-ins (100 PBKDF2 checks) get 5 minutes, the work its seconds and 60 s to finish.
            await asyncio.wait_for(asyncio.gather(*tasks), timeout=300 + args.seconds + 60)
            return time.perf_counter() - (start.deadline - args.seconds)

        wall = asyncio.run(run())
    finally:
        stop(server)

    print("status codes:", dict(stats.statuses), "errors:", dict(stats.errors))
    if not stats.latencies.get("ping"):
        raise SystemExit("no annotator got past logging in")
    problems, facts = check_database(project, stats)
    rows = []
    for name in ("next page", "submit", "ping", "login"):
        lat = [x * 1000 for x in stats.latencies.get(name, [])]
        errors = sum(n for (k, _), n in stats.errors.items() if k == name)
        rows.append(
            (name, len(lat), percentile(lat, 50), percentile(lat, 95), percentile(lat, 99), max(lat, default=0), errors)
        )
    p99 = {r[0]: r[4] for r in rows}
    title = f"{SECTION_TITLE}, {args.label_seconds:g} s per page"
    lines = [
        title,
        "",
        f"Command (from the repository root, {time.strftime('%Y-%m-%d')}):",
        "",
        "```",
        command,
        "```",
        "",
        f"{args.annotators} annotators ({len(by_class)} classes × {args.annotators // len(by_class)}, pages of 60 "
        f"with 10% gold, {args.label_seconds:g} s mean labelling time per page) for {args.seconds:g} s against "
        f"gunicorn ({args.workers} sync workers) on {HOST}, PostgreSQL (database `{args.database}`: {all_clips:,} "
        f"clips in all, {args.classes * args.clips_per_class:,} of them open in the load's classes) and Redis "
        f"(broker and cache). Client: httpx {httpx.__version__} (asyncio), on the same 2-CPU machine, which other "
        "jobs shared. Latency is the client's, request sent to response read.",
        "",
        "| request | count | p50 ms | p95 ms | p99 ms | max ms | errors |",
        "|---|---|---|---|---|---|---|",
        *[f"| {n} | {c:,} | {a:.0f} | {b:.0f} | {d:.0f} | {m:.0f} | {e} |" for n, c, a, b, d, m, e in rows],
        "",
        f"p99 / p99 of the trivial endpoint (`GET /api/ping/`): next page **{p99['next page'] / p99['ping']:.1f}×**, "
        f"submit **{p99['submit'] / p99['ping']:.1f}×** (goal ≤ 3×).",
        "",
        f"Throughput: {len(stats.submitted):,} pages submitted in the {args.seconds:g} s "
        f"({len(stats.submitted) / args.seconds:.1f} pages/s, "
        f"{sum(s for _, s, _ in stats.submitted.values()) / args.seconds:,.0f} labels/s; the last clients finished "
        f"{wall - args.seconds:.0f} s later). Status codes: "
        + ", ".join(f"{n} {code}: {c:,}" for (n, code), c in sorted(stats.statuses.items()))
        + ". Errors: "
        + (", ".join(f"{n} {e}: {c}" for (n, e), c in sorted(stats.errors.items())) or "none")
        + ".",
        "",
        "Database after the run: " + ", ".join(f"{v:,} {k}" for k, v in facts.items()) + ". Checks (each "
        "submitted label stored exactly once, as the responses said; no clip with two active labels from one "
        "annotator or more than it requires; counters, consensus and leases in step — with the last pages still "
        "leased, and again once they expired and were given back): "
        + ("**all hold**." if not problems else "**violated**: " + "; ".join(problems[:20])),
        "",
    ]
    body = "\n".join(lines)
    print(body)
    if args.write:
        from tests.benchmarks.bench_import_export import write_section

        write_section(args.write, body, title)
        print(f"wrote {args.write}")
    if problems:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
