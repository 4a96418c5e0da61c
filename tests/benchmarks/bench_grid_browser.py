"""The clip grid in Chromium, side by side in one run (issue 14): visible clips per screen, browser CPU of a 200-clip
page against a 60-clip page, and the time from Submit to the next page on screen and to its first clip playing.

    .venv/bin/python tests/benchmarks/bench_grid_browser.py [--reps 2] [--cpu-seconds 10] [--swaps 2]

A script, not a test (`make test` does not run it). It makes its own world: a throw-away SQLite database and media
folder, eight real 2-s clips (MP4 + poster, cut with the platform's `cut_clip` from videos made of scikit-image
photos with camera motion) linked under every clip's own key, a project whose pages hold 60 clips and one whose pages
hold 200, videos of 1-10 clips each, no gold; then gunicorn (2 workers) serves the app and Debian's headless chromium
(`--disable-gpu`: decoding in software, as on an annotator's laptop without hardware decode) opens the grid.

Each visit is a fresh annotator in a fresh browser context, alternating 60 and 200 clips `--reps` times at 1440×900
(then once each at 1366×768 for the visible count only):
- visible: tiles wholly inside the viewport at the top of the page (tests/browser/test_grid_layout.py's rule);
- CPU: once the on-screen clips have frames, `--cpu-seconds` of playback; the CPU seconds of every chromium process
  (browser, renderer, GPU/utility: /proc utime + stime) and the renderer's own TaskDuration (CDP Performance metrics);
- swap (`--swaps` per visit): Enter pressed once Submit is ready (the page's submit floor has passed), to the next
  page's tiles painted (the first task after the animation frame in which they are in the document), and to the first
  `playing` event of one of its videos (only clips on screen play: grid/playback.js).
The submit floor is shortened (ACTIONLOOM_SUBMIT_FLOOR_SECONDS_PER_CLIP=0.04) so a 200-clip page waits 10 s, not 32;
the next page is prefetched while the current one is shown either way. Each figure is printed per swap, then as its
median and range.
"""

from __future__ import annotations

import argparse
import os
import random
import secrets
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

VIEWPORTS = {"1440x900": {"width": 1440, "height": 900}, "1366x768": {"width": 1366, "height": 768}}
SIZES = tuple(int(s) for s in os.environ.get("BENCH_GRID_SIZES", "60,200").split(","))
PASSWORD = "bench-pass-1"
FLOOR_PER_CLIP = 0.04

VISIBLE_JS = """() => [...document.querySelectorAll('.tile')].filter((t) => {
  const r = t.getBoundingClientRect();
  return r.top >= 0 && r.left >= 0 && r.bottom <= innerHeight && r.right <= innerWidth; }).length"""
READY_JS = """(() => { const vs = [...document.querySelectorAll('.tile video')].filter(v => v.getAttribute('src'));
  return vs.length > 0 && vs.every(v => v.readyState >= 2) ? vs.length : 0; })()"""
# Installed before Enter: when the key went down, when the next page's tiles are in a frame, when one of them plays.
SWAP_JS = """(old) => {
  const before = new Set(old), swap = { t0: null, shown: null, playing: null };
  performance.clearResourceTimings();  // a 200-clip page fills the default buffer of 250 entries
  performance.setResourceTimingBufferSize(5000);
  window.benchSwap = swap;
  document.addEventListener('keydown', (e) => { if (e.key === 'Enter' && swap.t0 === null) swap.t0 = performance.now(); },
    { capture: true });
  const isNew = (tile) => tile && !before.has(tile.dataset.item);
  const mo = new MutationObserver(() => {
    if (swap.shown !== null || !isNew(document.querySelector('.tile'))) return;
    mo.disconnect();
    // the frame that holds the new tiles, then the first task after it: that frame has been painted
    requestAnimationFrame(() => { const ch = new MessageChannel(); ch.port1.onmessage = () => { swap.shown = performance.now(); };
      ch.port2.postMessage(0); });
  });
  mo.observe(document.getElementById('groups'), { childList: true, subtree: true });
  document.addEventListener('playing', (e) => {
    if (swap.playing === null && isNew(e.target.closest('.tile'))) swap.playing = performance.now();
  }, true);
}"""

