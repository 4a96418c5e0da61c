"""Nothing stored unseen (issue 11), in Chromium: the grid and the timeline ignore a Submit that comes too soon after
the page or video was shown and a second one while one is in flight, so a double Enter or double click never submits
the next, unseen page; two tabs on one page or video store one tab's work and tell the other what happened; a retried
submit is answered "already saved". Every message a person sees is screenshot (tests/browser/screenshots/).
"""

import pytest

from backend.clips.models import Label, Page, PageItem
from backend.segments.models import SegmentAnnotation
from tests.browser.test_timeline import open_timeline, seek, timeline_project  # noqa: F401 (a fixture)
from tests.browser.waiting import wait_without_eval
from tests.factories import GroupFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WAIT_MESSAGE = "#notice:has-text('Not submitted: this page has been on screen for only')"
AFTER_A_SUBMIT = 1.5  # seconds: longer than any second press of a double press, and than the guard's settling


@pytest.fixture
def grid_queue(project, action_class, make_clips):
    """24 clips in 8 videos, pages of at most six (so at least four pages), no gold; annotator1 may label them."""
    project.page_size, project.gold_rate = 6, 0.0
    project.save()
    make_clips(videos=8, per_video=3)
    user = UserFactory(username="annotator1", password="pass-1")
    GroupFactory(project=project, members=[user], classes=[action_class])
    return user


def open_grid(page, live_server, project, action_class):
    page.goto(f"{live_server.url}/grid/{project.pk}/{action_class.pk}/")
    page.wait_for_selector(".tile")
    return page


def shown_page(page) -> Page:
    """The page whose tiles are on screen (a tile carries its page item's uid)."""
    return PageItem.objects.select_related("page").get(uid=page.get_attribute(".tile", "data-item")).page


def wait_for_next_page(page, before: Page) -> Page:
    """The next page is on screen and the submit of `before` answered: the grid shows a prefetched next page at
    Submit, before the answer, and says "saving the previous page…" until it comes (issue 14)."""
    uids = [str(uid) for uid in before.items.values_list("uid", flat=True)]
    page.wait_for_function(
        """uids => { const tile = document.querySelector('.tile');
        return tile && !uids.includes(tile.dataset.item)
          && !document.getElementById('page-status').textContent.includes('saving'); }""",
        arg=uids,
    )
    return shown_page(page)


def submits_of(page) -> list:
    """Every submit request the page sends from now on."""
    sent = []
    page.on("request", lambda r: sent.append(r) if r.url.endswith("/submit/") else None)
    return sent


def flip_first_tile(page) -> None:
    page.click(".tile >> nth=0")
    page.wait_for_selector(".tile.negative")


def assert_only_first_stored(first: Page, second: Page) -> None:
    """`first` is stored, whole; `second` (the page after it) is not, nor is any label of it."""
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.submitted_at is not None
    assert second.submitted_at is None, "the second press submitted the next, unseen page"
    assert Label.objects.filter(page=first).count() == first.items.count()
    assert not Label.objects.filter(page=second).exists()


# --- (a) double Enter, double click -------------------------------------------------------------------------------


def test_grid_double_enter_stores_one_page_and_never_the_next(
    open_as, shot, grid_queue, live_server, project, action_class
):
    page = open_grid(open_as("annotator1", "pass-1"), live_server, project, action_class)
    sent = submits_of(page)
    first = shown_page(page)
    flip_first_tile(page)
    # when Enter is pressed twice, 150 ms apart
    page.keyboard.press("Enter")
    page.wait_for_timeout(150)
    page.keyboard.press("Enter")
    second = wait_for_next_page(page, first)
    page.wait_for_timeout(AFTER_A_SUBMIT * 1000)
    # then the first page is stored, once, and the second page (its labels all still defaults) is not
    assert second != first
    assert_only_first_stored(first, second)
    assert len(sent) == 1 and Label.objects.count() == first.items.count()
    assert Label.objects.filter(page=first, value=-1).count() == 1
    assert page.locator(".tile.negative").count() == 0  # the second page shows its own, unstored labels
    shot(page, "guard-grid-double-enter")

    # and a second Enter that lands just as the next page comes up is refused with the reason, not submitted
    flip_first_tile(page)
    page.keyboard.press("Enter")
    third = wait_for_next_page(page, second)
    page.keyboard.press("Enter")
    page.wait_for_selector(WAIT_MESSAGE)
    shot(page, "guard-grid-enter-on-a-new-page")
    page.wait_for_timeout(AFTER_A_SUBMIT * 1000)
    third.refresh_from_db()
    assert third.submitted_at is None and not Label.objects.filter(page=third).exists()
    assert len(sent) == 2


