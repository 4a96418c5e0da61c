"""Issue 14's friction items, each as a person meets it in the browser, with the message they can act on.

One test per item a browser can see (several share a flow where the item is met in it: a submit, its notice, the empty
state and Back to the home page). Screenshots of each message go to tests/browser/screenshots/friction-*.png.
"""

from __future__ import annotations

import random

import pytest

from backend.catalog.models import Clarification, ClarificationAck, Guideline, GuidelineExample, Project, Video
from backend.clips.models import Label
from backend.core.models import Job
from tests.browser.conftest import SCREENSHOTS
from tests.browser.test_submit_guard import mark_segment
from tests.browser.test_timeline import open_timeline, timeline_project  # noqa: F401 (a fixture)
from tests.factories import ClipFactory, GroupFactory, UserFactory, VideoFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def grid_url(live_server, project, action_class) -> str:
    return f"{live_server.url}/grid/{project.pk}/{action_class.pk}/"


def videos_of(project, action_class, sizes: list[int]) -> list:
    """Ready clips (no media files: tiles keep their size without frames) in videos of the given sizes."""
    clips = []
    for n in sizes:
        video = VideoFactory(project=project, query_class=action_class)
        clips += [ClipFactory(video=video, action_class=action_class, start=2.0 * i, end=2.0 * i + 2) for i in range(n)]
    return clips


def one_page_of_everything(project, size: int) -> None:
    project.page_size, project.gold_rate, project.clips_per_video = size, 0.0, 10
    project.save()


# --- ↑/↓ land on the clip visually above/below --------------------------------------------------------------------

# Each tile in page order, in page coordinates (focus scrolls the page).
TILE_BOXES = """[...document.querySelectorAll('.tile')].map((t) => { const r = t.getBoundingClientRect();
  return { index: Number(t.dataset.index), top: r.top + scrollY, bottom: r.bottom + scrollY, cx: r.left + r.width / 2 };
})"""
FOCUSED = "Number(document.activeElement.dataset.index)"


def nearest_in_next_row(boxes: list[dict], here: dict, direction: int) -> set[int]:
    """The tiles of the row right below (direction 1) or above (-1) `here` nearest to it by x-centre (ties: all)."""
    ahead = [b for b in boxes if (b["top"] >= here["bottom"] - 1 if direction > 0 else b["bottom"] <= here["top"] + 1)]
    if not ahead:
        return {here["index"]}  # no row there: focus stays
    row_top = (min if direction > 0 else max)(b["top"] for b in ahead)
    row = [b for b in ahead if abs(b["top"] - row_top) < 2]
    best = min(abs(b["cx"] - here["cx"]) for b in row)
    return {b["index"] for b in row if abs(abs(b["cx"] - here["cx"]) - best) < 1}


def test_up_and_down_go_to_the_clip_visually_above_and_below(open_as, shot, live_server, project, action_class):
    # given a page of 40 clips in videos of 1-10 clips: rows of unequal groups (grid/layout.js)
    rng = random.Random(14)
    sizes, left = [], 40
    while left:
        sizes.append(min(rng.randint(1, 10), left))
        left -= sizes[-1]
    videos_of(project, action_class, sizes)
    one_page_of_everything(project, 40)
    GroupFactory(
        project=project, members=[UserFactory(username="annotator1", password="pass-1")], classes=[action_class]
    )
    page = open_as("annotator1", "pass-1")
    page.set_viewport_size({"width": 1440, "height": 900})
    page.goto(grid_url(live_server, project, action_class))
    page.wait_for_function("document.querySelectorAll('.tile').length === 40")
    page.wait_for_timeout(300)  # the layout settles (a relayout after the first measure)
    boxes = page.evaluate(TILE_BOXES)
    by_index = {b["index"]: b for b in boxes}
    order = [b["index"] for b in boxes]
    assert len({round(b["top"]) for b in boxes}) >= 4  # several rows: the keys have somewhere to go

    # when, from every tile, Down is pressed, then Up from where it landed
    wrong = []
    for position, index in enumerate(order):
        at = order.index(page.evaluate(FOCUSED))
        for _ in range(abs(position - at)):
            page.keyboard.press("ArrowRight" if position > at else "ArrowLeft")
        assert page.evaluate(FOCUSED) == index
        page.keyboard.press("ArrowDown")
        below = page.evaluate(FOCUSED)
        if below not in nearest_in_next_row(boxes, by_index[index], 1):
            wrong.append(("down", index, below))
        page.keyboard.press("ArrowUp")
        above = page.evaluate(FOCUSED)
        if above not in nearest_in_next_row(boxes, by_index[below], -1):
            wrong.append(("up", below, above))
    # then each lands on the nearest clip (by x-centre) of the row below / above
    assert not wrong, wrong
    shot(page, "friction-grid-up-down")


