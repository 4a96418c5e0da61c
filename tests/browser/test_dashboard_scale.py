"""The dashboard at 200 classes and 100 annotators (issue 14), in Chromium: the tables sort on a header click, filter
on typed text and page 25 rows at a time; a class opens its plot on demand; a new label shows up without a reload."""

import time

import pytest

from backend.clips.models import Clip, Label
from backend.quality.selectors_dashboard import dashboard
from tests.factories import UserFactory
from tests.quality.dashboard_seed import seed_dashboard

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ROWS = "document.querySelectorAll('#{} tbody tr')"


def names(page, table: str) -> list[str]:
    return page.eval_on_selector_all(f"#{table} tbody tr", "rows => rows.map(r => r.dataset.user || r.dataset.class)")


def test_dashboard_sorts_filters_pages_plots_a_class_and_updates_live(open_as, shot, live_server):
    # given: 200 classes x 100 annotators, 40,000 labels
    seeded = seed_dashboard(classes=200, annotators=100)
    UserFactory(username="admin", password="pass-admin", is_staff=True, is_superuser=True)
    board = dashboard(project=seeded.project)
    page = open_as("admin", "pass-admin")
    page.set_viewport_size({"width": 1440, "height": 900})
    started = time.monotonic()
    page.goto(f"{live_server.url}/dashboard/{seeded.project.pk}/")
    page.wait_for_function(ROWS.format("annotators") + ".length === 25")
    print(f"dashboard at 200 x 100 drawn in {time.monotonic() - started:.2f} s")
    assert "1–25 of 100" in page.inner_text("#annotators-pager")
    assert "1–25 of 200" in page.inner_text("#progress-pager")
    assert page.locator("#accuracy-plot rect.bar").count() == 25  # the plot follows the table's page
    shot(page, "dashboard-scale")

    # sort: a click on "Accuracy" puts the least accurate first, a second click the most accurate
    by_accuracy = [a["username"] for a in sorted(board["annotators"], key=lambda a: a["accuracy"])]
    page.click("#annotators th:has-text('Accuracy')")
    page.wait_for_function(f"document.querySelector('#annotators tbody tr').dataset.user === '{by_accuracy[0]}'")
    assert names(page, "annotators") == by_accuracy[:25]
    page.click("#annotators th:has-text('Accuracy')")
    most_accurate = sorted(board["annotators"], key=lambda a: -a["accuracy"])[0]["username"]  # ties: table order
    page.wait_for_function(f"document.querySelector('#annotators tbody tr').dataset.user === '{most_accurate}'")
    assert page.get_attribute("#annotators th:has-text('Accuracy')", "aria-sort") == "descending"

    # filter: ten annotators match "annotator07"
    page.fill("#annotators-filter", "annotator07")
    page.wait_for_function(ROWS.format("annotators") + ".length === 10")
    assert sorted(names(page, "annotators")) == [f"annotator07{i}" for i in range(10)]
    assert "(filtered from 100)" in page.inner_text("#annotators-pager")

    # pages: the second page of classes
    page.click("#progress-pager .next")
    page.wait_for_function("document.querySelector('#progress tbody tr').dataset.class === 'Class 025'")
    assert names(page, "progress") == [f"Class {c:03d}" for c in range(25, 50)]

    # a class's plot, on demand: one column per annotator
    page.click("#progress button.class-open:has-text('Class 030')")
    page.wait_for_function("document.querySelectorAll('#class-plot rect[data-user]').length === 100")
    assert page.inner_text("#class-detail-title") == "Class 030"
    assert page.locator("#class-annotators tbody tr").count() == 25
    shot(page, "dashboard-scale-class")

    # live: a new labelled clip in Class 030 appears without a reload
    page.evaluate("window.notReloaded = true")
    cls = seeded.classes[30]
    video = Clip.objects.filter(action_class=cls).first().video
    clip = Clip.objects.create(video=video, action_class=cls, start=10.0, end=12.0, label_count=1)
    Label.objects.create(clip=clip, annotator=seeded.users[0], value=1, seconds_spent=2.0)
    page.wait_for_function(
        "document.querySelector(\"#progress tr[data-class='Class 030'] td:nth-child(3)\").innerText === '1 / 2'",
        timeout=12_000,
    )
    page.fill("#class-annotators-filter", "annotator000")
    page.wait_for_function(
        "document.querySelector(\"#class-annotators tr[data-user='annotator000'] .labels\")?.innerText === '3'",
        timeout=12_000,
    )
    assert page.evaluate("window.notReloaded") is True
    shot(page, "dashboard-scale-live")