def test_grid_double_click_on_submit_stores_one_page(open_as, shot, grid_queue, live_server, project, action_class):
    page = open_grid(open_as("annotator1", "pass-1"), live_server, project, action_class)
    sent = submits_of(page)
    first = shown_page(page)
    # a double click
    page.dblclick("#submit")
    second = wait_for_next_page(page, first)
    page.wait_for_timeout(AFTER_A_SUBMIT * 1000)
    assert_only_first_stored(first, second)
    assert len(sent) == 1
    # two clicks 150 ms apart, where a person's mouse is (not Playwright's click, which waits for the button)
    box = page.locator("#submit").bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.click(x, y)
    page.wait_for_timeout(150)
    page.mouse.click(x, y)
    third = wait_for_next_page(page, second)
    page.wait_for_timeout(AFTER_A_SUBMIT * 1000)
    assert_only_first_stored(second, third)
    assert len(sent) == 2
    # and a click that lands just as the next page comes up is refused with the reason
    page.mouse.click(x, y)
    fourth = wait_for_next_page(page, third)
    page.mouse.click(x, y)
    page.wait_for_selector(WAIT_MESSAGE)
    shot(page, "guard-grid-click-on-a-new-page")
    page.wait_for_timeout(AFTER_A_SUBMIT * 1000)
    assert_only_first_stored(third, fourth)
    assert len(sent) == 3


# --- (b) the real floor -------------------------------------------------------------------------------------------


@pytest.fixture
def real_floor(settings):
    settings.SUBMIT_FLOOR_PAGE_SECONDS = 2.0
    settings.SUBMIT_FLOOR_SECONDS_PER_CLIP = 0.05
    settings.SUBMIT_FLOOR_VIDEO_SECONDS = 2.0
    settings.SUBMIT_FLOOR_VIDEO_FRACTION = 0.25


def test_grid_enter_right_after_the_page_shows_stores_nothing_and_says_to_wait(
    open_as, shot, grid_queue, real_floor, live_server, project, action_class
):
    page = open_grid(open_as("annotator1", "pass-1"), live_server, project, action_class)
    sent = submits_of(page)
    first = shown_page(page)
    page.keyboard.press("Enter")
    page.wait_for_selector(WAIT_MESSAGE)
    assert "waiting" in page.get_attribute("#submit", "class")
    assert " s" in page.inner_text("#submit")  # the countdown on the button
    shot(page, "guard-grid-too-soon")
    assert not sent
    first.refresh_from_db()
    assert first.submitted_at is None and first.shown_at is not None and not Label.objects.exists()
    # once the floor has passed, Enter submits
    page.wait_for_selector("#submit:not(.waiting)", timeout=5000)
    page.keyboard.press("Enter")
    wait_for_next_page(page, first)
    first.refresh_from_db()
    assert first.submitted_at is not None and Label.objects.filter(page=first).count() == first.items.count()


