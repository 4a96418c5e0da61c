"""The clip grid for a working day (issue 14): pages of 60 and 200 clips, videos of 1-10 clips each, at 1440x900 and
1366x768. Most of a 60-clip page is seen without scrolling and stays readable, nothing scrolls sideways, a video's
clips sit together in a framed group, and only the clips on screen decode and play. Screenshots of each viewport and
page size go to tests/browser/screenshots/.
"""

from __future__ import annotations

import random
import shutil

import pytest
from django.conf import settings

from backend.clips.models import PageItem
from tests.browser.conftest import SCREENSHOTS
from tests.factories import ClipFactory, GroupFactory, UserFactory, VideoFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VIEWPORTS = {"1440x900": {"width": 1440, "height": 900}, "1366x768": {"width": 1366, "height": 768}}
MIN_TILE_WIDTH = 120  # px, border included: half the clip's 240-px width (CLIP_SHORT_SIDE 180, 4:3), still legible
GAP, PADDING, BETWEEN = 3, 3, 8  # px between a group's tiles, inside its frame, between groups (grid.css)
SAMPLES = 4  # seconds of playback sampled, one sample a second


@pytest.fixture(scope="session")
def sample_clips(demo_video, tmp_path_factory) -> list[tuple]:
    """Eight real 2-s clips (MP4 + poster) cut from two made videos: copied under each test clip's own key."""
    from skimage import data

    from workers.media.clips import cut_clip
    from workers.media.synthetic import make_motion_video

    folder = tmp_path_factory.mktemp("grid-clips")
    cat = folder / "chelsea.mp4"
    make_motion_video(image=data.chelsea(), out=cat, seconds=8, motion="zoom")
    out = []
    for n, source in enumerate([demo_video, cat]):
        for start in (0.0, 2.0, 4.0, 6.0):
            video, poster = folder / f"{n}-{start}.mp4", folder / f"{n}-{start}.jpg"
            cut_clip(source=source, start=start, duration=2.0, out_video=video, out_poster=poster)
            out.append((video, poster))
    return out


def make_day_page(project, action_class, sample_clips, size: int, seed: int = 14):
    """`size` ready clips with real media, in videos of 1-10 clips each; pages of `size`, no gold: one page holds
    them all, whole video groups."""
    project.page_size, project.gold_rate, project.clips_per_video = size, 0.0, 10
    project.save()
    rng = random.Random(seed)
    left = size
    while left:
        n = min(rng.randint(1, 10), left)
        left -= n
        video = VideoFactory(project=project, query_class=action_class)
        for i in range(n):
            clip = ClipFactory(video=video, action_class=action_class, start=2.0 * i, end=2.0 * i + 2)
            media, poster = rng.choice(sample_clips)
            for source, field in ((media, clip.media), (poster, clip.poster)):
                target = settings.MEDIA_ROOT / field.name
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(source, target)
    user = UserFactory(username="annotator1", password="pass-1")
    GroupFactory(project=project, members=[user], classes=[action_class])


def open_grid(open_as, live_server, project, action_class, viewport: dict, size: int):
    page = open_as("annotator1", "pass-1")
    page.set_viewport_size(viewport)
    page.goto(f"{live_server.url}/grid/{project.pk}/{action_class.pk}/")
    page.wait_for_function(f"document.querySelectorAll('.tile').length === {size}")
    return page


# Where each tile is against the viewport: fully in it, partly, or off it (the sticky top bar is above the grid at
# the top of the page, so the viewport is what is seen).
TILES_JS = """() => [...document.querySelectorAll('.tile')].map((t) => {
  const r = t.getBoundingClientRect(), v = t.querySelector('video');
  const full = r.top >= 0 && r.left >= 0 && r.bottom <= innerHeight && r.right <= innerWidth;
  const off = r.bottom <= 0 || r.top >= innerHeight || r.right <= 0 || r.left >= innerWidth;
  return { item: t.dataset.item, full, off, width: r.width, top: Math.round(r.top), group: t.parentElement,
           paused: v.paused, time: v.currentTime, src: v.getAttribute('src') || '', ready: v.readyState };
}).map(({ group, ...t }) => ({ ...t, group: Number(group.dataset.video) }))"""


def tiles(page) -> list[dict]:
    return page.evaluate(TILES_JS)


def no_horizontal_scroll(page) -> bool:
    return page.evaluate("document.scrollingElement.scrollWidth <= innerWidth")


def playing_share(page) -> list[float]:
    """Each second for SAMPLES seconds, the share of fully visible clips playing: not paused, time moving."""
    shares, before = [], tiles(page)
    for _ in range(SAMPLES):
        page.wait_for_timeout(1000)
        now = tiles(page)
        visible = [(a, b) for a, b in zip(before, now, strict=True) if a["full"] and b["full"]]
        playing = [b for a, b in visible if not b["paused"] and b["time"] != a["time"]]
        shares.append(len(playing) / max(1, len(visible)))
        before = now
    return shares


