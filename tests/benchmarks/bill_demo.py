"""The labelling bill, end to end, on the demo project of a running `make run` (issue 6).

A script, not a test. Three scripted annotators label every page of both demo classes in the grid (real Chromium
through Playwright, the real active-time counter, real submits), then segment or reject every demo video in the
timeline; afterwards the admin's bill API gives SLAC's table 3 from what was stored. The annotators are scripts:
they look at a page for `--look` seconds per clip, click a clip in `--click` seconds, answer wrongly with
probability `--error` (SLAC's annotators were 94 % accurate), and take `--segment-look` seconds per video. So the
*seconds* in the bill are this pacing, measured back through the platform (a check of the bill's arithmetic and of
the active-time counter, not of human speed); labels per clip, clips per video and the consensus figures are what
the platform decided. Run from the repository root, with the app of the same repository running:

    make run &   # wait until the worker has cut the demo clips
    .venv/bin/python tests/benchmarks/bill_demo.py --write docs/benchmarks_bill.md
"""

from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.config.settings")
os.environ.setdefault("DJANGO_SECRET_KEY", secrets.token_urlsafe(50))  # settings refuse the dev key without DEBUG
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs a loop in this thread

ANNOTATORS = [("annotator1", "actionloom-1"), ("annotator2", "actionloom-2"), ("annotator3", "actionloom-3")]


def truth_by_video() -> dict[str, bool]:
    """external_id -> does the video show its class's action (as seed_demo made it)."""
    from backend.catalog.models import ActionClass
    from backend.demo.management.commands.seed_demo import DEMO

    out = {}
    for class_name, _definition, videos in DEMO:
        cls = ActionClass.objects.get(name=class_name)
        for i, (_photo, _motion, shows) in enumerate(videos):
            out[f"demo-{cls.pk}-{i}"] = shows
    return out


def label_grid(page, url: str, project_id: int, class_id: int, truth: dict, args, rng: random.Random) -> int:
    from backend.clips.models import PageItem

    payloads = []
    page.on("response", lambda r: payloads.append(r) if "/api/pages/next/" in r.url and r.ok else None)
    page.goto(f"{url}/grid/{project_id}/{class_id}/")
    pages = 0
    while True:
        page.wait_for_function("document.querySelector('.tile') || document.body.innerText.includes('waiting for you')")
        if not page.query_selector(".tile"):
            return pages
        items = payloads[-1].json()["items"]
        clips = {
            str(i.uid): i.clip
            for i in PageItem.objects.filter(uid__in=[x["item"] for x in items]).select_related("clip__video")
        }
        time.sleep(args.look * len(items))
        for n, item in enumerate(items):
            shows = truth[clips[item["item"]].video.external_id]
            answer = shows if rng.random() >= args.error else not shows
            if not answer:  # the default is positive: click the clips that do not show the action
                page.mouse.move(5 + n, 200)
                time.sleep(args.click)
                page.click(f".tile >> nth={n}")
        page.keyboard.press("Enter")
        pages += 1
        page.wait_for_timeout(800)


def segment_videos(page, url: str, project_id: int, class_id: int, truth: dict, args) -> int:
    from backend.segments.models import SegmentAnnotation

    page.goto(f"{url}/timeline/{project_id}/{class_id}/")
    done = 0
    while True:
        page.wait_for_function(
            "!document.getElementById('submit').disabled || document.body.innerText.includes('waiting for you')",
            timeout=30_000,
        )
        if page.is_disabled("#submit"):
            return done
        task = SegmentAnnotation.objects.filter(status="leased", annotator__username=args.current_user).latest("pk")
        shows = truth[task.segment_video.video.external_id]
        page.wait_for_function("document.querySelector('video').readyState >= 2")
        time.sleep(args.segment_look if args.segment_look is not None else task.segment_video.media_duration)
        if shows:  # the demo videos show the action throughout (or not at all)
            page.evaluate("document.querySelector('video').currentTime = 0.2")
            page.keyboard.press("z")
            page.evaluate("const v = document.querySelector('video'); v.currentTime = v.duration - 0.3")
            page.wait_for_timeout(300)
            page.keyboard.press("z")
            page.keyboard.press("Control+Enter")
        else:
            page.click("#reject")
            page.check("#reject-dialog input[value=no_action]")
            page.click("#reject-confirm")
        done += 1
        page.wait_for_timeout(800)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--look", type=float, default=0.5, help="seconds of looking per clip on a page")
    parser.add_argument("--click", type=float, default=0.6, help="seconds to reach and click a clip")
    parser.add_argument("--error", type=float, default=0.06, help="chance that a scripted answer is wrong")
    parser.add_argument(
        "--segment-look",
        type=float,
        default=None,
        help="seconds of watching per video (default: its duration, i.e. watched once at 1x)",
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--write", type=Path, help="write the results as Markdown to this file")
    args = parser.parse_args()

    import django

    django.setup()
    from playwright.sync_api import sync_playwright

    from backend.catalog.models import ActionClass, Project
    from backend.quality.bill import labelling_bill
    from tests.benchmarks.browser import chromium_path, log_in

    project = Project.objects.get(name="Demo project")
    classes = list(ActionClass.objects.filter(annotator_groups__project=project).order_by("name"))
    truth = truth_by_video()
    rng = random.Random(args.seed)
    started = time.monotonic()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=chromium_path(), args=["--no-sandbox", "--autoplay-policy=no-user-gesture-required"]
        )
        for username, password in ANNOTATORS:
            context = browser.new_context(viewport={"width": 1400, "height": 900})
            page = context.new_page()
            log_in(page, args.url, username, password)
            args.current_user = username
            for cls in classes:
                pages = label_grid(page, args.url, project.pk, cls.pk, truth, args, rng)
                videos = (
                    segment_videos(page, args.url, project.pk, cls.pk, truth, args) if username == "annotator1" else 0
                )
                print(f"{username} · {cls.name}: {pages} grid pages, {videos} timeline videos", flush=True)
            context.close()
        browser.close()
    bill = labelling_bill(project=project)
    print(json.dumps(bill["table3"], indent=2))
    if args.write:
        args.write.write_text(markdown(bill, args, time.monotonic() - started))
        print(f"wrote {args.write}")