def test_grid_says_what_the_server_refused_as_too_early(
    open_as, shot, grid_queue, real_floor, live_server, project, action_class
):
    """A client that thinks it may submit (here: told the floor is 0) gets the server's 409 too_early: the page
    stays, with its labels, and the message says how long to wait."""
    page = open_as("annotator1", "pass-1")

    def floor_hidden(route):
        response = route.fetch()
        route.fulfill(response=response, json={**response.json(), "min_seconds": 0})

    page.route("**/api/pages/next/", floor_hidden)
    open_grid(page, live_server, project, action_class)
    first = shown_page(page)
    flip_first_tile(page)
    page.keyboard.press("Enter")
    page.wait_for_selector("#notice:has-text('Not saved: this page was on screen for')")
    assert "Your labels are still here" in page.inner_text("#notice")
    shot(page, "guard-grid-server-too-early")
    assert shown_page(page) == first and page.locator(".tile.negative").count() == 1
    first.refresh_from_db()
    assert first.submitted_at is None and not Label.objects.exists()
    page.wait_for_selector("#submit:not(.waiting)", timeout=5000)
    page.keyboard.press("Enter")
    wait_for_next_page(page, first)
    assert Label.objects.filter(page=first, value=-1).count() == 1
    page.unroute_all(behavior="ignoreErrors")  # a prefetch may still be in the route


# --- (c) two tabs on one grid queue -------------------------------------------------------------------------------


def test_grid_two_tabs_the_second_submit_gets_the_conflict_message(
    open_as, shot, grid_queue, live_server, project, action_class
):
    tab_a = open_grid(open_as("annotator1", "pass-1"), live_server, project, action_class)
    tab_b = tab_a.context.new_page()
    wait_without_eval(tab_b)  # the pages' CSP refuses Playwright's eval-based waits
    errors = []
    tab_b.on("pageerror", lambda error: errors.append(str(error)))
    open_grid(tab_b, live_server, project, action_class)
    first = shown_page(tab_a)
    assert shown_page(tab_b) == first  # both tabs show the same page
    # tab A says the first clip is negative, tab B the second one
    tab_a.bring_to_front()
    tab_a.click(".tile >> nth=0")
    tab_b.bring_to_front()
    tab_b.click(".tile >> nth=1")
    tab_a.bring_to_front()
    tab_a.keyboard.press("Enter")
    wait_for_next_page(tab_a, first)
    tab_b.bring_to_front()
    tab_b.keyboard.press("Enter")
    tab_b.wait_for_selector("#notice:has-text('This page was already submitted from another tab or window')")
    assert "nothing from this tab was stored" in tab_b.inner_text("#notice")
    wait_for_next_page(tab_b, first)  # and it goes on with the next page
    shot(tab_b, "guard-grid-two-tabs-conflict")
    # only tab A's labels are stored
    items = list(first.items.order_by("position"))
    stored = {label.clip_id: label.value for label in Label.objects.filter(page=first)}
    assert len(stored) == len(items) == Label.objects.count()
    assert [stored[item.clip_id] for item in items] == [-1] + [1] * (len(items) - 1)
    assert not errors, errors


# --- (e) a retried submit ------------------------------------------------------------------------------------------


def test_grid_retry_of_a_stored_submit_says_already_saved(
    open_as, shot, grid_queue, live_server, project, action_class
):
    page = open_grid(open_as("annotator1", "pass-1"), live_server, project, action_class)
    sent = submits_of(page)
    first = shown_page(page)
    flip_first_tile(page)

    def stored_but_answer_lost(route):
        route.fetch()  # the server stores the page…
        route.abort("connectionreset")  # …and its answer never reaches the browser

    page.route("**/submit/", stored_but_answer_lost)
    page.keyboard.press("Enter")
    page.wait_for_selector("#notice:has-text('Not saved: the server could not be reached')")
    assert "press Submit (Enter) to try again" in page.inner_text("#notice")
    shot(page, "guard-grid-answer-lost")
    assert shown_page(page) == first and page.locator(".tile.negative").count() == 1
    page.unroute("**/submit/")
    # the person tries again: the same submit (same token) is answered "already saved", and the next page comes
    page.keyboard.press("Enter")
    page.wait_for_selector("#notice:has-text('This page was already saved')")
    second = wait_for_next_page(page, first)
    shot(page, "guard-grid-already-saved")
    assert len(sent) == 2 and sent[0].post_data_json["submit_token"] == sent[1].post_data_json["submit_token"]
    assert_only_first_stored(first, second)
    assert Label.objects.filter(page=first, value=-1).count() == 1


# --- (d) the timeline ----------------------------------------------------------------------------------------------


