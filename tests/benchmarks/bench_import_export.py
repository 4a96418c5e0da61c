"""Benchmark: a HACS-size clips import and export on PostgreSQL (issue 5), against a bare COPY of the same file.

A script, not a test (pytest collects test_*.py only). In one run, on a database of its own (dropped and made
again; `actionloom_bench` unless --database says otherwise) on the PostgreSQL of DATABASE_URL's server:

1. generates a HACS Clips CSV (`classname,youtube_id,subset,start,end,label`): 1,550,016 rows of 504,000 videos in
   the 200 ActivityNet leaf classes, 2-s clips, 8% validation videos, 40% positive, sorted as an export sorts;
2. baseline: a bare COPY of that CSV into a plain table (no index, no constraint) in the same database, 3 times;
3. `manage.py import_clips` of the CSV in a subprocess: rows/s, and its ratio to the median COPY's;
4. `manage.py export_clips --format hacs-csv` of the same data in a subprocess: rows/s and the process's peak RSS
   (VmHWM and VmRSS from /proc while it runs); the export must give the generated file back byte
   for byte;
5. when the segments app's `import_segments` command exists: an ActivityNet-layout segments file (49,581 videos,
   ~139K segments, HACS Segments' string durations) and the command's time.

The database is left in place for tests/benchmarks/bench_queue_plans.py and load_annotators.py. Run from the
repository root (PostgreSQL on 127.0.0.1, user postgres):

    .venv/bin/python tests/benchmarks/bench_import_export.py --write docs/benchmarks_scale.md
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import random
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import psycopg2

ROOT = Path(__file__).resolve().parents[2]
PYTHON = str(ROOT / ".venv" / "bin" / "python")
TAXONOMY = ROOT / "backend" / "catalog" / "data" / "activitynet_v1.3_taxonomy.json"
SERVER = "postgres://postgres@127.0.0.1:5432"
SECTION_TITLE = "## HACS-size import and export (PostgreSQL)"
YOUTUBE_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


# --- data --------------------------------------------------------------------------------------------------------


def leaf_classes() -> list[str]:
    nodes = json.loads(TAXONOMY.read_text())
    parents = {n["parentId"] for n in nodes}
    return sorted(n["nodeName"] for n in nodes if n["nodeId"] not in parents)


def youtube_ids(rng: random.Random, count: int) -> list[str]:
    seen: set[str] = set()
    while len(seen) < count:
        bits = rng.getrandbits(66)
        seen.add("".join(YOUTUBE_ALPHABET[(bits >> (6 * k)) & 63] for k in range(11)))
    return sorted(seen)


def write_clips_csv(path: Path, *, rows: int, videos: int, seed: int) -> int:
    """HACS Clips layout, sorted by class, video and start as export_clips sorts (so a round trip is exact)."""
    rng = random.Random(seed)
    classes = leaf_classes()
    ids = youtube_ids(rng, videos)
    rng.shuffle(ids)
    per_video = [rows // videos] * videos
    for i in rng.sample(range(videos), rows - sum(per_video)):
        per_video[i] += 1
    table = sorted((classes[i % len(classes)], ids[i], i) for i in range(videos))
    written = 0
    with path.open("w") as fh:
        fh.write("classname,youtube_id,subset,start,end,label\n")
        for name, youtube_id, i in table:
            subset = "validation" if rng.random() < 0.08 else "training"
            slots = int(rng.uniform(30, 240) - 2) * 2  # half-second starts in a 30 s to 4 min video
            for s in sorted(rng.sample(range(slots), per_video[i])):
                fh.write(f"{name},{youtube_id},{subset},{s / 2},{s / 2 + 2},{1 if rng.random() < 0.4 else -1}\n")
                written += 1
    return written


def write_segments_json(path: Path, *, videos: int, segments: int, seed: int) -> tuple[int, int]:
    """ActivityNet layout as HACS Segments writes it (string durations); 12% testing videos without labels."""
    rng = random.Random(seed)
    classes = leaf_classes()
    ids = youtube_ids(rng, videos)
    labelled = round(videos * 0.88)
    counts = [segments // labelled] * labelled
    for i in rng.sample(range(labelled), segments - sum(counts)):
        counts[i] += 1
    database = {}
    for i, youtube_id in enumerate(ids):
        duration = round(rng.uniform(30, 240), 2)
        annotations = []
        if i < labelled:
            label = classes[i % len(classes)]
            for _ in range(counts[i]):
                start = round(rng.uniform(0, duration - 5), 2)
                annotations.append({"label": label, "segment": [start, round(rng.uniform(start + 1, duration), 2)]})
        subset = "testing" if i >= labelled else ("validation" if rng.random() < 0.14 else "training")
        database[youtube_id] = {
            "subset": subset,
            "duration": f"{duration:.2f}",
            "url": f"https://www.youtube.com/watch?v={youtube_id}",
            "annotations": annotations,
        }
    path.write_text(json.dumps({"database": database}))
    return videos, sum(len(e["annotations"]) for e in database.values())


# --- measuring ---------------------------------------------------------------------------------------------------


@dataclass
class Run:
    seconds: float
    peak_rss_mb: float
    rss_samples_mb: list[float] = field(default_factory=list)
    stdout: str = ""
    stderr: str = ""


def run_measured(cmd: list[str], env: dict) -> Run:
    """Run a command, returning its wall time, its peak RSS (VmHWM, every 0.25 s) and RSS samples (/proc)."""
    samples: list[float] = []
    # The process's own peak (VmHWM, sampled): getrusage's ru_maxrss of a child starts from this script's size at
    # fork on Linux (it survives exec), so a child smaller than the script reports the script's size.
    high_water: list[float] = []
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, env=env, cwd=ROOT)
        done = threading.Event()

        def sample() -> None:
            while not done.wait(0.25):
                try:
                    status = Path(f"/proc/{proc.pid}/status").read_text()
                except OSError:
                    return
                found = re.search(r"VmRSS:\s+(\d+) kB", status)
                if found:
                    samples.append(int(found.group(1)) / 1024)
                found = re.search(r"VmHWM:\s+(\d+) kB", status)
                if found:
                    high_water.append(int(found.group(1)) / 1024)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - started
        done.set()
        sampler.join()
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0), err.seek(0)
        peak = max(high_water) if high_water else usage.ru_maxrss / 1024
        run = Run(seconds, peak, samples, out.read(), err.read())
    if proc.returncode:
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{run.stdout[-2000:]}\n{run.stderr[-4000:]}")
    return run


def manage(*args: str, env: dict) -> Run:
    return run_measured([PYTHON, "manage.py", *args], env)


def bare_copy(dsn: str, csv_path: Path) -> float:
    with psycopg2.connect(dsn) as conn, conn.cursor() as cur:
        cur.execute("DROP TABLE IF EXISTS bench_bare_copy")
        cur.execute(
            "CREATE TABLE bench_bare_copy (classname text, youtube_id text, subset text, start float8, "
            '"end" float8, label smallint)'
        )
        conn.commit()
        started = time.perf_counter()
        with csv_path.open() as fh:
            cur.copy_expert("COPY bench_bare_copy FROM STDIN WITH (FORMAT csv, HEADER true)", fh, size=1 << 16)
        conn.commit()
        seconds = time.perf_counter() - started
        cur.execute("DROP TABLE bench_bare_copy")
    return seconds


def fresh_database(name: str) -> None:
    if not name.startswith("actionloom_bench"):
        raise SystemExit("the benchmark drops its database: give it a name starting with actionloom_bench")
    conn = psycopg2.connect(f"{SERVER}/postgres")
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cur.execute(f'CREATE DATABASE "{name}"')
    conn.close()


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def write_section(path: Path, body: str, title: str = SECTION_TITLE) -> None:
    """Replace the section called `title` in `path` (other sections are kept), or create the file."""
    text = path.read_text() if path.exists() else "# Scale and load benchmarks (issue 5)\n"
    if title in text:
        before, rest = text.split(title, 1)
        after = rest[rest.find("\n## ") :] if "\n## " in rest else ""
        text = before + body.rstrip("\n") + "\n" + after
    else:
        text = text.rstrip("\n") + "\n\n" + body
    path.write_text(text)


# --- the run -----------------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_550_016, help="clips in the file (HACS: 1,550,016)")
    parser.add_argument("--videos", type=int, default=504_000, help="videos in the file (HACS: 504K)")
    parser.add_argument("--segment-videos", type=int, default=49_581, help="videos in the segments file")
    parser.add_argument("--segments", type=int, default=139_000, help="segments in the segments file")
    parser.add_argument("--database", default="actionloom_bench")
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "actionloom-bench")
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--write", type=Path, help="markdown file to write the results section into")
    args = parser.parse_args()
    command = " ".join([".venv/bin/python", *sys.argv])
    args.workdir.mkdir(parents=True, exist_ok=True)
    dsn = f"{SERVER}/{args.database}"
    env = {**os.environ, "DATABASE_URL": dsn, "ACTIONLOOM_LOG_LEVEL": "INFO"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    wall = time.perf_counter()

    csv_path = args.workdir / "hacs_clips.csv"
    started = time.perf_counter()
    rows = write_clips_csv(csv_path, rows=args.rows, videos=args.videos, seed=args.seed)
    print(f"generated {rows} rows ({csv_path.stat().st_size / 2**20:.0f} MiB) in {time.perf_counter() - started:.1f} s")

    fresh_database(args.database)
    manage("migrate", "-v0", env=env)
    manage("load_taxonomy", env=env)
    manage("shell", "-c", "from backend.catalog.models import Project; Project.objects.create(name='HACS')", env=env)

    copies = [bare_copy(dsn, csv_path) for _ in range(3)]
    copy_seconds = statistics.median(copies)
    print(f"bare COPY: {', '.join(f'{s:.2f}' for s in copies)} s")

    imported = manage("import_clips", str(csv_path), "--project", "HACS", "--no-progress", env=env)
    print(imported.stdout.strip())
    stages = re.search(r"bulk import of \d+ rows: (.*)", imported.stderr)
    copies.append(bare_copy(dsn, csv_path))  # once more after the import: the machine's load may have moved
    print(f"bare COPY after the import: {copies[-1]:.2f} s")

    export_path = args.workdir / "hacs_clips_export.csv"
    exported = manage("export_clips", "--format", "hacs-csv", "-o", str(export_path), "--project", "HACS", env=env)
    identical = sha256(export_path) == sha256(csv_path)
    steady = exported.rss_samples_mb[len(exported.rss_samples_mb) // 4 :] or [exported.peak_rss_mb]

    segments = None
    if (ROOT / "backend" / "segments" / "management" / "commands" / "import_segments.py").exists():
        seg_path = args.workdir / "hacs_segments.json"
        seg_videos, seg_count = write_segments_json(
            seg_path, videos=args.segment_videos, segments=args.segments, seed=args.seed
        )
        manage(
            "shell",
            "-c",
            "from backend.catalog.models import Project; Project.objects.create(name='HACS Segments')",
            env=env,
        )
        run = manage("import_segments", str(seg_path), "--project", "HACS Segments", env=env)
        segments = (seg_videos, seg_count, run)
        print(run.stdout.strip())

    def rate(n: int, seconds: float) -> str:
        return f"{n / seconds:,.0f}"

    copy_rate = rows / copy_seconds
    lines = [
        SECTION_TITLE,
        "",
        f"Command (from the repository root, {time.strftime('%Y-%m-%d')}):",
        "",
        "```",
        command,
        "```",
        "",
        f"File: {rows:,} rows, {args.videos:,} videos, 200 classes, {csv_path.stat().st_size / 2**20:.0f} MiB "
        f"(HACS Clips layout, generated with seed {args.seed}). Database: PostgreSQL "
        f"{_server_version(dsn)} on this machine (shared_buffers {_setting(dsn, 'shared_buffers')}), "
        f"a database of the benchmark's own. Machine: {os.cpu_count()} CPUs, Python {platform.python_version()}; "
        "other jobs shared the machine during the run.",
        "",
        "| step | rows | seconds | rows/s | ratio to bare COPY | peak RSS |",
        "|---|---|---|---|---|---|",
        f"| bare `COPY` into a plain table (median of {len(copies) - 1} before the import; "
        f"{', '.join(f'{s:.2f}' for s in copies)} s) | {rows:,} | {copy_seconds:.2f} | {rate(rows, copy_seconds)} "
        f"| 1 | — |",
        f"| `import_clips` (bulk: COPY to staging, INSERT … SELECT) | {rows:,} | {imported.seconds:.1f} "
        f"| {rate(rows, imported.seconds)} | **{rows / imported.seconds / copy_rate:.3f}** (goal ≥ 0.3) "
        f"| {imported.peak_rss_mb:.0f} MB |",
        f"| `export_clips --format hacs-csv` (streamed) | {rows:,} | {exported.seconds:.1f} "
        f"| {rate(rows, exported.seconds)} | {rows / exported.seconds / copy_rate:.3f} "
        f"| **{exported.peak_rss_mb:.0f} MB** (goal < 300 MB) |",
    ]
    if segments:
        seg_videos, seg_count, run = segments
        lines.append(
            f"| `import_segments` (segments app, ActivityNet JSON) | {seg_videos:,} videos, {seg_count:,} "
            f"segments | {run.seconds:.1f} | {rate(seg_count, run.seconds)} segments/s | — "
            f"| {run.peak_rss_mb:.0f} MB |"
        )
    lines += [
        "",
        f"Import stages (the command's own log): {stages.group(1) if stages else 'not logged'}.",
        f"Export: RSS sampled every 0.25 s after the first quarter of the run: "
        f"{min(steady):.0f}–{max(steady):.0f} MB (flat); the exported file is "
        f"{'byte for byte the imported one' if identical else 'NOT identical to the imported one'}.",
    ]
    if segments:
        lines.append(f"Segments: `{segments[2].stdout.strip()}`")
    else:
        lines.append("Segments: the segments app's `import_segments` command was not there; not measured.")
    lines.append(f"Wall time of the run: {time.perf_counter() - wall:.0f} s.")
    body = "\n".join(lines) + "\n"
    print("\n" + body)
    if args.write:
        write_section(args.write, body)
        print(f"wrote {args.write}")


def _server_version(dsn: str) -> str:
    return _setting(dsn, "server_version")


def _setting(dsn: str, name: str) -> str:
    with psycopg2.connect(dsn) as conn, conn.cursor() as cur:
        cur.execute(f"SHOW {name}")
        return cur.fetchone()[0]


if __name__ == "__main__":
    main()
