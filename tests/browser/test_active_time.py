"""Seconds spent count active time only: a page left alone stops counting after 30 s without input."""

import pytest

from backend.clips import services
from backend.clips.models import Label
from tests.browser.waiting import wait_without_eval
from tests.factories import GroupFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_idle_time_is_not_counted(browser, live_server, project, action_class, make_clips):
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
    # 10 s of work (input every second), then 5 minutes away from the keyboard
    for _ in range(10):
        page.mouse.move(100, 100 + _)
        page.clock.run_for(1000)
    page.clock.run_for(5 * 60 * 1000)
    page.keyboard.press("Enter")
    page.wait_for_selector("text=No clips of this class are waiting for you")
    seconds = sum(Label.objects.filter(annotator=user).values_list("seconds_spent", flat=True))
    assert 35 <= seconds <= 45, seconds  # ~10 s of work + the 30-s grace after the last input, not 310 s
    assert services.Page.objects.get(annotator=user).seconds_spent == pytest.approx(seconds)
    context.close()
