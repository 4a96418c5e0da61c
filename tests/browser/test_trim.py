"""The trim tool in Chromium: an annotator steps frames by keyboard, sets the first and last frame, loops the selection,
sets people and moving camera, drags an edge and saves, and the stored frames are the frames the screen showed — on
the timeline proxy and on a source file whose first frame plays at 1.48 s; an admin starts from a segment, and filters
the curation list.

Every video is made of frames that show their own index as bars (tests/segments/media.py), so the test reads which
frame the browser shows.
"""

from __future__ import annotations

import re
import subprocess

import pytest

from backend.catalog.models import Guideline
from backend.catalog.services import video_ingest
from backend.clips.models import Clip, ConsensusResult
from backend.curation import selectors_trim
from backend.curation.models import Curation
from backend.segments.media import segment_videos_enqueue
from backend.segments.models import SegmentVideo
from tests.curation.conftest import stored_video
from tests.factories import ActionClassFactory, ClipFactory, GroupFactory, UserFactory
from tests.segments.factories import SegmentAnnotationFactory
from tests.segments.media import make_index_video, media_inline

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
FPS = 25

SHOWN_FRAME = """() => new Promise(done => requestAnimationFrame(() => {
    const v = document.getElementById('player');
    const c = document.createElement('canvas'); c.width = 320; c.height = 180;
    const ctx = c.getContext('2d'); ctx.drawImage(v, 0, 0, 320, 180);
    const px = ctx.getImageData(0, 0, 320, 180).data;
    let n = 0;
    for (let b = 0; b < 10; b++) {
        let sum = 0, count = 0;
        for (let y = 20; y < 160; y += 10) for (let x = b * 32 + 8; x < b * 32 + 24; x++) { sum += px[(y * 320 + x) * 4]; count++; }
        if (sum / count > 128) n |= 1 << b;
    }
    done(n); }))"""


@pytest.fixture
def people(project, action_class):
    annotator = UserFactory(username="annotator1", password="pass-1")
    GroupFactory(project=project, members=[annotator], classes=[action_class])
    UserFactory(username="admin", password="pass-admin", is_staff=True, is_superuser=True)
    Guideline.objects.update_or_create(
        action_class=action_class,
        defaults={
            "definition": "The cup reaches the mouth: from the first frame the cup rises to the last frame it touches."
        },
    )
    return annotator


@pytest.fixture
def proxy_video(project, action_class, tmp_path, monkeypatch, people):
    """A 12-s MPEG-TS video of numbered frames (container start ≈ 1.46 s) sent to segment annotation: it has a proxy."""
    media_inline(monkeypatch)
    video = video_ingest(
        project=project,
        path=make_index_video(tmp_path / "numbered.ts", seconds=12),
        action_class=action_class,
        external_id="numbered1",
    )
    segment_videos_enqueue(project=project)
    assert SegmentVideo.objects.get(video=video).media_state == "ready"
    video.refresh_from_db()
    return video


def clip_at(video, first: int, last: int) -> Clip:
    """A clip whose span holds frames first…last (clip times count from the container start: + D)."""
    offset = selectors_trim.trim_timing(video=video).offset
    return ClipFactory(video=video, start=first / FPS + offset, end=(last + 1) / FPS + offset)


def open_trim(page, url: str):
    page.goto(url)
    page.wait_for_function("document.getElementById('player').readyState >= 2")
    settle(page)
    return page


def settle(page) -> None:
    page.wait_for_function("!document.getElementById('player').seeking")


def press(page, key: str, times: int = 1) -> None:
    for _ in range(times):
        page.keyboard.press(key)
        settle(page)


def shown(page) -> int:
    """The index of the frame the player shows."""
    settle(page)
    return page.evaluate(SHOWN_FRAME)


def clock_frame(page) -> int:
    return int(re.match(r"frame (\d+) /", page.inner_text("#clock")).group(1))


def selection(page) -> tuple[int, int]:
    return int(page.inner_text("#first-frame")), int(page.inner_text("#last-frame"))


def save(page) -> None:
    page.keyboard.press("Enter")
    page.wait_for_selector("#saved[data-state='saved']")


