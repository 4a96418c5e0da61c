"""Benchmark: ActivityNet segments export and import at HACS Segments scale (issue 3).

A script, not a test (pytest collects test_*.py only). It builds a throw-away database (SQLite in a temp folder unless
DATABASE_URL is set) with VIDEOS videos × 3 final segments, then measures:

- export: ``backend.exports.activitynet.stream`` written to a file: wall time, Python peak memory (tracemalloc) —
  the claim is that memory stays flat because the database object is streamed video by video;
- the same export read back by the evaluation (``workers.evaluation.layout.read_ground_truth``): a check, not a timing;
- import: ``parse`` + ``import_videos`` of the exported file into an empty project, one transaction.

Run from the repository root:

    .venv/bin/python tests/benchmarks/bench_segments_export.py --videos 50000 --write docs/benchmarks_segments.md
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import secrets
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
SECTION_TITLE = "## ActivityNet segments export and import (HACS Segments scale)"


def setup_django(tmp: Path) -> None:
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{tmp / 'bench.sqlite3'}")
    os.environ["ACTIONLOOM_MEDIA_ROOT"] = str(tmp / "media")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.config.settings")
    os.environ.setdefault("DJANGO_SECRET_KEY", secrets.token_urlsafe(50))  # settings refuse the dev key without DEBUG
    os.environ.setdefault("ACTIONLOOM_LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def populate(videos: int) -> None:
    from django.db import transaction
    from django.utils import timezone

    from backend.catalog.models import ActionClass, Project, Video
    from backend.segments.models import Segment, SegmentAnnotation, SegmentVideo

    root = ActionClass.objects.create(node_id=0, name="Root")
    classes = ActionClass.objects.bulk_create(
        [ActionClass(node_id=i, name=f"Action {i:03d}", parent=root, is_leaf=True) for i in range(1, 201)]
    )
    project = Project.objects.create(name="bench")
    now = timezone.now()
    chunk = 5000
    with transaction.atomic():
        for first in range(0, videos, chunk):
            n = min(chunk, videos - first)
            vids = Video.objects.bulk_create(
                [
                    Video(
                        project=project,
                        external_id=f"v{first + i:011d}",
                        query_class=classes[(first + i) % 200],
                        subset=("training", "validation")[(first + i) % 2],
                        duration=120.0 + (first + i) % 97,
                        source_url=f"https://www.youtube.com/watch?v=v{first + i:010d}",
                    )
                    for i in range(n)
                ]
            )
            svs = SegmentVideo.objects.bulk_create(
                [SegmentVideo(video=v, action_class=v.query_class, media_state="none", is_open=False) for v in vids]
            )
            anns = SegmentAnnotation.objects.bulk_create(
                [
                    SegmentAnnotation(segment_video=sv, kind="imported", status="submitted", submitted_at=now)
                    for sv in svs
                ]
            )
            Segment.objects.bulk_create(
                [
                    Segment(
                        annotation=a,
                        action_class=sv.action_class,
                        start=10.0 * k + 1.25,
                        end=10.0 * k + 7.5 + k,
                        position=k,
                    )
                    for a, sv in zip(anns, svs, strict=True)
                    for k in range(3)
                ]
            )
            for sv, a in zip(svs, anns, strict=True):
                sv.final = a
            SegmentVideo.objects.bulk_update(svs, ["final"])


def measure_export(path: Path) -> tuple[float, int]:
    from backend.exports import activitynet

    tracemalloc.start()
    started = time.perf_counter()
    with path.open("w", encoding="utf-8") as fh:
        for chunk in activitynet.stream():
            fh.write(chunk)
    seconds = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return seconds, peak


def measure_import(path: Path) -> tuple[float, float, dict]:
    from backend.catalog.models import Project, Video
    from backend.exports import activitynet

    Video.objects.all().delete()
    project = Project.objects.get(name="bench")
    started = time.perf_counter()
    data = json.loads(path.read_text())
    videos = activitynet.parse(data)
    parsed = time.perf_counter() - started
    counts = activitynet.import_videos(videos=videos, project=project)
    return parsed, time.perf_counter() - started, counts


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--videos", type=int, default=50_000)
    parser.add_argument("--write", type=Path, help="append the result table to this Markdown file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        setup_django(tmp)
        from django.db import connection

        started = time.perf_counter()
        populate(args.videos)
        populate_s = time.perf_counter() - started
        out = tmp / "segments.json"
        export_s, export_peak = measure_export(out)
        size = out.stat().st_size
        from workers.evaluation.layout import read_ground_truth

        table = read_ground_truth(ground_truth=json.loads(out.read_text()), subset=None)
        assert len(table.video_ids) == args.videos and len(table.segments) == 3 * args.videos
        first = out.read_text()
        parse_s, import_s, counts = measure_import(out)
        second = tmp / "again.json"
        measure_export(second)
        assert second.read_text() == first, "round trip changed the file"
        vendor = connection.vendor
    lines = [
        SECTION_TITLE,
        "",
        f"{args.videos:,} videos × 3 segments ({3 * args.videos:,} segments), {vendor}, Python "
        f"{platform.python_version()}, {platform.machine()}, {os.cpu_count()} CPUs. Populating the database (bulk) took "
        f"{populate_s:.1f} s.",
        "",
        "| step | wall time | notes |",
        "|---|---:|---|",
        f"| `export_segments` (stream to file) | {export_s:.1f} s | {size / 2**20:.1f} MiB written; Python peak "
        f"{export_peak / 2**20:.1f} MiB (tracemalloc) |",
        f"| read by `workers.evaluation` | — | {len(table.video_ids):,} videos, {len(table.segments):,} segments |",
        f"| `import_segments`: parse + check | {parse_s:.1f} s | json.load and path checks of every element |",
        f"| `import_segments`: all | {import_s:.1f} s | one transaction; {counts['videos']:,} videos created |",
        "| export again | — | byte-identical to the first export (round trip) |",
        "",
    ]
    text = "\n".join(lines)
    print(text)
    if args.write:
        existing = args.write.read_text() if args.write.exists() else "# Segment benchmarks\n\n"
        if SECTION_TITLE in existing:
            existing = existing[: existing.index(SECTION_TITLE)].rstrip() + "\n\n"
        args.write.write_text(existing + text)


if __name__ == "__main__":
    main()