# The swap's times, and when the submit's answer came back (Resource Timing).
SUBMIT_TIMING_JS = """(() => { const s = window.benchSwap;
  const api = performance.getEntriesByType('resource').filter((e) => e.name.includes('/api/') && e.startTime >= s.t0);
  const submits = api.filter((e) => e.name.includes('/submit/'));
  return { ...s, submitEnd: submits.length ? submits[submits.length - 1].responseEnd : NaN,
    api: api.map((e) => `${e.name.split('/api/')[1]} ${Math.round(e.startTime - s.t0)}-${Math.round(e.responseEnd - s.t0)}`) };
})()"""


def chromium_cpu_seconds(root_pid: int) -> float:
    """utime + stime of every process under `root_pid` (this script → Playwright's driver → chromium's processes)."""
    tick = os.sysconf("SC_CLK_TCK")
    children: dict[int, list[int]] = {}
    cpu: dict[int, float] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        children.setdefault(int(fields[1]), []).append(int(entry))
        cpu[int(entry)] = (int(fields[11]) + int(fields[12])) / tick
    total, stack = 0.0, list(children.get(root_pid, []))
    while stack:
        pid = stack.pop()
        name = Path(f"/proc/{pid}/comm").read_text().strip() if Path(f"/proc/{pid}/comm").exists() else ""
        if "chrom" in name:
            total += cpu.get(pid, 0.0)
        stack.extend(children.get(pid, []))
    return total


def make_world(tmp: Path, sizes, pages_per_size: int):
    """Sample clips, then one project per page size with `pages_per_size` pages of clips, media linked per clip."""
    from django.contrib.auth import get_user_model
    from skimage import data

    from backend.catalog.models import ActionClass, AnnotatorGroup, Project, Video
    from backend.clips.models import Clip, clip_media_key
    from workers.media.clips import cut_clip
    from workers.media.synthetic import make_motion_video

    samples = []
    for n, photo in enumerate(("astronaut", "chelsea")):
        source = tmp / f"{photo}.mp4"
        make_motion_video(image=getattr(data, photo)(), out=source, seconds=8, motion="zoom" if n else "pan")
        for start in (0.0, 2.0, 4.0, 6.0):
            video, poster = tmp / f"{photo}-{start}.mp4", tmp / f"{photo}-{start}.jpg"
            cut_clip(source=source, start=start, duration=2.0, out_video=video, out_poster=poster)
            samples.append((video, poster))
    from django.conf import settings

    rng = random.Random(14)
    worlds = {}
    for size in sizes:
        cls = ActionClass.objects.create(node_id=990_000 + size, name=f"Bench grid {size}", is_leaf=True)
        project = Project.objects.create(
            name=f"Grid benchmark {size}", page_size=size, gold_rate=0.0, clips_per_video=10
        )
        group = AnnotatorGroup.objects.create(project=project, name="bench")
        group.classes.add(cls)
        clips, left, v = [], size * pages_per_size, 0
        while left:
            n = min(rng.randint(1, 10), left)
            left -= n
            video = Video.objects.create(project=project, external_id=f"bench{size}-{v}", query_class=cls, duration=20)
            v += 1
            for i in range(n):
                clip = Clip(video=video, action_class=cls, start=2.0 * i, end=2.0 * i + 2, required_labels=50)
                clip.media_state = Clip.MediaState.READY
                clip.media.name = clip_media_key(clip, "clip.mp4")
                clip.poster.name = clip_media_key(clip, "clip.jpg")
                media, poster = rng.choice(samples)
                for source, name in ((media, clip.media.name), (poster, clip.poster.name)):
                    target = Path(settings.MEDIA_ROOT) / name
                    target.parent.mkdir(parents=True, exist_ok=True)
                    os.link(source, target)  # one file per clip URL (no cache hits across tiles), no copies
                clips.append(clip)
        Clip.objects.bulk_create(clips)
        worlds[size] = {"project": project, "class": cls, "group": group}
    users = iter(range(1000))

    def annotator(size: int) -> str:
        name = f"bench{size}-{next(users)}"
        user = get_user_model().objects.create_user(username=name, password=PASSWORD)
        worlds[size]["group"].members.add(user)
        return name

    return worlds, annotator


