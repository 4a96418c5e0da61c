"""The next page at Submit without waiting for the server (issue 14: on screen < 100 ms, timed by
tests/benchmarks/bench_grid_browser.py). The grid shows the prefetched page at once and sends the labels meanwhile;
the shown page's submit floor starts only once the page before it is stored; a refused submit brings the page back
with its labels and says why, and the next page waits, unstarted. The submit's answer is held back here (Playwright's
route) so that "before the answer" is certain, not a race. Screenshots go to tests/browser/screenshots/.
"""

import pytest

from backend.clips.models import Label, PageItem
from tests.browser.test_submit_guard import (  # noqa: F401 (fixtures)
    grid_queue,
    open_grid,
    real_floor,
    shown_page,
    wait_for_next_page,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SAVING = "#page-status:has-text('saving the previous page')"


def open_grid_prefetched(page, live_server, project, action_class):
    """The grid with its next page leased and warmed (the prefetch answered and its posters asked for)."""
    with page.expect_request_finished(
        lambda r: r.url.endswith("/api/pages/next/") and '"after"' in (r.post_data or "")
    ):
        open_grid(page, live_server, project, action_class)
    page.wait_for_timeout(200)  # the answer handled: the page kept for the next Submit
    return page


def hold_submits(page) -> list:
    """Every submit request from now on waits, unanswered, until the test lets it go (route.continue_())."""
    held = []
    page.route("**/submit/", lambda route: held.append(route))
    return held


def negative_items(page) -> list[str]:
    return page.eval_on_selector_all(".tile.negative", "ts => ts.map(t => t.dataset.item)")


def test_grid_shows_the_next_page_before_the_server_answers_the_submit(
    open_as,
    shot,
    grid_queue,  # noqa: F811
    live_server,
    project,
    action_class,
):
    page = open_grid_prefetched(open_as("annotator1", "pass-1"), live_server, project, action_class)
    first = shown_page(page)
    page.click(".tile >> nth=0")
    held = hold_submits(page)
    # when Enter is pressed and the server has not answered
    page.keyboard.press("Enter")
    uids = [str(uid) for uid in first.items.values_list("uid", flat=True)]
    page.wait_for_function(
        "uids => { const t = document.querySelector('.tile'); return t && !uids.includes(t.dataset.item); }",
        arg=uids,
        timeout=3000,
    )
    # then the next page is on screen while the submit is still on its way, and says so
    assert len(held) == 1
    second = shown_page(page)
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.submitted_at is None and not Label.objects.exists()
    assert page.is_visible(SAVING) and page.locator(".tile.negative").count() == 0
    # and the next page's submit floor has not started: it starts once the page before it is stored
    assert second.shown_at is None
    shot(page, "grid-swap-before-the-answer")
    # when the answer comes, the page on screen is said shown
    with page.expect_request_finished(lambda r: r.url.endswith(f"/api/pages/{second.uid}/shown/")):
        held[0].continue_()
    wait_for_next_page(page, first)
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.submitted_at is not None and Label.objects.filter(page=first, value=-1).count() == 1
    assert second.shown_at is not None and second.shown_at >= first.submitted_at
    assert second.submitted_at is None
    page.unroute_all(behavior="ignoreErrors")


def test_grid_refused_submit_brings_the_page_back_with_its_labels(
    open_as,
    shot,
    grid_queue,  # noqa: F811
    real_floor,  # noqa: F811
    live_server,
    project,
    action_class,
):
    """A client told the floor is 0 submits too soon; the server refuses (409 too_early) after the next page went up:
    the page comes back with its labels and the message, nothing is stored, and the next page waits unstarted."""
    page = open_as("annotator1", "pass-1")

    def floor_hidden(route):
        response = route.fetch()
        route.fulfill(response=response, json={**response.json(), "min_seconds": 0})

    page.route("**/api/pages/next/", floor_hidden)
    open_grid_prefetched(page, live_server, project, action_class)
    first = shown_page(page)
    page.click(".tile >> nth=0")
    page.click(".tile >> nth=2")
    flipped = negative_items(page)
    held = hold_submits(page)
    page.keyboard.press("Enter")
    page.wait_for_selector(SAVING, timeout=3000)
    second = shown_page(page)
    assert second != first and len(held) == 1
    # when the server refuses it
    held[0].continue_()
    page.wait_for_selector("#notice:has-text('Not saved: this page was on screen for')")
    # then the page is back, with the labels as they were, and the message says they are kept
    assert shown_page(page) == first
    assert sorted(negative_items(page)) == sorted(flipped) and len(flipped) == 2
    assert "Your labels are still here" in page.inner_text("#notice")
    assert not page.is_visible(SAVING)
    shot(page, "grid-swap-refused-page-back")
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.submitted_at is None and not Label.objects.exists()
    assert second.shown_at is None  # shown only while the submit was out: its floor has not started
    # and once the floor has passed, Submit stores those labels and brings the same next page up again
    page.unroute("**/submit/")
    page.wait_for_selector("#submit:not(.waiting)", timeout=5000)
    page.keyboard.press("Enter")
    assert wait_for_next_page(page, first) == second
    flipped_clips = set(PageItem.objects.filter(uid__in=flipped).values_list("clip_id", flat=True))
    assert set(Label.objects.filter(page=first, value=-1).values_list("clip_id", flat=True)) == flipped_clips
    assert Label.objects.filter(page=first).count() == first.items.count()
    page.unroute_all(behavior="ignoreErrors")