def test_annotator_trims_a_clip_by_keyboard_and_the_frames_stored_are_the_frames_shown(
    open_as, shot, proxy_video, live_server
):
    clip = clip_at(proxy_video, 100, 149)
    page = open_trim(open_as("annotator1", "pass-1"), f"{live_server.url}/trim/{clip.uid}/")
    # it opens on the clip's first frame, the clip's frames selected; the screen shows what the clock says
    assert selection(page) == (100, 149) and clock_frame(page) == 100 == shown(page)
    assert page.text_content("#trimmed-badge") == "not trimmed yet"
    shot(page, "trim-open")

    # frame steps: `.` × 3, `>` (ten), `,` → 112; every stop shows the frame the clock names
    press(page, ".", 3)
    assert clock_frame(page) == 103 == shown(page)
    page.keyboard.press("[")
    press(page, ">")
    press(page, ",")
    assert clock_frame(page) == 112 == shown(page)
    for _ in range(3):
        press(page, ">")
    press(page, ".", 8)
    assert clock_frame(page) == 150 == shown(page)
    page.keyboard.press("]")
    assert selection(page) == (103, 150)
    assert page.inner_text("#frame-count") == "48" and page.inner_text("#duration") == "1.920 s"
    assert page.inner_text("#span") == "4.120 – 6.040 s"
    assert page.get_attribute("#saved", "data-state") == "dirty"

    # loop the selection: for 2.5 s of playback (longer than the 1.92-s selection) every frame shown is in it
    page.keyboard.press("l")
    page.wait_for_function("!document.getElementById('player').paused")
    played = page.evaluate("""() => new Promise(done => {
        const v = document.getElementById('player'), seen = [];
        const until = performance.now() + 2500;
        const next = (now, meta) => { seen.push(meta.mediaTime);
            if (performance.now() < until) v.requestVideoFrameCallback(next); else done(seen); };
        v.requestVideoFrameCallback(next); })""")
    frames = [int(t * FPS + 1e-3) for t in played]
    # a frame or so past the end may show before the jump back lands (more on a busy machine)
    assert min(frames) >= 103 and max(frames) <= 153, frames
    assert any(b < a for a, b in zip(frames, frames[1:], strict=False)), "the loop never went back to the start"
    assert page.get_attribute("#loop", "aria-pressed") == "true"
    shot(page, "trim-looping")
    page.keyboard.press("l")
    page.wait_for_function("document.getElementById('player').paused")
    settle(page)
    assert 103 <= clock_frame(page) <= 150 and clock_frame(page) == shown(page)  # paused on a whole frame

    # metadata: two dominant people, moving camera (m toggles)
    page.keyboard.press("2")
    page.keyboard.press("m")
    page.keyboard.press("m")
    page.keyboard.press("m")
    assert page.get_attribute("[data-people='2']", "aria-pressed") == "true"
    assert page.get_attribute("[data-camera='true']", "aria-pressed") == "true"

    # drag the last frame's edge in the zoomed timeline two frames to the left: frame 148 shows under it
    page.keyboard.press("z")
    handle = page.locator("#zoom .handle.end").bounding_box()
    y = handle["y"] + handle["height"] / 2
    zoom = page.locator("#zoom").bounding_box()
    view_start = float(page.get_attribute("#zoom", "data-view-start"))
    view_end = float(page.get_attribute("#zoom", "data-view-end"))
    x_boundary = zoom["x"] + (149 / FPS - view_start) / (view_end - view_start) * zoom["width"]  # end of frame 148
    page.mouse.move(handle["x"] + handle["width"] / 2, y)
    page.mouse.down()
    for step in range(1, 5):
        page.mouse.move(
            handle["x"] + handle["width"] / 2 + (x_boundary - handle["x"] - handle["width"] / 2) * step / 4, y
        )
    page.mouse.up()
    assert selection(page) == (103, 148)
    assert clock_frame(page) == 148 == shown(page)
    shot(page, "trim-selection")

    # help overlay
    page.keyboard.press("?")
    page.wait_for_selector("#help-dialog[open]")
    shot(page, "trim-help")
    page.keyboard.press("Escape")

    # leaving with unsaved changes asks first; staying keeps everything
    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.type), dialog.dismiss()))
    page.close(run_before_unload=True)
    page.wait_for_timeout(300)
    assert asked == ["beforeunload"] and not page.is_closed() and selection(page) == (103, 148)

    # Enter saves: the row holds exactly the frames the screen shows at the selection's edges
    save(page)
    curation = Curation.objects.get(clip=clip)
    press(page, "{")
    assert shown(page) == curation.first_frame == 103
    press(page, "}")
    assert shown(page) == curation.last_frame == 148
    assert (curation.dominant_people, curation.camera_moving, curation.curated_by.username) == (2, True, "annotator1")
    assert page.text_content("#trimmed-badge") == "trimmed"
    shot(page, "trim-saved")
    # a reload starts from the stored trim
    page.reload()
    page.wait_for_function("document.getElementById('player').readyState >= 2")
    assert selection(page) == (103, 148) and page.get_attribute("[data-people='2']", "aria-pressed") == "true"