def open_grid(browser, url, world, username, viewport):
    from tests.benchmarks.browser import log_in

    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    page.set_default_timeout(60_000)
    log_in(page, url, username, PASSWORD)
    page.goto(f"{url}/grid/{world['project'].pk}/{world['class'].pk}/")
    size = world["project"].page_size
    page.wait_for_function(f"document.querySelectorAll('.tile').length === {size}")
    return context, page


def measure_cpu(page, seconds: float) -> dict:
    cdp = page.context.new_cdp_session(page)
    cdp.send("Performance.enable")

    def metrics():
        return {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}

    page.wait_for_function(READY_JS, timeout=60_000)
    m0, c0, t0 = metrics(), chromium_cpu_seconds(os.getpid()), time.monotonic()
    time.sleep(seconds)
    m1, c1, t1 = metrics(), chromium_cpu_seconds(os.getpid()), time.monotonic()
    wall = t1 - t0
    return {
        "cpu": (c1 - c0) / wall,  # CPU seconds per second (1.0 = one core busy)
        "task": (m1["TaskDuration"] - m0["TaskDuration"]) / wall,
        "script": (m1["ScriptDuration"] - m0["ScriptDuration"]) / wall,
        "sourced": page.evaluate("document.querySelectorAll('.tile video[src]').length"),
    }


