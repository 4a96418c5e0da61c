"""Seconds spent count active time only, by one rule in every tool (frontend/static/common/active_timer.js): time counts
while the page is visible and there was input in the last 30 s. A page left alone stops counting 30 s after the last
input; a hidden page does not count at all. What a tool submits is that count, and it is what the bill adds up.

Playwright's clock (page.clock) fakes the page's timers and performance.now(): run_for() moves them on at once.
"""

import pytest

from backend.clips.models import Label, Page
from backend.segments.models import SegmentAnnotation
from tests.browser.test_timeline import open_timeline, timeline_project  # noqa: F401 (a fixture)
from tests.browser.waiting import wait_without_eval
from tests.factories import GroupFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
IDLE_LIMIT = 30  # seconds


def work(page, seconds: int, key: str | None = None) -> None:
    """`seconds` of work: a key press (or a mouse move) every second."""
    for i in range(seconds):
        if key:
            page.keyboard.press(key)
        else:
            page.mouse.move(100, 100 + i)
        page.clock.run_for(1000)


def set_hidden(page, hidden: bool) -> None:
    """What the browser does when the tab is switched away from and back to."""
    page.evaluate(
        """hidden => {
        Object.defineProperty(document, 'hidden', { value: hidden, configurable: true });
        Object.defineProperty(document, 'visibilityState', { value: hidden ? 'hidden' : 'visible', configurable: true });
        document.dispatchEvent(new Event('visibilitychange')); }""",
        hidden,
    )


def test_grid_stops_counting_30_s_after_the_last_input(browser, live_server, project, action_class, make_clips, shot):
    make_clips(videos=1, per_video=2)
    user = UserFactory(username="annotator1", password="pass-1")
    GroupFactory(project=project, members=[user], classes=[action_class])
    context = browser.new_context()
    page = context.new_page()
    wait_without_eval(page)  # the Content-Security-Policy refuses Playwright's eval()-based wait
    page.clock.install()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "annotator1")
    page.fill("input[name=password]", "pass-1")
    page.click("button[type=submit]")
    page.goto(f"{live_server.url}/grid/{project.pk}/{action_class.pk}/")
    page.wait_for_function("document.querySelectorAll('.tile').length === 2")
    # given 10 s of work (input every second), then 5 minutes away from the keyboard
    work(page, 10)
    page.clock.run_for(5 * 60 * 1000)
    shot(page, "active-time-grid-idle")
    # when the page is submitted
    with page.expect_request(lambda r: r.url.endswith("/submit/")) as request:
        page.keyboard.press("Enter")
    page.wait_for_selector("text=No clips of this class are waiting for you")
    # then it sent ~10 s of work + the 30-s grace after the last input, not 310 s, and that is what is stored
    sent = request.value.post_data_json["seconds_spent"]
    assert 10 + IDLE_LIMIT - 2 <= sent <= 10 + IDLE_LIMIT + 8, sent
    seconds = sum(Label.objects.filter(annotator=user).values_list("seconds_spent", flat=True))
    assert seconds == pytest.approx(sent)
    assert Page.objects.get(annotator=user).seconds_spent == pytest.approx(sent)
    context.close()


def test_timeline_counts_by_the_grids_rule(open_as, timeline_project, shot):  # noqa: F811 (the fixture)
    page = open_as("annotator1", "pass-1")
    page.clock.install()
    open_timeline(page)
    # given 10 s of work: a segment from the first frame to 9 s, the playhead moved a second at a time
    page.keyboard.press("z")
    work(page, 9, key="ArrowRight")
    page.keyboard.press("z")
    page.clock.run_for(1000)
    page.wait_for_selector("#saved[data-state='saved']")
    # the tab is hidden for 20 s right after the last input: that is not work, though input was recent
    set_hidden(page, True)
    page.clock.run_for(20_000)
    set_hidden(page, False)
    # then 5 minutes with the page in front of the annotator and no input: only what is left of the 30 s counts
    page.clock.run_for(5 * 60 * 1000)
    shot(page, "active-time-timeline-idle")
    # when the video is submitted
    with page.expect_request(lambda r: r.url.endswith("/submit/")) as request:
        page.keyboard.press("Control+Enter")
    page.wait_for_function("document.querySelectorAll('#segment-list tbody tr').length === 0")
    # then it sent 10 s of work + the 10 s of the grace that the page was visible (not 310 s, not 330 s)
    sent = request.value.post_data_json["seconds_spent"]
    assert 10 + (IDLE_LIMIT - 20) - 2 <= sent <= 10 + (IDLE_LIMIT - 20) + 8, sent
    submitted = SegmentAnnotation.objects.get(status=SegmentAnnotation.Status.SUBMITTED)
    assert submitted.seconds_spent == pytest.approx(sent)