def assert_off_screen_released(page) -> int:
    """Off-screen clips are paused, show their poster and hold no source (nothing decodes); returns how many."""
    off = [t for t in tiles(page) if t["off"]]
    assert all(t["paused"] for t in off), [t for t in off if not t["paused"]][:3]
    assert all(not t["src"] and t["ready"] == 0 for t in off), [t for t in off if t["src"]][:3]
    return len(off)


def assert_videos_grouped(page) -> None:
    """Each framed group holds the clips of one video, and each video's clips are in one group; a group that fits in a
    row is not split over two rows; the frame can be seen (a background unlike the page's)."""
    shown = tiles(page)
    video_of = dict(
        (str(uid), video)
        for uid, video in PageItem.objects.filter(uid__in=[t["item"] for t in shown]).values_list("uid", "clip__video")
    )
    groups_of_video: dict[int, set[int]] = {}
    videos_of_group: dict[int, set[int]] = {}
    for t in shown:
        groups_of_video.setdefault(video_of[t["item"]], set()).add(t["group"])
        videos_of_group.setdefault(t["group"], set()).add(video_of[t["item"]])
    assert all(len(g) == 1 for g in groups_of_video.values())
    assert all(len(v) == 1 for v in videos_of_group.values())
    # a group longer than a row is drawn as consecutive frames: its full rows, then its tail
    frames = page.eval_on_selector_all(".group", "gs => gs.map(g => Number(g.dataset.video))")
    runs = [video for i, video in enumerate(frames) if i == 0 or frames[i - 1] != video]
    assert len(runs) == len(set(runs)), frames
    row_width = page.evaluate("document.getElementById('groups').clientWidth")
    for group in videos_of_group:
        members = [t for t in shown if t["group"] == group]
        width = sum(t["width"] for t in members) + GAP * (len(members) - 1) + 2 * PADDING
        if width <= row_width:  # the group fits in a row: it is never split over two
            assert len({t["top"] for t in members}) == 1, members
    # no hole a later group would fit in: rows fill, groups only move to a later row when they do not fit
    boxes = page.evaluate(
        "[...document.querySelectorAll('.group')].map(g => { const r = g.getBoundingClientRect();"
        " return { top: Math.round(r.top), right: r.right - document.getElementById('groups').getBoundingClientRect().left,"
        " width: r.width, continued: g.classList.contains('continued') }; })"
    )
    for top in sorted({b["top"] for b in boxes}):
        room = row_width - max(b["right"] for b in boxes if b["top"] == top)
        later = [b for b in boxes if b["top"] > top and not b["continued"]]  # a tail sits right under its head
        assert all(b["width"] + BETWEEN > room - 1 for b in later), (top, room, later)
    frame, ground = page.evaluate(
        "[getComputedStyle(document.querySelector('.group')).backgroundColor,"
        " getComputedStyle(document.body).backgroundColor]"
    )
    assert frame != ground and frame not in ("rgba(0, 0, 0, 0)", "transparent")


# Every video given a source (the ones on screen) has its frames: a first one is given only once the observer ran.
SOURCED_VIDEOS_READY = """(() => {
  const vs = [...document.querySelectorAll('.tile video')].filter(v => v.getAttribute('src'));
  return vs.length > 0 && vs.every(v => v.readyState >= 2); })()"""


# The focused tile against the first one: its index, whether it is in a lower row, how far its centre is across.
FOCUS_JS = """(() => {
  const r = document.activeElement.getBoundingClientRect(), f = document.querySelector('.tile').getBoundingClientRect();
  return { index: Number(document.activeElement.dataset.index), below: r.top >= f.bottom,
           dx: Math.abs(r.left + r.width / 2 - (f.left + f.width / 2)) };
})()"""


def visible_by_tile_width(page, widths=(112, 120, 128, 136, 144, 152, 160, 176, 192)) -> dict[int, int]:
    """How many tiles are fully visible at each tile width (the measurement behind grid.css's --tile-w)."""
    counts = {}
    for width in widths:
        page.evaluate(f"document.getElementById('grid-app').style.setProperty('--tile-w', '{width}px')")
        page.wait_for_timeout(300)  # the grid lays its rows out again for the new size
        counts[width] = sum(t["full"] for t in tiles(page))
    page.evaluate("document.getElementById('grid-app').style.removeProperty('--tile-w')")
    return counts


def save_screens(page, shot, name: str) -> None:
    page.screenshot(path=str(SCREENSHOTS / f"{name}-viewport.png"))  # what the annotator sees without scrolling
    shot(page, name)  # the whole page


