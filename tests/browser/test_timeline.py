"""The timeline tool in Chromium: an annotator marks segments by keyboard and mouse, reloads, edits, undoes, submits and
rejects; the export holds what was marked. An admin makes a gold video in gold mode and sees accuracy on the dashboard.
"""

import json
from io import StringIO

import pytest
from django.core.management import call_command

from backend.catalog.models import Guideline
from backend.catalog.services import video_ingest
from backend.clips.models import ConsensusResult
from backend.segments.media import segment_videos_enqueue
from backend.segments.models import SegmentAnnotation, SegmentSettings, SegmentVideo
from tests.factories import GroupFactory, UserFactory
from tests.segments.media import make_index_video, media_inline

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
FPS = 25
ONE_FRAME = 1 / FPS


@pytest.fixture
def open_as(open_as):
    """The logged-in page of tests/browser/conftest.py; at the end it waits until no timeline has unsaved edits: closing the page would send them (a keepalive request),
    and a request still writing while the test database is flushed deadlocks PostgreSQL.
    """
    pages = []

    def login(username: str, password: str):
        page = open_as(username, password)
        pages.append(page)
        return page

    yield login
    for page in pages:
        if not page.is_closed() and page.query_selector("#saved"):
            page.wait_for_selector("#saved:not([data-state='dirty']):not([data-state='saving'])", state="attached")


@pytest.fixture
def timeline_project(project, action_class, tmp_path, monkeypatch):
    """Two 12-s videos of numbered frames (with audio, container start ≈ 1.46 s) ready for segment annotation."""
    media_inline(monkeypatch)
    SegmentSettings.objects.create(project=project, gold_rate=0.0)
    Guideline.objects.update_or_create(
        action_class=action_class,
        defaults={
            "definition": "The person lifts the cup to the mouth and drinks; putting the cup down ends the action."
        },
    )
    annotator = UserFactory(username="annotator1", password="pass-1")
    GroupFactory(project=project, members=[annotator], classes=[action_class])
    UserFactory(username="admin", password="pass-admin", is_staff=True, is_superuser=True)
    videos = [
        video_ingest(
            project=project,
            path=make_index_video(tmp_path / f"v{i}.ts", seconds=12),
            action_class=action_class,
            external_id=f"numbered{i}",
        )
        for i in (1, 2)
    ]
    # the grid tool already decided two clips of the first video (marks for the admin's gold mode only)
    for clip, value in zip(videos[0].clips.order_by("start")[:2], (1, -1), strict=True):
        ConsensusResult.objects.create(clip=clip, value=value, mode="fixed", n_labels=3, unanimous=True)
    segment_videos_enqueue(project=project)  # media made in-process on commit (media_inline)
    assert SegmentVideo.objects.filter(media_state="ready").count() == 2
    return videos


def open_timeline(page):
    page.click("text=Start segmenting")
    page.wait_for_function("document.getElementById('player').readyState >= 2")
    page.wait_for_selector("#overview .playhead")
    return page


def seek(page, t: float) -> None:
    """What a user does by scrubbing: set the player's time and wait until the browser has seeked."""
    page.evaluate(
        """t => new Promise(done => {
        const v = document.getElementById('player');
        v.addEventListener('seeked', () => requestAnimationFrame(() => done()), { once: true });
        v.currentTime = t; })""",
        t,
    )


def frame_on_screen(page, t: float) -> int:
    """Seek, draw the shown frame on a canvas and read the index its bars encode (tests/segments/media.py)."""
    seek(page, t)
    return page.evaluate("""() => {
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
        return n; }""")


def segments_listed(page) -> list[tuple[float, float]]:
    return [
        (float(r.get_attribute("data-start")), float(r.get_attribute("data-end")))
        for r in page.query_selector_all("#segment-list tbody tr")
    ]


def x_of(page, box: str, t: float) -> float:
    rect = page.locator(box).bounding_box()
    start = float(page.get_attribute(box, "data-view-start"))
    end = float(page.get_attribute(box, "data-view-end"))
    return rect["x"] + (t - start) / (end - start) * rect["width"]