# --- Esc on the clarification dialog ------------------------------------------------------------------------------


def test_escape_on_a_clarification_leaves_a_way_to_read_it_not_a_blank_grid(
    open_as, shot, live_server, project, action_class
):
    videos_of(project, action_class, [3])
    admin = UserFactory(username="admin", password="pass-admin", is_staff=True)
    annotator = UserFactory(username="annotator1", password="pass-1")
    GroupFactory(project=project, members=[annotator], classes=[action_class])
    Clarification.objects.create(action_class=action_class, author=admin, text="A cup near the mouth is not drinking.")
    page = open_as("annotator1", "pass-1")
    page.goto(grid_url(live_server, project, action_class))
    page.wait_for_selector("#clarify-dialog[open]")
    # when the annotator presses Esc instead of acknowledging
    page.keyboard.press("Escape")
    # then the page says what is waiting and how to go on
    page.wait_for_selector("#notice:has-text('Your next page comes once you have read the new clarification')")
    assert page.is_hidden("#clarify-dialog")
    shot(page, "friction-clarification-escaped")
    page.click("#notice button:has-text('Read it now')")
    page.wait_for_selector("#clarify-dialog[open]")
    assert page.is_hidden("#notice")
    page.click("#clarify-ack")
    page.wait_for_function("document.querySelectorAll('.tile').length === 3")
    assert ClarificationAck.objects.filter(user=annotator).count() == 1


# --- counts, a submit's notice, the empty state, Back ---------------------------------------------------------------


def waiting_on_home(page) -> str:
    return page.inner_text("#queues tbody tr td.num")


def test_home_counts_what_the_grid_serves_a_submit_is_confirmed_and_back_shows_fresh_counts(
    open_as, shot, live_server, project, action_class
):
    # given 9 clips of which 2 are guideline examples (shown beside the grid, never asked)
    clips = videos_of(project, action_class, [3, 3, 3])
    guideline = Guideline.objects.create(action_class=action_class, definition="Drinking from a cup.")
    GuidelineExample.objects.create(guideline=guideline, clip=clips[0], kind="positive")
    GuidelineExample.objects.create(guideline=guideline, clip=clips[4], kind="hard_negative")
    one_page_of_everything(project, 60)
    GroupFactory(
        project=project, members=[UserFactory(username="annotator1", password="pass-1")], classes=[action_class]
    )
    page = open_as("annotator1", "pass-1")

    # then the home page counts the 7 the grid serves
    assert waiting_on_home(page) == "7"
    page.click("text=Start labelling")
    page.wait_for_selector(".tile")
    page.wait_for_timeout(300)
    assert page.locator(".tile").count() == 7

    # and a submit is confirmed in a short notice, and the empty state leads back to the queues
    page.click(".tile >> nth=0")
    page.keyboard.press("Enter")
    page.wait_for_selector("#notice:has-text('Page saved: 7 clips (1 marked no).')")
    page.wait_for_selector("#empty:has-text('No clips of this class are waiting for you')")
    assert page.is_visible("#empty a:has-text('Back to your queues')")
    shot(page, "friction-grid-saved-and-empty")
    assert Label.objects.count() == 7

    # and Back shows the home page as it is now, not as it was left
    page.go_back()
    page.wait_for_selector("#queues")
    assert waiting_on_home(page) == "0"
    page.go_forward()
    page.click("#empty a:has-text('Back to your queues')")
    page.wait_for_selector("#queues")
    assert waiting_on_home(page) == "0"


