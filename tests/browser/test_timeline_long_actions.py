"""Long actions on the timeline (issue 14), in Chromium with real key presses on a real video: hold H to record, C to
continue from the previous segment, K to split, Shift and N to snap to shot cuts and segment edges, L to loop a
segment, { and } to jump between shot cuts (segment edges when the video has none). Undo and autosave keep working.
"""

import pytest

from backend.mining.models import Shot
from backend.segments.models import SegmentAnnotation, SegmentVideo
from tests.browser.test_timeline import open_as, open_timeline, seek, segments_listed, timeline_project  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
FPS = 25
ONE_FRAME = 1 / FPS
CUTS = (3.0, 7.0)  # seconds on the timeline's axis


def settle(page) -> None:
    page.wait_for_function("!document.getElementById('player').seeking")


def player_time(page) -> float:
    return page.evaluate("document.getElementById('player').currentTime")


def frame_start(t: float) -> float:
    return round(int(t * FPS + 1e-3) / FPS, 3)


def clock(page) -> str:
    return page.inner_text("#clock")


def status(page) -> str:
    return page.inner_text("#status")


def saved_draft_segments(page) -> list[list[float]]:
    page.wait_for_selector("#saved[data-state='saved']")
    return SegmentAnnotation.objects.get(status=SegmentAnnotation.Status.LEASED).draft["segments"]


@pytest.fixture
def cut_videos(timeline_project):  # noqa: F811 (the fixture imported above)
    """Both videos of the project were mined into three shots: cuts at 3 s and 7 s (stored, as mining stores them,
    from the container start, which lies first_frame_offset before the first frame)."""
    for segment_video in SegmentVideo.objects.select_related("video"):
        offset = segment_video.first_frame_offset
        assert offset > 0.01  # the index video's first frame comes ≈ 23 ms after its container start: cuts drawn at
        # 3.023 / 7.023 s would say the offset was forgotten
        bounds = (0.0, *(offset + c for c in CUTS), segment_video.media_duration + offset)
        for index, (start, end) in enumerate(zip(bounds, bounds[1:], strict=False)):
            Shot.objects.create(video=segment_video.video, index=index, start=start, end=end)
    return timeline_project


def test_record_by_holding_h_continue_split_undo_and_edge_jumps_without_cuts(open_as, shot, timeline_project):  # noqa: F811
    page = open_timeline(open_as("annotator1", "pass-1"))
    assert page.evaluate("document.querySelectorAll('#overview .cut').length") == 0  # this video was never mined

    # record: H held from 1 s while the video plays (the key auto-repeats: Playwright's repeated down() sets repeat)
    seek(page, 1.0)
    page.keyboard.down("h")
    page.wait_for_function("!document.getElementById('player').paused")
    page.wait_for_function("document.getElementById('player').currentTime > 1.8")
    for _ in range(3):
        page.keyboard.down("h")  # auto-repeat: ignored
    page.wait_for_function("document.getElementById('player').currentTime > 2.4")
    assert page.inner_text("#mark").startswith("● Recording") and status(page) == ""  # the repeats said nothing
    shot(page, "timeline-long-record")
    page.keyboard.up("h")
    page.wait_for_function("document.getElementById('player').paused")  # the hold started playback, so it stops it
    [(start, end)] = segments_listed(page)
    released_at = player_time(page)
    assert start == 1.0 and 2.4 <= end <= released_at + ONE_FRAME and abs(end - frame_start(released_at)) <= ONE_FRAME
    assert page.locator("#zoom .segment.open").count() == 0
    assert saved_draft_segments(page) == [[start, end]]  # autosaved like any edit
    # the whole hold is one undo step
    page.keyboard.press("Control+z")
    assert segments_listed(page) == [] and page.locator("#zoom .segment.open").count() == 0
    page.keyboard.press("Control+Shift+z")
    assert segments_listed(page) == [(start, end)]

    # continue: C two seconds after that end makes a segment from the previous segment's end to the playhead
    assert end <= 6.0  # room left in the 12-s video
    split_at, continue_to = round(end + 1.0, 3), round(end + 2.0, 3)
    seek(page, continue_to)
    page.keyboard.press("c")
    assert segments_listed(page) == [(start, end), (end, continue_to)]
    # C inside a segment does nothing and says why
    seek(page, split_at)
    page.keyboard.press("c")
    assert segments_listed(page) == [(start, end), (end, continue_to)] and "inside a segment" in status(page)

    # split: K cuts the segment under the playhead in two there; the piece after the playhead is selected
    page.keyboard.press("k")
    assert segments_listed(page) == [(start, end), (end, split_at), (split_at, continue_to)]
    assert float(page.locator("#segment-list tbody tr.selected").get_attribute("data-start")) == split_at
    shot(page, "timeline-long-split")
    # undo gives the whole segment back, redo the split; K outside every segment does nothing
    page.keyboard.press("Control+z")
    assert segments_listed(page) == [(start, end), (end, continue_to)]
    page.keyboard.press("Control+Shift+z")
    assert segments_listed(page) == [(start, end), (end, split_at), (split_at, continue_to)]
    seek(page, 11.0)
    page.keyboard.press("k")
    assert len(segments_listed(page)) == 3 and "No segment under the playhead" in status(page)

    # { and } without shot cuts step through the segment edges
    seek(page, 0.0)
    stops = []
    for _ in range(4):
        page.keyboard.press("}")
        settle(page)
        stops.append(float(clock(page).split(" s")[0]))
    assert stops == [1.0, end, split_at, continue_to]
    page.keyboard.press("}")
    assert "No segment edge (this video has no shot cuts) after the playhead" in status(page)
    page.keyboard.press("{")
    settle(page)
    assert float(clock(page).split(" s")[0]) == split_at

    # the new keys are the tool's only: with the help dialog open, K splits nothing
    seek(page, split_at + 0.5)
    page.keyboard.press("?")
    page.wait_for_selector("#help-dialog[open]")
    page.keyboard.press("k")
    shot(page, "timeline-long-help")
    page.keyboard.press("Escape")
    page.wait_for_selector("#help-dialog", state="hidden")
    assert len(segments_listed(page)) == 3
    assert saved_draft_segments(page) == [[start, end], [end, split_at], [split_at, continue_to]]