def mark_segment(page, start: float, end: float) -> None:
    seek(page, start)
    page.keyboard.press("z")
    seek(page, end)
    page.keyboard.press("z")


def shown_task(page) -> SegmentAnnotation:
    return SegmentAnnotation.objects.get(status=SegmentAnnotation.Status.LEASED, active=True)


def test_timeline_double_ctrl_enter_submits_one_video(open_as, shot, timeline_project):  # noqa: F811
    """Two videos: the second press of a double Ctrl+Enter on the first lands on the second, just shown, and is
    refused with the reason; on the last one a double press submits once."""
    page = open_timeline(open_as("annotator1", "pass-1"))
    sent = submits_of(page)
    first = shown_task(page)
    mark_segment(page, 2.0, 4.0)
    page.wait_for_selector("#saved[data-state='saved']")
    page.keyboard.press("Control+Enter")
    page.wait_for_function("document.querySelectorAll('#segment-list tbody tr').length === 0")  # the next video
    page.keyboard.press("Control+Enter")
    page.wait_for_selector("#notice:has-text('Not submitted: this video has been on screen for only')")
    assert "The previous video was saved" in page.inner_text("#notice")
    shot(page, "guard-timeline-ctrl-enter-on-a-new-video")
    page.wait_for_timeout(AFTER_A_SUBMIT * 1000)
    first.refresh_from_db()
    assert first.status == SegmentAnnotation.Status.SUBMITTED and first.segments.count() == 1
    second = shown_task(page)
    assert second != first and not second.segments.exists()
    assert len(sent) == 1

    # the second video: Ctrl+Enter twice, 150 ms apart: one submit
    mark_segment(page, 1.0, 2.0)
    page.keyboard.press("Control+Enter")
    page.wait_for_timeout(150)
    page.keyboard.press("Control+Enter")
    page.wait_for_selector("text=No videos of this class are waiting for you")
    page.wait_for_timeout(AFTER_A_SUBMIT * 1000)
    assert len(sent) == 2
    second.refresh_from_db()
    assert second.status == SegmentAnnotation.Status.SUBMITTED and second.segments.count() == 1


def test_timeline_enter_on_a_video_just_shown_is_refused_with_the_reason(
    open_as,
    shot,
    timeline_project,  # noqa: F811
    real_floor,
):
    page = open_timeline(open_as("annotator1", "pass-1"))
    sent = submits_of(page)
    mark_segment(page, 2.0, 4.0)
    page.keyboard.press("Control+Enter")
    page.wait_for_selector("#notice:has-text('Not submitted: this video has been on screen for only')")
    assert "waiting" in page.get_attribute("#submit", "class")
    shot(page, "guard-timeline-too-soon")
    assert not sent
    assert not SegmentAnnotation.objects.filter(status=SegmentAnnotation.Status.SUBMITTED).exists()


def test_timeline_two_tabs_the_stale_tab_stops_saving_and_the_live_tab_submits(open_as, shot, timeline_project):  # noqa: F811
    tab_a = open_timeline(open_as("annotator1", "pass-1"))
    tab_b = tab_a.context.new_page()
    wait_without_eval(tab_b)  # the pages' CSP refuses Playwright's eval-based waits
    errors = []
    tab_b.on("pageerror", lambda error: errors.append(str(error)))
    tab_b.goto(tab_a.url)
    tab_b.wait_for_function("document.getElementById('player').readyState >= 2")
    tab_b.wait_for_selector("#overview .playhead")
    task = shown_task(tab_a)
    # tab A marks a segment and it is saved
    tab_a.bring_to_front()
    mark_segment(tab_a, 2.0, 4.0)
    tab_a.wait_for_selector("#saved[data-state='saved']")
    # tab B, still on the version it loaded, marks another: its save is refused and it says so
    tab_b.bring_to_front()
    mark_segment(tab_b, 6.0, 8.0)
    tab_b.wait_for_selector("#notice:has-text('This video was changed in another tab or window')")
    assert tab_b.is_visible("#notice button:has-text('Reload')")
    assert tab_b.get_attribute("#saved", "data-state") == "conflict"
    assert tab_b.locator("#segment-list tbody tr").count() == 1  # its work stays on screen
    shot(tab_b, "guard-timeline-two-tabs-conflict")
    task.refresh_from_db()
    assert task.draft["segments"] == [[2.0, 4.0]]  # tab A's draft is the one stored
    # tab B does not save again, nor submit
    tab_b.keyboard.press("Control+Enter")
    tab_b.wait_for_timeout(1000)
    task.refresh_from_db()
    assert task.draft["segments"] == [[2.0, 4.0]] and task.status == SegmentAnnotation.Status.LEASED
    # tab A submits
    tab_a.bring_to_front()
    tab_a.keyboard.press("Control+Enter")
    tab_a.wait_for_function("document.querySelectorAll('#segment-list tbody tr').length === 0")
    task.refresh_from_db()
    assert task.status == SegmentAnnotation.Status.SUBMITTED
    assert [(s.start, s.end) for s in task.segments.all()] == [(2.0, 4.0)]
    # tab B's Reload goes on with the next video
    tab_b.bring_to_front()
    tab_b.click("#notice button:has-text('Reload')")
    tab_b.wait_for_function("document.getElementById('player').readyState >= 2")
    tab_b.wait_for_selector("#notice", state="hidden")
    assert tab_b.locator("#segment-list tbody tr").count() == 0
    assert not errors, errors