def test_home_is_never_stored_by_the_browser(client, project, action_class):
    user = UserFactory(username="annotator1", password="pass-1")
    GroupFactory(project=project, members=[user], classes=[action_class])
    client.force_login(user)
    assert "no-store" in client.get("/")["Cache-Control"]


# --- the admin's forms --------------------------------------------------------------------------------------------


def test_add_a_class_with_no_name_says_to_type_one(open_as, shot, live_server, project):
    UserFactory(username="admin", password="pass-admin", is_staff=True, is_superuser=True)
    GroupFactory(project=project, name="Hobby annotators")
    page = open_as("admin", "pass-admin")
    page.goto(f"{live_server.url}/projects/{project.pk}/add-class/")
    page.wait_for_load_state("load")
    page.click("#class-create")
    page.wait_for_selector('#error:has-text("Type the new class\'s name")')
    assert "400" not in page.inner_text("#error") and "name:" not in page.inner_text("#error")
    assert page.evaluate("document.activeElement.id") == "class-name"
    assert page.get_attribute("#class-name", "aria-invalid") == "true"
    shot(page, "friction-add-class-no-name")


def test_upload_keeps_project_and_class_and_finds_a_class_by_typing(
    open_as, shot, live_server, project, action_class, demo_video
):
    from tests.factories import ActionClassFactory

    other = Project.objects.create(name="Another project")
    for i in range(30):  # a long class list: typed into, not scrolled
        ActionClassFactory(name=f"Class {i:02d}", is_leaf=True)
    UserFactory(username="admin", password="pass-admin", is_staff=True, is_superuser=True)
    page = open_as("admin", "pass-admin")
    page.goto(f"{live_server.url}/upload/")
    assert page.locator("#class-names option").count() == 31
    page.select_option("select[name=project]", str(project.pk))
    page.set_input_files("input[name=files]", str(demo_video))
    # a name that is no class is refused, naming it
    page.fill("input[name=action_class]", "Juggle")
    page.click("button[type=submit]")
    page.wait_for_selector("text=No action class is named “Juggle”")
    assert not Video.objects.exists()
    shot(page, "friction-upload-unknown-class")
    page.fill("input[name=action_class]", action_class.name)
    page.set_input_files("input[name=files]", str(demo_video))
    page.click("button[type=submit]")
    page.wait_for_selector("text=Ingested astronaut.mp4")
    # the next upload starts from the same project and class
    assert page.input_value("select[name=project]") == str(project.pk) != str(other.pk)
    assert page.input_value("input[name=action_class]") == action_class.name
    shot(page, "friction-upload-kept")


def test_a_page_size_over_the_maximum_is_refused_naming_it(open_as, shot, live_server, project):
    UserFactory(username="admin", password="pass-admin", is_staff=True, is_superuser=True)
    page = open_as("admin", "pass-admin")
    page.goto(f"{live_server.url}/admin/catalog/project/{project.pk}/change/")
    page.fill("input[name=page_size]", "500")
    page.click("input[name=_save]")
    page.wait_for_selector(".errorlist:has-text('A page holds at most 200 clips: 500 is too many')")
    shot(page, "friction-page-size-500")
    project.refresh_from_db()
    assert project.page_size == 60


def test_mine_new_videos_asks_first_stating_how_many(open_as, shot, live_server, project, action_class):
    for _ in range(2):
        VideoFactory(project=project, query_class=action_class, file="videos/x.mp4")
    VideoFactory(project=project, query_class=action_class)  # no file: nothing to mine
    UserFactory(username="admin", password="pass-admin", is_staff=True, is_superuser=True)
    page = open_as("admin", "pass-admin")
    native = []
    page.on("dialog", lambda d: (native.append(d.message), d.dismiss()))
    page.goto(f"{live_server.url}/dashboard/{project.pk}/")
    page.click("#mine-start")
    page.wait_for_selector("#in-page-dialog[open]:has-text('Mine 2 videos?')")
    page.screenshot(path=str(SCREENSHOTS / "friction-mine-confirm.png"))  # the screen: the button is far down the page
    page.click("#in-page-dialog-cancel")
    page.wait_for_selector("#in-page-dialog", state="detached")
    assert not Job.objects.filter(kind="mine").exists()  # cancelled: nothing queued
    page.click("#mine-start")
    page.click("#in-page-dialog-confirm:has-text('Mine 2 videos')")
    page.wait_for_selector("#mine-status:has-text('2 video(s) queued')")
    assert Job.objects.filter(kind="mine").count() == 2
    assert not native