@pytest.mark.parametrize("viewport", VIEWPORTS, ids=str)
def test_sixty_clips_most_seen_at_once_playing_on_screen_only(
    open_as, shot, live_server, project, action_class, sample_clips, viewport
):
    # given a page of 60 clips in videos of 1-10 clips
    make_day_page(project, action_class, sample_clips, 60)
    page = open_grid(open_as, live_server, project, action_class, VIEWPORTS[viewport], 60)
    SCREENSHOTS.mkdir(exist_ok=True)

    # then most of it is seen at once, at a legible size, and nothing scrolls sideways
    shown = tiles(page)
    fully_visible = sum(t["full"] for t in shown)
    print(f"\n{viewport}, 60 clips: {fully_visible} fully visible, tile {shown[0]['width']:.0f} px wide")
    assert min(t["width"] for t in shown) >= MIN_TILE_WIDTH
    if viewport == "1440x900":
        assert fully_visible >= 40
    assert no_horizontal_scroll(page)
    assert_videos_grouped(page)

    # and the clips on screen play, those off it are paused and released
    page.wait_for_function(
        SOURCED_VIDEOS_READY,
        timeout=30_000,
    )
    shares = playing_share(page)
    print(f"{viewport}, 60 clips: share of visible clips playing each second {shares}")
    assert min(shares) >= 0.9, shares
    assert assert_off_screen_released(page) == sum(t["off"] for t in shown)

    # and the keys still work on rows of unequal length: Down goes to the nearest clip of the row below, Space flips
    # it, Up comes back; a click flips a clip
    page.keyboard.press("ArrowDown")
    moved = page.evaluate(FOCUS_JS)
    assert moved["below"] and moved["dx"] < shown[0]["width"] / 2 + 8, moved
    page.keyboard.press("Space")
    page.keyboard.press("ArrowUp")
    assert page.evaluate(FOCUS_JS)["dx"] == 0 and not page.evaluate(FOCUS_JS)["below"]
    page.click(".tile >> nth=1")
    negatives = page.eval_on_selector_all(".tile.negative", "ts => ts.map(t => Number(t.dataset.index))")
    assert sorted(negatives) == sorted([int(page.get_attribute(".tile >> nth=1", "data-index")), moved["index"]])
    assert "2 negative" in page.inner_text("#page-status")
    save_screens(page, shot, f"grid-layout-60-{viewport}")
    print(f"{viewport}, 60 clips, fully visible by tile width: {visible_by_tile_width(page)}")


@pytest.mark.parametrize("viewport", VIEWPORTS, ids=str)
def test_two_hundred_clips_cost_what_the_screen_shows(
    open_as, shot, live_server, project, action_class, sample_clips, viewport
):
    # given a day's largest page: 200 clips
    make_day_page(project, action_class, sample_clips, 200, seed=1440)
    page = open_grid(open_as, live_server, project, action_class, VIEWPORTS[viewport], 200)
    SCREENSHOTS.mkdir(exist_ok=True)
    assert no_horizontal_scroll(page)
    assert_videos_grouped(page)

    # then only the clips on screen have a source and play; the rest show their poster
    page.wait_for_function(
        SOURCED_VIDEOS_READY,
        timeout=30_000,
    )
    shown = tiles(page)
    on_screen = sum(not t["off"] for t in shown)
    with_source = sum(bool(t["src"]) for t in shown)
    print(
        f"\n{viewport}, 200 clips: {sum(t['full'] for t in shown)} fully visible, {on_screen} on screen, "
        f"{with_source} with a source"
    )
    assert with_source == on_screen < 200 / 2
    shares = playing_share(page)
    print(f"{viewport}, 200 clips: share of visible clips playing each second {shares}")
    assert min(shares) >= 0.9, shares
    assert assert_off_screen_released(page) == 200 - on_screen
    save_screens(page, shot, f"grid-layout-200-{viewport}")

    # when the annotator scrolls to the end, the clips there play and the first ones are released
    first = shown[0]["item"]
    page.evaluate("window.scrollTo(0, document.scrollingElement.scrollHeight)")
    page.wait_for_function(
        "[...document.querySelectorAll('.tile')].slice(-1)[0].querySelector('video').readyState >= 2", timeout=30_000
    )
    shares = playing_share(page)
    print(f"{viewport}, 200 clips, scrolled to the end: share playing each second {shares}")
    assert min(shares) >= 0.9, shares
    assert_off_screen_released(page)
    assert next(t for t in tiles(page) if t["item"] == first)["off"]
    assert no_horizontal_scroll(page)
    page.screenshot(path=str(SCREENSHOTS / f"grid-layout-200-{viewport}-scrolled-end.png"))