def test_timeline_submit_of_a_video_another_tab_submitted_says_so_and_goes_on(open_as, shot, timeline_project):  # noqa: F811
    tab_a = open_timeline(open_as("annotator1", "pass-1"))
    tab_b = tab_a.context.new_page()
    wait_without_eval(tab_b)  # the pages' CSP refuses Playwright's eval-based waits
    tab_b.goto(tab_a.url)
    tab_b.wait_for_function("document.getElementById('player').readyState >= 2")
    task = shown_task(tab_a)
    tab_a.bring_to_front()
    mark_segment(tab_a, 2.0, 4.0)
    tab_a.keyboard.press("Control+Enter")
    tab_a.wait_for_function("document.querySelectorAll('#segment-list tbody tr').length === 0")
    # tab B marks a segment by keys and submits at once (well before its autosave, 0.7 s after the edit)
    tab_b.bring_to_front()
    for key in ("z", "ArrowRight", "ArrowRight", "z", "Control+Enter"):
        tab_b.keyboard.press(key)
    tab_b.wait_for_selector("#notice:has-text('This video was already submitted from another tab or window')")
    tab_b.wait_for_function("document.querySelectorAll('#segment-list tbody tr').length === 0")  # the next video
    shot(tab_b, "guard-timeline-submitted-in-another-tab")
    task.refresh_from_db()
    assert [(s.start, s.end) for s in task.segments.all()] == [(2.0, 4.0)]
    assert SegmentAnnotation.objects.filter(status=SegmentAnnotation.Status.SUBMITTED).count() == 1


def test_timeline_retry_of_a_stored_submit_says_already_saved(open_as, shot, timeline_project):  # noqa: F811
    page = open_timeline(open_as("annotator1", "pass-1"))
    sent = submits_of(page)
    first = shown_task(page)
    mark_segment(page, 2.0, 4.0)

    def stored_but_answer_lost(route):
        route.fetch()
        route.abort("connectionreset")

    page.route("**/submit/", stored_but_answer_lost)
    page.keyboard.press("Control+Enter")
    page.wait_for_selector("#notice:has-text('Not saved: the server could not be reached')")
    assert page.locator("#segment-list tbody tr").count() == 1
    shot(page, "guard-timeline-answer-lost")
    page.unroute("**/submit/")
    page.keyboard.press("Control+Enter")
    page.wait_for_selector("#notice:has-text('This video was already saved')")
    page.wait_for_function("document.querySelectorAll('#segment-list tbody tr').length === 0")
    shot(page, "guard-timeline-already-saved")
    assert len(sent) == 2 and sent[0].post_data_json["submit_token"] == sent[1].post_data_json["submit_token"]
    first.refresh_from_db()
    assert first.status == SegmentAnnotation.Status.SUBMITTED and first.segments.count() == 1
