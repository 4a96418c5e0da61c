"""The guided "add a class" flow in the browser, with a real Celery worker cutting the uploaded video's clips."""

import time

import pytest

from backend.catalog.models import ClassSetup, GuidelineExample
from tests.factories import GroupFactory, UserFactory
from tests.integration.conftest import worker  # noqa: F401  (a real worker process, as the integration tests use)

pytestmark = [pytest.mark.browser, pytest.mark.integration, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_an_admin_adds_a_class_from_nothing_to_its_first_page(
    open_as,
    shot,
    live_server,
    worker,  # noqa: F811 (the fixture imported above)
    project,
    demo_video,
    tmp_path,
):
    from backend.catalog.models import ActionClass

    area = ActionClass.objects.create(node_id=90_001, name="Games and hobbies", is_leaf=False)
    annotator = UserFactory(username="annotator1", password="pass-1")
    group = GroupFactory(project=project, name="Hobby annotators", members=[annotator], classes=[])
    UserFactory(username="admin", password="pass-admin", is_staff=True, is_superuser=True)
    not_a_video = tmp_path / "notes.mp4"
    not_a_video.write_text("these are notes, not a video\n" * 20)

    page = open_as("admin", "pass-admin")
    page.click("text=Add a class")
    # typing while Chromium still parses the page can be lost (it was, one run in five): wait as a person would
    page.wait_for_url("**/add-class/")
    page.wait_for_load_state("load")
    # 1 · class
    page.fill("#class-name", "Juggling clubs")
    page.select_option("#class-parent", label="Games and hobbies")
    page.select_option("#class-group", value=str(group.pk))
    shot(page, "add-class-1-class")
    page.click("#class-create")
    page.wait_for_selector(".step.current[data-step=guideline]")
    setup = ClassSetup.objects.get()
    assert setup.action_class.parent == area
    assert page.url.endswith(f"/class-setups/{setup.pk}/")  # a reload resumes here
    # 2 · guideline: too short is refused with the reason, then saved
    page.fill("#definition", "juggle")
    page.click("#guideline-save")
    page.wait_for_selector("#error:has-text('at least a sentence')")
    page.fill(
        "#definition",
        "The clubs leave the hands and are caught again at least twice. Starts when the first "
        "club leaves a hand, ends at the last catch. Not: spinning a club without throwing it.",
    )
    page.click("#guideline-save")
    page.wait_for_selector(".step.current[data-step=videos]")
    # 3 · videos: a real one is stored, a renamed text file is refused and listed
    page.set_input_files("#files", [str(demo_video), str(not_a_video)])
    page.wait_for_selector(".uploads li.refused")
    page.wait_for_selector(".uploads li.stored")
    refusal = page.inner_text(".uploads li.refused")
    assert "notes.mp4: not a readable video" in refusal and "/tmp" not in refusal, refusal  # no server path shown
    shot(page, "add-class-3-videos")
    page.click("#videos-done")
    page.wait_for_selector(".step.current[data-step=mining]")
    # 4 · mining (off in this project: the worker cuts random clips) — the page follows the worker's progress
    deadline = time.monotonic() + 120
    while page.is_disabled("#mining-done") and time.monotonic() < deadline:
        assert worker.poll() is None, "the worker died"
        time.sleep(1)
    page.wait_for_function("document.getElementById('mining-done').textContent === 'Continue'", timeout=120_000)
    assert "3 of 3 clips ready" in page.inner_text("#mining-status")
    shot(page, "add-class-4-mining")
    page.click("#mining-done")
    # 5 · examples: one click positive, two clicks hard negative
    page.wait_for_selector(".step.current[data-step=examples] .clip >> nth=2")
    page.click("#examples-done")
    page.wait_for_selector("#error:has-text('at least one positive')")
    page.click(".clip >> nth=0")
    page.wait_for_selector(".clip.positive")
    page.click(".clip >> nth=2")
    page.wait_for_selector(".clip.positive + .clip + .clip.positive")
    page.click(".clip >> nth=2")
    page.wait_for_selector(".clip.hard_negative")
    shot(page, "add-class-5-examples")
    page.click("#examples-done")
    # 6 · the first page: minutes per step, and the link to the grid
    page.wait_for_selector(".step.current[data-step=first-page]")
    shot(page, "add-class-6-first-page")
    setup.refresh_from_db()
    assert setup.finished_at is not None and set(setup.step_done_at) == set(ClassSetup.STEPS)  # jsonb: no key order
    assert "Added in" in page.inner_text("#summary")
    assert page.locator("#minutes tbody tr").count() == 5
    assert sorted(GuidelineExample.objects.values_list("kind", flat=True)) == ["hard_negative", "positive"]
    page.click("#grid-link")
    page.wait_for_function("document.querySelectorAll('.tile').length >= 1")
    shot(page, "add-class-first-page-gold-mode")
    # and the annotator of the group has the class in their queues
    annotator_page = open_as("annotator1", "pass-1")
    assert "Juggling clubs" in annotator_page.inner_text("#queues")