def test_annotator_marks_drags_reloads_deletes_undoes_submits_and_rejects(open_as, shot, timeline_project, tmp_path):
    page = open_timeline(open_as("annotator1", "pass-1"))
    # seeking lands on the requested frame (the proxy has a keyframe every 0.48 s and starts at the first frame)
    for k in (0, 7, 63, 150, 299):
        assert frame_on_screen(page, (k + 0.5) / FPS) == k

    # two segments with `z` at chosen playhead times
    for start, end in ((2.0, 4.0), (6.0, 8.0)):
        seek(page, start)
        page.keyboard.press("z")
        assert page.is_visible("#zoom .segment.open")  # open edge drawn dashed until the second z
        seek(page, end)
        page.keyboard.press("z")
    assert segments_listed(page) == [(2.0, 4.0), (6.0, 8.0)]
    assert page.locator("#overview .segment").count() == 2 and page.locator("#zoom .segment").count() == 2
    # the grid's verdicts on this video's clips are not drawn for an annotator (gold videos rarely have clips, so
    # marks would tell regular from gold: docs/security.md); the admin's gold mode shows them
    assert page.locator("#overview .mark").count() == 0

    # select the first segment with a click and drag its end from 4 s to 5 s
    page.click("#zoom .segment[data-index='0'] .label")
    handle = page.locator("#zoom .segment.selected .handle.end").bounding_box()
    page.mouse.move(handle["x"] + handle["width"] / 2, handle["y"] + handle["height"] / 2)
    page.mouse.down()
    for step in range(1, 6):
        page.mouse.move(x_of(page, "#zoom", 4.0 + step / 5), handle["y"] + handle["height"] / 2)
    page.mouse.up()
    (first_start, first_end), second = segments_listed(page)
    assert first_start == 2.0 and abs(first_end - 5.0) <= ONE_FRAME and second == (6.0, 8.0)

    # autosave: a reload loses nothing
    page.wait_for_selector("#saved[data-state='saved']")
    shot(page, "timeline-segments")
    page.reload()
    page.wait_for_function("document.querySelectorAll('#segment-list tbody tr').length === 2")
    assert segments_listed(page) == [(first_start, first_end), (6.0, 8.0)]

    # an open segment is drawn with a dashed edge (screenshot), Esc cancels it
    seek(page, 9.0)
    page.keyboard.press("z")
    seek(page, 10.5)
    shot(page, "timeline-open-segment")
    page.keyboard.press("Escape")
    assert page.locator("#zoom .segment.open").count() == 0

    # delete the second segment, then undo the deletion
    page.click("#zoom .segment[data-index='1'] .label")
    page.keyboard.press("Delete")
    assert segments_listed(page) == [(first_start, first_end)]
    page.keyboard.press("Control+z")
    assert segments_listed(page) == [(first_start, first_end), (6.0, 8.0)]
    # keyboard help overlay
    page.keyboard.press("?")
    page.wait_for_selector("#help-dialog[open]")
    shot(page, "timeline-help")
    page.keyboard.press("Escape")
    page.wait_for_selector("#help-dialog", state="hidden")
    # a key pressed while the just-closed dialog still holds focus (Chromium moves it out a moment later) is the tool's
    page.eval_on_selector(
        "#help-dialog button", "b => b.dispatchEvent(new KeyboardEvent('keydown', {key: 'z', bubbles: true}))"
    )
    page.wait_for_selector("#zoom .segment.open")
    page.keyboard.press("Escape")  # cancels the open segment
    page.wait_for_selector("#zoom .segment.open", state="detached")

    # submit; the next video comes; reject it with a reason
    page.click("#submit")
    page.wait_for_function("document.querySelectorAll('#segment-list tbody tr').length === 0")
    page.wait_for_function("document.getElementById('player').readyState >= 2")
    page.click("#reject")
    page.check("input[name=reason][value=too_dark]")
    page.fill("textarea[name=note]", "night, nothing visible")
    shot(page, "timeline-reject")
    page.click("#reject-confirm")
    page.wait_for_selector("text=No videos of this class are waiting for you")

    # the export holds exactly the expected segments, within one frame; the rejected video is in the side report
    out = tmp_path / "segments.json"
    call_command("export_segments", "-o", str(out), stderr=StringIO())
    database = json.loads(out.read_text())["database"]
    assert list(database) == ["numbered1"]
    segments = [a["segment"] for a in database["numbered1"]["annotations"]]
    expected = [[2.0, 5.0], [6.0, 8.0]]
    assert len(segments) == 2 and all(
        abs(a - b) <= ONE_FRAME for s, e in zip(segments, expected, strict=True) for a, b in zip(s, e, strict=True)
    )
    rejected = json.loads((tmp_path / "segments.json.rejected.json").read_text())["rejected"]
    assert rejected["numbered2"]["reason"] == "too_dark" and rejected["numbered2"]["note"] == "night, nothing visible"
    submitted = SegmentAnnotation.objects.get(segment_video__video__external_id="numbered1")
    assert submitted.seconds_spent > 0