def measure_swap(page, size: int, shown_at: float) -> dict:
    floor = 2.0 + FLOOR_PER_CLIP * size + 0.5
    time.sleep(max(0.0, floor - (time.monotonic() - shown_at)))
    page.wait_for_selector("#submit:not(.waiting)")  # the guard counts from when the server says the page is shown
    old = page.eval_on_selector_all(".tile", "ts => ts.map(t => t.dataset.item)")
    page.evaluate(SWAP_JS, old)
    page.keyboard.press("Enter")
    page.wait_for_function("window.benchSwap.playing !== null && window.benchSwap.shown !== null", timeout=30_000)
    # the submit's answer may come after the swap: wait for it, for its time and so the next swap starts clean
    page.wait_for_function("!document.getElementById('page-status').textContent.includes('saving')", timeout=30_000)
    swap = page.evaluate(SUBMIT_TIMING_JS)
    return {
        "shown": swap["shown"] - swap["t0"],
        "playing": swap["playing"] - swap["t0"],
        "submit": swap["submitEnd"] - swap["t0"],  # the submit's answer back
        "api": swap["api"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reps", type=int, default=2, help="visits per page size at 1440x900, alternating")
    parser.add_argument("--cpu-seconds", type=float, default=10.0)
    parser.add_argument("--swaps", type=int, default=2, help="pages submitted per visit")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="bench-grid-"))
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp / 'db.sqlite3'}",
        "ACTIONLOOM_MEDIA_ROOT": str(tmp / "media"),
        "ACTIONLOOM_BROKER_DIR": str(tmp / "broker"),
        "DJANGO_SETTINGS_MODULE": "backend.config.settings",
        "DJANGO_SECRET_KEY": os.environ.get("DJANGO_SECRET_KEY") or secrets.token_urlsafe(50),
        "ACTIONLOOM_SUBMIT_FLOOR_SECONDS_PER_CLIP": str(FLOOR_PER_CLIP),
        "DJANGO_ALLOW_ASYNC_UNSAFE": "true",  # Playwright's sync API runs an event loop in this thread
    }
    os.environ.update(env)
    import django

    django.setup()
    from django.core.management import call_command
    from playwright.sync_api import sync_playwright

    from tests.benchmarks.bench_proposals import start_server
    from tests.benchmarks.browser import chromium_path

    call_command("migrate", verbosity=0)
    visits = args.reps + 1  # + the 1366x768 visit
    worlds, annotator = make_world(tmp, SIZES, pages_per_size=visits * (args.swaps + 2) + 2)
    server, url = start_server(env)
    results: dict[int, dict[str, list]] = {s: {"visible": [], "visible_1366": [], "cpu": [], "swap": []} for s in SIZES}
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(
                executable_path=chromium_path(),
                args=["--no-sandbox", "--disable-gpu", "--no-first-run", "--autoplay-policy=no-user-gesture-required"],
            )
            for rep in range(args.reps):
                for size in SIZES:
                    context, page = open_grid(browser, url, worlds[size], annotator(size), VIEWPORTS["1440x900"])
                    shown_at = time.monotonic()
                    results[size]["visible"].append(page.evaluate(VISIBLE_JS))
                    cpu = measure_cpu(page, args.cpu_seconds)
                    results[size]["cpu"].append(cpu)
                    print(f"rep {rep} {size:>3} clips: visible {results[size]['visible'][-1]}, {cpu}", flush=True)
                    for _ in range(args.swaps):
                        swap = measure_swap(page, size, shown_at)
                        shown_at = time.monotonic()
                        results[size]["swap"].append(swap)
                        print(
                            f"  swap {swap['shown']:.0f} ms on screen, {swap['playing']:.0f} ms playing, "
                            f"submit answered at {swap['submit']:.0f} ms; API calls {swap['api']}",
                            flush=True,
                        )
                    context.close()
            for size in SIZES:
                context, page = open_grid(browser, url, worlds[size], annotator(size), VIEWPORTS["1366x768"])
                page.wait_for_function(READY_JS, timeout=60_000)
                results[size]["visible_1366"].append(page.evaluate(VISIBLE_JS))
                context.close()
            browser.close()
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    report(results)


def report(results: dict) -> None:
    if set(results) != {60, 200}:
        print(results)
        return
    med = statistics.median
    print("\n| figure | 60 clips | 200 clips | ratio 200/60 |\n|---|---:|---:|---:|")
    for key, label in (("visible", "fully visible at 1440×900"), ("visible_1366", "fully visible at 1366×768")):
        a, b = results[60][key], results[200][key]
        print(f"| {label} | {', '.join(map(str, a))} | {', '.join(map(str, b))} | — |")
    for key, label in (("cpu", "chromium CPU, all processes (s/s)"), ("task", "renderer TaskDuration (s/s)")):
        a = [c[key] for c in results[60]["cpu"]]
        b = [c[key] for c in results[200]["cpu"]]
        print(
            f"| {label} | {', '.join(f'{x:.3f}' for x in a)} | {', '.join(f'{x:.3f}' for x in b)} "
            f"| **{med(b) / med(a):.2f}** (medians) |"
        )
    print(
        f"| videos with a source during the CPU window | {[c['sourced'] for c in results[60]['cpu']]} "
        f"| {[c['sourced'] for c in results[200]['cpu']]} | — |"
    )
    for key, label in (
        ("submit", "Submit → the submit's answer back (ms)"),
        ("shown", "Submit → next page's tiles painted (ms)"),
        ("playing", "Submit → its first clip playing (ms)"),
    ):
        a = [s[key] for s in results[60]["swap"]]
        b = [s[key] for s in results[200]["swap"]]
        print(f"| {label} | {spread(a)} | {spread(b)} | — |")


def spread(values: list[float]) -> str:
    return f"{', '.join(f'{x:.0f}' for x in values)} (median {statistics.median(values):.0f}, {min(values):.0f}–{max(values):.0f})"


if __name__ == "__main__":
    main()