@pytest.fixture
def offset_source(project, action_class, tmp_path, people):
    """An MP4 that keeps an MPEG-TS capture's timestamps (ffmpeg -copyts): container start ≈ 1.46 s, first frame at
    1.48 s, which Chromium plays at those times. No proxy: the trim tool plays this file itself."""
    ts = make_index_video(tmp_path / "capture.ts", seconds=8, gop=12)
    mp4 = tmp_path / "capture.mp4"
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-copyts", "-i", str(ts), "-c", "copy", str(mp4)], check=True)
    video = stored_video(mp4, project=project, query_class=action_class, external_id="capture")
    assert video.start_time > 1.0 and not SegmentVideo.objects.filter(video=video).exists()
    return video


def test_admin_trims_on_a_source_file_whose_first_frame_plays_late_and_goes_to_the_next_clip(
    open_as, shot, offset_source, live_server
):
    clip, other = clip_at(offset_source, 40, 89), clip_at(offset_source, 120, 169)
    for c in (clip, other):
        ConsensusResult.objects.create(clip=c, value=1, mode="fixed", n_labels=3, unanimous=True)
    page = open_trim(open_as("admin", "pass-admin"), f"{live_server.url}/trim/{clip.uid}/")
    assert page.evaluate("document.getElementById('player').currentTime") > 1.4  # the file's own timestamps
    assert clock_frame(page) == 40 == shown(page)
    assert page.inner_text("#clock").startswith("frame 40 / 199 ")  # 8 s of frames, whatever the container says
    for key, expected in ((".", 41), (".", 42), (",", 41), (">", 51), ("ArrowRight", 76)):
        press(page, key)
        assert clock_frame(page) == expected == shown(page), key
    page.keyboard.press("]")
    press(page, "<", 3)
    press(page, ".")
    assert clock_frame(page) == 47 == shown(page)
    page.keyboard.press("[")
    page.keyboard.press("3")
    page.keyboard.press("m")
    page.keyboard.press("m")  # still
    assert page.is_visible("#list-link") and "capture" in page.inner_text(".topbar")  # admins see the video name
    save(page)
    curation = Curation.objects.get(clip=clip)
    assert (curation.first_frame, curation.last_frame, curation.dominant_people, curation.camera_moving) == (
        47,
        76,
        3,
        False,
    )
    press(page, "{")
    assert shown(page) == 47
    shot(page, "trim-source-file")
    # N: the next clip of the class not trimmed yet
    page.keyboard.press("n")
    page.wait_for_url(f"{live_server.url}/trim/{other.uid}/")
    page.wait_for_function("document.getElementById('player').readyState >= 2")
    assert clock_frame(page) == 120 == shown(page)