def _f(value, digits=1, unit=""):
    return "–" if value is None else f"{value:,.{digits}f}{unit}"


def markdown(bill: dict, args, wall: float) -> str:
    ours, slac = bill["table3"]["ours"], bill["table3"]["slac"]
    lines = [
        "# The labelling bill on the demo project",
        "",
        "`tests/benchmarks/bill_demo.py` against `make run` (SQLite, filesystem broker, real worker), "
        f"{wall / 60:.1f} min wall clock. Three **scripted** annotators in Chromium: {args.look} s of looking per clip, "
        f"{args.click} s per click, {args.error:.0%} wrong answers, and each timeline video watched once at 1× "
        f"({'its duration' if args.segment_look is None else f'{args.segment_look} s'}) before its segment is marked. "
        "The seconds "
        "below are that pacing measured back through the platform's active-time counter and stored labels — they check "
        "the bill end to end, they are not human speed. Labels per clip and clips per video are the platform's own.",
        "",
        "## SLAC table 3, recomputed (the bill page, `/bill/<project>/`)",
        "",
        "| | ours (scripted) | SLAC |",
        "|---|---:|---:|",
        f"| active seconds per label | {_f(ours['seconds_per_label'], 2)} | {slac['seconds_per_label']} |",
        f"| labels per decided clip | {_f(ours['labels_per_clip'], 2)} | {slac['labels_per_clip']} (one annotator) |",
        f"| seconds per clip | {_f(ours['seconds_per_clip'], 2)} | {slac['seconds_per_clip']} |",
        f"| clips per video | {_f(ours['clips_per_video'], 2)} | – |",
        f"| seconds per video, sparse (clips) | {_f(ours['seconds_per_video_sparse'], 1)} | "
        f"{slac['seconds_per_video_sparse']} |",
        f"| seconds per video, full (timeline) | {_f(ours['seconds_per_video_full'], 1)} "
        f"({ours['segment_videos']} videos) | {slac['seconds_per_video_full']:.0f} |",
        f"| full ÷ sparse | {_f(ours['speedup_sparse_vs_full'], 1, '×')} | {slac['speedup_sparse_vs_full']:.1f}× |",
        f"| HACS Clips (1.55M clips) at our rate | {_f(ours['hacs_clips_hours'], 0, ' h')} | – |",
        f"| 504K videos, sparse / full | {_f(ours['hacs_sparse_hours'], 0, ' h')} / "
        f"{_f(ours['hacs_full_hours'], 0, ' h')} | – |",
        "",
        "## Labels per final clip",
        "",
        "| consensus mode | clips decided | labels | labels per clip |",
        "|---|---:|---:|---:|",
    ]
    for row in bill["labels_per_final_clip"]:
        lines.append(f"| {row['mode']} | {row['clips']} | {row['labels']} | {row['labels_per_clip']:.2f} |")
    lines += [
        "",
        "## Per annotator, class and tool",
        "",
        "| annotator | class | tool | items | active s | s per item | golden accuracy |",
        "|---|---|---|---:|---:|---:|---:|",
    ]
    for row in bill["costs"]:
        acc = "–" if row["gold_accuracy"] is None else f"{row['gold_accuracy']:.0%} of {row['gold_answers']}"
        lines.append(
            f"| {row['annotator']} | {row['class']} | {row['tool']} | {row['items']} | "
            f"{row['seconds']:.1f} | {_f(row['seconds_per_item'], 2)} | {acc} |"
        )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
