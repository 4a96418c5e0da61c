"""Admin flows in the browser: gold mode answers, a clarification the annotator must acknowledge, send-back."""

import pytest

from backend.catalog.models import ClarificationAck
from backend.catalog.services import video_ingest
from backend.clips import services
from backend.clips.models import GoldAnswer, Label
from tests.factories import GroupFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def setup(project, action_class, demo_video, monkeypatch):
    from backend.clips import tasks

    monkeypatch.setattr(tasks.clip_media_cut_task, "delay", lambda pk: services.clip_media_cut(clip_id=pk))
    annotator = UserFactory(username="annotator1", password="pass-1")
    GroupFactory(project=project, members=[annotator], classes=[action_class])
    UserFactory(username="admin", password="pass-admin", is_staff=True, is_superuser=True)
    video_ingest(project=project, path=demo_video, action_class=action_class)
    return annotator


def test_gold_mode_stores_the_admins_answers(open_as, shot, setup, live_server, project, action_class):
    page = open_as("admin", "pass-admin")
    page.goto(f"{live_server.url}/grid/{project.pk}/{action_class.pk}/?mode=gold")
    page.wait_for_function("document.querySelectorAll('.tile').length === 3")
    assert "gold mode" in page.inner_text(".topbar")
    page.click(".tile >> nth=2")
    shot(page, "grid-gold-mode")
    page.keyboard.press("Enter")
    page.wait_for_selector("text=No clips of this class are waiting for you")
    assert sorted(GoldAnswer.objects.values_list("value", flat=True)) == [-1, 1, 1]


def test_a_clarification_is_acknowledged_before_the_next_page_and_send_back_reopens(
    open_as, shot, setup, live_server, project, action_class
):
    annotator = setup
    page = open_grid = open_as("annotator1", "pass-1")
    open_grid.click("text=Start labelling")
    page.wait_for_function("document.querySelectorAll('.tile').length === 3")
    page.keyboard.press("Enter")
    page.wait_for_selector("text=No clips of this class are waiting for you")
    assert Label.objects.filter(annotator=annotator).count() == 3

    admin = open_as("admin", "pass-admin")
    native = []  # the browser's own prompt/confirm/alert: none (issue 14), the dialogs are the page's
    admin.on("dialog", lambda d: (native.append(d.message), d.dismiss()))
    admin.click("text=Dashboard")
    admin.wait_for_selector("#progress tbody tr")
    admin.click("#progress button:has-text('Clarify')")
    admin.wait_for_selector("#in-page-dialog[open]")
    admin.keyboard.press("Enter")  # nothing typed: refused in the dialog, with what to do
    admin.wait_for_selector("#in-page-dialog-error:has-text('Type the clarification first')")
    shot(admin, "dashboard-clarify-in-page")
    admin.fill("#in-page-dialog-input", "A cup held near the mouth without drinking is negative.")
    admin.keyboard.press("Enter")
    admin.wait_for_selector("#notice:has-text('Clarification sent')")
    admin.click("#progress button.class-open")  # the class's figures per annotator, with Send back
    admin.click("#class-annotators tr[data-user='annotator1'] button:has-text('Send back')")
    admin.wait_for_selector("#in-page-dialog[open]:has-text('back to the queue')")
    shot(admin, "dashboard-send-back-in-page")
    admin.click("#in-page-dialog-confirm")
    admin.wait_for_selector("#notice:has-text('3 labels of annotator1 sent back')")
    admin.wait_for_function("document.querySelector('#annotators td:nth-child(4)').innerText === '0'")
    assert Label.objects.filter(annotator=annotator, active=True).count() == 0
    assert not native, native

    page.goto(f"{live_server.url}/grid/{project.pk}/{action_class.pk}/")
    page.wait_for_selector("#clarify-dialog[open]")
    assert "without drinking is negative" in page.inner_text("#clarify-dialog")
    shot(page, "grid-clarification")
    page.click("#clarify-ack")
    page.wait_for_function("document.querySelectorAll('.tile').length === 3")  # the sent-back clips, again
    assert ClarificationAck.objects.filter(user=annotator).count() == 1
    assert "without drinking is negative" in page.inner_text("#clarifications")