def test_snap_to_shot_cuts_jump_between_cuts_and_loop_a_segment(open_as, shot, cut_videos):  # noqa: F811
    page = open_timeline(open_as("annotator1", "pass-1"))
    # the cuts are drawn on both timelines
    cuts = [float(t) for t in page.eval_on_selector_all("#overview .cut", "ns => ns.map(n => n.dataset.t)")]
    assert cuts == list(CUTS)

    # } and { jump from cut to cut
    seek(page, 0.5)
    page.keyboard.press("}")
    settle(page)
    assert clock(page).startswith("3.000 s")
    page.keyboard.press("}")
    settle(page)
    assert clock(page).startswith("7.000 s")
    page.keyboard.press("}")
    assert "No shot cut after the playhead" in status(page) and clock(page).startswith("7.000 s")
    page.keyboard.press("{")
    settle(page)
    assert clock(page).startswith("3.000 s")

    # Shift+K splits at the cut nearest the playhead (3 s), not at the playhead
    seek(page, 1.0)
    page.keyboard.press("z")
    seek(page, 5.0)
    page.keyboard.press("z")
    seek(page, 3.3)
    page.keyboard.press("Shift+k")
    assert segments_listed(page) == [(1.0, 3.0), (3.0, 5.0)]
    # Shift+Z snaps each end to what is in reach: a segment's edge (5 s), a cut (7 s); plain Z marks the playhead
    seek(page, 5.3)
    page.keyboard.press("Shift+z")
    seek(page, 6.72)
    page.keyboard.press("Shift+z")
    seek(page, 7.4)
    page.keyboard.press("z")
    seek(page, 9.0)
    page.keyboard.press("z")
    assert segments_listed(page) == [(1.0, 3.0), (3.0, 5.0), (5.0, 7.0), (7.4, 9.0)]

    # N snaps the selected segment's edge nearer the playhead (its start, 7.4) to the nearest edge or cut in reach (7.0)
    seek(page, 7.6)
    page.keyboard.press("n")
    assert segments_listed(page) == [(1.0, 3.0), (3.0, 5.0), (5.0, 7.0), (7.0, 9.0)]
    # its end (9.0) has nothing within reach: unchanged, and the page says why
    seek(page, 8.9)
    page.keyboard.press("n")
    assert "within 0.5 s of the segment's end" in status(page)
    assert segments_listed(page)[-1] == (7.0, 9.0)
    shot(page, "timeline-long-snap")
    page.keyboard.press("Control+z")
    assert segments_listed(page)[-1] == (7.4, 9.0)  # undo takes back the snap
    page.keyboard.press("Control+y")
    assert segments_listed(page)[-1] == (7.0, 9.0)

    # L loops the selected segment (7–9 s, at 2× speed): playback stays inside it and goes round
    page.click("#zoom .segment[data-index='3'] .label")
    page.keyboard.press(">")
    page.keyboard.press(">")
    assert page.input_value("#rate") == "2"
    page.keyboard.press("l")
    page.wait_for_function("!document.getElementById('player').paused")
    times = []
    for _ in range(60):
        times.append(player_time(page))
        page.wait_for_timeout(50)
    assert page.locator("#zoom .segment.looping").count() == 1
    shot(page, "timeline-long-loop")
    assert min(times) >= 7.0 - ONE_FRAME and max(times) <= 9.0 + 0.15, times
    assert any(b < a - 1.0 for a, b in zip(times, times[1:], strict=False)), times  # went round at least once
    # L again: the loop stops and playback runs on past the segment's end
    page.keyboard.press("l")
    page.wait_for_function("document.getElementById('player').currentTime > 9.3")
    page.keyboard.press(" ")
    assert page.locator("#zoom .segment.looping").count() == 0
    assert saved_draft_segments(page) == [[1.0, 3.0], [3.0, 5.0], [5.0, 7.0], [7.0, 9.0]]