def test_admin_starts_from_a_segment_on_the_curation_page(open_as, shot, proxy_video, project, live_server):
    segment_video = SegmentVideo.objects.get(video=proxy_video)
    annotation = SegmentAnnotationFactory(segment_video=segment_video, segments=[(2.08, 2.48)])
    SegmentVideo.objects.filter(pk=segment_video.pk).update(final=annotation, is_open=False)
    segment = annotation.segments.get()
    page = open_as("admin", "pass-admin")
    page.goto(f"{live_server.url}/curation/{project.pk}/")
    page.click(f"#segments tr[data-segment='{segment.pk}'] >> text=Trim")
    page.wait_for_url(re.compile(r".*/trim/[0-9a-f-]{36}/$"))
    page.wait_for_function("document.getElementById('player').readyState >= 2")
    # the segment's frames (those that start in 2.08–2.48 s), shown from its first one
    assert selection(page) == (52, 62) and clock_frame(page) == 52 == shown(page)
    clip = Clip.objects.get(method=Clip.Method.SEGMENT)
    assert page.url.endswith(f"/trim/{clip.uid}/") and not clip.is_open
    press(page, ".", 2)
    page.keyboard.press("[")
    page.keyboard.press("1")
    page.keyboard.press("m")
    shot(page, "trim-from-segment")
    save(page)
    curation = Curation.objects.get(clip=clip)
    assert (curation.first_frame, curation.last_frame, curation.dominant_people, curation.camera_moving) == (
        54,
        62,
        1,
        True,
    )
    # back on the curation page, the segment's clip shows as trimmed
    page.goto(f"{live_server.url}/curation/{project.pk}/")
    assert page.inner_text(f"#segments tr[data-segment='{segment.pk}'] .badge") == "trimmed"


def test_admin_filters_the_curation_list_and_opens_a_clip(
    open_as, shot, proxy_video, project, action_class, live_server
):
    other_class = ActionClassFactory(name="Long jump")
    rows = [  # (class, first frame, trimmed, human-centric, split)
        (action_class, 0, True, 0.92, "train"),
        (action_class, 50, False, 0.35, "train"),
        (action_class, 100, True, 0.71, "test"),
        (action_class, 150, False, None, ""),
        (other_class, 200, True, 0.88, "val"),
    ]
    clips = []
    for cls, first, trimmed, score, split in rows:
        clip = clip_at(proxy_video, first, first + 49)
        Clip.objects.filter(pk=clip.pk).update(action_class=cls)
        ConsensusResult.objects.create(clip=clip, value=1, mode="fixed", n_labels=3, unanimous=True)
        Curation.objects.create(
            clip=clip,
            first_frame=first + 5 if trimmed else None,
            last_frame=first + 40 if trimmed else None,
            human_centric=score,
            human_centric_state="ready" if score is not None else "none",
            split=split,
            dominant_people=1 if trimmed else None,
        )
        clips.append(clip)
    page = open_as("admin", "pass-admin")
    page.goto(f"{live_server.url}/dashboard/{project.pk}/")
    page.click("#curation-link")
    page.wait_for_function("document.querySelectorAll('#clips tbody tr').length === 5")

    def listed() -> set[str]:
        """The rows, once the list shows the answer for the filters in the address."""
        page.wait_for_function("document.getElementById('curation-app').dataset.query === window.location.search")
        page.wait_for_load_state("networkidle")
        return {r.get_attribute("data-uid") for r in page.query_selector_all("#clips tbody tr")}

    page.select_option("select[name=trimmed]", "true")
    assert listed() == {str(clips[i].uid) for i in (0, 2, 4)}
    page.select_option("select[name=class]", str(action_class.pk))
    assert listed() == {str(clips[i].uid) for i in (0, 2)}
    page.fill("input[name=min_human_centric]", "0.8")
    page.keyboard.press("Enter")
    assert listed() == {str(clips[0].uid)}
    assert page.inner_text("#clip-count") == "1 clip"
    shot(page, "curation-filtered")
    # the filters live in the address: a reload shows the same list
    assert "trimmed=true" in page.url and "min_human_centric=0.8" in page.url
    page.reload()
    page.wait_for_function("document.querySelectorAll('#clips tbody tr').length === 1")
    assert page.input_value("input[name=min_human_centric]") == "0.8"
    # split and "no trim" filters; then clear
    page.click("#clear-filters")
    page.select_option("select[name=split]", "train")
    assert listed() == {str(clips[i].uid) for i in (0, 1)}
    page.select_option("select[name=split]", "none")
    assert listed() == {str(clips[3].uid)}
    page.click("#clear-filters")
    page.select_option("select[name=trimmed]", "false")
    assert listed() == {str(clips[i].uid) for i in (1, 3)}
    shot(page, "curation-untrimmed")
    # a row opens the trim tool on that clip
    page.click(f"#clips tr[data-uid='{clips[1].uid}'] .trim-link")
    page.wait_for_url(f"{live_server.url}/trim/{clips[1].uid}/")
    page.wait_for_function("document.getElementById('player').readyState >= 2")
    assert selection(page) == (50, 99)
