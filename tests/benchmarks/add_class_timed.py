"""Time the guided "add a class" flow on a running `make run`, at a person's pace (issue 6: HAA500 adds a class in
20–60 minutes).

A script, not a test. An admin in Chromium opens *Add a class* on the demo project, types the class name and a
guideline at `--cps` characters per second (a typist's ~40 words a minute by default), reads each step for
`--read` seconds, uploads `--videos` real videos (`--seconds` long each, made here with ffmpeg from scikit-image
photos with camera motion), waits for the worker (mining on, if `--mining`), watches the ready clips and marks
one positive example and one hard negative, and opens the first page. The minutes are the flow's own record
(`ClassSetup`), printed per step. The reading and typing pace is the script's; the upload, the worker and the
pages are real. Run from the repository root with the app of the same repository running:

    .venv/bin/python tests/benchmarks/add_class_timed.py [--mining]
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.config.settings")
os.environ.setdefault("DJANGO_SECRET_KEY", secrets.token_urlsafe(50))  # settings refuse the dev key without DEBUG
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

GUIDELINE = (
    "A person throws three or more clubs and catches them again in a continuous pattern. It starts when the "
    "first club leaves a hand and ends when the last club is caught. Not this action: spinning a single "
    "club, passing clubs between two people without throwing, or holding clubs still."
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--videos", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--cps", type=float, default=4.0, help="typing speed, characters per second")
    parser.add_argument("--read", type=float, default=8.0, help="seconds spent reading each step")
    parser.add_argument("--mining", action="store_true", help="turn mining on for the demo project first")
    parser.add_argument("--parent", default="Sports, Exercise, and Recreation", help="the group the class goes under")
    args = parser.parse_args()

    import django

    django.setup()
    from playwright.sync_api import sync_playwright
    from skimage import data

    from backend.catalog.models import ActionClass, ClassSetup, Project
    from backend.curation.class_setup import class_setup_minutes
    from tests.benchmarks.browser import chromium_path, log_in
    from workers.media.synthetic import make_motion_video

    project = Project.objects.get(name="Demo project")
    if args.mining:
        Project.objects.filter(pk=project.pk).update(mining_enabled=True)
    name = f"Juggling clubs {int(time.time()) % 100000}"
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as pw:
        files = []
        for i, (photo, motion) in enumerate(
            [("astronaut", "pan"), ("chelsea", "zoom"), ("coffee", "pan"), ("camera", "zoom")][: args.videos]
        ):
            path = Path(tmp) / f"juggling_{i}.mp4"
            make_motion_video(image=getattr(data, photo)(), out=path, seconds=args.seconds, motion=motion)
            files.append(str(path))
        browser = pw.chromium.launch(
            executable_path=chromium_path(), args=["--no-sandbox", "--autoplay-policy=no-user-gesture-required"]
        )
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.set_default_timeout(600_000)
        log_in(page, args.url, "admin", "actionloom-admin")
        page.click("text=Add a class")
        time.sleep(args.read)
        page.type("#class-name", name, delay=1000 / args.cps)
        page.select_option("#class-parent", value=str(ActionClass.objects.get(name=args.parent).pk))
        time.sleep(args.read / 2)
        page.click("#class-create")
        page.wait_for_selector(".step.current[data-step=guideline]")
        time.sleep(args.read)
        page.type("#definition", GUIDELINE, delay=1000 / args.cps)
        page.click("#guideline-save")
        page.wait_for_selector(".step.current[data-step=videos]")
        time.sleep(args.read)
        page.set_input_files("#files", files)
        page.wait_for_function(
            f"document.querySelectorAll('.uploads li.stored, .uploads li.refused').length === {len(files)}"
        )
        page.click("#videos-done")
        page.wait_for_selector(".step.current[data-step=mining]")
        page.wait_for_function("document.getElementById('mining-done').textContent === 'Continue'")
        page.click("#mining-done")
        page.wait_for_selector(".step.current[data-step=examples] .clip")
        time.sleep(args.read * 2)  # watching the clips
        page.click(".clip >> nth=0")
        page.wait_for_selector(".clip.positive")
        page.click(".clip >> nth=-1")
        page.wait_for_function("document.querySelectorAll('.clip.positive').length === 2")
        page.click(".clip >> nth=-1")
        page.wait_for_selector(".clip.hard_negative")
        page.click("#examples-done")
        page.wait_for_selector(".step.current[data-step=first-page]")
        page.click("#grid-link")
        page.wait_for_selector(".tile")
        browser.close()
    setup = ClassSetup.objects.get(action_class__name=name)
    minutes = class_setup_minutes(setup=setup)
    print(f"{name}: {len(files)} videos of {args.seconds:.0f} s, mining {'on' if args.mining else 'off'}")
    for step, m in minutes["steps"].items():
        print(f"  {step:<10} {m:6.2f} min")
    print(f"  {'total':<10} {minutes['total']:6.2f} min")


if __name__ == "__main__":
    main()