def test_admin_makes_a_gold_video_and_sees_segment_accuracy_on_the_dashboard(
    open_as, shot, timeline_project, project, action_class
):
    # the admin marks reference segments in gold mode (the same tool)
    admin = open_as("admin", "pass-admin")
    admin.goto(admin.url.rstrip("/") + f"/timeline/{project.pk}/{action_class.pk}/?mode=gold")
    admin.wait_for_function("document.getElementById('player').readyState >= 2")
    assert admin.is_visible("text=gold mode")
    seek(admin, 1.0)
    admin.keyboard.press("z")
    seek(admin, 3.0)
    admin.keyboard.press("z")
    admin.keyboard.press("Control+Enter")
    admin.wait_for_function("document.querySelectorAll('#segment-list tbody tr').length === 0")
    gold = SegmentVideo.objects.get(is_gold=True)
    assert list(gold.final.segments.values_list("start", "end")) == [(1.0, 3.0)]

    # the annotator is served the gold video (rate 1 here) without being able to tell, and marks it a bit off
    SegmentSettings.objects.filter(project=project).update(gold_rate=1.0)
    page = open_timeline(open_as("annotator1", "pass-1"))
    seek(page, 1.2)
    page.keyboard.press("z")
    seek(page, 3.0)
    page.keyboard.press("z")
    page.click("#submit")
    page.wait_for_selector("#accuracy:has-text('your segment F1: shown after 10 videos')")

    # the dashboard shows it next to clip accuracy
    admin.goto(admin.url.split("/timeline/")[0] + f"/dashboard/{project.pk}/")
    admin.wait_for_selector("#segment-annotators tbody tr[data-user='annotator1'] .f1:has-text('100.0%')")
    progress = admin.locator(f"#segment-progress tr[data-class='{action_class.name}']")
    assert progress.locator("td").nth(5).inner_text() == "1"  # gold videos
    shot(admin, "dashboard-segments")
    # and the export downloads from there: the gold video's answer is its reference segments
    with admin.expect_download() as download:
        admin.click("#export-segments")
    database = json.loads(open(download.value.path()).read())["database"]
    assert database[gold.video.external_id]["annotations"] == [{"label": action_class.name, "segment": [1.0, 3.0]}]


def test_keyboard_alone_steps_frames_jumps_sets_edges_redoes_plays_and_zooms(open_as, shot, timeline_project):
    page = open_timeline(open_as("annotator1", "pass-1"))

    def clock() -> str:
        return page.inner_text("#clock")

    # frame step: `.` three times from 2.00 s, `,` once: frame 52 (2.08 s); a segment from there to 10 frames on
    seek(page, 2.0)
    for key in (".", ".", ".", ","):
        page.keyboard.press(key)
        page.wait_for_function("!document.getElementById('player').seeking")
    assert clock().startswith("2.080 s · frame 52 ")
    page.keyboard.press("z")
    for _ in range(10):
        page.keyboard.press(".")
        page.wait_for_function("!document.getElementById('player').seeking")
    page.keyboard.press("z")
    assert segments_listed(page) == [(2.08, 2.48)]
    # `]` from the start jumps to the segment and selects it; → one second on; `e` moves its end there
    seek(page, 0.0)
    page.keyboard.press("]")
    page.wait_for_function("!document.getElementById('player').seeking")
    assert clock().startswith("2.080 s") and page.locator("#zoom .segment.selected").count() == 1
    page.keyboard.press("ArrowRight")
    page.wait_for_function("!document.getElementById('player').seeking")
    page.keyboard.press("e")
    assert segments_listed(page) == [(2.08, 3.08)]
    # undo and redo (both spellings)
    page.keyboard.press("Control+z")
    assert segments_listed(page) == [(2.08, 2.48)]
    page.keyboard.press("Control+Shift+z")
    assert segments_listed(page) == [(2.08, 3.08)]
    page.keyboard.press("Control+z")
    page.keyboard.press("Control+y")
    assert segments_listed(page) == [(2.08, 3.08)]
    # `[` back to it from later on; `s` moves its start to the playhead
    seek(page, 5.0)
    page.keyboard.press("[")
    page.wait_for_function("!document.getElementById('player').seeking")
    page.keyboard.press("ArrowLeft")
    page.wait_for_function("!document.getElementById('player').seeking")
    page.keyboard.press("s")
    assert segments_listed(page) == [(1.08, 3.08)]
    # playback rate with < and >, play and pause with Space
    page.keyboard.press(">")
    assert page.input_value("#rate") == "1.5"
    page.keyboard.press("<")
    page.keyboard.press("<")
    assert page.input_value("#rate") == "0.5"
    assert page.evaluate("document.getElementById('player').playbackRate") == 0.5
    page.keyboard.press(" ")
    page.wait_for_function(
        "!document.getElementById('player').paused && document.getElementById('player').currentTime > 1.2"
    )
    page.keyboard.press(" ")
    page.wait_for_function("document.getElementById('player').paused")

    # + and - zoom the zoomed timeline (10 s wide at first)
    def width() -> float:
        return float(page.get_attribute("#zoom", "data-view-end")) - float(
            page.get_attribute("#zoom", "data-view-start")
        )

    assert width() == pytest.approx(10.0)
    page.keyboard.press("+")
    assert width() == pytest.approx(5.0)
    page.keyboard.press("-")
    page.keyboard.press("-")
    assert width() == pytest.approx(12.0, abs=0.05)  # at most the whole video
    shot(page, "timeline-keyboard")