# --- the timeline -------------------------------------------------------------------------------------------------


def test_timeline_key_help_opens_at_its_title_a_submit_is_confirmed_and_the_end_leads_back(
    open_as,
    shot,
    timeline_project,  # noqa: F811 (the fixture imported above)
):
    page = open_timeline(open_as("annotator1", "pass-1"))
    page.set_viewport_size({"width": 1366, "height": 768})
    page.keyboard.press("?")
    page.wait_for_selector("#help-dialog[open]")
    seen = page.evaluate("""(() => { const d = document.getElementById('help-dialog').getBoundingClientRect();
      const h = document.querySelector('#help-dialog h2').getBoundingClientRect();
      return { scrolled: document.getElementById('help-dialog').scrollTop, top: h.top - d.top, bottom: d.bottom - h.bottom,
               taller: document.getElementById('help-dialog').scrollHeight > d.height }; })()""")
    assert seen["taller"], seen  # at 1366x768 the list is longer than the screen: where it opens matters
    assert seen["scrolled"] == 0 and seen["top"] >= 0 and seen["bottom"] >= 0, seen
    shot(page, "friction-timeline-help")
    page.keyboard.press("?")
    page.wait_for_selector("#help-dialog", state="hidden")
    mark_segment(page, 2.0, 4.0)
    page.wait_for_selector("#saved[data-state='saved']")
    page.keyboard.press("Control+Enter")
    page.wait_for_selector("#notice:has-text('Video saved: 1 segment(s). Here is the next video.')")
    shot(page, "friction-timeline-saved")
    # and the last video's submit leaves an empty state with the way back to the queues
    page.wait_for_function("document.getElementById('player').readyState >= 2")
    mark_segment(page, 1.0, 3.0)
    page.wait_for_selector("#saved[data-state='saved']")
    page.keyboard.press("Control+Enter")
    page.wait_for_selector("#empty:has-text('No videos of this class are waiting for you')")
    page.click("#empty a:has-text('Back to your queues')")
    page.wait_for_function("location.pathname === '/'")
    shot(page, "friction-timeline-back-to-queues")


# --- log-in, favicon ----------------------------------------------------------------------------------------------


def test_a_wrong_password_keeps_the_user_name_and_asks_only_the_password(browser, live_server, shot):
    UserFactory(username="annotator1", password="pass-1")
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    try:
        page = context.new_page()
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("input[name=username]", "annotator1")
        page.fill("input[name=password]", "wrong")
        page.click("button[type=submit]")
        page.wait_for_selector("text=didn't match")
        assert page.input_value("input[name=username]") == "annotator1"
        assert page.evaluate("document.activeElement.name") == "password"
        shot(page, "friction-login-wrong-password")
        page.fill("input[name=password]", "pass-1")
        page.click("button[type=submit]")
        page.wait_for_url(f"{live_server.url}/")
    finally:
        context.close()


def test_no_page_asks_for_a_favicon_that_is_not_there(browser, live_server):
    context = browser.new_context()
    missing = []
    try:
        page = context.new_page()
        page.on("response", lambda r: missing.append(r.url) if r.status == 404 else None)
        for path in ("/accounts/login/", "/admin/login/"):  # ours, and the admin's (which names no icon)
            page.goto(f"{live_server.url}{path}")
            page.wait_for_load_state("load")
        icon = page.goto(f"{live_server.url}/favicon.ico")
        assert icon.status == 200 and "svg" in icon.headers["content-type"]
        assert not missing, missing
    finally:
        context.close()
